"""The survey's raw tables (beside the origin columns every raw table carries), and the
questionnaires as tables for the warehouse: dbt reads labels, kinds, groups and scores from
there, never from a copy."""

from __future__ import annotations

import polars as pl

from survey.contract import questionnaires

SURVEY_TABLES: dict[str, dict[str, str]] = {
    "survey_respondents": {
        "questionnaire": "VARCHAR",
        "wave": "INTEGER",
        "campaign_year": "INTEGER",
        "response_id": "VARCHAR",
        "porteur_siret": "VARCHAR",
        "department_code": "VARCHAR",
        "porteur_category": "VARCHAR",
        "submitted_at": "DATE",
    },
    "survey_answers": {
        "questionnaire": "VARCHAR",
        "question_code": "VARCHAR",
        "option_code": "VARCHAR",
        "value_number": "DOUBLE",
        "value_text": "VARCHAR",
    },
}


def question_table() -> pl.DataFrame:
    """One row per question of every questionnaire (identity questions included: the docs
    say they are dropped)."""
    return pl.DataFrame(
        [
            {
                "questionnaire": qn.code,
                "questionnaire_title": qn.title,
                "campaign": qn.campaign,
                "wave": qn.wave,
                "campaign_year": qn.campaign_year,
                "position": i,
                "question_code": q.code,
                "question_label": q.label,
                "kind": q.kind,
                "group_code": q.group,
                "group_label": qn.groups.get(q.group) if q.group else None,
                "returns_link": q.returns_link,
            }
            for qn in questionnaires()
            for i, q in enumerate(qn.questions, 1)
        ],
        schema={
            "questionnaire": pl.Utf8,
            "questionnaire_title": pl.Utf8,
            "campaign": pl.Utf8,
            "wave": pl.Int32,
            "campaign_year": pl.Int32,
            "position": pl.Int32,
            "question_code": pl.Utf8,
            "question_label": pl.Utf8,
            "kind": pl.Utf8,
            "group_code": pl.Utf8,
            "group_label": pl.Utf8,
            "returns_link": pl.Boolean,
        },
    )


def option_table() -> pl.DataFrame:
    """One row per answer option (or Likert step) of every question."""
    return pl.DataFrame(
        [
            {
                "questionnaire": qn.code,
                "question_code": q.code,
                "position": i,
                "option_code": o.code,
                "option_label": o.label,
                "score": o.score,
            }
            for qn in questionnaires()
            for q in qn.questions
            for i, o in enumerate(q.options, 1)
        ],
        schema={
            "questionnaire": pl.Utf8,
            "question_code": pl.Utf8,
            "position": pl.Int32,
            "option_code": pl.Utf8,
            "option_label": pl.Utf8,
            "score": pl.Float64,
        },
    )
