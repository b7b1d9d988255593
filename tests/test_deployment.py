"""The deployment's configuration files, checked by Dagster's own validation (what can be
checked here: the PostgreSQL and Docker classes are installed only in the deployment)."""

from pathlib import Path

import yaml
from dagster._core.instance.config import dagster_instance_config
from dagster._core.workspace.config_schema import ensure_workspace_config

ROOT = Path(__file__).resolve().parent.parent


def test_the_project_and_deployment_instances_are_valid_and_agree():
    project, _ = dagster_instance_config(str(ROOT / "orchestration"), "dagster.yaml")
    deployed, _ = dagster_instance_config(str(ROOT / "deploy"), "dagster.yaml")
    assert "postgres" in deployed["storage"]
    assert deployed["run_launcher"]["class"] == "DockerRunLauncher"
    # the same one-writer rules: one step per pool, one writing run at a time
    for key in ("concurrency", "run_coordinator"):
        assert deployed[key] == project[key], key
    limits = project["concurrency"]["runs"]["tag_concurrency_limits"]
    assert limits == [{"key": "quartiers/entrepot", "value": "ecriture", "limit": 1}]


def test_every_job_that_writes_the_warehouse_is_queued_one_at_a_time():
    from orchestration.definitions import defs
    from orchestration.jobs import WRITES_WAREHOUSE

    for job in ("reference_job", "ingest_job", "build_job", "retract_job"):
        assert defs.resolve_job_def(job).tags.items() >= WRITES_WAREHOUSE.items(), job


def test_the_deployment_workspace_is_valid():
    path = ROOT / "deploy" / "workspace.yaml"
    config = ensure_workspace_config(yaml.safe_load(path.read_text()), str(path))
    assert config["load_from"][0]["grpc_server"]["location_name"] == "quartiers"
