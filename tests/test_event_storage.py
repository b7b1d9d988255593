"""The pooled SQLite event log (orchestration/event_storage.py) records assets as Dagster's
own does: one row per asset key, updated by each of its events."""

import dagster as dg
from dagster._core.storage.event_log.schema import AssetKeyTable

from orchestration.event_storage import PooledSqliteEventLogStorage
from orchestration.instance import write_instance_yaml

files = dg.DynamicPartitionsDefinition(name="files")


@dg.asset(partitions_def=files, backfill_policy=dg.BackfillPolicy.single_run())
def received(context: dg.AssetExecutionContext):
    for key in context.partition_keys:  # one event per file, as the ingestion logs them
        context.log_event(
            dg.AssetMaterialization(asset_key="received", partition=key, metadata={"n": 1})
        )
    return dg.MaterializeResult()


@dg.asset
def table():
    return dg.MaterializeResult(metadata={"rows": 3})


def test_each_asset_has_one_row_with_its_latest_event(tmp_path):
    write_instance_yaml(tmp_path, {})  # SQLite, the pooled event log
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        pooled = _materialise_twice(instance)
    with dg.instance_for_test() as instance:  # Dagster's own SQLite event log
        assert not isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        own = _materialise_twice(instance)
    assert pooled == own
    assert pooled["rows"] == [('["received"]', 1), ('["table"]', 1)]  # updated by run 2
    assert pooled["partitions"] == set("abcde")


def _materialise_twice(instance: dg.DagsterInstance) -> dict:
    """What the instance says of the assets after two runs (runs by their order)."""
    defs = dg.Definitions(
        assets=[received, table], jobs=[dg.define_asset_job("both", [received, table])]
    )
    job = defs.resolve_job_def("both")
    runs = []
    for keys in (["a", "b", "c"], ["d", "e"]):
        instance.add_dynamic_partitions("files", keys)
        tags = {"dagster/asset_partition_range_start": keys[0]}
        tags["dagster/asset_partition_range_end"] = keys[-1]
        result = job.execute_in_process(instance=instance, tags=tags)
        assert result.success
        runs.append(result.run_id)
    with instance.event_log_storage.index_connection() as conn:
        rows = conn.execute(
            AssetKeyTable.select().with_only_columns(
                AssetKeyTable.c.asset_key, AssetKeyTable.c.last_run_id
            )
        ).fetchall()
    latest = instance.get_latest_materialization_event(dg.AssetKey("received"))
    return {
        "rows": sorted((key, runs.index(run)) for key, run in rows),
        "latest": (runs.index(latest.run_id), latest.asset_materialization.partition),
        "partitions": instance.get_materialized_partitions(dg.AssetKey("received")),
        "table": runs.index(instance.get_latest_materialization_event(dg.AssetKey("table")).run_id),
    }
