"""The porteurs' return template: generated from the contract, read back by the reader."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from openpyxl.utils import get_column_letter

from returns.contract import ACTIVITY, CODE_LISTS, PARTNERS, Kind
from returns.process import process_batch
from returns.readers import read_file
from returns.referentials import read_qpv_referential
from returns.template import DATA_ROWS, qpv_for, qpv_generation, write_template
from returns.validate import Referential
from tests.returns_files import SIRET_OK

CAMPAIGN = 2024
DEPARTMENT = "54"
EXCEL_EPOCH = date(1899, 12, 30)


@pytest.fixture(scope="module")
def qpv_file(shared_reference) -> Path:
    return shared_reference / "qpv" / "qpv2024.csv"


@pytest.fixture(scope="module")
def qpv54(qpv_file) -> list[tuple[str, str]]:
    return qpv_for(qpv_file, DEPARTMENT, CAMPAIGN)


@pytest.fixture(scope="module")
def template(tmp_path_factory, qpv54) -> Path:
    path = tmp_path_factory.mktemp("template") / "modele_bilan_2024_54.xlsx"
    return write_template(path, campaign=CAMPAIGN, department=DEPARTMENT, qpv=qpv54)


@pytest.fixture(scope="module")
def workbook(template):
    return openpyxl.load_workbook(template)


def headers(ws) -> list[str]:
    return [c.value for c in ws[1] if c.value is not None]


def validations(ws) -> dict[str, object]:
    """Column letter → the data validation covering rows 2 … DATA_ROWS + 1 of that column."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            m = re.fullmatch(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", rng)
            assert m and m[1] == m[3], rng
            assert (int(m[2]), int(m[4])) == (2, DATA_ROWS + 1), rng
            out[m[1]] = dv
    return out


def list_values(wb, formula: str) -> list[str]:
    """The values of a dropdown whose source is a range ('listes!$A$2:$A$6')."""
    sheet, rng = formula.lstrip("=").split("!")
    return [c.value for row in wb[sheet][rng.replace("$", "")] for c in row]


def column_of(kind: Kind, name: str) -> str:
    return get_column_letter(kind.columns.index(name) + 1)


# --- Structure -------------------------------------------------------------------------------


def test_sheets_headers_and_layout(workbook):
    assert workbook.sheetnames == ["instructions", "actions", "partenaires", "listes"]
    assert workbook["listes"].sheet_state == "hidden"
    for kind in (ACTIVITY, PARTNERS):
        ws = workbook[kind.sheet_names[0]]
        assert headers(ws) == [f.header for f in kind.fields]
        assert ws.freeze_panes == "A2"
        for c, f in enumerate(kind.fields, start=1):
            cell = ws.cell(1, c)
            assert cell.font.b, f.header
            assert cell.comment is not None and f.label in cell.comment.text
            assert ("Obligatoire" if f.required else "Facultatif") in cell.comment.text
            assert ws.column_dimensions[get_column_letter(c)].width >= len(f.header)
        # SIRET (and the other identifiers) are text, so Excel keeps leading zeros.
        for f in kind.fields:
            if f.type in ("siret", "commune", "grant_file"):
                assert ws.column_dimensions[column_of(kind, f.name)].number_format == "@"
        assert ws.max_row == 1  # nothing but the header: no blank rows for the reader


def test_reader_recognises_the_sheets_and_ignores_instructions_and_lists(template):
    read = read_file(template)
    assert [(t.kind.name, t.sheet) for t in read.tables] == [
        ("activity", "actions"),
        ("partners", "partenaires"),
    ]
    assert read.ignored_sheets == ["instructions", "listes"]
    assert all(t.missing == [] and t.data.height == 0 for t in read.tables)


