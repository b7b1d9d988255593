"""One département, all campaigns: its QPV, organisations, actions, return files and truth.

Self-contained on purpose (inputs in a `DepartmentJob`, outputs in a `DepartmentOutput`), so
départements can be generated in parallel processes and still give the same bytes: every
random stream is seeded from (seed, département code, purpose).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
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
from returns.contract import campaign_generation

ACTIONS_PER_YEAR = 330  # average grant files per département and campaign at scale 1.0

ACTION_SCHEMA = {
    "campaign_year": pl.Int32,
    "scheme": pl.String,
    "grant_file": pl.String,
    "action_title": pl.String,
    "porteur_siret": pl.String,
    "porteur_name": pl.String,
    "porteur_category": pl.String,
    "theme": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "qpv_codes": pl.String,
    "commune_code": pl.String,
    "sessions": pl.Int32,
    "participants": pl.Int32,
    "qpv_residents": pl.Int32,
    "girls": pl.Int32,
    "boys": pl.Int32,
    **{c: pl.Int32 for c in AGE_COLUMNS},
    "realised_cost": pl.Float64,
    "comment": pl.String,
    "department_code": pl.String,
    "file_name": pl.String,
    "sheet": pl.String,
    "line": pl.Int32,
    "has_funding": pl.Boolean,
    "broken_rule": pl.String,
    "superseded": pl.Boolean,
    "withdrawn": pl.Boolean,
}
PARTNER_SCHEMA = {
    "campaign_year": pl.Int32,
    "scheme": pl.String,
    "grant_file": pl.String,
    "partner_name": pl.String,
    "partner_siret": pl.String,
    "partner_category": pl.String,
    "role": pl.String,
    "porteur_siret": pl.String,
    "department_code": pl.String,
    "file_name": pl.String,
    "sheet": pl.String,
    "line": pl.Int32,
    "broken_rule": pl.String,
    "superseded": pl.Boolean,
    "withdrawn": pl.Boolean,
}
# When files arrive (their modification time, read as received_at): the return in mid-October,
# a CSV return's partner file three weeks later, a corrected return in late November, a
# mistaken re-send on 1 December (then withdrawn by the data staff).
RETURN_AT, PARTNERS_AT, CORRECTION_AT, MISTAKE_AT = (10, 15), (11, 5), (11, 20), (12, 1)
CORRECTED_ACTIONS = 3  # actions of a département's corrected return
MISTAKEN_ACTIONS = 5  # actions of the mistaken re-send
WITHDRAWAL_REASON = "Envoyé par erreur : doublon du bilan avec des effectifs faux"


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
    with_withdrawn_file: bool = False  # this département carries the run's mistaken re-send
    per_porteur: bool = False  # one return per porteur instead of one per département
    open_events: float = 0.0  # share of actions open to everyone (hundreds of participations)
    actions_per_porteur: float = 4.0  # sizes the pool of porteurs


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
    withdrawn: dict[str, str] = field(default_factory=dict)  # file name -> reason


class _Columns:
    """Column-wise accumulator: far lighter than a list of dicts at national scale."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.data: dict[str, list] = {c: [] for c in schema}

    def add(self, row: dict) -> None:
        row = {"superseded": False, "withdrawn": False, **row}
        for c, values in self.data.items():
            values.append(row.get(c))

    def update(self, column: str, value, where) -> None:
        """Set `column` on every row for which `where(row)` holds."""
        rows = [dict(zip(self.data, r, strict=True)) for r in zip(*self.data.values(), strict=True)]
        for i, row in enumerate(rows):
            if where(row):
                self.data[column][i] = value

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.data, schema=self.schema)


