"""The resources are bound to the QUARTIERS_* variables (the UI shows which), and an unset
variable still means today's default, derived when a run reads it."""

from __future__ import annotations

import os

import dagster as dg
import duckdb
import pytest

from assets.reference import raw_code_lists
from platform_config.resources import (
    WAREHOUSE_VARIABLE,
    PlatformSettings,
    Warehouse,
    resources_from_environment,
)
from platform_config.settings import PROJECT_ROOT, load_settings

VARIABLES = [*PlatformSettings.variables().values(), WAREHOUSE_VARIABLE]


@pytest.fixture
def bare_environment(tmp_path, monkeypatch):
    """Only the data folder set, every other variable of the resources unset."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QUARTIERS_DATA_DIR", str(tmp_path))
    return tmp_path


def _code_lists(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql("SELECT count(*) FROM raw.code_lists").fetchall()[0][0]
    finally:
        con.close()


def test_every_field_is_read_through_its_environment_variable(bare_environment):
    resources = resources_from_environment()
    settings, warehouse = resources["settings"], resources["warehouse"]
    for name, variable in PlatformSettings.variables().items():
        assert isinstance(getattr(settings, name), dg.EnvVar), name
        assert getattr(settings, name).env_var_name == variable
    assert warehouse.path.env_var_name == WAREHOUSE_VARIABLE == "QUARTIERS_WAREHOUSE"
    # the dbt profile reads the very same variable
    assert (
        "env_var('QUARTIERS_WAREHOUSE'" in (PROJECT_ROOT / "dbt_project/profiles.yml").read_text()
    )


def test_an_unset_variable_means_the_default_when_a_run_reads_it(bare_environment):
    before = dict(os.environ)
    resources = resources_from_environment()  # as the definitions do at import
    assert dict(os.environ) == before  # nothing declared in the environment
    result = dg.materialize([raw_code_lists], resources=resources)
    assert result.success
    assert _code_lists(bare_environment / "warehouse.duckdb") > 0
    assert WAREHOUSE_VARIABLE not in os.environ


def test_a_variable_set_after_the_resources_were_bound_is_the_one_used(
    bare_environment, monkeypatch
):
    resources = resources_from_environment()  # bound first, as at import of the definitions
    other = bare_environment / "elsewhere" / "entrepot.duckdb"
    monkeypatch.setenv(WAREHOUSE_VARIABLE, str(other))
    assert dg.materialize([raw_code_lists], resources=resources).success
    assert _code_lists(other) > 0
    assert not (bare_environment / "warehouse.duckdb").exists()


def test_empty_variables_are_the_defaults(tmp_path):
    env = {name: "" for name in VARIABLES} | {"QUARTIERS_DATA_DIR": str(tmp_path)}
    assert load_settings(env) == load_settings({"QUARTIERS_DATA_DIR": str(tmp_path)})
    s = load_settings(env)
    assert s.warehouse == tmp_path / "warehouse.duckdb"
    assert (s.max_rows, s.quiet_days_alert, s.snapshot_storage_version) == (200000, 14, "v1.2.0")


def test_a_field_given_in_code_wins_over_the_environment(bare_environment, tmp_path):
    s = PlatformSettings(inbox=str(tmp_path / "depot")).get()
    assert s.inbox == tmp_path / "depot" and s.data_dir == bare_environment
    assert Warehouse(path=str(tmp_path / "w.duckdb")).file() == tmp_path / "w.duckdb"
    assert Warehouse().file() == bare_environment / "warehouse.duckdb"
