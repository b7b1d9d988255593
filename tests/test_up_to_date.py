"""What `quartiers run` may skip: a build whose inputs are those of the last publication, a
reference load whose files and code did not change."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from orchestration import up_to_date as u
from platform_config.settings import load_settings

DAY = date(2026, 7, 14)


@pytest.fixture
def settings(tmp_path):
    s = load_settings({"QUARTIERS_DATA_DIR": str(tmp_path)})
    con = duckdb.connect(str(s.warehouse))
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.files AS SELECT 'h1' AS file_hash, 3 AS rows_read")
    con.execute("CREATE TABLE raw.activity_rows AS SELECT range AS n FROM range(1000)")
    for t in u.REFERENCE_TABLES:
        con.execute(f"CREATE TABLE raw.{t} AS SELECT 'x' AS code")
    con.close()
    return s


def _sql(s, sql):
    con = duckdb.connect(str(s.warehouse))
    con.execute(sql)
    con.close()


def _read(s, fn, *args):
    con = duckdb.connect(str(s.warehouse), read_only=True)
    try:
        return fn(s, con, *args)
    finally:
        con.close()


def _fp(s, day=None):
    return _read(s, u.fingerprint, day)


def _current(s):
    return u.last_build_current(s, _fp(s))


def _reference(s):
    return _read(s, u.reference_current)


def _record_reference(s, run_id):
    return _read(s, lambda s, con: u.record_reference(s, con, u.reference_fingerprint(s), run_id))


def _publish(s):
    s.snapshot.parent.mkdir(parents=True, exist_ok=True)
    s.snapshot.write_bytes(b"snapshot")
    s.site.mkdir(parents=True, exist_ok=True)
    (s.site / "index.html").write_text("<html></html>")


def test_the_fingerprint_follows_every_raw_row_and_the_day(settings):
    first = _fp(settings, DAY)
    assert _fp(settings, DAY) == first
    # rows in another order are the same data
    _sql(
        settings,
        "CREATE OR REPLACE TABLE raw.activity_rows AS SELECT * FROM raw.activity_rows ORDER BY n DESC",
    )
    assert _fp(settings, DAY) == first
    # one value changed, one row duplicated: other data
    _sql(settings, "UPDATE raw.activity_rows SET n = n + 1 WHERE n = 500")
    changed = _fp(settings, DAY)
    assert changed != first
    _sql(settings, "INSERT INTO raw.activity_rows SELECT * FROM raw.activity_rows WHERE n = 7")
    assert _fp(settings, DAY) not in (first, changed)
    # reminders depend on the date: another day is another build
    assert _fp(settings, date(2026, 7, 15)) != _fp(settings, DAY)


def test_the_fingerprint_follows_the_settings(settings, tmp_path):
    other = load_settings(
        {"QUARTIERS_DATA_DIR": str(tmp_path), "QUARTIERS_SNAPSHOT_STORAGE_VERSION": "v1.3.0"}
    )
    assert other.snapshot_storage_version != settings.snapshot_storage_version
    assert _fp(other, DAY) != _fp(settings, DAY)


def test_a_build_is_skipped_only_for_the_inputs_it_published(settings):
    assert _current(settings) is None  # never built
    u.record_build(settings, _fp(settings), "run-1", date.today())
    assert _current(settings) is None  # nothing published: build
    _publish(settings)
    assert _current(settings)["run_id"] == "run-1"
    # a new file read since: build again
    _sql(settings, "INSERT INTO raw.files VALUES ('h2', 5)")
    assert _current(settings) is None
    # a build started before that file was read recorded the inputs it saw: still stale
    u.record_build(settings, "an older fingerprint", "run-2", date.today())
    assert _current(settings) is None
    u.record_build(settings, _fp(settings), "run-3", date.today())
    assert _current(settings)["run_id"] == "run-3"
    # the site removed: build again
    (settings.site / "index.html").unlink()
    assert _current(settings) is None


def test_a_reference_load_is_skipped_only_when_files_and_tables_are_unchanged(settings, tmp_path):
    qpv = tmp_path / "qpv.csv"
    qpv.write_text("code\nQN1\n")
    s = load_settings({"QUARTIERS_DATA_DIR": str(tmp_path), "QUARTIERS_QPV_2024_FILE": str(qpv)})
    assert _reference(s) is None
    _record_reference(s, "run-1")
    assert _reference(s)["run_id"] == "run-1"
    # the configured file's bytes changed
    qpv.write_text("code\nQN2\n")
    assert _reference(s) is None
    _record_reference(s, "run-2")
    assert _reference(s)
    # a reference table was changed or dropped in the warehouse
    _sql(s, "DELETE FROM raw.code_lists")
    assert _reference(s) is None
    _record_reference(s, "run-3")
    _sql(s, "DROP TABLE raw.survey_options")
    assert _reference(s) is None
