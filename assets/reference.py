"""Reference assets: the QPV referential, populations and code lists, written to `raw`."""

import dagster as dg
import polars as pl

from platform_config.resources import WAREHOUSE_POOL, PlatformSettings, Warehouse
from returns.referentials import (
    code_lists,
    qpv_generations,
    read_population,
    read_qpv_referential,
)


def replace_raw_table(con, table: str, frame: pl.DataFrame) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.register("_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE raw.{table} AS SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


@dg.asset(
    group_name="reference",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "polars"},
    description="Référentiel des QPV (génération 2024, et 2015 s'il est fourni), "
    "une ligne par QPV et commune.",
)
def raw_qpv_referential(settings: PlatformSettings, warehouse: Warehouse) -> dg.MaterializeResult:
    s = settings.get()
    if not s.qpv_2024_file.exists():
        raise dg.Failure(
            f"Référentiel des QPV introuvable : {s.qpv_2024_file}. Indiquez le fichier officiel "
            "(ANCT) dans QUARTIERS_QPV_2024_FILE, ou lancez `make demo` pour le référentiel "
            "fictif de démonstration."
        )
    frames = [read_qpv_referential(s.qpv_2024_file, is_official=s.referential_is_official)]
    if s.qpv_2015_file is not None:
        frames.append(
            read_qpv_referential(s.qpv_2015_file, is_official="demo" not in s.qpv_2015_file.name)
        )
    ref = pl.concat(frames)
    with warehouse.connect() as con:
        replace_raw_table(con, "qpv_referential", ref)
    counts = ref.group_by("generation").agg(pl.col("qpv_code").n_unique()).sort("generation")
    return dg.MaterializeResult(
        metadata={
            "libellé": s.referential_label,
            "fichiers": ", ".join(str(p) for p in (s.qpv_2024_file, s.qpv_2015_file) if p),
            **{f"QPV génération {g}": dg.MetadataValue.int(n) for g, n in counts.iter_rows()},
        }
    )


@dg.asset(
    group_name="reference",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "polars"},
    description="Population par QPV (totale et 6–25 ans), si un fichier est configuré.",
)
def raw_qpv_population(settings: PlatformSettings, warehouse: Warehouse) -> dg.MaterializeResult:
    s = settings.get()
    pop = read_population(s.population_file, is_official=s.referential_is_official)
    with warehouse.connect() as con:
        replace_raw_table(con, "qpv_population", pop)
    return dg.MaterializeResult(
        metadata={
            "fichier": str(s.population_file or "aucun (taux de couverture non disponibles)"),
            "QPV": dg.MetadataValue.int(pop.height),
        }
    )


@dg.asset(
    group_name="reference",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="Listes de codes du contrat (dispositifs, thématiques, catégories, rôles, "
    "financeurs).",
)
def raw_code_lists(warehouse: Warehouse) -> dg.MaterializeResult:
    codes = code_lists()
    with warehouse.connect() as con:
        replace_raw_table(con, "code_lists", codes)
    return dg.MaterializeResult(metadata={"codes": dg.MetadataValue.int(codes.height)})


@dg.asset(
    group_name="reference",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="Générations de QPV du contrat et première campagne de chacune (métropole, "
    "outre-mer) : la liste de QPV de chaque campagne.",
)
def raw_qpv_generations(warehouse: Warehouse) -> dg.MaterializeResult:
    generations = qpv_generations()
    with warehouse.connect() as con:
        replace_raw_table(con, "qpv_generations", generations)
    return dg.MaterializeResult(metadata={"générations": dg.MetadataValue.int(generations.height)})
