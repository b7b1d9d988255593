"""Deterministic demo data: the files the platform receives, plus the truth behind them.

    from demodata.generator import generate_demo
    res = generate_demo(Path("data/demo"), seed=2020, regions=("44",))

Writes, under `out_dir`:

- `inbox/` — what porteurs and the grants system send, per département and campaign
  2020–2025, alternating between
  * `bilan_<dep>_<year>.xlsx`, sheets `actions` and `partenaires` (some with a two-line title
    block above the header row, some with dates typed as text), and
  * `bilan_<dep>_<year>_actions.csv` + `bilan_<dep>_<year>_partenaires.csv`: `;`,
    Windows-1252, decimal comma, dd/mm/yyyy, CRLF, header variants (see
    `writers.HEADER_VARIANTS`), sometimes shuffled columns, lower-case codes, spaced SIRETs,
    thousands separators, a blank line, an extra column, a trailing "TOTAL" row;
  * `financements_<year>.csv`: the grants export, one per campaign for every département of
    the run, UTF-8 (with a BOM on even years), `;`, decimal comma with cents.
  About 1 % of action rows break exactly one rule (`BROKEN_ACTION_RULES`), a few partner rows
  too (`BROKEN_PARTNER_RULES`); the first CSV pair of the run carries personal-data columns
  (`writers.PERSONAL_COLUMNS`) with fake values the platform must drop.
- `reference/qpv_2015_demo.csv` — fictitious 2015-generation QPV, ANCT layout (always).
- `reference/qpv_2024_demo.csv` — fictitious 2024-generation QPV, ANCT layout; written only
  when no `qpv_2024_file` is given (otherwise that file's QPV are used and nothing is copied).
- `reference/population_qpv_demo.csv` — fictitious population of every QPV of the run, both
  generations, UTF-8, comma, header `code_qp,population,population_6_25` (total population
  and people aged 6 to 25), one row per QPV code, integers.

Same seed and arguments give byte-identical files. A département's content depends only on
the seed and its code (and on the official QPV file if given), not on the other régions of
the run; only which broken rule lands in which file depends on the run.

The returned `DemoResult` holds the truth: every row written, with warehouse column names
(docs/warehouse.md) and normalised values (upper-case codes, SIRET without spaces), the file,
sheet and spreadsheet line it sits on, and `broken_rule` (None for a valid row).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from demodata.actions import AGE_BANDS, SCHEMES, Action, PartnerMemory, department_year
from demodata.organisations import YEARS, build_pool
from demodata.referential import (
    NEIGHBOURHOODS,
    Qpv,
    fictitious_communes,
    fictitious_qpvs,
    population_rows,
    read_commune_names,
    read_official_qpvs,
    write_anct_csv,
)
from demodata.siret import break_siret
from demodata.territories import Department, departments_of
from demodata.texts import SCHEME_LABELS, fake_person
from demodata.writers import (
    ACTIVITY_FIELDS,
    EXTRA_COLUMN,
    FUNDING_FIELDS,
    PARTNER_FIELDS,
    PERSONAL_COLUMNS,
    FileStyle,
    Table,
    fr_date,
    write_csv,
    write_workbook,
)

BROKEN_ACTION_RULES = (
    "siret_luhn",
    "age_bands_sum",
    "sex_sum",
    "scheme_unknown",
    "date_outside_campaign",
    "qpv_unknown",
    "grant_file_duplicate",
)
BROKEN_PARTNER_RULES = ("action_unknown", "siret_luhn")
BROKEN_SHARE = 0.01
UNKNOWN_SCHEMES = ("CLAS", "QEE")

_AGE_COLUMNS = tuple(f"age_{b}" for b in AGE_BANDS)
_STALE = re.compile(r"^(bilan_.+\.(csv|xlsx)|financements_\d{4}\.csv)$")

_ACTION_SCHEMA = {
    "campaign_year": pl.Int32, "scheme": pl.String, "grant_file": pl.String,
    "action_title": pl.String, "porteur_siret": pl.String, "porteur_name": pl.String,
    "porteur_category": pl.String, "theme": pl.String, "start_date": pl.Date,
    "end_date": pl.Date, "qpv_codes": pl.String, "commune_code": pl.String,
    "sessions": pl.Int32, "participants": pl.Int32, "qpv_residents": pl.Int32,
    "girls": pl.Int32, "boys": pl.Int32,
    **{c: pl.Int32 for c in _AGE_COLUMNS},
    "realised_cost": pl.Float64, "comment": pl.String,
    "department_code": pl.String, "file_name": pl.String, "sheet": pl.String,
    "line": pl.Int32, "has_funding": pl.Boolean, "broken_rule": pl.String,
}  # fmt: skip
_PARTNER_SCHEMA = {
    "campaign_year": pl.Int32, "scheme": pl.String, "grant_file": pl.String,
    "partner_name": pl.String, "partner_siret": pl.String, "partner_category": pl.String,
    "role": pl.String, "porteur_siret": pl.String, "department_code": pl.String,
    "file_name": pl.String, "sheet": pl.String, "line": pl.Int32, "broken_rule": pl.String,
}  # fmt: skip
_FUNDING_SCHEMA = {
    "campaign_year": pl.Int32, "scheme": pl.String, "grant_file": pl.String,
    "action_title": pl.String, "porteur_name": pl.String, "porteur_siret": pl.String,
    "funder": pl.String, "amount_requested": pl.Float64, "amount_granted": pl.Float64,
    "department_code": pl.String, "file_name": pl.String, "line": pl.Int32,
    "has_activity_return": pl.Boolean,
}  # fmt: skip


@dataclass
class DemoResult:
    """Where the demo files are, and the truth they were written from."""

    inbox: Path
    reference_dir: Path
    qpv_2024_file: Path  # the referential used for 2024–2025 (official or fictitious)
    qpv_2015_file: Path
    population_file: Path
    actions: pl.DataFrame  # every action row written (valid or broken), TOTAL rows excluded
    partners: pl.DataFrame  # every partner row written
    funding: pl.DataFrame  # every funding line written
    personal_data_values: list[str]  # fake personal values that must never reach the warehouse
    departments: tuple[str, ...] = ()
    official_qpv: bool = False
    files: list[Path] = field(default_factory=list)  # inbox files, in writing order

    def summary(self) -> dict[str, int]:
        valid = self.actions.filter(pl.col("broken_rule").is_null())
        return {
            "files": len(self.files),
            "action_rows": self.actions.height,
            "action_rows_broken": self.actions.height - valid.height,
            "participations": int(valid["participants"].sum() or 0),
            "partner_rows": self.partners.height,
            "funding_rows": self.funding.height,
            "grant_files_funded": self.funding.select("campaign_year", "scheme", "grant_file")
            .unique()
            .height,
        }


class _Columns:
    """Column-wise accumulator: much lighter than a list of dicts at national scale."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.data: dict[str, list] = {c: [] for c in schema}

    def add(self, row: dict) -> None:
        for c, values in self.data.items():
            values.append(row.get(c))

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.data, schema=self.schema)


