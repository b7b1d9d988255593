"""Readers and validation on files written the way porteurs write them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returns.contract import KINDS, RULES
from returns.headers import find_header, normalise
from returns.process import process_batch, process_file, reading_helper
from returns.readers import Limits
from returns.report import write_reports
from returns.validate import Referential
from tests.returns_files import (
    ACTIVITY_HEADERS,
    FUNDING_HEADERS,
    PARTNER_HEADERS,
    SIRET_BAD,
    action,
    funding,
    partner,
    write_csv,
    write_xlsx,
)

TODAY = date(2025, 11, 1)


def rules_of(result) -> set[str]:
    return set(result.quarantine()["rule"].to_list())


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("N° dossier", "grant_file"),
        ("Nombre de filles", "girls"),
        ("ANNÉE", "campaign_year"),
        ("Intitulé de l'action", "action_title"),
        ("  Date de début ", "start_date"),
        ("Code(s) QPV", "qpv_codes"),
        ("60 ans et +", "age_60_plus"),
        ("Coût total réalisé", "realised_cost"),
    ],
)
def test_header_synonyms(header, field):
    kind = KINDS[0]
    row = [header, "Nombre de participants", "Intitulé", "codes_qpv"]
    match = find_header([row], (kind,))
    assert match is not None and field in match.mapping.values(), normalise(header)


@pytest.mark.parametrize(
    ("sep", "encoding", "bom"),
    [
        (";", "cp1252", False),
        (",", "utf-8", False),
        (";", "utf-8", True),
        ("\t", "utf-8", False),
    ],
)
def test_csv_variants_accepted(tmp_path, sep, encoding, bom):
    rows = [
        action(),
        action(
            numero_dossier="QE-2024-054-0002",
            porteur_nom="Régie de quartier",
            cout_total_realise="1.234,5" if sep != "," else "1234.5",
        ),
    ]
    path = write_csv(
        tmp_path / "bilan.txt", ACTIVITY_HEADERS, rows, sep=sep, encoding=encoding, bom=bom
    )
    r = process_file(path, today=TODAY)
    assert r.refused is None and r.kinds == ["activity"]
    assert r.rows_accepted == 2, r.quarantine()
    acc = r.tables[0].accepted
    assert acc["porteur_name"].to_list() == ["Asso A", "Régie de quartier"]
    assert acc["realised_cost"].to_list() == [1234.5, 1234.5]


def test_the_separator_matching_most_fields_wins_over_a_partial_title_block(tmp_path):
    # A title block that reads as three fields under ";" above the full header under ",":
    # the comma, which matches every field, is still tried and chosen.
    title = "intitule_action;nb_participants;codes_qpv\r\n"
    path = write_csv(tmp_path / "bilan.csv", ACTIVITY_HEADERS, [action()], sep=",", prefix=title)
    r = process_file(path, today=TODAY)
    assert r.refused is None and r.rows_accepted == 1, r.quarantine()
    table = r.tables[0]
    assert table.accepted["porteur_name"].to_list() == ["Asso A"]
    assert table.rows_read == 1


def test_tolerances_dates_codes_thousands_total_blank_lines(tmp_path):
    rows = [
        action(
            date_debut="2024-07-01",
            date_fin="45535",
            dispositif="qe",  # ISO, Excel serial
            codes_qpv="qn05401m ; QN05402I",
            porteur_siret="732 829 320 00074",
            cout_total_realise="1\u00a0234,50",
            thematique="Sport",
        ),
        {},  # a blank line
        action(numero_dossier="QE-2024-054-0002", porteur_categorie="Centre social"),
    ]
    path = write_csv(tmp_path / "b.csv", ACTIVITY_HEADERS, rows, suffix=";;;TOTAL;;;;;;;;;;50\r\n")
    r = process_file(path, today=TODAY)
    assert r.rows_accepted == 2 and r.rows_quarantined == 0, r.quarantine()
    assert r.rows_ignored == 2  # the blank line and the TOTAL row
    acc = r.tables[0].accepted
    assert acc["qpv_codes"][0] == "QN05401M;QN05402I"
    assert acc["end_date"][0] == date(2024, 8, 31)  # Excel day 45535
    assert acc["porteur_siret"][0] == "73282932000074"
    assert acc["porteur_category"][1] == "centre_social"


def test_workbook_with_title_block_any_order_and_extra_columns(tmp_path):
    headers = list(reversed(ACTIVITY_HEADERS)) + ["Observations internes"]
    path = write_xlsx(
        tmp_path / "bilan.xlsx",
        {
            "actions": (headers, [action(), action(numero_dossier="X2")]),
            "partenaires": (PARTNER_HEADERS, [partner(), partner(numero_dossier="X2")]),
            "Instructions": (["Lisez-moi"], []),
        },
        title_rows=2,
    )
    r = process_batch([path], today=TODAY)[0]
    assert r.kinds == ["activity", "partners"]
    assert r.rows_accepted == 4 and r.rows_quarantined == 0, r.quarantine()
    assert r.ignored_sheets == ["Instructions"]
    assert r.guard.kept_aside == ["Observations internes"]
    assert r.tables[0].accepted["line"].to_list() == [4, 5]  # as the spreadsheet numbers them


@pytest.mark.parametrize(
    ("content", "name", "rule"),
    [
        (b"", "vide.csv", "fichier_vide"),
        (b"\x00\x01\x02binary" * 10, "data.csv", "fichier_illisible"),
        (b"PK\x03\x04truncated", "coupe.xlsx", "fichier_illisible"),
        (b"hello", "faux.xlsx", "fichier_illisible"),
        (b"\xd0\xcf\x11\xe0old", "ancien.xls", "format_non_pris_en_charge"),
        (b"nom;prenom;age\nA;B;3\n", "autre.csv", "entete_introuvable"),
    ],
)
def test_unreadable_files_are_refused_whole(tmp_path, content, name, rule):
    path = tmp_path / name
    path.write_bytes(content)
    r = process_file(path)
    assert r.refused is not None and r.refused[0] == rule
    q = r.quarantine()
    assert q.height == 1 and q["rule"][0] == rule and q["reason"][0]


def test_size_and_row_limits(tmp_path):
    path = write_csv(
        tmp_path / "big.csv", ACTIVITY_HEADERS, [action(numero_dossier=f"D{i}") for i in range(30)]
    )
    assert process_file(path, limits=Limits(max_bytes=100)).refused[0] == "fichier_trop_volumineux"
    assert process_file(path, limits=Limits(max_rows=10)).refused[0] == "trop_de_lignes"


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"porteur_siret": SIRET_BAD}, "siret_invalide"),
        ({"dispositif": "XX"}, "code_inconnu"),
        ({"annee": 2019}, "annee_invalide"),
        ({"nb_participants": "douze"}, "entier_invalide"),
        ({"nb_seances": "-2"}, "entier_invalide"),
        ({"cout_total_realise": "beaucoup"}, "montant_invalide"),
        ({"date_debut": "31/02/2024"}, "date_invalide"),
        ({"date_debut": "01/07/2023"}, "date_hors_campagne"),
        ({"date_debut": "31/08/2024", "date_fin": "01/07/2024"}, "dates_inversees"),
        ({"codes_qpv": "QX123"}, "code_qpv_invalide"),
        ({"codes_qpv": "QP054001"}, "code_qpv_generation"),
        ({"code_commune": "5418"}, "qpv_commune_incoherente"),  # padded to 05418: wrong commune
        ({"code_commune": "ABCDE"}, "commune_invalide"),
        ({"nb_habitants_qpv": 30}, "habitants_qpv_superieurs"),
        ({"nb_filles": 20, "nb_garcons": 10}, "sexes_superieurs"),
        ({"nb_6_11": 11}, "tranches_age_incoherentes"),
        ({"intitule_action": "  "}, "valeur_obligatoire"),
    ],
)
def test_each_rule_quarantines_with_a_french_reason(tmp_path, overrides, rule):
    ref = Referential(
        pl.DataFrame(
            {
                "generation": [2024, 2024],
                "qpv_code": ["QN05401M", "QN05401M"],
                "commune_code": ["54184", "54395"],
            }
        ).cast({"generation": pl.Int32})
    )
    path = write_csv(
        tmp_path / "b.csv",
        ACTIVITY_HEADERS,
        [action(), action(numero_dossier="QE-2024-054-0002", **overrides)],
    )
    r = process_file(path, referential=ref, today=TODAY)
    assert r.rows_accepted == 1 and r.rows_quarantined == 1
    q = r.quarantine()
    assert rule in q["rule"].to_list(), q
    row = q.filter(pl.col("rule") == rule).row(0, named=True)
    assert row["line"] == 3 and row["reason"] and "{" not in row["reason"]
    assert rule in RULES


def test_a_row_lists_every_rule_it_breaks(tmp_path):
    path = write_csv(
        tmp_path / "b.csv",
        ACTIVITY_HEADERS,
        [action(porteur_siret=SIRET_BAD, dispositif="ZZ", nb_filles=40)],
    )
    r = process_file(path, today=TODAY)
    assert {"siret_invalide", "code_inconnu", "sexes_superieurs"} <= rules_of(r)
    assert r.rows_quarantined == 1


def test_missing_required_column_rejects_rows_with_that_reason(tmp_path):
    headers = [h for h in ACTIVITY_HEADERS if h != "porteur_siret"]
    r = process_file(write_csv(tmp_path / "b.csv", headers, [action()]), today=TODAY)
    assert r.rows_quarantined == 1
    assert "colonne_obligatoire_absente" in rules_of(r)


def test_unknown_qpv_against_referential_of_its_generation(tmp_path):
    ref = Referential(
        pl.DataFrame(
            {"generation": [2024], "qpv_code": ["QN05401M"], "commune_code": ["54184"]}
        ).cast({"generation": pl.Int32})
    )
    rows = [
        action(),
        action(numero_dossier="B", codes_qpv="QN05401M;QN05499Z"),
        # 2015 codes are not checked when no 2015 referential is loaded
        action(
            numero_dossier="C",
            annee=2022,
            date_debut="01/07/2022",
            date_fin="02/07/2022",
            codes_qpv="QP054001",
            code_commune="54395",
        ),
    ]
    r = process_file(
        write_csv(tmp_path / "b.csv", ACTIVITY_HEADERS, rows), referential=ref, today=TODAY
    )
    q = r.quarantine()
    assert q["rule"].to_list() == ["qpv_inconnu"] and q["value"][0] == "QN05499Z"
    assert r.rows_accepted == 2


def test_duplicates_and_orphan_partners(tmp_path):
    acts = write_csv(
        tmp_path / "a.csv", ACTIVITY_HEADERS, [action(), action(), action(numero_dossier="OK2")]
    )
    parts = write_csv(
        tmp_path / "p.csv",
        PARTNER_HEADERS,
        [partner(), partner(numero_dossier="OK2"), partner(numero_dossier="NOPE")],
    )
    fund = write_csv(
        tmp_path / "f.csv",
        FUNDING_HEADERS,
        [funding(), funding(), funding(financeur="commune"), funding(dispositif="ZZ")],
    )
    ra, rp, rf = process_batch([acts, parts, fund], today=TODAY)
    assert ra.reasons_by_rule() == {"dossier_en_double": 2}
    # A partner of a duplicated (rejected) action still belongs to the return; NOPE does not.
    assert rp.reasons_by_rule() == {"action_inconnue": 1}
    assert rf.reasons_by_rule() == {"code_inconnu": 1, "dossier_en_double": 2}
    assert rf.rows_accepted == 1


@pytest.mark.parametrize(
    ("slice_files", "validate_rows"), [(1, 50_000), (2, 50_000), (3, 1), (3, 3)]
)
def test_slices_of_a_batch_change_no_result(tmp_path, monkeypatch, slice_files, validate_rows):
    """Files are read by slices, and checked by groups of rows (memory): the partners are
    checked against the actions of the whole batch, also when their actions come in a later
    slice or group."""
    import returns.process

    parts = write_csv(
        tmp_path / "p.csv", PARTNER_HEADERS, [partner(), partner(numero_dossier="NOPE")]
    )
    acts = write_csv(tmp_path / "a.csv", ACTIVITY_HEADERS, [action(), action(), action()])
    fund = write_csv(tmp_path / "f.csv", FUNDING_HEADERS, [funding(), funding(dispositif="ZZ")])
    whole = process_batch([parts, acts, fund], today=TODAY)
    monkeypatch.setattr(returns.process, "SLICE_FILES", slice_files)
    monkeypatch.setattr(returns.process, "VALIDATE_ROWS", validate_rows)
    sliced = process_batch([parts, acts, fund], today=TODAY)
    assert [r.reasons_by_rule() for r in sliced] == [
        {"action_inconnue": 1},
        {"dossier_en_double": 3},
        {"code_inconnu": 1},
    ]
    for a, b in zip(whole, sliced, strict=True):
        assert a.summary() == b.summary()
        assert a.quarantine().equals(b.quarantine())
        for ta, tb in zip(a.tables, b.tables, strict=True):
            assert ta.accepted.equals(tb.accepted)


@pytest.mark.slow
def test_a_batch_read_by_two_processes_gives_the_same_results(tmp_path, monkeypatch):
    """A large batch is read by this process and a helper process, by chunks: the same
    results, file by file and in the same order, as read here alone (the demo's inbox: every
    kind, workbooks, broken files, partners of actions read by the other process)."""
    import returns.process
    from demodata.generator import generate_demo
    from returns.inbox import inbox_files

    paths = inbox_files(generate_demo(tmp_path / "demo", seed=7).inbox)
    monkeypatch.setattr(returns.process, "CHUNK_FILES", 3)  # many round trips
    alone = process_batch(paths, today=TODAY, processes=1)
    progress = []
    shared = process_batch(
        paths, today=TODAY, processes=2, on_read=lambda n, total, name: progress.append(n)
    )
    assert progress == list(range(1, len(paths) + 1))
    assert [r.path for r in shared] == paths
    assert sum(r.rows_quarantined for r in alone) > 0 and any(r.refused for r in alone)
    for a, b in zip(alone, shared, strict=True):
        assert a.summary() == b.summary()
        assert a.quarantine().equals(b.quarantine())
        for ta, tb in zip(a.tables, b.tables, strict=True):
            assert ta.kind is tb.kind
            assert ta.accepted.equals(tb.accepted)
    # the rejection reports, written here alone or shared with the helper: the same files
    helper = reading_helper(always=True)
    helper.start_if(True)
    try:
        shared_reports = write_reports(shared, tmp_path / "shared", helper)
    finally:
        helper.close()
    alone_reports = write_reports(alone, tmp_path / "alone")
    assert len(alone_reports) == sum(1 for r in alone if r.rows_quarantined or r.refused) > 3
    assert all(isinstance(p, str) for p in shared_reports.values())
    assert _tree(tmp_path / "shared") == _tree(tmp_path / "alone")


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_personal_data_is_dropped_by_header_and_content(tmp_path):
    headers = ACTIVITY_HEADERS + ["Nom du participant", "Date de naissance", "Contact", "Groupe"]
    rows = [
        action(
            **{
                "Nom du participant": "Kévin Martin",
                "Date de naissance": "12/03/2010",
                "Contact": "kevin.martin@example.org",
                "Groupe": "A",
                "commentaire": "Appeler la mère au 06 12 34 56 78",
            }
        )
    ]
    r = process_file(write_csv(tmp_path / "b.csv", headers, rows), today=TODAY)
    assert set(r.guard.dropped) == {"Nom du participant", "Date de naissance", "Contact"}
    assert r.guard.kept_aside == ["Groupe"]
    acc = r.tables[0].accepted
    text = str(acc.rows())
    for value in ("Kévin", "2010", "kevin.martin", "06 12 34 56 78"):
        assert value not in text
    assert r.guard.masked == {"comment": 1}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(["ok", "siret", "sum", "code", "blank", "dup"]), min_size=1, max_size=25
    )
)
def test_row_conservation_and_idempotency_property(tmp_path, kinds):
    rows = []
    for i, k in enumerate(kinds):
        over: dict[str, object] = {"numero_dossier": f"D{i}"}
        if k == "siret":
            over["porteur_siret"] = SIRET_BAD
        elif k == "sum":
            over["nb_6_11"] = 99
        elif k == "code":
            over["thematique"] = "inconnue"
        elif k == "dup":
            over["numero_dossier"] = "DUP"
        rows.append({} if k == "blank" else action(**over))
    path = write_csv(tmp_path / "p.csv", ACTIVITY_HEADERS, rows)
    first = process_file(path, today=TODAY)
    second = process_file(path, today=TODAY)
    data_rows = sum(k != "blank" for k in kinds)
    if data_rows == 0:  # headers only: refused whole with its rule
        assert first.refused == second.refused == ("fichier_sans_ligne", "")
        return
    assert first.rows_read == data_rows
    assert first.rows_read == first.rows_accepted + first.rows_quarantined
    expected_bad = sum(k in ("siret", "sum", "code") for k in kinds) + (
        kinds.count("dup") if kinds.count("dup") > 1 else 0
    )
    assert first.rows_quarantined == expected_bad
    assert first.tables[0].accepted.equals(second.tables[0].accepted)
    assert first.quarantine().equals(second.quarantine())


def test_rejection_report_lists_each_violation_in_french(tmp_path):
    import openpyxl

    from returns.report import write_report

    rows = [
        action(),
        action(
            numero_dossier="B", porteur_siret=SIRET_BAD, intitule_action='=HYPERLINK("http://x")'
        ),
    ]
    r = process_file(write_csv(tmp_path / "b.csv", ACTIVITY_HEADERS, rows), today=TODAY)
    xlsx, csv_path = write_report(r, tmp_path / "reports")
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["Synthèse", "Détail"]
    detail = list(wb["Détail"].iter_rows(values_only=True))
    assert detail[0] == ("Feuille", "Ligne", "Champ", "Valeur lue", "Règle", "Motif")
    assert detail[1][1:5] == (3, "porteur_siret", SIRET_BAD, "siret_invalide")
    assert "SIRET" in detail[1][5]
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "siret_invalide" in text
    assert all(
        not str(c.value).startswith("=")
        for row in wb["Synthèse"].iter_rows()
        for c in row
        if c.value is not None
    )
    # what a porteur sees: labels and headers in bold, wide columns, a filter on the detail
    summary = wb["Synthèse"]
    assert [summary.cell(1, c).font.b for c in (1, 2)] == [True, False]
    assert [c.value for c in summary[9]] == ["Règle", "Nombre de lignes concernées"]
    assert all(c.font.b for c in summary[9]) and not summary.cell(10, 1).font.b
    assert round(summary.column_dimensions["B"].width) == 91
    assert all(c.font.b for c in wb["Détail"][1])
    assert wb["Détail"].auto_filter.ref == "A1:F2"
    # the same file gives the same report, byte for byte
    first = xlsx.read_bytes(), csv_path.read_bytes()
    again = write_report(r, tmp_path / "again")
    assert (again[0].read_bytes(), again[1].read_bytes()) == first


def test_large_rejection_report_is_streamed_with_the_same_cells(tmp_path, monkeypatch):
    """Above IN_MEMORY_ROWS the workbook is streamed (constant memory, inline strings): the
    porteur reads the same cells as in a small report built in memory."""
    import openpyxl

    from returns import report

    rows = [action(numero_dossier=f"B{i}", porteur_siret=SIRET_BAD) for i in range(5)]
    r = process_file(write_csv(tmp_path / "b.csv", ACTIVITY_HEADERS, rows), today=TODAY)

    def cells(path):
        wb = openpyxl.load_workbook(path)
        return {s: list(wb[s].iter_rows(values_only=True)) for s in wb.sheetnames}

    small, _ = report.write_report(r, tmp_path / "memory")
    monkeypatch.setattr(report, "IN_MEMORY_ROWS", 4)
    large, _ = report.write_report(r, tmp_path / "streamed")
    assert small.read_bytes() != large.read_bytes()  # two modes were exercised
    assert cells(large) == cells(small)
    assert len(cells(large)["Détail"]) == 6


# --- a sheet read by column equals the same rows read cell by cell -------------------------

_CELL = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            " ",
            "\x1f",
            "\u3000",
            "\xa0",
            "\x00",
            "TOTAL",
            " Sous-total 54",
            "sous total",
            "Total général",
            "totalement",
            "İstanbul",
            "12",
            "3,5",
            "a\x00b",
            "QE",
        ]
    ),
    st.text(max_size=6),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    above=st.lists(st.lists(_CELL, min_size=3, max_size=3), max_size=3),
    body=st.lists(st.lists(_CELL, min_size=3, max_size=3), max_size=25),
    max_rows=st.integers(min_value=1, max_value=30),
)
def test_a_sheet_read_by_column_equals_the_cell_by_cell_reading(above, body, max_rows):
    """Workbooks are read column-wise (`_sheet_table`), delimited text cell by cell
    (`_to_table`): blank and TOTAL rows (Python's whitespace, NULs, Unicode case), cells,
    line numbers and the row limit must agree. An extra column lies beyond the sheet."""
    from returns.readers import FileRefused, _sheet_table, _to_table

    header = ["nom_partenaire", "categorie_partenaire", "role"]
    rows = [*above, header, *body]
    frame = pl.DataFrame(
        {f"c{j}": [r[j] for r in rows] for j in range(3)},
        schema={f"c{j}": pl.Utf8 for j in range(3)},
    )
    limits = Limits(max_rows=max_rows)

    def columns_only(head):  # a header match with one more column than the sheet has
        match = find_header(head)
        if match is not None:
            match.extras[5] = "colonne_absente"
        return match

    def outcome(read):
        try:
            t = read()
        except FileRefused as refused:
            return ("refused", refused.rule)
        return (
            t.header_line,
            t.data.to_dicts(),
            {k: v.to_list() for k, v in t.extras.items()},
            t.rows_ignored,
            t.missing,
        )

    lists = [list(r) for r in frame.iter_rows()]
    cell_by_cell = outcome(
        lambda: _to_table(
            lists[:30],
            ((cells, i) for i, cells in enumerate(lists[30:], start=31)),
            list(range(1, min(len(lists), 30) + 1)),
            "s",
            limits,
            finder=columns_only,
        )
    )
    by_column = outcome(lambda: _sheet_table(frame, "s", limits, columns_only))
    assert by_column == cell_by_cell
