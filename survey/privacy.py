"""The personal-data guard for survey exports, before validation.

The respondent's identity (the questionnaire's `personal` questions: name, e-mail, phone) is
dropped whole, as are columns outside the questionnaire that name or hold personal data
(LimeSurvey's firstname, lastname, email, token; Démarches simplifiées' Nom, Prénom, Email).
The SIRET and the département are structured: a value holding words, an e-mail or a phone
number is masked whole. Every other answer, free text included, keeps its words with
e-mails and phone numbers masked.
"""

from __future__ import annotations

from returns.privacy import GuardReport, guard_columns, sort_extras
from returns.readers import RawTable
from survey.contract import Questionnaire

# Headers of LimeSurvey's participant table, dropped even when they hold nothing.
IDENTITY_HEADERS = ("firstname", "lastname", "email", "token", "ipaddr", "refurl", "civilite")


def guard_survey(table: RawTable, qn: Questionnaire, report: GuardReport) -> RawTable:
    sort_extras(table.extras, report, dropped=IDENTITY_HEADERS)
    personal = {q.code: q.label for q in qn.of_kind("personal")}
    data = table.data
    for code, label in personal.items():
        if code in data.columns:
            report.dropped.append(label)
    data = data.drop([c for c in personal if c in data.columns])
    structured = {q.code for q in qn.of_kind("siret", "department")}
    data = guard_columns(data, [(c, c in structured) for c in data.columns if c != "line"], report)
    return RawTable(
        table.kind, table.sheet, table.header_line, data, table.missing, {}, table.rows_ignored
    )
