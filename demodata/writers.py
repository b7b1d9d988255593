"""How returns look on disk: headers, French formatting, CSV and XLSX files.

Rows arrive as dicts keyed by warehouse column names (docs/warehouse.md) holding the true,
normalised values; a `FileStyle` decides how a porteur's spreadsheet would have rendered them
(header wording, column order, codes in lower case, spaced SIRETs, decimal commas…).
Writers return the spreadsheet line of every data row so the truth can point at it.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import xlsxwriter

# (header as in specs/returns.md, warehouse column)
ACTIVITY_FIELDS: tuple[tuple[str, str], ...] = (
    ("annee", "campaign_year"),
    ("dispositif", "scheme"),
    ("numero_dossier", "grant_file"),
    ("intitule_action", "action_title"),
    ("porteur_siret", "porteur_siret"),
    ("porteur_nom", "porteur_name"),
    ("porteur_categorie", "porteur_category"),
    ("thematique", "theme"),
    ("date_debut", "start_date"),
    ("date_fin", "end_date"),
    ("codes_qpv", "qpv_codes"),
    ("code_commune", "commune_code"),
    ("nb_seances", "sessions"),
    ("nb_participants", "participants"),
    ("nb_habitants_qpv", "qpv_residents"),
    ("nb_filles", "girls"),
    ("nb_garcons", "boys"),
    ("nb_0_5", "age_0_5"),
    ("nb_6_11", "age_6_11"),
    ("nb_12_17", "age_12_17"),
    ("nb_18_25", "age_18_25"),
    ("nb_26_59", "age_26_59"),
    ("nb_60_plus", "age_60_plus"),
    ("cout_total_realise", "realised_cost"),
    ("commentaire", "comment"),
)
PARTNER_FIELDS: tuple[tuple[str, str], ...] = (
    ("annee", "campaign_year"),
    ("dispositif", "scheme"),
    ("numero_dossier", "grant_file"),
    ("partenaire_nom", "partner_name"),
    ("partenaire_siret", "partner_siret"),
    ("partenaire_categorie", "partner_category"),
    ("role", "role"),
)
FUNDING_FIELDS: tuple[tuple[str, str], ...] = (
    ("annee", "campaign_year"),
    ("dispositif", "scheme"),
    ("numero_dossier", "grant_file"),
    ("lib_action", "action_title"),
    ("raison_sociale", "porteur_name"),
    ("code_tiers", "porteur_siret"),
    ("financeur", "funder"),
    ("montant_demande", "amount_requested"),
    ("montant_accorde", "amount_granted"),
    ("insee_dep", "department_code"),
)

# Header wordings met in real returns. "casual" only changes case, accents and spacing
# (normalising it gives the canonical header back); "labels" uses French synonyms a reader
# must know about.
HEADER_VARIANTS: dict[str, dict[str, str]] = {
    "casual": {
        "annee": "Année",
        "dispositif": "DISPOSITIF",
        "numero_dossier": "Numéro dossier",
        "intitule_action": "Intitulé action",
        "porteur_siret": "Porteur SIRET",
        "porteur_nom": "Porteur nom",
        "porteur_categorie": "Porteur catégorie",
        "thematique": "Thématique",
        "date_debut": "Date début",
        "date_fin": "Date fin",
        "codes_qpv": "Codes QPV",
        "code_commune": "Code commune",
        "nb_seances": "Nb séances",
        "nb_participants": "Nb participants",
        "nb_habitants_qpv": "Nb habitants QPV",
        "nb_filles": "Nb filles",
        "nb_garcons": "Nb garçons",
        "nb_0_5": "Nb 0-5",
        "nb_6_11": "Nb 6-11",
        "nb_12_17": "Nb 12-17",
        "nb_18_25": "Nb 18-25",
        "nb_26_59": "Nb 26-59",
        "nb_60_plus": "Nb 60 plus",
        "cout_total_realise": "Coût total réalisé",
        "commentaire": " Commentaire ",
        "partenaire_nom": "Partenaire nom",
        "partenaire_siret": "Partenaire SIRET",
        "partenaire_categorie": "Partenaire catégorie",
        "role": "Rôle",
    },
    "labels": {
        "annee": "Année",
        "dispositif": "Dispositif",
        "numero_dossier": "N° dossier",
        "intitule_action": "Intitulé de l'action",
        "porteur_siret": "SIRET du porteur",
        "porteur_nom": "Nom du porteur",
        "porteur_categorie": "Catégorie du porteur",
        "thematique": "Thématique",
        "date_debut": "Date de début",
        "date_fin": "Date de fin",
        "codes_qpv": "Codes QPV",
        "code_commune": "Code commune",
        "nb_seances": "Nombre de séances",
        "nb_participants": "Nombre de participants",
        "nb_habitants_qpv": "Nombre d'habitants QPV",
        "nb_filles": "Nombre de filles",
        "nb_garcons": "Nombre de garçons",
        "nb_0_5": "0-5 ans",
        "nb_6_11": "6-11 ans",
        "nb_12_17": "12-17 ans",
        "nb_18_25": "18-25 ans",
        "nb_26_59": "26-59 ans",
        "nb_60_plus": "60 ans et plus",
        "cout_total_realise": "Coût total réalisé (€)",
        "commentaire": "Commentaire",
        "partenaire_nom": "Nom du partenaire",
        "partenaire_siret": "SIRET du partenaire",
        "partenaire_categorie": "Catégorie du partenaire",
        "role": "Rôle",
    },
}
EXTRA_COLUMN = "Référence interne"  # an unknown column: kept aside, not an error
PERSONAL_COLUMNS = ("nom_participant", "date_naissance", "email")  # must be dropped on read

_INT_COLUMNS = {
    "campaign_year",
    "sessions",
    "participants",
    "qpv_residents",
    "girls",
    "boys",
    "age_0_5",
    "age_6_11",
    "age_12_17",
    "age_18_25",
    "age_26_59",
    "age_60_plus",
}
_CODE_COLUMNS = {"scheme", "qpv_codes"}


@dataclass(frozen=True)
class FileStyle:
    """How one porteur-side file renders its rows."""

    header: str = "canonical"  # canonical | casual | labels
    column_order: tuple[int, ...] | None = None  # permutation of the fields, None = spec order
    lower_codes: bool = False  # "qe", "qp054001"
    siret_spaces: bool = False  # "123 456 789 00012"
    thousands: str | None = None  # thousands separator in amounts (CSV)
    total_row: bool = False  # trailing TOTAL row (CSV)
    blank_line_at: int | None = None  # a blank line before this data row index (CSV)
    extra_column: bool = False
    title_lines: tuple[str, ...] = ()  # title block above the header (XLSX)
    dates_as_text: bool = False  # XLSX dates typed as dd/mm/yyyy text instead of date cells
    cents: bool = False  # amounts always with two decimals (the grants system's export)


def header_for(canonical: str, style: FileStyle) -> str:
    return HEADER_VARIANTS.get(style.header, {}).get(canonical, canonical)


def fr_decimal(value: float, thousands: str | None = None, cents: bool = False) -> str:
    """1234.5 -> "1234,50" (or "1 234,50"); whole numbers lose their decimals unless `cents`."""
    text = f"{value:,.0f}" if value == int(value) and not cents else f"{value:,.2f}"
    return text.replace(",", thousands or "").replace(".", ",")


def fr_date(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def spaced_siret(siret: str) -> str:
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}" if len(siret) == 14 else siret


_DATE_COLUMNS = {"start_date", "end_date"}
_FLOAT_COLUMNS = {"realised_cost", "amount_requested", "amount_granted"}
_SIRET_COLUMNS = {"porteur_siret", "partner_siret"}


def _kind(column: str, style: FileStyle) -> str:
    """How a column's values are written: number, date or text."""
    if column in _INT_COLUMNS or column in _FLOAT_COLUMNS:
        return "number"
    if column in _DATE_COLUMNS and not style.dates_as_text:
        return "date"
    return "text"


