"""The analysts' snapshot: a copy of the warehouse's tables, swapped in atomically.

Written from the writer's own connection (so committed rows still in the WAL are included),
to a temporary file beside the target, then `os.replace`d: a query in flight keeps reading
the file it opened; the next connection sees the new one.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb

from dashboards.swap import swap_folder

PUBLISHED_SCHEMAS = ("marts", "reference", "raw")
# Most analysts' tools (R, DBeaver, older Python environments) embed DuckDB 1.x, which cannot
# read DuckDB 2.0's own storage format: the snapshot is written in an older one by default.
DEFAULT_STORAGE_VERSION = "v1.2.0"
_STORAGE_VERSION = re.compile(r"^(v\d+\.\d+\.\d+|latest)$")


def ident(name: str) -> str:
    """A quoted SQL identifier (schema or table names come from the catalog, not from code)."""
    return '"' + name.replace('"', '""') + '"'


def publish_snapshot(
    con: duckdb.DuckDBPyConnection, target: Path, storage_version: str = DEFAULT_STORAGE_VERSION
) -> dict[str, int]:
    """Copy every table of the published schemas (views are not copied: they would point to
    the live file), in the given DuckDB storage format. Returns rows per table.

    The previous snapshot, when in that format, is the starting point: a table whose columns
    and rows (count and sum of row hashes) are those of the warehouse is kept, the others
    are copied again. After one new return most of the raw tables and several marts are
    unchanged, and comparing costs a fraction of copying."""
    if not _STORAGE_VERSION.match(storage_version):
        raise ValueError(f"version de stockage DuckDB invalide : {storage_version!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):  # of a run killed mid-copy
        leftover.unlink(missing_ok=True)
    tables = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_catalog = current_database() "
        "AND table_schema IN (SELECT unnest($1)) ORDER BY 1, 2",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    copied = target.exists() and storage_version != "latest"
    if copied:
        shutil.copyfile(target, tmp)
    counts: dict[str, int] = {}
    # The path is a parameter, never text in the SQL: a data folder may hold a quote
    # ("Quartiers d'été").
    # (the storage version, checked above, is an option keyword's value, not data)
    # (READ_WRITE: the warehouse may be open read-only, by a process copying it beside the
    # site's build)
    attach = f"ATTACH $1 AS snapshot_pub (STORAGE_VERSION '{storage_version}', READ_WRITE)"
    con.execute(attach, [str(tmp)])
    try:
        if copied and not _in_format(con, storage_version):  # a fresh copy in this one
            con.execute("DETACH snapshot_pub")
            tmp.unlink()
            con.execute(attach, [str(tmp)])
        kept = _kept(con, tables)
        for schema, table in tables:
            source, copy = f"{ident(schema)}.{ident(table)}", f"snapshot_pub.{ident(schema)}"
            if (schema, table) not in kept:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {copy}")
                con.execute(f"CREATE OR REPLACE TABLE {copy}.{ident(table)} AS FROM {source}")
            counts[f"{schema}.{table}"] = con.execute(
                f"SELECT count(*) FROM {copy}.{ident(table)}"
            ).fetchall()[0][0]
    finally:
        con.execute("DETACH snapshot_pub")
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return counts


def _in_format(con: duckdb.DuckDBPyConnection, storage_version: str) -> bool:
    """The attached previous snapshot is in the asked storage format ("v1.2.0+" for
    v1.2.0)."""
    tags = con.execute(
        "SELECT tags FROM duckdb_databases() WHERE database_name = 'snapshot_pub'"
    ).fetchall()[0][0]
    return str((tags or {}).get("storage_version", "")).startswith(storage_version)


def _columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[tuple[str, str], list]:
    rows = con.execute(
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = $1 ORDER BY table_schema, table_name, ordinal_position",
        [catalog],
    ).fetchall()
    out: dict[tuple[str, str], list] = {}
    for schema, table, column, kind in rows:
        out.setdefault((schema, table), []).append((column, kind))
    return out


def _kept(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The tables of the previous snapshot equal to the warehouse's (same columns, same
    rows in any order); the snapshot's other tables are dropped."""
    here = _columns(con, con.execute("SELECT current_database()").fetchall()[0][0])
    there = _columns(con, "snapshot_pub")
    for schema, table in set(there) - set(tables):
        con.execute(f"DROP TABLE snapshot_pub.{ident(schema)}.{ident(table)}")
    kept = set()
    for schema, table in tables:
        if there.get((schema, table)) != here[(schema, table)]:
            continue
        name = f"{ident(schema)}.{ident(table)}"
        digest = "SELECT (count(*), sum(hash(t))) FROM {} AS t"
        same = con.execute(
            f"SELECT ({digest.format(name)}) = ({digest.format('snapshot_pub.' + name)})"
        ).fetchall()[0][0]
        if same:
            kept.add((schema, table))
    return kept


def publish_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    """Every mart as Parquet, readable by any engine: `<mart>/campaign_year=<year>/*.parquet`
    when the mart has campaigns, `<mart>.parquet` otherwise. Built beside `out_dir` and
    swapped in whole. Returns rows per mart."""
    tmp = out_dir.with_name(f".{out_dir.name}.new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    marts = [
        t
        for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "AND table_type = 'BASE TABLE' AND table_catalog = current_database() "
            "ORDER BY 1"
        ).fetchall()
    ]
    columns = _columns(con, con.execute("SELECT current_database()").fetchall()[0][0])
    counts = {}
    for mart in marts:
        source = f"marts.{ident(mart)}"
        counts[mart] = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
        # DuckDB writes the files from its tables (streamed, no copy of a mart in memory);
        # the year stays a column of the files too, as readers without partitioning expect
        if counts[mart] and "campaign_year" in {c for c, _ in columns[("marts", mart)]}:
            target, options = tmp / mart, ", PARTITION_BY (campaign_year), WRITE_PARTITION_COLUMNS"
        else:
            target, options = tmp / f"{mart}.parquet", ""
        con.execute(
            f"COPY {source} TO {_literal(str(target))} (FORMAT parquet, COMPRESSION zstd{options})"
        )
    swap_folder(tmp, out_dir)
    return counts


def _literal(text: str) -> str:
    """A SQL string literal (COPY takes no parameter for its file; a data folder may hold a
    quote: "Quartiers d'été")."""
    return "'" + text.replace("'", "''") + "'"
