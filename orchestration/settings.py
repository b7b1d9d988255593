"""Configuration by environment variables, read when asked (at run time), never at import.

Every path has a default under the project's `data/`. The warehouse variable is the one
dbt's profiles.yml reads too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Simplified public boundaries shipped with the site (dashboards/geodata/SOURCES.md): the
# maps draw without configuration; the environment variables point elsewhere.
GEODATA = PROJECT_ROOT / "dashboards" / "geodata"

OFFICIAL_LABEL = "référentiel officiel des QPV (ANCT)"
DEMO_LABEL = "référentiel QPV fictif de démonstration"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse: Path
    inbox: Path
    site: Path
    snapshot: Path
    reports: Path
    qpv_2024_file: Path
    qpv_2015_file: Path | None
    population_file: Path | None
    boundaries_file: Path | None
    region_boundaries_file: Path | None
    referential_is_official: bool
    max_file_bytes: int
    max_rows: int

    @property
    def referential_label(self) -> str:
        return OFFICIAL_LABEL if self.referential_is_official else DEMO_LABEL


def _path(env: Mapping[str, str], name: str, default: Path | None) -> Path | None:
    value = env.get(name)
    return Path(value).expanduser().resolve() if value else default


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data = _path(env, "QUARTIERS_DATA_DIR", PROJECT_ROOT / "data")
    demo_ref = data / "reference"
    official = _path(env, "QUARTIERS_QPV_2024_FILE", None)

    def optional(name: str, demo_default: Path) -> Path | None:
        path = _path(env, name, None)
        if path is not None:
            return path
        # The demo's files are used only with the demo's referential.
        return demo_default if official is None and demo_default.exists() else None

    return Settings(
        data_dir=data,
        warehouse=_path(env, "QUARTIERS_WAREHOUSE", data / "warehouse.duckdb"),
        inbox=_path(env, "QUARTIERS_INBOX", data / "inbox"),
        site=_path(env, "QUARTIERS_SITE", data / "publication" / "site"),
        snapshot=_path(env, "QUARTIERS_SNAPSHOT", data / "publication" / "quartiers.duckdb"),
        reports=_path(env, "QUARTIERS_REPORTS", data / "reports"),
        qpv_2024_file=official or demo_ref / "qpv_2024_demo.csv",
        qpv_2015_file=optional("QUARTIERS_QPV_2015_FILE", demo_ref / "qpv_2015_demo.csv"),
        population_file=optional("QUARTIERS_POPULATION_FILE",
                                 demo_ref / "population_qpv_demo.csv"),
        boundaries_file=_path(env, "QUARTIERS_BOUNDARIES_FILE", GEODATA / "departements.geojson"),
        region_boundaries_file=_path(env, "QUARTIERS_REGION_BOUNDARIES_FILE", GEODATA / "regions.geojson"),
        referential_is_official=official is not None,
        max_file_bytes=int(float(env.get("QUARTIERS_MAX_FILE_MB", "50")) * 1024 * 1024),
        max_rows=int(env.get("QUARTIERS_MAX_ROWS", "200000")),
    )
