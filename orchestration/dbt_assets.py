"""dbt models as Dagster assets; dbt tests as asset checks."""

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, dbt_assets

from orchestration.dbt_project import dbt_project
from platform_config.dbt_cli import QuartiersDbtCli
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
def quartiers_dbt(context: dg.AssetExecutionContext, dbt: QuartiersDbtCli, warehouse: Warehouse):
    # profiles.yml reads QUARTIERS_WAREHOUSE: give dbt the very path the Python assets use,
    # also when only QUARTIERS_DATA_DIR was set.
    os.environ[WAREHOUSE_VARIABLE] = str(warehouse.file())
    # The YAML unit tests check the SQL against hand-computed rows, not the data: they run in
    # `make test` (tests/test_dbt_models.py), not in every production build (≈ 5 s here).
    invocation = dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context)
    yield from invocation.stream()
    dbt.keep_parse_state(invocation)


def dbt_resource() -> QuartiersDbtCli:
    # dbt is beside the interpreter in the project's venv, even when PATH does not say so.
    return QuartiersDbtCli(
        project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")
    )


def mart_keys() -> list[dg.AssetKey]:
    return [k for k in quartiers_dbt.keys if k.path[0] == "marts"]
