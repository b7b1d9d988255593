"""Validation: raw text tables → typed accepted rows + one violation per broken rule.

Every rule of the contract is checked on every row (a row may break several); a row with at
least one violation is quarantined whole. All checks are polars expressions over the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import polars as pl

from returns import normalise as norm
from returns.contract import (
    AGE_BANDS,
    CODE_LISTS,
    FIRST_CAMPAIGN,
    QPV_GENERATIONS,
    RULES,
    Field,
    Kind,
)
from returns.frames import concat_many, with_constants
from returns.readers import RawTable

ROW = ["_tid", "line"]  # a row of a batch: which table, which line
# Beyond this many violations in one table the file does not follow the template (shifted
# columns, another file's layout): it is refused whole, so a 200,000-row file whose every
# cell breaks a rule does not become millions of quarantine rows (memory, warehouse, report).
MAX_VIOLATIONS = 400_000
VIOLATION_SCHEMA = {
    "line": pl.Int32,
    "rule": pl.Utf8,
    "field": pl.Utf8,
    "value": pl.Utf8,
    "reason": pl.Utf8,
}


@dataclass(frozen=True)
class Referential:
    """QPV codes known per generation, as (generation, qpv_code, commune_code) rows."""

    rows: pl.DataFrame

    @property
    def generations(self) -> set[int]:
        return set(self.rows["generation"].unique().to_list())

    @classmethod
    def empty(cls) -> Referential:
        return cls(
            pl.DataFrame(
                schema={"generation": pl.Int32, "qpv_code": pl.Utf8, "commune_code": pl.Utf8}
            )
        )


@dataclass
class Validated:
    kind: Kind
    sheet: str | None
    accepted: pl.DataFrame  # kind.columns typed, plus `line`
    violations: pl.DataFrame  # VIOLATION_SCHEMA
    rows_read: int
    keys: pl.DataFrame | None = None  # (year, scheme, grant file) of every row read, typed
    too_many_violations: int = 0  # when over MAX_VIOLATIONS: how many; nothing else is kept


def lines_refused(violations: pl.DataFrame) -> int:
    """Lines with at least one violation. Counted in Python: polars' `n_unique` goes through
    its thread pool, ≈ 40 µs a call when the cores are busy (as they are at the end of an
    ingestion, which asks every table about ten times), against a few µs here."""
    return len(set(violations.get_column("line").to_list()))


def reason(rule: str, **parts: str | pl.Expr) -> pl.Expr:
    """The rule's French message with its placeholders filled by strings or expressions."""
    return fill_message(RULES[rule].message, **parts)


def fill_message(message: str, **parts: str | pl.Expr) -> pl.Expr:
    """A French message whose `{placeholders}` are filled by strings or expressions."""
    pieces = re.split(r"\{(\w+)\}", message)
    exprs: list[pl.Expr] = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            exprs.append(pl.lit(piece))
        else:
            part = parts.get(piece, "")
            exprs.append(
                part.cast(pl.Utf8).fill_null("(vide)")
                if isinstance(part, pl.Expr)
                else pl.lit(str(part))
            )
    return pl.concat_str(exprs)


@dataclass(frozen=True)
class Check:
    rule: str
    field: str | None
    flag: pl.Expr
    value: pl.Expr
    reason: pl.Expr


def _raw(name: str) -> pl.Expr:
    return pl.col(f"_raw_{name}")


