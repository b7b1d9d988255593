"""Ingestion: one dynamic partition per inbox file (keyed by the hash of its bytes).

A backfill of many files is one run (single-run backfill policy) and one transaction.
"""

import functools
from concurrent.futures import ThreadPoolExecutor

import dagster as dg

from assets import progress
from assets.materializations import log_materializations
from assets.raw_tables import ensure_raw_schema, registered_hashes, write_batch
from platform_config.resources import WAREHOUSE_POOL, PlatformSettings, Warehouse
from returns.inbox import index_by_hash, received_at
from returns.privacy import mask_text
from returns.process import FileResult, process_batch
from returns.readers import Limits
from returns.report import write_reports
from returns.validate import Referential
from survey.process import read_survey_file

inbox_partitions = dg.DynamicPartitionsDefinition(name="inbox_files")

# The register of received files is partitioned by file: each file's partition carries its
# status and counts. The row tables are whole tables, materialized once per run: one event
# per file in all, not one per file and table (which made a backfill of thousands of small
# files spend most of its time in the instance's event log).
FILES_ASSET = "raw_files"
FILES_DESCRIPTION = "Registre des fichiers reçus : statut, lignes lues, acceptées, refusées."
RAW_TABLE_ASSETS = {
    "raw_activity_rows": "Lignes d'actions acceptées (bilans d'activité), avec leur origine.",
    "raw_partner_rows": "Lignes de partenaires acceptées, avec leur origine.",
    "raw_funding_rows": "Lignes de financement acceptées (export du système de subventions).",
    "raw_survey_respondents": "Répondants acceptés de l'enquête coopération, avec leur origine.",
    "raw_survey_answers": "Réponses acceptées de l'enquête coopération, une ligne par réponse "
    "(textes libres masqués, réservés aux analystes).",
    "raw_quarantine": "Lignes et fichiers refusés : règle, champ, valeur et motif en français.",
}
CONSERVATION = "row_conservation"
CONSERVATION_DESCRIPTION = (
    "Conservation des lignes : pour chaque fichier, lignes lues = lignes acceptées + lignes "
    "refusées, dans l'entrepôt."
)


class IngestConfig(dg.Config):
    reprocess: bool = False  # read again files already registered (after a contract change)


def _load_referential(con) -> Referential:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'raw' AND table_name = 'qpv_referential'"
    ).fetchall()[0][0]
    if not exists:
        return Referential.empty()
    return Referential(
        con.sql(
            "SELECT DISTINCT generation::INTEGER AS generation, qpv_code, commune_code "
            "FROM raw.qpv_referential"
        ).pl()
    )


def file_metadata(result: FileResult) -> dict[str, dg.MetadataValue]:
    s = result.summary()
    return {
        "fichier": dg.MetadataValue.text(s["file"]),
        "statut": dg.MetadataValue.text(s["status"]),
        "types": dg.MetadataValue.text(", ".join(s["kinds"]) or "aucun"),
        "lignes lues": dg.MetadataValue.int(s["rows_read"]),
        "lignes acceptées": dg.MetadataValue.int(s["rows_accepted"]),
        "lignes refusées": dg.MetadataValue.int(s["rows_quarantined"]),
        "motifs": dg.MetadataValue.json(s["reasons_by_rule"]),
        "colonnes supprimées (données personnelles)": dg.MetadataValue.text(
            ", ".join(s["dropped_columns"]) or "aucune"
        ),
        "colonnes mises de côté": dg.MetadataValue.text(", ".join(s["extra_columns"]) or "aucune"),
    }


