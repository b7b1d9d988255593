"""Runs that recover: a run whose process died no longer holds the warehouse; a command
waiting for a live holder says which run it is and since when, gives up after
QUARTIERS_WAIT_MINUTES, and stops on SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.progress import PAGES_DONE
from demodata.generator import generate_demo
from orchestration.runs import (
    PID_TAG,
    WarehouseBusy,
    holders,
    process_tags,
    recover,
    wait_for_pool,
)

POOL = "warehouse"
BIN = Path(sys.executable).parent


def _instance_home(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        (Path(__file__).parent.parent / "orchestration" / "dagster.yaml").read_text()
    )
    return home


def _holding_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> str:
    """A STARTED build run holding the warehouse slot in its dbt step."""
    run_id = str(uuid.uuid4())
    instance.add_run(
        dg.DagsterRun(
            job_name="build_job", run_id=run_id, tags=tags, status=dg.DagsterRunStatus.STARTED
        )
    )
    instance.event_log_storage.set_concurrency_slots(POOL, 1)
    assert instance.event_log_storage.claim_concurrency_slot(
        POOL, run_id, "quartiers_dbt"
    ).is_claimed
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
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "QUARTIERS_DATA_DIR": str(tmp_path / "data"),
        "QUARTIERS_WAIT_MINUTES": minutes,
    }
    env.pop("QUARTIERS_WAREHOUSE", None)
    return subprocess.Popen(
        [str(BIN / "quartiers"), "run"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ), run_id


def test_the_command_gives_up_after_the_allowed_wait(tmp_path):
    command, holder = _waiting_command(tmp_path, "0.001")
    out, err = command.communicate(timeout=120)
    assert command.returncode == 1, err[-2000:]
    assert (
        f"Abandon après 0.001 min d'attente. L'entrepôt est occupé par le run {holder[:8]}" in err
    )


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


# --------------------------------------------------------------------------- killed runs

# `quartiers run` that stops inside a step (when the step emits `event`: a Dagster event type,
# or the start of a line the step logs) and says so on its standard output, to be killed there.
VICTIM = textwrap.dedent("""
    import os, sys, threading
    import dagster as dg
    from orchestration import cli
    step, event = sys.argv[1], sys.argv[2]
    original = dg.DagsterInstance.handle_new_event
    def handle(self, entry, *args, **kwargs):
        original(self, entry, *args, **kwargs)
        d = entry.dagster_event
        if entry.step_key == step and (
            d.event_type_value == event if d is not None
            else (entry.user_message or "").startswith(event)
        ):
            print("KILL", os.getpid(), flush=True)
            threading.Event().wait()
    dg.DagsterInstance.handle_new_event = handle
    cli.main(["run"])
""")
# Runs killed in turn: in the middle of dbt (its first model built; dbt's process, started
# by the command ahead of the build, dies with it and leaves the rest unbuilt), then in the
# middle of the site (its first page written in the staged folder, the snapshot published
# just before; after a whole dbt build, since the first left none). A kill at a step's start (ingestion, snapshot,
# site: the test once had them) recovers as these do, whatever the step: the dead run's slot
# freed by its process, nothing written yet; a half-read batch is test_versions.py's. The
# kill inside the site is the one that leaves something half-written beside the
# publication, which the next run must never publish.
KILLS = [("quartiers_dbt", "ASSET_MATERIALIZATION"), ("publication", f"{PAGES_DONE} : 1/")]


def _env(data: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "QUARTIERS_DATA_DIR": str(data),
        "DAGSTER_HOME": str(data / "home"),
        "QUARTIERS_WAIT_MINUTES": "5",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        # the victim says KILL on its stdout from inside a step: not into the log file
        "QUARTIERS_VERBOSE": "1",
    }
    for name in (
        "QUARTIERS_WAREHOUSE",
        "QUARTIERS_QPV_2024_FILE",
        "QUARTIERS_SITE",
        "QUARTIERS_SNAPSHOT",
        "QUARTIERS_INBOX",
    ):
        env.pop(name, None)
    return env


def _marts(snapshot: Path) -> dict[str, list]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        tables = [
            t
            for (t,) in con.sql(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        # when a file was read, and where its report went (the data folders differ), aside
        other = {"mart_file_status": " EXCLUDE (ingested_at, report_path)"}
        rows = {
            t: con.sql(f'SELECT *{other.get(t, "")} FROM marts."{t}" ORDER BY ALL').fetchall()
            for t in tables
        }
    finally:
        con.close()
    # exactly equal: the marts sum euros and estimates as exact decimals (dbt macro `money`)
    return rows


def _published(site: Path) -> dict[str, bytes]:
    """Pages, exports and plotly.js; not `.build/`, the builder's digests of its inputs."""
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and ".build" not in p.parts
    }


