"""A build runs again only the dbt models downstream of a raw table that changed
(orchestration/dbt_selection.py): which ones, from the project's own manifest, and through
Dagster that what it keeps and what it rebuilds equal a complete build."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest

from orchestration import dbt_selection
from orchestration.dbt_selection import changed_tables, unchanged_nodes, upstream_first
from platform_config.settings import PROJECT_ROOT
from tests.build_subset import PUBLICATIONS, run_build_job
from tests.returns_files import ACTIVITY_HEADERS, action, write_csv

RUNS = ("model", "test", "seed")
DBT_ONLY = (*PUBLICATIONS, "analysts_snapshot")  # the builds whose publication no test reads


@pytest.fixture(scope="module")
def manifest() -> dict:
    path = PROJECT_ROOT / "dbt_project" / "target" / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_changed_tables_against_the_last_complete_build():
    before = {"files": "1:10", "activity_rows": "2:20", "code_lists": "3:30"}
    state = {"project": "p1", "tables": before}
    now = {**before, "files": "2:11", "survey_answers": "1:5"}  # one changed, one new
    assert changed_tables(state, now, "p1") == ["files", "survey_answers"]
    gone = {k: v for k, v in before.items() if k != "code_lists"}
    assert changed_tables(state, gone, "p1") == ["code_lists"]
    # everything: no state, a state without tables, another dbt project, nothing changed
    assert changed_tables(None, now, "p1") is None
    assert changed_tables({"project": "p1"}, now, "p1") is None
    assert changed_tables(state, now, "p2") is None
    assert changed_tables(state, dict(before), "p1") is None


def _descendants(manifest: dict, table: str) -> set[str]:
    """dbt's own child map, walked from the raw source: what a change must run again."""
    todo, seen = [f"source.quartiers.raw.{table}"], set()
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def test_kept_nodes_are_exactly_those_no_changed_table_reaches(manifest):
    runnable = {u for u, n in manifest["nodes"].items() if n["resource_type"] in RUNS}
    raw = [s["name"] for s in manifest["sources"].values() if s["source_name"] == "raw"]
    assert {"activity_rows", "files", "survey_answers", "qpv_referential"} <= set(raw)
    for table in raw:
        kept = unchanged_nodes(manifest, [table])
        must_run = _descendants(manifest, table) & runnable
        assert must_run, table  # every raw table is read by some model
        assert set(kept or ()) == runnable - must_run, table
    # a survey file keeps the actions' marts; a return keeps the survey's questions
    assert "model.quartiers.mart_reach" in unchanged_nodes(manifest, ["survey_answers"])
    kept = unchanged_nodes(manifest, ["files", "activity_rows", "quarantine"])
    assert "model.quartiers.stg_raw__survey_questions" in kept
    assert "model.quartiers.mart_reach" not in kept
    # every table: only what reads no raw table (the seeds); a table no model reads: all
    reached = set().union(*(_descendants(manifest, t) for t in raw))
    assert set(unchanged_nodes(manifest, raw)) == runnable - reached
    assert {manifest["nodes"][u]["resource_type"] for u in runnable - reached} == {"seed"}
    assert unchanged_nodes(manifest, ["not_a_source"]) is None


def test_kept_models_are_reported_upstream_first(manifest):
    order = upstream_first(manifest, reversed(sorted(manifest["nodes"])))
    position = {uid: i for i, uid in enumerate(order)}
    for uid, node in manifest["nodes"].items():
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent in position:
                assert position[parent] < position[uid], (parent, uid)


def _marts(path) -> dict[str, tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
        ).fetchall()
        return {
            t: con.execute(f'SELECT count(*), sum(hash(m)) FROM marts."{t}" AS m').fetchone()
            for (t,) in tables
        }
    finally:
        con.close()


def _state(path) -> dict | None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dbt_selection.read_state(con)
    finally:
        con.close()


def _dbt_materializations(instance) -> dict[str, dict]:
    """The dbt models materialised by the last run, with their metadata."""
    run = instance.get_runs(limit=1)[0]
    out = {}
    for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        mat = record.dagster_event.event_specific_data.materialization
        out["/".join(mat.asset_key.path)] = {k: v.value for k, v in mat.metadata.items()}
    return out


@pytest.mark.slow
def test_a_partial_build_keeps_what_a_complete_build_would_make(platform):
    from orchestration import cli

    settings, instance = platform, dg.DagsterInstance.ephemeral()
    write_csv(
        settings.inbox / "bilan_1.csv",
        ACTIVITY_HEADERS,
        [action(numero_dossier="A"), action(numero_dossier="B")],
    )
    cli.ingest(settings, instance)
    run_build_job(instance, skip=DBT_ONLY)  # the first build: complete
    state = _state(settings.warehouse)
    assert state["project"] == dbt_selection.dbt_digest()

    # A second return: the tables it adds rows to change, the reference and survey do not.
    write_csv(settings.inbox / "bilan_2.csv", ACTIVITY_HEADERS, [action(numero_dossier="C")])
    cli.ingest(settings, instance)
    run_build_job(instance)
    made = _dbt_materializations(instance)
    kept = {k for k, meta in made.items() if meta.get("reconstruit") is False}
    assert "marts/dim_code_lists" in kept  # code lists: the reference job's table
    assert "marts/fct_actions" in made and "marts/fct_actions" not in kept
    assert "analysts_snapshot" in made  # what reads the marts ran after them
    partial = _marts(settings.warehouse)
    changed = set(_state(settings.warehouse)["tables"].items()) - set(state["tables"].items())
    assert {t for t, _ in changed} >= {"files", "activity_rows"}

    # The truth: the same warehouse built whole gives the same marts, row for row.
    con = duckdb.connect(str(settings.warehouse))
    dbt_selection.forget_state(con)
    con.close()
    run_build_job(instance, skip=DBT_ONLY)
    assert not {
        k for k, m in _dbt_materializations(instance).items() if m.get("reconstruit") is False
    }
    assert _marts(settings.warehouse) == partial
    assert partial["fct_actions"][0] == 3
