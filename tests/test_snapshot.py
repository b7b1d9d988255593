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

    analyst = subprocess.Popen([sys.executable, "-c", ANALYST, str(snapshot)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert analyst.stdout.readline().strip() == "1"
    # The live warehouse stays writable and the next publication succeeds while the analyst
    # holds the snapshot open.
    con.execute("INSERT INTO marts.t VALUES (2), (3)")
    assert publish_snapshot(con, snapshot) == {"marts.t": 3}
    out, _ = analyst.communicate("go\n", timeout=60)
    assert out.split() == ["1", "3"]  # the open connection keeps its file; after reconnecting, the new one
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
