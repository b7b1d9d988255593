"""The campaign calendar's schedules: daily in season, weekly outside, configured at run time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from orchestration.schedules import inbox_check, season_rebuild
from returns.calendar import is_run_day, parse_months
from tests.returns_files import ACTIVITY_HEADERS, action, write_csv


def test_season_months_and_run_days():
    season = parse_months("6-11")
    assert season == frozenset(range(6, 12)) and parse_months("1,6-7") == {1, 6, 7}
    assert is_run_day(date(2026, 7, 15), season, 1)  # a Wednesday in season
    assert not is_run_day(date(2026, 12, 16), season, 1)  # a Wednesday off season
    assert is_run_day(date(2026, 12, 14), season, 1)  # a Monday off season
    with pytest.raises(ValueError):
        parse_months("6-13")


def _context(instance, day):
    return dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC),
    )


def test_schedules_follow_the_configured_calendar(tmp_path, monkeypatch):
    monkeypatch.setenv("QUARTIERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("QUARTIERS_SEASON_MONTHS", "9-10")
    monkeypatch.setenv("QUARTIERS_OFF_SEASON_WEEKDAY", "5")  # Fridays
    (tmp_path / "inbox").mkdir()
    with dg.instance_for_test() as instance:
        _check_calendar(tmp_path, instance)


def _check_calendar(tmp_path, instance):
    assert isinstance(season_rebuild(_context(instance, date(2026, 7, 15))), dg.SkipReason)
    assert isinstance(season_rebuild(_context(instance, date(2026, 7, 17))), dg.RunRequest)
    assert isinstance(season_rebuild(_context(instance, date(2026, 9, 15))), dg.RunRequest)

    assert isinstance(inbox_check(_context(instance, date(2026, 9, 15))), dg.SkipReason)
    write_csv(tmp_path / "inbox" / "bilan.csv", ACTIVITY_HEADERS, [action()])
    request = inbox_check(_context(instance, date(2026, 9, 15)))
    assert isinstance(request, dg.RunRequest)
    assert len(instance.get_dynamic_partitions("inbox_files")) == 1
    assert isinstance(inbox_check(_context(instance, date(2026, 9, 16))), dg.SkipReason)
