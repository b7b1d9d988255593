"""Publication: the analysts' snapshot and the delegates' static site, from the same marts."""

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import dagster as dg

from assets import progress
from assets.snapshot import publish_parquet, publish_snapshot
from dashboards.marts import Marts, load_marts
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


SNAPSHOT, SITE = dg.AssetKey("analysts_snapshot"), dg.AssetKey("dashboards_site")


def build_publication_assets(mart_keys: Sequence[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    # One step for both, one publisher at a time as for the warehouse: after a build, the
    # snapshot is copied (DuckDB's work, off the GIL) while the site is updated from the same
    # marts read from the warehouse (Python's work), side by side; each is staged beside its
    # folder and swapped in whole. Either can be materialised alone from the UI: the site
    # alone is built from the published snapshot.
    @dg.multi_asset(
        name="publication",
        specs=[
            dg.AssetSpec(
                SNAPSHOT,
                deps=list(mart_keys),
                group_name="publication",
                kinds={"duckdb"},
                description="Copie en lecture seule de l'entrepôt pour les analystes (lisible "
                "par DuckDB ≥ 1.2), et chaque mart en Parquet par campagne ; remplacées "
                "atomiquement après chaque construction réussie.",
                skippable=True,
            ),
            dg.AssetSpec(
                SITE,
                deps=[SNAPSHOT],
                group_name="publication",
                kinds={"plotly", "html"},
                description="Site statique des tableaux de bord des délégués du préfet : un "
                "index et une page par région et par département, hors ligne.",
                skippable=True,
            ),
        ],
        can_subset=True,
        pool=WAREHOUSE_POOL,
    )
    def publication(
        context: dg.AssetExecutionContext, settings: PlatformSettings, warehouse: Warehouse
    ):
        s = settings.get()
        selected = context.selected_asset_keys
        if SNAPSHOT not in selected:
            yield _site(context, s)
            return
        site, failed = None, None
        marts: Future[Marts] | None = Future() if SITE in selected else None
        with ThreadPoolExecutor(1) as side:
            copy = side.submit(_read_then_copy, warehouse, s, marts)
            if marts is not None:
                site, failed = _site_or_error(context, s, marts.result())
            copied = copy.result()
        yield copied
        if failed is not None:
            raise failed
        if site is not None:
            yield site

    return [publication]


def _site_or_error(
    context, s, marts: Marts
) -> tuple[dg.MaterializeResult | None, Exception | None]:
    """The site beside the copy: an error is raised once the copy is told."""
    try:
        return _site(context, s, marts), None
    except Exception as error:  # noqa: BLE001
        return None, error


def _read_then_copy(warehouse: Warehouse, s, marts: Future[Marts] | None) -> dg.MaterializeResult:
    """The warehouse opened once: the site's marts read and handed over, then the snapshot
    copied (DuckDB's work, beside the site's Python); the file is let go as soon as the copy
    ends, the site still building, and with it what DuckDB kept of the reading and the copy
    (≈ 200 MB nationally)."""
    with warehouse.connect() as con:
        if marts is not None:
            try:
                marts.set_result(load_marts(con.cursor()))
            except BaseException as error:
                marts.set_exception(error)
                raise
        return _snapshot(con, s)


def _parquet(s):
    return s.snapshot.parent / "parquet"


def _snapshot(con, s) -> dg.MaterializeResult:
    counts = publish_snapshot(con, s.snapshot, s.snapshot_storage_version)
    return _snapshot_result(s, counts, publish_parquet(con, _parquet(s)))


def _snapshot_result(s, counts: dict[str, int], parquet: dict[str, int]) -> dg.MaterializeResult:
    target = s.snapshot
    return dg.MaterializeResult(
        asset_key=SNAPSHOT,
        metadata={
            "chemin": dg.MetadataValue.path(str(target)),
            "format DuckDB": s.snapshot_storage_version,
            "Parquet (un dossier par mart)": dg.MetadataValue.path(str(_parquet(s))),
            "marts en Parquet": dg.MetadataValue.int(len(parquet)),
            "tables": dg.MetadataValue.int(len(counts)),
            "taille (Mo)": round(target.stat().st_size / 1e6, 1),
            **{k: dg.MetadataValue.int(v) for k, v in counts.items() if k.startswith("marts.")},
        },
    )


def _site(context: dg.AssetExecutionContext, s, marts: Marts | None = None) -> dg.MaterializeResult:
    """The site, from `marts` (read from the warehouse beside the snapshot's copy) or else
    from the published snapshot."""
    result = build_site(
        s.snapshot,
        s.site,
        referential_label=s.referential_label,
        boundaries_file=s.boundaries_file,
        regions_boundaries_file=s.region_boundaries_file,
        progress=progress.reporter(context.log.info, progress.PAGES_DONE),
        marts=marts,
    )
    return dg.MaterializeResult(
        asset_key=SITE,
        metadata={
            "index": dg.MetadataValue.path(str(result.index)),
            "pages": dg.MetadataValue.int(len(result.pages)),
            "pages recalculées": dg.MetadataValue.int(len(result.rendered)),
            "pages réécrites": dg.MetadataValue.int(len(result.written)),
            "durée (s)": round(result.seconds, 2),
            **_secret_metadata(result.confidentiality, s.site / CONFIDENTIALITY_FILE),
        },
    )