@dg.multi_asset(
    specs=[
        # Skippable: its per-file materializations are logged by the step itself, with each
        # file's own metadata, rather than one copy of the run's totals per partition.
        dg.AssetSpec(
            FILES_ASSET,
            description=FILES_DESCRIPTION,
            group_name="ingestion",
            kinds={"duckdb", "polars"},
            deps=["raw_qpv_referential"],
            partitions_def=inbox_partitions,
            skippable=True,
        ),
        *(
            dg.AssetSpec(
                key,
                description=desc,
                group_name="ingestion",
                kinds={"duckdb", "polars"},
                deps=["raw_qpv_referential"],
            )
            for key, desc in RAW_TABLE_ASSETS.items()
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            CONSERVATION, asset=FILES_ASSET, blocking=True, description=CONSERVATION_DESCRIPTION
        )
    ],
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    can_subset=False,
)
def ingest_returns(
    context: dg.AssetExecutionContext,
    config: IngestConfig,
    settings: PlatformSettings,
    warehouse: Warehouse,
):
    s = settings.get()
    keys = list(context.partition_keys)
    index = index_by_hash(s.inbox)
    gone = [k for k in keys if k not in index]
    if gone:
        raise dg.Failure(
            f"{len(gone)} fichier(s) absent(s) de la boîte de dépôt {s.inbox} : "
            f"{', '.join(k[:12] for k in gone)}"
        )
    with warehouse.connect() as con:
        ensure_raw_schema(con)
        done = set() if config.reprocess else registered_hashes(con)
        todo = {k: index[k] for k in keys if k not in done}
        referential = _load_referential(con)
        known = con.sql(
            "SELECT DISTINCT campaign_year, scheme, grant_file FROM raw.activity_rows "
            "WHERE file_hash NOT IN (SELECT unnest($1))",
            params=[list(todo)],
        ).pl()
        results = process_batch(
            list(todo.values()),
            limits=Limits(s.max_file_bytes, s.max_rows),
            referential=referential,
            known_actions=known,
            digests={p: k for k, p in todo.items()},
            on_read=progress.reporter(context.log.info, progress.FILES_READ),
            other_formats=(read_survey_file,),
        )
        for r in results:  # made once, here, for the reports and the warehouse
            r.quarantine()
        # The rejection reports (Python's work) are written by a thread of this process
        # beside the rows' insert (DuckDB's work, off the GIL): nationally 1.3 s for both,
        # against 1.0 s of reports shared with the reading's helper process then 0.9 s of
        # insert, and without that process's memory beside the insert's. The register of
        # files, which names the reports, is inserted once they are written.
        with ThreadPoolExecutor(1) as side:
            written = side.submit(write_reports, results, s.reports)
            reports = functools.cache(lambda: _report_paths(context, results, written.result()))
            write_batch(con, results, {r.file_hash: received_at(r.path) for r in results}, reports)
        conservation = conservation_result(con)
    report_paths, materializations = reports(), []
    for r in results:
        if r.error:  # refused after an unexpected error: the cause, for the data staff
            context.log.warning(
                f"{r.name} ({r.file_hash[:12]}) refusé après une erreur "
                f"inattendue : {mask_text(r.error)}"
            )
        meta = file_metadata(r)
        if r.file_hash in report_paths:
            meta["rapport de rejets"] = dg.MetadataValue.path(report_paths[r.file_hash])
        materializations.append(
            dg.AssetMaterialization(asset_key=FILES_ASSET, partition=r.file_hash, metadata=meta)
        )
    log_materializations(context, materializations)
    skipped = len(keys) - len(todo)
    totals = {
        "fichiers lus": dg.MetadataValue.int(len(results)),
        "fichiers déjà reçus (ignorés)": dg.MetadataValue.int(skipped),
        "lignes lues": dg.MetadataValue.int(sum(r.rows_read for r in results)),
        "lignes acceptées": dg.MetadataValue.int(sum(r.rows_accepted for r in results)),
        "lignes refusées": dg.MetadataValue.int(sum(r.rows_quarantined for r in results)),
        "fichiers refusés": dg.MetadataValue.int(sum(r.refused is not None for r in results)),
    }
    if results:
        totals["par fichier"] = dg.MetadataValue.md(_markdown(results))
    for key in RAW_TABLE_ASSETS:
        yield dg.MaterializeResult(asset_key=key, metadata=totals)
    yield conservation


def _report_paths(
    context: dg.AssetExecutionContext,
    results: list[FileResult],
    written: dict[str, str | BaseException],
) -> dict[str, str]:
    """File hash → its rejection report; a report that failed is told."""
    names = {r.file_hash: r.name for r in results}
    for h, error in written.items():
        if not isinstance(error, str):
            context.log.warning(
                f"{names[h]} : rapport de rejets non écrit ({type(error).__name__})"
            )
    return {h: path for h, path in written.items() if isinstance(path, str)}


def _markdown(results: list[FileResult]) -> str:
    lines = ["| fichier | statut | lues | acceptées | refusées |", "|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r.name} | {r.status} | {r.rows_read} | {r.rows_accepted} | {r.rows_quarantined} |"
        )
    return "\n".join(lines)


def conservation_result(con) -> dg.AssetCheckResult:
    """Every file's rows read = rows accepted + rows refused, as the warehouse holds them."""
    broken = con.execute("""
        WITH accepted AS (
            SELECT file_hash, count(*) AS n FROM (
                SELECT file_hash FROM raw.activity_rows
                UNION ALL SELECT file_hash FROM raw.partner_rows
                UNION ALL SELECT file_hash FROM raw.funding_rows
                UNION ALL SELECT file_hash FROM raw.survey_respondents) GROUP BY file_hash),
        refused AS (
            SELECT file_hash, count(DISTINCT (coalesce(sheet, ''), line)) AS n
            FROM raw.quarantine WHERE line IS NOT NULL GROUP BY file_hash)
        SELECT f.file_name, f.rows_read, coalesce(a.n, 0) AS accepted,
               coalesce(r.n, 0) AS refused
        FROM raw.files f
        LEFT JOIN accepted a USING (file_hash) LEFT JOIN refused r USING (file_hash)
        WHERE f.rows_read <> coalesce(a.n, 0) + coalesce(r.n, 0)""").fetchall()
    files = con.execute("SELECT count(*) FROM raw.files").fetchall()[0][0]
    return dg.AssetCheckResult(
        asset_key=FILES_ASSET,
        check_name=CONSERVATION,
        passed=not broken,
        metadata={
            "fichiers vérifiés": files,
            "fichiers en écart": dg.MetadataValue.json([list(b) for b in broken]),
        },
    )
