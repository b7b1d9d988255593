"""The porteurs' return template: an XLSX workbook generated from the contract.

Sheets, headers, dropdown lists, comments and instructions all come from `returns.contract`
(kinds, fields, code lists); a field or code added there appears here with no other change.
The sheets a porteur fills are named as the reader expects them (`Kind.sheet_names[0]`);
the `instructions` and hidden `listes` sheets carry no contract header, so the reader ignores
them.

Pure: polars, xlsxwriter and the standard library; no warehouse, no Dagster.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from returns.contract import (
    ACTIVITY,
    AGE_BANDS,
    CODE_LISTS,
    PARTNERS,
    QPV_GENERATIONS,
    YOUNG_BANDS,
    Field,
    Kind,
    campaign_generation,
)
from returns.referentials import read_qpv_referential

#: Rows of each fillable sheet carrying the data validations (the header is row 1).
DATA_ROWS = 500
#: The sheets a porteur fills, in order.
TEMPLATE_KINDS: tuple[Kind, ...] = (ACTIVITY, PARTNERS)
INSTRUCTIONS_SHEET = "instructions"
LISTS_SHEET = "listes"

# Column widths by field type (characters), widened to fit the header.
_WIDTHS = {
    "year": 8,
    "code": 22,
    "grant_file": 20,
    "text": 30,
    "siret": 18,
    "date": 12,
    "qpv_codes": 24,
    "commune": 13,
    "int": 11,
    "decimal": 15,
    "department": 10,
}
_WIDE_TEXT = {"action_title", "porteur_name", "partner_name", "comment"}


# --- QPV generation -------------------------------------------------------------------------


def _department(code: str) -> str:
    """'054' → '54', '1' → '01', '2a' → '2A', '971' → '971'."""
    dep = code.strip().upper()
    if dep.isdigit() and len(dep) == 1:
        dep = dep.zfill(2)
    if len(dep) == 3 and dep.startswith("0"):
        dep = dep[1:]
    return dep


def qpv_generation(campaign: int, department: str | None = None) -> int:
    """Generation of QPV codes a campaign uses in a département (the contract's rule)."""
    return campaign_generation(campaign, _department(department) if department else None)


def qpv_for(referential_csv: Path, department: str, campaign: int) -> list[tuple[str, str]]:
    """(code, name) of the QPV of a département in the generation of a campaign, read from an
    ANCT-format file; empty when the file holds no QPV of that generation there."""
    ref = read_qpv_referential(Path(referential_csv), is_official=True)
    rows = (
        ref.filter(
            (
                pl.col("department_code").str.strip_chars().str.to_uppercase()
                == _department(department)
            )
            & (pl.col("generation") == qpv_generation(campaign, department))
        )
        .select("qpv_code", "qpv_name")
        .unique("qpv_code")
        .sort("qpv_code")
    )
    return [(code, (name or "").strip()) for code, name in rows.iter_rows()]


# --- French wording per field type ----------------------------------------------------------


def _qpv_format(generation: int) -> str:
    if generation == 2015:
        return "QP + 3 chiffres du département + 3 chiffres (ex. QP054001)"
    return "QN + 3 chiffres du département + 2 chiffres + 1 lettre (ex. QN05401M)"


def _allowed(f: Field) -> str:
    """What a field admits, in French (instructions table and header comments)."""
    match f.type:
        case "year":
            return "Toujours {campaign} dans ce modèle"
        case "code":
            return "Code de la liste déroulante : " + ", ".join(CODE_LISTS[f.codes or ""])
        case "grant_file":
            return "Numéro du dossier tel qu'il figure sur la notification de subvention"
        case "siret":
            return "14 chiffres (les espaces sont admis)"
        case "date":
            return "Date jj/mm/aaaa dans l'année {campaign}"
        case "qpv_codes":
            return (
                "Un ou plusieurs codes QPV séparés par « ; », le quartier principal en "
                "premier ; format : {qpv_format}"
            )
        case "commune":
            return "Code INSEE à 5 caractères (ex. 54395, 2A004), pas le code postal"
        case "int":
            return "Nombre entier ≥ 0" + (" (case vide = 0)" if f.empty_as_zero else "")
        case "decimal":
            return "Montant en euros ≥ 0 (ex. 1234,50)"
        case "department":
            return "Code du département (ex. 54, 2A, 971)"
        case _:
            return "Texte libre" if not f.required else "Texte"


# --- Workbook ---------------------------------------------------------------------------------


class _Lists:
    """The hidden `listes` sheet: one column of codes (and one of labels) per list. `add`
    gives the absolute range of a list's codes, for a dropdown; `write` adds the sheet, last,
    once every list is known."""

    def __init__(self) -> None:
        self.items: dict[str, list[tuple[str, str]]] = {}
        self.ranges: dict[str, str] = {}

    def add(self, name: str, items: list[tuple[str, str]]) -> str | None:
        if name not in self.ranges and items:
            letter = xl_col_to_name(3 * len(self.items))
            self.items[name] = items
            self.ranges[name] = f"={LISTS_SHEET}!${letter}$2:${letter}${len(items) + 1}"
        return self.ranges.get(name)

    def write(self, wb: Workbook, header_fmt) -> Worksheet:
        ws = wb.add_worksheet(LISTS_SHEET)
        for n, (name, items) in enumerate(self.items.items()):
            c = 3 * n
            # Headers that match no contract field, so the reader skips this sheet.
            ws.write_string(0, c, f"Liste {name}", header_fmt)
            ws.write_string(0, c + 1, "Libellé", header_fmt)
            for i, (code, label) in enumerate(items, start=1):
                ws.write_string(i, c, code)
                ws.write_string(i, c + 1, label)
            ws.set_column(c, c, 14)
            ws.set_column(c + 1, c + 1, 40)
        ws.hide()
        return ws


def _validation(
    f: Field,
    campaign: int,
    lists: _Lists,
    qpv: list[tuple[str, str]],
    generation: int,
    grant_file_source: str | None,
) -> dict:
    """The data validation of one column, with a French input message (≤ 255 characters)."""
    title = f.header[:32]
    match f.type:
        case "year":
            return {
                "validate": "integer",
                "criteria": "==",
                "value": campaign,
                "input_title": title,
                "input_message": f"Année de la campagne : {campaign}.",
                "error_title": "Année invalide",
                "error_message": f"Ce modèle est celui de la campagne {campaign} : "
                f"saisissez {campaign}.",
            }
        case "code":
            source = lists.add(f.codes or "", list(CODE_LISTS[f.codes or ""].items()))
            return {
                "validate": "list",
                "source": source,
                "input_title": title,
                "input_message": f"{f.label} : choisissez un code dans la liste "
                "(les libellés sont dans la feuille « instructions »).",
                "error_title": "Code non admis",
                "error_message": "Choisissez une valeur de la liste déroulante.",
            }
        case "int":
            return {
                "validate": "integer",
                "criteria": ">=",
                "value": 0,
                "input_title": title,
                "input_message": f"{f.label} : nombre entier positif ou nul."
                + (" Laissez vide si 0." if f.empty_as_zero else ""),
                "error_title": "Nombre invalide",
                "error_message": "Saisissez un nombre entier positif ou nul, sans texte.",
            }
        case "decimal":
            return {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0,
                "input_title": title,
                "input_message": f"{f.label} : montant en euros, positif ou nul.",
                "error_title": "Montant invalide",
                "error_message": "Saisissez un montant en euros positif ou nul, sans texte.",
            }
        case "date":
            return {
                "validate": "date",
                "criteria": "between",
                "minimum": date(campaign, 1, 1),
                "maximum": date(campaign, 12, 31),
                "input_title": title,
                "input_message": f"{f.label}, dans l'année {campaign}.",
                "error_title": "Date invalide",
                "error_message": f"Saisissez une date jj/mm/aaaa comprise entre le "
                f"01/01/{campaign} et le 31/12/{campaign}.",
            }
        case "qpv_codes":
            # A dropdown of the département's QPV, but any text is allowed: several codes
            # may be written in one cell, separated by ';'.
            message = (
                "Choisissez le QPV dans la liste ou écrivez plusieurs codes séparés "
                "par « ; », le quartier principal en premier (ex. "
                f"{';'.join(c for c, _ in qpv[:2]) or _qpv_format(generation)}). "
                "Noms des quartiers : feuille « instructions »."
            )
            source = lists.add("qpv", qpv)
            if source is None:
                return {
                    "validate": "any",
                    "input_title": title,
                    "input_message": "Un ou plusieurs codes QPV séparés par « ; », le "
                    f"principal en premier. Format : "
                    f"{_qpv_format(generation)}.",
                }
            return {
                "validate": "list",
                "source": source,
                "show_error": False,
                "input_title": title,
                "input_message": message,
            }
        case "grant_file" if grant_file_source:
            # Partners: the dossier numbers of the `actions` sheet, other values allowed
            # after a warning (an action sent in an earlier return).
            return {
                "validate": "list",
                "source": grant_file_source,
                "error_type": "warning",
                "input_title": title,
                "input_message": "Numéro de dossier d'une action de la feuille "
                "« actions » (liste déroulante).",
                "error_title": "Dossier absent des actions",
                "error_message": "Ce numéro ne figure pas dans la feuille « actions ». "
                "Continuer quand même ?",
            }
        case _:
            return {
                "validate": "any",
                "input_title": title,
                "input_message": _allowed(f).format(
                    campaign=campaign, qpv_format=_qpv_format(generation)
                )[:255],
            }


def _fill_sheet(
    wb: Workbook,
    kind: Kind,
    fmts: dict,
    *,
    campaign: int,
    lists: _Lists,
    qpv: list[tuple[str, str]],
    generation: int,
    grant_file_source: str | None = None,
) -> Worksheet:
    ws = wb.add_worksheet(kind.sheet_names[0])
    ws.freeze_panes(1, 0)
    ws.set_row(0, 30)
    for c, f in enumerate(kind.fields):
        ws.write_string(0, c, f.header, fmts["header"])
        note = f"{f.label}\n{'Obligatoire' if f.required else 'Facultatif'} — " + _allowed(
            f
        ).format(campaign=campaign, qpv_format=_qpv_format(generation))
        ws.write_comment(0, c, note, {"x_scale": 2.2, "y_scale": 1.6, "author": "Modèle de bilan"})
        width = 40 if f.name in _WIDE_TEXT else _WIDTHS.get(f.type, 15)
        col_fmt = {
            "siret": fmts["text"],
            "commune": fmts["text"],
            "grant_file": fmts["text"],
            "qpv_codes": fmts["text"],
            "date": fmts["date"],
            "decimal": fmts["money"],
        }.get(f.type)
        ws.set_column(c, c, max(width, len(f.header) + 3), col_fmt)
        ws.data_validation(
            1, c, DATA_ROWS, c, _validation(f, campaign, lists, qpv, generation, grant_file_source)
        )
    return ws


def _write_instructions(
    ws: Worksheet,
    fmts: dict,
    *,
    campaign: int,
    department: str | None,
    qpv: list[tuple[str, str]],
    generation: int,
) -> None:
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 2, 13)
    ws.set_column(3, 3, 70)
    row = 0

    def para(text: str, fmt: str = "wrap") -> None:
        nonlocal row
        ws.merge_range(row, 0, row, 3, text, fmts[fmt])
        lines = max(1, -(-len(text) // 150))
        ws.set_row(row, 15 * lines + 3 if fmt == "wrap" else None)
        row += 1

    def line(*cells: str, fmt: str = "cell") -> None:
        nonlocal row
        for c, value in enumerate(cells):
            ws.write_string(row, c, value, fmts[fmt])
        row += 1

    def gap() -> None:
        nonlocal row
        row += 1

    h = {f.name: f.header for kind in TEMPLATE_KINDS for f in kind.fields}
    actions, partners = ACTIVITY.sheet_names[0], PARTNERS.sheet_names[0]
    where = f" — département {_department(department)}" if department else ""
    para(f"Bilan des actions de la campagne {campaign}{where}", "title")
    para(
        "Modèle à remplir par le porteur de projet et à renvoyer au service de l'État qui "
        "a instruit la subvention."
    )
    gap()
    para("Comment remplir ce fichier", "section")
    para(
        f"• Feuille « {actions} » : une ligne par action (un dossier de subvention = une "
        "action). Ne modifiez pas la ligne d'en-tête et ne renommez ni les feuilles ni les "
        f"colonnes. Les listes déroulantes et les contrôles de saisie couvrent les "
        f"{DATA_ROWS} premières lignes."
    )
    para(
        f"• Feuille « {partners} » : une ligne par action et par partenaire (une action "
        f"menée avec trois partenaires = trois lignes), avec les mêmes {h['campaign_year']}, "
        f"{h['scheme']} et {h['grant_file']} que l'action dans la feuille « {actions} »."
    )
    para(
        f"• Les listes déroulantes donnent les codes admis (libellés ci-dessous). Les dates "
        f"se saisissent au format jj/mm/aaaa et doivent tomber dans l'année {campaign}. "
        f"Le SIRET s'écrit sur 14 chiffres ; le code commune est le code INSEE, pas le code "
        f"postal. Laissez vides les colonnes facultatives si vous ne savez pas."
    )
    young = ", ".join(h[b] for b in YOUNG_BANDS)
    para(
        f"• Jeunes : les « jeunes » sont les participants de 6 à 25 ans, c'est-à-dire les "
        f"colonnes {young}."
    )
    para(
        f"• Participants et participations : {h['participants']} compte les personnes "
        "distinctes venues à l'action. Une personne venue à deux actions est comptée dans "
        "chacune des deux : additionnées sur plusieurs actions, ces valeurs sont des "
        "participations, pas des personnes."
    )
    bands = " + ".join(h[b] for b in AGE_BANDS)
    para(
        f"• Cohérence : {bands} = {h['participants']} (une tranche vide compte pour 0) ; "
        f"{h['qpv_residents']} ≤ {h['participants']} ; {h['girls']} + {h['boys']} ≤ "
        f"{h['participants']} (laissez-les vides si le sexe n'est pas connu) ; "
        f"{h['start_date']} ≤ {h['end_date']}."
    )
    gap()
    para("Données personnelles : interdites", "section")
    para(
        "N'écrivez aucune donnée personnelle des participants : ni nom ni prénom, ni date de "
        "naissance, ni adresse, ni numéro de téléphone, ni adresse e-mail, y compris dans la "
        "colonne de commentaire. Seuls des effectifs sont demandés. Une colonne de ce type "
        "est supprimée dès la réception du fichier, sans être enregistrée."
    )
    gap()
    para("Envoyer une version corrigée", "section")
    para(
        "Pour corriger un bilan déjà envoyé, renvoyez le fichier entier corrigé (toutes les "
        "actions et tous les partenaires, pas seulement les lignes modifiées). Pour chaque "
        "action, la version la plus récente remplace l'ancienne dans les indicateurs ; "
        "l'ancienne reste dans l'historique. Renvoyer deux fois le même fichier ne change rien."
    )

    fmt_args = {"campaign": campaign, "qpv_format": _qpv_format(generation)}
    for kind in TEMPLATE_KINDS:
        gap()
        para(f"Colonnes de la feuille « {kind.sheet_names[0]} »", "section")
        line("Colonne", "Signification", "Obligatoire", "Format ou valeurs admises", fmt="th")
        for f in kind.fields:
            line(f.header, f.label, "oui" if f.required else "non", _allowed(f).format(**fmt_args))

    gap()
    para("Codes admis", "section")
    seen: set[str] = set()
    for kind in TEMPLATE_KINDS:
        for f in kind.fields:
            if f.type != "code" or f.codes in seen:
                continue
            seen.add(f.codes or "")
            line(f.header, f"{f.label} — code à saisir, puis libellé", fmt="th")
            for code, label in CODE_LISTS[f.codes or ""].items():
                line(code, label)

    gap()
    prefix = next(g.code_prefix for g in QPV_GENERATIONS if g.generation == generation)
    generation_text = f"génération {generation}, codes {prefix}…"
    para(
        f"Quartiers prioritaires (QPV){where} pour la campagne {campaign} ({generation_text})",
        "section",
    )
    if qpv:
        line("Code QPV", "Nom du quartier", fmt="th")
        for code, name in qpv:
            line(code, name)
    else:
        para(
            "Aucune liste de quartiers n'a été jointe à ce modèle : écrivez le code officiel "
            f"du quartier ({_qpv_format(generation)})."
        )


def write_template(
    path: Path,
    *,
    campaign: int,
    department: str | None = None,
    qpv: list[tuple[str, str]] | None = None,
) -> Path:
    """Write the return template of a campaign (and a département's QPV list) to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    qpv = list(qpv or [])
    generation = qpv_generation(campaign, department)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties(
        {
            "title": f"Modèle de bilan des actions — campagne {campaign}",
            "subject": "Bilan d'activité des porteurs (politique de la ville)",
        }
    )
    fmts = {
        "header": wb.add_format(
            {"bold": True, "bg_color": "#DDE7F3", "border": 1, "valign": "vcenter"}
        ),
        "text": wb.add_format({"num_format": "@"}),
        "date": wb.add_format({"num_format": "dd/mm/yyyy"}),
        "money": wb.add_format({"num_format": "#,##0.00"}),
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "section": wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F3864"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "th": wb.add_format({"bold": True, "bg_color": "#DDE7F3", "border": 1, "text_wrap": True}),
        "cell": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
    }
    # Sheet order: instructions, actions, partenaires, listes (hidden).
    instructions = wb.add_worksheet(INSTRUCTIONS_SHEET)
    lists = _Lists()
    actions = _fill_sheet(
        wb, ACTIVITY, fmts, campaign=campaign, lists=lists, qpv=qpv, generation=generation
    )
    grant_col = xl_col_to_name(ACTIVITY.columns.index("grant_file"))
    _fill_sheet(
        wb,
        PARTNERS,
        fmts,
        campaign=campaign,
        lists=lists,
        qpv=qpv,
        generation=generation,
        grant_file_source=f"={actions.name}!${grant_col}$2:${grant_col}${DATA_ROWS + 1}",
    )
    _write_instructions(
        instructions, fmts, campaign=campaign, department=department, qpv=qpv, generation=generation
    )
    lists.write(wb, fmts["header"])
    instructions.activate()
    wb.close()
    return path