def _typed(f: Field) -> pl.Expr:
    raw = _raw(f.name)
    match f.type:
        case "int" | "year":
            typed = norm.integer(raw)
            if f.empty_as_zero:
                return pl.when(raw.is_null()).then(pl.lit(0, pl.Int32)).otherwise(typed)
            return typed
        case "decimal":
            return norm.amount(raw)
        case "date":
            return norm.date(raw)
        case "code":
            return norm.code(raw, f.codes or "")
        case "siret":
            digits = norm.siret_digits(raw)
            return pl.when(norm.siret_valid(digits)).then(digits).otherwise(None)
        case "qpv_codes":
            return norm.qpv_codes(raw)
        case "commune":
            c = norm.commune(raw)
            return pl.when(c.str.contains(norm.COMMUNE)).then(c).otherwise(None)
        case "department":
            d = norm.department(raw)
            return pl.when(d.str.contains(norm.DEPARTMENT)).then(d).otherwise(None)
        case "grant_file":
            return raw.str.to_uppercase().str.replace_all(r"\s+", "")
        case _:
            return raw


_TYPE_RULE = {
    "int": "entier_invalide",
    "year": "annee_invalide",
    "decimal": "montant_invalide",
    "date": "date_invalide",
    "code": "code_inconnu",
    "siret": "siret_invalide",
    "commune": "commune_invalide",
    "department": "departement_invalide",
}


def _field_checks(f: Field, missing_in: list[int], this_year: int) -> list[Check]:
    """`missing_in`: the tables (`_tid`) whose headers lack this field."""
    col, raw = pl.col(f.name), _raw(f.name)
    absent = pl.col("_tid").is_in(missing_in)
    checks = []
    if missing_in and f.required:
        checks.append(
            Check(
                "colonne_obligatoire_absente",
                f.name,
                absent,
                pl.lit(None, pl.Utf8),
                reason("colonne_obligatoire_absente", field=f.header),
            )
        )
    if f.required and not f.empty_as_zero:
        checks.append(
            Check(
                "valeur_obligatoire",
                f.name,
                raw.is_null() & ~absent,
                raw,
                reason("valeur_obligatoire", field=f.header),
            )
        )
    if f.type in _TYPE_RULE:
        rule = _TYPE_RULE[f.type]
        allowed = ", ".join(CODE_LISTS[f.codes]) if f.codes else ""
        checks.append(
            Check(
                rule,
                f.name,
                raw.is_not_null() & col.is_null(),
                raw,
                reason(rule, field=f.header, value=raw, allowed=allowed),
            )
        )
    if f.type == "year":
        bad = col.is_not_null() & ((col < FIRST_CAMPAIGN) | (col > this_year))
        checks.append(
            Check(
                "annee_invalide",
                f.name,
                bad,
                raw,
                reason("annee_invalide", field=f.header, value=raw),
            )
        )
    if f.type == "qpv_codes":
        codes = col.str.split(";")
        invalid = codes.list.eval(
            pl.element().filter(
                ~pl.element().str.contains(norm.QPV_2015)
                & ~pl.element().str.contains(norm.QPV_2024)
            )
        ).list.join(";")
        checks.append(
            Check(
                "code_qpv_invalide",
                f.name,
                col.is_not_null() & (invalid != ""),
                invalid,
                reason("code_qpv_invalide", value=invalid),
            )
        )
    return checks


def _qpv_generation_checks(df: pl.DataFrame) -> pl.DataFrame:
    """Codes of the wrong generation for the campaign year, one violation per row."""
    exploded = (
        df.select(*ROW, "campaign_year", code=pl.col("qpv_codes").str.split(";"))
        .explode("code")
        .filter(
            pl.col("campaign_year").is_not_null()
            & (
                pl.col("code").str.contains(norm.QPV_2015)
                | pl.col("code").str.contains(norm.QPV_2024)
            )
        )
    )
    overseas = pl.col("code").str.slice(2, 2) == "97"
    bad = exploded.filter(
        norm.code_generation(pl.col("code"))
        != norm.expected_generation(pl.col("campaign_year"), overseas)
    )
    return (
        bad.group_by(ROW, maintain_order=True)
        .agg(pl.col("code").str.join(";").alias("value"), pl.col("campaign_year").first())
        .select(
            *ROW,
            rule=pl.lit("code_qpv_generation"),
            field=pl.lit("qpv_codes"),
            value="value",
            reason=reason(
                "code_qpv_generation", value=pl.col("value"), year=pl.col("campaign_year")
            ),
        )
    )


