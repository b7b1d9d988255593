"""A survey export from bytes on disk to respondents, answers and quarantine rows.

A survey file arrives in the same inbox as the returns and is one partition like them: the
returns' processing hands over a file whose header no return kind matches
(`process_batch(..., other_formats=(read_survey_file,))`), and a `SurveyFileResult` then
answers every question a return's result answers (status, counts, quarantine, summary), so
the warehouse writer, the rejection report and the UI treat both alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from returns.privacy import GuardReport
from returns.process import QUARANTINE_SCHEMA, FileResult
from returns.readers import FileRefused, Limits
from returns.validate import lines_refused
from survey.privacy import guard_survey
from survey.readers import questionnaire_of, read_export
from survey.validate import SurveyValidated, validate_survey

KIND = "survey"


@dataclass
class SurveyFileResult(FileResult):
    surveys: list[SurveyValidated] = field(default_factory=list)

    def fail(self, exc: BaseException) -> None:
        super().fail(exc)
        self.surveys = []

    @property
    def questionnaires(self) -> list[str]:
        return sorted({s.questionnaire.code for s in self.surveys})

    @property
    def kinds(self) -> list[str]:
        return [KIND] if self.surveys else []

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.surveys)

    @property
    def rows_accepted(self) -> int:
        return sum(s.respondents.height for s in self.surveys)

    @property
    def rows_quarantined(self) -> int:
        return sum(lines_refused(s.violations) for s in self.surveys)

    def quarantine(self) -> pl.DataFrame:
        if self.refused:
            return super().quarantine()
        frames = [
            s.violations.with_columns(sheet=pl.lit(s.sheet, pl.Utf8), kind=pl.lit(KIND)).select(
                *QUARANTINE_SCHEMA
            )
            for s in self.surveys
        ]
        return pl.concat(frames) if frames else pl.DataFrame(schema=QUARANTINE_SCHEMA)

    def rows_by_table(self) -> list[tuple[str, pl.DataFrame]]:
        out = []
        for s in self.surveys:
            sheet = pl.lit(s.sheet, pl.Utf8)
            out.append(("survey_respondents", s.respondents.with_columns(sheet=sheet)))
            answers = s.answers.with_columns(
                sheet=sheet, questionnaire=pl.lit(s.questionnaire.code)
            )
            out.append(("survey_answers", answers))
        return out


def read_survey_file(path: Path, limits: Limits, base: FileResult) -> SurveyFileResult | None:
    """The file as a survey export, or None when no questionnaire's header is found in it
    (the returns' refusal then stands). Whatever else happens refuses this file alone."""
    result = SurveyFileResult(base.path, base.file_hash, base.size_bytes)
    try:
        read = read_export(path, limits)
    except FileRefused as refused:
        if refused.rule == "entete_introuvable":
            return None
        result.refused = (refused.rule, refused.detail)
        return result
    except Exception as exc:  # noqa: BLE001 - one file never stops the others
        result.fail(exc)
        return result
    try:
        if all(t.data.height == 0 for t in read.tables):
            result.refused = ("fichier_sans_ligne", "")
            return result
        result.ignored_sheets = read.ignored_sheets
        result.rows_ignored = sum(t.rows_ignored for t in read.tables)
        report = GuardReport()
        for t in read.tables:
            qn = questionnaire_of(t.kind)
            result.surveys.append(validate_survey(guard_survey(t, qn, report), qn))
        result.guard = report
    except Exception as exc:  # noqa: BLE001
        result.fail(exc)
    return result
