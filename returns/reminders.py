"""Relances: the expected returns still missing once a campaign's due date has passed, as an
XLSX and a CSV the data staff can mail-merge (one row per grant file, French headers).

Pure: reads a frame shaped like marts.fct_missing_returns, writes files; no Dagster.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from returns.calendar import DEFAULT_DUE
from returns.report import neutralise

# (column of the frame, French header)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("department_code", "Département"),
    ("campaign_year", "Campagne"),
    ("scheme", "Dispositif"),
    ("grant_file", "N° de dossier"),
    ("action_title", "Intitulé de l'action"),
    ("porteur_name", "Porteur"),
    ("porteur_siret", "SIRET du porteur"),
    ("amount_granted", "Montant accordé (€)"),
    ("due_date", "Date limite de retour"),
    ("days_late", "Jours de retard"),
    ("porteur_returns_this_campaign", "Autres bilans reçus de ce porteur pour la campagne"),
    ("porteur_last_return_campaign", "Dernière campagne avec bilan"),
)


def due_date(campaign: int, due_dates: Mapping[int, date]) -> date:
    return due_dates.get(campaign, date(campaign, *DEFAULT_DUE))


def overdue(missing: pl.DataFrame, due_dates: Mapping[int, date], today: date) -> pl.DataFrame:
    """Missing returns of the campaigns whose due date has passed, with that date and the days
    of delay, sorted by département, porteur, campaign and grant file."""
    years = missing["campaign_year"].unique().to_list()
    dues = pl.DataFrame(
        {"campaign_year": years, "due_date": [due_date(y, due_dates) for y in years]},
        schema={"campaign_year": missing.schema["campaign_year"], "due_date": pl.Date},
    )
    return (
        missing.join(dues, on="campaign_year")
        .filter(pl.col("due_date") < today)
        .with_columns(days_late=(pl.lit(today) - pl.col("due_date")).dt.total_days())
        .sort("department_code", "porteur_name", "campaign_year", "grant_file", nulls_last=True)
    )


def _cell(value: object) -> object:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else neutralise(value)


def write_reminders(frame: pl.DataFrame, out_dir: Path, today: date) -> tuple[Path, Path]:
    """`relances.xlsx` (sheets Relances and Synthèse par département) and `relances.csv`
    (`;`, UTF-8 with BOM, as French Excel opens it)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx, csv_path = out_dir / "relances.xlsx", out_dir / "relances.csv"
    rows = [[_cell(r[c]) for c, _ in COLUMNS] for r in frame.iter_rows(named=True)]
    headers = [h for _, h in COLUMNS]

    wb = xlsxwriter.Workbook(str(xlsx), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties(
        {"created": datetime.combine(today, datetime.min.time())}
    )  # same day, same bytes
    bold = wb.add_format({"bold": True})
    euros = wb.add_format({"num_format": "# ##0,00 €"})
    ws = wb.add_worksheet("Relances")
    ws.write_row(0, 0, headers, bold)
    ws.freeze_panes(1, 0)
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    amount_col = [c for c, _ in COLUMNS].index("amount_granted")
    ws.set_column(amount_col, amount_col, 18, euros)
    ws.set_column(4, 5, 40)
    if rows:
        ws.autofilter(0, 0, len(rows), len(headers) - 1)
    summary = wb.add_worksheet("Synthèse")
    summary.write_row(
        0,
        0,
        [
            "Département",
            "Bilans attendus non reçus",
            "Porteurs à relancer",
            "Montant accordé concerné (€)",
        ],
        bold,
    )
    by_dep = (
        frame.group_by("department_code")
        .agg(
            files=pl.len(),
            porteurs=pl.col("porteur_name").n_unique(),
            amount=pl.col("amount_granted").sum(),
        )
        .sort("department_code", nulls_last=True)
    )
    for i, r in enumerate(by_dep.iter_rows(), start=1):
        summary.write_row(i, 0, ["" if v is None else v for v in r])
    summary.write(by_dep.height + 2, 0, f"Liste établie le {today.strftime('%d/%m/%Y')}.")
    wb.close()

    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([str(v).replace(".", ",") if isinstance(v, float) else v for v in row])
    return xlsx, csv_path