def _referential_checks(df: pl.DataFrame, ref: Referential) -> list[pl.DataFrame]:
    if ref.rows.is_empty():
        return []
    gens = ref.generations
    codes = (
        df.select(*ROW, "commune_code", code=pl.col("qpv_codes").str.split(";"))
        .with_columns(main=pl.col("code").list.first())
        .explode("code")
        .filter(pl.col("code").is_not_null())
        .with_columns(
            # a code of no known prefix is looked up in the newest list (and reported unknown)
            generation=norm.code_generation(pl.col("code")).fill_null(
                max(g.generation for g in QPV_GENERATIONS)
            )
        )
        .filter(pl.col("generation").is_in(list(gens)))
    )
    known = ref.rows.select("generation", code="qpv_code").unique()
    unknown = codes.join(known, on=["generation", "code"], how="anti").select(
        *ROW,
        rule=pl.lit("qpv_inconnu"),
        field=pl.lit("qpv_codes"),
        value="code",
        reason=reason("qpv_inconnu", value=pl.col("code"), generation=pl.col("generation")),
    )
    communes = ref.rows.group_by("qpv_code").agg(communes=pl.col("commune_code").unique().sort())
    mains = (
        codes.filter(pl.col("code") == pl.col("main"))
        .unique(ROW)
        .join(communes, left_on="main", right_on="qpv_code", how="inner")
        .filter(
            pl.col("commune_code").is_not_null() & ~pl.col("commune_code").is_in(pl.col("communes"))
        )
    )
    mismatch = mains.select(
        *ROW,
        rule=pl.lit("qpv_commune_incoherente"),
        field=pl.lit("commune_code"),
        value="commune_code",
        reason=reason(
            "qpv_commune_incoherente",
            value=pl.col("commune_code"),
            qpv=pl.col("main"),
            communes=pl.col("communes").list.join(", "),
        ),
    )
    return [unknown, mismatch]


def _activity_row_checks() -> list[Check]:
    year, start, end = pl.col("campaign_year"), pl.col("start_date"), pl.col("end_date")
    participants = pl.col("participants")
    sexes = pl.col("girls").fill_null(0) + pl.col("boys").fill_null(0)
    bands = pl.sum_horizontal(*[pl.col(b) for b in AGE_BANDS])
    bands_known = pl.all_horizontal(*[pl.col(b).is_not_null() for b in AGE_BANDS])
    checks = []
    for name, header in (("start_date", "date_debut"), ("end_date", "date_fin")):
        d = pl.col(name)
        checks.append(
            Check(
                "date_hors_campagne",
                name,
                d.is_not_null() & year.is_not_null() & (d.dt.year() != year),
                d.dt.strftime("%d/%m/%Y"),
                reason(
                    "date_hors_campagne", value=d.dt.strftime("%d/%m/%Y"), field=header, year=year
                ),
            )
        )
    checks += [
        Check(
            "dates_inversees",
            "end_date",
            start.is_not_null() & end.is_not_null() & (start > end),
            start.dt.strftime("%d/%m/%Y"),
            reason(
                "dates_inversees",
                value=start.dt.strftime("%d/%m/%Y"),
                end=end.dt.strftime("%d/%m/%Y"),
            ),
        ),
        Check(
            "habitants_qpv_superieurs",
            "qpv_residents",
            pl.col("qpv_residents") > participants,
            pl.col("qpv_residents").cast(pl.Utf8),
            reason(
                "habitants_qpv_superieurs", value=pl.col("qpv_residents"), participants=participants
            ),
        ),
        Check(
            "sexes_superieurs",
            "girls",
            participants.is_not_null() & (sexes > participants),
            sexes.cast(pl.Utf8),
            reason("sexes_superieurs", value=sexes, participants=participants),
        ),
        Check(
            "tranches_age_incoherentes",
            "age_0_5",
            bands_known & participants.is_not_null() & (bands != participants),
            bands.cast(pl.Utf8),
            reason("tranches_age_incoherentes", value=bands, participants=participants),
        ),
    ]
    return checks


