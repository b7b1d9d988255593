"""dbt started at the command's first instant, before the command imports Dagster.

`quartiers run` starts its build's dbt process (`platform_config.warm_dbt`) once it finds
unread files, which it knows only after importing Dagster and opening its instance and the
warehouse (≈ 2 s, on one core). When the inbox has changed since its last reading (files,
sizes, modification times: `inbox_listing`), the command starts that process first, so that
dbt imports itself on the other core meanwhile. The listing only decides this early start:
the files read are still the unread ones (by their bytes), and a process started for nothing
(a file touched, not new) is stopped at the command's end, as for a run with nothing to
build. `quartiers demo` always builds: its dbt starts while the demo files are written.

Light on purpose (no Dagster, no DuckDB, no polars): it runs before them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from platform_config.settings import PROJECT_ROOT, Settings, load_settings
from platform_config.warm_dbt import Ahead, warm_dbt
from returns.inbox import inbox_files


def dbt_ahead(settings: Settings) -> Ahead:
    """What the dbt process started ahead parses the project for."""
    return Ahead(PROJECT_ROOT / "dbt_project", settings.warehouse)


def _marker(settings: Settings) -> Path:
    return settings.warehouse.with_name(f"{settings.warehouse.name}.inbox.json")


def inbox_listing(inbox: Path, files: list[Path] | None = None) -> str:
    """Digest of the inbox's files (`inbox_files`, unless given) as listed: path, size,
    modification time; not read."""
    h = hashlib.sha256(str(inbox).encode())
    for path in inbox_files(inbox) if files is None else files:
        try:
            st = path.lstat()
        except OSError:
            continue
        h.update(f"\n{path.relative_to(inbox)}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()


def inbox_changed(settings: Settings) -> bool:
    """Files in the inbox, and a listing other than the one its last reading recorded."""
    files = inbox_files(settings.inbox)
    if not files:
        return False
    try:
        return _marker(settings).read_text() != inbox_listing(settings.inbox, files)
    except OSError:
        return True


def record_listing(settings: Settings, listing: str) -> None:
    """The inbox's listing (taken before its reading) once every file of it was read."""
    marker = _marker(settings)
    with contextlib.suppress(OSError):  # only a start-up hint: never fails a run
        tmp = marker.with_name(marker.name + ".tmp")
        tmp.write_text(listing)
        os.replace(tmp, marker)


@contextlib.contextmanager
def early_dbt(argv: Sequence[str]) -> Iterator[None]:
    """For `quartiers run` with a changed inbox, and `quartiers demo`: dbt's process started
    now, used by the command's build (`warm_dbt` with the same `Ahead` reuses it) and
    stopped when the command ends."""
    command = argv[0] if argv else None
    if command not in ("run", "demo"):
        yield
        return
    try:
        settings = load_settings()
        wanted = command == "demo" or "--force" in argv or inbox_changed(settings)
    except Exception:  # noqa: BLE001 - a bad setting is the command's to report, in French
        wanted = False
    if not wanted:
        yield
        return
    with warm_dbt(dbt_ahead(settings)):
        yield