def run_department(job: DepartmentJob) -> DepartmentOutput:
    dep, seed = job.dep, job.seed
    rng = random.Random(f"{seed}:{dep.code}")
    qpv15, qpv24, communes = _qpvs(job, rng)
    position = next(i for i, d in enumerate(DEPARTMENTS) if d.code == dep.code)
    pool = build_pool(
        dep,
        communes,
        rng,
        max(12, round(ACTIONS_PER_YEAR * job.scale / job.actions_per_porteur)),
        nic_prefix=f"0{position:02d}",
    )
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
    written: dict[int, tuple[list[dict], list[dict]]] = {}  # year -> (action, partner rows)
    for year in YEARS:
        # the generation in force for the campaign there (the return contract's rule)
        qpvs = qpv15 if campaign_generation(year, dep.code) == 2015 else qpv24
        if not qpvs:
            continue  # the given referential does not cover this département
        actions = department_year(
            year=year,
            dep_code3=dep.code3,
            qpvs=qpvs,
            pool=pool,
            memory=memory,
            rng=rng,
            scale=job.scale,
            open_events=job.open_events,
        )
        for a in actions:
            for funder, asked, granted in a.funding:
                out.funding[year].append(
                    (
                        a.year,
                        a.scheme,
                        a.grant_file,
                        a.title,
                        a.porteur.name,
                        a.porteur.siret,
                        funder,
                        asked,
                        granted,
                        dep.code,
                    )
                )
        returned = [a for a in actions if a.returned]
        if not returned:
            continue
        as_xlsx = (job.run_index + year) % 2 == 0
        personal = job.with_personal_data and not as_xlsx and not out.personal_values
        files, written[year] = _write_return(
            job,
            year,
            returned,
            qpvs,
            as_xlsx,
            personal,
            breaker,
            actions_out,
            partners_out,
            out.personal_values,
        )
        out.files += files
    years = sorted(written)
    if len(years) >= 2:
        # Arrivals after the return: a corrected return (v2 of a few actions and of their
        # partner lists) the year before last, and, in one département of the run, a mistaken
        # re-send of the last year that the data staff withdraw.
        out.files.append(
            _write_correction(job, years[-2], *written[years[-2]], actions_out, partners_out)
        )
        if job.with_withdrawn_file:
            path = _write_mistaken_resend(job, years[-1], written[years[-1]][0], actions_out)
            out.files.append(path)
            out.withdrawn[path.name] = WITHDRAWAL_REASON
    out.actions, out.partners = actions_out.frame(), partners_out.frame()
    return out


def _stamp(path: Path, year: int, month_day: tuple[int, int]) -> None:
    """Set the file's modification time, which the platform reads as its arrival."""
    when = datetime(year, *month_day, 9, 0, tzinfo=UTC).timestamp()
    os.utime(path, (when, when))


def _correctable(rows: list[dict], partner_rows: list[dict]) -> list[dict]:
    """Valid actions whose key is unique in the return and whose partners are all valid
    (séjours excluded: their group size is fixed, nobody is forgotten)."""
    keys = [(r["scheme"], r["grant_file"]) for r in rows]
    broken_partner_keys = {
        (p["scheme"], p["grant_file"]) for p in partner_rows if p["broken_rule"] is not None
    }
    with_partners = {(p["scheme"], p["grant_file"]) for p in partner_rows}
    return [
        r
        for r, k in zip(rows, keys, strict=True)
        if r["broken_rule"] is None
        and r["theme"] != "sejour"
        and keys.count(k) == 1
        and k in with_partners
        and k not in broken_partner_keys
    ]


