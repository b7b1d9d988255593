"""Runs that recover: a run whose process died no longer holds the warehouse; a command
waiting for a live holder says which run it is and since when, gives up after
QUARTIERS_WAIT_MINUTES, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import dagster as dg
import pytest

from orchestration.runs import PID_TAG, WarehouseBusy, process_tags, recover, wait_for_pool

POOL = "warehouse"
BIN = Path(sys.executable).parent


def _instance_home(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        (Path(__file__).parent.parent / "orchestration" / "dagster.yaml").read_text())
    return home


def _holding_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> str:
    """A STARTED build run holding the warehouse slot in its dbt step."""
    run_id = str(uuid.uuid4())
    instance.add_run(dg.DagsterRun(job_name="build_job", run_id=run_id, tags=tags,
                                   status=dg.DagsterRunStatus.STARTED))
    instance.event_log_storage.set_concurrency_slots(POOL, 1)
    assert instance.event_log_storage.claim_concurrency_slot(POOL, run_id, "quartiers_dbt").is_claimed
    return run_id


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_dead_runs_slot_is_freed_and_a_live_holder_waited_for(tmp_path):
    with dg.instance_for_test(temp_dir=str(_instance_home(tmp_path / "home"))) as instance:
        dead = _holding_run(instance, {PID_TAG: str(_dead_pid())})
        said: list[str] = []
        wait_for_pool(instance, POOL, minutes=0, say=said.append)
        assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
        assert not instance.event_log_storage.get_concurrency_info(POOL).claimed_slots
        assert said and dead[:8] in said[0] and "disparu" in said[0]

        live = _holding_run(instance, process_tags())  # this very process: alive
        said.clear()
        with pytest.raises(WarehouseBusy) as busy:
            wait_for_pool(instance, POOL, minutes=0, say=said.append)
        for text in (str(busy.value), said[0]):
            assert f"le run {live[:8]} (build_job, étape quartiers_dbt) depuis le " in text
            assert f"processus {os.getpid()}" in text
        assert "QUARTIERS_WAIT_MINUTES" in str(busy.value)
        assert recover(instance, POOL) == []  # a live run is left alone
        assert instance.get_run_by_id(live).status == dg.DagsterRunStatus.STARTED


def _waiting_command(tmp_path: Path, minutes: str) -> tuple[subprocess.Popen, str]:
    """`quartiers run` against an instance whose warehouse slot this test process holds."""
    home = _instance_home(tmp_path / "home")
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        run_id = _holding_run(instance, process_tags())
    env = {**os.environ, "DAGSTER_HOME": str(home), "QUARTIERS_DATA_DIR": str(tmp_path / "data"),
           "QUARTIERS_WAIT_MINUTES": minutes}
    env.pop("QUARTIERS_WAREHOUSE", None)
    return subprocess.Popen([str(BIN / "quartiers"), "run"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE), run_id


def test_the_command_gives_up_after_the_allowed_wait(tmp_path):
    command, holder = _waiting_command(tmp_path, "0.001")
    out, err = command.communicate(timeout=120)
    assert command.returncode == 1, err[-2000:]
    assert f"Abandon après 0.001 min d'attente. L'entrepôt est occupé par le run {holder[:8]}" in err


def test_the_waiting_command_stops_on_sigterm(tmp_path):
    command, holder = _waiting_command(tmp_path, "30")
    for line in command.stderr:  # bounded by the command's own output
        if "Attente de sa fin" in line:
            assert f"le run {holder[:8]} (build_job, étape quartiers_dbt)" in line
            break
    command.send_signal(signal.SIGTERM)
    out, err = command.communicate(timeout=60)
    assert command.returncode not in (0, None)
    assert "Arrêt demandé" in err
