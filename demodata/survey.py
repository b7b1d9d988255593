"""The cooperation survey of the demo: porteurs of the returns answering the questionnaires.

Wave 1 (Dec 2020–Jan 2021, about the 2020 campaign) arrives as a LimeSurvey CSV export
(question codes as headers, answer codes, comma, UTF-8); wave 2 (autumn 2022) as a
Démarches simplifiées-style XLSX (full question texts as headers, answers in words, a
multiple choice in one cell), with a second sheet that is not the survey. About 100
porteurs answer each wave: the same SIRETs as in their returns, and answers that follow
their partnerships of that campaign (inhabitants among their partners make co-construction
likely, partners of a kind give that kind a place). Respondents' names, e-mails and phones
are in the files (to be dropped); some free texts carry an e-mail or a phone (to be masked);
a few rows break exactly one rule.

`SurveyTruth` holds every respondent and answer written, with the line it sits on and
`broken_rule` (None for a valid row).
"""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import xlsxwriter

from demodata.siret import break_siret
from demodata.texts import fake_person
from survey.contract import Question, Questionnaire, questionnaire

RESPONDENTS_PER_WAVE = 100
FILE_NAMES = {
    "cooperation_2020": "enquete_cooperation_2020_limesurvey.csv",
    "cooperation_2022": "enquete_cooperation_2022_export.xlsx",
}
ARRIVALS = {"cooperation_2020": date(2021, 2, 8), "cooperation_2022": date(2022, 12, 5)}
INHABITANTS = ("conseil_citoyen", "collectif_habitants")
LOCAL_AUTHORITIES = ("commune", "epci", "departement", "region")
# (rule, how many rows) broken per wave, one rule each
BREAKAGE = (
    ("siret_invalide", 1),
    ("reponse_non_admise", 2),
    ("nombre_invalide", 1),
    ("questionnaire_vide", 1),
    ("reponse_en_double", 1),
)
COMMENTS = (
    "Oui, à condition que chacun connaisse le rôle des autres.",
    "La place des habitants reste à construire : ils sont consultés, rarement associés.",
    "L'État est surtout financeur ; nous aimerions plus de présence sur le terrain.",
    "La commune et les associations travaillent bien ensemble depuis plusieurs années.",
    "Difficile de se coordonner en si peu de temps avant l'été.",
    "Le délégué du préfet a été un appui précieux pour réunir les partenaires.",
)
RESPONDENT_SCHEMA = {
    "questionnaire": pl.Utf8,
    "wave": pl.Int32,
    "campaign_year": pl.Int32,
    "file_name": pl.Utf8,
    "sheet": pl.Utf8,
    "line": pl.Int32,
    "porteur_siret": pl.Utf8,
    "department_code": pl.Utf8,
    "porteur_category": pl.Utf8,
    "broken_rule": pl.Utf8,
}
ANSWER_SCHEMA = {
    "questionnaire": pl.Utf8,
    "file_name": pl.Utf8,
    "line": pl.Int32,
    "question_code": pl.Utf8,
    "option_code": pl.Utf8,
    "value_number": pl.Float64,
    "value_text": pl.Utf8,
}


@dataclass
class SurveyTruth:
    files: list[Path] = field(default_factory=list)
    respondents: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=RESPONDENT_SCHEMA)
    )
    answers: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ANSWER_SCHEMA))
    personal_values: list[str] = field(default_factory=list)  # must never reach the warehouse

    def respondents_in_force(self) -> pl.DataFrame:
        return self.respondents.filter(pl.col("broken_rule").is_null())

    def answers_in_force(self) -> pl.DataFrame:
        ok = self.respondents_in_force().select("file_name", "line")
        return self.answers.join(ok, on=["file_name", "line"], how="semi")


def porteur_profiles(actions: pl.DataFrame, partners: pl.DataFrame, year: int) -> pl.DataFrame:
    """One row per porteur of the campaign: its département and category (most frequent),
    actions, partner categories, mean partners per action."""
    key = ["campaign_year", "scheme", "grant_file"]
    acts = actions.filter(pl.col("campaign_year") == year)
    parts = partners.filter(pl.col("campaign_year") == year)
    counts = parts.group_by(key).agg(n=pl.len(), categories=pl.col("partner_category").unique())
    acts = acts.join(counts, on=key, how="left").with_columns(pl.col("n").fill_null(0))
    return (
        acts.group_by("porteur_siret")
        .agg(
            department_code=pl.col("department_code").mode().sort().first(),
            porteur_category=pl.col("porteur_category").mode().sort().first(),
            actions=pl.len(),
            mean_partners=pl.col("n").mean(),
            categories=pl.col("categories")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort(),
        )
        .sort("porteur_siret")
    )


def _likert(base: float, rng: random.Random) -> int:
    return max(1, min(4, round(base + rng.choice((-1, 0, 0, 0, 1)))))


