"""Many materializations of one step logged as one batch of Dagster's event log.

The ingestion logs one materialization per file read (its status and counts in the UI);
one by one, each was three SQLite transactions and two serializations of the event: about
2.3 ms per file, 2.2 s of a national run's one busy core. Dagster stores a batch of events
at once when they carry the same batch id and `DAGSTER_EVENT_BATCH_SIZE` is set (it does so
for the partitions of one output); `context.log_event` cannot give a batch id, so the events
are made here as `log_event` makes them, with one. The instance's event log then stores the
batch (orchestration/event_storage.py; PostgreSQL's storage does too).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence

import dagster as dg
from dagster._core.events import DagsterEvent, DagsterEventBatchMetadata, generate_event_batch_id

BATCH_SIZE_VARIABLE = "DAGSTER_EVENT_BATCH_SIZE"  # read by Dagster at each event
BATCH_SIZE = 1_000  # events held at most before they are stored


def log_materializations(
    context: dg.AssetExecutionContext, materializations: Sequence[dg.AssetMaterialization]
) -> None:
    """`context.log_event` for each materialization, stored as batches. Make them all first:
    a batch is stored when its last event is logged, so an error between two events would
    leave the ones before it unstored."""
    op_context = context.op_execution_context
    step = getattr(op_context, "_step_execution_context", None)
    events = getattr(op_context, "_events", None)
    if step is None or not isinstance(events, list):  # another Dagster: one by one
        for materialization in materializations:
            context.log_event(materialization)
        return
    batch, last = generate_event_batch_id(), len(materializations) - 1
    with _batches():
        for i, materialization in enumerate(materializations):
            end = DagsterEventBatchMetadata(batch, i == last)
            # as log_event: logged (stored), then kept for the step's own list of events
            events.append(DagsterEvent.asset_materialization(step, materialization, end))


@contextlib.contextmanager
def _batches() -> Iterator[None]:
    """Batches on while the events are logged, unless the deployment set its own size."""
    if os.environ.get(BATCH_SIZE_VARIABLE):
        yield
        return
    os.environ[BATCH_SIZE_VARIABLE] = str(BATCH_SIZE)
    try:
        yield
    finally:
        os.environ.pop(BATCH_SIZE_VARIABLE, None)
