"""Readers: a CSV or XLSX file → tables of raw strings, each tied to a contract kind.

Everything is read as text; typing is the validator's job, so that a bad value is reported
as written. Line numbers are the ones a spreadsheet shows (1-based).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from returns.contract import Kind
from returns.headers import find_header


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 200_000


class FileRefused(Exception):
    """The whole file is refused; `rule` names the contract rule, `detail` completes the
    French message."""

    def __init__(self, rule: str, detail: str = ""):
        super().__init__(f"{rule}: {detail}")
        self.rule = rule
        self.detail = detail


@dataclass
class RawTable:
    """The data rows of one sheet (or CSV) recognised as one kind."""

    kind: Kind
    sheet: str | None
    header_line: int
    data: pl.DataFrame  # one Utf8 column per matched field, plus `line`
    missing: list[str]  # contract fields absent from the headers
    extras: dict[str, pl.Series] = field(default_factory=dict)  # header → values, set aside
    rows_ignored: int = 0  # blank lines and TOTAL rows


@dataclass
class ReadResult:
    tables: list[RawTable]
    ignored_sheets: list[str]


def _is_blank(cells: list[object]) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def _is_total(cells: list[object]) -> bool:
    """A trailing 'TOTAL' row: its first non-empty cell says so."""
    first = next((str(c).strip().lower() for c in cells if c is not None and str(c).strip()), "")
    return first.startswith(("total", "sous-total", "sous total"))


def _to_table(rows: list[list[object]], lines: list[int], sheet: str | None,
              limits: Limits) -> RawTable | None:
    header = find_header(rows)
    if header is None:
        return None
    body, body_lines, ignored = [], [], 0
    for cells, line in zip(rows[header.row + 1:], lines[header.row + 1:], strict=True):
        if _is_blank(cells) or _is_total(cells):
            ignored += 1
            continue
        body.append(cells)
        body_lines.append(line)
    if len(body) > limits.max_rows:
        raise FileRefused("trop_de_lignes", f"{len(body)} lignes, maximum {limits.max_rows}")

    def column(i: int) -> list[str | None]:
        out = []
        for cells in body:
            v = cells[i] if i < len(cells) else None
            out.append(None if v is None else str(v))
        return out

    data = pl.DataFrame(
        {name: column(i) for i, name in header.mapping.items()}
        | {"line": body_lines},
        schema={**{name: pl.Utf8 for name in header.mapping.values()}, "line": pl.Int32},
    )
    extras = {name: pl.Series(name, column(i), dtype=pl.Utf8)
              for i, name in header.extras.items()}
    missing = [f for f in header.kind.columns if f not in header.mapping.values()]
    return RawTable(header.kind, sheet, lines[header.row], data, missing, extras, ignored)


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _looks_binary(raw: bytes) -> bool:
    head = raw[:8192]
    return b"\x00" in head


def read_csv_bytes(raw: bytes, limits: Limits) -> ReadResult:
    if _looks_binary(raw):
        raise FileRefused("fichier_illisible", "contenu binaire, pas un texte CSV")
    text = _decode(raw)
    if not text.strip():
        raise FileRefused("fichier_vide")
    # The separator is the one under which a header row is recognised best.
    head = "\n".join(text.splitlines()[:30])
    best: tuple[int, str] | None = None
    for sep in (";", ",", "\t", "|"):
        rows = list(csv.reader(io.StringIO(head), delimiter=sep))
        match = find_header(rows)
        if match and (best is None or match.score > best[0]):
            best = (match.score, sep)
    if best is None:
        raise FileRefused("entete_introuvable", "aucune colonne du modèle trouvée")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=best[1])
    rows: list[list[object]] = []
    lines: list[int] = []
    start = 1
    for cells in reader:
        rows.append(cells)
        lines.append(start)
        start = reader.line_num + 1
        if len(rows) > limits.max_rows + 50:
            raise FileRefused("trop_de_lignes", f"plus de {limits.max_rows} lignes")
    table = _to_table(rows, lines, None, limits)
    if table is None:  # pragma: no cover - the header was found in the head already
        raise FileRefused("entete_introuvable", "aucune colonne du modèle trouvée")
    return ReadResult([table], [])


def read_xlsx(path: Path, limits: Limits) -> ReadResult:
    try:
        reader = fastexcel.read_excel(path)
        names = reader.sheet_names
    except Exception as exc:  # noqa: BLE001 - any parse error means an unreadable workbook
        raise FileRefused("fichier_illisible", f"classeur Excel illisible ou tronqué ({exc})") from exc
    tables, ignored = [], []
    for name in names:
        try:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0,
                                      n_rows=limits.max_rows + 50)
            frame = sheet.to_polars()
        except Exception as exc:  # noqa: BLE001
            raise FileRefused("fichier_illisible", f"feuille « {name} » illisible ({exc})") from exc
        if frame.height > limits.max_rows + 40:
            raise FileRefused("trop_de_lignes", f"feuille « {name} » : plus de {limits.max_rows} lignes")
        rows = [list(r) for r in frame.iter_rows()]
        table = _to_table(rows, list(range(1, len(rows) + 1)), name, limits)
        if table is None:
            ignored.append(name)
        else:
            tables.append(table)
    if not tables:
        raise FileRefused("entete_introuvable",
                          f"aucune feuille reconnue parmi : {', '.join(names) or 'aucune'}")
    return ReadResult(tables, ignored)


def read_file(path: Path, limits: Limits | None = None) -> ReadResult:
    """Read a return file whatever its name says; raise FileRefused when it cannot be read."""
    limits = limits or Limits()
    size = path.stat().st_size
    if size == 0:
        raise FileRefused("fichier_vide")
    if size > limits.max_bytes:
        raise FileRefused("fichier_trop_volumineux",
                          f"{size / 1e6:.1f} Mo, maximum {limits.max_bytes / 1e6:.0f} Mo")
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK\x03\x04"):
        return read_xlsx(path, limits)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise FileRefused("fichier_illisible",
                          f"le fichier porte l'extension {path.suffix} mais n'est pas un classeur Excel")
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused("format_non_pris_en_charge", "ancien format Excel .xls")
    if magic.startswith(b"%PDF"):
        raise FileRefused("format_non_pris_en_charge", "document PDF")
    return read_csv_bytes(path.read_bytes(), limits)