@pytest.mark.parametrize("kind", [ACTIVITY, PARTNERS], ids=lambda k: k.name)
def test_data_validations_follow_the_contract(workbook, kind, qpv54):
    ws = workbook[kind.sheet_names[0]]
    dvs = validations(ws)
    first, last = (
        (date(CAMPAIGN, 1, 1) - EXCEL_EPOCH).days,
        (date(CAMPAIGN, 12, 31) - EXCEL_EPOCH).days,
    )
    for f in kind.fields:
        dv = dvs.get(column_of(kind, f.name))
        assert dv is not None, f.header
        assert dv.prompt, f.header  # every column explains itself in French
        match f.type:
            case "code":
                assert dv.type == "list" and dv.showErrorMessage, f.header
                assert list_values(workbook, dv.formula1) == list(CODE_LISTS[f.codes])
            case "int":
                assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
            case "decimal":
                assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
            case "date":
                assert dv.type == "date" and (int(dv.formula1), int(dv.formula2)) == (first, last)
            case "year":
                assert (dv.type, dv.operator, dv.formula1) == ("whole", "equal", str(CAMPAIGN))
            case "qpv_codes":
                # Dropdown of the département's QPV, free text allowed (several codes).
                assert dv.type == "list" and not dv.showErrorMessage
                assert list_values(workbook, dv.formula1) == [c for c, _ in qpv54]
                assert "« ; »" in dv.prompt
    if kind is PARTNERS:  # dossier numbers offered from the actions sheet, with a warning
        dv = dvs[column_of(PARTNERS, "grant_file")]
        assert dv.type == "list" and dv.errorStyle == "warning"
        assert (
            dv.formula1 == f"actions!${column_of(ACTIVITY, 'grant_file')}$2:"
            f"${column_of(ACTIVITY, 'grant_file')}${DATA_ROWS + 1}"
        )


def test_instructions_in_french(workbook, qpv54):
    text = "\n".join(
        str(v)
        for row in workbook["instructions"].iter_rows(values_only=True)
        for v in row
        if v is not None
    )
    for kind in (ACTIVITY, PARTNERS):
        for f in kind.fields:
            assert f.header in text and f.label in text
            if f.codes:
                for code, label in CODE_LISTS[f.codes].items():
                    assert re.search(rf"^{re.escape(code)}\n{re.escape(label)}$", text, re.M), code
    for code, name in qpv54:
        assert re.search(rf"^{code}\n{re.escape(name)}$", text, re.M), code
    for words in (
        "une ligne par action",
        "6 à 25 ans",
        "participations, pas des personnes",
        "renvoyez le fichier entier",
        "la plus récente remplace l'ancienne",
        "aucune donnée personnelle",
        "date de naissance",
        "adresse",
        "téléphone",
        "e-mail",
        "campagne 2024",
        "département 54",
    ):
        assert words in text, words


# --- QPV of a département for a campaign -----------------------------------------------------


def test_qpv_for_picks_the_generation_of_the_campaign(qpv_file, qpv54):
    ref = read_qpv_referential(qpv_file, is_official=True)
    expected = ref.filter((pl.col("department_code") == "54") & (pl.col("generation") == 2024))
    assert [c for c, _ in qpv54] == sorted(expected["qpv_code"].unique().to_list())
    assert qpv54 and all(re.fullmatch(r"QN054\d\d[A-Z]", c) and n for c, n in qpv54)
    assert qpv_for(qpv_file, "054", 2025) == qpv54
    assert qpv_for(qpv_file, "54", 2023) == []  # 2015 codes: not in a 2024-generation file
    # Overseas keep 2015 codes in 2024, QN from 2025.
    assert qpv_for(qpv_file, "971", 2024) == []
    assert all(c.startswith("QN971") for c, _ in qpv_for(qpv_file, "971", 2025))
    assert qpv_generation(2023, "54") == 2015 and qpv_generation(2024, "54") == 2024
    assert qpv_generation(2024, "972") == 2015 and qpv_generation(2025, "972") == 2024


def test_template_without_qpv_list_still_explains_the_codes(tmp_path):
    path = write_template(tmp_path / "m.xlsx", campaign=2022)
    wb = openpyxl.load_workbook(path)
    dv = validations(wb["actions"])[column_of(ACTIVITY, "qpv_codes")]
    assert dv.type is None and "QP054001" in dv.prompt  # 2015 generation for 2022
    assert validations(wb["actions"])["A"].formula1 == "2022"
    text = "\n".join(
        str(v)
        for row in wb["instructions"].iter_rows(values_only=True)
        for v in row
        if v is not None
    )
    assert "Aucune liste de quartiers" in text
    assert read_file(path).ignored_sheets == ["instructions", "listes"]


# --- Round trip: the template filled as a porteur would, through the pipeline -----------------


def _fill(ws, kind: Kind, rows: list[dict[str, object]]) -> None:
    columns = {h: i for i, h in enumerate(headers(ws), start=1)}
    for r, row in enumerate(rows, start=2):
        for f in kind.fields:
            if f.name in row:
                ws.cell(r, columns[f.header], row[f.name])


