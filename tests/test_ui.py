"""`make ui`'s server: the Dagster UI on 127.0.0.1 with the code location loaded and the
lineage ingestion → dbt → publication visible through its GraphQL API."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)["data"]


def _restore_signals() -> None:
    # A background `dagster dev` otherwise inherits SIGINT/SIGTERM as ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()


# End to end, because a code location that fails to load still serves the UI: only the
# server's own GraphQL answer shows what `make ui` gives the data staff.
@pytest.mark.slow
def test_ui_serves_the_loaded_code_location(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path),
        "QUARTIERS_DATA_DIR": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }  # as make ui
    (tmp_path / "dagster.yaml").write_text((ROOT / "orchestration" / "dagster.yaml").read_text())
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_restore_signals,
    )
    try:
        status = None
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                data = _graphql(
                    port,
                    "{ workspaceOrError { ... on Workspace { locationEntries "
                    "{ name loadStatus locationOrLoadError { __typename } } } } }",
                )
                entry = data["workspaceOrError"]["locationEntries"][0]
                status = (entry["loadStatus"], entry["locationOrLoadError"]["__typename"])
                if status[0] == "LOADED":
                    break
            except OSError:
                pass
            time.sleep(1)
        assert status == ("LOADED", "RepositoryLocation"), status
        nodes = _graphql(
            port, "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }"
        )["assetNodes"]
        groups = {n["groupName"] for n in nodes}
        assert {"reference", "ingestion", "staging", "marts", "publication"} <= groups
        deps = {
            "/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]}
            for n in nodes
        }
        assert "raw_activity_rows" in deps["staging/stg_raw__actions"]
        assert any(d.startswith("marts/") for d in deps["analysts_snapshot"])
        assert deps["dashboards_site"] == {"analysts_snapshot"}
        # the UI shows which environment variable configures each resource field
        resources = _graphql(
            port,
            "{ allTopLevelResourceDetailsOrError(repositorySelector: {repositoryLocationName: "
            '"quartiers", repositoryName: "__repository__"}) { ... on ResourceDetailsList { '
            "results { name configuredValues { key value type } } } } }",
        )["allTopLevelResourceDetailsOrError"]["results"]
        shown = {
            r["name"]: {v["key"]: (v["type"], v["value"]) for v in r["configuredValues"]}
            for r in resources
        }
        assert shown["warehouse"] == {"path": ("ENV_VAR", "QUARTIERS_WAREHOUSE")}
        assert shown["settings"]["data_dir"] == ("ENV_VAR", "QUARTIERS_DATA_DIR")
        assert shown["settings"]["inbox"] == ("ENV_VAR", "QUARTIERS_INBOX")
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
