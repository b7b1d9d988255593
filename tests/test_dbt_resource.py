"""The dbt resource: dbt as a subprocess, nothing of dbt in process, parse state kept per
warehouse, old command folders pruned."""

import json
import os
import re
import subprocess
import sys
import time
from importlib.metadata import version

from orchestration.dbt_assets import dbt_resource
from platform_config.dbt_cli import PRUNE_AFTER_SECONDS, prune
from platform_config.resources import WAREHOUSE_VARIABLE
from platform_config.settings import PROJECT_ROOT

# dbt's result lines for a model and three tests, read by dagster-dbt as in a build: what it
# makes of them, printed as JSON (the mart's materialisation, each check's outcome)
_READ_RESULTS = """
import json, sys
if sys.argv[1] == "without":
    from orchestration.command import without_dbt_core
    without_dbt_core()
from dagster_dbt.compat import DBT_PYTHON_VERSION
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from orchestration.dbt_assets import QuartiersTranslator
from orchestration.dbt_project import dbt_project
manifest = json.loads(dbt_project.manifest_path.read_text())
tests = sorted(u for u, n in manifest["nodes"].items()
               if n["resource_type"] == "test" and n.get("attached_node"))[:3]
results = [("LogModelResult", "model.quartiers.mart_reach", "success")] + [
    ("LogTestResult", uid, status) for uid, status in zip(tests, ("pass", "fail", "warn"))]
out = []
for name, uid, status in results:
    raw = {"info": {"name": name, "msg": "", "invocation_id": "i"}, "data": {"node_info": {
        "unique_id": uid, "node_status": status, "resource_type": uid.split(".")[0],
        "node_started_at": "2026-07-01T10:00:00", "node_finished_at": "2026-07-01T10:00:02"},
        "status": status, "execution_time": 2.0}}
    for e in DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={}
            ).to_default_asset_events(manifest, QuartiersTranslator()):
        out.append([type(e).__name__, e.asset_key.to_user_string(),
                    getattr(e, "check_name", None), getattr(e, "passed", None),
                    str(getattr(e, "severity", None)), sorted(e.metadata)])
print(json.dumps({"dbt_core": DBT_PYTHON_VERSION is not None, "events": out}))
"""


def test_the_version_it_assumes_is_the_dbt_it_runs():
    """It reads the dbt-core package's version instead of spawning `dbt --version` before
    every command: right only while the executable it runs is that package's."""
    resource = dbt_resource()
    out = subprocess.run(
        [resource.dbt_executable, "--version"], capture_output=True, text=True, check=True
    ).stdout
    ran = re.search(r"installed:\s*(\d+\.\d+\.\d+)", out)
    assert ran, out
    assert str(resource._cli_version) == ran.group(1) == version("dbt-core")


def _parse_events(invocation) -> list[str]:
    return [e.raw_event["info"]["code"] for e in invocation.stream_raw_events()]


def test_the_command_reads_dbt_results_without_dbt_core_as_with_it():
    """The `quartiers` command never imports dbt-core (its import was 1.2-1.5 s of the
    command's start): dagster-dbt then reads dbt's results with its own definitions. A model
    built, a test passed, failed and warned give the same materialisation and checks as
    with dbt-core, a failed test a failed check of severity ERROR."""

    def read(mode: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-c", _READ_RESULTS, mode],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)

    without, with_core = read("without"), read("with")
    assert not without["dbt_core"] and with_core["dbt_core"]
    assert without["events"] == with_core["events"]
    kinds = [(kind, passed, severity) for kind, _, _, passed, severity, _ in without["events"]]
    assert kinds == [
        ("AssetMaterialization", None, "None"),
        ("AssetCheckEvaluation", True, "AssetCheckSeverity.ERROR"),
        ("AssetCheckEvaluation", False, "AssetCheckSeverity.ERROR"),
        ("AssetCheckEvaluation", False, "AssetCheckSeverity.WARN"),
    ]


def test_a_warehouse_keeps_dbt_partial_parsing_from_one_command_to_the_next(tmp_path, monkeypatch):
    """The profile holds the warehouse path, and dbt reparses the whole project when the
    profile differs from the saved parse state's. The state of a path's last command is
    handed to the next command on that path. No dbt adapter is opened in this process
    (dagster-dbt opens one only to fetch row counts and column metadata)."""
    monkeypatch.setenv(WAREHOUSE_VARIABLE, str(tmp_path / "elsewhere.duckdb"))
    dbt = dbt_resource()
    first = dbt.cli(["list", "--resource-type", "seed"], target_path=tmp_path / "first")
    assert "I024" in _parse_events(first)  # "Unable to do partial parsing: profile has changed"
    assert first.adapter is None and first.is_successful()
    dbt.keep_parse_state(first)
    second = dbt.cli(["list", "--resource-type", "seed"], target_path=tmp_path / "second")
    assert "I024" not in _parse_events(second) and second.is_successful()
    # each path keeps its own state
    kept = dbt._parse_state()
    monkeypatch.setenv(WAREHOUSE_VARIABLE, str(tmp_path / "other.duckdb"))
    assert kept.exists() and dbt._parse_state() != kept


def test_old_command_folders_are_pruned_but_not_young_ones(tmp_path):
    now = time.time()
    ages = {f"new{i}": i for i in range(5)}  # the 5 most recent
    ages["busy"] = 60  # beyond the 5, but a command of another run may still write it
    ages |= {f"old{i}": 2 * PRUNE_AFTER_SECONDS + i for i in range(10)}
    for name, age in ages.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "run_results.json").write_text("{}")
        os.utime(tmp_path / name, (now - age, now - age))
    removed = {p.name for p in prune(tmp_path, keep=5, now=now)}
    assert removed == {f"old{i}" for i in range(10)}
    assert {p.name for p in tmp_path.iterdir()} == {f"new{i}" for i in range(5)} | {"busy"}
