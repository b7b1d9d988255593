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


def write_report(
    result: FileResult, out_dir: Path, rows: list[list[object]] | None = None
) -> tuple[Path, Path]:
    """`<file>.rejets.xlsx` and `.rejets.csv` in out_dir; returns both paths. `rows`: its
    `detail_rows`, when the caller made them with other files'."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{mask_text(result.path.stem)}.{result.file_hash[:8]}.rejets"
    xlsx, csv_path = out_dir / f"{stem}.xlsx", out_dir / f"{stem}.csv"
    rows = detail_rows(result) if rows is None else rows
    # Most reports are a few lines: built in memory, since constant-memory mode writes and
    # removes ten temporary files per workbook (most of the time of 800 small reports here).
    # A large one is streamed to disk in constant memory: a report may list 400,000 refusals.
    streamed = len(rows) > IN_MEMORY_ROWS
    wb = xlsxwriter.Workbook(
        str(xlsx),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "constant_memory": streamed,
            "in_memory": not streamed,
        },
    )
    # Dated by the file's arrival, not by now: the same file gives the same report, byte for
    # byte (xlsxwriter dates the archive's entries from this property).
    wb.set_properties({"created": _received(result)})
    bold = wb.add_format({"bold": True})
    summary = wb.add_worksheet("Synthèse")
    summary.set_column(0, 0, 38)
    summary.set_column(1, 1, 90)
    lines = [
        ("Fichier", result.name),
        (
            "Statut",
            {
                "accepted": "accepté",
                "partially_accepted": "accepté en partie",
                "rejected": "refusé",
            }[result.status],
        ),
        ("Lignes lues", result.rows_read),
        ("Lignes acceptées", result.rows_accepted),
        ("Lignes refusées", result.rows_quarantined),
        ("Colonnes supprimées (données personnelles)", ", ".join(result.guard.dropped) or "aucune"),
        ("Colonnes non reconnues, mises de côté", ", ".join(result.guard.kept_aside) or "aucune"),
    ]
    for i, (label, value) in enumerate(lines):
        summary.write(i, 0, label, bold)
        summary.write(i, 1, neutralise(value))
    start = len(lines) + 1
    summary.write(start, 0, "Règle", bold)
    summary.write(start, 1, "Nombre de lignes concernées", bold)
    reasons = result.reasons_by_rule()
    for i, (rule, n) in enumerate(reasons.items(), start=start + 1):
        summary.write(i, 0, rule)
        summary.write(i, 1, n)
    summary.write(
        i + 2 if reasons else start + 2,
        0,
        "Corrigez les lignes listées dans l'onglet « Détail » puis renvoyez le fichier "
        "entier : la nouvelle version remplacera l'ancienne.",
    )
    detail = wb.add_worksheet("Détail")
    detail.write_row(0, 0, DETAIL_HEADERS, bold)
    for i, row in enumerate(rows, start=1):
        detail.write_row(i, 0, [neutralise(v) for v in row])
    detail.set_column(0, 3, 18)
    detail.set_column(4, 4, 26)
    detail.set_column(5, 5, 100)
    detail.autofilter(0, 0, max(len(rows), 1), len(DETAIL_HEADERS) - 1)
    wb.close()
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
