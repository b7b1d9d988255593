"""Freshness checks: a quiet campaign in season, a published copy behind the warehouse."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pytest

from assets.freshness import campaign_receiving, snapshot_up_to_date
from assets.raw_tables import ensure_raw_schema
from platform_config.resources import PlatformSettings, Warehouse


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("QUARTIERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("QUARTIERS_SEASON_MONTHS", "1-12")  # always in season for the test
    monkeypatch.setenv("QUARTIERS_QUIET_DAYS", "10")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_raw_schema(con)
    return tmp_path, con


def _receive(con, days_ago: int, name: str):
    at = datetime.combine(date.today() - timedelta(days=days_ago), datetime.min.time())
    con.execute(
        "INSERT INTO raw.files (file_hash, file_name, received_at, ingested_at) "
        "VALUES ($1, $2, $3, $3)",
        [name, name, at],
    )
    con.execute(
        "INSERT INTO raw.activity_rows (file_hash, file_name, campaign_year, "
        "received_at) VALUES ($1, $2, $3, $4)",
        [name, name, date.today().year, at],
    )


def test_a_quiet_campaign_in_season_fails_and_a_recent_one_passes(warehouse):
    _, con = warehouse
    _receive(con, 30, "a")
    con.close()
    result = campaign_receiving(settings=PlatformSettings(), warehouse=Warehouse())
    assert not result.passed and "depuis 30 jours" in result.description
    con = duckdb.connect(str(warehouse[0] / "warehouse.duckdb"))
    _receive(con, 2, "b")
    con.close()
    assert campaign_receiving(settings=PlatformSettings(), warehouse=Warehouse()).passed


def test_a_snapshot_behind_the_warehouse_fails_until_published(warehouse):
    tmp_path, con = warehouse
    _receive(con, 1, "a")
    result = snapshot_up_to_date(settings=PlatformSettings(), warehouse=Warehouse())
    con.close()
    assert not result.passed and "1 fichier(s)" in result.description
    from assets.snapshot import publish_snapshot

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    publish_snapshot(con, tmp_path / "publication" / "quartiers.duckdb")
    con.close()
    assert snapshot_up_to_date(settings=PlatformSettings(), warehouse=Warehouse()).passed