def _duplicate_check(keys: list[str]) -> Check:
    keys = [*keys, "_tid"]  # within one file (sheet)
    dup = pl.len().over(keys) > 1
    lines = pl.col("line").cast(pl.Utf8).implode().over(keys).list.join(", ")
    return Check(
        "dossier_en_double",
        "grant_file",
        pl.all_horizontal(*[pl.col(k).is_not_null() for k in keys]) & dup,
        pl.col("grant_file"),
        reason("dossier_en_double", value=pl.col("grant_file"), lines=lines),
    )


def validate_tables(
    tables: list[RawTable],
    referential: Referential | None = None,
    today: date | None = None,
    max_violations: int = MAX_VIOLATIONS,
) -> list[Validated]:
    """Validate tables, those of one kind together in one frame (`_tid` tells them apart):
    polars plans every check of a kind once for the whole batch, not once per file."""
    out: dict[int, Validated] = {}
    for kind in {t.kind.name: t.kind for t in tables}.values():
        ids = [i for i, t in enumerate(tables) if t.kind.name == kind.name]
        frames = [
            with_constants(
                tables[i].data,
                {**{m: (None, pl.Utf8) for m in tables[i].missing}, "_tid": (i, pl.Int32)},
            )
            for i in ids
        ]
        # One chunk: string and regex kernels run per chunk, and a batch of small files would
        # otherwise make thousands of them.
        df = concat_many(frames)
        missing = {f.name: [i for i in ids if f.name in tables[i].missing] for f in kind.fields}
        accepted, violations, keys, over = _validate_frame(
            kind, df, missing, referential, today, max_violations
        )
        for i, n in over.items():
            empty = tables[i].data.clear()
            out[i] = Validated(
                kind,
                tables[i].sheet,
                empty,
                pl.DataFrame(schema=VIOLATION_SCHEMA),
                tables[i].data.height,
                None,
                too_many_violations=n,
            )
            ids.remove(i)
        # Split back by table once per frame (a filter per table is quadratic in files).
        parts = [
            (
                frame.partition_by("_tid", as_dict=True, include_key=False),
                frame.clear().drop("_tid"),
            )
            for frame in (accepted, violations, keys)
        ]
        for i in ids:
            own = [by_tid.get((i,), blank) for by_tid, blank in parts]
            out[i] = Validated(
                kind,
                tables[i].sheet,
                own[0],
                own[1].sort("line", "rule"),
                tables[i].data.height,
                own[2],
            )
    return [out[i] for i in range(len(tables))]


def validate_table(
    table: RawTable, referential: Referential | None = None, today: date | None = None
) -> Validated:
    return validate_tables([table], referential, today)[0]


