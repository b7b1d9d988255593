"""Table protection: the marts with confidentiality applied, once for the whole site.

Every count of people goes through the site's `Protection` here (and only here): hidden
counts become null and their `<column>_secret` column holds the mark to print (« < 11 »
for a count from 1 to 10, « s » for a cell hidden to protect another); ratios built from
hidden counts are hidden the same way, marked « s » (a ratio is never a count of 1 to 10).
Pages, figures and exports read these frames, never the marts' counts. No indicator is
computed here: values come from the dbt marts as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboards.confidentiality import (
    POPULATION,
    QPV_PEOPLE,
    REACH_PEOPLE,
    SECONDARY,
    Protection,
    coverage_hidden,
    is_small,
    qpv_key,
    ratio_hidden,
    reach_key,
)
from dashboards.marts import Marts
from dashboards.table_model import SECRET_SUFFIX

#: the coverage's numerator, as the marts carry it (never published: the rate's check)
ESTIMATED = "estimated_young_qpv_participations"


def _typed(rows: list[dict], base: pl.DataFrame, extra: dict[str, pl.DataType]) -> pl.DataFrame:
    schema = {**dict(base.schema), **extra}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _ratio_mark(hidden: bool) -> str | None:
    return SECONDARY if hidden else None


def protected_reach(marts: Marts, prot: Protection) -> pl.DataFrame:
    rows = []
    for row in marts.mart_reach.iter_rows(named=True):
        t = (row["territory_level"], row["territory_code"], row["campaign_year"], row["scheme"])
        out = {k: v for k, v in row.items() if k != ESTIMATED}
        for m in (*REACH_PEOPLE, POPULATION):
            key = reach_key(*t, m)
            out[m] = prot.value(key)
            out[m + SECRET_SUFFIX] = prot.mark(key)
        share_hidden = ratio_hidden(prot, reach_key(*t, "girls"), reach_key(*t, "boys"))
        out["girls_share"] = None if share_hidden else row["girls_share"]
        out["girls_share" + SECRET_SUFFIX] = _ratio_mark(
            share_hidden and row["girls_share"] is not None
        )
        cov_hidden = coverage_hidden(
            prot, row[ESTIMATED], row[POPULATION], reach_key(*t, "young_participations")
        )
        out["coverage_rate"] = None if cov_hidden else row["coverage_rate"]
        out["coverage_rate" + SECRET_SUFFIX] = _ratio_mark(cov_hidden)
        rows.append(out)
    flags = [*REACH_PEOPLE, POPULATION, "girls_share", "coverage_rate"]
    base = marts.mart_reach.drop(ESTIMATED)
    return _typed(rows, base, {m + SECRET_SUFFIX: pl.String for m in flags})


def protected_qpv(marts: Marts, prot: Protection) -> pl.DataFrame:
    rows = []
    for row in marts.mart_qpv.iter_rows(named=True):
        t = (row["qpv_code"], row["campaign_year"], row["scheme"])
        out = {k: v for k, v in row.items() if k != ESTIMATED}
        for m in (*QPV_PEOPLE, POPULATION):
            out[m] = prot.value(qpv_key(*t, m))
            out[m + SECRET_SUFFIX] = prot.mark(qpv_key(*t, m))
        cov_hidden = coverage_hidden(
            prot, row[ESTIMATED], row[POPULATION], qpv_key(*t, "young_participations")
        )
        out["coverage_rate"] = None if cov_hidden else row["coverage_rate"]
        out["coverage_rate" + SECRET_SUFFIX] = _ratio_mark(cov_hidden)
        rows.append(out)
    flags = [*QPV_PEOPLE, POPULATION, "coverage_rate"]
    base = marts.mart_qpv.drop(ESTIMATED)
    return _typed(rows, base, {m + SECRET_SUFFIX: pl.String for m in flags})


def protected_funding(marts: Marts, prot: Protection) -> pl.DataFrame:
    """mart_funding without its participation counts; a cost per participation is hidden
    when the participations it divides by are hidden (it would give them back)."""
    rows = []
    for row in marts.mart_funding.iter_rows(named=True):
        t = (row["territory_level"], row["territory_code"], row["campaign_year"], row["scheme"])
        out = {k: v for k, v in row.items() if k not in ("participations", "young_participations")}
        for ratio, count in (
            ("cost_per_participation", "participations"),
            ("cost_per_young_participation", "young_participations"),
        ):
            hidden = row[ratio] is not None and (
                is_small(row[count]) or ratio_hidden(prot, reach_key(*t, count))
            )
            out[ratio] = None if hidden else row[ratio]
            out[ratio + SECRET_SUFFIX] = _ratio_mark(hidden)
        rows.append(out)
    base = marts.mart_funding.drop("participations", "young_participations")
    extra = {
        c + SECRET_SUFFIX: pl.String
        for c in ("cost_per_participation", "cost_per_young_participation")
    }
    return _typed(rows, base, extra)


@dataclass(frozen=True)
class Published:
    """Every frame the site shows, protected once for all pages."""

    marts: Marts
    reach: pl.DataFrame
    qpv: pl.DataFrame
    funding: pl.DataFrame


def publish(marts: Marts, prot: Protection) -> Published:
    return Published(
        marts,
        protected_reach(marts, prot),
        protected_qpv(marts, prot),
        protected_funding(marts, prot),
    )
