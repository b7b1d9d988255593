"""Dagster resources. They resolve the environment when a run uses them, not at import."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from orchestration.settings import Settings, load_settings


class PlatformSettings(dg.ConfigurableResource):
    """Paths and limits of the platform, from QUARTIERS_* environment variables."""

    def get(self) -> Settings:
        return load_settings()


LOCK_WAIT_SECONDS = 120


def connect_when_free(
    path: str, wait_seconds: float = LOCK_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    """Open the file read-write, waiting (bounded) for a lock left by a dying process: a
    `dbt build` whose parent run was killed goes on until it notices, holding the file."""
    deadline, told = time.monotonic() + wait_seconds, False
    while True:
        try:
            return duckdb.connect(path)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            if not told:
                dg.get_dagster_logger().warning(
                    f"Entrepôt verrouillé par un autre processus ({error}) : attente de sa "
                    f"fin, au plus {wait_seconds:g} s."
                )
                told = True
            time.sleep(0.5)


class Warehouse(dg.ConfigurableResource):
    """The live DuckDB file. Only steps in the `warehouse` pool open it, one at a time."""

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        path = load_settings().warehouse
        path.parent.mkdir(parents=True, exist_ok=True)
        con = connect_when_free(str(path))
        try:
            yield con
        finally:
            con.close()