def _answers(qn: Questionnaire, p: dict, rng: random.Random) -> dict[str, object]:
    """Answers as codes (a list of codes for a multiple choice), following the porteur's
    partnerships; a question is now and then left blank."""
    cats = set(p["categories"] or [])
    hab = bool(cats & set(INHABITANTS))
    many = p["mean_partners"] >= 2
    # co-construction goes with inhabitants among the partners, and with many partners
    weights = (70, 20, 10) if hab else (35, 35, 30) if p["mean_partners"] >= 2.5 else (10, 30, 60)
    co = rng.choices(("oui", "en_partie", "non"), weights)[0]
    base = {
        "place_etat": 3 if "etat" in cats else 2,
        "place_collectivites": 3 if cats & set(LOCAL_AUTHORITIES) else 2,
        "place_associations": 3 if "association" in cats else 2,
        "place_habitants": 3.5 if hab else 1.8,
        "group:pratiques": 3 if many else 2,
        "group:participation_habitants": 3 if co == "oui" else 2 if co == "en_partie" else 1.5,
    }
    out: dict[str, object] = {}
    for q in qn.answered:
        if q.code != "categorie" and rng.random() < 0.05:
            continue  # no answer
        if q.code == "categorie":
            out[q.code] = p["porteur_category"]
        elif q.code == "coconstruction_habitants":
            out[q.code] = co
        elif q.kind == "likert":
            b = base.get(q.code, base.get(f"group:{q.group}", 2.5))
            out[q.code] = q.options[_likert(b, rng) - 1].code
        elif q.kind == "single":
            out[q.code] = rng.choice(q.options).code
        elif q.kind == "multiple":
            weights = {"delegue_prefet": 0.7 if "etat" in cats else 0.2, "crise_sanitaire": 0.8}
            picked = [o.code for o in q.options if rng.random() < weights.get(o.code, 0.35)]
            if picked:
                out[q.code] = picked
        elif q.kind == "number":
            out[q.code] = max(0, round(p["mean_partners"]) + rng.choice((0, 0, 1, -1)))
        elif q.kind == "text" and rng.random() < 0.6:
            out[q.code] = rng.choice(COMMENTS)
    return out


@dataclass
class _Row:
    p: dict
    answers: dict[str, object]
    person: tuple[str, str, str]  # name, e-mail, phone
    broken_rule: str | None = None
    raw: dict[str, str] = field(default_factory=dict)  # overrides as written (breakage)


def _phone(rng: random.Random) -> str:
    return "06 " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4))


def _rows(qn: Questionnaire, profiles: pl.DataFrame, rng: random.Random) -> list[_Row]:
    chosen = rng.sample(profiles.to_dicts(), min(RESPONDENTS_PER_WAVE, profiles.height))
    rows = []
    for p in chosen:
        name, _, email = fake_person(rng, qn.campaign_year)
        rows.append(_Row(p, _answers(qn, p, rng), (name, email, _phone(rng))))
    # A few free texts carry a phone or an e-mail (masked on the way in).
    texts = [r for r in rows if "place_de_chacun" in r.answers]
    for r in texts[:3]:
        r.answers["place_de_chacun"] = f"{r.answers['place_de_chacun']} Contact : {r.person[2]}"
    # Broken rows: each breaks one rule, at places drawn once.
    victims = rng.sample(rows[: len(rows) - 1], sum(n for _, n in BREAKAGE))
    i = 0
    for rule, n in BREAKAGE:
        for _ in range(n):
            r = victims[i]
            i += 1
            r.broken_rule = rule
            if rule == "siret_invalide":
                r.raw["siret"] = break_siret(r.p["porteur_siret"], rng)
            elif rule == "reponse_non_admise":
                r.raw["coconstruction_habitants"] = "Peut-être"
            elif rule == "nombre_invalide":
                r.raw["nb_partenaires"] = "une dizaine"
            elif rule == "questionnaire_vide":
                r.answers = {}
            elif rule == "reponse_en_double":
                # the structure answered twice: the copy comes right after a valid answer
                first = next(x for x in rows if x.broken_rule is None and x is not r)
                r.p = first.p
                r.answers = dict(first.answers)
    # A duplicate must come after its first copy.
    dup = next(r for r in rows if r.broken_rule == "reponse_en_double")
    rows.remove(dup)
    first = next(x for x in rows if x.p is dup.p and x is not dup)
    rows.insert(rows.index(first) + 1, dup)
    return rows


def _text(q: Question, value: object, style: str) -> str:
    """An answer as the export writes it: LimeSurvey codes, or words."""
    if value is None:
        return ""
    if q.kind in ("single", "likert"):
        o = q.option(str(value))
        if style == "codes":
            return o.export_code or o.code
        return o.label
    if q.kind == "multiple":
        return ", ".join(q.option(c).label for c in value)  # type: ignore[union-attr]
    return str(value)


