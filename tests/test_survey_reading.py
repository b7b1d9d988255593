"""Survey exports as people have them: recognised by header, read with the returns'
tolerance, checked with French reasons, personal data dropped or masked, rows conserved."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from demodata.generator import generate_demo
from demodata.siret import luhn_complete
from returns.process import process_batch
from survey.contract import questionnaire
from survey.process import SurveyFileResult, read_survey_file
from tests.returns_files import ACTIVITY_HEADERS, SIRET_OK, action, write_csv

Q20 = questionnaire("cooperation_2020")
Q22 = questionnaire("cooperation_2022")
SIRET_2 = "35600000000048"  # La Poste's, valid by exception
OTHERS = [luhn_complete(f"4428301{i:06d}") for i in range(6)]  # valid SIRETs

# One respondent's answers, as codes; the same in every layout below.
ANSWERS = {
    "siret": SIRET_OK,
    "departement": "54",
    "categorie": "centre_social",
    "repondant_nom": "Camille FICTIVIER",
    "repondant_courriel": "camille.fictivier@exemple.invalid",
    "repondant_telephone": "06 11 22 33 44",
    "place_etat": "secondaire",
    "place_habitants": "centrale",
    "pilotage_commun": "souvent",
    "habitants_idees": "tout_a_fait",
    "coconstruction_habitants": "oui",
    "leviers": ["coordination", "lieux_partages"],
    "nb_partenaires": "4",
    "place_de_chacun": "Oui. Écrivez-moi : camille.fictivier@exemple.invalid ou 06 11 22 33 44",
}
EXPECTED = {
    ("categorie", "centre_social", None, None),
    ("place_etat", "secondaire", 2.0, None),
    ("place_habitants", "centrale", 4.0, None),
    ("pilotage_commun", "souvent", 3.0, None),
    ("habitants_idees", "tout_a_fait", 4.0, None),
    ("coconstruction_habitants", "oui", None, None),
    ("leviers", "coordination", None, None),
    ("leviers", "lieux_partages", None, None),
    ("nb_partenaires", None, 4.0, None),
    (
        "place_de_chacun",
        None,
        None,
        "Oui. Écrivez-moi : [donnée personnelle masquée] ou [donnée personnelle masquée]",
    ),
}


def _cell(qn, code, value, words: bool) -> str:
    q = qn.get(code)
    if value is None:
        return ""
    if q.kind in ("single", "likert"):
        o = q.option(value)
        return o.label if words else o.export_code or o.code
    if q.kind == "multiple":
        return ", ".join(q.option(c).label for c in value)
    return str(value)


def limesurvey_csv(
    path: Path,
    rows: list[dict],
    *,
    words: bool = False,
    sep: str = ",",
    encoding: str = "utf-8",
    qn=Q20,
    title: bool = False,
) -> Path:
    """LimeSurvey's export: codes as headers (or `code [option]` with full answers)."""
    headers = ["id", "submitdate", "lastpage", "token", "firstname", "lastname", "email"]
    for q in qn.questions:
        if q.kind == "multiple":
            headers += [
                f"{q.export_code} [{o.label}]" if words else f"{q.export_code}[{o.export_code}]"
                for o in q.options
            ]
        else:
            headers.append(q.export_code)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=sep, lineterminator="\r\n")
        if title:
            w.writerow(["Enquête coopération — export du 01/02/2021"])
            w.writerow([])
        w.writerow(headers)
        for n, r in enumerate(rows, 1):
            cells = [str(n), "2020-12-14 10:00:00", "5", "tok", "Camille", "FICTIVIER", "c@x.fr"]
            for q in qn.questions:
                if q.kind == "multiple":
                    ticked = r.get(q.code) or []
                    yes = "Oui" if words else "Y"
                    cells += [yes if o.code in ticked else "" for o in q.options]
                else:
                    cells.append(r.get(f"raw:{q.code}", _cell(qn, q.code, r.get(q.code), words)))
            w.writerow(cells)
    return path


