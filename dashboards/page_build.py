"""One page of the site in the staged folder: kept when its inputs did not change, else
rendered and written with its exports. The same function serves the build's own process
and its helper process (`dashboards.workers`), so a page's bytes do not depend on which
process made it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from dashboards import exports, pages
from dashboards.context import Context
from dashboards.incremental import files_intact, page_digest, write_if_changed
from dashboards.page import render
from dashboards.territories import Territory


@dataclass
class Planned:
    """A page whose digest is known: kept as it is (`kept`) or to render."""

    territory: Territory
    digest: str
    kept: dict | None  # the previous state entry, when the page and its files are intact


@dataclass
class PageOutcome:
    name: str
    state: dict  # {"digest": ..., "files": {name: sha256}} for .build/state.json
    rendered: bool
    written: bool
    exports: list[str] = field(default_factory=list)  # export file names


def plan_page(
    page_ctx: Context,
    territory: Territory,
    out_dir: Path,
    settings: str,
    before: dict,
    memo: dict | None = None,
) -> Planned:
    """The page's digest, and whether the previous build's page can be kept."""
    digest = page_digest(page_ctx, territory, settings, memo)
    if before.get("digest") == digest and files_intact(out_dir, before.get("files") or {}):
        return Planned(territory, digest, before)
    return Planned(territory, digest, None)


def kept_outcome(plan: Planned) -> PageOutcome:
    state = plan.kept or {}
    name = plan.territory.href
    return PageOutcome(
        name,
        state,
        rendered=False,
        written=False,
        exports=[Path(n).name for n in state.get("files", {}) if n != name],
    )


def write_page(page_ctx: Context, territory: Territory, digest: str, out_dir: Path) -> PageOutcome:
    """Render the page and write it and its exports (each only if its bytes changed)."""
    path = out_dir / territory.href
    html_text, exported = render(page_ctx, territory)
    data = html_text.encode("utf-8")
    files = {path.name: hashlib.sha256(data).hexdigest()}
    written = write_if_changed(path, data)
    names: list[str] = []
    for t in exported:
        if not t.slug:
            continue
        rows = exports.cells(t)
        for suffix, blob in (
            (".csv", exports.to_csv(t, rows)),
            (".xlsx", exports.to_xlsx(t, rows)),
        ):
            names.append(t.slug + suffix)
            write_if_changed(out_dir / pages.EXPORTS_DIR / (t.slug + suffix), blob)
            files[f"{pages.EXPORTS_DIR}/{t.slug}{suffix}"] = hashlib.sha256(blob).hexdigest()
    return PageOutcome(path.name, {"digest": digest, "files": files}, True, written, names)
