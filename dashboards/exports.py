"""CSV and XLSX exports of published tables, for French spreadsheets.

CSV: UTF-8 with BOM, `;` separator, decimal comma, no thousands separator (Excel reads the
numbers as numbers). XLSX: numbers as numbers with French-looking formats. In both, a hidden
count of 1 to 10 reads « < 11 », any other hidden value « s » (secondary secret), and a text
starting with = + - @ (or a tab / carriage return) is neutralised with a leading apostrophe so
no spreadsheet runs it as a formula. Both writers give the same bytes for the same table
(incremental builds).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, Worksheet

from dashboards import formatting as fmt
from dashboards.confidentiality import SECONDARY, SECRET, mark_text
from dashboards.table_model import SECRET_SUFFIX, Column, Table
from returns.report import neutralise  # one rule for every spreadsheet the platform writes

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


class _PlainSheet(Worksheet):
    """xlsxwriter's worksheet, its cell loop written for the exports' plain sheets (numbers
    and shared strings, no row or column formats, no comments): the same XML, character for
    character, without a method call and an attribute list per cell (most of an export's
    time). Anything else goes through xlsxwriter's own loop."""

    def _write_rows(self) -> None:
        if (
            self.row_info
            or self.comments
            or self.constant_memory
            or any(info.column_format is not None for info in self.col_info.values())
        ):
            super()._write_rows()
            return
        self._calculate_spans()
        write, table, spans = self.fh.write, self.table, self.row_spans
        xf: dict[int, int] = {}  # a format's index, assigned on its first cell as xlsxwriter does
        cols = range(self.dim_colmin, self.dim_colmax + 1)
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table[row_num]
            if not cells:
                continue
            self._write_row(row_num, spans.get(row_num // 16))
            for col_num in cols:
                cell = cells.get(col_num)
                if cell is None:
                    continue
                kind = type(cell)
                if kind is not CellNumberTuple and kind is not CellStringTuple:
                    self._write_cell(row_num, col_num, cell)
                    continue
                attr = f' r="{xl_rowcol_to_cell_fast(row_num, col_num)}"'
                if cell.format:
                    index = xf.get(id(cell.format))
                    if index is None:
                        index = xf[id(cell.format)] = cell.format._get_xf_index()
                    attr += f' s="{index}"'
                if kind is CellNumberTuple:
                    write(f"<c{attr}><v>{cell.number:.16G}</v></c>")
                else:
                    write(f'<c{attr} t="s"><v>{cell.string}</v></c>')
            write("</row>")


def to_xlsx(table: Table, rows: list[list] | None = None) -> bytes:
    """The table as XLSX; `rows`: its `cells`, when already computed."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    wb.set_properties({"created": FIXED_TIMESTAMP, "title": table.title})
    ws = wb.add_worksheet("donnees", worksheet_class=_PlainSheet)
    bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {
        # Excel stores formats in US notation and shows them in the reader's locale
        "people": wb.add_format({"num_format": "#,##0"}),
        "count": wb.add_format({"num_format": "#,##0"}),
        "amount": wb.add_format({"num_format": '#,##0.00 "€"'}),
        "number": wb.add_format({"num_format": "0.00"}),
        "ratio": wb.add_format({"num_format": "0.0"}),
        "per100": wb.add_format({"num_format": "#,##0.0"}),
        "year": wb.add_format({"num_format": "0"}),
    }
    right = wb.add_format({"align": "right"})
    cols = _columns(table)
    for j, c in enumerate(cols):
        ws.write_string(0, j, neutralise(header(c)), bold)
        ws.set_column(j, j, max(10, min(40, len(header(c)) + 2)))
    for i, values in enumerate(cells(table) if rows is None else rows, start=1):
        for j, (c, v) in enumerate(zip(cols, values, strict=True)):
            if v is None:
                continue
            if isinstance(v, int | float) and not isinstance(v, bool):
                ws._write_number(i, j, v, formats.get(c.kind))  # row/col: no A1 to convert
            else:
                ws._write_string(i, j, v, right if v in (SECRET, SECRET_RATIO) else None)
    ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()
