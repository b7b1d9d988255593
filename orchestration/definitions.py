"""The one entry point: merges the per-concern definitions."""

import dagster as dg

from assets import ingestion, reference, reminders, survey, templates
from assets.documentation import build_documentation_asset
from assets.freshness import campaign_receiving, snapshot_up_to_date
from assets.publication import build_publication_assets
from orchestration.alerts import failed_check_alert, run_failure_alert
from orchestration.dbt_assets import dbt_resource, mart_keys, quartiers_dbt
from orchestration.jobs import (
    build_job,
    freshness_job,
    ingest_job,
    reference_job,
    retract_job,
    templates_job,
)
from orchestration.schedules import freshness_checks, inbox_check, season_rebuild
from orchestration.sensors import build_after_ingest, inbox_sensor, recover_dead_runs
from platform_config.resources import resources_from_environment

defs = dg.Definitions(
    assets=[
        *dg.load_assets_from_modules([reference, ingestion, templates, reminders, survey]),
        quartiers_dbt,
        *build_publication_assets(mart_keys()),
        build_documentation_asset(mart_keys()),
    ],
    asset_checks=[campaign_receiving, snapshot_up_to_date],
    jobs=[reference_job, ingest_job, build_job, retract_job, templates_job, freshness_job],
    schedules=[inbox_check, season_rebuild, freshness_checks],
    sensors=[
        inbox_sensor,
        build_after_ingest,
        recover_dead_runs,
        run_failure_alert,
        failed_check_alert,
    ],
    resources={**resources_from_environment(), "dbt": dbt_resource()},
)
