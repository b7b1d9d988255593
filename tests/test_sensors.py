"""The inbox sensor: new files (by content) become partitions read in one run."""

from __future__ import annotations

import dagster as dg

from orchestration.sensors import RANGE_END, RANGE_START, inbox_sensor
from returns.process import file_hash
from tests.returns_files import ACTIVITY_HEADERS, action, write_csv


def test_new_files_become_partitions_and_one_run(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monkeypatch.setenv("QUARTIERS_INBOX", str(inbox))
    a = write_csv(inbox / "a.csv", ACTIVITY_HEADERS, [action()])
    b = write_csv(inbox / "b.csv", ACTIVITY_HEADERS, [action(numero_dossier="B")])
    (inbox / "a_copie.csv").write_bytes(a.read_bytes())  # same bytes, other name
    (inbox / "~$verrou.xlsx").write_bytes(b"lock")  # Office lock file: ignored
    instance = dg.DagsterInstance.ephemeral()

    result = inbox_sensor(dg.build_sensor_context(instance=instance))
    keys = sorted({file_hash(a), file_hash(b)})
    assert sorted(result.dynamic_partitions_requests[0].partition_keys) == keys
    (run,) = result.run_requests
    assert {run.tags[RANGE_START], run.tags[RANGE_END]} == set(keys)

    instance.add_dynamic_partitions("inbox_files", keys)
    again = inbox_sensor(dg.build_sensor_context(instance=instance))
    assert not again.run_requests and again.skip_reason

    (inbox / "a.csv").rename(inbox / "renomme.csv")  # renaming changes nothing
    assert not inbox_sensor(dg.build_sensor_context(instance=instance)).run_requests
