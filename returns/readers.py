"""Readers: a CSV or XLSX file → tables of raw strings, each tied to a contract kind.

Everything is read as text; typing is the validator's job, so that a bad value is reported
as written. Line numbers are the ones a spreadsheet shows (1-based).

The work a file can cause is bounded before it is parsed: bytes on disk, a workbook's size
once decompressed and its cell area (read from the zip's central directory and a streaming
scan of the sheets' cell references), a CSV cell's length, rows and columns. Only the
columns the contract needs (and the headers of the others) are kept while rows stream.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import functools
import io
import operator
import os
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from returns.contract import Kind
from returns.headers import HeaderMatch, find_header
from returns.inbox import open_regular

HEADER_SCAN = 30  # rows searched for the header line (a title block may sit above it)
# Finds the header row among the first rows: the returns' kinds by default; another source
# (the cooperation survey) brings its own and reuses every bound and tolerance here.
Finder = Callable[[list[list[object]]], HeaderMatch | None]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 200_000
    # An Excel cell holds at most 32,767 characters; a longer CSV cell is an unclosed quote.
    max_cell_chars: int = 32_767
    max_columns: int = 500
    # A workbook once decompressed: total bytes, ratio per entry, cells of its sheets'
    # rectangles (the Excel engine allocates the whole rectangle a sheet's cells span).
    max_unzipped_bytes: int = 300 * 1024 * 1024
    max_zip_ratio: int = 100
    max_cells: int = 6_000_000
    # Reading one file (not the engine's own parsing, which the bounds above keep short) is
    # checked against this many seconds as rows stream; `deadline` is set per read.
    max_seconds: float = 300.0
    deadline: float | None = None


def check_time(limits: Limits) -> None:
    if limits.deadline is not None and time.monotonic() >= limits.deadline:
        raise FileRefused("lecture_trop_longue", f"plus de {limits.max_seconds:.0f} s")


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


def _text(v: object) -> str | None:
    if v is None:
        return None
    # NUL characters carry no text and some engines choke on them: dropped wherever they are.
    return str(v).replace("\x00", "")


def _header_text(v: object) -> str | None:
    # No header of the contract is long: a long cell is not one, and is not cached as one.
    text = _text(v)
    return None if text is None or len(text) > 200 else text


_TOTAL_WORDS = ("total", "sous-total", "sous total")


def _first_text(cells: list[object] | tuple[object, ...]) -> str | None:
    """The row's first non-blank cell, stripped; None for a blank row. A trailing 'TOTAL'
    row says so there."""
    return next((t for c in cells if c is not None and (t := str(c).strip())), None)


def _find_header(
    head: list[list[object]], limits: Limits, finder: Finder = find_header
) -> HeaderMatch | None:
    # Headers are searched among the first columns only, so a row of a million cells costs
    # no more than a normal one; a recognised header wider than that is refused.
    match = finder([[_header_text(c) for c in row[: limits.max_columns]] for row in head])
    if match is not None and any(
        c is not None and str(c).strip() for c in head[match.row][limits.max_columns :]
    ):
        raise FileRefused("trop_de_colonnes", f"maximum {limits.max_columns}")
    return match


def _to_table(
    head: list[list[object]],
    rest: Iterator[tuple[list[object] | tuple, int]],
    head_lines: list[int],
    sheet: str | None,
    limits: Limits,
    header: HeaderMatch | None = None,
    finder: Finder = find_header,
    nul: bool = True,
) -> RawTable | None:
    """`head`: the first rows (with their lines), where the header is searched unless given;
    `rest`: the following (cells, line) pairs, streamed. Only the header's columns are kept,
    as text; `nul`: whether a cell may hold NUL characters (dropped: they carry no text and
    some engines choke on them), False when the reader knows none does."""
    check_time(limits)
    header = header or _find_header(head, limits, finder)
    if header is None:
        return None
    keep = sorted({**header.mapping, **header.extras})
    # Rows pile up as tuples of their kept cells (one C call a row), turned into Arrow columns
    # every few thousand rows: a Python string costs ~50 bytes, the same text in Arrow a few
    # more than its length.
    pick = operator.itemgetter(*keep) if len(keep) > 1 else (lambda cells: (cells[keep[0]],))
    needed = keep[-1] + 1
    kept: list[tuple] = []
    chunks: dict[int, list[pl.Series]] = {i: [] for i in keep}
    body_lines: list[int] = []
    ignored = 0
    per_flush = max(1, 500_000 // len(keep))  # rows of ~500k cells at most

    def flush() -> None:
        columns = zip(*kept, strict=True) if kept else [()] * len(keep)
        for i, cells in zip(keep, columns, strict=True):
            column = pl.Series(cells, dtype=pl.Utf8)
            chunks[i].append(column.str.replace_all("\x00", "", literal=True) if nul else column)
        kept.clear()

    def rows() -> Iterator[tuple[list[object] | tuple, int]]:
        yield from zip(head[header.row + 1 :], head_lines[header.row + 1 :], strict=True)
        yield from rest

    for cells, line in rows():
        first = _first_text(cells)
        if first is None or first.lower().startswith(_TOTAL_WORDS):
            ignored += 1  # a blank row, or a trailing "TOTAL" row
            continue
        if len(body_lines) >= limits.max_rows:
            raise FileRefused("trop_de_lignes", f"plus de {limits.max_rows} lignes")
        body_lines.append(line)
        if len(cells) >= needed:
            kept.append(pick(cells))
        else:  # a short row: the missing cells are empty
            kept.append(tuple(cells[i] if i < len(cells) else None for i in keep))
        if len(kept) == per_flush:
            flush()
            check_time(limits)
    flush()

    return _raw_table(
        header,
        sheet,
        head_lines[header.row],
        lambda i: pl.concat(chunks[i]),
        pl.Series(body_lines, dtype=pl.Int32),
        ignored,
    )


def _raw_table(
    header: HeaderMatch,
    sheet: str | None,
    header_line: int,
    cells: Callable[[int], pl.Series],
    lines: pl.Series,
    ignored: int,
) -> RawTable:
    """The table of the header's columns (`cells(i)`: the kept rows' text in column i)."""
    data = pl.DataFrame(
        [cells(i).rename(name) for i, name in header.mapping.items()] + [lines.rename("line")]
    )
    extras = {name: cells(i).rename(name) for i, name in header.extras.items()}
    missing = [f for f in header.kind.columns if f not in header.mapping.values()]
    return RawTable(header.kind, sheet, header_line, data, missing, extras, ignored)


# --- CSV -----------------------------------------------------------------------------------


def _decodes(raw: bytes, codec: str, skip: int, chunk: int = 1 << 20) -> bool:
    """Whether the bytes decode, checked by chunks (no decoded copy of the whole file)."""
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        for i in range(skip, len(raw), chunk):
            decoder.decode(raw[i : i + chunk])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(raw: bytes) -> tuple[str, int]:
    """(codec, bytes of BOM to skip): UTF-8 with or without BOM, else Windows-1252, else
    Latin-1 (which decodes anything)."""
    if raw.startswith(codecs.BOM_UTF8) and _decodes(raw, "utf-8", 3):
        return "utf-8", 3
    for codec in ("utf-8", "cp1252"):
        if _decodes(raw, codec, 0):
            return codec, 0
    return "latin-1", 0


_NOT_BLANK = re.compile(rb"\S")


def _looks_binary(raw: bytes) -> bool:
    return b"\x00" in raw[:8192]


def _csv_rows(raw: bytes, codec: str, skip: int, sep: str) -> Iterator[tuple[list[str], int]]:
    """(cells, first line of the record), decoding as it goes: no second copy of the file.
    The caller sets the csv module's cell length limit."""
    buffer = io.BytesIO(raw)
    buffer.seek(skip)
    reader = csv.reader(io.TextIOWrapper(buffer, encoding=codec, newline=""), delimiter=sep)
    start = 1
    try:
        for cells in reader:
            yield cells, start
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise FileRefused(
                "cellule_trop_longue", f"ligne {start}, plus de {csv.field_size_limit()} caractères"
            ) from None
        raise FileRefused(
            "fichier_illisible", f"texte CSV mal formé vers la ligne {start}"
        ) from None


