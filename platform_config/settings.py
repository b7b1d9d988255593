"""Configuration by environment variables, read when asked (at run time), never at import.

Every path has a default under the project's `data/`; a variable set to an empty value counts
as unset (a Dagster resource field bound to an unset variable reads as ""). The warehouse
variable is the one dbt's profiles.yml reads too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from returns.calendar import parse_due_dates, parse_months

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
    wait_minutes: float  # how long a command waits for a warehouse held by another run
    reminders: Path = Path("data/reminders")
    return_due_dates: dict = field(default_factory=dict)  # campaign year -> date
    alerts_log: Path = Path("data/alerts.log")
    smtp: dict = field(default_factory=dict)  # host, port, sender, recipients (empty: no mail)
    season_months: frozenset = frozenset(range(6, 12))  # months with a daily check and rebuild
    off_season_weekday: int = 1  # the weekly run's day outside the season (ISO, 1 = Monday)
    snapshot_storage_version: str = "v1.2.0"  # readable by DuckDB ≥ 1.2 (R, DBeaver…)
    quiet_days_alert: int = 14  # a campaign in season with nothing received for longer: check fails

    @property
    def referential_label(self) -> str:
        return OFFICIAL_LABEL if self.referential_is_official else DEMO_LABEL


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    return env.get(name) or default


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
        population_file=optional("QUARTIERS_POPULATION_FILE", demo_ref / "population_qpv_demo.csv"),
        boundaries_file=_path(env, "QUARTIERS_BOUNDARIES_FILE", GEODATA / "departements.geojson"),
        region_boundaries_file=_path(
            env, "QUARTIERS_REGION_BOUNDARIES_FILE", GEODATA / "regions.geojson"
        ),
        referential_is_official=official is not None,
        max_file_bytes=int(float(_text(env, "QUARTIERS_MAX_FILE_MB", "50")) * 1024 * 1024),
        max_rows=int(_text(env, "QUARTIERS_MAX_ROWS", "200000")),
        wait_minutes=float(_text(env, "QUARTIERS_WAIT_MINUTES", "30")),
        reminders=_path(env, "QUARTIERS_REMINDERS", data / "reminders"),
        return_due_dates=parse_due_dates(env.get("QUARTIERS_RETURN_DUE_DATES")),
        alerts_log=_path(env, "QUARTIERS_ALERTS_LOG", data / "alerts.log"),
        smtp=_smtp(env),
        season_months=parse_months(env.get("QUARTIERS_SEASON_MONTHS")),
        off_season_weekday=int(_text(env, "QUARTIERS_OFF_SEASON_WEEKDAY", "1")),
        quiet_days_alert=int(_text(env, "QUARTIERS_QUIET_DAYS", "14")),
        snapshot_storage_version=_text(env, "QUARTIERS_SNAPSHOT_STORAGE_VERSION", "v1.2.0"),
    )


def _smtp(env: Mapping[str, str]) -> dict:
    """Mail for alerts, only when a server and recipients are configured."""
    host, to = env.get("QUARTIERS_SMTP_HOST"), env.get("QUARTIERS_ALERT_TO")
    if not host or not to:
        return {}
    return {
        "host": host,
        "port": int(_text(env, "QUARTIERS_SMTP_PORT", "25")),
        "sender": _text(env, "QUARTIERS_ALERT_FROM", "quartiers@localhost"),
        "recipients": [a.strip() for a in to.split(",") if a.strip()],
        "user": env.get("QUARTIERS_SMTP_USER"),
        "password": env.get("QUARTIERS_SMTP_PASSWORD"),
        "starttls": env.get("QUARTIERS_SMTP_STARTTLS", "") in ("1", "true", "yes"),
    }
