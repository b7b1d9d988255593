"""Read the marts the site needs (docs/warehouse.md) into polars, once per build.

A mart missing from the file reads as an empty table with the documented columns, so a
partial warehouse still builds a site whose sections say "données non disponibles".
Columns the site does not know are dropped, and rows of territory levels it has no page
for (EPCI, communes) are left out: newer marts read like older ones. Of the network's
marts, only the rows the pages draw are read (every scheme together, the latest campaign).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from dashboards.survey_section import LINK_SCHEMA as SURVEY_LINK_SCHEMA
from dashboards.survey_section import SCHEMA as SURVEY_SCHEMA

S, I, F, B = pl.String, pl.Int64, pl.Float64, pl.Boolean  # noqa: E741 - column type aliases
#: territory levels the site has pages for (the marts may hold finer ones: epci, commune)
SITE_LEVELS = ("france", "region", "departement")
_TERR = {
    "territory_level": S,
    "territory_code": S,
    "territory_name": S,
    "campaign_year": I,
    "scheme": S,
}

SCHEMAS: dict[str, dict[str, type[pl.DataType]]] = {
    "dim_territories": {
        "territory_level": S,
        "territory_code": S,
        "territory_name": S,
        "parent_level": S,
        "parent_code": S,
        "region_code": S,
        "department_code": S,
    },
    "dim_code_lists": {"list_name": S, "code": S, "label": S},
    "dim_qpv": {
        "qpv_code": S,
        "generation": I,
        "qpv_name": S,
        "commune_codes": S,
        "main_commune_code": S,
        "epci_siren": S,
        "epci_name": S,
        "department_code": S,
        "region_code": S,
        "is_official": B,
        "placement": S,
    },
    "mart_reach": {
        **_TERR,
        "actions": I,
        "sessions": I,
        "participations": I,
        "young_participations": I,
        "qpv_resident_participations": I,
        "girls": I,
        "boys": I,
        "girls_share": F,
        "age_0_5": I,
        "age_6_11": I,
        "age_12_17": I,
        "age_18_25": I,
        "age_26_59": I,
        "age_60_plus": I,
        "qpv_total": I,
        "qpv_with_action": I,
        "qpv_without_action": I,
        "young_population": I,
        "coverage_rate": F,
        "estimated_young_qpv_participations": F,  # the coverage's numerator
    },
    "mart_funding": {
        **_TERR,
        "grant_files": I,
        "amount_requested": F,
        "amount_granted": F,
        "granted_state_pv": F,
        "granted_state_other": F,
        "granted_own_funds": F,
        "granted_other": F,
        "realised_cost": F,
        "participations": I,
        "young_participations": I,
        "cost_per_participation": F,
        "cost_per_young_participation": F,
    },
    "mart_funding_by_funder": {**_TERR, "funder": S, "amount_requested": F, "amount_granted": F},
    "mart_cooperation": {
        **_TERR,
        "actions": I,
        "partnership_links": I,
        "partners_per_action": F,
        "share_actions_2plus_partners": F,
        "share_actions_4plus_partners": F,
        "cofunded_actions": I,
        "cofunded_share": F,
        "leverage": F,
        "organisations": I,
        "network_links": I,
        "network_density": F,
        "renewed_partnerships": I,
        "new_partnerships": I,
    },
    "mart_partner_mix": {**_TERR, "dimension": S, "value": S, "links": I, "actions": I},
    "mart_network_edges": {**_TERR, "org_a": S, "org_b": S, "shared_actions": I},
    "mart_network_nodes": {
        **_TERR,
        "org_id": S,
        "org_name": S,
        "org_category": S,
        "degree": I,
        "actions": I,
    },
    "mart_returns_completeness": {
        **_TERR,
        "funded_files": I,
        "returns_received": I,
        "funded_without_return": I,
        "returns_without_funding": I,
        "completeness_rate": F,
    },
    "fct_missing_returns": {
        "campaign_year": I,
        "scheme": S,
        "grant_file": S,
        "department_code": S,
        "porteur_name": S,
        "amount_granted": F,
    },
    "mart_qpv": {
        "qpv_code": S,
        "qpv_name": S,
        "department_code": S,
        "region_code": S,
        "campaign_year": I,
        "scheme": S,
        "actions": I,
        "sessions": I,
        "young_participations": I,
        "participations": I,
        "young_population": I,
        "coverage_rate": F,
        "estimated_young_qpv_participations": F,  # the coverage's numerator
        "has_action": B,
    },
}

# Constant queries, one per mart, run with `marts` as the current schema (no SQL built
# from values; unqualified names also work when the file itself is called marts.duckdb).
# The cooperation survey's answers ("Ce que disent les porteurs"), see survey_section.py.
SCHEMAS["mart_survey_answers"] = SURVEY_SCHEMA
SCHEMAS["mart_survey_returns_link"] = SURVEY_LINK_SCHEMA
_QUERIES = {name: "SELECT * FROM " + name for name in SCHEMAS}  # noqa: S608 (constant names)
# The network the pages draw (`sections.cooperation_section`): every scheme together, in the
# territory's latest campaign with organisations; the other rows were ≈ 90 % of the site's
# largest marts, read and held by both of the site's processes.
_LATEST_NETWORK = (
    "scheme = 'ALL' AND campaign_year = (SELECT max(latest.campaign_year) "
    "FROM mart_network_nodes AS latest WHERE latest.scheme = 'ALL' "
    "AND latest.territory_level = {table}.territory_level "
    "AND latest.territory_code = {table}.territory_code)"
)
_NETWORK = ("mart_network_nodes", "mart_network_edges")


@dataclass(frozen=True)
class Marts:
    dim_territories: pl.DataFrame
    dim_code_lists: pl.DataFrame  # French labels of the contract's codes
    dim_qpv: pl.DataFrame
    mart_reach: pl.DataFrame
    mart_funding: pl.DataFrame
    mart_funding_by_funder: pl.DataFrame
    mart_cooperation: pl.DataFrame
    mart_partner_mix: pl.DataFrame
    mart_network_edges: pl.DataFrame
    mart_network_nodes: pl.DataFrame
    mart_returns_completeness: pl.DataFrame
    fct_missing_returns: pl.DataFrame
    mart_qpv: pl.DataFrame
    data_date: date | None
    missing: tuple[str, ...]
    # latest arrival of a return with actions in each département, and of a funding export:
    # a page is dated by the files that feed it, so one new return re-dates only its pages
    department_dates: dict[str, date] = field(default_factory=dict)
    funding_date: date | None = None
    # mart_qpv lists every QPV of each campaign's generation, those without action included
    # (actions = 0): the site then takes the gaps from it rather than from its own rule
    qpv_with_zero_rows: bool = False
    mart_survey_answers: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=SURVEY_SCHEMA)
    )
    mart_survey_returns_link: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=SURVEY_LINK_SCHEMA)
    )


def write_frames(marts: Marts, folder: Path) -> tuple[Path, dict]:
    """The marts' frames as Arrow IPC files in `folder`, and their other fields: for another
    process when the warehouse is held by this one (`read_frames`). Written from the frames'
    buffers, unlike a pickle, which holds a second copy of them in memory (~100 MB
    nationally)."""
    others = {}
    for f in fields(Marts):
        value = getattr(marts, f.name)
        if isinstance(value, pl.DataFrame):
            value.write_ipc(folder / f"{f.name}.arrow", compression="uncompressed")
        else:
            others[f.name] = value
    return folder, others


def read_frames(saved: tuple[Path, dict]) -> Marts:
    folder, others = saved
    frames = {
        f.name: pl.read_ipc(folder / f"{f.name}.arrow")
        for f in fields(Marts)
        if f.name not in others
    }
    return Marts(**frames, **others)


def _use_marts(con: duckdb.DuckDBPyConnection) -> str:
    """Make `marts` of the opened file the current schema; return the file's catalog name."""
    catalog = con.execute("SELECT current_database()").fetchone()[0]
    found = con.execute(
        "SELECT count(*) FROM information_schema.schemata "
        "WHERE catalog_name = ? AND schema_name = 'marts'",
        [catalog],
    ).fetchone()[0]
    if not found:
        raise ValueError(f"no `marts` schema in the warehouse file (catalog {catalog!r})")
    quoted = '"' + catalog.replace('"', '""') + '"'
    con.execute("USE " + quoted + ".marts")
    return catalog