def read_csv_bytes(raw: bytes, limits: Limits, finder: Finder = find_header) -> ReadResult:
    if _looks_binary(raw):
        raise FileRefused("fichier_illisible", "contenu binaire, pas un texte CSV")
    codec, skip = _encoding(raw)
    if not _NOT_BLANK.search(raw, skip):
        raise FileRefused("fichier_vide")
    previous = csv.field_size_limit(limits.max_cell_chars)
    try:
        return _read_csv(raw, codec, skip, limits, finder)
    finally:
        csv.field_size_limit(previous)


def _most_header_cells(head: list[list[object]], limits: Limits) -> int:
    """The most cells a row of the head offers to a header match (which maps each cell to one
    field at most): a bound of its score."""
    return max(
        (
            sum(1 for c in row[: limits.max_columns] if (t := _header_text(c)) and t.strip())
            for row in head
        ),
        default=0,
    )


def _read_csv(raw: bytes, codec: str, skip: int, limits: Limits, finder: Finder) -> ReadResult:
    # The separator is the one under which a header row is recognised best.
    best: tuple[HeaderMatch, str] | None = None
    error: FileRefused | None = None
    for sep in (";", ",", "\t", "|"):
        try:
            head = [c for c, _ in _take(_csv_rows(raw, codec, skip, sep), HEADER_SCAN)]
            if best is not None and _most_header_cells(head, limits) <= best[0].score:
                continue  # no row has cells enough to match better: not worth matching
            match = _find_header(head, limits, finder)
        except FileRefused as refused:  # under another separator the file may read well
            error = error or refused
            continue
        if match and (best is None or match.score > best[0].score):
            best = (match, sep)
    if best is None:
        raise error or FileRefused("entete_introuvable", "aucune colonne du modèle trouvée")
    rows = _csv_rows(raw, codec, skip, best[1])
    first = _take(rows, HEADER_SCAN)
    table = _to_table(
        [c for c, _ in first],
        rows,
        [n for _, n in first],
        None,
        limits,
        header=best[0],
        nul=b"\x00" in raw,
    )
    if table is None:  # pragma: no cover - the header was found in the head already
        raise FileRefused("entete_introuvable", "aucune colonne du modèle trouvée")
    return ReadResult([table], [])


