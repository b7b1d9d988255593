"""One file never stops the others: whatever it holds, it is read or refused alone with a
French reason, within bounded memory. Readers are fuzzed over random and mutated returns."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returns import process as process_module
from returns import readers
from returns.contract import RULES
from returns.inbox import duplicates, inbox_files, index_by_hash, scan, skipped_links
from returns.process import process_batch, process_file
from returns.readers import Limits
from tests.returns_files import (
    ACTIVITY_HEADERS,
    PARTNER_HEADERS,
    action,
    column_letters,
    partner,
    write_csv,
    write_sheet_xml,
    write_xlsx,
    xml_row,
)

TODAY = date(2025, 11, 1)
ROOT = Path(__file__).resolve().parent.parent
# Words of library or system messages that must never reach a porteur.
FOREIGN = (
    "error",
    "zip",
    "calamine",
    "fastexcel",
    "polars",
    "file",
    "traceback",
    "exception",
    "python",
    "/tmp",
    "/work",
    "/home",
)


def assert_french_reason(result, rule: str, tmp_path: Path) -> str:
    assert result.refused is not None and result.refused[0] == rule, result.refused
    q = result.quarantine()
    assert q.height == 1 and q["rule"][0] == rule
    reason = q["reason"][0]
    assert reason and "{" not in reason
    assert str(tmp_path) not in reason
    assert not any(word in reason.lower() for word in FOREIGN), reason
    return reason


def good_csv(path: Path) -> Path:
    return write_csv(path, ACTIVITY_HEADERS, [action(), action(numero_dossier="B")])


def test_a_poison_csv_is_refused_alone_and_the_others_land(tmp_path):
    poison = write_csv(
        tmp_path / "poison.csv", ACTIVITY_HEADERS, [action(commentaire="x" * 5_000_000)]
    )
    unclosed = tmp_path / "guillemet.csv"
    unclosed.write_bytes(
        good_csv(tmp_path / "tmp.csv").read_bytes()
        + b'2024;"QE;jamais ferme\n'
        + b"2024;QE;C\n" * 5000
    )
    good = good_csv(tmp_path / "bon.csv")
    bad, open_quote, ok = process_batch([poison, unclosed, good], today=TODAY)
    assert ok.status == "accepted" and ok.rows_accepted == 2
    assert "guillemet" in assert_french_reason(bad, "cellule_trop_longue", tmp_path)
    assert open_quote.refused[0] == "cellule_trop_longue"


def test_an_unexpected_error_refuses_that_file_only(tmp_path, monkeypatch):
    good = good_csv(tmp_path / "bon.csv")
    cursed = good_csv(tmp_path / "maudit.csv")
    cursed.write_bytes(cursed.read_bytes() + b"\r\n")  # other bytes, same rows
    real = process_module.read_file

    def exploding(path, limits):
        if path.name == "maudit.csv":
            raise RuntimeError(f"boom in /srv/secret/{path}")
        return real(path, limits)

    monkeypatch.setattr(process_module, "read_file", exploding)
    bad, ok = process_batch([cursed, good], today=TODAY)
    assert ok.rows_accepted == 2
    assert_french_reason(bad, "erreur_de_traitement", tmp_path)
    assert bad.error and "boom" in bad.error  # for the data staff's logs, never stored


def test_an_error_while_checking_refuses_that_file_only(tmp_path, monkeypatch):
    good = good_csv(tmp_path / "bon.csv")
    cursed = write_csv(tmp_path / "maudit.csv", ACTIVITY_HEADERS, [action(numero_dossier="Z")])
    real = process_module.validate_tables

    def exploding(tables, referential, today):
        if any("Z" in t.data["grant_file"].to_list() for t in tables):
            raise MemoryError
        return real(tables, referential, today)

    monkeypatch.setattr(process_module, "validate_tables", exploding)
    bad, ok = process_batch([cursed, good], today=TODAY)
    assert ok.rows_accepted == 2
    assert "mémoire" in assert_french_reason(bad, "erreur_de_traitement", tmp_path)


def test_an_error_while_guarding_refuses_that_file_only(tmp_path, monkeypatch):
    """The files of a task are guarded together: a failure there is found file by file,
    the other files keep their tables, their masks and their counts."""
    rows = [
        action(numero_dossier="A1"),
        action(numero_dossier="A2", intitule_action="06 12 34 56 78"),
    ]
    good = write_csv(tmp_path / "bon.csv", ACTIVITY_HEADERS, rows)
    cursed = write_csv(tmp_path / "maudit.csv", ACTIVITY_HEADERS, [action(numero_dossier="Z")])
    real = process_module.guard_tables

    def exploding(items):
        if any("Z" in t.data["grant_file"].to_list() for t, _ in items):
            raise MemoryError
        return real(items)

    monkeypatch.setattr(process_module, "guard_tables", exploding)
    bad, ok = process_batch([cursed, good], today=TODAY)
    assert ok.rows_accepted == 2 and ok.guard.masked == {"action_title": 1}
    [accepted] = [t.accepted for t in ok.tables]
    assert "06 12" not in " ".join(accepted["action_title"].to_list())
    assert "mémoire" in assert_french_reason(bad, "erreur_de_traitement", tmp_path)
    assert bad.guard.masked == {} and bad.tables == []


def test_a_truncated_workbook_gets_a_french_reason_without_library_text_or_path(tmp_path):
    whole = write_xlsx(tmp_path / "bilan.xlsx", {"actions": (ACTIVITY_HEADERS, [action()])})
    data = whole.read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 30):
        path = tmp_path / f"coupe_{cut}.xlsx"
        path.write_bytes(data[:cut])
        assert_french_reason(process_file(path), "fichier_illisible", tmp_path)


@pytest.mark.parametrize("writer", ["csv", "xlsx"])
def test_a_header_only_file_is_refused_with_a_named_rule(tmp_path, writer):
    if writer == "csv":
        path = write_csv(tmp_path / "vide.csv", ACTIVITY_HEADERS, [], suffix="\r\n;;\r\n")
    else:
        path = write_xlsx(
            tmp_path / "vide.xlsx",
            {"actions": (ACTIVITY_HEADERS, []), "partenaires": (PARTNER_HEADERS, [])},
        )
    reason = assert_french_reason(process_file(path), "fichier_sans_ligne", tmp_path)
    assert "en-tête" in reason


def test_a_workbook_with_one_empty_sheet_is_read(tmp_path):
    path = write_xlsx(
        tmp_path / "b.xlsx",
        {"actions": (ACTIVITY_HEADERS, [action()]), "partenaires": (PARTNER_HEADERS, [])},
    )
    r = process_file(path, today=TODAY)
    assert r.refused is None and r.rows_accepted == 1


def test_nul_bytes_after_the_first_8_kb_are_stripped(tmp_path):
    rows = [action(numero_dossier=f"D{i}") for i in range(80)]
    rows.append(action(numero_dossier="D\x00NUL", intitule_action="Foot\x00 de rue\x00"))
    path = write_csv(tmp_path / "nul.csv", ACTIVITY_HEADERS, rows, encoding="utf-8")
    assert path.read_bytes().index(b"\x00") > 8192
    r = process_file(path, today=TODAY)
    assert r.rows_accepted == 81, r.quarantine()
    accepted = r.tables[0].accepted
    assert not any("\x00" in str(v) for row in accepted.rows() for v in row)
    assert "DNUL" in accepted["grant_file"].to_list()
    assert "Foot de rue" in accepted["action_title"].to_list()


def test_nul_characters_of_a_workbook_are_stripped(tmp_path):
    # A writer escapes them (_x0000_), the Excel engine gives them back: dropped like a CSV's.
    rows = [action(numero_dossier="D\x00NUL", intitule_action="Foot\x00 de rue\x00")]
    r = process_file(write_xlsx(tmp_path / "nul.xlsx", {"actions": (ACTIVITY_HEADERS, rows)}))
    accepted = r.tables[0].accepted
    assert accepted["grant_file"].to_list() == ["DNUL"]
    assert accepted["action_title"].to_list() == ["Foot de rue"]


def sparse_workbook(path: Path) -> Path:
    """Two cells, at A1 and at the last cell of a sheet: a few bytes, 17 billion cells."""
    return write_sheet_xml(
        path,
        [
            xml_row(1, ACTIVITY_HEADERS),
            f'<row r="1048576"><c r="{column_letters(16384)}1048576" '
            't="inlineStr"><is><t>x</t></is></c></row>',
        ],
    )


def ratio_workbook(path: Path, rows: int = 40_000) -> Path:
    """The same row again and again, cells without references (allowed): compresses
    several hundred times."""
    row = "<row>" + '<c t="inlineStr"><is><t>1</t></is></c>' * 25 + "</row>"
    return write_sheet_xml(
        path,
        (xml_row(1, ACTIVITY_HEADERS) if i == 1 else row for i in range(1, rows)),
        compresslevel=9,
    )


def test_workbooks_that_would_expand_are_refused_before_parsing(tmp_path):
    sparse = process_file(sparse_workbook(tmp_path / "creux.xlsx"))
    assert "cellules" in assert_french_reason(sparse, "classeur_trop_volumineux", tmp_path)
    ratio = process_file(ratio_workbook(tmp_path / "bombe.xlsx"))
    assert "compressé" in assert_french_reason(ratio, "classeur_trop_volumineux", tmp_path)
    limits = Limits(max_unzipped_bytes=10_000)
    big = process_file(
        write_xlsx(
            tmp_path / "b.xlsx",
            {"actions": (ACTIVITY_HEADERS, [action(numero_dossier=f"D{i}") for i in range(300)])},
        ),
        limits=limits,
    )
    assert "décompressé" in assert_french_reason(big, "classeur_trop_volumineux", tmp_path)


def test_cells_without_references_are_placed_like_the_engine_does(tmp_path):
    # Cells and rows without `r` follow their neighbours: the slower walk measures them.
    rows = [
        "<row>"
        + "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in ACTIVITY_HEADERS)
        + "</row>"
    ]
    rows += [
        "<row>"
        + "".join(
            f'<c t="inlineStr"><is><t>{action(numero_dossier=i)[h]}</t></is></c>'
            for h in ACTIVITY_HEADERS
        )
        + "</row>"
        for i in "ABC"
    ]
    path = write_sheet_xml(tmp_path / "sans_ref.xlsx", rows)
    assert process_file(path, today=TODAY).rows_accepted == 3
    refused = process_file(path, limits=Limits(max_cells=4 * 25 - 1))
    assert refused.refused[0] == "classeur_trop_volumineux"


def _random_sheet(rng: random.Random) -> bytes:
    """Sheet XML as writers make it, or not: cells and rows with or without their reference,
    quotes of either kind, spaces, other attributes, a namespace prefix, an empty reference."""
    prefix = rng.choice(["", "", "", "x:"])
    rows = []
    for n in range(1, rng.randint(1, 12)):
        row_ref = rng.choice([f' r="{n * rng.randint(1, 3)}"'] * 6 + ["", ' r=""', " r = '7'"])
        cells = []
        for _ in range(rng.randint(0, 6)):
            letters = "".join(rng.choice("ABCXZ") for _ in range(rng.randint(1, 3)))
            ref = rng.choice(
                [f' r="{letters}{rng.randint(1, 40)}"'] * 8
                + ["", f" r='{letters}'", ' r="12"', f' t="s" r = "{letters}3" s="1"']
            )
            cells.append(f"<{prefix}c{ref}><{prefix}v>1</{prefix}v></{prefix}c>")
        rows.append(f"<{prefix}row{row_ref}>{''.join(cells)}</{prefix}row>")
    return f"<worksheet><sheetData>{''.join(rows)}</sheetData></worksheet>".encode()


def test_a_sheets_area_from_its_references_is_the_walks():
    # The quick count answers only when every tag carries its full reference, and then
    # finds the rectangle the cell-by-cell walk (the engine's placement) finds.
    rng = random.Random(11)
    answered = 0
    for _ in range(600):
        xml = _random_sheet(rng)
        quick = readers._area_by_refs(xml)
        if quick is not None:
            answered += 1
            assert quick[0] * quick[1] == readers._area_by_walk(io.BytesIO(xml), Limits()), xml
    assert 50 < answered < 600


@pytest.mark.parametrize("writer", ["csv", "xlsx"])
def test_reading_is_bounded_in_time(tmp_path, writer):
    rows = [action(numero_dossier=f"D{i}") for i in range(5)]
    path = (
        write_csv(tmp_path / "b.csv", ACTIVITY_HEADERS, rows)
        if writer == "csv"
        else write_xlsx(tmp_path / "b.xlsx", {"actions": (ACTIVITY_HEADERS, rows)})
    )
    # No time at all: refused at the first check, whatever the machine's speed.
    r = process_file(path, limits=Limits(max_seconds=0))
    assert_french_reason(r, "lecture_trop_longue", tmp_path)
    assert process_file(path, today=TODAY).rows_accepted == 5


# --- Fuzzing: random bytes and mutated real returns give a result or a refusal ----------------


def _check(result) -> None:
    if result.refused is not None:
        assert result.refused[0] in RULES
        assert result.quarantine().height == 1
    else:
        assert result.rows_read == result.rows_accepted + result.rows_quarantined
    assert result.status in ("accepted", "partially_accepted", "rejected")


def _process_bytes(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    result = process_file(path, today=TODAY)
    assert result.error is None, result.error  # a refusal by a rule, not a caught crash
    _check(result)
    return result


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=4096), name=st.sampled_from(["f.csv", "f.xlsx", "f.txt"]))
def test_fuzz_random_bytes(tmp_path, data, name):
    _process_bytes(tmp_path, name, data)


@pytest.fixture(scope="module")
def real_returns(tmp_path_factory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("real")
    rows = [
        action(),
        action(numero_dossier="B", commentaire="Appeler au 06 12 34 56 78"),
        action(numero_dossier="C", porteur_siret="123"),
    ]
    return {
        "bilan.csv": write_csv(d / "a.csv", ACTIVITY_HEADERS, rows).read_bytes(),
        "bilan_utf8.csv": write_csv(
            d / "b.csv", ACTIVITY_HEADERS, rows, sep=",", encoding="utf-8", bom=True
        ).read_bytes(),
        "bilan.xlsx": write_xlsx(
            d / "c.xlsx",
            {
                "actions": (ACTIVITY_HEADERS, rows),
                "partenaires": (PARTNER_HEADERS, [partner(), partner(numero_dossier="B")]),
            },
            title_rows=1,
        ).read_bytes(),
    }


def _mutate(data: bytes, seed: int, edits: int) -> bytes:
    rnd = random.Random(seed)
    out = bytearray(data)
    for _ in range(edits):
        op = rnd.randrange(5)
        i = rnd.randrange(len(out) + 1)
        if op == 0 and out:  # flip a byte
            out[min(i, len(out) - 1)] = rnd.randrange(256)
        elif op == 1:  # insert bytes, among them separators, quotes, NUL, CR
            out[i:i] = bytes(rnd.choice(b';,"\x00\r\n\t\xff') for _ in range(rnd.randrange(1, 8)))
        elif op == 2:  # delete a run
            del out[i : i + rnd.randrange(1, 64)]
        elif op == 3:  # truncate
            del out[i:]
        else:  # duplicate a run
            out[i:i] = out[max(0, i - 64) : i]
    return bytes(out)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["bilan.csv", "bilan_utf8.csv", "bilan.xlsx"]),
    seed=st.integers(0, 2**32),
    edits=st.integers(1, 12),
)
def test_fuzz_mutated_real_returns(tmp_path, real_returns, name, seed, edits):
    _process_bytes(tmp_path, name, _mutate(real_returns[name], seed, edits))


# --- Memory: files at the limits, read in a child process whose peak is measured -------------

_MEASURE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from returns.process import process_file
    r = process_file(Path(sys.argv[1]))
    # VmHWM: this process image's own peak (ru_maxrss would count the parent's pages
    # copied by fork before exec, a test worker's gigabyte)
    hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(json.dumps({"rule": r.refused and r.refused[0], "rows": r.rows_read,
                      "error": r.error, "peak_mb": hwm / 1024}))
""")


