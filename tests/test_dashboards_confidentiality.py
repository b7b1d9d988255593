"""Statistical confidentiality: primary and secondary suppression."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.confidentiality import (
    Group,
    coverage_hidden,
    is_small,
    protect,
    protect_parts,
    protect_site,
    reach_key,
)
from tests.derivable import determined


def test_is_small_bounds():
    assert [is_small(v) for v in (None, 0, 1, 10, 10.0, 11, 250)] == [
        False,
        False,
        True,
        True,
        True,
        False,
        False,
    ]


def test_one_small_part_takes_the_next_smallest_with_it():
    values = {"t": 55, "a": 5, "b": 20, "c": 30}
    prot = protect(values, [Group("t", ("a", "b", "c"))])
    assert prot.suppressed == {"a", "b"}
    assert prot.value("c") == 30 and prot.value("t") == 55 and prot.value("a") is None


def test_zeros_are_published_and_never_used_as_partners():
    values = {"t": 45, "a": 5, "b": 0, "c": 40}
    prot = protect(values, [Group("t", ("a", "b", "c"))])
    assert prot.suppressed == {"a", "c"}


def test_small_total_hides_its_small_parts():
    values = {"t": 5, "a": 3, "b": 0, "c": 2}
    prot = protect(values, [Group("t", ("a", "b", "c"))])
    assert prot.suppressed == {"t", "a", "c"}


def test_a_total_alone_hidden_takes_a_part_with_it():
    """t = a + b with a single part summing: hiding t alone would leave it derivable."""
    values = {"t": 8, "a": 8, "u": 30, "v": 38}
    prot = protect(values, [Group("t", ("a",)), Group("v", ("t", "u"))])
    assert {"t", "a"} <= prot.suppressed
    assert "u" in prot.suppressed  # v = t + u, v published: u must go too


def test_no_group_no_secondary():
    prot = protect({"a": 3, "b": 40})
    assert prot.suppressed == {"a"}


def test_unknown_values_are_not_cells():
    prot = protect({"t": 50, "a": None, "b": 50}, [Group("t", ("a", "b"))])
    assert prot.suppressed == frozenset()


def test_implied_cell_protected_only_when_small():
    # participations = girls + boys + unknown sex; unknown is never shown
    g = [Group("p", ("g", "b", "u"))]
    small = protect({"p": 60, "g": 29, "b": 29, "u": 2}, g, implied=["u"])
    assert small.suppressed & {"g", "b"}, "2 of unknown sex would be derivable"
    assert "u" not in small.suppressed  # implied cells are not reported as published cells
    large = protect({"p": 100, "g": 5, "b": 65, "u": 30}, g, implied=["u"])
    assert large.suppressed == {"g"}  # g + u = 35: g stays unknown


def test_coverage_hidden_when_it_gives_back_a_small_numerator():
    # the numerator is the marts' estimated young participations of QPV residents
    prot = protect({"k": 50})
    assert coverage_hidden(prot, 8.2, 400, "k")  # 8 young participations
    assert not coverage_hidden(prot, 200, 400, "k")
    assert not coverage_hidden(prot, 0, 400, "k")  # none: nothing to protect
    assert not coverage_hidden(prot, 200, None, "k")  # no population, no rate
    assert not coverage_hidden(prot, 200, 0, "k")
    assert coverage_hidden(prot, None, 400, "k")  # numerator unknown: not checkable, hidden
    assert coverage_hidden(prot, 200, 7, "k")  # a small population
    hidden = protect({"k": 5})
    assert coverage_hidden(hidden, 200, 400, "k")


# --------------------------------------------------------------------------- property


def _determined(groups: list[Group], values: dict, hidden: set) -> set:
    """Independent check: hidden cells whose value the published ones fix (matrix rank)."""
    unknown = sorted(hidden, key=repr)
    if not unknown:
        return set()
    col = {c: j for j, c in enumerate(unknown)}
    rows = []
    for g in groups:
        row = np.zeros(len(unknown))
        if g.total in col:
            row[col[g.total]] += 1
        for p in g.parts:
            if p in col:
                row[col[p]] -= 1
        rows.append(row)
    return determined(np.array(rows), unknown)


def _table(cells: list[list[int]]) -> tuple[dict, list[Group]]:
    """A two-way table with row totals, column totals and the grand total."""
    n, m = len(cells), len(cells[0])
    values = {(i, j): cells[i][j] for i in range(n) for j in range(m)}
    for i in range(n):
        values[(i, "T")] = sum(cells[i])
    for j in range(m):
        values[("T", j)] = sum(cells[i][j] for i in range(n))
    values[("T", "T")] = sum(sum(r) for r in cells)
    groups = [Group((i, "T"), tuple((i, j) for j in range(m))) for i in range(n)]
    groups += [Group(("T", j), tuple((i, j) for i in range(n))) for j in range(m)]
    groups.append(Group(("T", "T"), tuple((i, "T") for i in range(n))))
    groups.append(Group(("T", "T"), tuple(("T", j) for j in range(m))))
    return values, groups


counts = st.one_of(st.integers(0, 12), st.integers(11, 400))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda m: st.lists(st.lists(counts, min_size=m, max_size=m), min_size=2, max_size=5)
    )
)
def test_two_way_tables_are_protected(cells):
    values, groups = _table(cells)
    prot = protect(values, groups)
    hidden = set(prot.suppressed)
    # primary: every count from 1 to 10 is hidden
    assert {k for k, v in values.items() if is_small(v)} <= hidden
    # the rule: no row, column or margin with exactly one hidden member
    for g in groups:
        assert len([k for k in (g.total, *g.parts) if k in hidden]) != 1
    # exact: no hidden cell is determined by the published ones
    assert not _determined(groups, values, hidden)
    # published values are the true ones
    for k, v in values.items():
        assert prot.value(k) == (None if k in hidden else v)


def _tagged(tag: str, cells: list[list[int]]) -> tuple[dict, list[Group]]:
    values, groups = _table(cells)
    return (
        {(tag, *k): v for k, v in values.items()},
        [Group((tag, *g.total), tuple((tag, *p) for p in g.parts)) for g in groups],
    )


tables = st.integers(2, 4).flatmap(
    lambda m: st.lists(st.lists(counts, min_size=m, max_size=m), min_size=2, max_size=4)
)


@settings(max_examples=100, deadline=None)
@given(st.lists(tables, min_size=2, max_size=4))
def test_independent_systems_solved_apart_get_the_decisions_of_one_solve(cells_list):
    """The site solves each campaign apart (no relation links two): the same hidden cells
    as one solve of all of them together, ties between systems included."""
    values, groups = {}, []
    for n, cells in enumerate(cells_list):
        v, g = _tagged(f"c{n}", cells)
        values |= v
        groups += g
    implied = [k for k in values if k[1:] == ("T", "T")]  # grand totals: implied cells
    whole = protect(values, groups, implied=implied)
    apart = protect_parts(values, groups, implied=implied, part=lambda k: k[0])
    assert apart.suppressed == whole.suppressed
    assert apart.primary == whole.primary and apart.values == whole.values


def test_parts_linked_by_a_relation_are_refused():
    values = {("a", 1): 5, ("b", 1): 5, ("a", "T"): 10}
    groups = [Group(("a", "T"), (("a", 1), ("b", 1)))]
    with pytest.raises(ValueError):
        protect_parts(values, groups, part=lambda k: k[0])


def _reach_rows(rows: list[tuple]) -> pl.DataFrame:
    cols = [
        "territory_level",
        "territory_code",
        "territory_name",
        "campaign_year",
        "scheme",
        "participations",
        "young_participations",
        "qpv_resident_participations",
        "girls",
        "boys",
        "age_0_5",
        "age_6_11",
        "age_12_17",
        "age_18_25",
        "age_26_59",
        "age_60_plus",
        "young_population",
    ]
    return pl.DataFrame(rows, schema=cols, orient="row")


def test_site_protection_is_one_decision_per_cell_across_levels():
    """Région = sum of its départements: a small département hides a second one, and the
    région's own figure stays consistent wherever it is shown."""

    def row(level, code, scheme, p):
        # p participations: all 12-17, all girls, all QPV residents
        return (level, code, code, 2024, scheme, p, p, p, p, 0, 0, 0, p, 0, 0, 0, None)

    reach = _reach_rows(
        [
            row("region", "44", "ALL", 5 + 40 + 60),
            row("region", "44", "QE", 5 + 40 + 60),
            row("departement", "54", "ALL", 5),
            row("departement", "54", "QE", 5),
            row("departement", "57", "ALL", 40),
            row("departement", "57", "QE", 40),
            row("departement", "67", "ALL", 60),
            row("departement", "67", "QE", 60),
        ]
    )
    terr = pl.DataFrame(
        {
            "territory_level": ["region", "departement", "departement", "departement"],
            "territory_code": ["44", "54", "57", "67"],
            "parent_level": [None, "region", "region", "region"],
            "parent_code": [None, "44", "44", "44"],
        }
    )
    qpv = pl.DataFrame(
        schema={
            "qpv_code": pl.String,
            "department_code": pl.String,
            "campaign_year": pl.Int64,
            "scheme": pl.String,
            "participations": pl.Int64,
            "young_participations": pl.Int64,
            "young_population": pl.Int64,
        }
    )
    prot = protect_site(reach, qpv, terr)
    k = reach_key
    assert prot.hidden(k("departement", "54", 2024, "ALL", "participations"))
    assert prot.hidden(k("departement", "57", 2024, "ALL", "participations"))  # next smallest
    assert not prot.hidden(k("departement", "67", 2024, "ALL", "participations"))
    assert prot.value(k("region", "44", 2024, "ALL", "participations")) == 105
    # boys = 0 everywhere: hidden girls of 54 could not be derived from participations
    assert prot.hidden(k("departement", "54", 2024, "QE", "girls"))