def _take(rows: Iterator, n: int) -> list:
    out = []
    for row in rows:
        out.append(row)
        if len(out) == n:
            break
    return out


# --- XLSX ----------------------------------------------------------------------------------

_CELL_OR_ROW = re.compile(rb"<(?:[\w.-]+:)?(c|row)\b([^>]*)>")
_REF = re.compile(rb"""\br\s*=\s*["']([A-Za-z]{0,3})(\d*)["']""")
_ANY_CELL = re.compile(rb"<(?:[\w.-]+:)?c\b")


def _column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch if isinstance(ch, int) else ord(ch)) - 64
    return n


def _chunks(stream: io.BufferedIOBase, size: int = 1 << 22) -> Iterator[bytes]:
    """The XML in pieces cut before a '<', so that no tag is split between two pieces."""
    tail = b""
    while block := stream.read(size):
        data = tail + block
        cut = data.rfind(b"<")
        cut = len(data) if cut <= 0 else cut
        yield data[:cut]
        tail = data[cut:]
    if tail:
        yield tail


# The cell and row tags as the usual writers put them (no namespace prefix), with their
# reference: Python's regex engine finds these quickly by their literal start, where the
# walk's pattern (any prefix) is tried at every "<".
_PLAIN_CELL = re.compile(rb"<c\b")
_PLAIN_ROW = re.compile(rb"<row\b")
_CELL_REF = re.compile(rb"""<c\b[^>]*?\br\s*=\s*["']([A-Za-z]{0,3})(\d*)["'][^>]*>""")
_ROW_REF = re.compile(rb"""<row\b[^>]*?\br\s*=\s*["'][A-Za-z]{0,3}(\d*)["'][^>]*>""")


def _area_by_refs(piece: bytes) -> tuple[int, int] | None:
    """(last row, last column) of a piece of sheet XML from its references alone, when
    every cell and row tag is a plain one carrying its full reference: the walk's result
    then (a tag without one takes its place from its neighbours). None otherwise."""
    if b":c" in piece or b":row" in piece:  # a namespace prefix, maybe: the walk decides
        return None
    cells = _CELL_REF.findall(piece)
    if len(cells) != len(_PLAIN_CELL.findall(piece)):
        return None
    rows = _ROW_REF.findall(piece)
    if len(rows) != len(_PLAIN_ROW.findall(piece)) or b"" in rows:
        return None
    letters = {letter for letter, _ in cells}
    numbers = {number for _, number in cells}
    if b"" in letters or b"" in numbers:
        return None
    return (
        max(map(int, numbers | set(rows)), default=0),
        max(map(_column_number, letters), default=0),
    )


