"""The survey contract: one questionnaire per JSON file in `questionnaires/`.

A questionnaire says which questions it asks (code, French label, kind), their answer
options or scale, which question groups make a cooperation-practice score, which answers
identify the porteur (SIRET, département) and which columns hold the respondent's identity
(never stored). The readers, the validator, the warehouse's question tables and the pages
all read these structures; a new wave is a new file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from returns.contract import CODE_LISTS, Rule

QuestionKind = Literal[
    "single",  # one option
    "multiple",  # any number of options
    "likert",  # one step of an ordered scale with scores
    "number",  # a whole number ≥ 0
    "text",  # free text: kept masked, for analysts only
    "siret",  # identifies the porteur
    "department",  # the porteur's département
    "personal",  # the respondent's name, e-mail, phone: recognised to be dropped
]
KINDS: tuple[str, ...] = QuestionKind.__args__  # type: ignore[attr-defined]
FOLDER = Path(__file__).parent / "questionnaires"
# Answers that tick a box of a multiple-choice question in a one-column-per-option export.
TICKED = ("y", "oui", "o", "x", "1", "vrai", "true", "yes")
UNTICKED = ("n", "non", "0", "faux", "false", "no")


@dataclass(frozen=True)
class Option:
    code: str  # warehouse code
    label: str  # French, as full-answer exports write it
    export_code: str | None = None  # the answer code of the LimeSurvey export (A1, SQ001…)
    score: float | None = None  # Likert step's value

    @property
    def spellings(self) -> tuple[str, ...]:
        return tuple(s for s in (self.code, self.label, self.export_code) if s)


@dataclass(frozen=True)
class Question:
    code: str  # warehouse code (snake_case)
    label: str  # the French question, as full-text exports head its column
    kind: QuestionKind
    export_code: str  # LimeSurvey question code (Q01, L1[SQ002]…)
    options: tuple[Option, ...] = ()
    group: str | None = None  # question group of a cooperation-practice score
    required: bool = False
    synonyms: tuple[str, ...] = ()  # other headers seen in exports
    returns_link: bool = False  # compared with the porteur's partnerships in the returns
    profile: str | None = None  # a porteur attribute this answer gives (porteur_category)

    def option(self, code: str) -> Option:
        return next(o for o in self.options if o.code == code)


@dataclass(frozen=True)
class Questionnaire:
    code: str  # e.g. cooperation_2020
    title: str
    campaign: str  # French label of the wave, e.g. « 2020-2021 »
    wave: int
    campaign_year: int  # the returns campaign the answers speak about
    fielded_from: str  # ISO dates of the fieldwork
    fielded_to: str
    groups: dict[str, str]  # group code → French label
    questions: tuple[Question, ...]

    def get(self, code: str) -> Question:
        return next(q for q in self.questions if q.code == code)

    def of_kind(self, *kinds: str) -> list[Question]:
        return [q for q in self.questions if q.kind in kinds]

    @property
    def answered(self) -> list[Question]:
        """Questions whose answers are stored (identity and identifiers aside)."""
        return [q for q in self.questions if q.kind not in ("personal", "siret", "department")]


def _options(raw: list[dict] | str | None, scales: dict[str, list[dict]]) -> tuple[Option, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):  # a named scale of the file, or a code list of the returns
        if raw in scales:
            raw = scales[raw]
        else:
            return tuple(Option(code, label) for code, label in CODE_LISTS[raw].items())
    return tuple(Option(**o) for o in raw)


def parse(data: dict) -> Questionnaire:
    """A questionnaire from its JSON structure; checked so that a typo fails at load time."""
    scales = data.get("scales", {})
    groups = data.get("groups", {})
    questions = []
    for q in data["questions"]:
        q = dict(q)
        options = _options(q.pop("options", None), scales)
        question = Question(options=options, synonyms=tuple(q.pop("synonyms", ())), **q)
        _check(question, groups)
        questions.append(question)
    codes = [q.code for q in questions]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{data['code']}: question codes repeated")
    for kind in ("siret", "department"):
        if sum(q.kind == kind for q in questions) != 1:
            raise ValueError(f"{data['code']}: exactly one {kind} question expected")
    return Questionnaire(
        code=data["code"],
        title=data["title"],
        campaign=data["campaign"],
        wave=int(data["wave"]),
        campaign_year=int(data["campaign_year"]),
        fielded_from=data["fielded_from"],
        fielded_to=data["fielded_to"],
        groups=groups,
        questions=tuple(questions),
    )


def _check(q: Question, groups: dict[str, str]) -> None:
    if q.kind not in KINDS:
        raise ValueError(f"{q.code}: unknown kind {q.kind}")
    if (q.kind in ("single", "multiple", "likert")) != bool(q.options):
        raise ValueError(f"{q.code}: options go with choice and Likert questions only")
    if q.kind == "likert" and any(o.score is None for o in q.options):
        raise ValueError(f"{q.code}: every step of a Likert scale needs a score")
    if q.group is not None and (q.group not in groups or q.kind != "likert"):
        raise ValueError(f"{q.code}: a score group holds Likert questions of a declared group")
    if len({o.code for o in q.options}) != len(q.options):
        raise ValueError(f"{q.code}: option codes repeated")


@cache
def questionnaires() -> tuple[Questionnaire, ...]:
    """Every questionnaire of the folder, by wave."""
    found = [parse(json.loads(p.read_text("utf-8"))) for p in sorted(FOLDER.glob("*.json"))]
    return tuple(sorted(found, key=lambda q: (q.wave, q.code)))


def questionnaire(code: str) -> Questionnaire:
    return next(q for q in questionnaires() if q.code == code)


# Rules of the survey's rows, with the French reason the data staff read (file-level rules
# are the returns' own: an unreadable export is refused in the same words).
RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "identifiant_absent",
            "La réponse à « {field} » est vide alors qu'elle identifie la structure.",
        ),
        Rule(
            "siret_invalide",
            "« {value} » n'est pas un SIRET valide : 14 chiffres dont le dernier est une clé de "
            "contrôle (question « {field} »).",
        ),
        Rule(
            "departement_invalide",
            "« {value} » n'est pas un code de département valide (01 à 95, 2A, 2B, 971 à 976), "
            "question « {field} ».",
        ),
        Rule(
            "reponse_non_admise",
            "« {value} » n'est pas une réponse admise à la question « {field} » (réponses "
            "admises : {allowed}).",
        ),
        Rule(
            "nombre_invalide",
            "« {value} » n'est pas un nombre entier positif ou nul (question « {field} »).",
        ),
        Rule(
            "questionnaire_vide",
            "Aucune réponse au questionnaire sur cette ligne (seuls les identifiants sont remplis).",
            "row",
        ),
        Rule(
            "reponse_en_double",
            "La structure {value} a déjà répondu plus haut dans ce fichier (ligne {first}) : "
            "seule la première réponse est retenue.",
            "row",
        ),
    )
}