class _Breaker:
    """Hands out broken rules round-robin over the run, so every rule shows up early."""

    def __init__(self) -> None:
        self.action_count = 0
        self.partner_files = 0

    def action_rules(self, n_rows: int, rng: random.Random) -> list[str]:
        expected = n_rows * BROKEN_SHARE
        k = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        if self.action_count < len(BROKEN_ACTION_RULES):
            k = max(k, 1)  # guarantees every rule even in a tiny run
        k = min(k, max(0, n_rows - 1))
        rules = [
            BROKEN_ACTION_RULES[(self.action_count + j) % len(BROKEN_ACTION_RULES)]
            for j in range(k)
        ]
        self.action_count += k
        return rules

    def partner_rules(self, rng: random.Random) -> list[str]:
        first = self.partner_files == 0
        self.partner_files += 1
        rules = []
        if first or rng.random() < 0.5:
            rules.append("action_unknown")
        if first or rng.random() < 0.3:
            rules.append("siret_luhn")
        return rules


def generate_demo(
    out_dir: Path,
    *,
    seed: int = 2020,
    regions: tuple[str, ...] = ("44",),
    qpv_2024_file: Path | None = None,
    scale: float = 1.0,
    communes_file: Path | None = None,
) -> DemoResult:
    """Write the demo inbox and referentials under `out_dir`; return where, and the truth.

    `regions`: metropolitan région codes (COG). `qpv_2024_file`: an ANCT-format 2024 QPV list
    (e.g. the official one) to use instead of a fictitious one. `scale` multiplies the number
    of actions. `communes_file`: the COG communes CSV, for real commune codes and names under
    the fictitious 2015 QPV (ignored for départements the official file covers).
    """
    if scale <= 0:
        raise ValueError("scale must be > 0")
    out_dir = Path(out_dir)
    departments = departments_of(tuple(regions))
    inbox, ref_dir = out_dir / "inbox", out_dir / "reference"
    inbox.mkdir(parents=True, exist_ok=True)
    ref_dir.mkdir(parents=True, exist_ok=True)
    # Stale demo files of an earlier run with other arguments would pollute the truth.
    for old in inbox.iterdir():
        if old.is_file() and _STALE.match(old.name):
            old.unlink()

    official = read_official_qpvs(Path(qpv_2024_file), departments) if qpv_2024_file else None
    commune_names = _read_communes(communes_file, departments) if communes_file else {}

    actions_out, partners_out = _Columns(_ACTION_SCHEMA), _Columns(_PARTNER_SCHEMA)
    funding_rows: dict[int, list[dict]] = {y: [] for y in YEARS}
    breaker = _Breaker()
    personal_values: list[str] = []
    files: list[Path] = []
    qpv15_all: list[Qpv] = []
    qpv24_all: list[Qpv] = []
    population: list[tuple[str, int, int]] = []
    taken_sirets: set[str] = set()

    for dep_index, dep in enumerate(departments):
        rng = random.Random(f"{seed}:{dep.code}")
        qpv15, qpv24, communes = _department_qpvs(dep, rng, official, commune_names)
        qpv15_all += qpv15
        qpv24_all += qpv24
        population += population_rows(qpv15 + qpv24, random.Random(f"{seed}:{dep.code}:pop"))
        expected_per_year = 330 * scale
        pool = build_pool(dep, communes, rng, max(12, round(expected_per_year / 4)), taken_sirets)
        memory = PartnerMemory()
        for year in YEARS:
            qpvs = qpv15 if year <= 2023 else qpv24
            if not qpvs:
                continue  # a département the given referential does not cover
            actions = department_year(year=year, dep_code3=dep.code3, qpvs=qpvs, pool=pool,
                                      memory=memory, rng=rng, scale=scale)  # fmt: skip
            for a in actions:
                for funder, asked, granted in a.funding:
                    funding_rows[year].append(_funding_row(a, dep, funder, asked, granted))
            returned = [a for a in actions if a.returned]
            if not returned:
                continue
            style_rng = random.Random(f"{seed}:{dep.code}:{year}:style")
            as_xlsx = (dep_index + year) % 2 == 0
            personal = not as_xlsx and not personal_values
            files += _write_return(
                inbox, dep, year, returned, qpvs, as_xlsx, personal, style_rng,
                random.Random(f"{seed}:{dep.code}:{year}:broken"), breaker,
                actions_out, partners_out, personal_values,
            )  # fmt: skip

    funding_out = _Columns(_FUNDING_SCHEMA)
    for year in YEARS:
        if not funding_rows[year]:
            continue
        path = inbox / f"financements_{year}.csv"
        table = Table(FUNDING_FIELDS, funding_rows[year], FileStyle(cents=True))
        # The grants system exports UTF-8; some exports carry a BOM, some not.
        lines = write_csv(path, table, encoding="utf-8-sig" if year % 2 == 0 else "utf-8",
                          newline="\n")  # fmt: skip
        files.append(path)
        for row, line in zip(funding_rows[year], lines, strict=True):
            funding_out.add({**row, "file_name": path.name, "line": line})

    qpv15_file = ref_dir / "qpv_2015_demo.csv"
    dep_map = {d.code: d for d in departments}
    write_anct_csv(qpv15_file, qpv15_all, dep_map)
    if official is None:
        qpv24_file = ref_dir / "qpv_2024_demo.csv"
        write_anct_csv(qpv24_file, qpv24_all, dep_map)
    else:
        qpv24_file = Path(qpv_2024_file)
        stale = ref_dir / "qpv_2024_demo.csv"
        if stale.exists():
            stale.unlink()
    population_file = ref_dir / "population_qpv_demo.csv"
    with population_file.open("w", encoding="utf-8", newline="") as fh:
        fh.write("code_qp,population,population_6_25\n")
        for code, pop, young in population:
            fh.write(f"{code},{pop},{young}\n")

    actions_df, funding_df = _link(actions_out.frame(), funding_out.frame())
    return DemoResult(
        inbox=inbox,
        reference_dir=ref_dir,
        qpv_2024_file=qpv24_file,
        qpv_2015_file=qpv15_file,
        population_file=population_file,
        actions=actions_df,
        partners=partners_out.frame(),
        funding=funding_df,
        personal_data_values=sorted(set(personal_values)),
        departments=tuple(d.code for d in departments),
        official_qpv=official is not None,
        files=files,
    )


