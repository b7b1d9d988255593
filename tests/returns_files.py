"""Small return files written the way porteurs write them, for the tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import xlsxwriter

ACTIVITY_HEADERS = [
    "annee",
    "dispositif",
    "numero_dossier",
    "intitule_action",
    "porteur_siret",
    "porteur_nom",
    "porteur_categorie",
    "thematique",
    "date_debut",
    "date_fin",
    "codes_qpv",
    "code_commune",
    "nb_seances",
    "nb_participants",
    "nb_habitants_qpv",
    "nb_filles",
    "nb_garcons",
    "nb_0_5",
    "nb_6_11",
    "nb_12_17",
    "nb_18_25",
    "nb_26_59",
    "nb_60_plus",
    "cout_total_realise",
    "commentaire",
]
PARTNER_HEADERS = [
    "annee",
    "dispositif",
    "numero_dossier",
    "partenaire_nom",
    "partenaire_siret",
    "partenaire_categorie",
    "role",
]
FUNDING_HEADERS = [
    "annee",
    "dispositif",
    "numero_dossier",
    "lib_action",
    "raison_sociale",
    "code_tiers",
    "financeur",
    "montant_demande",
    "montant_accorde",
    "insee_dep",
]

SIRET_OK = "73282932000074"  # Luhn-valid
SIRET_BAD = "73282932000075"


def action(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "annee": 2024,
        "dispositif": "QE",
        "numero_dossier": "QE-2024-054-0001",
        "intitule_action": "Foot de rue",
        "porteur_siret": SIRET_OK,
        "porteur_nom": "Asso A",
        "porteur_categorie": "association",
        "thematique": "sport",
        "date_debut": "01/07/2024",
        "date_fin": "30/08/2024",
        "codes_qpv": "QN05401M",
        "code_commune": "54184",
        "nb_seances": 10,
        "nb_participants": 25,
        "nb_habitants_qpv": 20,
        "nb_filles": 10,
        "nb_garcons": 15,
        "nb_0_5": 0,
        "nb_6_11": 10,
        "nb_12_17": 10,
        "nb_18_25": 5,
        "nb_26_59": 0,
        "nb_60_plus": 0,
        "cout_total_realise": "1 234,50",
        "commentaire": "",
    }
    row.update(overrides)
    return row


def partner(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "annee": 2024,
        "dispositif": "QE",
        "numero_dossier": "QE-2024-054-0001",
        "partenaire_nom": "Ville de Nancy",
        "partenaire_siret": "",
        "partenaire_categorie": "commune",
        "role": "mise_a_disposition",
    }
    row.update(overrides)
    return row


def funding(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "annee": 2024,
        "dispositif": "QE",
        "numero_dossier": "QE-2024-054-0001",
        "lib_action": "Foot de rue",
        "raison_sociale": "Asso A",
        "code_tiers": SIRET_OK,
        "financeur": "etat_politique_ville",
        "montant_demande": "3 000",
        "montant_accorde": "2 500,00",
        "insee_dep": "54",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path,
    headers: list[str],
    rows: list[dict[str, object]],
    *,
    sep: str = ";",
    encoding: str = "cp1252",
    bom: bool = False,
    prefix: str = "",
    suffix: str = "",
) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else str(row.get(h, "")) for h in headers])
    text = prefix + out.getvalue() + suffix
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(
    path: Path, sheets: dict[str, tuple[list[str], list[dict[str, object]]]], title_rows: int = 0
) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, (headers, rows) in sheets.items():
        ws = wb.add_worksheet(name)
        if title_rows:
            ws.write(0, 0, f"Bilan {name} — modèle rempli par le porteur")
        top = title_rows
        ws.write_row(top, 0, headers)
        for i, row in enumerate(rows, start=1):
            ws.write_row(top + i, 0, [row.get(h, "") for h in headers])
    wb.close()
    return path


_NS = "http://schemas.openxmlformats.org/"
_PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{_NS}package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{_NS}package/2006/relationships"><Relationship Id="rId1" '
    f'Type="{_NS}officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{_NS}spreadsheetml/2006/main" xmlns:r="{_NS}officeDocument/2006/'
    'relationships"><sheets><sheet name="actions" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>",
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_NS}package/2006/relationships"><Relationship Id="rId1" '
    f'Type="{_NS}officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>',
}


def column_letters(n: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def xml_row(line: int, values: list[object]) -> str:
    """One <row> of inline strings, as a spreadsheet application writes it."""
    cells = "".join(
        f'<c r="{column_letters(i)}{line}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values, start=1)
        if v is not None
    )
    return f'<row r="{line}">{cells}</row>'


def write_sheet_xml(path: Path, rows, compresslevel: int = 1) -> Path:
    """A one-sheet workbook ("actions") whose sheet XML is streamed from `rows` (strings of
    <row> elements): fast enough for the huge or malformed workbooks xlsxwriter will not
    write, part by part as the format says."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        for name, xml in _PARTS.items():
            zf.writestr(name, xml)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(f'<worksheet xmlns="{_NS}spreadsheetml/2006/main"><sheetData>'.encode())
            batch: list[str] = []
            for row in rows:
                batch.append(row)
                if len(batch) == 2000:
                    out.write("".join(batch).encode())
                    batch.clear()
            out.write(("".join(batch) + "</sheetData></worksheet>").encode())
    return path
