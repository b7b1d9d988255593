"""Relances: the missing returns past their campaign's due date, as the data staff receive
them (XLSX and CSV), against the generator's truth."""

from __future__ import annotations

import csv
from datetime import date

import fastexcel
import polars as pl
import pytest

from returns.calendar import parse_due_dates
from returns.reminders import overdue, write_reminders
from tests.truth import KEY, accepted_actions


def missing_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "campaign_year": [2024, 2025, 2025],
            "scheme": ["QE", "QE", "VVV"],
            "grant_file": ["QE-1", "QE-2", '=HYPERLINK("x")'],
            "department_code": ["57", "54", "54"],
            "porteur_name": ["Asso B", "Asso A", "Asso A"],
            "amount_granted": [1500.5, 800.0, 300.0],
            "action_title": ["Foot", "Danse", "Séjour"],
            "porteur_siret": ["1", "2", "2"],
            "porteur_returns_this_campaign": [0, 3, 3],
            "porteur_last_return_campaign": [2023, 2025, 2025],
        },
        schema_overrides={"campaign_year": pl.Int32},
    )


def test_only_campaigns_past_their_due_date_are_listed():
    dues = parse_due_dates("2025=2025-12-15")
    listed = overdue(missing_frame(), dues, today=date(2025, 12, 10))
    assert listed["grant_file"].to_list() == ["QE-1"]  # 2024 due 30/11/2024; 2025 not yet
    assert listed["days_late"].to_list() == [(date(2025, 12, 10) - date(2024, 11, 30)).days]
    later = overdue(missing_frame(), dues, today=date(2026, 1, 5))
    assert later["department_code"].to_list() == ["54", "54", "57"]  # by département, porteur
    assert later["due_date"].to_list()[0] == date(2025, 12, 15)


def test_a_malformed_due_date_is_an_error_not_a_silent_default():
    with pytest.raises(ValueError):
        parse_due_dates("2025=15/12/2025")


def test_files_are_french_and_safe_to_open(tmp_path):
    frame = overdue(missing_frame(), {}, today=date(2026, 2, 1))
    xlsx, csv_path = write_reminders(frame, tmp_path, today=date(2026, 2, 1))
    sheet = fastexcel.read_excel(xlsx).load_sheet("Relances").to_polars()
    assert sheet.columns[:4] == ["Département", "Campagne", "Dispositif", "N° de dossier"]
    assert sheet.height == 3
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0][7] == "Montant accordé (€)"
    body = {r[3]: r for r in rows[1:]}
    assert body["QE-1"][7] == "1500,5" and body["QE-1"][8] == "30/11/2024"
    assert body['\'=HYPERLINK("x")']  # a formula typed in a cell stays text
    again = write_reminders(frame, tmp_path / "again", today=date(2026, 2, 1))
    assert again[0].read_bytes() == xlsx.read_bytes()  # same list, same day: same bytes


def test_the_demo_reminders_list_every_funded_file_without_return(pipeline):
    demo, settings, _, _ = pipeline
    sheet = (
        fastexcel.read_excel(settings.reminders / "relances.xlsx")
        .load_sheet("Relances", dtypes="string")
        .to_polars()
    )
    got = sheet.select(
        campaign_year=pl.col("Campagne").cast(pl.Int32),
        scheme="Dispositif",
        grant_file="N° de dossier",
    )
    funded = demo.funding.filter(pl.col("amount_granted") > 0).select(KEY).unique()
    want = funded.join(accepted_actions(demo.actions).select(KEY).unique(), on=KEY, how="anti")
    # every campaign of the demo (2020–2025) is past its default due date (30 November)
    assert date.today() > date(2025, 11, 30)
    assert got.sort(KEY).equals(want.sort(KEY))
