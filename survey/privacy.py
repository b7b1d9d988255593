"""The personal-data guard for survey exports, before validation.

The respondent's identity (the questionnaire's `personal` questions: name, e-mail, phone) is
dropped whole, as are columns outside the questionnaire that name or hold personal data
(LimeSurvey's firstname, lastname, email, token; Démarches simplifiées' Nom, Prénom, Email).
The SIRET and the département are structured: a value holding words, an e-mail or a phone
number is masked whole. Every other answer, free text included, keeps its words with
e-mails and phone numbers masked.
"""

from __future__ import annotations

import polars as pl

from returns.privacy import (
    MASK_VALUE,
    WORDS,
    GuardReport,
    contains_personal,
    is_personal_header,
    looks_personal,
    mask_expr,
    mask_text,
)
from returns.readers import RawTable
from survey.contract import Questionnaire

# Headers of LimeSurvey's participant table, dropped even when they hold nothing.
IDENTITY_HEADERS = ("firstname", "lastname", "email", "token", "ipaddr", "refurl", "civilite")


def guard_survey(table: RawTable, qn: Questionnaire, report: GuardReport) -> RawTable:
    for header, values in table.extras.items():
        name = mask_text(header)
        key = header.strip().lower()
        if key in IDENTITY_HEADERS or is_personal_header(header) or looks_personal(values):
            report.dropped.append(name)
        else:
            report.kept_aside.append(name)
    personal = {q.code: q.label for q in qn.of_kind("personal")}
    data = table.data
    for code, label in personal.items():
        if code in data.columns:
            report.dropped.append(label)
    data = data.drop([c for c in personal if c in data.columns])
    structured = {q.code for q in qn.of_kind("siret", "department")}
    hits, masks = {}, {}
    for c in data.columns:
        if c == "line":
            continue
        col = pl.col(c)
        if c in structured:
            hit = contains_personal(col) | col.str.contains(WORDS)
            masks[c] = pl.when(hit).then(pl.lit(MASK_VALUE)).otherwise(col)
        else:
            hit = contains_personal(col)
            masks[c] = mask_expr(col)
        hits[c] = hit.sum()
    counts = data.select(**hits).row(0, named=True) if hits else {}
    found = {c: int(n) for c, n in counts.items() if n}
    for c, n in found.items():
        report.masked[c] = report.masked.get(c, 0) + n
    if found:
        data = data.with_columns(masks[c].alias(c) for c in found)
    return RawTable(
        table.kind, table.sheet, table.header_line, data, table.missing, {}, table.rows_ignored
    )
