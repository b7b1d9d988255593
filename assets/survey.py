"""The survey's questionnaires as reference tables of `raw` (questions, options and scores),
written from the contract like the returns' code lists. Answers arrive with the inbox files
(assets/ingestion.py): a survey export is one more kind of file."""

import dagster as dg

from assets.reference import replace_raw_table
from platform_config.resources import WAREHOUSE_POOL, Warehouse
from survey.tables import option_table, question_table

SURVEY_REFERENCE_ASSETS = ("raw_survey_questions", "raw_survey_options")


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "raw_survey_questions",
            group_name="reference",
            kinds={"duckdb"},
            description="Questions des questionnaires de l'enquête coopération (libellé, "
            "type, groupe du score de coopération).",
        ),
        dg.AssetSpec(
            "raw_survey_options",
            group_name="reference",
            kinds={"duckdb"},
            description="Réponses possibles de chaque question (et score des échelles).",
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def raw_survey_questionnaires(warehouse: Warehouse):
    questions, options = question_table(), option_table()
    with warehouse.connect() as con:
        replace_raw_table(con, "survey_questions", questions)
        replace_raw_table(con, "survey_options", options)
    yield dg.MaterializeResult(
        asset_key="raw_survey_questions",
        metadata={"questions": dg.MetadataValue.int(questions.height)},
    )
    yield dg.MaterializeResult(
        asset_key="raw_survey_options", metadata={"options": dg.MetadataValue.int(options.height)}
    )
