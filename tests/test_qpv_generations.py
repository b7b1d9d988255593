"""The QPV generation of a campaign is decided once, in the contract: every Python place that
needs it agrees with it, for every campaign year, in metropolitan France and overseas (dbt's
macro is checked against it in test_dbt_models)."""

from __future__ import annotations

import polars as pl
import pytest

from returns import normalise as norm
from returns.contract import QPV_GENERATIONS, campaign_generation, generation_of_code
from returns.referentials import qpv_generations
from returns.template import qpv_generation

YEARS = range(2015, 2031)
DEPARTMENTS = ("54", "054", "2A", "971", "976")


def test_the_rule_by_hand():
    assert [campaign_generation(y, "54") for y in (2020, 2023, 2024, 2025)] == [
        2015,
        2015,
        2024,
        2024,
    ]
    assert [campaign_generation(y, "971") for y in (2023, 2024, 2025)] == [2015, 2015, 2024]
    assert generation_of_code("QP054001") == 2015 and generation_of_code("QN05401M") == 2024
    assert generation_of_code("XX") is None


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_validator_and_template_agree_with_the_contract(department):
    frame = pl.DataFrame({"campaign_year": list(YEARS)})
    dep = department.lstrip("0") if len(department) == 3 and department[0] == "0" else department
    overseas = pl.lit(dep.startswith("97"))
    validator = frame.select(norm.expected_generation(pl.col("campaign_year"), overseas))
    contract = [campaign_generation(y, dep) for y in YEARS]
    assert validator.to_series().to_list() == contract
    assert [qpv_generation(y, department) for y in YEARS] == contract


def test_codes_and_the_warehouse_table_follow_the_contract():
    codes = pl.DataFrame({"code": [g.code_prefix + "05401M" for g in QPV_GENERATIONS] + ["ZZ1"]})
    got = codes.select(norm.code_generation(pl.col("code"))).to_series().to_list()
    assert got == [g.generation for g in QPV_GENERATIONS] + [None]
    table = qpv_generations()
    assert table.rows() == [
        (g.generation, g.code_prefix, g.first_campaign, g.first_campaign_overseas)
        for g in QPV_GENERATIONS
    ]
