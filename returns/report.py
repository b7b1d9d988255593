"""The rejection report sent back to a porteur: XLSX (summary + detail) and CSV, in French."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from platform_config.workers import Helper
from returns.contract import KINDS_BY_NAME, RULES
from returns.privacy import mask_frame, mask_text
from returns.process import FileResult
from workbooks.xlsx import Bold, Cell, Sheet, write_workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
IN_MEMORY_ROWS = 20_000
DETAIL_HEADERS = ["Feuille", "Ligne", "Champ", "Valeur lue", "Règle", "Motif"]


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _header_of(kind: str | None, field: str | None) -> str:
    if not field:
        return ""
    if kind in KINDS_BY_NAME:
        for f in KINDS_BY_NAME[kind].fields:
            if f.name == field:
                return f.header
    return field


def detail_rows(result: FileResult) -> list[list[object]]:
    return details([result])[0]


def details(results: list[FileResult]) -> list[list[list[object]]]:
    """Each result's detail rows. Values and reasons were guarded before validation; the
    guard again, as for the warehouse. The files' refusals are guarded and sorted together:
    a polars pass per file costs more than most files' few rows."""
    if not results:
        return []
    frames = [r.quarantine() for r in results]
    which = [i for i, f in enumerate(frames) for _ in range(f.height)]
    q = (
        mask_frame(pl.concat(frames, how="vertical"))
        .with_columns(_r=pl.Series(which, dtype=pl.Int32))
        .sort("_r", "sheet", "line", "rule", nulls_last=False, maintain_order=True)
    )
    out: list[list[list[object]]] = [[] for _ in results]
    for r in q.iter_rows(named=True):
        out[r["_r"]].append(
            [
                r["sheet"] or "",
                r["line"] or "",
                _header_of(r["kind"], r["field"]),
                r["value"] or "",
                r["rule"],
                r["reason"],
            ]
        )
    return out


def _received(result: FileResult) -> datetime:
    try:
        return datetime.fromtimestamp(result.path.stat().st_mtime, UTC).replace(tzinfo=None)
    except OSError:  # the file left the inbox meanwhile
        return datetime(2000, 1, 1)


_STATUS = {"accepted": "accepté", "partially_accepted": "accepté en partie", "rejected": "refusé"}


def _sheets(result: FileResult, rows: list[list[object]]) -> list[Sheet]:
    """The report's two sheets: the file's summary and counts per rule, then every refusal."""
    lines = [
        ("Fichier", result.name),
        ("Statut", _STATUS[result.status]),
        ("Lignes lues", result.rows_read),
        ("Lignes acceptées", result.rows_accepted),
        ("Lignes refusées", result.rows_quarantined),
        ("Colonnes supprimées (données personnelles)", ", ".join(result.guard.dropped) or "aucune"),
        ("Colonnes non reconnues, mises de côté", ", ".join(result.guard.kept_aside) or "aucune"),
    ]
    summary: list[list[Cell]] = [[Bold(label), neutralise(value)] for label, value in lines]
    summary += [[], [Bold("Règle"), Bold("Nombre de lignes concernées")]]
    summary += [[rule, n] for rule, n in result.reasons_by_rule().items()]
    summary += [
        [],
        [
            "Corrigez les lignes listées dans l'onglet « Détail » puis renvoyez le fichier "
            "entier : la nouvelle version remplacera l'ancienne."
        ],
    ]
    detail: list[list[Cell]] = [[Bold(h) for h in DETAIL_HEADERS]]
    # an empty text is an empty cell
    detail += [[None if v == "" else neutralise(v) for v in row] for row in rows]
    return [
        Sheet("Synthèse", summary, widths=(38, 90)),
        Sheet("Détail", detail, widths=(18, 18, 18, 18, 26, 100), filtered=True),
    ]


def _write_streamed(path: Path, sheets: list[Sheet], created: datetime) -> None:
    """The same sheets by xlsxwriter in constant memory (inline strings, rows flushed as
    they go): a report may list 400,000 refusals."""
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "constant_memory": True},
    )
    # dated by the file's arrival (the archive's entries too): the same file, the same bytes
    wb.set_properties({"created": created})
    bold = wb.add_format({"bold": True})
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.name)
        for j, width in enumerate(sheet.widths):
            ws.set_column(j, j, width)
        for i, row in enumerate(sheet.rows):
            for j, v in enumerate(row):
                if isinstance(v, Bold):
                    ws.write(i, j, v.value, bold)
                elif v is not None:
                    ws.write(i, j, v)
        if sheet.filtered:
            width = max(len(r) for r in sheet.rows)
            ws.autofilter(0, 0, len(sheet.rows) - 1, width - 1)  # the rows written
    wb.close()


def write_report(
    result: FileResult, out_dir: Path, rows: list[list[object]] | None = None
) -> tuple[Path, Path]:
    """`<file>.rejets.xlsx` and `.rejets.csv` in out_dir; returns both paths. `rows`: its
    `detail_rows`, when the caller made them with other files'."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{mask_text(result.path.stem)}.{result.file_hash[:8]}.rejets"
    xlsx, csv_path = out_dir / f"{stem}.xlsx", out_dir / f"{stem}.csv"
    rows = detail_rows(result) if rows is None else rows
    sheets = _sheets(result, rows)
    # Dated by the file's arrival, not by now: the same file gives the same report.
    created = _received(result)
    if len(rows) > IN_MEMORY_ROWS:
        _write_streamed(xlsx, sheets, created)
    else:  # most reports are a few lines: our writer, in memory
        xlsx.write_bytes(write_workbook(sheets, title=f"Rejets : {result.name}", created=created))
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(DETAIL_HEADERS)
        writer.writerows([[neutralise(v) for v in row] for row in rows])
    return xlsx, csv_path


#: reports per task of a shared writing
CHUNK_REPORTS = 8


def _write_one(job: tuple[FileResult, Path, list[list[object]] | None]) -> str | BaseException:
    result, out_dir, rows = job
    try:
        return str(write_report(result, out_dir, rows)[0])
    except Exception as exc:  # noqa: BLE001 - a report never stops the batch
        return exc


def write_reports(
    results: list[FileResult], out_dir: Path, helper: Helper | None = None
) -> dict[str, str | BaseException]:
    """The rejection report of every result with refused rows, shared with `helper` when it
    runs (the reports are Python's work): file hash → the XLSX's path, or the error that
    stopped that report alone."""
    todo = [r for r in results if r.rows_quarantined or r.refused]
    try:
        rows = details(todo)
    except Exception:  # noqa: BLE001 - a report never stops the batch: each file's alone
        rows = [None] * len(todo)
    jobs = [(r, out_dir, own) for r, own in zip(todo, rows, strict=True)]
    written = (helper or Helper()).share(jobs, _write_one, _write_one, chunk=CHUNK_REPORTS)
    return dict(zip([r.file_hash for r in todo], written, strict=True))


__all__ = ["write_report", "write_reports", "neutralise", "RULES"]