def _read_communes(path: Path, departments: list[Department]) -> dict[str, list[tuple[str, str]]]:
    return {d.code: read_commune_names(Path(path), d.code) for d in departments}


def _department_qpvs(dep, rng, official, commune_names) -> tuple[list[Qpv], list[Qpv], list]:
    """Fictitious 2015 QPV (and 2024 unless the official list is given) of one département."""
    real = None
    if official is not None and official.get(dep.code):
        # Fictitious 2015 QPV in the towns that really have QPV: most 2015 QPV were kept.
        seen: dict[tuple[str, str], int] = {}
        for q in official[dep.code]:
            seen[q.communes[0]] = seen.get(q.communes[0], 0) + 1
        real = sorted(seen, key=lambda c: (-seen[c], c[0]))
    elif commune_names.get(dep.code):
        real = commune_names[dep.code]
    communes = fictitious_communes(dep, rng, rng.randint(2, 6), real)
    names = rng.sample(NEIGHBOURHOODS, len(NEIGHBOURHOODS))
    n15 = rng.randint(4, 14)
    qpv15 = fictitious_qpvs(dep, rng, communes, 2015, n15, names)
    if official is not None:
        qpv24 = official.get(dep.code, [])
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
    row.update(zip(_AGE_COLUMNS, a.ages, strict=True))
    return row


