"""Publication: the analysts' snapshot, then the delegates' static site built from it."""

from collections.abc import Sequence

import dagster as dg

from assets import progress
from assets.snapshot import publish_parquet, publish_snapshot
from dashboards.site import CONFIDENTIALITY_FILE, build_site
from platform_config.resources import WAREHOUSE_POOL, PlatformSettings, Warehouse


def _secret_metadata(report: dict, path) -> dict:
    """Share of the published participations hidden by statistical confidentiality."""
    if not report:
        return {}
    out = {"secret : part masquée, site (%)": round(100 * report["site"]["share_hidden"], 2)}
    for level, r in report["levels"].items():
        word = {"france": "France", "region": "régions", "departement": "départements"}.get(
            level, level
        )
        out[f"secret : part masquée, pages {word} (%)"] = round(100 * r["share_hidden"], 2)
    out["secret : chiffres clés masqués"] = dg.MetadataValue.int(report["site"]["headline_hidden"])
    out["secret : détail par page"] = dg.MetadataValue.path(str(path))
    return out


def build_publication_assets(mart_keys: Sequence[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    @dg.asset(
        deps=list(mart_keys),
        group_name="publication",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="Copie en lecture seule de l'entrepôt pour les analystes (lisible par "
        "DuckDB ≥ 1.2), et chaque mart en Parquet par campagne ; remplacées "
        "atomiquement après chaque construction réussie.",
    )
    def analysts_snapshot(settings: PlatformSettings, warehouse: Warehouse) -> dg.MaterializeResult:
        s = settings.get()
        target = s.snapshot
        with warehouse.connect() as con:
            counts = publish_snapshot(con, target, s.snapshot_storage_version)
            parquet = publish_parquet(con, target.parent / "parquet")
        return dg.MaterializeResult(
            metadata={
                "chemin": dg.MetadataValue.path(str(target)),
                "format DuckDB": s.snapshot_storage_version,
                "Parquet (un dossier par mart)": dg.MetadataValue.path(
                    str(target.parent / "parquet")
                ),
                "marts en Parquet": dg.MetadataValue.int(len(parquet)),
                "tables": dg.MetadataValue.int(len(counts)),
                "taille (Mo)": round(target.stat().st_size / 1e6, 1),
                **{k: dg.MetadataValue.int(v) for k, v in counts.items() if k.startswith("marts.")},
            }
        )

    # One publisher at a time, as for the warehouse: the site is staged beside its folder
    # and swapped in whole.
    @dg.asset(
        deps=[analysts_snapshot],
        group_name="publication",
        kinds={"plotly", "html"},
        pool=WAREHOUSE_POOL,
        description="Site statique des tableaux de bord des délégués du préfet : un index "
        "et une page par région et par département, hors ligne.",
    )
    def dashboards_site(
        context: dg.AssetExecutionContext, settings: PlatformSettings
    ) -> dg.MaterializeResult:
        s = settings.get()
        result = build_site(
            s.snapshot,
            s.site,
            referential_label=s.referential_label,
            boundaries_file=s.boundaries_file,
            regions_boundaries_file=s.region_boundaries_file,
            progress=progress.reporter(context.log.info, progress.PAGES_DONE),
        )
        return dg.MaterializeResult(
            metadata={
                "index": dg.MetadataValue.path(str(result.index)),
                "pages": dg.MetadataValue.int(len(result.pages)),
                "pages recalculées": dg.MetadataValue.int(len(result.rendered)),
                "pages réécrites": dg.MetadataValue.int(len(result.written)),
                "durée (s)": round(result.seconds, 2),
                **_secret_metadata(result.confidentiality, s.site / CONFIDENTIALITY_FILE),
            }
        )

    return [analysts_snapshot, dashboards_site]
