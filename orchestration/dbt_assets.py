"""dbt models as Dagster assets; dbt tests as asset checks."""

import os
import sys
from collections.abc import Mapping, Sequence
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from packaging.version import Version

from orchestration.dbt_project import dbt_project
from platform_config.resources import WAREHOUSE_POOL, WAREHOUSE_VARIABLE, Warehouse


class QuartiersTranslator(DagsterDbtTranslator):
    """Groups by layer (staging, intermediate, marts, reference); sources keep the asset
    keys given in their `meta.dagster.asset_key`, which bind them to the Python assets."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=QuartiersTranslator(),
    pool=WAREHOUSE_POOL,
)
def quartiers_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    # profiles.yml reads QUARTIERS_WAREHOUSE: give dbt the very path the Python assets use,
    # also when only QUARTIERS_DATA_DIR was set.
    os.environ[WAREHOUSE_VARIABLE] = str(warehouse.file())
    # The YAML unit tests check the SQL against hand-computed rows, not the data: they run in
    # `make test` (tests/test_dbt_models.py), not in every production build (≈ 5 s here).
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context).stream()


class QuartiersDbtCli(DbtCliResource):
    """dbt as a subprocess and nothing of dbt inside the run's process. Before each command,
    DbtCliResource runs `dbt --version` in a subprocess and opens a dbt adapter in process
    (about 4.5 s together, measured on a build), only to fetch row counts and column
    metadata, which these assets do not ask for. The dbt beside the interpreter is the
    project's pinned dbt-core, so its version is the installed package's."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource() -> DbtCliResource:
    # dbt is beside the interpreter in the project's venv, even when PATH does not say so.
    return QuartiersDbtCli(
        project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")
    )


def mart_keys() -> list[dg.AssetKey]:
    return [k for k in quartiers_dbt.keys if k.path[0] == "marts"]
