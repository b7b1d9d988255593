"""What a page is rendered from: the published (protected) frames, the territories with
pages, and the build's settings (referential label, data date, boundaries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dashboards import formatting as fmt
from dashboards.marts import Marts
from dashboards.protected import Published
from dashboards.territories import Territory


@dataclass(frozen=True)
class Context:
    pub: Published
    territories: dict[tuple[str, str], Territory]
    referential_label: str
    data_date: date | None
    boundaries_file: Path | None
    regions_boundaries_file: Path | None

    @property
    def marts(self) -> Marts:
        return self.pub.marts

    @property
    def labels(self) -> fmt.Labels:
        return fmt.Labels.from_frame(self.marts.dim_code_lists)

    def children(self, t: Territory) -> list[Territory]:
        kids = [c for c in self.territories.values() if c.parent == (t.level, t.code)]
        return sorted(kids, key=lambda c: c.code)

    def trail(self, t: Territory) -> list[Territory]:
        chain = [t]
        while chain[-1].parent and chain[-1].parent in self.territories:
            chain.append(self.territories[chain[-1].parent])
        return list(reversed(chain))
