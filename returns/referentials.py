"""Reference inputs read from configured files (pure functions, no Dagster).

QPV referential: the ANCT format (`code_qp, lib_qp, insee_com, lib_com, code_departement,
nom_departement, code_region, nom_region, siren_epci_2026, nom_epci_2026`), multi-valued cells
joined by `;`. Population per QPV: a CSV `code_qp, population, population_6_25` (UTF-8, comma
or semicolon), one row per QPV; population_6_25 may be empty when unknown.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from returns.contract import CODE_LISTS, QPV_GENERATIONS
from returns.normalise import code_generation

REFERENTIAL_SCHEMA = {
    "generation": pl.Int32,
    "qpv_code": pl.Utf8,
    "qpv_name": pl.Utf8,
    "commune_code": pl.Utf8,
    "commune_name": pl.Utf8,
    "department_code": pl.Utf8,
    "department_name": pl.Utf8,
    "region_code": pl.Utf8,
    "region_name": pl.Utf8,
    "epci_siren": pl.Utf8,
    "epci_name": pl.Utf8,
    "is_official": pl.Boolean,
    "source_file": pl.Utf8,
}
POPULATION_SCHEMA = {
    "qpv_code": pl.Utf8,
    "population": pl.Int64,
    "young_population": pl.Int64,
    "source_file": pl.Utf8,
    "is_official": pl.Boolean,
}


def _split(col: str) -> pl.Expr:
    return pl.col(col).fill_null("").str.split(";").list.eval(pl.element().str.strip_chars())


def read_qpv_referential(path: Path, *, is_official: bool) -> pl.DataFrame:
    """One row per (QPV, commune). The EPCI of each commune is taken positionally when the
    cell lists as many EPCI as communes, else the first EPCI listed (the ANCT file does not
    say which commune belongs to which EPCI for the few QPV on two EPCI)."""
    df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    df = df.rename({c: c.strip().lstrip("\ufeff") for c in df.columns})
    gen = code_generation(pl.col("code_qp")).fill_null(max(g.generation for g in QPV_GENERATIONS))
    multi = (
        df.with_columns(
            communes=_split("insee_com"),
            commune_names=_split("lib_com"),
            epcis=_split("siren_epci_2026"),
            epci_names=_split("nom_epci_2026"),
        )
        .with_columns(
            n=pl.col("communes").list.len(),
            idx=pl.int_ranges(pl.col("communes").list.len()),
        )
        .explode("communes", "idx")
    )

    def pick(list_col: str) -> pl.Expr:
        same = pl.col(list_col).list.len() == pl.col("n")
        return (
            pl.when(same)
            .then(pl.col(list_col).list.get(pl.col("idx"), null_on_oob=True))
            .otherwise(pl.col(list_col).list.first())
        )

    out = multi.select(
        generation=gen.cast(pl.Int32),
        qpv_code=pl.col("code_qp").str.strip_chars().str.to_uppercase(),
        qpv_name=pl.col("lib_qp"),
        commune_code=pl.col("communes"),
        commune_name=pick("commune_names"),
        department_code=pl.col("code_departement").str.split(";").list.first(),
        department_name=pl.col("nom_departement").str.split(";").list.first(),
        region_code=pl.col("code_region").str.split(";").list.first(),
        region_name=pl.col("nom_region").str.split(";").list.first(),
        epci_siren=pick("epcis"),
        epci_name=pick("epci_names"),
        is_official=pl.lit(is_official),
        source_file=pl.lit(path.name),
    )
    return out.cast(REFERENTIAL_SCHEMA)


def read_population(path: Path | None, *, is_official: bool) -> pl.DataFrame:
    if path is None:
        return pl.DataFrame(schema=POPULATION_SCHEMA)
    head = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()[0]
    df = pl.read_csv(
        path,
        separator=";" if head.count(";") > head.count(",") else ",",
        infer_schema=False,
        encoding="utf8-lossy",
    )
    df = df.rename({c: c.strip().lstrip("\ufeff") for c in df.columns})
    return df.select(
        qpv_code=pl.col("code_qp").str.strip_chars().str.to_uppercase(),
        population=pl.col("population").str.replace_all(r"\s", "").cast(pl.Int64, strict=False),
        young_population=pl.col("population_6_25")
        .str.replace_all(r"\s", "")
        .cast(pl.Int64, strict=False),
        source_file=pl.lit(path.name),
        is_official=pl.lit(is_official),
    ).cast(POPULATION_SCHEMA)


def code_lists() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"list_name": name, "code": code, "label": label}
            for name, codes in CODE_LISTS.items()
            for code, label in codes.items()
        ],
        schema={"list_name": pl.Utf8, "code": pl.Utf8, "label": pl.Utf8},
    )


def qpv_generations() -> pl.DataFrame:
    """The contract's QPV generations, for dbt (raw.qpv_generations): which list of QPV a
    campaign uses, in metropolitan France and overseas."""
    return pl.DataFrame(
        [
            {
                "generation": g.generation,
                "code_prefix": g.code_prefix,
                "first_campaign": g.first_campaign,
                "first_campaign_overseas": g.first_campaign_overseas,
            }
            for g in QPV_GENERATIONS
        ],
        schema={
            "generation": pl.Int32,
            "code_prefix": pl.Utf8,
            "first_campaign": pl.Int32,
            "first_campaign_overseas": pl.Int32,
        },
    )
