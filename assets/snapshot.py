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


def ident(name: str) -> str:
    """A quoted SQL identifier (schema or table names come from the catalog, not from code)."""
    return '"' + name.replace('"', '""') + '"'


def publish_snapshot(con: duckdb.DuckDBPyConnection, target: Path) -> dict[str, int]:
    """Copy every table of the published schemas (views are not copied: they would point to
    the live file). Returns rows per table."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):  # of a run killed mid-copy
        leftover.unlink(missing_ok=True)
    tables = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_catalog = current_database() "
        "AND table_schema IN (SELECT unnest($1)) ORDER BY 1, 2",
        [list(PUBLISHED_SCHEMAS)]).fetchall()
    counts: dict[str, int] = {}
    # The path is a parameter, never text in the SQL: a data folder may hold a quote
    # ("Quartiers d'été").
    con.execute("ATTACH $1 AS snapshot_pub", [str(tmp)])
    try:
        for schema, table in tables:
            source, copy = f"{ident(schema)}.{ident(table)}", f"snapshot_pub.{ident(schema)}"
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {copy}")
            con.execute(f"CREATE TABLE {copy}.{ident(table)} AS SELECT * FROM {source}")
            counts[f"{schema}.{table}"] = con.execute(
                f"SELECT count(*) FROM {copy}.{ident(table)}").fetchall()[0][0]
    finally:
        con.execute("DETACH snapshot_pub")
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return counts
