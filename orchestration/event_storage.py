"""The instance's event log on SQLite, fit for thousands of files per run.

Dagster's own SQLite event log opens and closes a database connection for every event, and
closing the last connection of a WAL database checkpoints it with an fsync: about 50 ms per
event on an ordinary disk, so a backfill of 35,000 files spent most of its time there. This
storage is the same tables, the same files and the same migrations, with five changes:

- connections are kept open in a small pool per shard (the index, and the few most recent
  runs), with `synchronous=NORMAL`, SQLite's recommended setting in WAL mode: a commit no
  longer waits for the disk; a power cut can lose the last events, never corrupt the file.
  The event log is the history of runs, not the data: the warehouse holds every file's
  status and counts (`raw.files`) in its own transactions.
- a run over a range of partitions records one "planned" event per asset with the range,
  instead of one per partition (Dagster's `DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS`);
- the schema checks Dagster makes before storing each asset event (does the tags table
  exist, has the asset keys table its index columns) are answered once: a new engine, or an
  inspection of the table, for every event otherwise;
- an asset's row in the asset keys table is updated, and inserted only for a new key, where
  Dagster inserts it and catches the unique constraint's error (every event but an asset's
  first);
- a batch of materializations (the ingestion's, one per file: assets/materializations.py) is
  stored in one transaction per database, the asset's row updated once, as PostgreSQL's
  storage does, where Dagster's SQLite event log stores a batch event by event.

Written into the instance file by `orchestration/instance.py` (with the folder named in full)
when no PostgreSQL URL is set; PostgreSQL storage replaces it in a shared
deployment (docs/deployment.md). It overrides private methods (`_connect`,
`_has_asset_key_index_cols_on_connection`, `_store_asset_event`) of the pinned Dagster
version; every test that runs a job goes through it, and tests/test_event_storage.py
compares what it records of assets with Dagster's own event log.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dagster._config import Field, StringSource
from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import AssetKeyTable, SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, create_engine
from sqlalchemy.exc import IntegrityError

#: the events a batch stores at once (all of one kind, each with an asset key); Dagster batches
#: others too (the planned materializations of a run's start), stored here event by event
BATCHED_KINDS = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_OBSERVATION}
OPEN_RUN_SHARDS = 4  # run databases kept open besides the index (a daemon sees many runs)


def default_base_dir() -> str:
    """Where Dagster's default local instance keeps its event logs."""
    return os.path.join(os.environ["DAGSTER_HOME"], "history", "runs", "")


def _tune(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str | None = None, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        # schema facts found true once: migrations only ever add tables and columns
        self._tables: set[str] = set()
        self._asset_key_index_cols = False
        super().__init__(base_dir or default_base_dir(), inst_data=inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    @property
    def supports_partition_subset_in_asset_materialization_planned_events(self) -> bool:
        return True

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            pool_size=1,
            max_overflow=4,
        )
        event.listen(engine, "connect", _tune)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
        for old in runs[:-OPEN_RUN_SHARDS]:
            self._engines.pop(old).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        # asked before each asset event's tags are stored, and Dagster's opens a new engine
        # (a connection and the dialect's first queries) for every answer
        if table_name not in self._tables:
            if not super().has_table(table_name):
                return False
            self._tables.add(table_name)
        return True

    def _has_asset_key_index_cols_on_connection(self, conn: Connection) -> bool:
        # asked for each asset event, by inspecting the table's columns
        if not self._asset_key_index_cols:
            self._asset_key_index_cols = super()._has_asset_key_index_cols_on_connection(conn)
        return self._asset_key_index_cols

    def _store_asset_event(self, conn: Connection, event: EventLogEntry, event_id: int) -> None:
        # Dagster inserts the asset's row and, when the key is known (every event of an asset
        # but its first), catches the unique constraint's error to update it: an exception
        # raised by SQLite and wrapped by SQLAlchemy for each event. Here the row is updated,
        # and inserted only for a new key (the same values either way).
        dagster_event = event.dagster_event
        if not (dagster_event and dagster_event.asset_key):
            return
        values = self._get_asset_entry_values(
            event, event_id, self._has_asset_key_index_cols_on_connection(conn)
        )
        if not values:
            return
        key = dagster_event.asset_key.to_string()
        update = AssetKeyTable.update().values(**values).where(AssetKeyTable.c.asset_key == key)
        if conn.execute(update).rowcount:
            return
        try:
            conn.execute(AssetKeyTable.insert().values(asset_key=key, **values))
        except IntegrityError:  # inserted meanwhile by another process
            conn.execute(update)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """A batch of materializations (or of observations) of one run in two transactions,
        one per database, where Dagster's SQLite event log stores each event in three: the
        run's rows in one insert, the index's in one insert returning their ids, their tags in
        one more, and each asset's row updated once, by its last event (what updating it
        event by event leaves). Anything else is stored event by event."""
        kinds = {event.dagster_event_type for event in events}
        runs = {event.run_id for event in events}
        if len(kinds) != 1 or not kinds <= BATCHED_KINDS or len(runs) != 1:
            super().store_event_batch(events)
            return
        rows = [self._event_to_row(event) for event in events]
        with self.run_connection(runs.pop()) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        insert = SqlEventLogStorageTable.insert().returning(
            SqlEventLogStorageTable.c.id, sort_by_parameter_order=True
        )
        with self.index_connection() as conn:
            ids = [row[0] for row in conn.execute(insert, rows)]
            self._store_asset_event_tags(conn, events, ids)
            last: dict[str, tuple[EventLogEntry, int]] = {}
            for event, event_id in zip(events, ids, strict=True):
                last[event.dagster_event.asset_key.to_string()] = (event, event_id)
            for event, event_id in last.values():
                self._store_asset_event(conn, event, event_id)

    def wipe(self) -> None:
        self._close_all()
        super().wipe()

    def _close_all(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()
