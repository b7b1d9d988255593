"""One file (or a batch of files) from bytes on disk to accepted rows and quarantine rows.

Pure: no warehouse, no Dagster. The ingestion asset writes what this returns.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from platform_config import workers
from returns.contract import RULES
from returns.frames import with_constants
from returns.inbox import file_hash
from returns.privacy import GuardReport, guard_tables, mask_text
from returns.readers import FileRefused, Limits, RawTable, read_file
from returns.validate import (
    MAX_VIOLATIONS,
    VIOLATION_SCHEMA,
    Referential,
    Validated,
    check_partner_actions,
    lines_refused,
    mark_orphans,
    orphan_partner_lines,
    reason,
    validate_tables,
)

DEFAULT_LIMITS = Limits()
#: files from which a second process pays for its start-up (≈ 0.3 s: spawn and imports)
SHARED_FROM = 200
CHUNK_FILES = 16  # files per task of a shared reading
_FAILURE_DETAIL = {
    MemoryError: "le fichier demande trop de mémoire",
    RecursionError: "structure du fichier trop imbriquée",
}
QUARANTINE_SCHEMA = {"sheet": pl.Utf8, "kind": pl.Utf8, **VIOLATION_SCHEMA}


@dataclass
class FileResult:
    path: Path
    file_hash: str
    size_bytes: int
    tables: list[Validated] = field(default_factory=list)
    refused: tuple[str, str] | None = None  # (rule, detail) when the whole file is refused
    guard: GuardReport = field(default_factory=GuardReport)
    ignored_sheets: list[str] = field(default_factory=list)
    rows_ignored: int = 0
    # What went wrong when reading or checking raised unexpectedly: for the data staff's
    # logs only (exception type and message), never stored nor sent to the porteur.
    error: str | None = None
    # quarantine() of the file as it was when last asked (the report, the metadata and the
    # warehouse each ask): (refused, tables, frame), recomputed when either changed.
    _quarantine: tuple | None = field(default=None, repr=False, compare=False)
    # reasons_by_rule() of that quarantine frame: (frame, counts)
    _reasons: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        """The file's name as it may be stored and shown (through the personal-data guard)."""
        return mask_text(self.path.name) or ""

    def fail(self, exc: BaseException) -> None:
        """Refuse the whole file after an unexpected error while reading or checking it."""
        self.tables = []
        self.refused = ("erreur_de_traitement", _FAILURE_DETAIL.get(type(exc), "erreur inattendue"))
        self.error = f"{type(exc).__name__}: {exc}"[:2000]

    @property
    def kinds(self) -> list[str]:
        return sorted({t.kind.name for t in self.tables})

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables)

    @property
    def rows_accepted(self) -> int:
        return sum(t.accepted.height for t in self.tables)

    @property
    def rows_quarantined(self) -> int:
        return sum(lines_refused(t.violations) for t in self.tables)

    @property
    def status(self) -> str:
        if self.refused or self.rows_accepted == 0:
            return "rejected"
        return "accepted" if self.rows_quarantined == 0 else "partially_accepted"

    def quarantine(self) -> pl.DataFrame:
        """Every violation of the file, with its sheet and kind; a refused file is one row."""
        cached = self._quarantine
        if (
            cached is not None
            and cached[0] == self.refused
            and len(cached[1]) == len(self.tables)
            and all(a is b for a, b in zip(cached[1], self.tables, strict=True))
        ):
            return cached[2]
        frame = self._build_quarantine()
        self._quarantine = (self.refused, list(self.tables), frame)
        return frame

    def _build_quarantine(self) -> pl.DataFrame:
        if self.refused:
            rule, detail = self.refused
            return pl.DataFrame(
                [
                    {
                        "sheet": None,
                        "kind": None,
                        "line": None,
                        "rule": rule,
                        "field": None,
                        "value": None,
                        "reason": RULES[rule].message.format(detail=detail).strip(),
                    }
                ],
                schema=QUARANTINE_SCHEMA,
            )
        frames = [
            with_constants(
                t.violations, {"sheet": (t.sheet, pl.Utf8), "kind": (t.kind.name, pl.Utf8)}
            )[list(QUARANTINE_SCHEMA)]
            for t in self.tables
            if not t.violations.is_empty()  # most tables of a batch: no polars query for them
        ]
        return pl.concat(frames) if frames else pl.DataFrame(schema=QUARANTINE_SCHEMA)

    def rows_by_table(self) -> list[tuple[str, pl.DataFrame]]:
        """(raw table, accepted rows with their sheet) to write; another source (the survey)
        writes its own tables."""
        return [
            (t.kind.table, with_constants(t.accepted, {"sheet": (t.sheet, pl.Utf8)}))
            for t in self.tables
        ]

    def reasons_by_rule(self) -> dict[str, int]:
        q = self.quarantine()
        if self._reasons is None or self._reasons[0] is not q:
            # counted in Python: a polars grouping costs ~0.3 ms, most files have a few rows
            self._reasons = (q, dict(sorted(Counter(q.get_column("rule").to_list()).items())))
        return dict(self._reasons[1])

    def summary(self) -> dict:
        return {
            "file": self.name,
            "file_hash": self.file_hash,
            "kinds": self.kinds,
            "status": self.status,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "rows_ignored": self.rows_ignored,
            "reasons_by_rule": self.reasons_by_rule(),
            "dropped_columns": self.guard.dropped,
            "extra_columns": self.guard.kept_aside,
            "masked_values": self.guard.masked,
            "ignored_sheets": [mask_text(s) for s in self.ignored_sheets],
        }


