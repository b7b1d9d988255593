"""One département, all campaigns: its QPV, organisations, actions, return files and truth.

Self-contained on purpose (inputs in a `DepartmentJob`, outputs in a `DepartmentOutput`), so
départements can be generated in parallel processes and still give the same bytes: every
random stream is seeded from (seed, département code, purpose).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from demodata.actions import SCHEMES, Action, PartnerMemory, department_year
from demodata.breakage import AGE_COLUMNS, Breaker, break_actions, break_partners
from demodata.organisations import YEARS, build_pool
from demodata.referential import (
    NEIGHBOURHOODS,
    Qpv,
    fictitious_communes,
    fictitious_qpvs,
    population_rows,
)
from demodata.territories import DEPARTMENTS, Department
from demodata.texts import SCHEME_LABELS, fake_person
from demodata.writers import (
    ACTIVITY_FIELDS,
    EXTRA_COLUMN,
    PARTNER_FIELDS,
    PERSONAL_COLUMNS,
    FileStyle,
    Table,
    fr_date,
    write_csv,
    write_workbook,
)

ACTIONS_PER_YEAR = 330  # average grant files per département and campaign at scale 1.0

ACTION_SCHEMA = {
    "campaign_year": pl.Int32, "scheme": pl.String, "grant_file": pl.String,
    "action_title": pl.String, "porteur_siret": pl.String, "porteur_name": pl.String,
    "porteur_category": pl.String, "theme": pl.String, "start_date": pl.Date,
    "end_date": pl.Date, "qpv_codes": pl.String, "commune_code": pl.String,
    "sessions": pl.Int32, "participants": pl.Int32, "qpv_residents": pl.Int32,
    "girls": pl.Int32, "boys": pl.Int32,
    **{c: pl.Int32 for c in AGE_COLUMNS},
    "realised_cost": pl.Float64, "comment": pl.String,
    "department_code": pl.String, "file_name": pl.String, "sheet": pl.String,
    "line": pl.Int32, "has_funding": pl.Boolean, "broken_rule": pl.String,
}  # fmt: skip
PARTNER_SCHEMA = {
    "campaign_year": pl.Int32, "scheme": pl.String, "grant_file": pl.String,
    "partner_name": pl.String, "partner_siret": pl.String, "partner_category": pl.String,
    "role": pl.String, "porteur_siret": pl.String, "department_code": pl.String,
    "file_name": pl.String, "sheet": pl.String, "line": pl.Int32, "broken_rule": pl.String,
}  # fmt: skip


@dataclass
class DepartmentJob:
    seed: int
    dep: Department
    inbox: Path
    scale: float
    official_qpvs: list[Qpv] | None  # the département's QPV in the given 2024 file, if any
    real_communes: list[tuple[str, str]] | None  # from the COG file, if given
    run_index: int  # position in the run: decides XLSX vs CSV years
    with_personal_data: bool  # this département carries the run's personal-data file


@dataclass
class DepartmentOutput:
    actions: pl.DataFrame
    partners: pl.DataFrame
    funding: dict[int, list[tuple]]  # year -> rows in FUNDING_FIELDS order
    files: list[Path]
    qpv_2015: list[Qpv]
    qpv_2024: list[Qpv]
    population: list[tuple[str, int, int]]
    personal_values: list[str] = field(default_factory=list)


class _Columns:
    """Column-wise accumulator: far lighter than a list of dicts at national scale."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.data: dict[str, list] = {c: [] for c in schema}

    def add(self, row: dict) -> None:
        for c, values in self.data.items():
            values.append(row.get(c))

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.data, schema=self.schema)