def _validate_frame(
    kind: Kind,
    data: pl.DataFrame,
    missing: dict[str, list[int]],
    referential: Referential | None,
    today: date | None,
    max_violations: int = MAX_VIOLATIONS,
):
    this_year = (today or date.today()).year
    # Only the stripped text and the typed value are kept: the cells as read are not needed.
    df = (
        data.lazy()
        .select(
            *ROW,
            *[norm.blank_to_null(pl.col(f.name)).alias(f"_raw_{f.name}") for f in kind.fields],
        )
        .with_columns([_typed(f).alias(f.name) for f in kind.fields])
        .collect()
    )

    checks: list[Check] = []
    for f in kind.fields:
        checks += _field_checks(f, missing[f.name], this_year)
    if kind.name == "activity":
        checks += _activity_row_checks()
        checks.append(_duplicate_check(["campaign_year", "scheme", "grant_file"]))
    elif kind.name == "funding":
        checks.append(_duplicate_check(["campaign_year", "scheme", "grant_file", "funder"]))

    # Counted first, without their reasons: a table with too many is refused, not detailed.
    lf = df.lazy()
    # Only tables that could exceed the cap (rows × checks) are counted.
    heights = df.group_by("_tid").len()
    large = heights.filter(pl.col("len") * len(checks) > max_violations)["_tid"].to_list()
    over: dict[int, int] = {}
    if large:
        counts = (
            lf.filter(pl.col("_tid").is_in(large))
            .select(
                "_tid",
                n=pl.sum_horizontal([c.flag.fill_null(False).cast(pl.UInt32) for c in checks]),
            )
            .group_by("_tid")
            .agg(pl.col("n").sum())
            .filter(pl.col("n") > max_violations)
            .collect()
        )
        over = dict(counts.iter_rows())
    if over:
        df = df.filter(~pl.col("_tid").is_in(list(over)))
        lf = df.lazy()
    # One lazy query for every check: polars plans them together (one collect, not one per rule).
    frames = [
        lf.filter(c.flag).select(
            *ROW,
            rule=pl.lit(c.rule),
            field=pl.lit(c.field, pl.Utf8),
            value=c.value.cast(pl.Utf8),
            reason=c.reason,
        )
        for c in checks
    ]
    if kind.name == "activity":
        valid_codes = df.filter(pl.col("qpv_codes").is_not_null())
        frames.append(_qpv_generation_checks(valid_codes).lazy())
        frames += [
            f.lazy() for f in _referential_checks(valid_codes, referential or Referential.empty())
        ]
    schema = {"_tid": pl.Int32, **VIOLATION_SCHEMA}
    violations = pl.concat([f.cast(schema) for f in frames], how="vertical").collect()
    accepted = df.join(violations.select(ROW).unique(), on=ROW, how="anti").select(
        [*ROW, *kind.columns]
    )
    keys = df.select("_tid", "campaign_year", "scheme", "grant_file")
    return accepted, violations, keys, over


def orphan_partner_lines(
    frames: list[pl.DataFrame], known_actions: pl.DataFrame
) -> dict[int, pl.DataFrame]:
    """For each frame of accepted partner rows, those whose action (year, scheme, grant file)
    is not in `known_actions` (the keys of accepted or quarantined actions of the same batch
    and of the warehouse), by position. One join for the whole batch: a join per file would
    hash every known action once per file."""
    keys = ["campaign_year", "scheme", "grant_file"]
    frames = [
        with_constants(f[[*keys, "line"]], {"_tid": (j, pl.Int32)}) for j, f in enumerate(frames)
    ]
    if not frames:
        return {}
    known = known_actions.select(keys).unique()
    orphans = pl.concat(frames, how="vertical_relaxed").join(
        known.cast(dict(frames[0].select(keys).schema)), on=keys, how="anti"
    )
    return {
        k[0]: v for k, v in orphans.partition_by("_tid", as_dict=True, include_key=False).items()
    }


def mark_orphans(partners: Validated, orphans: pl.DataFrame | None) -> Validated:
    """Partner rows of an unknown action move from accepted to violations (`action_inconnue`)."""
    if orphans is None or orphans.is_empty():
        return partners
    extra = orphans.select(
        "line",
        rule=pl.lit("action_inconnue"),
        field=pl.lit("grant_file"),
        value="grant_file",
        reason=reason("action_inconnue", value=pl.col("grant_file")),
    ).cast(VIOLATION_SCHEMA)
    return Validated(
        partners.kind,
        partners.sheet,
        partners.accepted.join(orphans.select("line"), on="line", how="anti"),
        pl.concat([partners.violations, extra]).sort("line", "rule"),
        partners.rows_read,
        partners.keys,
    )


def check_partner_actions(partners: Validated, known_actions: pl.DataFrame) -> Validated:
    """One table's partner rows checked against the known actions."""
    return mark_orphans(partners, orphan_partner_lines([partners.accepted], known_actions).get(0))