def _write_correction(job, year, rows, partner_rows, actions_out, partners_out) -> Path:
    """A porteur's corrected return: a few actions with more participants (12–17 year-olds
    forgotten in v1), one partner dropped where there were two or more, an inhabitants'
    collective added. v2 supersedes v1 in the indicators; v1 stays in the history."""
    rng = random.Random(f"{job.seed}:{job.dep.code}:{year}:correction")
    chosen = rng.sample(
        _correctable(rows, partner_rows),
        min(CORRECTED_ACTIONS, len(_correctable(rows, partner_rows))),
    )
    fixed_rows, fixed_partners = [], []
    for old in chosen:
        added = rng.randint(3, 12)
        row = {k: old[k] for k in ACTION_SCHEMA if k in old} | {"broken_rule": None}
        row.update(
            participants=old["participants"] + added,
            age_12_17=old["age_12_17"] + added,
            qpv_residents=old["qpv_residents"] + added,
            comment="Bilan corrigé : jeunes de 12-17 ans oubliés dans le premier envoi",
        )
        fixed_rows.append(row)
        listed = [
            p
            for p in partner_rows
            if (p["scheme"], p["grant_file"]) == (old["scheme"], old["grant_file"])
        ]
        kept = listed[:-1] if len(listed) >= 2 else listed
        fixed_partners += [{k: p[k] for k in PARTNER_SCHEMA if k in p} for p in kept]
        fixed_partners.append(
            {
                "campaign_year": year,
                "scheme": old["scheme"],
                "grant_file": old["grant_file"],
                "partner_name": f"Collectif des habitants {old['qpv_codes'].split(';')[0]}",
                "partner_siret": None,
                "partner_category": "collectif_habitants",
                "role": "co_construction",
                "porteur_siret": old["porteur_siret"],
                "broken_rule": None,
            }
        )
    keys = {(r["scheme"], r["grant_file"]) for r in fixed_rows}
    same_year = _in_year(year)
    actions_out.update(
        "superseded",
        True,
        lambda r: (
            same_year(r) and (r["scheme"], r["grant_file"]) in keys and r["broken_rule"] is None
        ),
    )
    partners_out.update(
        "superseded", True, lambda r: same_year(r) and (r["scheme"], r["grant_file"]) in keys
    )
    path = job.inbox / f"bilan_{job.dep.code}_{year}_correctif.xlsx"
    style = FileStyle()
    a_lines, p_lines = write_workbook(
        path,
        [
            ("actions", Table(ACTIVITY_FIELDS, fixed_rows, style)),
            ("partenaires", Table(PARTNER_FIELDS, fixed_partners, style)),
        ],
        created=datetime(year, *CORRECTION_AT, 9, 0),
    )
    _stamp(path, year, CORRECTION_AT)
    for row, line in zip(fixed_rows, a_lines, strict=True):
        actions_out.add(
            row
            | {
                "file_name": path.name,
                "sheet": "actions",
                "line": line,
                "department_code": job.dep.code,
            }
        )
    for row, line in zip(fixed_partners, p_lines, strict=True):
        partners_out.add(
            row
            | {
                "file_name": path.name,
                "sheet": "partenaires",
                "line": line,
                "department_code": job.dep.code,
            }
        )
    return path


def _in_year(year: int):
    return lambda row: row["campaign_year"] == year


def _write_mistaken_resend(job, year, rows, actions_out) -> Path:
    """A file sent by mistake after the return: a few actions with every count doubled. Valid
    and newer, so it would win; the demo withdraws it (`DemoResult.withdrawn`)."""
    rng = random.Random(f"{job.seed}:{job.dep.code}:{year}:mistake")
    valid = [
        r
        for r in rows
        if r["broken_rule"] is None
        and sum((q["scheme"], q["grant_file"]) == (r["scheme"], r["grant_file"]) for q in rows) == 1
    ]
    counts = ("sessions", "participants", "qpv_residents", "girls", "boys", *AGE_COLUMNS)
    doubled = []
    for old in rng.sample(valid, min(MISTAKEN_ACTIONS, len(valid))):
        row = {k: old[k] for k in ACTION_SCHEMA if k in old} | {"broken_rule": None}
        row.update({c: old[c] * 2 for c in counts if old[c] is not None})
        doubled.append(row)
    path = job.inbox / f"bilan_{job.dep.code}_{year}_envoi_errone.csv"
    lines = write_csv(path, Table(ACTIVITY_FIELDS, doubled, FileStyle()), encoding="utf-8")
    _stamp(path, year, MISTAKE_AT)
    for row, line in zip(doubled, lines, strict=True):
        actions_out.add(
            row
            | {
                "file_name": path.name,
                "sheet": None,
                "line": line,
                "department_code": job.dep.code,
                "withdrawn": True,
            }
        )
    return path


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


def _styles(
    as_xlsx: bool, dep: Department, year: int, schemes: list[str], rng: random.Random
) -> tuple[FileStyle, FileStyle]:
    """Style of the actions table and of the partners table of one return."""
    if as_xlsx:
        title = ()
        if rng.random() < 0.5:
            labels = ", ".join(SCHEME_LABELS[s] for s in schemes)
            title = (
                f"Bilan {labels} {year} – {dep.name}",
                f"Données transmises à la préfecture le {fr_date(date(year, 10, 15))}",
            )
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


