"""Schedules of the campaign calendar (QUARTIERS_SEASON_MONTHS, QUARTIERS_OFF_SEASON_WEEKDAY,
read at each tick): during the season, every morning, the inbox is checked and the indicators
rebuilt; outside it, once a week. The inbox sensor still reads new files as they come. The
freshness checks run every morning."""

import dagster as dg

from assets.ingestion import inbox_partitions
from orchestration.jobs import build_job, freshness_job, ingest_job
from orchestration.sensors import ingest_run_request
from platform_config.settings import load_settings
from returns.calendar import is_run_day
from returns.inbox import index_by_hash


def _not_today(context: dg.ScheduleEvaluationContext) -> dg.SkipReason | None:
    s = load_settings()
    day = context.scheduled_execution_time.date()
    if not is_run_day(day, s.season_months, s.off_season_weekday):
        return dg.SkipReason(f"Hors saison : pas de passage le {day.strftime('%d/%m/%Y')}.")
    return None


@dg.schedule(
    job=ingest_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/Paris",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Relève de la boîte de dépôt : chaque matin pendant la saison, une fois "
    "par semaine sinon (lit les fichiers que le capteur n'aurait pas vus).",
)
def inbox_check(context: dg.ScheduleEvaluationContext):
    skip = _not_today(context)
    if skip:
        return skip
    known = set(context.instance.get_dynamic_partitions(inbox_partitions.name))
    new = [k for k in index_by_hash(load_settings().inbox) if k not in known]
    if not new:
        return dg.SkipReason("Aucun nouveau fichier.")
    context.instance.add_dynamic_partitions(inbox_partitions.name, new)
    return ingest_run_request(new, context.instance.get_dynamic_partitions(inbox_partitions.name))


@dg.schedule(
    job=build_job,
    cron_schedule="30 6 * * *",
    execution_timezone="Europe/Paris",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Reconstruction et republication (indicateurs, copie des analystes, "
    "site, relances) : chaque matin pendant la saison, une fois par semaine "
    "sinon.",
)
def season_rebuild(context: dg.ScheduleEvaluationContext):
    return _not_today(context) or dg.RunRequest(
        run_key=f"rebuild:{context.scheduled_execution_time.date().isoformat()}"
    )


freshness_checks = dg.ScheduleDefinition(
    name="freshness_checks",
    job=freshness_job,
    cron_schedule="0 7 * * *",
    execution_timezone="Europe/Paris",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Chaque matin, les contrôles de fraîcheur (une alerte en cas d'échec).",
)
