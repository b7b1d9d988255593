"""The `raw` schema: DDL derived from the contract, and the one transaction that writes a
batch of files. No Dagster here, so tests can call it on any DuckDB connection."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import duckdb
import polars as pl

from returns.contract import KINDS, FieldType
from returns.frames import concat_many
from returns.privacy import mask_frame
from returns.process import FileResult
from survey.tables import SURVEY_TABLES

_SQL_TYPES: dict[FieldType, str] = {
    "int": "INTEGER",
    "year": "INTEGER",
    "decimal": "DOUBLE",
    "date": "DATE",
}
ORIGIN = {
    "file_hash": "VARCHAR",
    "file_name": "VARCHAR",
    "sheet": "VARCHAR",
    "line": "INTEGER",
    "received_at": "TIMESTAMP",
    "ingested_at": "TIMESTAMP",
}
FILES = {
    "file_hash": "VARCHAR PRIMARY KEY",
    "file_name": "VARCHAR",
    "size_bytes": "BIGINT",
    "received_at": "TIMESTAMP",
    "ingested_at": "TIMESTAMP",
    "status": "VARCHAR",
    "kinds": "VARCHAR",
    "rows_read": "INTEGER",
    "rows_accepted": "INTEGER",
    "rows_quarantined": "INTEGER",
    "rows_ignored": "INTEGER",
    "dropped_columns": "VARCHAR",
    "extra_columns": "VARCHAR",
    "report_path": "VARCHAR",
    "retracted_at": "TIMESTAMP",
    "retraction_reason": "VARCHAR",
}
QUARANTINE = {
    "file_hash": "VARCHAR",
    "file_name": "VARCHAR",
    "sheet": "VARCHAR",
    "line": "INTEGER",
    "kind": "VARCHAR",
    "rule": "VARCHAR",
    "field": "VARCHAR",
    "value": "VARCHAR",
    "reason": "VARCHAR",
    "received_at": "TIMESTAMP",
    "ingested_at": "TIMESTAMP",
}


def table_columns() -> dict[str, dict[str, str]]:
    tables = {
        k.table: ORIGIN | {f.name: _SQL_TYPES.get(f.type, "VARCHAR") for f in k.fields}
        for k in KINDS
    }
    survey = {table: ORIGIN | columns for table, columns in SURVEY_TABLES.items()}
    return tables | survey | {"quarantine": QUARANTINE, "files": FILES}


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables, and add columns a newer contract introduced."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table, columns in table_columns().items():
        cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({cols})")
        for c, t in columns.items():
            con.execute(
                f'ALTER TABLE raw.{table} ADD COLUMN IF NOT EXISTS "{c}" '
                f"{t.replace(' PRIMARY KEY', '')}"
            )


def registered_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {h for (h,) in con.execute("SELECT file_hash FROM raw.files").fetchall()}


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    # The personal-data guard once more on every text stored, whatever its way here. Texts
    # go to DuckDB as Arrow string views, polars' own layout (the default, large strings,
    # copies every text once more: ≈ 60 MB at the peak of a national batch's write).
    con.register("_batch", mask_frame(frame).to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM _batch")
    finally:
        con.unregister("_batch")


def write_batch(
    con: duckdb.DuckDBPyConnection,
    results: list[FileResult],
    received_at: dict[str, datetime],
    report_paths: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
    ingested_at: datetime | None = None,
) -> None:
    """Replace everything the warehouse holds for these files, in one transaction: a crash
    leaves the warehouse as if the batch had never been read. `report_paths`: file hash →
    its rejection report, or a function that waits for them (the reports may be written
    beside this: the register of files, which names them, is inserted last)."""
    now = ingested_at or datetime.now(UTC).replace(tzinfo=None)
    hashes = [r.file_hash for r in results]
    # A withdrawal survives a re-read of the same file.
    retracted = {
        h: (at, why)
        for h, at, why in con.execute(
            "SELECT file_hash, retracted_at, retraction_reason FROM raw.files "
            "WHERE retracted_at IS NOT NULL AND file_hash IN (SELECT unnest($1))",
            [hashes],
        ).fetchall()
    }
    # Frames of every file gathered per table, then one insert per table: thousands of small
    # files cost a few statements, not a few per file. Each row's origin (which file) is added
    # after the concatenation, from the file's position and its number of rows.
    frames: dict[str, list[pl.DataFrame]] = {table: [] for table in table_columns()}
    owners: dict[str, list[tuple[int, int]]] = {table: [] for table in table_columns()}

    def add(table: str, frame: pl.DataFrame, owner: int) -> None:
        if not frame.is_empty():
            frames[table].append(frame)
            owners[table].append((owner, frame.height))

    files = []
    for n, r in enumerate(results):
        for table, accepted in r.rows_by_table():
            add(table, accepted, n)
        add("quarantine", r.quarantine(), n)
        retraction = retracted.get(r.file_hash, (None, None))
        files.append(
            {
                "size_bytes": r.size_bytes,
                "status": r.status,
                "kinds": ";".join(r.kinds),
                "rows_read": r.rows_read,
                "rows_accepted": r.rows_accepted,
                "rows_quarantined": r.rows_quarantined,
                "rows_ignored": r.rows_ignored,
                "dropped_columns": ";".join(r.guard.dropped),
                "extra_columns": ";".join(r.guard.kept_aside),
                "retracted_at": retraction[0],
                "retraction_reason": retraction[1],
            }
        )
        owners["files"].append((n, 1))

    def register() -> list[pl.DataFrame]:
        paths = report_paths() if callable(report_paths) else report_paths or {}
        frame = pl.DataFrame(
            files,
            schema_overrides={"retracted_at": pl.Datetime("us"), "retraction_reason": pl.Utf8},
        ).with_columns(
            report_path=pl.Series([paths.get(r.file_hash) for r in results], dtype=pl.Utf8)
        )
        return [frame]

    origin = pl.DataFrame(
        {
            "file_hash": [r.file_hash for r in results],
            "file_name": [r.name for r in results],
            "received_at": [received_at[r.file_hash] for r in results],
        },
        schema={"file_hash": pl.Utf8, "file_name": pl.Utf8, "received_at": pl.Datetime("us")},
    )

    def with_origin(table: str) -> pl.DataFrame:
        rows = concat_many(frames[table])
        position = pl.Series([o for o, k in owners[table] for _ in range(k)], dtype=pl.UInt32)
        return pl.concat([rows, origin[position]], how="horizontal").with_columns(
            ingested_at=pl.lit(now, pl.Datetime("us"))
        )

    con.execute("BEGIN TRANSACTION")
    try:
        for table in table_columns():
            con.execute(f"DELETE FROM raw.{table} WHERE file_hash IN (SELECT unnest($1))", [hashes])
        for table, parts in frames.items():
            if table == "files" and files:  # the last table: its reports are written by now
                parts = frames["files"] = register()
            if parts:
                _insert(con, table, with_origin(table))
                parts.clear()  # its rows are DuckDB's now: the next table's peak without them
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
