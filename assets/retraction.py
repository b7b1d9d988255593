"""Withdrawing a file: its rows leave the indicators, its trace stays in `raw.files`. The op;
its job (`retract_job`) is in orchestration/jobs.py."""

import dagster as dg

from assets.raw_tables import ensure_raw_schema
from platform_config.resources import WAREHOUSE_POOL, Warehouse


class RetractConfig(dg.Config):
    file: str  # content hash (or its first characters) or file name
    reason: str  # why, in French, for the trace


@dg.op(
    pool=WAREHOUSE_POOL,
    description="Retire un fichier reçu (motif obligatoire) : ses lignes "
    "sortent des indicateurs, la trace reste dans raw.files.",
)
def retract_file(
    context: dg.OpExecutionContext, config: RetractConfig, warehouse: Warehouse
) -> str:
    if not config.reason.strip():
        raise dg.Failure("Un motif de retrait est obligatoire.")
    with warehouse.connect() as con:
        ensure_raw_schema(con)
        matches = con.execute(
            "SELECT file_hash, file_name, retracted_at FROM raw.files "
            "WHERE file_hash LIKE $1 || '%' OR file_name = $1",
            [config.file],
        ).fetchall()
        if len(matches) != 1:
            raise dg.Failure(
                f"« {config.file} » désigne {len(matches)} fichier(s) reçus ; "
                "précisez l'empreinte (file_hash)."
            )
        file_hash, name, already = matches[0]
        if already is None:
            con.execute(
                "UPDATE raw.files SET retracted_at = now()::TIMESTAMP, "
                "retraction_reason = $2 WHERE file_hash = $1",
                [file_hash, config.reason.strip()],
            )
    context.log.info(f"Fichier {name} ({file_hash[:12]}) retiré : {config.reason}")
    context.log_event(
        dg.AssetObservation(
            asset_key="raw_files",
            partition=file_hash,
            metadata={"retiré": True, "motif": config.reason, "fichier": name},
        )
    )
    return file_hash