def test_round_trip_filled_template_is_accepted(tmp_path, template, qpv_file, qpv54):
    wb = openpyxl.load_workbook(template)
    acts, parts = wb["actions"], wb["partenaires"]
    dvs_a, dvs_p = validations(acts), validations(parts)

    def choices(dvs: dict, kind: Kind, name: str) -> list[str]:
        return list_values(wb, dvs[column_of(kind, name)].formula1)

    schemes = choices(dvs_a, ACTIVITY, "scheme")
    categories = choices(dvs_a, ACTIVITY, "porteur_category")
    themes = choices(dvs_a, ACTIVITY, "theme")
    qpv = choices(dvs_a, ACTIVITY, "qpv_codes")
    ref_rows = read_qpv_referential(qpv_file, is_official=True)
    commune_of = dict(ref_rows.select("qpv_code", "commune_code").unique("qpv_code").iter_rows())

    def action(i: int, codes: list[str], **over: object) -> dict[str, object]:
        row: dict[str, object] = {
            "campaign_year": CAMPAIGN,
            "scheme": schemes[0],
            "grant_file": f"QE-2024-054-{i:04d}",
            "action_title": f"Action {i}",
            "porteur_siret": SIRET_OK,
            "porteur_name": "Asso A",
            "porteur_category": categories[i % len(categories)],
            "theme": themes[i % len(themes)],
            "start_date": date(2024, 7, 1 + i),
            "end_date": date(2024, 8, 20 + i),
            "qpv_codes": ";".join(codes),
            "commune_code": commune_of[codes[0]],
            "sessions": 8,
            "participants": 30,
            "qpv_residents": 25,
            "girls": 14,
            "boys": 16,
            "age_6_11": 12,
            "age_12_17": 10,
            "age_18_25": 6,
            "age_26_59": 2,
            "realised_cost": 2500.5,
            "comment": "Bonne fréquentation",
        }
        return row | over

    actions = [
        action(1, [qpv[0]]),
        action(2, [qpv[1], qpv[2]], scheme=schemes[-1], girls=None, boys=None),
        action(3, [qpv[-1]], age_0_5=3, age_6_11=9, realised_cost=0),
    ]
    _fill(acts, ACTIVITY, actions)
    partner_cats = choices(dvs_p, PARTNERS, "partner_category")
    roles = choices(dvs_p, PARTNERS, "role")
    partners = [
        {
            "campaign_year": CAMPAIGN,
            "scheme": a["scheme"],
            "grant_file": a["grant_file"],
            "partner_name": f"Partenaire {j}",
            "partner_category": partner_cats[j],
            "role": roles[j],
            **({"partner_siret": SIRET_OK} if j == 0 else {}),
        }
        for j, a in enumerate(actions + actions[:1])
    ]
    _fill(parts, PARTNERS, partners)
    filled = tmp_path / "bilan_rempli.xlsx"
    wb.save(filled)

    referential = Referential(ref_rows.select("generation", "qpv_code", "commune_code"))
    [result] = process_batch([filled], referential=referential, today=date(2025, 1, 15))
    assert result.refused is None
    assert result.quarantine().is_empty(), result.quarantine()
    assert result.status == "accepted"
    assert result.kinds == ["activity", "partners"]
    assert result.ignored_sheets == ["instructions", "listes"]
    assert result.rows_read == result.rows_accepted == len(actions) + len(partners)
    assert result.guard.dropped == [] and result.guard.kept_aside == []

    acc = {t.kind.name: t.accepted for t in result.tables}
    a = acc["activity"]
    assert a["grant_file"].to_list() == [r["grant_file"] for r in actions]
    assert a["qpv_codes"].to_list() == [r["qpv_codes"] for r in actions]
    assert a["start_date"].to_list() == [r["start_date"] for r in actions]
    assert a["porteur_siret"].to_list() == [SIRET_OK] * 3
    assert a["commune_code"].to_list() == [r["commune_code"] for r in actions]
    assert a["age_0_5"].to_list() == [0, 0, 3]  # blank age band = 0
    assert a["girls"].to_list() == [14, None, 14]
    assert a["realised_cost"].to_list() == [2500.5, 2500.5, 0.0]
    assert a["line"].to_list() == [2, 3, 4]
    p = acc["partners"]
    assert p["role"].to_list() == [r["role"] for r in partners]
    assert p["partner_siret"].to_list() == [SIRET_OK, None, None, None]
