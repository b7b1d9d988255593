"""CSV and XLSX exports of published tables, for French spreadsheets.

CSV: UTF-8 with BOM, `;` separator, decimal comma, no thousands separator (Excel reads the
numbers as numbers). XLSX (`workbooks.xlsx`): numbers as numbers with French-looking
formats. In both, a hidden count of 1 to 10 reads « < 11 », any other hidden value « s »
(secondary secret), and a text starting with = + - @ (or a tab / carriage return) is
neutralised with a leading apostrophe so no spreadsheet runs it as a formula. Both writers give the same bytes for the same table
(incremental builds).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from dashboards import formatting as fmt
from dashboards.confidentiality import SECONDARY, SECRET, mark_text
from dashboards.table_model import SECRET_SUFFIX, Column, Table
from returns.report import neutralise  # one rule for every spreadsheet the platform writes
from workbooks.xlsx import NUMBER_STYLES, write_xlsx

SECRET_RATIO = SECONDARY  # a hidden ratio is never itself a count of 1 to 10
FIXED_TIMESTAMP = datetime(2000, 1, 1)  # workbook metadata: constant for identical bytes


def header(column: Column) -> str:
    return f"{column.label} (%)" if column.kind == "ratio" else column.label


def cell(row: dict, column: Column) -> str | int | float | None:
    """The exported value: a number, a text, a secret mark or None (empty)."""
    return cell_value(row.get(column.name), row.get(column.name + SECRET_SUFFIX), column)


def cell_value(value: object, flag: object, column: Column) -> str | int | float | None:
    """`cell` from the row's value and secret flag for the column."""
    if flag:
        return SECRET_RATIO if flag is True and column.kind != "people" else mark_text(flag)
    if value is None:
        return None if column.missing == fmt.MISSING else column.missing
    if column.kind in ("people", "count", "year"):
        return int(value)
    if column.kind == "ratio":
        return round(float(value) * 100, 2)
    if column.kind == "per100":
        return round(float(value) * 100, 1)
    if column.kind in ("amount", "number"):
        return round(float(value), 2)
    if column.kind == "flag":
        return "oui" if value else "non"
    return neutralise(str(value))


def cells(table: Table) -> list[list]:
    """Every row's exported values (`cell`), computed column by column from the frame's
    lists (not row dicts), once for both exports."""
    df, height = table.df, table.df.height
    columns = []
    for c in _columns(table):
        values = df[c.name].to_list() if c.name in df.columns else [None] * height
        secret = c.name + SECRET_SUFFIX
        flags = df[secret].to_list() if secret in df.columns else [None] * height
        columns.append([cell_value(v, f, c) for v, f in zip(values, flags, strict=True)])
    return [list(row) for row in zip(*columns, strict=True)] if columns else [[]] * height


def _columns(table: Table) -> list[Column]:
    return table.export_columns or table.columns


def to_csv(table: Table, rows: list[list] | None = None) -> bytes:
    """The table as CSV; `rows`: its `cells`, when already computed."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    cols = _columns(table)
    writer.writerow([neutralise(header(c)) for c in cols])
    for values in cells(table) if rows is None else rows:
        out = []
        for v in values:
            if isinstance(v, float):
                v = f"{v:.2f}".rstrip("0").rstrip(".").replace(".", ",")
            out.append("" if v is None else v)
        writer.writerow(out)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(table: Table, rows: list[list] | None = None) -> bytes:
    """The table as XLSX; `rows`: its `cells`, when already computed."""
    cols = _columns(table)
    return write_xlsx(
        [neutralise(header(c)) for c in cols],
        [max(10, min(40, len(header(c)) + 2)) for c in cols],
        [NUMBER_STYLES.get(c.kind, 0) for c in cols],
        cells(table) if rows is None else rows,
        title=table.title,
        sheet="donnees",
        created=FIXED_TIMESTAMP,
        right_aligned=frozenset({SECRET, SECRET_RATIO}),
    )
