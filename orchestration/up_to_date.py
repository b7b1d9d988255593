"""Whether the last build is still the publication of what the warehouse holds.

`quartiers run` with nothing new rebuilt everything (≈ a minute nationally) to publish the
same files. The build is a function of its inputs: the warehouse's `raw` tables (files read,
quarantine, reference tables, withdrawals), the project's code and dbt sources, the library
versions, the settings, and the day (reminders depend on the date). Their fingerprint is
recorded after each successful build; an identical one, with the publications in place, means
the build would rewrite the same bytes, so the command says so instead of rebuilding.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import json
from datetime import date, datetime
from pathlib import Path

import duckdb

from orchestration.dbt_selection import table_digests
from platform_config.settings import PROJECT_ROOT, Settings

#: what the publication is made of, besides the data: code, dbt sources, templates, questionnaires
CODE_FOLDERS = (
    "assets",
    "dashboards",
    "dbt_project/macros",
    "dbt_project/models",
    "dbt_project/seeds",
    "dbt_project/tests",
    "orchestration",
    "platform_config",
    "returns",
    "survey",
)
CODE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".json", ".html", ".css", ".js", ".j2"}
LIBRARIES = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "plotly", "polars")
#: the raw tables the reference job replaces (assets/reference.py, assets/survey.py)
REFERENCE_TABLES = (
    "code_lists",
    "qpv_generations",
    "qpv_population",
    "qpv_referential",
    "survey_options",
    "survey_questions",
)


@functools.cache  # the code of a process does not change under it; read once
def code_digest(root: Path = PROJECT_ROOT) -> str:
    h = hashlib.sha256()
    for folder in CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file():
                h.update(path.relative_to(root).as_posix().encode() + b"\0")
                h.update(path.read_bytes() + b"\0")
    for lib in LIBRARIES:
        h.update(f"{lib}={importlib.metadata.version(lib)};".encode())
    h.update((root / "dbt_project" / "dbt_project.yml").read_bytes())
    h.update((root / "dbt_project" / "profiles.yml").read_bytes())
    return h.hexdigest()


def raw_digest(
    con: duckdb.DuckDBPyConnection | None, only: tuple[str, ...] | None = None
) -> str | None:
    """Order-independent digest of the `raw` tables (all, or `only` these; row count and sum
    of row hashes): ≈ 0.2 s for 320,000 rows. None without a warehouse, or when one of
    `only` is missing."""
    if con is None:
        return None
    tables = {t: d for t, d in table_digests(con).items() if only is None or t in only}
    if only is not None and len(tables) < len(only):
        return None
    h = hashlib.sha256()
    for t, digest in tables.items():
        h.update(f"{t}:{digest};".encode())
    return h.hexdigest()


def fingerprint(
    settings: Settings, con: duckdb.DuckDBPyConnection | None, today: date | None = None
) -> str | None:
    """What a build publishes from: the live warehouse's raw tables (`con`, read-only), the
    code, the settings and the day."""
    raw = raw_digest(con)
    if raw is None:
        return None
    fields = {k: str(v) for k, v in dataclasses.asdict(settings).items()}
    parts = [raw, code_digest(), json.dumps(fields, sort_keys=True), str(today or date.today())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def reference_fingerprint(settings: Settings) -> str:
    """What the reference job loads: the configured files (bytes) and the code (code lists,
    QPV generations, questionnaires)."""
    h = hashlib.sha256(code_digest().encode())
    h.update(str(settings.referential_is_official).encode())
    for path in (settings.qpv_2024_file, settings.qpv_2015_file, settings.population_file):
        h.update(f"{path};".encode())
        if path is not None and path.is_file():
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _state_file(settings: Settings, what: str) -> Path:
    return settings.warehouse.with_name(f"{settings.warehouse.name}.{what}.json")


def _write_state(path: Path, state: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    tmp.replace(path)


def _read_state(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _now() -> str:
    return datetime.now().strftime("%d/%m/%Y à %H:%M")


def record_build(settings: Settings, inputs: str | None, run_id: str, day: date) -> None:
    """After a successful build: the fingerprint of the inputs it started from (taken before
    it ran, so a file read meanwhile by another run is not counted as published)."""
    state = {"fingerprint": inputs, "run_id": run_id, "finished": _now(), "day": str(day)}
    _write_state(_state_file(settings, "publication"), state)


def last_build_current(settings: Settings, current: str | None) -> dict | None:
    """The record of the last successful build if it published exactly the inputs whose
    fingerprint is `current`, and its publications are still in place."""
    published = settings.snapshot.exists() and (settings.site / "index.html").exists()
    state = _read_state(_state_file(settings, "publication")) if published else None
    if not state or current is None:
        return None
    return state if state.get("fingerprint") == current else None


def record_reference(
    settings: Settings, con: duckdb.DuckDBPyConnection | None, inputs: str, run_id: str
) -> None:
    """After the reference job: its inputs and the tables it left."""
    tables = raw_digest(con, REFERENCE_TABLES)
    state = {"inputs": inputs, "tables": tables, "run_id": run_id, "finished": _now()}
    _write_state(_state_file(settings, "reference"), state)


def reference_current(settings: Settings, con: duckdb.DuckDBPyConnection | None) -> dict | None:
    """The record of the last reference load if the same inputs gave the tables still there."""
    state = _read_state(_state_file(settings, "reference"))
    if not state or state.get("inputs") != reference_fingerprint(settings):
        return None
    tables = raw_digest(con, REFERENCE_TABLES)
    return state if tables is not None and state.get("tables") == tables else None