def _area_by_walk(stream: io.BufferedIOBase, limits: Limits) -> int:
    """The same, placing rows and cells one by one as the Excel engine does (slower)."""
    max_row = max_col = row = col = 0
    for piece in _chunks(stream):
        check_time(limits)
        for m in _CELL_OR_ROW.finditer(piece):
            ref = _REF.search(m.group(2))
            if m.group(1) == b"row":
                row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                col = 0
            else:
                if ref and ref.group(1):
                    col = _column_number(ref.group(1))
                    if ref.group(2):
                        row = max(row, int(ref.group(2)))
                else:
                    col += 1
                max_col = max(max_col, col)
            max_row = max(max_row, row)
    return max_row * max_col


def _sheet_area(zf: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: Limits) -> int:
    """Cells of the rectangle a worksheet's cells span (the engine allocates all of it)."""
    if entry.file_size <= 1 << 16:
        with zf.open(entry) as stream:
            small = stream.read()
        if not _ANY_CELL.search(small):  # styles, themes, relations: no cell at all
            return 0
        found = _area_by_refs(small)
        return found[0] * found[1] if found else _area_by_walk(io.BytesIO(small), limits)
    max_row = max_col = 0
    with zf.open(entry) as stream:
        for piece in _chunks(stream):  # maxima: the pieces' order does not matter
            check_time(limits)
            found = _area_by_refs(piece)
            if found is None:
                break
            max_row, max_col = max(max_row, found[0]), max(max_col, found[1])
        else:
            return max_row * max_col
    with zf.open(entry) as stream:
        return _area_by_walk(stream, limits)


def check_workbook(path: Path, limits: Limits) -> None:
    """Refuse a workbook whose decompressed size, compression ratio or sheet area would make
    the Excel engine allocate more than the limits allow; nothing is parsed before."""
    try:
        with zipfile.ZipFile(path) as zf:
            entries = zf.infolist()
            total = sum(e.file_size for e in entries)
            if total > limits.max_unzipped_bytes:
                raise FileRefused(
                    "classeur_trop_volumineux",
                    f"{total / 1e6:.0f} Mo une fois décompressé, maximum "
                    f"{limits.max_unzipped_bytes / 1e6:.0f} Mo",
                )
            for e in entries:
                # Small parts (styles, relations) compress well by nature.
                if e.file_size > 1 << 20 and e.file_size > limits.max_zip_ratio * max(
                    e.compress_size, 1
                ):
                    raise FileRefused(
                        "classeur_trop_volumineux",
                        f"contenu compressé plus de {limits.max_zip_ratio} fois",
                    )
            area = 0
            for e in entries:
                # Every part is scanned, not only xl/worksheets/: the workbook's relations
                # may place a sheet anywhere. Other parts hold no <c> or <row> tag.
                area += _sheet_area(zf, e, limits)
                if area > limits.max_cells:
                    raise FileRefused(
                        "classeur_trop_volumineux", f"plus de {limits.max_cells} cellules à lire"
                    )
    except FileRefused:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
    ):
        raise FileRefused("fichier_illisible", "classeur Excel illisible ou tronqué") from None


# Above this many rows a sheet is read by column (_sheet_table), below cell by cell: polars'
# fixed cost per sheet (about 9 ms) is more than the loop's on the few rows of most returns.
COLUMNWISE_ROWS = 5_000


