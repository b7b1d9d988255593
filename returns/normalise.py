"""Polars expressions turning values as porteurs write them into typed values.

Each returns NULL where the text cannot be read, so the validator can tell "empty" from
"unreadable" by comparing with the raw text.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from returns.contract import CODE_LISTS, FORMER_LABELS, QPV_GENERATIONS
from returns.headers import strip_accents

QPV_2015 = r"^QP(\d{3}|02[AB])\d{3}$"
QPV_2024 = r"^QN(\d{3}|02[AB])\d{2}[A-Z]$"
COMMUNE = r"^(\d{5}|2[AB]\d{3})$"
DEPARTMENT = r"^(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])$"
_SPACES = r"[\s\u00a0\u202f\u2009']"


def blank_to_null(e: pl.Expr) -> pl.Expr:
    s = e.str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def number(e: pl.Expr) -> pl.Expr:
    """'1 234,50' / '1.234,5' / '1234.5' / '1.234' (French thousands) / '12 €' → float."""
    s = e.str.replace_all(_SPACES, "").str.replace_all("€", "")
    s = (
        pl.when(s.str.contains(","))
        .then(s.str.replace_all(r"\.", "").str.replace(",", ".", literal=True))
        .when(s.str.contains(r"^-?\d{1,3}(\.\d{3})+$"))
        .then(s.str.replace_all(r"\.", ""))
        .otherwise(s)
    )
    return s.cast(pl.Float64, strict=False)


def integer(e: pl.Expr) -> pl.Expr:
    """Whole numbers ≥ 0 only ('12', '12,0', '1 200'); anything else is NULL."""
    f = number(e)
    return pl.when((f >= 0) & (f == f.floor()) & (f < 2**31)).then(f).otherwise(None).cast(pl.Int32)


def amount(e: pl.Expr) -> pl.Expr:
    f = number(e)
    return pl.when(f >= 0).then(f.round(2)).otherwise(None)


def date(e: pl.Expr) -> pl.Expr:
    """dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, ISO (with or without time), Excel serial."""
    s = e.str.strip_chars()
    serial = (
        pl.when(s.str.contains(r"^\d{5}(\.0+)?$"))
        .then(pl.lit(-25569) + s.str.extract(r"^(\d{5})", 1).cast(pl.Int32))
        .otherwise(None)
        .cast(pl.Date)  # days since 1970-01-01; Excel's day 25569 is 1970-01-01
    )
    dmy = s.str.replace_all(r"[-.]", "/").str.extract(r"^(\d{1,2}/\d{1,2}/\d{4})$", 1)
    return pl.coalesce(
        dmy.str.to_date("%d/%m/%Y", strict=False),
        s.str.extract(r"^(\d{4}-\d{2}-\d{2})", 1).str.to_date("%Y-%m-%d", strict=False),
        serial,
    )


def _code_key(e: pl.Expr) -> pl.Expr:
    return (
        e.str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace_all(r"[^a-z0-9]+", "_")
        .str.strip_chars("_")
    )


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", strip_accents(text).lower()).strip("_")


@cache
def code_lookup(list_name: str) -> dict[str, str]:
    """Every accepted spelling of a code (code or French label, any case, accents, spacing)
    → code; folded as `_code_key` folds the values."""
    former = {_fold(label): code for label, code in FORMER_LABELS.get(list_name, {}).items()}
    return former | {
        _fold(variant): code
        for code, label in CODE_LISTS[list_name].items()
        for variant in (label, code)
    }


def code(e: pl.Expr, list_name: str) -> pl.Expr:
    return _code_key(e).replace_strict(code_lookup(list_name), default=None, return_dtype=pl.Utf8)


def siret_digits(e: pl.Expr) -> pl.Expr:
    """Spaces and dots removed; a 13-digit value (Excel dropped a leading zero) padded."""
    s = e.str.replace_all(r"[\s\u00a0\u202f.\-]", "").str.replace(r"\.0+$", "")
    return pl.when(s.str.contains(r"^\d{13}$")).then("0" + s).otherwise(s)


def siret_valid(digits: pl.Expr) -> pl.Expr:
    """14 digits and Luhn-valid, or La Poste's (356000000…), which breaks Luhn by design."""
    total = pl.lit(0)
    for i in range(14):
        d = digits.str.slice(i, 1).cast(pl.Int32, strict=False)
        if (13 - i) % 2 == 1:  # every second digit from the right is doubled
            d = pl.when(d * 2 > 9).then(d * 2 - 9).otherwise(d * 2)
        total = total + d
    return digits.str.contains(r"^\d{14}$") & (
        (total % 10 == 0) | digits.str.starts_with("356000000")
    )


def qpv_codes(e: pl.Expr) -> pl.Expr:
    """'qn05401m, QN05402I' → 'QN05401M;QN05402I' (the first stays first)."""
    return (
        e.str.to_uppercase()
        .str.replace_all(r"[\s,/|+]+", ";")
        .str.replace_all(r";+", ";")
        .str.strip_chars(";")
    )


def department_of_qpv(code_expr: pl.Expr) -> pl.Expr:
    """QN05401M → '54', QN02A01M → '2A', QN97101M → '971': the code tells the département."""
    dep = code_expr.str.slice(2, 3)
    return pl.when(dep.str.starts_with("0")).then(dep.str.slice(1, 2)).otherwise(dep)


def commune(e: pl.Expr) -> pl.Expr:
    """Upper case; a 4-digit code whose leading zero Excel dropped is padded."""
    s = e.str.replace_all(r"\s", "").str.to_uppercase().str.replace(r"\.0+$", "")
    return pl.when(s.str.contains(r"^\d{4}$")).then("0" + s).otherwise(s)


def department(e: pl.Expr) -> pl.Expr:
    s = e.str.replace_all(r"\s", "").str.to_uppercase().str.replace(r"\.0+$", "")
    return pl.when(s.str.contains(r"^\d$")).then("0" + s).otherwise(s)


def code_generation(code: pl.Expr) -> pl.Expr:
    """Generation of a QPV code, from its prefix (contract's QPV_GENERATIONS)."""
    expr = pl.lit(None, pl.Int32)
    for g in QPV_GENERATIONS:
        expr = (
            pl.when(code.str.starts_with(g.code_prefix))
            .then(pl.lit(g.generation, pl.Int32))
            .otherwise(expr)
        )
    return expr


def expected_generation(year: pl.Expr, overseas: pl.Expr) -> pl.Expr:
    """The contract's `campaign_generation` as an expression: the newest generation whose
    first campaign (overseas or not) is reached, the oldest before any."""
    ordered = sorted(QPV_GENERATIONS, key=lambda g: g.generation)
    expr = pl.lit(ordered[0].generation, pl.Int32)
    for g in ordered:
        first = pl.when(overseas).then(g.first_campaign_overseas).otherwise(g.first_campaign)
        expr = pl.when(year >= first).then(pl.lit(g.generation, pl.Int32)).otherwise(expr)
    return expr