def _renderer(column: str, style: FileStyle, for_csv: bool):
    """Function turning a true value into what the file shows (None stays None)."""
    if column in _CODE_COLUMNS and style.lower_codes:
        return str.lower
    if column in _SIRET_COLUMNS and style.siret_spaces:
        return spaced_siret
    if column in _DATE_COLUMNS and (for_csv or style.dates_as_text):
        return fr_date
    if for_csv and column in _FLOAT_COLUMNS:
        return lambda v: fr_decimal(v, style.thousands, style.cents)
    if for_csv and column in _INT_COLUMNS:
        return str
    return None


@dataclass
class Table:
    """One sheet or CSV: rows of true values, rendered through a style."""

    fields: tuple[tuple[str, str], ...]
    rows: list[dict]
    style: FileStyle
    extra: list[tuple[str, list[str]]] | None = None  # (header, values) appended as-is
    total: dict[str, float] | None = None

    def ordered_fields(self) -> list[tuple[str, str]]:
        if self.style.column_order is None:
            return list(self.fields)
        return [self.fields[i] for i in self.style.column_order]

    def headers(self) -> list[str]:
        heads = [header_for(h, self.style) for h, _ in self.ordered_fields()]
        return heads + [h for h, _ in self.extra or []]

    def kinds(self) -> list[str]:
        return [_kind(c, self.style) for _, c in self.ordered_fields()] + [
            "text" for _ in self.extra or []
        ]

    def cells(self, for_csv: bool) -> list[list]:
        """Rendered rows; a missing value is "" in a CSV and None (empty cell) in a sheet."""
        columns = [c for _, c in self.ordered_fields()]
        renderers = [_renderer(c, self.style, for_csv) for c in columns]
        empty = "" if for_csv else None
        out = []
        for i, row in enumerate(self.rows):
            line = []
            for col, render in zip(columns, renderers, strict=True):
                v = row[col]
                line.append(empty if v is None else render(v) if render else v)
            for _, values in self.extra or []:
                line.append(values[i])
            out.append(line)
        return out

    def total_cells(self) -> list[str]:
        fields = self.ordered_fields()
        line = ["" for _ in fields] + ["" for _ in self.extra or []]
        for j, (_, col) in enumerate(fields):
            if self.total and col in self.total:
                v = self.total[col]
                line[j] = (
                    str(int(v)) if col in _INT_COLUMNS else fr_decimal(v, self.style.thousands)
                )
        line[0] = "TOTAL"  # the label goes first, whatever the column
        return line