def _existing_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, set[str]]:
    """The marts' tables and their columns."""
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = 'marts'",
        [catalog],
    ).fetchall()
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


def _ordered_query(name: str, columns: set[str], tables: Collection[str] = ()) -> str:
    """The site's rows of the mart in the order the site sorts them (every documented
    column, nulls first). polars sorts them again (the order that counts), which takes
    little time on rows already in order: DuckDB sorts a large mart on all its columns
    faster. `tables`: the marts of the file (the network's rows are chosen by its nodes)."""
    keys = [c for c in SCHEMAS[name] if c in columns]
    query = _QUERIES[name]
    where = []
    if "territory_level" in keys:
        # the site's levels only: the communes' and EPCI's rows are most of the large marts
        where.append("territory_level IN (" + ", ".join(f"'{v}'" for v in SITE_LEVELS) + ")")
    if name in _NETWORK and _NETWORK[0] in tables:
        where.append(_LATEST_NETWORK.format(table=name))
    if where:
        query += " WHERE " + " AND ".join(where)
    if not keys:
        return query
    order = ", ".join('"' + c.replace('"', '""') + '" NULLS FIRST' for c in keys)
    return query + " ORDER BY " + order  # identifiers and levels of this module, no data


def _conform(df: pl.DataFrame, schema: dict[str, type[pl.DataType]]) -> pl.DataFrame:
    """Keep the documented columns, cast to the documented types, add absent ones as nulls."""
    cols = [
        pl.col(c).cast(t, strict=False) if c in df.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in schema.items()
    ]
    return df.select(cols)