def _funding_row(a: Action, dep: Department, funder: str, asked: float, granted: float) -> dict:
    return {
        "campaign_year": a.year,
        "scheme": a.scheme,
        "grant_file": a.grant_file,
        "action_title": a.title,
        "porteur_name": a.porteur.name,
        "porteur_siret": a.porteur.siret,  # the grants system has it right
        "funder": funder,
        "amount_requested": asked,
        "amount_granted": granted,
        "department_code": dep.code,
    }


def _break_actions(rows: list[dict], rules: list[str], qpvs: list[Qpv], dep: Department,
                   rng: random.Random) -> None:  # fmt: skip
    """Make each chosen row break exactly one rule, in place."""
    used: set[int] = set()
    known = {q.code for q in qpvs}
    # Duplicates go last: they need an untouched row just before them, of the same scheme.
    for rule in sorted(rules, key=lambda r: r == "grant_file_duplicate"):
        if rule == "grant_file_duplicate":
            candidates = [
                i for i in range(1, len(rows))
                if i not in used and i - 1 not in used
                and rows[i]["scheme"] == rows[i - 1]["scheme"]
            ]  # fmt: skip
            if not candidates:
                continue
            i = rng.choice(candidates)
            used.update((i, i - 1))
        else:
            free = [i for i in range(len(rows)) if i not in used]
            if not free:
                continue
            i = rng.choice(free)
            used.add(i)
        row = rows[i]
        row["broken_rule"] = rule
        if rule == "siret_luhn":
            row["porteur_siret"] = break_siret(row["porteur_siret"], rng)
        elif rule == "age_bands_sum":
            col = max(_AGE_COLUMNS, key=lambda c: row[c])
            row[col] += rng.randint(1, 3)
        elif rule == "sex_sum":
            n = row["participants"]
            row["girls"] = row["girls"] if row["girls"] is not None else n // 2
            row["boys"] = n - row["girls"] + rng.randint(1, 3)
        elif rule == "scheme_unknown":
            row["scheme"] = rng.choice(UNKNOWN_SCHEMES)
        elif rule == "date_outside_campaign":
            row["start_date"] = row["start_date"].replace(year=row["campaign_year"] - 1)
        elif rule == "qpv_unknown":
            codes = row["qpv_codes"].split(";")
            while codes[0] in known or codes[0] in row["qpv_codes"]:
                if row["campaign_year"] <= 2023:
                    codes[0] = f"QP{dep.code3}{rng.randint(950, 999)}"
                else:
                    codes[0] = f"QN{dep.code3}{rng.randint(90, 99)}X"
            row["qpv_codes"] = ";".join(codes)
        elif rule == "grant_file_duplicate":
            row["grant_file"] = rows[i - 1]["grant_file"]


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
        order = list(range(len(ACTIVITY_FIELDS)))
        rng.shuffle(order)
        order = tuple(order)
    actions_style = FileStyle(
        **common,
        column_order=order,
        total_row=rng.random() < 0.5,
        blank_line_at=rng.randint(1, 20) if rng.random() < 0.2 else None,
        extra_column=rng.random() < 0.15,
    )
    return actions_style, FileStyle(**common)