def write_csv(path: Path, table: Table, *, encoding: str, newline: str = "\r\n") -> list[int]:
    """Write a `;` CSV; returns the 1-based line of each data row."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator=newline)
    writer.writerow(table.headers())
    lines, line = [], 1
    for i, cells in enumerate(table.cells(for_csv=True)):
        if table.style.blank_line_at == i:
            buf.write(newline)
            line += 1
        writer.writerow(cells)
        line += 1
        lines.append(line)
    if table.style.total_row and table.total is not None:
        writer.writerow(table.total_cells())
    # strict: a character Windows-1252 cannot hold is a bug in the generator's texts
    path.write_bytes(buf.getvalue().encode(encoding, errors="strict"))
    return lines


def write_workbook(
    path: Path, sheets: list[tuple[str, Table]], created: datetime
) -> list[list[int]]:
    """Write an XLSX workbook, byte-identical for identical input; returns lines per sheet."""
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})  # in-memory: fixed zip timestamps
    wb.set_properties(
        {
            "title": "Bilan d'activité",
            "author": "Démonstrateur quartiers (données fictives)",
            "created": created.replace(tzinfo=UTC),
        }
    )
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    bold = wb.add_format({"bold": True})
    all_lines = []
    for name, table in sheets:
        ws = wb.add_worksheet(name)
        r = 0
        for title in table.style.title_lines:
            if title:
                ws.write_string(r, 0, title, bold)
            r += 1
        for c, head in enumerate(table.headers()):
            ws.write_string(r, c, head, bold)
        # One xlsxwriter method per column, chosen once: values of a column share a type.
        write_date = functools.partial(ws.write_datetime, cell_format=date_fmt)
        methods = {"number": ws.write_number, "date": write_date, "text": ws.write_string}
        writers = [methods[k] for k in table.kinds()]
        lines = []
        for cells in table.cells(for_csv=False):
            r += 1
            for c, v in enumerate(cells):
                if v is not None:
                    writers[c](r, c, v)
            lines.append(r + 1)
        all_lines.append(lines)
    wb.close()
    return all_lines
