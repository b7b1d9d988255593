"""dbt models as Dagster assets; dbt tests as asset checks."""

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, dbt_assets
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

from orchestration import dbt_selection
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
    args = ["build", "--exclude-resource-type", "unit_test"]
    whole = _whole_build(context)
    with warehouse.connect() as con:
        tables = dbt_selection.table_digests(con)
        changed = dbt_selection.changed_tables(
            dbt_selection.read_state(con), tables, dbt_selection.dbt_digest()
        )
        dbt_selection.forget_state(con)
    # the manifest and translator dagster-dbt loaded with the definitions
    manifest, translator, _ = get_manifest_and_translator_from_dbt_assets([quartiers_dbt])
    kept = (dbt_selection.unchanged_nodes(manifest, changed) if whole and changed else None) or []
    exclude = []
    if kept:
        context.log.info(
            f"Tables modifiées depuis la dernière construction complète : {', '.join(changed)}. "
            f"{len(kept)} modèles et tests qui n'en dépendent pas sont conservés tels quels."
        )
        exclude = ["--exclude", " ".join(manifest["nodes"][uid]["name"] for uid in kept)]
    # A kept model is the table a rebuild would make: it is reported as such (first: what it
    # is built from is kept too), and what reads it (the snapshot, the site) runs as after
    # any build. Tests have no asset: they are checks.
    for uid in dbt_selection.upstream_first(manifest, kept):
        if manifest["nodes"][uid]["resource_type"] == "test":
            continue
        yield dg.MaterializeResult(
            asset_key=translator.get_asset_key(manifest["nodes"][uid]),
            metadata={"reconstruit": False, "motif": "aucune table brute en amont n'a changé"},
        )
    invocation = dbt.cli([*args, *exclude], context=context)
    yield from invocation.stream()
    dbt.keep_parse_state(invocation)
    if whole:  # every model is now built from `tables`
        with warehouse.connect() as con:
            dbt_selection.write_state(con, tables, dbt_selection.dbt_digest())


def _whole_build(context: dg.AssetExecutionContext) -> bool:
    """Every dbt model and test selected (a job's build, not a subset picked in the UI)."""
    return set(context.selected_asset_keys) == set(quartiers_dbt.keys) and set(
        context.selected_asset_check_keys
    ) == set(quartiers_dbt.check_keys)


def dbt_resource() -> QuartiersDbtCli:
    # dbt is beside the interpreter in the project's venv, even when PATH does not say so:
    # `quartiers-dbt` hands the command to a dbt process the `quartiers` command started
    # ahead (platform_config/warm_dbt.py), else becomes dbt itself.
    return QuartiersDbtCli(
        project_dir=dbt_project,
        dbt_executable=str(Path(sys.executable).parent / "quartiers-dbt"),
    )


def mart_keys() -> list[dg.AssetKey]:
    return [k for k in quartiers_dbt.keys if k.path[0] == "marts"]
