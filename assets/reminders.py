"""Relances: the expected returns still missing after their campaign's due date, rebuilt with
the marts, as files the data staff mail-merge."""

from datetime import date

import dagster as dg
import duckdb

from platform_config.resources import PlatformSettings
from returns.reminders import overdue, write_reminders


@dg.asset(
    deps=["analysts_snapshot"],
    group_name="publication",
    kinds={"excel", "csv"},
    description="Relances des porteurs : bilans attendus (dossiers financés) non reçus "
    "après la date limite de leur campagne, par département et porteur "
    "(XLSX et CSV pour un publipostage).",
)
def return_reminders(settings: PlatformSettings) -> dg.MaterializeResult:
    s = settings.get()
    con = duckdb.connect(str(s.snapshot), read_only=True)  # the published copy, not the live file
    try:
        missing = con.sql("SELECT * FROM marts.fct_missing_returns").pl()
    finally:
        con.close()
    today = date.today()
    frame = overdue(missing, s.return_due_dates, today)
    xlsx, csv_path = write_reminders(frame, s.reminders, today)
    per_dep = dict(frame.group_by("department_code").len().sort("department_code").iter_rows())
    return dg.MaterializeResult(
        metadata={
            "bilans à relancer": dg.MetadataValue.int(frame.height),
            "porteurs à relancer": dg.MetadataValue.int(frame["porteur_name"].n_unique()),
            "par département": dg.MetadataValue.json({str(k): v for k, v in per_dep.items()}),
            "fichier XLSX": dg.MetadataValue.path(str(xlsx)),
            "fichier CSV": dg.MetadataValue.path(str(csv_path)),
        }
    )
