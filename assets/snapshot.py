"""The analysts' snapshot: a copy of the warehouse's tables, swapped in atomically.

Written from the writer's own connection (so committed rows still in the WAL are included),
to a temporary file beside the target, then `os.replace`d: a query in flight keeps reading
the file it opened; the next connection sees the new one.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts", "reference", "raw")


def publish_snapshot(con: duckdb.DuckDBPyConnection, target: Path) -> dict[str, int]:
    """Copy every table of the published schemas (views are not copied: they would point to
    the live file). Returns rows per table."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    tables = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_catalog = current_database() "
        "AND table_schema IN (SELECT unnest($1)) ORDER BY 1, 2",
        [list(PUBLISHED_SCHEMAS)]).fetchall()
    counts: dict[str, int] = {}
    con.execute(f"ATTACH '{tmp}' AS snapshot_pub")
    try:
        for schema, table in tables:
            con.execute(f'CREATE SCHEMA IF NOT EXISTS snapshot_pub."{schema}"')
            con.execute(f'CREATE TABLE snapshot_pub."{schema}"."{table}" AS '
                        f'SELECT * FROM "{schema}"."{table}"')
            counts[f"{schema}.{table}"] = con.execute(
                f'SELECT count(*) FROM snapshot_pub."{schema}"."{table}"').fetchall()[0][0]
    finally:
        con.execute("DETACH snapshot_pub")
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return counts
