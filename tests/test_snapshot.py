"""Analysts and the pipeline never block each other: the snapshot is swapped atomically while
an analyst's read-only connection stays open on the previous file."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb

from assets.snapshot import publish_snapshot

ANALYST = textwrap.dedent("""
    import sys, duckdb
    path = sys.argv[1]
    con = duckdb.connect(path, read_only=True)
    print(con.sql("SELECT count(*) FROM marts.t").fetchall()[0][0], flush=True)
    sys.stdin.readline()  # the pipeline publishes meanwhile
    print(con.sql("SELECT count(*) FROM marts.t").fetchall()[0][0], flush=True)
    con.close()  # DuckDB caches a database per path while any connection to it is open
    fresh = duckdb.connect(path, read_only=True)
    print(fresh.sql("SELECT count(*) FROM marts.t").fetchall()[0][0], flush=True)
""")


def test_publication_while_an_analyst_reads(tmp_path):
    warehouse, snapshot = tmp_path / "w.duckdb", tmp_path / "pub" / "s.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.t AS SELECT 1 AS x")
    con.execute("CREATE SCHEMA staging; CREATE VIEW staging.v AS SELECT * FROM marts.t")
    assert publish_snapshot(con, snapshot) == {"marts.t": 1}  # views are not published

    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(snapshot)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert analyst.stdout.readline().strip() == "1"
    # The live warehouse stays writable and the next publication succeeds while the analyst
    # holds the snapshot open.
    con.execute("INSERT INTO marts.t VALUES (2), (3)")
    assert publish_snapshot(con, snapshot) == {"marts.t": 3}
    out, _ = analyst.communicate("go\n", timeout=60)
    assert out.split() == [
        "1",
        "3",
    ]  # the open connection keeps its file; after reconnecting, the new one
    assert analyst.returncode == 0
    assert not list(snapshot.parent.glob(".*.tmp"))
    con.close()


def test_publication_into_a_folder_whose_name_has_a_quote(tmp_path):
    """The path is passed to DuckDB as a parameter: "Quartiers d'été" is a valid data folder,
    and so is a table whose name holds a quote."""
    folder = tmp_path / "Quartiers d'été"
    folder.mkdir()
    con = duckdb.connect(str(folder / "w.duckdb"))
    con.execute('CREATE SCHEMA marts; CREATE TABLE marts."l\'été ""chaud""" AS SELECT 1 AS x')
    target = folder / "publication" / "quartiers.duckdb"
    target.parent.mkdir()
    (target.parent / ".quartiers.duckdb.tmp.wal").write_bytes(b"left by a killed run")
    assert publish_snapshot(con, target) == {'marts.l\'été "chaud"': 1}
    con.close()
    check = duckdb.connect(str(target), read_only=True)
    assert check.sql('SELECT x FROM marts."l\'été ""chaud"""').fetchall() == [(1,)]
    check.close()
    assert sorted(p.name for p in target.parent.iterdir()) == ["quartiers.duckdb"]