def _limesurvey(path: Path, qn: Questionnaire, rows: list[_Row], rng: random.Random) -> list[int]:
    headers = ["id", "submitdate", "lastpage", "startlanguage", "seed", "token"]
    for q in qn.questions:
        if q.kind == "multiple":
            headers += [f"{q.export_code}[{o.export_code}]" for o in q.options]
        else:
            headers.append(q.export_code)
    start = date.fromisoformat(qn.fielded_from)
    days = (date.fromisoformat(qn.fielded_to) - start).days
    lines = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(headers)
        for n, r in enumerate(rows, start=1):
            when = datetime.combine(
                start + timedelta(days=rng.randint(0, days)), datetime.min.time()
            )
            cells = [str(n), f"{when:%Y-%m-%d} 10:{rng.randint(0, 59):02d}:00", "6", "fr", "", ""]
            for q in qn.questions:
                value = _written(q, r)
                if q.kind == "multiple":
                    ticked = value or []
                    cells += ["Y" if o.code in ticked else "" for o in q.options]
                else:
                    cells.append(r.raw.get(q.code, _text(q, value, "codes")))
            w.writerow(cells)
            lines.append(n + 1)
    return lines


def _written(q: Question, r: _Row) -> object:
    if q.kind == "siret":
        return r.p["porteur_siret"]
    if q.kind == "department":
        return r.p["department_code"]
    if q.kind == "personal":
        return {"repondant_nom": r.person[0], "repondant_courriel": r.person[1]}.get(
            q.code, r.person[2]
        )
    return r.answers.get(q.code)


def _ds_workbook(path: Path, qn: Questionnaire, rows: list[_Row], rng: random.Random) -> list[int]:
    headers = ["ID", "Email", "Date de dépôt", "État du dossier"] + [q.label for q in qn.questions]
    start = date.fromisoformat(qn.fielded_from)
    days = (date.fromisoformat(qn.fielded_to) - start).days
    # in memory (fixed zip timestamps) and a fixed creation date: same seed, same bytes
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    created = datetime.combine(ARRIVALS[qn.code], datetime.min.time(), UTC)
    wb.set_properties({"title": qn.title, "author": "Démonstrateur (fictif)", "created": created})
    ws = wb.add_worksheet("Dossiers")
    ws.write_row(0, 0, headers)
    lines = []
    for n, r in enumerate(rows, start=1):
        cells = [
            str(1000 + n),
            r.person[1],
            f"{start + timedelta(days=rng.randint(0, days)):%d/%m/%Y}",
            "Accepté",
        ]
        for q in qn.questions:
            cells.append(r.raw.get(q.code, _text(q, _written(q, r), "words")))
        ws.write_row(n, 0, cells)
        lines.append(n + 1)
    other = wb.add_worksheet("Avis")
    other.write_row(0, 0, ["Dossier", "Avis", "Date"])
    wb.close()
    return lines


def generate_survey(
    inbox: Path, actions: pl.DataFrame, partners: pl.DataFrame, seed: int
) -> SurveyTruth:
    """Write both waves in `inbox` from the returns in force; return the truth."""
    truth = SurveyTruth()
    respondents, answers, personal = [], [], set()
    for code, style in (("cooperation_2020", "limesurvey"), ("cooperation_2022", "ds")):
        qn = questionnaire(code)
        rng = random.Random(f"{seed}:{code}")
        profiles = porteur_profiles(actions, partners, qn.campaign_year)
        if profiles.height < 20:  # too few porteurs this campaign for a survey
            continue
        rows = _rows(qn, profiles, rng)
        path = inbox / FILE_NAMES[code]
        writer = _limesurvey if style == "limesurvey" else _ds_workbook
        lines = writer(path, qn, rows, rng)
        when = datetime.combine(ARRIVALS[code], datetime.min.time(), UTC).timestamp()
        os.utime(path, (when, when))
        truth.files.append(path)
        sheet = None if style == "limesurvey" else "Dossiers"
        for r, line in zip(rows, lines, strict=True):
            personal.update(r.person)
            respondents.append(
                {
                    "questionnaire": code,
                    "wave": qn.wave,
                    "campaign_year": qn.campaign_year,
                    "file_name": path.name,
                    "sheet": sheet,
                    "line": line,
                    "porteur_siret": r.p["porteur_siret"],
                    "department_code": r.p["department_code"],
                    "porteur_category": r.answers.get("categorie"),
                    "broken_rule": r.broken_rule,
                }
            )
            for q in qn.answered:
                value = r.answers.get(q.code)
                if value is None:
                    continue
                for v in value if isinstance(value, list) else [value]:
                    option = str(v) if q.options else None
                    score = q.option(option).score if option else None
                    answers.append(
                        {
                            "questionnaire": code,
                            "file_name": path.name,
                            "line": line,
                            "question_code": q.code,
                            "option_code": option,
                            "value_number": float(v) if q.kind == "number" else score,
                            "value_text": v if q.kind == "text" else None,
                        }
                    )
    truth.respondents = pl.DataFrame(respondents, schema=RESPONDENT_SCHEMA)
    truth.answers = pl.DataFrame(answers, schema=ANSWER_SCHEMA)
    truth.personal_values = sorted(personal)
    return truth
