"""The campaign calendar: when the platform checks the inbox and rebuilds, and how long a
campaign in season may go without receiving anything. Pure, configured by the settings."""

from __future__ import annotations

from datetime import date

DEFAULT_DUE = (11, 30)  # without a configured date, returns are due on 30 November


def parse_months(text: str | None, default: str = "6-11") -> frozenset[int]:
    """`6-11` or `6,7,8,9,10,11` (or a mix) → the months of the season."""
    months: set[int] = set()
    for part in (text or default).split(","):
        start, _, end = part.strip().partition("-")
        months.update(range(int(start), int(end or start) + 1))
    if not months <= set(range(1, 13)):
        raise ValueError(f"mois hors de 1–12 : {text}")
    return frozenset(months)


def in_season(day: date, season: frozenset[int]) -> bool:
    return day.month in season


def is_run_day(day: date, season: frozenset[int], off_season_weekday: int) -> bool:
    """Every day during the season; once a week otherwise (ISO weekday, 1 = Monday)."""
    return in_season(day, season) or day.isoweekday() == off_season_weekday


def parse_due_dates(text: str | None) -> dict[int, date]:
    """`2024=2024-11-30,2025=2025-12-15` → {2024: date(2024, 11, 30), …}. Raises ValueError
    on a malformed entry (a typo must not silently move a deadline)."""
    out: dict[int, date] = {}
    for item in (text or "").replace(";", ",").split(","):
        if not item.strip():
            continue
        year, _, when = item.partition("=")
        out[int(year)] = date.fromisoformat(when.strip())
    return out
