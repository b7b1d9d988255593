"""The survey marts against the generator's truth (tests/survey_truth.py), cell by cell, on
the session's whole-pipeline run; free texts stay with the analysts."""

from __future__ import annotations

import html
import re

import duckdb
import polars as pl
import pytest

from tests import survey_truth as S
from tests import truth as T
from tests.test_truth import assert_cells_equal

TABLES = ("mart_survey_answers", "mart_survey_scores", "mart_survey_returns_link")


@pytest.fixture(scope="module")
def snapshot(pipeline):
    _, settings, _, _ = pipeline
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    out = {t: con.sql(f"SELECT * FROM marts.{t}").pl() for t in TABLES}
    out["raw_answers"] = con.sql("SELECT * FROM raw.survey_answers").pl()
    out["files"] = con.sql("SELECT * FROM raw.files").pl()
    con.close()
    return out


@pytest.fixture(scope="module")
def regions(shared_reference) -> dict[str, str]:
    return dict(
        pl.read_csv(shared_reference / "cog" / "departements_2026.csv", infer_schema=False)
        .select("code_departement", "code_region")
        .iter_rows()
    )


def test_both_waves_arrive_as_partitions_with_their_broken_rows(pipeline, snapshot):
    demo = pipeline[0]
    files = snapshot["files"].filter(pl.col("kinds") == "survey")
    assert sorted(files["file_name"]) == sorted(p.name for p in demo.survey.files)
    truth = demo.survey.respondents
    for f in files.iter_rows(named=True):
        mine = truth.filter(pl.col("file_name") == f["file_name"])
        assert f["rows_read"] == mine.height == f["rows_accepted"] + f["rows_quarantined"]
        assert f["rows_quarantined"] == mine["broken_rule"].is_not_null().sum() > 0
        assert f["status"] == "partially_accepted"


def test_every_answer_distribution_matches_the_truth(pipeline, snapshot, regions):
    want = S.distributions(pipeline[0].survey, regions)
    mart = snapshot["mart_survey_answers"]
    assert want.height > 1000
    keys = [
        "territory_level",
        "territory_code",
        "porteur_category",
        "questionnaire",
        "question_code",
        "option_code",
    ]
    assert_cells_equal(mart, want, keys, ["respondents", "answers"], zero_elsewhere="answers")
    # every option of a question answered in a cell is there, 0 when nobody chose it
    per_question = mart.group_by(keys[:-1]).agg(pl.len(), pl.col("answer_share").sum())
    assert per_question["len"].min() >= 3
    single = mart.filter(pl.col("question_kind") != "multiple")
    sums = single.group_by(keys[:-1]).agg(pl.col("answers").sum(), pl.col("respondents").first())
    assert (sums["answers"] == sums["respondents"]).all()


def test_practice_scores_match_the_truth(pipeline, snapshot, regions):
    want = S.scores(pipeline[0].survey, regions)
    keys = ["territory_level", "territory_code", "porteur_category", "questionnaire", "group_code"]
    assert_cells_equal(snapshot["mart_survey_scores"], want, keys, ["respondents", "mean_score"])
    assert snapshot["mart_survey_scores"].height == want.height


def test_the_link_with_the_returns_matches_the_truth(pipeline, snapshot, regions, shared_reference):
    demo = pipeline[0]
    p = T.places(T.read_referential(demo.qpv_2015_file, demo.qpv_2024_file))
    actions = T.located_actions(demo.actions, p, regions)
    links = T.partnerships(actions, demo.partners)
    want = S.returns_link(demo.survey, regions, actions, links)
    keys = ["territory_level", "territory_code", "questionnaire", "question_code", "option_code"]
    cols = ["respondents", "respondents_with_returns", "actions", "actions_2plus_partners"]
    assert_cells_equal(snapshot["mart_survey_returns_link"], want, keys, cols)
    # the demo's porteurs who co-construct with inhabitants work with more partners
    fr = snapshot["mart_survey_returns_link"].filter(pl.col("territory_level") == "france")
    share = dict(
        fr.group_by(pl.col("option_code") == "oui")
        .agg(pl.col("actions_2plus_partners").sum() / pl.col("actions").sum())
        .iter_rows()
    )
    assert share[True] > share[False]


def test_free_texts_reach_the_analysts_only(pipeline, snapshot):
    texts = snapshot["raw_answers"].filter(pl.col("value_text").is_not_null())["value_text"]
    assert texts.len() > 20 and texts.str.contains("masquée").any()
    for t in TABLES:
        frame = snapshot[t]
        for c, dtype in frame.schema.items():
            if dtype == pl.String:
                assert not frame[c].is_in(texts.implode()).any(), (t, c)


def test_pages_say_what_porteurs_answered_without_small_counts(pipeline, snapshot):
    demo, settings, _, _ = pipeline
    answers = snapshot["mart_survey_answers"].filter(pl.col("porteur_category") == "ALL")
    index = (settings.site / "index.html").read_text("utf-8")
    assert "Ce que disent les porteurs" in index and "Enquête 2020-2021" in index
    fr = answers.filter(
        (pl.col("territory_level") == "france") & (pl.col("question_code") == "place_habitants")
    )
    assert f"répondants : {fr['respondents'][0]}" in index
    small = (
        answers.filter(pl.col("territory_level") == "departement")
        .group_by("territory_code", "questionnaire")
        .agg(pl.col("respondents").max())
        .filter(pl.col("respondents") < 11)
    )
    assert small.height > 0
    for code, _, n in small.iter_rows():
        page = (settings.site / f"departement-{code}.html").read_text("utf-8")
        assert "Ce que disent les porteurs" in page and "&lt; 11" in page
        assert f"répondants : {n}" not in page
    texts = set(demo.survey.answers["value_text"].drop_nulls())
    for page in settings.site.glob("*.html"):
        text = html.unescape(page.read_text("utf-8"))
        assert not any(t[:40] in text for t in texts), page.name


def test_respondents_identity_is_nowhere_in_the_warehouse_nor_the_snapshot(pipeline):
    demo, settings, _, _ = pipeline
    values = demo.survey.personal_values
    assert len(values) > 100 and any("@" in v for v in values)
    # any of the values inside a text: one search per distinct text of each column
    anywhere = re.compile("|".join(map(re.escape, values)))
    for path in (settings.warehouse, settings.snapshot):
        con = duckdb.connect(str(path), read_only=True)
        columns = con.sql(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' AND table_schema IN ('raw', 'staging', 'marts')"
        ).fetchall()
        for schema, table, column in columns:
            texts = con.execute(
                f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
            ).fetchall()
            hits = [t for (t,) in texts if anywhere.search(t)]
            assert hits == [], (path.name, schema, table, column, hits[:3])
        con.close()
