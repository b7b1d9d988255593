"""Personal-data guard: nothing about participants is ever written.

Columns outside the contract are dropped when their header names personal data or when
their content looks like it (e-mails, phone numbers, birth dates); inside free-text contract
fields, e-mails and phone numbers are masked. Runs before validation, so neither accepted
rows nor the quarantine can hold such values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from returns.contract import PERSONAL_HEADER_TOKENS
from returns.headers import normalise
from returns.readers import RawTable

EMAIL = r"[\w.+-]+@[\w-]+(\.[\w-]+)+"
PHONE = r"(\+33\s?|0)[1-9]([\s.\-]?\d{2}){4}"
BIRTH_DATE = r"^(0?[1-9]|[12]\d|3[01])[/.\-](0?[1-9]|1[0-2])[/.\-](19\d{2}|20[01]\d)$"
MASK = "[donnée personnelle masquée]"
FREE_TEXT = ("action_title", "comment")
_BARE_NAMES = {"nom", "prenom", "nom_prenom", "prenom_nom", "identite", "age_naissance"}


@dataclass
class GuardReport:
    dropped: list[str] = field(default_factory=list)  # headers of dropped columns
    kept_aside: list[str] = field(default_factory=list)  # extra columns, not personal
    masked: dict[str, int] = field(default_factory=dict)  # field → values masked


def is_personal_header(header: str) -> bool:
    key = normalise(header)
    if key in _BARE_NAMES:
        return True
    padded = f"_{key}_"
    return any(f"_{token}_" in padded for token in PERSONAL_HEADER_TOKENS)


def looks_personal(values: pl.Series, threshold: float = 0.3) -> bool:
    s = values.drop_nulls().str.strip_chars()
    s = s.filter(s != "")
    if s.is_empty():
        return False
    hits = s.str.contains(EMAIL) | s.str.contains(PHONE) | s.str.contains(BIRTH_DATE)
    return hits.mean() >= threshold


def guard(table: RawTable, report: GuardReport) -> RawTable:
    for header, values in table.extras.items():
        if is_personal_header(header) or looks_personal(values):
            report.dropped.append(header)
        else:
            report.kept_aside.append(header)
    data = table.data
    for name in FREE_TEXT:
        if name not in data.columns:
            continue
        col = pl.col(name)
        hit = col.str.contains(EMAIL) | col.str.contains(PHONE)
        count = int(data.select(hit.sum()).item() or 0)
        if count:
            report.masked[name] = report.masked.get(name, 0) + count
            data = data.with_columns(col.str.replace_all(EMAIL, MASK).str.replace_all(PHONE, MASK))
    # Extras never travel further: only their headers are recorded.
    return RawTable(table.kind, table.sheet, table.header_line, data, table.missing, {},
                    table.rows_ignored)
