"""The XLSX exports' writer: one plain sheet (a bold header row frozen above numbers and
texts), written as the few XML parts of a workbook and zipped with fixed dates, so the same
table always gives the same bytes (incremental builds).

xlsxwriter wrote the same sheets at ≈ 4 ms a workbook, most of it for what is the same in
every export (the package's fixed parts, the styles, a method call per cell): 880 exports
are ≈ 3 CPU-seconds of a national publication. Here the fixed parts are written once, and a
workbook costs its cells."""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from xml.sax.saxutils import escape

#: style indices of `_STYLES` (cellXfs), by the kind of a column
HEADER_STYLE, RIGHT_STYLE = 1, 8
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
<cellXfs count="9"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">\
<alignment vertical="top" wrapText="1"/></xf>\
<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">\
<alignment horizontal="right"/></xf></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""

_FIXED = {
    "[Content_Types].xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
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
    "xl/workbook.xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>""",
    "xl/_rels/workbook.xml.rels": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/worksheet" Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/styles" Target="styles.xml"/>\
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/sharedStrings" Target="sharedStrings.xml"/>\
</Relationships>""",
    "xl/styles.xml": _STYLES,
}

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
        index = strings.get(value)
        if index is None:
            index = strings[value] = len(strings)
        return index

    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
        "",  # the used range, once the rows are written
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>',
    ]
    if widths:
        out.append("<cols>")
        out.extend(
            f'<col min="{j + 1}" max="{j + 1}" width="{w + 0.7109375:.16G}" customWidth="1"/>'
            for j, w in enumerate(widths)
        )
        out.append("</cols>")
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
    parts = {
        **_FIXED,
        "xl/workbook.xml": _FIXED["xl/workbook.xml"].format(sheet=_text(sheet)),
        "docProps/core.xml": _CORE.format(
            title=_text(title), created=created.strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
        "xl/worksheets/sheet1.xml": "".join(out),
        "xl/sharedStrings.xml": shared_xml,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()