def _peak(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def dense_workbook(path: Path, valid: bool, rows: int = 190_000, columns: int = 30) -> Path:
    """As many cells as the limits let through (~6 M, ~300 MB of XML once decompressed):
    valid actions with extra columns, or nonsense in every cell."""
    headers = ACTIVITY_HEADERS + [f"extra_{i}" for i in range(columns - len(ACTIVITY_HEADERS))]
    words = [f"{i:03x}" for i in range(4096)]
    base = [action()[h] for h in ACTIVITY_HEADERS]
    grant = ACTIVITY_HEADERS.index("numero_dossier")
    line = "\x00"  # stands for the row number in a row's template

    def row(r: int) -> list[object]:
        if not valid:
            return [words[(r * 7 + c) % 4096] for c in range(columns)]
        cells = base + [words[(r * 7 + c) % 4096] for c in range(columns - len(base))]
        cells[grant] = f"D{line}"
        return cells

    # The cells repeat every 4096 rows but for the row number: one template per residue, the
    # number put in by str.format (the same XML as xml_row's, several times faster to write).
    templates = [
        xml_row(line, row(r)).replace("{", "{{").replace("}", "}}").replace(line, "{0}")
        for r in range(4096)
    ]
    return write_sheet_xml(
        path,
        (
            xml_row(1, headers) if r == 1 else templates[r % 4096].format(r)
            for r in range(1, rows + 2)
        ),
    )


def wide_csv(path: Path, columns: int = 500) -> Path:
    """50 MB of valid actions followed by two-letter cells under 500 columns: ~17 M cells."""
    header = ";".join(ACTIVITY_HEADERS + [f"extra{i}" for i in range(columns - 25)]) + "\n"
    base = [str(action()[h]) for h in ACTIVITY_HEADERS]
    grant = ACTIVITY_HEADERS.index("numero_dossier")
    tail = ";" + ";".join(["ab"] * (columns - 25)) + "\n"
    size, lines = len(header), [header]
    for r in range(200_000):
        base[grant] = f"D{r}"
        line = ";".join(base) + tail
        if size + len(line) > 50 * 1024 * 1024 - 1000:
            break
        lines.append(line)
        size += len(line)
    path.write_text("".join(lines))
    return path


@pytest.mark.slow
def test_peak_memory_stays_under_1_gb_for_files_at_the_limits(tmp_path):
    cases = {
        "dense": (dense_workbook(tmp_path / "dense.xlsx", valid=True), None),
        "nonsense": (dense_workbook(tmp_path / "nonsense.xlsx", valid=False), "trop_d_erreurs"),
        "wide": (wide_csv(tmp_path / "wide.csv"), None),
        "sparse": (sparse_workbook(tmp_path / "sparse.xlsx"), "classeur_trop_volumineux"),
        "ratio": (ratio_workbook(tmp_path / "ratio.xlsx", 400_000), "classeur_trop_volumineux"),
        "cell": (
            write_csv(
                tmp_path / "cell.csv", ACTIVITY_HEADERS, [action(commentaire="x" * 5_000_000)]
            ),
            "cellule_trop_longue",
        ),
    }
    peaks = {}
    for name, (path, rule) in cases.items():
        got = _peak(path)
        path.unlink()
        assert got["error"] is None and got["rule"] == rule, (name, got)
        peaks[name] = got["peak_mb"]
    print("peak MB", peaks)
    assert max(peaks.values()) < 1024, peaks


# --- The inbox ------------------------------------------------------------------------------


def test_symbolic_links_in_the_inbox_are_never_followed(tmp_path):
    inbox, outside = tmp_path / "inbox", tmp_path / "ailleurs"
    inbox.mkdir()
    outside.mkdir()
    secret = write_csv(outside / "secret.csv", ACTIVITY_HEADERS, [action()])
    real = good_csv(inbox / "bilan.csv")
    (inbox / "lien.csv").symlink_to(secret)
    (inbox / "dossier_lien").symlink_to(outside, target_is_directory=True)
    (inbox / "casse.csv").symlink_to(tmp_path / "absent.csv")
    assert inbox_files(inbox) == [real]
    assert [p for p, _ in scan(inbox)] == [real]
    assert list(index_by_hash(inbox).values()) == [real]
    assert [p.name for p in skipped_links(inbox)] == ["casse.csv", "dossier_lien", "lien.csv"]
    # Even asked directly, the reader does not open a file through a link.
    r = process_file(inbox / "lien.csv")
    assert r.refused is not None and r.tables == []


def test_a_resent_file_is_the_later_of_two_identical_files(tmp_path):
    first = good_csv(tmp_path / "z_premier.csv")
    again = tmp_path / "a_renvoi.csv"
    again.write_bytes(first.read_bytes())
    os.utime(first, (1_700_000_000, 1_700_000_000))
    assert duplicates(scan(tmp_path)) == {again: first}
