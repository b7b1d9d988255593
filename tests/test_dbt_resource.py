"""The dbt resource runs dbt as a subprocess and keeps dbt out of the run's own process."""

import re
import subprocess
from importlib.metadata import version

from orchestration.dbt_assets import dbt_resource


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


def test_no_dbt_adapter_is_opened_in_process(tmp_path):
    """A command streams its events without a dbt adapter in this process (dagster-dbt opens
    one only to fetch row counts and column metadata, which the assets do not ask for)."""
    invocation = dbt_resource().cli(["list", "--resource-type", "seed"], target_path=tmp_path)
    listed = [e.raw_event["info"]["msg"] for e in invocation.stream_raw_events()]
    assert invocation.adapter is None
    assert invocation.is_successful()
    assert any(line.endswith("ref_regions") for line in listed), listed