# End to end, because only real processes killed inside real steps (dbt's child still
# running, a lock on the file, a slot in the instance) show that the next command recovers
# and publishes exactly what an undisturbed run does; the tests above fake the holder.
def test_a_run_killed_at_any_step_never_blocks_the_next(tmp_path):
    root = Path(__file__).resolve().parent.parent
    # the data folder of the killed runs has a quote in its name, as the programme has
    clean, killed = tmp_path / "clean", tmp_path / "Quartiers d'été"
    generate_demo(clean, seed=11, scale=0.1, regions=("94",))  # Corse: two départements
    for part in ("inbox", "reference"):  # same files, same dates of receipt
        shutil.copytree(clean / part, killed / part)
    reference = subprocess.Popen(
        [str(BIN / "quartiers"), "run"],
        env=_env(clean),
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for step, event in KILLS:
        with (tmp_path / f"{step}.log").open("w") as log:
            victim = subprocess.Popen(
                [sys.executable, "-c", VICTIM, step, event],
                env=_env(killed),
                cwd=root,
                text=True,
                stdout=subprocess.PIPE,
                stderr=log,
            )
            line = next((x for x in victim.stdout if x.startswith("KILL")), "")
            assert line, (tmp_path / f"{step}.log").read_text()[-3000:]
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=60)
        with dg.DagsterInstance.from_config(str(killed / "home")) as instance:
            (held,) = holders(instance, POOL)  # the dead run still holds the warehouse
            assert held.step_key == step and held.process.pid == int(line.split()[1])
    # the site was killed half-written: a page in its staged folder, nothing published yet
    publication = Path("publication")
    staged = killed / publication / ".site.new"
    assert any(staged.glob("*.html")) and not (killed / publication / "site").exists()
    last = subprocess.run(
        [str(BIN / "quartiers"), "run"],
        env=_env(killed),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    (tmp_path / "last.log").write_text(last.stderr)
    assert last.returncode == 0, last.stderr[-3000:]
    assert "disparu, marqué en échec ; l'entrepôt est libéré." in last.stderr
    assert reference.wait(timeout=900) == 0
    assert _marts(killed / publication / "quartiers.duckdb") == _marts(
        clean / publication / "quartiers.duckdb"
    )
    assert _published(killed / publication / "site") == _published(clean / publication / "site")
    # nothing half-written left beside the publications (no .tmp, .new or .old)
    assert sorted(p.name for p in (killed / publication).iterdir()) == [
        "documentation",
        "parquet",
        "quartiers.duckdb",
        "site",
    ]


def test_the_sensor_frees_what_a_dead_run_holds(tmp_path):
    from orchestration.sensors import recover_dead_runs

    with dg.instance_for_test(temp_dir=str(_instance_home(tmp_path / "home"))) as instance:
        dead = _holding_run(instance, {PID_TAG: str(_dead_pid())})
        result = recover_dead_runs(dg.build_sensor_context(instance=instance))
        assert dead[:8] in result.skip_message
        assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
        assert not holders(instance, POOL)


# A step of ours blocked by Dagster on the pool (a run of the UI took the slot after our
# wait): the guard ends it after the allowed wait, or on SIGTERM, which Dagster alone would
# hold until a step boundary that a blocked step never reaches.
GUARDED = textwrap.dedent("""
    import sys, uuid
    import dagster as dg
    from orchestration.runs import BlockedRunGuard
    @dg.op(pool="warehouse")
    def write():
        pass
    @dg.job(executor_def=dg.in_process_executor)
    def job():
        write()
    instance, run_id = dg.DagsterInstance.get(), str(uuid.uuid4())
    with BlockedRunGuard(instance, run_id, "warehouse", minutes=float(sys.argv[1]), poll=0.2):
        job.execute_in_process(instance=instance, run_id=run_id)
    print("the step ran")
""")


@pytest.mark.parametrize(
    "minutes, stop, code, said",
    [
        ("0", False, 1, "Abandon après 0 min d'attente. L'entrepôt est occupé par le run"),
        ("30", True, 143, "Arrêt demandé pendant l'attente de l'entrepôt"),
    ],
)
def test_a_step_blocked_on_the_pool_ends_after_the_wait_or_on_sigterm(
    tmp_path, minutes, stop, code, said
):
    home = _instance_home(tmp_path / "home")
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        holder = _holding_run(instance, process_tags())
    command = subprocess.Popen(
        [sys.executable, "-c", GUARDED, minutes],
        env={**os.environ, "DAGSTER_HOME": str(home)},
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    if stop:
        next(line for line in command.stdout if "Attente de sa fin" in line)
        command.send_signal(signal.SIGTERM)
    out, err = command.communicate(timeout=120)
    assert command.returncode == code, err[-3000:]
    assert said in out and "the step ran" not in out
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (ours,) = [r for r in instance.get_runs() if r.run_id != holder]
        assert ours.status == dg.DagsterRunStatus.FAILURE
        info = instance.event_log_storage.get_concurrency_info(POOL)
        assert {p.run_id for p in info.pending_steps} <= {holder}
