"""Per-stage progress: the lines assets log, their throttling, and what the command shows
from a run's events when its output is not a terminal."""

from __future__ import annotations

import io
from types import SimpleNamespace

import dagster as dg

from assets.progress import FILES_READ, PAGES_DONE, Step, Throttle, parse, reporter
from orchestration.progress import MODELS_BUILT, RunProgress
from returns.process import process_batch
from tests.returns_files import ACTIVITY_HEADERS, action, write_csv


def test_a_progress_line_is_parsed_back_and_other_messages_are_not():
    line = Step(FILES_READ, 3, 40, "bilan (2).csv").line()
    assert line == "Fichiers lus : 3/40 (bilan (2).csv)"
    assert parse(line) == Step(FILES_READ, 3, 40, "bilan (2).csv")
    assert parse(f"{PAGES_DONE} : 12/120") == Step(PAGES_DONE, 12, 120)
    for other in (None, "", "Lignes lues : 3/40", "Fichiers lus : trois/40", "x.csv refusé"):
        assert parse(other) is None


def test_the_throttle_lets_the_first_and_last_through_and_others_by_time():
    now = [0.0]
    throttle = Throttle(1.0, clock=lambda: now[0])
    seen = []
    for n in range(1, 101):
        now[0] = n * 0.1  # ten steps a second
        if throttle.due(n, 100):
            seen.append(n)
    assert seen[0] == 1 and seen[-1] == 100
    assert 9 <= len(seen) <= 12  # about one a second, not 100


def test_reading_a_batch_reports_each_file_in_order(tmp_path):
    paths = [
        write_csv(tmp_path / f"b{i}.csv", ACTIVITY_HEADERS, [action(numero_dossier=f"N{i}")])
        for i in range(4)
    ]
    (tmp_path / "casse.xlsx").write_bytes(b"PK\x03\x04 tronque")
    paths.append(tmp_path / "casse.xlsx")
    calls = []
    results = process_batch(paths, on_read=lambda n, total, name: calls.append((n, total, name)))
    assert calls == [(i + 1, 5, p.name) for i, p in enumerate(paths)]
    assert [r.status for r in results][-1] == "rejected"  # a refused file is counted too

    logged = []
    process_batch(paths, on_read=reporter(logged.append, FILES_READ, seconds=3600))
    assert logged[0].startswith("Fichiers lus : 1/5 (") and logged[-1].startswith(
        "Fichiers lus : 5/5 ("
    )


def _log(message: str):
    return SimpleNamespace(dagster_event=None, user_message=message)


def _materialized(*path: str):
    event = SimpleNamespace(
        event_type=dg.DagsterEventType.ASSET_MATERIALIZATION, asset_key=dg.AssetKey(list(path))
    )
    return SimpleNamespace(dagster_event=event, user_message="")


def test_plain_output_shows_counts_per_stage_ending_on_the_totals():
    out = io.StringIO()
    models = [dg.AssetKey(["marts", f"m{i}"]) for i in range(3)]
    with RunProgress(out, models, plain_every=3600) as progress:
        for n in range(1, 8):
            progress.on_event(_log(Step(FILES_READ, n, 7, f"f{n}.csv").line()))
        progress.on_event(_log("Un autre message"))
        for key in models:
            progress.on_event(_materialized(*key.path))
        progress.on_event(_materialized("marts", "m0"))  # counted once
        progress.on_event(_materialized("dashboards_site"))  # not a dbt model
        progress.on_event(_log(Step(PAGES_DONE, 12, 12).line()))
    assert out.getvalue().splitlines() == [
        f"  {FILES_READ} : 1/7",
        f"  {FILES_READ} : 7/7",
        f"  {MODELS_BUILT} : 1/3",
        f"  {MODELS_BUILT} : 3/3",
        f"  {PAGES_DONE} : 12/12",
    ]
