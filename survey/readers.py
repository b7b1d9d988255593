"""Reading survey exports: recognise which questionnaire a file answers by its header row.

Two layouts are read, in CSV or XLSX, by the returns' readers (same encodings, separators,
title blocks, blank and TOTAL lines, size bounds):
- LimeSurvey's export: question codes as headers (`COCON`, `LEV[SQ001]` one column per
  option of a multiple choice), answers as codes (`A2`, `Y`) or as full answers;
- form tools and Démarches simplifiées: full question texts as headers, answers in words,
  a multiple choice in one cell (options separated by `,` or `;`).
Every column becomes a column named after the question (or `question[option]`); the
validator turns them into answers.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from returns.contract import Field, Kind
from returns.headers import HeaderMatch, normalise
from returns.readers import Limits, ReadResult, read_file
from survey.contract import Question, Questionnaire, questionnaires

RESPONSE_ID = "_response_id"
SUBMITTED_AT = "_submitted_at"
META: dict[str, tuple[str, ...]] = {
    RESPONSE_ID: ("id", "id réponse", "numéro de réponse", "numéro", "dossier", "n° dossier"),
    SUBMITTED_AT: (
        "submitdate",
        "date de soumission",
        "date d'envoi",
        "date de dépôt",
        "horodateur",
        "date de dépôt du dossier",
    ),
}
MIN_QUESTIONS = 5  # answered questions a header needs besides the SIRET to be a survey's


def option_column(q: Question, option_code: str) -> str:
    return f"{q.code}[{option_code}]"


def _headers(q: Question) -> dict[str, str]:
    """Header as an export may write it → column name."""
    out = {h: q.code for h in (q.code, q.export_code, q.label, *q.synonyms)}
    if q.kind == "multiple":
        for o in q.options:
            col = option_column(q, o.code)
            for h in (
                f"{q.export_code}[{o.export_code}]",
                f"{q.export_code} [{o.label}]",
                f"{q.label} [{o.label}]",
                f"{q.label} - {o.label}",
                f"{q.code}[{o.code}]",
            ):
                out[h] = col
    return out


@cache
def kind_of(questionnaire_code: str) -> tuple[Kind, dict[str, str]]:
    """The questionnaire as a contract kind (one text field per column) and its header
    index (normalised header → column)."""
    qn = next(q for q in questionnaires() if q.code == questionnaire_code)
    index: dict[str, str] = {}
    columns: list[str] = [RESPONSE_ID, SUBMITTED_AT]
    for name, spellings in META.items():
        for h in spellings:
            index.setdefault(normalise(h), name)
    for q in qn.questions:
        for header, col in _headers(q).items():
            index.setdefault(normalise(header), col)
        columns.append(q.code)
        if q.kind == "multiple":
            columns += [option_column(q, o.code) for o in q.options]
    kind = Kind(
        name="survey",
        label=f"questionnaire « {qn.title} »",
        sheet_names=(),
        table="survey_respondents",
        fields=tuple(Field(c, c, "text", c, required=False) for c in columns),
    )
    return kind, index


def _match(cells: list[object], qn: Questionnaire) -> HeaderMatch | None:
    kind, index = kind_of(qn.code)
    mapping: dict[int, str] = {}
    extras: dict[int, str] = {}
    for i, cell in enumerate(cells):
        if cell is None or str(cell).strip() == "":
            continue
        col = index.get(normalise(str(cell)))
        if col is not None and col not in mapping.values():
            mapping[i] = col
        else:
            extras[i] = str(cell).strip()
    found = {c.split("[")[0] for c in mapping.values()}
    answered = {q.code for q in qn.answered} & found
    if qn.of_kind("siret")[0].code not in found or len(answered) < MIN_QUESTIONS:
        return None
    return HeaderMatch(kind, 0, mapping, extras)


def find_survey_header(rows: list[list[object]], max_scan: int = 30) -> HeaderMatch | None:
    """The row and questionnaire whose questions the headers match best: most questions
    found, then fewest of the questionnaire's questions missing (a later version asks more)."""
    best, best_rank = None, None
    for r, cells in enumerate(rows[:max_scan]):
        for qn in questionnaires():
            m = _match(cells, qn)
            if m is None:
                continue
            found = {c.split("[")[0] for c in m.mapping.values()} - set(META)
            rank = (len(found), -len({q.code for q in qn.questions} - found))
            if best_rank is None or rank > best_rank:
                best = HeaderMatch(m.kind, r, m.mapping, m.extras)
                best_rank = rank
    return best


def questionnaire_of(kind: Kind) -> Questionnaire:
    """The questionnaire a table read by `read_export` answers (its kind is `kind_of`'s)."""
    return next(q for q in questionnaires() if kind_of(q.code)[0] is kind)


def read_export(path: Path, limits: Limits | None = None) -> ReadResult:
    """Read a survey export; raise FileRefused (the returns' file rules) when it cannot be."""
    return read_file(path, limits, finder=find_survey_header)