def _write_return(
    job, year, actions, qpvs, as_xlsx, personal, breaker, actions_out, partners_out, personal_values
) -> tuple[list[Path], tuple[list, list]]:
    """Write one département-year activity return (XLSX or CSV pair); record the truth.
    Returns the files and the rows written (action rows, partner rows)."""
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
            partner_rows.append(
                {
                    "campaign_year": a.year,
                    "scheme": a.scheme,
                    "grant_file": a.grant_file,
                    "partner_name": org.name,
                    "partner_siret": org.siret if org.known_siret_as_partner else None,
                    "partner_category": org.partner_category,
                    "role": role,
                    "porteur_siret": a.porteur.siret,
                    "broken_rule": None,
                }
            )
    break_partners(
        partner_rows, breaker.partner_rules(broken_rng), [a.grant_file for a in actions], broken_rng
    )

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
    if job.per_porteur:
        # One return per porteur, as real returns arrive: a workbook, or a CSV pair.
        groups: dict[str, list[int]] = {}
        for i, a in enumerate(actions):
            groups.setdefault(a.porteur.siret, []).append(i)
        by_file = {}
        for p in partner_rows:
            by_file.setdefault(p["grant_file"], []).append(p)
        # A partner row pointing at an unknown grant file (a broken row) rides with the first.
        known = {a.grant_file for a in actions}
        orphans = [p for p in partner_rows if p["grant_file"] not in known]
        written = []
        for n, (siret, idx) in enumerate(groups.items()):
            files = {a.grant_file for a in (actions[i] for i in idx)}
            written += _emit(
                job,
                year,
                f"bilan_{dep.code}_{year}_{siret}",
                as_xlsx,
                [rows[i] for i in idx],
                [p for f in sorted(files) for p in by_file.get(f, [])]
                + (orphans if n == 0 else []),
                [(h, [v[i] for i in idx]) for h, v in extra],
                a_style,
                p_style,
                actions_out,
                partners_out,
            )
        return written, (rows, partner_rows)
    written = _emit(
        job,
        year,
        f"bilan_{dep.code}_{year}",
        as_xlsx,
        rows,
        partner_rows,
        extra,
        a_style,
        p_style,
        actions_out,
        partners_out,
    )
    return written, (rows, partner_rows)


def _emit(
    job, year, stem, as_xlsx, rows, partner_rows, extra, a_style, p_style, actions_out, partners_out
) -> list[Path]:
    """Write one return (a workbook, or a CSV pair) and record where each truth row lies."""
    dep = job.dep
    total_cols = (
        "sessions",
        "participants",
        "qpv_residents",
        "girls",
        "boys",
        *AGE_COLUMNS,
        "realised_cost",
    )
    totals = {c: sum(r[c] or 0 for r in rows) for c in total_cols}
    a_table = Table(ACTIVITY_FIELDS, rows, a_style, extra=extra or None, total=totals)
    p_table = Table(PARTNER_FIELDS, partner_rows, p_style)

    if as_xlsx:
        path = job.inbox / f"{stem}.xlsx"
        a_lines, p_lines = write_workbook(
            path,
            [("actions", a_table), ("partenaires", p_table)],
            created=datetime(year, 10, 1, 9, 0),
        )
        written = [path]
        a_where, p_where = (path.name, "actions"), (path.name, "partenaires")
        _stamp(path, year, RETURN_AT)
    else:
        a_path, p_path = job.inbox / f"{stem}_actions.csv", job.inbox / f"{stem}_partenaires.csv"
        a_lines = write_csv(a_path, a_table, encoding="cp1252")
        p_lines = write_csv(p_path, p_table, encoding="cp1252")
        written = [a_path, p_path]
        a_where, p_where = (a_path.name, None), (p_path.name, None)
        # the partner list follows the actions: the marts join them by key, not by file
        _stamp(a_path, year, RETURN_AT)
        _stamp(p_path, year, PARTNERS_AT)

    for row, line in zip(rows, a_lines, strict=True):
        row.update(department_code=dep.code, file_name=a_where[0], sheet=a_where[1], line=line)
        actions_out.add(row)
    for row, line in zip(partner_rows, p_lines, strict=True):
        row.update(department_code=dep.code, file_name=p_where[0], sheet=p_where[1], line=line)
        partners_out.add(row)
    return written