def _write_return(inbox, dep, year, actions, qpvs, as_xlsx, personal, style_rng, broken_rng,
                  breaker, actions_out, partners_out, personal_values) -> list[Path]:  # fmt: skip
    """Write one département-year activity return (XLSX or CSV pair); record the truth."""
    rows = [_activity_row(a) for a in actions]
    _break_actions(rows, breaker.action_rules(len(rows), broken_rng), qpvs, dep, broken_rng)
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
    _break_partners(partner_rows, breaker.partner_rules(broken_rng), actions, dep, broken_rng)

    extra = []
    if a_style.extra_column:
        extra.append((EXTRA_COLUMN, [f"REF-{year}-{i + 1:04d}" for i in range(len(rows))]))
    if personal:
        people = [fake_person(broken_rng, year) for _ in rows]
        for j, header in enumerate(PERSONAL_COLUMNS):
            values = [p[j] for p in people]
            extra.append((header, values))
            personal_values.extend(values)
    total_cols = ("sessions", "participants", "qpv_residents", "girls", "boys", *_AGE_COLUMNS,
                  "realised_cost")  # fmt: skip
    totals = {c: sum(r[c] or 0 for r in rows) for c in total_cols}
    a_table = Table(ACTIVITY_FIELDS, rows, a_style, extra=extra or None, total=totals)
    p_table = Table(PARTNER_FIELDS, partner_rows, p_style)

    stem = f"bilan_{dep.code}_{year}"
    if as_xlsx:
        path = inbox / f"{stem}.xlsx"
        a_lines, p_lines = write_workbook(path, [("actions", a_table), ("partenaires", p_table)],
                                          created=datetime(year, 10, 1, 9, 0))  # fmt: skip
        written = [path]
        a_where = p_where = (path.name, "actions")
        p_where = (path.name, "partenaires")
    else:
        a_path, p_path = inbox / f"{stem}_actions.csv", inbox / f"{stem}_partenaires.csv"
        a_lines = write_csv(a_path, a_table, encoding="cp1252")
        p_lines = write_csv(p_path, p_table, encoding="cp1252")
        written = [a_path, p_path]
        a_where, p_where = (a_path.name, None), (p_path.name, None)

    funded = {a.grant_file for a in actions if a.funded}
    for row, line in zip(rows, a_lines, strict=True):
        row.update(department_code=dep.code, file_name=a_where[0], sheet=a_where[1], line=line,
                   has_funding=row["grant_file"] in funded)  # fmt: skip
        actions_out.add(row)
    for row, line in zip(partner_rows, p_lines, strict=True):
        row.update(department_code=dep.code, file_name=p_where[0], sheet=p_where[1], line=line)
        partners_out.add(row)
    return written


def _break_partners(rows: list[dict], rules: list[str], actions: list[Action], dep: Department,
                    rng: random.Random) -> None:  # fmt: skip
    for rule in rules:
        if rule == "siret_luhn":
            candidates = [r for r in rows if r["partner_siret"] and r["broken_rule"] is None]
            if candidates:
                row = rng.choice(candidates)
                row["partner_siret"] = break_siret(row["partner_siret"], rng)
                row["broken_rule"] = rule
        elif rule == "action_unknown" and actions:
            a = rng.choice(actions)
            org, role = a.partners[0] if a.partners else (a.porteur, "autre")
            # A number past the end of the numbering: no grant file of the return has it.
            number = 5000 + rng.randint(0, 999)
            rows.insert(rng.randint(0, len(rows)), {
                "campaign_year": a.year, "scheme": a.scheme,
                "grant_file": f"{a.scheme}-{a.year}-{dep.code3}-{number:04d}",
                "partner_name": org.name, "partner_siret": None,
                "partner_category": org.partner_category, "role": role,
                "porteur_siret": None, "broken_rule": rule,
            })  # fmt: skip


def _link(actions: pl.DataFrame, funding: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Mark funding lines whose grant file has a valid (accepted) activity row."""
    key = ["campaign_year", "scheme", "grant_file"]
    valid = actions.filter(pl.col("broken_rule").is_null()).select(key).unique()
    funding = funding.drop("has_activity_return").join(
        valid.with_columns(pl.lit(True).alias("has_activity_return")), on=key, how="left"
    ).with_columns(pl.col("has_activity_return").fill_null(False))
    return actions, funding