def run_department(job: DepartmentJob) -> DepartmentOutput:
    dep, seed = job.dep, job.seed
    rng = random.Random(f"{seed}:{dep.code}")
    qpv15, qpv24, communes = _qpvs(job, rng)
    position = next(i for i, d in enumerate(DEPARTMENTS) if d.code == dep.code)
    pool = build_pool(dep, communes, rng, max(12, round(ACTIONS_PER_YEAR * job.scale / 4)),
                      nic_prefix=f"0{position:02d}")  # fmt: skip
    memory = PartnerMemory()
    breaker = Breaker(offset=position)
    actions_out, partners_out = _Columns(ACTION_SCHEMA), _Columns(PARTNER_SCHEMA)
    out = DepartmentOutput(
        actions=pl.DataFrame(),
        partners=pl.DataFrame(),
        funding={y: [] for y in YEARS},
        files=[],
        qpv_2015=qpv15,
        qpv_2024=qpv24,
        population=population_rows(qpv15 + qpv24, random.Random(f"{seed}:{dep.code}:pop")),
    )
    for year in YEARS:
        qpvs = qpv15 if year <= 2023 else qpv24
        if not qpvs:
            continue  # the given referential does not cover this département
        actions = department_year(year=year, dep_code3=dep.code3, qpvs=qpvs, pool=pool,
                                  memory=memory, rng=rng, scale=job.scale)  # fmt: skip
        for a in actions:
            for funder, asked, granted in a.funding:
                out.funding[year].append((a.year, a.scheme, a.grant_file, a.title, a.porteur.name,
                                          a.porteur.siret, funder, asked, granted, dep.code))  # fmt: skip
        returned = [a for a in actions if a.returned]
        if not returned:
            continue
        as_xlsx = (job.run_index + year) % 2 == 0
        personal = job.with_personal_data and not as_xlsx and not out.personal_values
        out.files += _write_return(
            job, year, returned, qpvs, as_xlsx, personal, breaker,
            actions_out, partners_out, out.personal_values,
        )  # fmt: skip
    out.actions, out.partners = actions_out.frame(), partners_out.frame()
    return out


def _qpvs(job: DepartmentJob, rng: random.Random) -> tuple[list[Qpv], list[Qpv], list]:
    """Fictitious 2015 QPV, and 2024 ones unless the official list is given."""
    dep = job.dep
    real = None
    if job.official_qpvs:
        # Fictitious 2015 QPV in the towns that really have QPV: most 2015 QPV were kept.
        seen: dict[tuple[str, str], int] = {}
        for q in job.official_qpvs:
            seen[q.communes[0]] = seen.get(q.communes[0], 0) + 1
        real = sorted(seen, key=lambda c: (-seen[c], c[0]))
    elif job.real_communes:
        real = job.real_communes
    communes = fictitious_communes(dep, rng, rng.randint(2, 6), real)
    names = rng.sample(NEIGHBOURHOODS, len(NEIGHBOURHOODS))
    n15 = rng.randint(4, 14)
    qpv15 = fictitious_qpvs(dep, rng, communes, 2015, n15, names)
    if job.official_qpvs is not None:
        qpv24 = job.official_qpvs
    else:
        # The 2024 generation keeps most neighbourhoods, drops two, adds a few.
        n24 = max(3, n15 + rng.randint(-2, 3))
        qpv24 = fictitious_qpvs(dep, rng, communes, 2024, n24, names[2:] + names[:2])
    return qpv15, qpv24, communes


def _activity_row(a: Action) -> dict:
    row = {
        "campaign_year": a.year,
        "scheme": a.scheme,
        "grant_file": a.grant_file,
        "action_title": a.title,
        "porteur_siret": a.porteur.siret,
        "porteur_name": a.porteur.name,
        "porteur_category": a.porteur.porteur_category,
        "theme": a.theme,
        "start_date": a.start,
        "end_date": a.end,
        "qpv_codes": ";".join(q.code for q in a.qpvs),
        "commune_code": a.qpvs[0].main_commune,
        "sessions": a.sessions,
        "participants": a.participants,
        "qpv_residents": a.qpv_residents,
        "girls": a.girls,
        "boys": a.boys,
        "realised_cost": a.cost,
        "comment": a.comment,
        "broken_rule": None,
    }
    row.update(zip(AGE_COLUMNS, a.ages, strict=True))
    return row


def _styles(as_xlsx: bool, dep: Department, year: int, schemes: list[str],
            rng: random.Random) -> tuple[FileStyle, FileStyle]:  # fmt: skip
    """Style of the actions table and of the partners table of one return."""
    if as_xlsx:
        title = ()
        if rng.random() < 0.5:
            labels = ", ".join(SCHEME_LABELS[s] for s in schemes)
            title = (f"Bilan {labels} {year} – {dep.name}",
                     f"Données transmises à la préfecture le {fr_date(date(year, 10, 15))}")  # fmt: skip
        common = dict(
            header="canonical" if rng.random() < 0.75 else "casual",
            lower_codes=rng.random() < 0.10,
            siret_spaces=rng.random() < 0.15,
            title_lines=title,
            dates_as_text=rng.random() < 0.15,
        )
        return FileStyle(**common), FileStyle(**common)
    common = dict(
        header=rng.choices(("canonical", "casual", "labels"), (30, 35, 35))[0],
        lower_codes=rng.random() < 0.15,
        siret_spaces=rng.random() < 0.20,
        thousands=rng.choice((" ", "\xa0")) if rng.random() < 0.4 else None,
    )
    order = None
    if rng.random() < 0.2:
        shuffled = list(range(len(ACTIVITY_FIELDS)))
        rng.shuffle(shuffled)
        order = tuple(shuffled)
    actions_style = FileStyle(
        **common,
        column_order=order,
        total_row=rng.random() < 0.5,
        blank_line_at=rng.randint(1, 20) if rng.random() < 0.2 else None,
        extra_column=rng.random() < 0.15,
    )
    return actions_style, FileStyle(**common)


