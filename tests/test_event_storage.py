"""The pooled SQLite event log (orchestration/event_storage.py) records assets as Dagster's
own does: one row per asset key, updated by each of its events; and a step's materializations
logged as one batch (assets/materializations.py) are recorded as logged one by one."""

import os

import dagster as dg
from dagster._core.storage.event_log.schema import AssetKeyTable

from assets.materializations import BATCH_SIZE_VARIABLE, log_materializations
from orchestration.event_storage import PooledSqliteEventLogStorage
from orchestration.instance import write_instance_yaml

files = dg.DynamicPartitionsDefinition(name="files")
BATCHED = {"on": False}  # how `received` logs its events in the next run


@dg.asset(partitions_def=files, backfill_policy=dg.BackfillPolicy.single_run())
def received(context: dg.AssetExecutionContext):
    events = [  # one event per file, as the ingestion logs them
        dg.AssetMaterialization(
            asset_key="received", partition=key, metadata={"n": i, "file": f"{key}.csv"}
        )
        for i, key in enumerate(context.partition_keys)
    ]
    if BATCHED["on"]:
        log_materializations(context, events)
    else:
        for event in events:
            context.log_event(event)
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


def test_a_batch_records_what_events_one_by_one_record(tmp_path, monkeypatch):
    """Same asset rows, latest event, partitions and metadata per partition, through the
    pooled event log's batch and Dagster's own (which stores a batch event by event)."""
    monkeypatch.delenv(BATCH_SIZE_VARIABLE, raising=False)
    stored = []
    original = PooledSqliteEventLogStorage.store_event_batch

    def spy(self, events):
        stored.append(len(events))
        original(self, events)

    monkeypatch.setattr(PooledSqliteEventLogStorage, "store_event_batch", spy)
    monkeypatch.setitem(BATCHED, "on", True)
    write_instance_yaml(tmp_path, {})
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        pooled = _materialise_twice(instance)
    assert stored.count(3) == 1 and stored.count(2) == 1  # each run's files: one batch
    assert BATCH_SIZE_VARIABLE not in os.environ  # set only while the events are logged
    monkeypatch.setitem(BATCHED, "on", False)
    with dg.instance_for_test() as instance:
        own = _materialise_twice(instance)
    assert pooled == own
    assert pooled["metadata"]["e"] == {"n": 1, "file": "e.csv"}


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
    records = instance.fetch_materializations(dg.AssetKey("received"), limit=100).records
    return {
        "metadata": {
            r.partition_key: {k: v.value for k, v in r.asset_materialization.metadata.items()}
            for r in records
        },
        "in_second_run": sorted(r.run_id == runs[-1] for r in records),
        "rows": sorted((key, runs.index(run)) for key, run in rows),
        "latest": (runs.index(latest.run_id), latest.asset_materialization.partition),
        "partitions": instance.get_materialized_partitions(dg.AssetKey("received")),
        "table": runs.index(instance.get_latest_materialization_event(dg.AssetKey("table")).run_id),
    }
