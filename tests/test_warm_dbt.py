"""dbt imported ahead of its build (platform_config/warm_dbt.py): the command dagster-dbt
starts is handed to the waiting process and behaves as dbt itself would; without one, dbt
runs as before; an interrupted or killed client stops the command; the waiting process never
outlives the command that started it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_assets import dbt_resource
from orchestration.dbt_selection import project_digest
from platform_config import warm_dbt
from platform_config.resources import WAREHOUSE_VARIABLE
from platform_config.settings import PROJECT_ROOT

CLIENT = str(Path(sys.executable).with_name("quartiers-dbt"))
DEADLINE = 60  # seconds a process is given to reach the state a test waits for


def _until(condition, what: str) -> None:
    end = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < end, what
        time.sleep(0.05)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (FileNotFoundError, IndexError):
        return True
    return state in "ZX"  # ended (a zombie until its new parent reaps it)


def _seeded(invocation, warehouse: Path) -> tuple[set[str], set[int], int]:
    """The events of a build of the seeds, their processes, and the regions it loaded."""
    events = [e.raw_event for e in invocation.stream_raw_events()]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        regions = con.execute("SELECT count(*) FROM reference.ref_regions").fetchone()[0]
    return {e["info"]["name"] for e in events}, {e["info"]["pid"] for e in events}, regions


def test_the_build_is_run_by_the_waiting_dbt_from_its_parse_as_dbt_would(tmp_path, monkeypatch):
    """The waiting process parses the project for the build's warehouse while the command
    reads the inbox; the build's command handed to it streams its JSON log to dagster-dbt,
    does not parse again, and leaves the same artifacts as dbt itself (its manifest, the
    parse state the next command on this warehouse starts from). The next command is dbt
    itself."""
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv(WAREHOUSE_VARIABLE, str(warehouse))
    dbt = dbt_resource()
    assert Path(dbt.dbt_executable).name == "quartiers-dbt"
    seeds = ["build", "--resource-type", "seed"]
    ahead = warm_dbt.Ahead(PROJECT_ROOT / "dbt_project", warehouse)
    with warm_dbt.warm_dbt(ahead) as warm:
        assert os.environ[warm_dbt.SOCKET_VARIABLE] == str(warm.socket)
        handed = dbt.cli(seeds, target_path=tmp_path / "warm")
        events, pids, regions = _seeded(handed, warehouse)
        # closed as at dbt's own exit: DuckDB's log written into the file, none left for
        # the next process to replay
        assert not warehouse.with_name(warehouse.name + ".wal").exists()
        assert handed.is_successful() and pids == {warm.process.pid} and regions == 26
        # one command per waiting process
        itself = dbt.cli(seeds, target_path=tmp_path / "cold")
        cold_events, cold_pids, regions = _seeded(itself, warehouse)
        assert itself.is_successful() and warm.process.pid not in cold_pids and regions == 26
    # a new warehouse has no parse state: dbt itself parsed the whole project
    assert "UnableToPartialParse" in cold_events
    assert events == cold_events - {"UnableToPartialParse"}
    made = {p.name for p in (tmp_path / "warm").iterdir()}
    assert made == {p.name for p in (tmp_path / "cold").iterdir()}
    assert {"manifest.json", "partial_parse.msgpack"} <= made
    assert warm_dbt.SOCKET_VARIABLE not in os.environ
    assert not warm.socket.parent.exists()


def test_the_parse_made_ahead_serves_only_the_build_it_was_made_for(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    model = project / "models" / "a.sql"
    model.write_text("select 1 as a")
    (project / "dbt_project.yml").write_text("name: p")
    (project / "profiles.yml").write_text("p: {}")
    warehouse = str(tmp_path / "warehouse.duckdb")
    parsed = warm_dbt.Parsed(None, tmp_path, project, warehouse, project_digest(project))
    monkeypatch.chdir(project)
    monkeypatch.setenv(WAREHOUSE_VARIABLE, warehouse)
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    build = ["build", "--exclude", "kept"]
    assert warm_dbt._usable(parsed, build)
    assert not warm_dbt._usable(None, build)
    assert not warm_dbt._usable(parsed, ["docs", "generate"])  # parses as usual
    assert not warm_dbt._usable(parsed, [*build, "--target-path", "elsewhere"])
    monkeypatch.setenv(WAREHOUSE_VARIABLE, str(tmp_path / "other.duckdb"))
    assert not warm_dbt._usable(parsed, build)  # another warehouse: another profile
    monkeypatch.setenv(WAREHOUSE_VARIABLE, warehouse)
    model.write_text("select 2 as a")  # the project changed since the parse
    assert not warm_dbt._usable(parsed, build)


def test_the_warehouse_variable_is_the_one_dbt_s_profile_reads():
    assert warm_dbt.WAREHOUSE_VARIABLE == WAREHOUSE_VARIABLE
    profile = (PROJECT_ROOT / "dbt_project" / "profiles.yml").read_text()
    assert f"env_var('{WAREHOUSE_VARIABLE}'" in profile


def test_its_exit_code_and_errors_are_dbt_s(tmp_path):
    with warm_dbt.warm_dbt():
        handed = subprocess.run(
            [CLIENT, "parse", "--no-such-option"], capture_output=True, text=True, check=False
        )
    cold = subprocess.run(
        [CLIENT, "parse", "--no-such-option"], capture_output=True, text=True, check=False
    )
    assert handed.returncode == cold.returncode == 2
    assert "No such option '--no-such-option'" in handed.stderr
    assert handed.stderr == cold.stderr


def test_an_unused_waiting_process_is_stopped_with_the_command():
    with warm_dbt.warm_dbt() as warm:
        pid = warm.process.pid
        _until(warm.socket.exists, "the waiting process listens")
    assert _gone(pid) and warm.process.returncode is not None
    assert not warm.socket.parent.exists()


def _waiting() -> warm_dbt.WarmProcess:
    return warm_dbt.WarmProcess(entry="tests.warm_entries:wait_for_interrupt", modules=())


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_or_killed_client_interrupts_the_command(tmp_path, how):
    """dagster-dbt interrupts dbt (SIGINT) when a run is cancelled: passed on. A client
    killed outright closes its socket: the command is interrupted all the same."""
    warm = _waiting()
    try:
        env = dict(os.environ, **{warm_dbt.SOCKET_VARIABLE: str(warm.socket)})
        client = subprocess.Popen([CLIENT, str(tmp_path)], env=env)
        _until((tmp_path / "started").exists, "the command started")
        client.send_signal(how)
        _until((tmp_path / "interrupted").exists, "the command was interrupted")
        assert client.wait(DEADLINE) == (130 if how == signal.SIGINT else -signal.SIGKILL)
        assert warm.process.wait(DEADLINE) == 130
    finally:
        warm.close()


def test_the_waiting_process_dies_with_the_command_that_started_it(tmp_path):
    script = (
        "import sys, time\n"
        "from platform_config.warm_dbt import WarmProcess\n"
        "w = WarmProcess(entry='tests.warm_entries:wait_for_interrupt', modules=())\n"
        "print(w.process.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    command = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pid = int(command.stdout.readline())
    assert not _gone(pid)
    command.kill()
    command.wait()
    _until(lambda: _gone(pid), "the waiting process ended with its parent")


def test_a_waiting_process_that_failed_its_imports_leaves_the_command_to_dbt(tmp_path):
    warm = warm_dbt.WarmProcess(entry="no_such_module:main", modules=())
    try:
        _until(lambda: warm.process.poll() is not None, "the waiting process failed")
        env = dict(os.environ, **{warm_dbt.SOCKET_VARIABLE: str(warm.socket)})
        out = subprocess.run(
            [CLIENT, "--help"], env=env, capture_output=True, text=True, check=True
        ).stdout
        assert "Usage: dbt" in out
    finally:
        warm.close()


def test_the_folders_of_commands_killed_outright_are_removed_by_the_next(monkeypatch):
    """A command killed with SIGKILL cannot remove its waiting process's folder (its socket,
    the parse's manifest): the next command's waiting process removes those whose command is
    gone, never a living one's."""
    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))  # short: a socket's path is at most 107
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / f"{warm_dbt.FOLDER_PREFIX}{gone.pid}-abc"
    living = tmp_path / f"{warm_dbt.FOLDER_PREFIX}{os.getppid()}-def"
    for folder in (dead, living):
        (folder / "prepared").mkdir(parents=True)
        (folder / "prepared" / "manifest.json").write_text("{}")
    warm = _waiting()
    try:
        assert not dead.exists() and living.exists()
        assert warm.socket.parent.parent == tmp_path
    finally:
        warm.close()
    assert not warm.socket.parent.exists()
    shutil.rmtree(tmp_path)


def test_without_a_socket_dbt_runs_as_usual(tmp_path, monkeypatch):
    """A temporary folder whose path is too long for a Unix socket: no waiting process, and
    the command goes on (dbt is then started by the build as usual)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / ("long" * 30)))
    (tmp_path / ("long" * 30)).mkdir()
    with warm_dbt.warm_dbt() as warm:
        assert warm is None and warm_dbt.SOCKET_VARIABLE not in os.environ
    assert not list((tmp_path / ("long" * 30)).iterdir())