def _write_return(job, year, actions, qpvs, as_xlsx, personal, breaker, actions_out,
                  partners_out, personal_values) -> list[Path]:  # fmt: skip
    """Write one département-year activity return (XLSX or CSV pair); record the truth."""
    dep = job.dep
    style_rng = random.Random(f"{job.seed}:{dep.code}:{year}:style")
    broken_rng = random.Random(f"{job.seed}:{dep.code}:{year}:broken")
    rows = [_activity_row(a) for a in actions]
    break_actions(rows, breaker.action_rules(len(rows), broken_rng), qpvs, dep.code3, broken_rng)
    schemes = [s for s in SCHEMES if any(a.scheme == s for a in actions)]
    a_style, p_style = _styles(as_xlsx, dep, year, schemes, style_rng)

    partner_rows = []
    for a, row in zip(actions, rows, strict=True):
        if row["broken_rule"] is not None:
            continue  # a rejected action's partners would only muddle the truth
        for org, role in a.partners:
            partner_rows.append({
                "campaign_year": a.year, "scheme": a.scheme, "grant_file": a.grant_file,
                "partner_name": org.name,
                "partner_siret": org.siret if org.known_siret_as_partner else None,
                "partner_category": org.partner_category, "role": role,
                "porteur_siret": a.porteur.siret, "broken_rule": None,
            })  # fmt: skip
    break_partners(partner_rows, breaker.partner_rules(broken_rng),
                   [a.grant_file for a in actions], broken_rng)  # fmt: skip

    extra = []
    if a_style.extra_column:
        extra.append((EXTRA_COLUMN, [f"REF-{year}-{i + 1:04d}" for i in range(len(rows))]))
    if personal:
        person_rng = random.Random(f"{job.seed}:{dep.code}:{year}:personal")
        people = [fake_person(person_rng, year) for _ in rows]
        for j, header in enumerate(PERSONAL_COLUMNS):
            values = [p[j] for p in people]
            extra.append((header, values))
            personal_values.extend(values)
    total_cols = ("sessions", "participants", "qpv_residents", "girls", "boys", *AGE_COLUMNS,
                  "realised_cost")  # fmt: skip
    totals = {c: sum(r[c] or 0 for r in rows) for c in total_cols}
    a_table = Table(ACTIVITY_FIELDS, rows, a_style, extra=extra or None, total=totals)
    p_table = Table(PARTNER_FIELDS, partner_rows, p_style)

    stem = f"bilan_{dep.code}_{year}"
    if as_xlsx:
        path = job.inbox / f"{stem}.xlsx"
        a_lines, p_lines = write_workbook(path, [("actions", a_table), ("partenaires", p_table)],
                                          created=datetime(year, 10, 1, 9, 0))  # fmt: skip
        written = [path]
        a_where, p_where = (path.name, "actions"), (path.name, "partenaires")
    else:
        a_path, p_path = job.inbox / f"{stem}_actions.csv", job.inbox / f"{stem}_partenaires.csv"
        a_lines = write_csv(a_path, a_table, encoding="cp1252")
        p_lines = write_csv(p_path, p_table, encoding="cp1252")
        written = [a_path, p_path]
        a_where, p_where = (a_path.name, None), (p_path.name, None)

    for row, line in zip(rows, a_lines, strict=True):
        row.update(department_code=dep.code, file_name=a_where[0], sheet=a_where[1], line=line)
        actions_out.add(row)
    for row, line in zip(partner_rows, p_lines, strict=True):
        row.update(department_code=dep.code, file_name=p_where[0], sheet=p_where[1], line=line)
        partners_out.add(row)
    return written
