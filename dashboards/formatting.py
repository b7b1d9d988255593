"""French formatting of numbers, amounts, dates, and French labels of the contract's codes.

Numbers use a decimal comma and a space as thousands separator ("1 234,5"), percentages a
space before the sign ("12,3 %"), dates dd/mm/yyyy. Missing values print as an em dash
unless the caller gives another text (e.g. "non disponible").
"""

from __future__ import annotations

import math
from datetime import date, datetime

MISSING = "—"

SCHEMES: dict[str, str] = {
    "QE": "Quartiers d'été",
    "QA": "Quartiers d'automne",
    "QS": "Quartiers solidaires",
    "VA": "Vacances apprenantes",
    "VVV": "Ville Vie Vacances",
    "ALL": "Tous dispositifs",
}
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

PARTNER_CATEGORIES: dict[str, str] = {
    "etat": "État",
    "commune": "Commune",
    "epci": "Intercommunalité (EPCI)",
    "departement": "Département",
    "region": "Région",
    "caf": "CAF",
    "bailleur_social": "Bailleur social",
    "association": "Association",
    "conseil_citoyen": "Conseil citoyen",
    "collectif_habitants": "Collectif d'habitants",
    "etablissement_scolaire": "Établissement scolaire",
    "entreprise": "Entreprise",
    "autre": "Autre",
}

PORTEUR_CATEGORIES: dict[str, str] = {
    "association": "Association",
    "commune": "Commune",
    "epci": "Intercommunalité (EPCI)",
    "centre_social": "Centre social",
    "bailleur_social": "Bailleur social",
    "etablissement_public": "Établissement public",
    "etablissement_scolaire": "Établissement scolaire",
    "entreprise_ess": "Entreprise de l'ESS",
    "autre": "Autre",
}

ROLES: dict[str, str] = {
    "cofinancement": "Cofinancement",
    "co_construction": "Co-construction",
    "mise_a_disposition": "Mise à disposition",
    "orientation_publics": "Orientation des publics",
    "animation": "Animation",
    "communication": "Communication",
    "autre": "Autre",
}

FUNDERS: dict[str, str] = {
    "etat_politique_ville": "État – politique de la ville (P147)",
    "etat_autre": "État – autres crédits",
    "region": "Région",
    "departement": "Département",
    "epci": "Intercommunalité (EPCI)",
    "commune": "Commune",
    "caf": "CAF",
    "fonds_europeens": "Fonds européens",
    "autre_public": "Autres financeurs publics",
    "prive": "Financeurs privés",
    "fonds_propres": "Fonds propres",
}

THEMES: dict[str, str] = {
    "sport": "Sport",
    "culture": "Culture",
    "loisirs": "Loisirs",
    "sejour": "Séjour",
    "education": "Éducation",
    "citoyennete": "Citoyenneté",
    "sante": "Santé",
    "numerique": "Numérique",
    "emploi_insertion": "Emploi et insertion",
    "environnement": "Environnement",
    "parentalite": "Parentalité",
}

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

_LISTS: dict[str, dict[str, str]] = {
    "scheme": SCHEMES,
    "age": AGE_BANDS,
    "sexe": SEXES,
    "partner_category": PARTNER_CATEGORIES,
    "categorie": PARTNER_CATEGORIES,
    "porteur_category": PORTEUR_CATEGORIES,
    "role": ROLES,
    "funder": FUNDERS,
    "theme": THEMES,
    "level": LEVELS,
}


def label(kind: str, code: str | None) -> str:
    """French label of a code of list `kind`; the code itself when unknown."""
    if code is None:
        return MISSING
    return _LISTS[kind].get(str(code), str(code))


def scheme_label(code: str) -> str:
    return label("scheme", code)


def organisation_category_label(code: str | None) -> str:
    """Network nodes mix porteurs and partners: try both lists."""
    if code is None:
        return MISSING
    return PARTNER_CATEGORIES.get(code) or PORTEUR_CATEGORIES.get(code) or code


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