def test_the_snapshot_opens_in_a_duckdb_1_client_and_marts_exist_as_parquet(tmp_path):
    """Analysts' tools embed DuckDB 1.x (`make duckdb1` installs 1.2.2 apart)."""
    from pathlib import Path

    import polars as pl

    from assets.snapshot import publish_parquet

    old_client = Path(__file__).resolve().parent.parent / ".tools" / "duckdb1" / "bin" / "python"
    assert old_client.exists(), "run `make duckdb1` (part of `make test`)"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute(
        "CREATE SCHEMA marts; CREATE TABLE marts.mart_reach AS SELECT * FROM (VALUES "
        "(2024, 'QE', 12::BIGINT, 0.25::DOUBLE, 1.5::DECIMAL(18, 6)), "
        "(2025, 'QE', 7, NULL, 2)) t(campaign_year, scheme, actions, share, est)"
    )
    con.execute("CREATE TABLE marts.dim_qpv AS SELECT 'QN05401M' AS qpv_code")
    snapshot = tmp_path / "pub" / "quartiers.duckdb"
    publish_snapshot(con, snapshot)
    # a second publication starts from the first file: what it rewrites is in 1.2's format too
    con.execute("UPDATE marts.mart_reach SET actions = actions + 1 WHERE campaign_year = 2025")
    publish_snapshot(con, snapshot)
    parquet = tmp_path / "Quartiers d'été" / "parquet"  # a quote in the data folder's path
    counts = publish_parquet(con, parquet)
    con.close()
    read = subprocess.run(
        [
            str(old_client),
            "-c",
            "import sys, duckdb; c = duckdb.connect(sys.argv[1], "
            "read_only=True); print(duckdb.__version__, c.sql('SELECT sum(actions), sum(est) "
            "FROM marts.mart_reach').fetchall()[0])",
            str(snapshot),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert read.stdout.split(maxsplit=1) == ["1.2.2", "(20, Decimal('3.500000'))\n"]
    assert counts == {"dim_qpv": 1, "mart_reach": 2}
    parts = sorted(p.name for p in (parquet / "mart_reach").iterdir())
    assert parts == ["campaign_year=2024", "campaign_year=2025"]
    back = pl.read_parquet(parquet / "mart_reach", hive_partitioning=True)
    assert back["actions"].sum() == 20
    # each file keeps its year as a column, for readers that ignore the folders' names
    one = pl.read_parquet(next((parquet / "mart_reach" / "campaign_year=2025").iterdir()))
    assert one.select("campaign_year", "actions").rows() == [(2025, 8)]
    assert pl.read_parquet(parquet / "dim_qpv.parquet").height == 1


def _content(path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2"
        ).fetchall()
        out = {}
        for schema, table in tables:
            name = f'"{schema}"."{table}"'
            columns = con.execute(f"DESCRIBE {name}").fetchall()
            out[f"{schema}.{table}"] = [
                columns,
                con.execute(f"FROM {name} ORDER BY ALL").fetchall(),
            ]
        return out
    finally:
        con.close()


def test_a_new_publication_keeps_the_unchanged_tables_and_equals_a_fresh_copy(tmp_path):
    """The previous snapshot is the starting point: equal tables are kept, changed ones (rows,
    columns) are copied again, gone ones dropped; the result is what a fresh copy gives."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.big AS SELECT range AS id, range % 7 AS k FROM range(50000)")
    con.execute("CREATE TABLE marts.same AS SELECT 1 AS x")
    con.execute("CREATE TABLE marts.rows AS SELECT range AS x FROM range(3)")
    con.execute("CREATE TABLE marts.cols AS SELECT 1 AS x")
    con.execute("CREATE TABLE marts.gone AS SELECT 1 AS x")
    snapshot = tmp_path / "pub" / "s.duckdb"
    publish_snapshot(con, snapshot)
    # the same number of rows, one value swapped: only the rows' hashes tell
    con.execute("UPDATE marts.rows SET x = 10 WHERE x = 1")
    con.execute("CREATE OR REPLACE TABLE marts.cols AS SELECT 1::BIGINT AS x")
    con.execute("DROP TABLE marts.gone")
    con.execute("CREATE TABLE marts.new AS SELECT 'nouveau' AS y")
    copies = []
    real = con.execute

    def spy(sql, *args):
        if sql.startswith("CREATE OR REPLACE TABLE snapshot_pub"):
            copies.append(sql.split(".")[2].split(" ")[0].strip('"'))
        return real(sql, *args)

    counts = publish_snapshot(_Spied(con, spy), snapshot)
    assert sorted(copies) == ["cols", "new", "rows"]
    assert counts == {
        "marts.cols": 1,
        "marts.new": 1,
        "marts.rows": 3,
        "marts.same": 1,
        "raw.big": 50000,
    }
    publish_snapshot(con, tmp_path / "fresh" / "s.duckdb")
    con.close()
    assert _content(snapshot) == _content(tmp_path / "fresh" / "s.duckdb")


class _Spied:
    """A connection whose `execute` is watched."""

    def __init__(self, con, execute):
        self._con, self.execute = con, execute

    def __getattr__(self, name):
        return getattr(self._con, name)
