"""The survey marts recomputed from the demo generator's truth in plain polars: answer
distributions, practice scores and the link with the returns."""

from __future__ import annotations

import polars as pl

from survey.contract import questionnaire

LEVELS = (
    ("france", pl.lit("FR")),
    ("region", pl.col("region_code")),
    ("departement", pl.col("department_code")),
)


def respondents(truth, regions: dict[str, str]) -> pl.DataFrame:
    """Respondents in force with their région and a respondent key."""
    return truth.respondents_in_force().with_columns(
        region_code=pl.col("department_code").replace_strict(regions, default=None),
        respondent=pl.format("{}|{}", "file_name", "line"),
    )


def _cells(frame: pl.DataFrame, categories: bool = True) -> pl.DataFrame:
    """Each row once per territory level, and per category key ('ALL' and its own)."""
    levels = pl.concat(
        [
            frame.with_columns(territory_level=pl.lit(lvl), territory_code=code)
            for lvl, code in LEVELS
        ]
    )
    out = levels.with_columns(category=pl.lit("ALL"))
    if categories:
        out = pl.concat(
            [
                out,
                levels.filter(pl.col("porteur_category").is_not_null()).with_columns(
                    category=pl.col("porteur_category")
                ),
            ]
        )
    return out


CELL = ["territory_level", "territory_code", "category", "questionnaire"]


def distributions(truth, regions: dict[str, str]) -> pl.DataFrame:
    resp = respondents(truth, regions)
    kinds = {
        (qn, q.code): q.kind
        for qn in ("cooperation_2020", "cooperation_2022")
        for q in questionnaire(qn).questions
    }
    answers = (
        truth.answers_in_force()
        .filter(
            pl.struct("questionnaire", "question_code").map_elements(
                lambda s: (
                    kinds[(s["questionnaire"], s["question_code"])]
                    in ("single", "multiple", "likert")
                ),
                return_dtype=pl.Boolean,
            )
        )
        .join(
            resp.select(
                "file_name",
                "line",
                "respondent",
                "department_code",
                "region_code",
                "porteur_category",
            ),
            on=["file_name", "line"],
        )
    )
    cells = _cells(answers)
    per_question = cells.group_by(*CELL, "question_code").agg(
        respondents=pl.col("respondent").n_unique()
    )
    per_option = cells.group_by(*CELL, "question_code", "option_code").agg(
        answers=pl.col("respondent").n_unique()
    )
    return per_option.join(per_question, on=[*CELL, "question_code"]).rename(
        {"category": "porteur_category"}
    )


def scores(truth, regions: dict[str, str]) -> pl.DataFrame:
    resp = respondents(truth, regions)
    rows = []
    for code in ("cooperation_2020", "cooperation_2022"):
        qn = questionnaire(code)
        for q in qn.questions:
            if q.group:
                lo, hi = min(o.score for o in q.options), max(o.score for o in q.options)
                rows += [(code, q.code, q.group, lo, hi)]
    scale = pl.DataFrame(
        rows, schema=["questionnaire", "question_code", "group_code", "lo", "hi"], orient="row"
    )
    items = (
        truth.answers_in_force()
        .join(scale, on=["questionnaire", "question_code"])
        .with_columns(
            item=100 * (pl.col("value_number") - pl.col("lo")) / (pl.col("hi") - pl.col("lo"))
        )
        .join(
            resp.select(
                "file_name",
                "line",
                "respondent",
                "department_code",
                "region_code",
                "porteur_category",
            ),
            on=["file_name", "line"],
        )
    )
    per_respondent = items.group_by(
        "respondent",
        "questionnaire",
        "group_code",
        "department_code",
        "region_code",
        "porteur_category",
    ).agg(score=pl.col("item").mean())
    return (
        _cells(per_respondent)
        .group_by(*CELL, "group_code")
        .agg(respondents=pl.len(), mean_score=pl.col("score").mean())
        .rename({"category": "porteur_category"})
    )


def returns_link(
    truth, regions: dict[str, str], actions: pl.DataFrame, links: pl.DataFrame
) -> pl.DataFrame:
    """`actions`, `links`: tests/truth.py's accepted located actions and partnerships."""
    partner_count = links.group_by("action_id").agg(n=pl.len())
    per_porteur = (
        actions.join(partner_count, on="action_id", how="left")
        .with_columns(pl.col("n").fill_null(0))
        .group_by("porteur_siret", "campaign_year")
        .agg(actions=pl.len(), actions_2plus=(pl.col("n") >= 2).sum())
    )
    resp = respondents(truth, regions)
    answers = (
        truth.answers_in_force()
        .filter(pl.col("question_code") == "coconstruction_habitants")
        .join(
            resp.select(
                "file_name",
                "line",
                "respondent",
                "department_code",
                "region_code",
                "porteur_siret",
                "campaign_year",
                "porteur_category",
            ),
            on=["file_name", "line"],
        )
        .join(per_porteur, on=["porteur_siret", "campaign_year"], how="left")
    )
    return (
        _cells(answers, categories=False)
        .group_by(
            "territory_level", "territory_code", "questionnaire", "question_code", "option_code"
        )
        .agg(
            respondents=pl.col("respondent").n_unique(),
            respondents_with_returns=pl.col("actions").is_not_null().sum(),
            actions=pl.col("actions").fill_null(0).sum(),
            actions_2plus_partners=pl.col("actions_2plus").fill_null(0).sum(),
        )
    )