def ds_workbook(path: Path, rows: list[dict], qn=Q22) -> Path:
    """Démarches simplifiées' export: full question texts, answers in words."""
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Dossiers")
    ws.write_row(0, 0, ["ID", "Email", "Nom", "Prénom", *[q.label for q in qn.questions]])
    for n, r in enumerate(rows, 1):
        cells = [str(n), "usager@exemple.invalid", "FICTIVIER", "Camille"]
        cells += [
            r.get(f"raw:{q.code}", _cell(qn, q.code, r.get(q.code), True)) for q in qn.questions
        ]
        ws.write_row(n, 0, cells)
    wb.add_worksheet("Avis").write_row(0, 0, ["Dossier", "Avis"])
    wb.close()
    return path


def process(path: Path) -> SurveyFileResult:
    [result] = process_batch([path], other_formats=(read_survey_file,))
    assert isinstance(result, SurveyFileResult), result.refused
    assert result.error is None, result.error
    return result


def answers_of(result: SurveyFileResult, line: int | None = None) -> set[tuple]:
    [(_, _), (_, answers)] = result.rows_by_table()
    if line is not None:
        answers = answers.filter(pl.col("line") == line)
    return set(answers.select("question_code", "option_code", "value_number", "value_text").rows())


def assert_conserved(result: SurveyFileResult) -> None:
    assert result.rows_read == result.rows_accepted + result.rows_quarantined
    lines = set(result.quarantine()["line"].to_list())
    [(_, respondents), _] = result.rows_by_table()
    assert not lines & set(respondents["line"].to_list())


@pytest.mark.parametrize(
    "layout",
    [
        dict(),  # LimeSurvey, answer codes
        dict(words=True, sep=";", encoding="cp1252", title=True),  # full answers, Excel CSV
    ],
    ids=["codes", "full-answers-cp1252"],
)
def test_a_limesurvey_export_reads_the_same_whatever_its_options(tmp_path, layout):
    r = process(limesurvey_csv(tmp_path / "export.csv", [ANSWERS], **layout))
    assert r.questionnaires == ["cooperation_2020"] and r.status == "accepted"
    assert answers_of(r) == EXPECTED
    [(table, respondents), _] = r.rows_by_table()
    assert table == "survey_respondents"
    row = respondents.row(0, named=True)
    assert (row["porteur_siret"], row["department_code"], row["porteur_category"]) == (
        SIRET_OK,
        "54",
        "centre_social",
    )
    assert (row["wave"], row["campaign_year"]) == (1, 2020)
    assert set(r.guard.dropped) >= {
        "firstname",
        "lastname",
        "email",
        "token",
        "Nom et prénom de la personne qui répond",
    }


def test_a_form_export_with_full_question_texts_is_the_2022_wave(tmp_path):
    rows = [
        {**ANSWERS, "convention": "rarement", "partenariats_poursuivis": "en_partie"},
        {
            **ANSWERS,
            "siret": SIRET_2,
            "raw:leviers": "Des lieux et équipements partagés ; la météo",
        },
    ]
    r = process(ds_workbook(tmp_path / "dossiers.xlsx", rows))
    assert r.questionnaires == ["cooperation_2022"]
    assert r.ignored_sheets == ["Avis"]
    # a label holding a comma is one option, not two
    assert answers_of(r, 2) == EXPECTED | {
        ("convention", "rarement", 2.0, None),
        ("partenariats_poursuivis", "en_partie", None, None),
    }
    q = r.quarantine()
    assert q.select("line", "rule", "field").rows() == [(3, "reponse_non_admise", "leviers")]
    assert "la météo" in q["reason"][0] and "Des lieux et équipements partagés" in q["reason"][0]
    assert {"Email", "Nom", "Prénom"} <= set(r.guard.dropped)
    assert_conserved(r)