@functools.cache
def _py_whitespace() -> str:
    """What Python's str.strip() removes (the row rules are written with it): Rust's
    whitespace lacks U+001C-U+001F, so polars is given the set itself (50 ms to list: once,
    when a large sheet needs it)."""
    return "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def _sheet_table(
    frame: pl.DataFrame, sheet: str, limits: Limits, finder: Finder = find_header
) -> RawTable | None:
    """`_to_table` for a sheet already in memory as text columns (row i is line i + 1), by
    column instead of by cell: the same rows ignored, kept and refused, the same cells
    (tests/test_returns_reading.py compares the two)."""
    check_time(limits)
    head = [list(r) for r in frame.head(HEADER_SCAN).iter_rows()]
    header = _find_header(head, limits, finder)
    if header is None:
        return None
    body = frame.slice(header.row + 1).with_row_index("line", offset=header.row + 2)
    stripped = [pl.col(c).str.strip_chars(_py_whitespace()) for c in frame.columns]
    blank = pl.all_horizontal([c.is_null() | (c == "") for c in stripped])
    first = pl.coalesce([pl.when(c != "").then(c) for c in stripped]).str.to_lowercase()
    total = pl.any_horizontal([first.str.starts_with(w) for w in _TOTAL_WORDS]).fill_null(False)
    kept = body.filter(~(blank | total))
    if kept.height > limits.max_rows:
        raise FileRefused("trop_de_lignes", f"plus de {limits.max_rows} lignes")
    check_time(limits)

    def cells(i: int) -> pl.Series:
        if i >= frame.width:
            return pl.Series([None] * kept.height, dtype=pl.Utf8)
        return kept.get_column(frame.columns[i]).str.replace_all("\x00", "", literal=True)

    lines = kept.get_column("line").cast(pl.Int32)
    return _raw_table(header, sheet, header.row + 1, cells, lines, body.height - kept.height)


def read_xlsx(path: Path, limits: Limits, finder: Finder = find_header) -> ReadResult:
    check_workbook(path, limits)
    try:
        reader = fastexcel.read_excel(path)
        names = reader.sheet_names
    except Exception:  # noqa: BLE001 - any parse error means an unreadable workbook
        raise FileRefused("fichier_illisible", "classeur Excel illisible ou tronqué") from None
    tables, ignored = [], []
    for name in names:
        try:
            frame = reader.load_sheet(
                name,
                header_row=None,
                dtypes="string",
                skip_rows=0,
                n_rows=limits.max_rows + 50 + HEADER_SCAN,
            ).to_polars()
        except Exception:  # noqa: BLE001
            raise FileRefused("fichier_illisible", f"feuille « {name} » illisible") from None
        if frame.height > COLUMNWISE_ROWS:
            table = _sheet_table(frame, name, limits, finder)
        else:
            head = [list(r) for r in frame.head(HEADER_SCAN).iter_rows()]
            rest = enumerate(frame.slice(HEADER_SCAN).iter_rows(), start=HEADER_SCAN + 1)
            lines = list(range(1, len(head) + 1))
            # in Python: a polars query costs about 0.8 ms here, four times the loop
            nul = any("\x00" in v for c in frame.iter_columns() for v in c.to_list() if v)
            table = _to_table(
                head,
                ((c, i) for i, c in rest),
                lines,
                name,
                limits,
                finder=finder,
                nul=bool(nul),
            )
        del frame
        if table is None:
            ignored.append(name)
        else:
            tables.append(table)
    if not tables:
        raise FileRefused(
            "entete_introuvable", f"aucune feuille reconnue parmi : {', '.join(names) or 'aucune'}"
        )
    return ReadResult(tables, ignored)


def read_file(path: Path, limits: Limits | None = None, finder: Finder = find_header) -> ReadResult:
    """Read a return file whatever its name says; raise FileRefused when it cannot be read.
    `finder` recognises the header row (the returns' kinds unless told)."""
    limits = limits or Limits()
    limits = dataclasses.replace(limits, deadline=time.monotonic() + limits.max_seconds)
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            raise FileRefused("fichier_vide")
        if size > limits.max_bytes:
            raise FileRefused(
                "fichier_trop_volumineux",
                f"{size / 1e6:.1f} Mo, maximum {limits.max_bytes / 1e6:.0f} Mo",
            )
        magic = fh.read(8)
        if magic.startswith(b"PK\x03\x04"):
            return read_xlsx(path, limits, finder)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raise FileRefused(
                "fichier_illisible",
                f"le fichier porte l'extension {path.suffix} mais n'est pas un classeur Excel",
            )
        if magic.startswith(b"\xd0\xcf\x11\xe0"):
            raise FileRefused("format_non_pris_en_charge", "ancien format Excel .xls")
        if magic.startswith(b"%PDF"):
            raise FileRefused("format_non_pris_en_charge", "document PDF")
        raw = magic + fh.read(limits.max_bytes + 1 - len(magic))
    return read_csv_bytes(raw, limits, finder)
