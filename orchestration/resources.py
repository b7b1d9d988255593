"""Dagster resources. They resolve the environment when a run uses them, not at import."""


from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from orchestration.settings import Settings, load_settings


class PlatformSettings(dg.ConfigurableResource):
    """Paths and limits of the platform, from QUARTIERS_* environment variables."""

    def get(self) -> Settings:
        return load_settings()


class Warehouse(dg.ConfigurableResource):
    """The live DuckDB file. Only steps in the `warehouse` pool open it, one at a time."""

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        path = load_settings().warehouse
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        try:
            yield con
        finally:
            con.close()
