"""Validation of a survey export: raw text columns → respondents, answers (one row per
answer, one per ticked option) and one violation per broken rule, in French.

As for the returns, every rule is checked on every row, a row with a violation is
quarantined whole, and the checks are polars expressions over the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from returns import normalise as norm
from returns.headers import strip_accents
from returns.readers import RawTable
from returns.validate import VIOLATION_SCHEMA, fill_message
from survey.contract import RULES, TICKED, UNTICKED, Question, Questionnaire
from survey.readers import RESPONSE_ID, SUBMITTED_AT, option_column

ANSWER_SCHEMA = {
    "line": pl.Int32,
    "question_code": pl.Utf8,
    "option_code": pl.Utf8,
    "value_number": pl.Float64,
    "value_text": pl.Utf8,
}
RESPONDENT_SCHEMA = {
    "line": pl.Int32,
    "questionnaire": pl.Utf8,
    "wave": pl.Int32,
    "campaign_year": pl.Int32,
    "response_id": pl.Utf8,
    "porteur_siret": pl.Utf8,
    "department_code": pl.Utf8,
    "porteur_category": pl.Utf8,
    "submitted_at": pl.Date,
}


@dataclass
class SurveyValidated:
    questionnaire: Questionnaire
    sheet: str | None
    respondents: pl.DataFrame  # RESPONDENT_SCHEMA
    answers: pl.DataFrame  # ANSWER_SCHEMA, accepted rows only
    violations: pl.DataFrame  # VIOLATION_SCHEMA
    rows_read: int


def fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", strip_accents(text).lower()).strip("_")


def _fold(e: pl.Expr) -> pl.Expr:
    """The same folding in polars: case, accents and punctuation do not matter."""
    return (
        e.str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace_all(r"[^a-z0-9]+", "_")
        .str.strip_chars("_")
    )


def _reason(rule: str, **parts: str | pl.Expr) -> pl.Expr:
    return fill_message(RULES[rule].message, **parts)


@dataclass(frozen=True)
class _Check:
    rule: str
    field: str
    flag: pl.Expr
    value: pl.Expr
    reason: pl.Expr


def _lookup(q: Question) -> dict[str, str]:
    return {fold(s): o.code for o in q.options for s in o.spellings}


def _allowed(q: Question) -> str:
    return ", ".join(o.label for o in q.options)


def _answer(q: Question, option: pl.Expr | None = None, number: pl.Expr | None = None):
    return pl.struct(
        line=pl.col("line"),
        question_code=pl.lit(q.code),
        option_code=option if option is not None else pl.lit(None, pl.Utf8),
        value_number=(number if number is not None else pl.lit(None)).cast(pl.Float64),
        value_text=pl.lit(None, pl.Utf8),
    )


def _choice(q: Question) -> tuple[list[pl.Expr], list[pl.Expr], list[_Check]]:
    """(answer structs, their presence flags, checks) of a single-choice or Likert question."""
    raw = pl.col(q.code)
    code = _fold(raw).replace_strict(_lookup(q), default=None, return_dtype=pl.Utf8)
    score = code.replace_strict(
        {o.code: o.score for o in q.options}, default=None, return_dtype=pl.Float64
    )
    check = _Check(
        "reponse_non_admise",
        q.code,
        raw.is_not_null() & code.is_null(),
        raw,
        _reason("reponse_non_admise", value=raw, field=q.label, allowed=_allowed(q)),
    )
    number = score if q.kind == "likert" else None
    return [_answer(q, code, number)], [code.is_not_null()], [check]


def _ticked_columns(q: Question) -> tuple[list[pl.Expr], list[pl.Expr], list[_Check]]:
    """A multiple choice exported one column per option (LimeSurvey)."""
    answers, present, checks = [], [], []
    for o in q.options:
        raw = pl.col(option_column(q, o.code))
        key = _fold(raw)
        ticked = key.is_in([*TICKED, *(fold(s) for s in o.spellings)])
        ok = ticked | key.is_in(list(UNTICKED)) | raw.is_null()
        answers.append(_answer(q, pl.lit(o.code)))
        present.append(ticked.fill_null(False))
        checks.append(
            _Check(
                "reponse_non_admise",
                q.code,
                ~ok,
                raw,
                _reason(
                    "reponse_non_admise",
                    value=raw,
                    field=f"{q.label} [{o.label}]",
                    allowed="Oui, Non ou vide",
                ),
            )
        )
    return answers, present, checks


def _one_cell(q: Question) -> tuple[list[pl.Expr], list[pl.Expr], list[_Check]]:
    """A multiple choice in one cell, options in words separated by commas or semicolons."""
    raw = pl.col(q.code)
    key = _fold(raw)
    answers, present = [], []
    leftover = key
    spellings = sorted(
        ((fold(s), o) for o in q.options for s in o.spellings), key=lambda p: -len(p[0])
    )
    for o in q.options:
        pattern = "|".join(re.escape(s) for s, opt in spellings if opt is o)
        answers.append(_answer(q, pl.lit(o.code)))
        present.append(key.str.contains(f"(?:^|_)(?:{pattern})(?:_|$)").fill_null(False))
    for s, _ in spellings:
        leftover = leftover.str.replace_all(f"(?:^|_){re.escape(s)}(?:_|$)", "_")
    bad = raw.is_not_null() & (leftover.str.strip_chars("_") != "")
    check = _Check(
        "reponse_non_admise",
        q.code,
        bad,
        raw,
        _reason("reponse_non_admise", value=raw, field=q.label, allowed=_allowed(q)),
    )
    return answers, present, [check]


def _question(q: Question, columns: set[str]):
    if q.kind in ("single", "likert"):
        return _choice(q)
    if q.kind == "multiple":
        if any(option_column(q, o.code) in columns for o in q.options):
            return _ticked_columns(q)
        return _one_cell(q)
    raw = pl.col(q.code)
    if q.kind == "number":
        n = norm.integer(raw)
        check = _Check(
            "nombre_invalide",
            q.code,
            raw.is_not_null() & n.is_null(),
            raw,
            _reason("nombre_invalide", value=raw, field=q.label),
        )
        return [_answer(q, number=n)], [n.is_not_null()], [check]
    # free text: kept as written (the guard masked e-mails and phones)
    text = pl.struct(
        line=pl.col("line"),
        question_code=pl.lit(q.code),
        option_code=pl.lit(None, pl.Utf8),
        value_number=pl.lit(None, pl.Float64),
        value_text=raw,
    )
    return [text], [raw.is_not_null()], []


def _identifier_checks(qn: Questionnaire) -> tuple[pl.Expr, pl.Expr, list[_Check]]:
    sq, dq = qn.of_kind("siret")[0], qn.of_kind("department")[0]
    s_raw, d_raw = pl.col(sq.code), pl.col(dq.code)
    digits = norm.siret_digits(s_raw)
    siret = pl.when(norm.siret_valid(digits)).then(digits).otherwise(None)
    dep = norm.department(d_raw)
    dep = pl.when(dep.str.contains(norm.DEPARTMENT)).then(dep).otherwise(None)
    checks = [
        _Check(
            "identifiant_absent",
            q.code,
            pl.col(q.code).is_null(),
            pl.col(q.code),
            _reason("identifiant_absent", field=q.label),
        )
        for q in (sq, dq)
    ] + [
        _Check(
            "siret_invalide",
            sq.code,
            s_raw.is_not_null() & siret.is_null(),
            s_raw,
            _reason("siret_invalide", value=s_raw, field=sq.label),
        ),
        _Check(
            "departement_invalide",
            dq.code,
            d_raw.is_not_null() & dep.is_null(),
            d_raw,
            _reason("departement_invalide", value=d_raw, field=dq.label),
        ),
    ]
    return siret, dep, checks


def validate_survey(table: RawTable, qn: Questionnaire) -> SurveyValidated:
    columns = [c for c in table.kind.columns if c in table.data.columns]
    df = table.data.with_columns(norm.blank_to_null(pl.col(c)).alias(c) for c in columns)
    df = df.with_columns(
        pl.lit(None, pl.Utf8).alias(c) for c in table.kind.columns if c not in df.columns
    )
    siret, dep, checks = _identifier_checks(qn)
    answers: list[pl.Expr] = []
    present: list[pl.Expr] = []
    raw_answered: list[pl.Expr] = []
    for q in qn.answered:
        a, p, c = _question(q, set(columns))
        answers += a
        present += p
        checks += c
        own = [q.code] + [option_column(q, o.code) for o in q.options if q.kind == "multiple"]
        raw_answered += [pl.col(x).is_not_null() for x in own]
    # A later copy of a structure's answer in the same file is not counted twice (the first
    # line is computed on the whole table, before any filter).
    df = df.with_columns(_siret=siret, _dep=dep).with_columns(
        _first=pl.col("line").min().over("_siret")
    )
    first = pl.col("_first")
    checks += [
        _Check(
            "questionnaire_vide",
            "",
            ~pl.any_horizontal(raw_answered),
            pl.lit(None, pl.Utf8),
            _reason("questionnaire_vide"),
        ),
        _Check(
            "reponse_en_double",
            qn.of_kind("siret")[0].code,
            pl.col("_siret").is_not_null() & (pl.col("line") > first),
            pl.col("_siret"),
            _reason("reponse_en_double", value=pl.col("_siret"), first=first),
        ),
    ]
    violations = pl.concat(
        [
            df.filter(c.flag.fill_null(False)).select(
                pl.col("line").cast(pl.Int32),
                rule=pl.lit(c.rule),
                field=pl.lit(c.field or None, pl.Utf8),
                value=c.value.cast(pl.Utf8),
                reason=c.reason,
            )
            for c in checks
        ]
    ).select(VIOLATION_SCHEMA.keys())
    bad = violations["line"].unique().implode()
    accepted = df.filter(~pl.col("line").is_in(bad))
    profile = next((q for q in qn.questions if q.profile == "porteur_category"), None)
    category = (
        _fold(pl.col(profile.code)).replace_strict(_lookup(profile), default=None)
        if profile
        else pl.lit(None)
    )
    respondents = accepted.select(
        pl.col("line").cast(pl.Int32),
        questionnaire=pl.lit(qn.code),
        wave=pl.lit(qn.wave, pl.Int32),
        campaign_year=pl.lit(qn.campaign_year, pl.Int32),
        response_id=pl.col(RESPONSE_ID),
        porteur_siret=pl.col("_siret"),
        department_code=pl.col("_dep"),
        porteur_category=category.cast(pl.Utf8),
        submitted_at=norm.date(pl.col(SUBMITTED_AT)),
    )
    long = pl.concat(
        [
            accepted.filter(p).select(a.alias("a")).unnest("a")
            for a, p in zip(answers, present, strict=True)
        ]
    ).cast(ANSWER_SCHEMA)
    return SurveyValidated(
        qn, table.sheet, respondents, long.sort("line", "question_code"), violations, df.height
    )
