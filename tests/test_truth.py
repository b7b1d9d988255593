"""The marts against the truth: every indicator recomputed from the demo generator's rows in
plain polars (tests/truth.py), for every level, campaign and scheme, cell by cell.

The session's demo (tests/conftest.py) has CSV pairs and workbooks, partner files arriving
after their actions, corrected returns superseding a first version, and a withdrawn file.
"""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from tests import truth as T


@pytest.fixture(scope="module")
def marts(pipeline):
    _, settings, _, _ = pipeline
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    tables = (
        "mart_reach",
        "mart_qpv",
        "mart_cooperation",
        "mart_network_nodes",
        "mart_partner_mix",
        "mart_funding",
        "mart_returns_completeness",
    )
    out = {t: con.sql(f"SELECT * FROM marts.{t}").pl() for t in tables}
    con.close()
    return out


@pytest.fixture(scope="module")
def truth(pipeline, shared_reference) -> T.Truth:
    demo = pipeline[0]
    regions = dict(
        pl.read_csv(shared_reference / "cog" / "departements_2026.csv", infer_schema=False)
        .select("code_departement", "code_region")
        .iter_rows()
    )
    return T.compute(demo, (demo.qpv_2015_file, demo.qpv_2024_file), regions)


def assert_cells_equal(
    mart: pl.DataFrame,
    expected: pl.DataFrame,
    keys: list[str],
    columns: list[str],
    zero_elsewhere: str | None = None,
) -> None:
    """Each expected cell is in the mart with the same values (floats to 1e-9 relative);
    mart cells absent from the truth have 0 in `zero_elsewhere`."""
    got = mart.select(*keys, *columns)
    want = expected.select(*keys, *columns)
    joined = want.join(got, on=keys, how="left", suffix="_mart", nulls_equal=True)
    problems = []
    for c in columns:
        a, b = pl.col(c), pl.col(f"{c}_mart")
        if want.schema[c].is_float() or got.schema[c].is_float():
            same = (a.is_null() & b.is_null()) | (
                (a.cast(pl.Float64) - b.cast(pl.Float64)).abs()
                <= 1e-9 * pl.max_horizontal(pl.lit(1.0), a.cast(pl.Float64).abs())
            )
        elif want.schema[c] == pl.String:
            same = (a.is_null() & b.is_null()) | (a == b)
        else:
            same = (a.is_null() & b.is_null()) | (a.cast(pl.Int64) == b.cast(pl.Int64))
        bad = joined.filter(~same.fill_null(False))
        if bad.height:
            problems.append(
                f"{c}: {bad.height} cells differ, e.g.\n{bad.select(*keys, c, f'{c}_mart').head(5)}"
            )
    assert not problems, "\n".join(problems)
    if zero_elsewhere:
        extra = got.join(want.select(keys), on=keys, how="anti", nulls_equal=True)
        assert extra.filter(pl.col(zero_elsewhere) != 0).is_empty(), extra.head()


def test_the_demo_exercises_versions_partner_files_and_withdrawal(pipeline):
    demo = pipeline[0]
    names = [p.name for p in demo.files]
    assert any(n.endswith("_partenaires.csv") for n in names)
    assert any(n.endswith(".xlsx") and "correctif" not in n for n in names)
    assert demo.actions["superseded"].sum() > 0 and demo.partners["superseded"].sum() > 0
    assert demo.actions["withdrawn"].sum() > 0 and demo.withdrawn


def test_actions_in_force_are_the_newest_accepted_versions(pipeline, truth):
    _, settings, _, _ = pipeline
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    got = con.sql(
        "SELECT action_id, participants, file_name, department_code, "
        "attached_commune_code, attached_epci_siren FROM marts.fct_actions"
    ).pl()
    con.close()
    want = truth.actions.select(*got.columns)
    assert_cells_equal(got, want, ["action_id"], got.columns[1:])
    assert got.height == want.height
    assert not got["file_name"].str.contains("envoi_errone").any()
    assert got["file_name"].str.contains("correctif").any()


def test_reach(marts, truth):
    assert_cells_equal(
        marts["mart_reach"],
        truth.reach,
        T.CELL,
        [
            "actions",
            "sessions",
            "participations",
            "young_participations",
            "qpv_resident_participations",
            "girls",
            "boys",
            "girls_sex_known",
            "boys_sex_known",
            "girls_share",
            *T.AGES,
            "qpv_resident_share",
            "estimated_young_qpv_participations",
            "qpv_total",
            "qpv_with_action",
            "qpv_without_action",
            "young_population",
            "coverage_rate",
            "actions_per_qpv",
            "sessions_per_qpv",
        ],
        zero_elsewhere="actions",
    )


def test_reach_per_qpv(marts, truth):
    mart = marts["mart_qpv"]
    assert_cells_equal(
        mart,
        truth.qpv,
        ["qpv_code", "campaign_year", "scheme"],
        [
            "actions",
            "sessions",
            "participations",
            "young_participations",
            "young_population",
            "coverage_rate",
        ],
        zero_elsewhere="actions",
    )
    assert (mart["has_action"] == (mart["actions"] > 0)).all()


def test_cooperation(marts, truth):
    assert_cells_equal(
        marts["mart_cooperation"],
        truth.cooperation,
        T.CELL,
        [
            "actions",
            "partnership_links",
            "partners_per_action",
            "actions_2plus_partners",
            "share_actions_2plus_partners",
            "actions_4plus_partners",
            "share_actions_4plus_partners",
            "funded_actions",
            "cofunded_actions",
            "cofunded_share",
            "leverage",
            "organisations",
            "network_links",
            "network_density",
            "renewed_partnerships",
            "new_partnerships",
        ],
        zero_elsewhere="actions",
    )
    france = truth.cooperation.filter(
        (pl.col("territory_level") == "france") & (pl.col("scheme") == "ALL")
    )
    # The figures the issue found wrong: partners of CSV years, renewals.
    assert france["partners_per_action"].min() > 2
    assert france["renewed_partnerships"].drop_nulls().min() > 0


def test_network_degrees(marts, truth):
    assert_cells_equal(
        marts["mart_network_nodes"], truth.degrees, [*T.CELL, "org_id"], ["degree", "actions"]
    )
    assert marts["mart_network_nodes"].height == truth.degrees.height


def test_partner_mix(marts, truth):
    assert_cells_equal(
        marts["mart_partner_mix"],
        truth.partner_mix,
        [*T.CELL, "dimension", "value"],
        ["links", "actions"],
    )
    assert marts["mart_partner_mix"].height == truth.partner_mix.height


def test_funding(marts, truth):
    assert_cells_equal(
        marts["mart_funding"],
        truth.funding,
        T.CELL,
        [
            "grant_files",
            "amount_requested",
            "amount_granted",
            "granted_state_pv",
            "granted_state_other",
            "granted_own_funds",
            "granted_other",
            "costed_participations",
            "costed_young_participations",
            "cost_per_participation",
            "cost_per_young_participation",
        ],
        zero_elsewhere="grant_files",
    )


def test_completeness(marts, truth):
    assert_cells_equal(
        marts["mart_returns_completeness"],
        truth.completeness,
        T.CELL,
        [
            "funded_files",
            "returns_received",
            "funded_without_return",
            "returns_without_funding",
            "completeness_rate",
        ],
        zero_elsewhere="funded_files",
    )