def test_broken_rows_are_quarantined_with_french_reasons(tmp_path):
    rows = [
        ANSWERS,
        {**ANSWERS, "siret": "12345678901234"},
        {**ANSWERS, "siret": OTHERS[0], "departement": "99"},
        {**ANSWERS, "siret": OTHERS[1], "raw:coconstruction_habitants": "Peut-être"},
        {**ANSWERS, "siret": OTHERS[2], "nb_partenaires": "une dizaine"},
        {"siret": OTHERS[3], "departement": "57"},  # identifiers only
        {**ANSWERS, "siret": ""},
        dict(ANSWERS),  # the same structure again
    ]
    r = process(limesurvey_csv(tmp_path / "export.csv", rows))
    got = r.quarantine().sort("line").select("line", "rule").rows()
    assert got == [
        (3, "siret_invalide"),
        (4, "departement_invalide"),
        (5, "reponse_non_admise"),
        (6, "nombre_invalide"),
        (7, "questionnaire_vide"),
        (8, "identifiant_absent"),
        (9, "reponse_en_double"),
    ]
    reasons = dict(r.quarantine().select("rule", "reason").rows())
    assert reasons["reponse_en_double"] == (
        f"La structure {SIRET_OK} a déjà répondu plus haut dans ce fichier (ligne 2) : "
        "seule la première réponse est retenue."
    )
    assert (
        "Peut-être" in reasons["reponse_non_admise"]
        and "Oui, En partie, Non" in (reasons["reponse_non_admise"])
    )
    assert r.rows_accepted == 1 and r.status == "partially_accepted"
    assert_conserved(r)


def test_personal_data_never_leaves_the_reader(tmp_path):
    r = process(limesurvey_csv(tmp_path / "export.csv", [ANSWERS, {**ANSWERS, "siret": "x"}]))
    frames = [f for _, f in r.rows_by_table()] + [r.quarantine()]
    text = " ".join(
        str(v) for f in frames for c in f.columns if f.schema[c] == pl.Utf8 for v in f[c].to_list()
    )
    for value in ("FICTIVIER", "Camille", "exemple.invalid", "06 11 22 33 44", "c@x.fr"):
        assert value not in text


def test_files_that_are_not_surveys_keep_their_way(tmp_path):
    returns = write_csv(tmp_path / "bilan.csv", ACTIVITY_HEADERS, [action()])
    other = tmp_path / "autre.csv"
    other.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    empty = limesurvey_csv(tmp_path / "vide.csv", [])
    results = process_batch([returns, other, empty], other_formats=(read_survey_file,))
    assert results[0].kinds == ["activity"] and not isinstance(results[0], SurveyFileResult)
    assert results[1].refused[0] == "entete_introuvable"
    assert isinstance(results[2], SurveyFileResult)
    assert results[2].refused[0] == "fichier_sans_ligne" and results[2].status == "rejected"
    assert results[2].quarantine()["rule"].to_list() == ["fichier_sans_ligne"]


def test_the_demo_survey_reads_back_as_its_truth(tmp_path):
    demo = generate_demo(tmp_path, seed=3, scale=0.25)
    truth = demo.survey
    assert [p.name for p in truth.files] == [
        "enquete_cooperation_2020_limesurvey.csv",
        "enquete_cooperation_2022_export.xlsx",
    ]
    results = process_batch(truth.files, other_formats=(read_survey_file,))
    for r in results:
        assert isinstance(r, SurveyFileResult) and r.error is None
        assert_conserved(r)
        want = truth.respondents.filter(pl.col("file_name") == r.path.name)
        assert r.rows_read == want.height and 90 <= want.height <= 100
        broken = want.filter(pl.col("broken_rule").is_not_null())
        got = r.quarantine().select("line", "rule").sort("line").rows()
        assert got == broken.select("line", "broken_rule").sort("line").rows()
        [(_, respondents), (_, answers)] = r.rows_by_table()
        assert sorted(respondents.select("line", "porteur_siret", "department_code").rows()) == (
            sorted(
                want.filter(pl.col("broken_rule").is_null())
                .select("line", "porteur_siret", "department_code")
                .rows()
            )
        )
        cols = ["line", "question_code", "option_code", "value_number"]
        expected = truth.answers_in_force().filter(pl.col("file_name") == r.path.name)
        assert sorted(answers.select(cols).rows(), key=str) == sorted(
            expected.select(cols).rows(), key=str
        )
        # free texts: as written, contacts masked
        texts = answers.filter(pl.col("value_text").is_not_null())
        assert texts.height > 20
        assert texts["value_text"].str.contains("masquée").sum() >= 2
        assert not texts["value_text"].str.contains(r"06 \d\d").any()
