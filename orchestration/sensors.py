"""Sensors: a new file in the inbox becomes a partition and a run; a successful ingestion
triggers the build."""

import dagster as dg

from assets.ingestion import inbox_partitions
from orchestration.jobs import build_job, ingest_job
from orchestration.runs import recover
from platform_config.resources import WAREHOUSE_POOL
from platform_config.settings import load_settings
from returns.inbox import index_by_hash, partition_ranges

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def ingest_run_request(keys: list[str], stored: list[str]) -> dg.RunRequest:
    """One run for many files: the partition range of keys added together (appended at the
    end of `stored`, so contiguous)."""
    [(first, last)] = partition_ranges(keys, stored)
    return dg.RunRequest(
        run_key=f"inbox:{first}:{last}:{len(keys)}", tags={RANGE_START: first, RANGE_END: last}
    )


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Surveille la boîte de dépôt : chaque nouveau fichier (par son contenu) "
    "devient une partition et tous les nouveaux sont lus en un seul run.",
)
def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    stored = context.instance.get_dynamic_partitions(inbox_partitions.name)
    known = set(stored)
    new = [k for k in index_by_hash(load_settings().inbox) if k not in known]
    if not new:
        return dg.SensorResult(skip_reason="Aucun nouveau fichier.")
    return dg.SensorResult(
        run_requests=[ingest_run_request(new, [*stored, *new])],
        dynamic_partitions_requests=[inbox_partitions.build_add_request(new)],
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_job],
    request_job=build_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Après chaque lecture réussie de fichiers, reconstruit les "
    "indicateurs et republie.",
)
def build_after_ingest(context: dg.RunStatusSensorContext):
    return dg.RunRequest(run_key=f"build-after:{context.dagster_run.run_id}")


@dg.sensor(
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Libère l'entrepôt tenu par un run dont le processus a disparu (arrêt "
    "brutal) : le run est marqué en échec et sa place dans le pool libérée.",
)
def recover_dead_runs(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    done = recover(context.instance, WAREHOUSE_POOL)
    for line in done:
        context.log.warning(line)
    return dg.SkipReason(" ".join(done) or "Aucun run interrompu.")
