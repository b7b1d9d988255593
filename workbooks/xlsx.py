"""Our XLSX writer: the site's exports (one plain sheet, a bold header row frozen above
numbers and texts) and the porteurs' rejection reports (a few sheets of texts and numbers,
some bold), written as the few XML parts of a workbook and zipped with fixed dates, so the
same content always gives the same bytes (incremental builds, reports sent again).

xlsxwriter wrote the same sheets at 2-4 ms a workbook, most of it for what is the same in
every workbook (the package's fixed parts, the styles, a method call per cell): 880 exports
are ≈ 3 CPU-seconds of a national publication, 800 reports ≈ 1.5 of its ingestion. Here the
fixed parts are written once, and a workbook costs its cells."""

from __future__ import annotations

import functools
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

#: style indices of `_STYLES` (cellXfs), by the kind of a column
HEADER_STYLE, RIGHT_STYLE, BOLD_STYLE = 1, 8, 9
NUMBER_STYLES = {
    "people": 2,
    "count": 2,
    "amount": 3,
    "number": 4,
    "ratio": 5,
    "per100": 6,
    "year": 7,
}

# Excel stores formats in US notation and shows them in the reader's locale
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<numFmts count="3"><numFmt numFmtId="164" formatCode="#,##0.00 &quot;€&quot;"/>\
<numFmt numFmtId="165" formatCode="0.0"/><numFmt numFmtId="166" formatCode="#,##0.0"/></numFmts>\
<fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>\
<scheme val="minor"/></font><font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/>\
<family val="2"/><scheme val="minor"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="10"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">\
<alignment vertical="top" wrapText="1"/></xf>\
<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">\
<alignment horizontal="right"/></xf>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""

_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@functools.cache
def _package(sheets: int) -> dict[str, str]:
    """The parts that depend on the number of sheets alone: written once per number."""
    worksheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, sheets + 1)
    )
    relations = "".join(
        f'<Relationship Id="rId{i}" Type="{_OFFICE}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, sheets + 1)
    )
    return {
        "[Content_Types].xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"""
        + worksheets
        + """<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/xl/sharedStrings.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
<Override PartName="/docProps/core.xml" \
ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
<Override PartName="/docProps/app.xml" \
ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
</Types>""",
        "_rels/.rels": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/officeDocument" Target="xl/workbook.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/\
metadata/core-properties" Target="docProps/core.xml"/>\
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/extended-properties" Target="docProps/app.xml"/>\
</Relationships>""",
        "docProps/app.xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">\
<Application>quartiers</Application></Properties>""",
        "xl/_rels/workbook.xml.rels": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"""
        + relations
        + f'<Relationship Id="rId{sheets + 1}" Type="{_OFFICE}/styles" Target="styles.xml"/>'
        + f'<Relationship Id="rId{sheets + 2}" Type="{_OFFICE}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>',
        "xl/styles.xml": _STYLES,
    }


def _workbook(names: Sequence[str], filters: Sequence[str | None]) -> str:
    """The workbook part: its sheets, and the range of each sheet's filter (Excel's hidden
    name for it)."""
    sheets = "".join(
        f'<sheet name="{_text(name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    defined = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{_text(_quoted(name))}!{_absolute(ref)}</definedName>"
        for i, (name, ref) in enumerate(zip(names, filters, strict=True))
        if ref
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{_OFFICE}"><sheets>{sheets}</sheets>'
        + (f"<definedNames>{defined}</definedNames>" if defined else "")
        + "</workbook>"
    )


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))


_CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties \
xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<dc:title>{title}</dc:title>\
<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>\
</cp:coreProperties>"""

# characters XML 1.0 cannot hold, written as Excel's own escape (_xHHHH_)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(value: str) -> str:
    text = escape(value)
    return _CONTROL.sub(lambda m: f"_x{ord(m[0]):04X}_", text) if _CONTROL.search(text) else text


def _column_letters(n: int) -> list[str]:
    letters = []
    for j in range(n):
        name, k = "", j + 1
        while k:
            k, r = divmod(k - 1, 26)
            name = chr(65 + r) + name
        letters.append(name)
    return letters


_WORKSHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{_OFFICE}">'
)


def _cols(widths: Sequence[float]) -> str:
    """The widths of the first columns, in Excel's units (a character's width plus padding)."""
    if not widths:
        return ""
    return (
        "<cols>"
        + "".join(
            f'<col min="{j + 1}" max="{j + 1}" width="{w + 0.7109375:.16G}" customWidth="1"/>'
            for j, w in enumerate(widths)
        )
        + "</cols>"
    )


def _shared(strings: dict[str, int], value: str) -> int:
    """The index of a text among the workbook's shared strings, added when new."""
    index = strings.get(value)
    if index is None:
        index = strings[value] = len(strings)
    return index


