"""Freshness of what the data staff publish: a campaign in season that receives nothing, and a
published snapshot behind the warehouse. Checked after each build and every morning by
`freshness_job` (orchestration/jobs.py, schedule `freshness_checks`); a failure reaches the
alerts."""

from datetime import date, timedelta

import dagster as dg
import duckdb

from platform_config.resources import WAREHOUSE_POOL, PlatformSettings, Warehouse
from returns.calendar import in_season

_FILES = "SELECT count(*), max(ingested_at), count(retracted_at) FROM raw.files"


def _has_files_table(con) -> bool:
    return (
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND table_name = 'files'"
        ).fetchall()[0][0]
        > 0
    )


@dg.asset_check(
    asset="analysts_snapshot",
    pool=WAREHOUSE_POOL,
    description="Réception : pendant la saison, la campagne en cours a reçu un bilan "
    "depuis moins de QUARTIERS_QUIET_DAYS jours (14 par défaut).",
)
def campaign_receiving(settings: PlatformSettings, warehouse: Warehouse) -> dg.AssetCheckResult:
    s, today = settings.get(), date.today()
    if not in_season(today, s.season_months):
        return dg.AssetCheckResult(passed=True, metadata={"saison": "hors saison"})
    with warehouse.connect() as con:
        last = None
        if _has_files_table(con):
            last = con.execute(
                "SELECT max(received_at) FROM raw.activity_rows WHERE campaign_year = $1",
                [today.year],
            ).fetchall()[0][0]
    quiet = (today - last.date()).days if last else None
    passed = quiet is not None and quiet <= s.quiet_days_alert
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=None
        if passed
        else (
            f"Campagne {today.year} : aucun bilan reçu"
            + (f" depuis {quiet} jours" if quiet is not None else "")
            + f" (seuil : {s.quiet_days_alert} jours)."
        ),
        metadata={
            "campagne": today.year,
            "dernier bilan reçu": last.strftime("%d/%m/%Y") if last else "aucun",
            "jours sans réception": quiet if quiet is not None else -1,
        },
    )


@dg.asset_check(
    asset="analysts_snapshot",
    pool=WAREHOUSE_POOL,
    description="Copie des analystes à jour : elle contient tous les fichiers lus "
    "et retraits enregistrés dans l'entrepôt.",
)
def snapshot_up_to_date(settings: PlatformSettings, warehouse: Warehouse) -> dg.AssetCheckResult:
    s = settings.get()
    with warehouse.connect() as con:
        live = con.execute(_FILES).fetchall()[0] if _has_files_table(con) else (0, None, 0)
    published = (0, None, 0)
    if s.snapshot.exists():
        snap = duckdb.connect(str(s.snapshot), read_only=True)
        try:
            if _has_files_table(snap):
                published = snap.execute(_FILES).fetchall()[0]
        finally:
            snap.close()
    behind = tuple(published) != tuple(live)
    lag = (live[1] - published[1]) if behind and live[1] and published[1] else timedelta(0)
    return dg.AssetCheckResult(
        passed=not behind,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"La copie publiée a {live[0] - published[0]} fichier(s) et "
            f"{live[2] - published[2]} retrait(s) de retard sur l'entrepôt : "
            "lancer build_job."
            if behind
            else None
        ),
        metadata={
            "fichiers (entrepôt)": live[0],
            "fichiers (copie)": published[0],
            "retard (heures)": round(lag.total_seconds() / 3600, 1),
        },
    )