# Reads a file no return kind recognises as another source's (the survey): its result,
# already validated, or None when that source does not recognise it either.
OtherFormat = Callable[[Path, Limits, FileResult], FileResult | None]


def _read(
    path: Path, limits: Limits, digest: str | None, other_formats: tuple[OtherFormat, ...] = ()
) -> tuple[FileResult, list[RawTable]]:
    """Read one file; its tables wait for the guard (`_guarded`) and the checks with others.
    Whatever happens here refuses this file alone: the batch goes on."""
    try:
        size = path.lstat().st_size
        digest = digest or file_hash(path)
    except OSError:
        size, digest = 0, digest or hashlib.sha256(str(path).encode()).hexdigest()
    result = FileResult(path, digest, size)
    try:
        read = read_file(path, limits)
        if all(t.data.height == 0 for t in read.tables):
            # Headers and nothing under them: a reason for the porteur, not an empty success.
            raise FileRefused("fichier_sans_ligne")
        result.ignored_sheets = read.ignored_sheets
        result.rows_ignored = sum(t.rows_ignored for t in read.tables)
        return result, read.tables
    except FileRefused as refused:
        if refused.rule == "entete_introuvable":
            for other in other_formats:
                found = other(path, limits, result)
                if found is not None:
                    return found, []
        result.refused = (refused.rule, refused.detail)
    except FileNotFoundError:
        result.refused = ("fichier_illisible", "le fichier a disparu de la boîte de dépôt")
    except OSError:  # permissions, a link where a file was expected
        result.refused = ("fichier_illisible", "le fichier n'a pas pu être ouvert")
    except Exception as exc:  # noqa: BLE001 - one file never stops the others
        result.fail(exc)
    return _emptied(result), []


def _emptied(result: FileResult) -> FileResult:
    """A refused file: nothing of its sheets is reported."""
    result.ignored_sheets, result.rows_ignored, result.guard = [], 0, GuardReport()
    return result


def _guarded(
    read: list[tuple[FileResult, list[RawTable]]],
) -> list[tuple[FileResult, list[RawTable]]]:
    """The files' tables through the personal-data guard, all together (a query per kind of
    table, not per table); a file whose guard fails is refused alone."""
    try:
        guarded = iter(guard_tables([(t, r.guard) for r, tables in read for t in tables]))
        return [(r, [next(guarded) for _ in tables]) for r, tables in read]
    except Exception:  # noqa: BLE001 - find the file(s) at fault, file by file
        out = []
        for result, tables in read:
            result.guard = GuardReport()  # the failed attempt may have counted some
            try:
                out.append((result, guard_tables([(t, result.guard) for t in tables])))
            except Exception as exc:  # noqa: BLE001
                result.fail(exc)
                out.append((_emptied(result), []))
        return out


def reading_helper(*, always: bool = False) -> workers.Helper:
    """The helper process of a large batch's reading (a caller may share its rejection
    reports with it too)."""
    return workers.Helper(always=always, warm=("returns.process",))


def _read_jobs(jobs: list[tuple]) -> list[tuple[FileResult, list[RawTable]]]:
    """A task of a shared reading: a few files read, then guarded together."""
    return _guarded([_read(*job) for job in jobs])


#: raw rows checked together: enough for polars to plan each check once for many files (a
#: group costs ≈ 80 ms of planning), few enough that the check's intermediate columns stay
#: small (a national batch, 320k rows in one frame, took 240 MB more than the cells it checked)
VALIDATE_ROWS = 100_000


def _groups(pending: list[tuple[FileResult, list[RawTable]]]) -> list[list[int]]:
    """Consecutive files whose raw rows add up to about `VALIDATE_ROWS`."""
    groups: list[list[int]] = [[]]
    rows = 0
    for k, (_, tables) in enumerate(pending):
        n = sum(t.data.height for t in tables)
        if groups[-1] and rows + n > VALIDATE_ROWS:
            groups.append([])
            rows = 0
        groups[-1].append(k)
        rows += n
    return groups


