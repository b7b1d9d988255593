"""Deterministic demo data: the files the platform receives, plus the truth behind them.

    from demodata.generator import generate_demo
    res = generate_demo(Path("data/demo"), seed=2020, regions=("44",))

Writes, under `out_dir`:

- `inbox/` — what porteurs and the grants system send, for campaigns 2020–2025. Per
  département and campaign, alternating from one year to the next:
  * `bilan_<dep>_<year>.xlsx`, sheets `actions` and `partenaires` (half of them with a
    two-line title block above the header row; some with "casual" headers, dates typed as
    text, lower-case codes or spaced SIRETs);
  * or `bilan_<dep>_<year>_actions.csv` + `bilan_<dep>_<year>_partenaires.csv`: `;`,
    Windows-1252, CRLF, decimal comma, dd/mm/yyyy, header variants (`writers.HEADER_VARIANTS`),
    and now and then shuffled columns, lower-case codes, spaced SIRETs, thousands separators,
    a blank line, an extra column, a trailing "TOTAL" row (not an action: to be skipped).
  Plus `financements_<year>.csv`, the grants export for every département of the run: UTF-8
  (with a BOM on even years), `;`, LF, decimal comma with cents, canonical headers.
  Arrivals over time (file modification times, read as received_at): returns mid-October,
  a CSV return's partner file on 5 November (after its actions: the marts join partners by
  key), `bilan_<dep>_<year>_correctif.xlsx` on 20 November the year before the last (v2 of
  three actions and of their partner lists, superseding v1), and in the run's first
  département `bilan_<dep>_<year>_envoi_errone.csv` on 1 December of the last year: a
  mistaken re-send with doubled counts, to be withdrawn (`DemoResult.withdrawn`), which
  `quartiers demo` does. The funding exports arrive on 20 December.
  About 1 % of action rows break exactly one rule (`breakage.BROKEN_ACTION_RULES`), a few
  partner rows too (`breakage.BROKEN_PARTNER_RULES`). The first CSV return of the run also
  carries participants' personal data (`writers.PERSONAL_COLUMNS`, fake values) that the
  platform must drop. About 3 % of funded grant files have no activity return, about 2 % of
  activity returns no funding line.
  Plus the cooperation survey of porteurs (`demodata/survey.py`): `enquete_cooperation_2020_
  limesurvey.csv` (received 8 February 2021) and `enquete_cooperation_2022_export.xlsx`
  (5 December 2022), when the run has those campaigns; its truth is `DemoResult.survey`.
- `reference/qpv_2015_demo.csv` — fictitious 2015-generation QPV (always).
- `reference/qpv_2024_demo.csv` — fictitious 2024-generation QPV, only when no
  `qpv_2024_file` is given (a given file is read where it is, never copied).
  Both in the ANCT layout of the official file: UTF-8, comma, columns `code_qp, lib_qp,
  insee_com, lib_com, code_departement, nom_departement, code_region, nom_region,
  siren_epci_2026, nom_epci_2026`, `;` inside multi-valued cells (QPV on two communes).
- `reference/population_qpv_demo.csv` — fictitious population of every QPV of the run, both
  generations: UTF-8, comma, LF, header `code_qp,population,population_6_25`, one row per QPV
  code, integers (total population; people aged 6 to 25). Always fictitious, even for
  official QPV codes.

Same seed and arguments give byte-identical files. A département's content depends only on
the seed and its code (and on the given QPV file): not on the other régions of the run,
except for which département carries the personal-data file and the mistaken re-send, and
whether a year is XLSX or CSV (alternating along the run).

The returned `DemoResult` holds the truth: every row written, with warehouse column names
(docs/warehouse.md) and normalised values (upper-case codes, SIRETs without spaces), the
file, sheet and spreadsheet line it sits on, and `broken_rule` (None for a valid row).
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from demodata.department import DepartmentJob, DepartmentOutput, run_department
from demodata.organisations import YEARS
from demodata.referential import read_commune_names, read_official_qpvs, write_anct_csv
from demodata.survey import SurveyTruth, generate_survey
from demodata.territories import departments_of
from demodata.writers import FUNDING_FIELDS, FileStyle, Table, write_csv

_STALE = re.compile(r"^(bilan_.+\.(csv|xlsx)|financements_\d{4}\.csv|enquete_cooperation_.+)$")
_KEY = ["campaign_year", "scheme", "grant_file"]
FUNDING_AT = (12, 20)  # the grants system's export, at the end of the campaign's year
_FUNDING_SCHEMA = {
    "campaign_year": pl.Int32,
    "scheme": pl.String,
    "grant_file": pl.String,
    "action_title": pl.String,
    "porteur_name": pl.String,
    "porteur_siret": pl.String,
    "funder": pl.String,
    "amount_requested": pl.Float64,
    "amount_granted": pl.Float64,
    "department_code": pl.String,
    "file_name": pl.String,
    "line": pl.Int32,
    "has_activity_return": pl.Boolean,
}
# Below this many départements, starting worker processes costs more than it saves.
_PARALLEL_FROM = 20


@dataclass
class DemoResult:
    """Where the demo files are, and the truth they were written from.

    `actions` columns: raw.activity_rows' (campaign_year … comment) + department_code,
    file_name, sheet (None for a CSV), line (1-based, as a spreadsheet shows it),
    has_funding (a funding line exists for the row's year, scheme and grant file),
    broken_rule (None = valid), superseded (a later corrected return replaces the row),
    withdrawn (the row's file is to be withdrawn). Partners carry superseded and withdrawn
    too. The rows in force are the valid ones neither superseded nor withdrawn. `partners`: raw.partner_rows' + porteur_siret (of the action),
    department_code, file_name, sheet, line, broken_rule. `funding`: raw.funding_rows' +
    file_name, line, has_activity_return (a *valid* activity row exists for the grant file).
    TOTAL rows and personal-data columns are not in the truth. A `grant_file_duplicate` row
    is the second copy of a key; the first copy, just above it, is marked valid (a validator
    refusing every copy of a duplicated key will quarantine it too).
    """

    inbox: Path
    reference_dir: Path
    qpv_2024_file: Path  # the referential used for 2024–2025 (official or fictitious)
    qpv_2015_file: Path
    population_file: Path
    actions: pl.DataFrame
    partners: pl.DataFrame
    funding: pl.DataFrame
    personal_data_values: list[str]  # fake personal values that must never reach the warehouse
    departments: tuple[str, ...] = ()
    withdrawn: dict[str, str] = field(default_factory=dict)  # file to withdraw -> reason
    official_qpv: bool = False
    files: list[Path] = field(default_factory=list)  # inbox files, in writing order
    survey: SurveyTruth = field(default_factory=SurveyTruth)  # the cooperation survey's truth

    def actions_in_force(self) -> pl.DataFrame:
        """Valid action rows neither superseded by a correction nor in a withdrawn file."""
        return self.actions.filter(
            pl.col("broken_rule").is_null() & ~pl.col("superseded") & ~pl.col("withdrawn")
        )

    def partners_in_force(self) -> pl.DataFrame:
        return self.partners.filter(
            pl.col("broken_rule").is_null() & ~pl.col("superseded") & ~pl.col("withdrawn")
        )

    def summary(self) -> dict[str, int]:
        valid = self.actions_in_force()
        return {
            "departments": len(self.departments),
            "files": len(self.files),
            "action_rows": self.actions.height,
            "action_rows_broken": self.actions.height - valid.height,
            "participations": int(valid["participants"].sum() or 0),
            "partner_rows": self.partners.height,
            "partner_rows_broken": self.partners["broken_rule"].is_not_null().sum(),
            "funding_rows": self.funding.height,
            "grant_files_funded": self.funding.select(_KEY).unique().height,
            "funded_without_return": self.funding.filter(~pl.col("has_activity_return"))
            .select(_KEY)
            .unique()
            .height,
        }


# Calibrated on the ANCT's published 2023 results for the whole country: 9,834 actions,
# 1.67 M participations (about 170 per action: many open events), 54 % aged 0–25; about
# 5,000 porteurs a year (two actions each). Multiply `scale` for stress runs.
NATIONAL = {"scale": 1 / 3, "open_events": 0.18, "actions_per_porteur": 2.0}


def generate_demo(
    out_dir: Path,
    *,
    seed: int = 2020,
    regions: tuple[str, ...] = ("44",),
    qpv_2024_file: Path | None = None,
    scale: float = 1.0,
    communes_file: Path | None = None,
    workers: int | None = None,
    per_porteur: bool = False,
    open_events: float = 0.0,
    actions_per_porteur: float = 4.0,
) -> DemoResult:
    """Write the demo inbox and referentials under `out_dir`; return where, and the truth.

    `regions`: metropolitan région codes (COG), e.g. ("44",) for Grand Est's 10 départements.
    `qpv_2024_file`: an ANCT-format 2024 QPV list (e.g. the official one) used for 2024–2025
    instead of a fictitious one. `scale` multiplies the number of actions. `communes_file`:
    the COG communes CSV, for real commune codes and names under the fictitious QPV.
    `workers`: processes generating départements in parallel (same bytes whatever the
    number); None = one per CPU from 20 départements on, else 1. Parallel runs use the
    "spawn" start method: a calling script needs the usual `if __name__ == "__main__":`.
    `per_porteur`: one return per porteur and campaign (as returns really arrive) instead of
    one per département and campaign; the same rows either way. `open_events`: share of
    actions open to everyone (hundreds of participations of all ages); `actions_per_porteur`
    sizes each département's pool of porteurs. `NATIONAL` holds the national calibration.
    Demo files of an earlier run left in `out_dir/inbox` (bilan_*, financements_*) are
    deleted first, other files are left alone.
    """
    if scale <= 0:
        raise ValueError("scale must be > 0")
    out_dir = Path(out_dir)
    departments = departments_of(tuple(regions))
    inbox, ref_dir = out_dir / "inbox", out_dir / "reference"
    inbox.mkdir(parents=True, exist_ok=True)
    ref_dir.mkdir(parents=True, exist_ok=True)
    # Stale demo files of an earlier run with other arguments would contradict the truth.
    for old in inbox.iterdir():
        if old.is_file() and _STALE.match(old.name):
            old.unlink()

    official = read_official_qpvs(Path(qpv_2024_file), departments) if qpv_2024_file else None
    communes = read_commune_names(Path(communes_file), departments) if communes_file else {}
    jobs = [
        DepartmentJob(
            seed=seed,
            dep=dep,
            inbox=inbox,
            scale=scale,
            official_qpvs=official.get(dep.code, []) if official is not None else None,
            real_communes=communes.get(dep.code),
            run_index=i,
            with_personal_data=i == 0,
            with_withdrawn_file=i == 0,
            per_porteur=per_porteur,
            open_events=open_events,
            actions_per_porteur=actions_per_porteur,
        )
        for i, dep in enumerate(departments)
    ]
    outputs = _run(jobs, workers)

    files = [f for o in outputs for f in o.files]
    funding_frames = []
    columns = [c for _, c in FUNDING_FIELDS]
    for year in YEARS:
        lines_of_year = [r for o in outputs for r in o.funding.pop(year)]
        if not lines_of_year:
            continue
        path = inbox / f"financements_{year}.csv"
        table = Table(
            FUNDING_FIELDS,
            [dict(zip(columns, r, strict=True)) for r in lines_of_year],
            FileStyle(cents=True),
        )
        # The grants system exports UTF-8; some exports carry a BOM, some not.
        lines = write_csv(
            path, table, encoding="utf-8-sig" if year % 2 == 0 else "utf-8", newline="\n"
        )
        when = datetime(year, *FUNDING_AT, 9, 0, tzinfo=UTC).timestamp()
        os.utime(path, (when, when))  # received at the end of the campaign's year
        files.append(path)
        frame = pl.DataFrame(
            lines_of_year, schema={c: _FUNDING_SCHEMA[c] for c in columns}, orient="row"
        )
        funding_frames.append(
            frame.with_columns(
                file_name=pl.lit(path.name),
                line=pl.Series(lines, dtype=pl.Int32),
                has_activity_return=pl.lit(None, pl.Boolean),
            )
        )

    dep_map = {d.code: d for d in departments}
    qpv15_file = ref_dir / "qpv_2015_demo.csv"
    write_anct_csv(qpv15_file, [q for o in outputs for q in o.qpv_2015], dep_map)
    fictitious_24 = ref_dir / "qpv_2024_demo.csv"
    if official is None:
        write_anct_csv(fictitious_24, [q for o in outputs for q in o.qpv_2024], dep_map)
        qpv24_file = fictitious_24
    else:
        fictitious_24.unlink(missing_ok=True)  # would be mistaken for the one in use
        qpv24_file = Path(qpv_2024_file)
    population_file = ref_dir / "population_qpv_demo.csv"
    with population_file.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("code_qp", "population", "population_6_25"))
        writer.writerows(r for o in outputs for r in o.population)

    actions = pl.concat([o.actions for o in outputs if o.actions.height], how="vertical")
    partners = pl.concat([o.partners for o in outputs if o.partners.height], how="vertical")
    funding = pl.concat(funding_frames, how="vertical")
    actions, funding = _link(actions, funding)
    in_force = ~pl.col("superseded") & ~pl.col("withdrawn") & pl.col("broken_rule").is_null()
    survey = generate_survey(inbox, actions.filter(in_force), partners.filter(in_force), seed)
    files += survey.files
    return DemoResult(
        inbox=inbox,
        reference_dir=ref_dir,
        qpv_2024_file=qpv24_file,
        qpv_2015_file=qpv15_file,
        population_file=population_file,
        actions=actions,
        partners=partners,
        funding=funding,
        personal_data_values=sorted({v for o in outputs for v in o.personal_values}),
        departments=tuple(d.code for d in departments),
        withdrawn={k: v for o in outputs for k, v in o.withdrawn.items()},
        official_qpv=official is not None,
        files=files,
        survey=survey,
    )


def _run(jobs: list[DepartmentJob], workers: int | None) -> list[DepartmentOutput]:
    if workers is None:
        workers = (os.cpu_count() or 1) if len(jobs) >= _PARALLEL_FROM else 1
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        return [run_department(j) for j in jobs]
    # spawn, not fork: forking a process where polars' thread pool already ran can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(run_department, jobs))


def _link(actions: pl.DataFrame, funding: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cross-flag the truth: funding line ↔ valid (accepted) activity row, by grant file key."""
    key = pl.format("{}|{}|{}", *_KEY)
    valid = actions.filter(pl.col("broken_rule").is_null()).select(key).to_series().unique()
    funded = funding.select(key).to_series().unique()
    funding = funding.with_columns(has_activity_return=key.is_in(valid.implode()))
    actions = actions.with_columns(has_funding=key.is_in(funded.implode()))
    return actions, funding