def write_xlsx(
    headers: Sequence[str],
    widths: Sequence[float],
    number_styles: Sequence[int],
    rows: Iterable[Sequence[str | int | float | None]],
    *,
    title: str,
    sheet: str,
    created: datetime,
    right_aligned: frozenset[str] = frozenset(),
) -> bytes:
    """A workbook of one sheet: `headers` in bold (frozen), then `rows`; a number takes its
    column's style (`number_styles`, indices of `NUMBER_STYLES`), a text in `right_aligned`
    is aligned right, None is an empty cell (as a number that is not finite)."""
    letters = _column_letters(len(headers))
    strings: dict[str, int] = {}

    def shared(value: str) -> int:
        return _shared(strings, value)

    out = [
        _WORKSHEET,
        "",  # the used range, once the rows are written
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>',
        _cols(widths),
    ]
    out.append('<sheetData><row r="1">')
    out.extend(
        f'<c r="{letter}1" s="{HEADER_STYLE}" t="s"><v>{shared(h)}</v></c>'
        for letter, h in zip(letters, headers, strict=True)
    )
    out.append("</row>")
    append = out.append
    i = 1  # the last row written
    for i, values in enumerate(rows, start=2):
        append(f'<row r="{i}">')
        for letter, style, v in zip(letters, number_styles, values, strict=True):
            if v is None:
                continue
            if isinstance(v, str):
                s = f' s="{RIGHT_STYLE}"' if v in right_aligned else ""
                append(f'<c r="{letter}{i}"{s} t="s"><v>{shared(v)}</v></c>')
            elif math.isfinite(v):
                append(f'<c r="{letter}{i}" s="{style}"><v>{v:.16G}</v></c>')
        append("</row>")
    out.append("</sheetData></worksheet>")
    # the used range, by which readers in streaming mode (openpyxl's read-only) size the sheet
    out[1] = f'<dimension ref="A1:{letters[-1] if letters else "A"}{i}"/>'

    return _zipped([sheet], ["".join(out)], [None], strings, title, created)


def _zipped(
    names: Sequence[str],
    sheets: Sequence[str],
    filters: Sequence[str | None],
    strings: dict[str, int],
    title: str,
    created: datetime,
) -> bytes:
    """The workbook's package: its sheets' XML, the strings they share, the fixed parts."""
    kept = (' xml:space="preserve"' if s[:1].isspace() or s[-1:].isspace() else "" for s in strings)
    shared_xml = "".join(
        [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">',
            *(f"<si><t{k}>{_text(s)}</t></si>" for s, k in zip(strings, kept, strict=True)),
            "</sst>",
        ]
    )
    package = _package(len(sheets))
    parts = {
        "[Content_Types].xml": package["[Content_Types].xml"],
        "_rels/.rels": package["_rels/.rels"],
        "docProps/app.xml": package["docProps/app.xml"],
        "xl/workbook.xml": _workbook(names, filters),
        "xl/_rels/workbook.xml.rels": package["xl/_rels/workbook.xml.rels"],
        "xl/styles.xml": package["xl/styles.xml"],
        "docProps/core.xml": _CORE.format(
            title=_text(title), created=created.strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
        **{f"xl/worksheets/sheet{i}.xml": xml for i, xml in enumerate(sheets, start=1)},
        "xl/sharedStrings.xml": shared_xml,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


@dataclass(frozen=True)
class Bold:
    """A cell written in bold."""

    value: str | int | float


Cell = str | int | float | Bold | None
_SELECTED = ' tabSelected="1"'


@dataclass(frozen=True)
class Sheet:
    """A sheet of a workbook: its rows from the first line (None: an empty cell), the widths
    of its first columns, and a filter over all its rows when `filtered`."""

    name: str
    rows: Sequence[Sequence[Cell]]
    widths: Sequence[float] = ()
    filtered: bool = False


def write_workbook(sheets: Sequence[Sheet], *, title: str, created: datetime) -> bytes:
    """A workbook of these sheets, the first one shown; texts in shared strings, numbers as
    numbers (General format)."""
    strings: dict[str, int] = {}
    xmls, filters = [], []
    for n, sheet in enumerate(sheets):
        width = max((len(r) for r in sheet.rows), default=1) or 1
        letters = _column_letters(max(width, len(sheet.widths)))
        used = f"A1:{letters[width - 1]}{max(len(sheet.rows), 1)}"
        out = [
            f'{_WORKSHEET}<dimension ref="{used}"/>'
            f"<sheetViews><sheetView{_SELECTED if n == 0 else ''} "
            'workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>',
            _cols(sheet.widths),
            "<sheetData>",
        ]
        for i, values in enumerate(sheet.rows, start=1):
            out.append(f'<row r="{i}">')
            for letter, v in zip(letters, values, strict=False):
                style = ""
                if isinstance(v, Bold):
                    v, style = v.value, f' s="{BOLD_STYLE}"'
                if v is None:
                    continue
                if isinstance(v, str):
                    out.append(f'<c r="{letter}{i}"{style} t="s"><v>{_shared(strings, v)}</v></c>')
                elif math.isfinite(v):
                    out.append(f'<c r="{letter}{i}"{style}><v>{v:.16G}</v></c>')
            out.append("</row>")
        out.append("</sheetData>")
        ref = used if sheet.filtered else None
        if ref:
            out.append(f'<autoFilter ref="{ref}"/>')
        out.append("</worksheet>")
        xmls.append("".join(out))
        filters.append(ref)
    return _zipped([s.name for s in sheets], xmls, filters, strings, title, created)