def _data_date(con: duckdb.DuckDBPyConnection, tables: set[str]) -> date | None:
    """Date of the data: the latest arrival of a file, when the file status mart tells it."""
    if "mart_file_status" not in tables:
        return None
    try:
        value = con.execute("SELECT max(received_at) FROM mart_file_status").fetchone()[0]
    except duckdb.Error:
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _arrivals(con: duckdb.DuckDBPyConnection, tables: set[str]):
    """(département → latest arrival of a file holding its actions, latest funding export)."""
    if not {"mart_file_status", "fct_actions"} <= tables:
        return {}, None
    try:
        rows = con.execute(
            "SELECT a.department_code, max(f.received_at) FROM fct_actions a "
            "JOIN mart_file_status f ON f.file_hash = a.file_hash GROUP BY 1"
        ).fetchall()
        funding = con.execute(
            "SELECT max(received_at) FROM mart_file_status WHERE kinds LIKE '%funding%'"
        ).fetchone()[0]
    except duckdb.Error:
        return {}, None
    return {code: _day(at) for code, at in rows if code and at}, _day(funding)


def _day(value) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def load_marts(con: duckdb.DuckDBPyConnection) -> Marts:
    tables = _existing_tables(con, _use_marts(con))
    frames: dict[str, pl.DataFrame] = {}
    missing = []
    qpv_with_zero_rows = False
    for name, schema in SCHEMAS.items():
        if name not in tables:
            missing.append(name)
            frames[name] = pl.DataFrame(schema=schema)
            continue
        raw = con.sql(_ordered_query(name, tables[name], tables)).pl()
        if name == "mart_qpv":
            qpv_with_zero_rows = "has_action" in raw.columns or (
                "actions" in raw.columns and bool((raw["actions"] == 0).any())
            )
        df = _conform(raw, schema)
        if "territory_level" in schema:
            df = df.filter(pl.col("territory_level").is_in(SITE_LEVELS))
        # sorted on every column: DuckDB returns rows in no fixed order, and the same
        # marts must give the same pages byte for byte (incremental builds)
        frames[name] = df.sort(list(schema))
    names = {f.name for f in fields(Marts)}
    return Marts(
        **{k: v for k, v in frames.items() if k in names},
        data_date=_data_date(con, set(tables)),
        missing=tuple(missing),
        department_dates=(arrivals := _arrivals(con, set(tables)))[0],
        funding_date=arrivals[1],
        qpv_with_zero_rows=qpv_with_zero_rows,
    )
