"""French formatting of numbers, amounts, dates, and French labels of codes.

Numbers use a decimal comma and a space as thousands separator ("1 234,5"), percentages a
space before the sign ("12,3 %"), dates dd/mm/yyyy. Missing values print as an em dash
unless the caller gives another text (e.g. "non disponible").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl

MISSING = "—"

#: the site's own row of every scheme's table (not a code of the contract)
ALL_SCHEMES = "ALL"
ALL_SCHEMES_LABEL = "Tous dispositifs"
SCHEME_ORDER = ("ALL", "QE", "QA", "QS", "VA", "VVV")

AGE_BANDS: dict[str, str] = {
    "0_5": "0–5 ans",
    "6_11": "6–11 ans",
    "12_17": "12–17 ans",
    "18_25": "18–25 ans",
    "26_59": "26–59 ans",
    "60_plus": "60 ans et plus",
}
YOUNG_BANDS = ("6_11", "12_17", "18_25")

SEXES: dict[str, str] = {"fille": "Filles", "garcon": "Garçons", "inconnu": "Sexe non renseigné"}

# Coverage: young participations of QPV residents per 100 young residents of those QPV. A
# young person may take part in several actions: a number (it may exceed 100), never a %.
COVERAGE_LABEL = "Participations de jeunes pour 100 jeunes résidents des QPV"
COVERAGE_SHORT = "pour 100 jeunes résidents"
COVERAGE_HELP = (
    "Participations de jeunes (6–25 ans) habitant un QPV, pour 100 jeunes de 6 à 25 ans "
    "résidant dans ces QPV. Une même personne peut participer à plusieurs actions : la valeur "
    "peut dépasser 100 ; ce n'est pas une part de jeunes distincts."
)

LEVELS: dict[str, str] = {"france": "France", "region": "Région", "departement": "Département"}

#: lists of the site's own (the contract's code lists come from the warehouse: `Labels`)
_SITE_LISTS: dict[str, dict[str, str]] = {"age": AGE_BANDS, "sexe": SEXES, "level": LEVELS}
#: names the marts give a contract list (mart_partner_mix's dimension "categorie")
_ALIASES = {"categorie": "partner_category"}


@dataclass(frozen=True)
class Labels:
    """French labels of codes: the contract's lists as the warehouse holds them
    (marts.dim_code_lists, loaded with the marts), and the site's own lists (age bands,
    sexes, levels, "all schemes"). An unknown code prints as itself."""

    lists: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, code_lists: pl.DataFrame) -> Labels:
        """From rows (list_name, code, label)."""
        lists: dict[str, dict[str, str]] = {}
        for name, code, text in code_lists.select("list_name", "code", "label").iter_rows():
            lists.setdefault(name, {})[code] = text
        return cls(lists)

    def label(self, kind: str, code: str | None) -> str:
        """French label of a code of list `kind`; the code itself when unknown."""
        if code is None:
            return MISSING
        if kind in _SITE_LISTS:
            return _SITE_LISTS[kind].get(str(code), str(code))
        return self.lists.get(_ALIASES.get(kind, kind), {}).get(str(code), str(code))

    def scheme(self, code: str) -> str:
        return ALL_SCHEMES_LABEL if code == ALL_SCHEMES else self.label("scheme", code)

    @property
    def schemes(self) -> dict[str, str]:
        """code → label of every scheme, "all schemes" included (for polars' replace)."""
        return {ALL_SCHEMES: ALL_SCHEMES_LABEL, **self.lists.get("scheme", {})}

    def organisation_category(self, code: str | None) -> str:
        """Network nodes mix porteurs and partners: try both lists."""
        if code is None:
            return MISSING
        return (
            self.lists.get("partner_category", {}).get(code)
            or self.lists.get("porteur_category", {}).get(code)
            or code
        )


def scheme_sort_key(code: str) -> tuple[int, str]:
    return (SCHEME_ORDER.index(code) if code in SCHEME_ORDER else len(SCHEME_ORDER), code)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | int | None, decimals: int = 0, missing: str = MISSING) -> str:
    """1234.5 → "1 234,5" (decimals fixed); None/NaN → `missing`."""
    if _is_missing(value):
        return missing
    text = f"{float(value):,.{decimals}f}"
    text = text.replace(",", " ").replace(".", ",")
    if text.startswith("-") and text.strip("-0, ") == "":
        text = text[1:]  # "-0" after rounding
    return text


def integer(value: float | int | None, missing: str = MISSING) -> str:
    return number(value, 0, missing)


def percent(ratio: float | None, decimals: int = 1, missing: str = MISSING) -> str:
    """A ratio 0.123 → "12,3 %"."""
    if _is_missing(ratio):
        return missing
    return f"{number(float(ratio) * 100, decimals)} %"


def per_100(ratio: float | None, missing: str = MISSING) -> str:
    """A ratio 0.372 → "37,2" per 100; whole numbers from 10 up ("1 226")."""
    if _is_missing(ratio):
        return missing
    value = float(ratio) * 100
    return number(value, 1 if abs(value) < 10 else 0)


def euros(amount: float | None, decimals: int = 0, missing: str = MISSING) -> str:
    """1234.5 → "1 235 €" (decimals=0) or "1 234,50 €"."""
    if _is_missing(amount):
        return missing
    return f"{number(amount, decimals)} €"


def change(current: float | None, previous: float | None) -> str | None:
    """Relative change "+12,3 %" / "-4,0 %"; None when not computable."""
    if _is_missing(current) or _is_missing(previous) or not previous:
        return None
    rel = (float(current) - float(previous)) / float(previous)
    sign = "+" if rel > 0 else ""
    return f"{sign}{percent(rel)}"


def french_date(value: date | datetime | None, missing: str = "non précisée") -> str:
    if value is None:
        return missing
    return value.strftime("%d/%m/%Y")


def campaigns_text(years: list[int]) -> str:
    years = sorted(set(years))
    if not years:
        return "aucune campagne"
    if len(years) == 1:
        return f"campagne {years[0]}"
    if years == list(range(years[0], years[-1] + 1)):
        return f"campagnes {years[0]} à {years[-1]}"
    return "campagnes " + ", ".join(str(y) for y in years[:-1]) + f" et {years[-1]}"


# "Other funders", as the marts define them (dbt macro is_other_funder): the same set for the
# leverage and the co-funded share.
OTHER_FUNDERS_HELP = (
    "Autres financeurs : tous les financeurs sauf les crédits de l'État (politique de la ville "
    "et autres crédits de l'État) et les fonds propres du porteur, présentés à part. Le même "
    "ensemble sert à l'effet levier et à la part d'actions cofinancées."
)