def _validate(
    pending: list[tuple[FileResult, list[RawTable]]],
    referential: Referential | None,
    today: date | None,
) -> list[FileResult]:
    """Check the files' tables by groups; each file's cells as read are let go once checked
    (`pending` is emptied of them)."""
    for group in _groups(pending):
        try:
            validated = iter(
                validate_tables([t for k in group for t in pending[k][1]], referential, today)
            )
            for k in group:
                pending[k][0].tables = [next(validated) for _ in pending[k][1]]
        except Exception:  # noqa: BLE001 - find the file(s) at fault, file by file
            for k in group:
                result, tables = pending[k]
                try:
                    result.tables = validate_tables(tables, referential, today)
                except Exception as exc:  # noqa: BLE001
                    result.fail(exc)
        for k in group:
            pending[k] = (pending[k][0], [])
    for result, _ in pending:
        too_many = sum(t.too_many_violations for t in result.tables)
        if too_many:
            result.tables = []
            result.refused = ("trop_d_erreurs", f"plus de {MAX_VIOLATIONS} erreurs")
    return [result for result, _ in pending]


def process_file(
    path: Path,
    *,
    limits: Limits = DEFAULT_LIMITS,
    referential: Referential | None = None,
    today: date | None = None,
    digest: str | None = None,
) -> FileResult:
    return _validate(_guarded([_read(path, limits, digest)]), referential, today)[0]


def action_keys(results: list[FileResult]) -> pl.DataFrame:
    """(year, scheme, grant file) of every action row read in the batch, accepted or not,
    so that a partner of a rejected action is not also called orphan."""
    frames = [
        t.keys
        for r in results
        for t in r.tables
        if t.kind.name == "activity" and t.keys is not None
    ]
    return (
        pl.concat(frames)
        if frames
        else pl.DataFrame(
            schema={"campaign_year": pl.Int32, "scheme": pl.Utf8, "grant_file": pl.Utf8}
        )
    )


#: files read then checked together: enough for the checks to run on large frames, few
#: enough that the cells as read (strings) of a 35,000-file backfill are never all in memory
SLICE_FILES = 1_000


def process_batch(
    paths: list[Path],
    *,
    limits: Limits = DEFAULT_LIMITS,
    referential: Referential | None = None,
    today: date | None = None,
    known_actions: pl.DataFrame | None = None,
    digests: dict[Path, str] | None = None,
    on_read: Callable[[int, int, str], None] | None = None,
    other_formats: tuple[OtherFormat, ...] = (),
    processes: int | None = None,
    helper: workers.Helper | None = None,
) -> list[FileResult]:
    """Process files, then check partner rows against the actions of the batch and of the
    warehouse (`known_actions`). `on_read(n, total, name)` follows the reading, file by file;
    `other_formats` read files that are no return (the survey's exports). `processes`: 1 or
    2 (by default 2 when the machine has two cores and the batch is large enough); `helper`:
    the second process to use (`reading_helper`), else one of its own."""
    # Reading is mostly Python (header matching, cell loops), which holds the GIL: a large
    # batch is shared with a second process. Files are read and checked by slices: the cells
    # as read are dropped after each, so memory follows the slice, not the batch (checks are
    # per table, so slices change nothing).
    results: list[FileResult] = []
    shared = workers.available() if processes is None else processes > 1
    own = helper is None  # else the caller's, left open for its own work (the reports)
    helper = helper or reading_helper(always=processes == 2)
    if shared:
        helper.start_if(len(paths) >= SHARED_FROM)
    read = 0

    def arrived(task: list[tuple[FileResult, list[RawTable]]]) -> None:
        nonlocal read
        for result, _ in task:
            read += 1
            if on_read is not None:
                on_read(read, len(paths), result.name)

    try:
        for start in range(0, len(paths), SLICE_FILES):
            jobs = [
                (p, limits, (digests or {}).get(p), other_formats)
                for p in paths[start : start + SLICE_FILES]
            ]
            tasks = [jobs[i : i + CHUNK_FILES] for i in range(0, len(jobs), CHUNK_FILES)]
            pending = [
                file
                for task in helper.share(tasks, _read_jobs, _read_jobs, arrived)
                for file in task
            ]
            if own and start + SLICE_FILES >= len(paths):
                helper.release()  # all read: it exits (and frees its memory) during the checks
            results += _validate(pending, referential, today)
    finally:
        if own:
            helper.close()
    known = action_keys(results)
    if known_actions is not None:
        known = pl.concat([known, known_actions.select(known.columns).cast(known.schema)])
    partners = [
        (r, i) for r in results for i, t in enumerate(r.tables) if t.kind.name == "partners"
    ]
    try:
        orphans = orphan_partner_lines([r.tables[i].accepted for r, i in partners], known)
        for j, (r, i) in enumerate(partners):
            r.tables[i] = mark_orphans(r.tables[i], orphans.get(j))
    except Exception:  # noqa: BLE001 - find the file(s) at fault, file by file
        for r in results:
            try:
                r.tables = [
                    check_partner_actions(t, known) if t.kind.name == "partners" else t
                    for t in r.tables
                ]
            except Exception as exc:  # noqa: BLE001
                r.fail(exc)
    return results


__all__ = ["FileResult", "process_file", "process_batch", "file_hash", "reason"]
