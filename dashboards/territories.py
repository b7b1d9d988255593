"""Territory selection: which régions and départements get a page, and where each hangs.

France always has a page; a région or a département has one when it has a QPV in the
referential or a line of activity return or of funding, and a région is kept for one of its
départements.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboards.marts import Marts

FRANCE = ("france", "FR")


@dataclass(frozen=True)
class Territory:
    level: str  # france, region, departement
    code: str
    name: str
    parent: tuple[str, str] | None  # (level, code)

    @property
    def page(self) -> str:
        return "index" if self.level == "france" else f"{self.level}-{self.code}"

    @property
    def href(self) -> str:
        return f"{self.page}.html"

    @property
    def title(self) -> str:
        if self.level == "france":
            return "France"
        return f"{self.name} ({self.code})"


def active_territories(marts: Marts) -> set[tuple[str, str]]:
    """(level, code) of the régions and départements that have a QPV in the referential or
    a line of activity return or of funding (actions, grant files, expected returns)."""
    found: set[tuple[str, str]] = set()
    for level, col in (("departement", "department_code"), ("region", "region_code")):
        found |= {(level, c) for c in marts.dim_qpv[col].drop_nulls().to_list()}
    found |= {
        ("departement", c)
        for c in marts.fct_missing_returns["department_code"].drop_nulls().to_list()
    }
    measures = (
        (marts.mart_reach, ("actions",)),
        (marts.mart_funding, ("grant_files", "amount_requested", "amount_granted")),
        (marts.mart_funding_by_funder, ("amount_requested", "amount_granted")),
        (
            marts.mart_returns_completeness,
            ("funded_files", "returns_received", "returns_without_funding"),
        ),
    )
    for df, cols in measures:
        lines = df.filter(pl.any_horizontal([pl.col(c).fill_null(0) > 0 for c in cols]))
        found |= set(lines.select("territory_level", "territory_code").iter_rows())
    return found


def select_territories(marts: Marts) -> dict[tuple[str, str], Territory]:
    """France, and the régions and départements (of dim_territories, or only named by the
    marts) that have a QPV or a return/funding line (`active_territories`): one page each."""
    everyone: dict[tuple[str, str], Territory] = {}
    dims = marts.dim_territories.filter(pl.col("territory_level").is_in(["region", "departement"]))
    for r in dims.iter_rows(named=True):
        if r["territory_level"] == "region":
            parent = FRANCE
        else:
            up = r["parent_code"] if r["parent_level"] == "region" else r["region_code"]
            parent = ("region", up) if up else None
        everyone[(r["territory_level"], r["territory_code"])] = Territory(
            r["territory_level"],
            r["territory_code"],
            r["territory_name"] or r["territory_code"],
            parent,
        )
    extra = marts.mart_reach.filter(pl.col("territory_level").is_in(["region", "departement"]))
    for level, code, name in (
        extra.select("territory_level", "territory_code", "territory_name").unique().iter_rows()
    ):
        if (level, code) not in everyone:
            parent = FRANCE if level == "region" else None
            everyone[(level, code)] = Territory(level, code, name or code, parent)
    active = active_territories(marts)
    kept = {k for k in everyone if k in active}
    kept |= {everyone[k].parent for k in kept if everyone[k].parent in everyone}
    found = {FRANCE: Territory("france", "FR", "France", None)}
    found.update((k, everyone[k]) for k in sorted(kept))
    return found


def page_order(territories: dict[tuple[str, str], Territory]) -> list[Territory]:
    """France, then the régions, then the départements, each by code."""
    levels = ["france", "region", "departement"]
    return sorted(territories.values(), key=lambda x: (levels.index(x.level), x.code))
