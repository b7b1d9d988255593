"""French formatting of numbers, amounts, dates and code labels."""

from __future__ import annotations

import math
from datetime import date, datetime

import polars as pl
import pytest

from dashboards import formatting as fmt
from returns.referentials import code_lists


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.5, 1, "1 234,5"),
        (1234567, 0, "1 234 567"),
        (0, 0, "0"),
        (12.25, 2, "12,25"),
        (-1234.5, 1, "-1 234,5"),
        (-0.04, 1, "0,0"),  # no "-0,0"
        (999.96, 1, "1 000,0"),
        (None, 0, "—"),
        (math.nan, 1, "—"),
    ],
)
def test_number(value, decimals, expected):
    assert fmt.number(value, decimals) == expected


def test_integer_and_missing_text():
    assert fmt.integer(1234) == "1 234"
    assert fmt.integer(None, missing="non disponible") == "non disponible"


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(0.123, "12,3 %"), (1, "100,0 %"), (0.0004, "0,0 %"), (None, "—")],
)
def test_percent(ratio, expected):
    assert fmt.percent(ratio) == expected


def test_percent_decimals():
    assert fmt.percent(0.12345, 2) == "12,35 %"
    assert fmt.percent(0.5, 0) == "50 %"


def test_euros():
    assert fmt.euros(1234567.8) == "1 234 568 €"
    assert fmt.euros(1234.5, 2) == "1 234,50 €"
    assert fmt.euros(None) == "—"


def test_change():
    assert fmt.change(110, 100) == "+10,0 %"
    assert fmt.change(90, 100) == "-10,0 %"
    assert fmt.change(100, 100) == "0,0 %"
    assert fmt.change(5, 0) is None
    assert fmt.change(None, 3) is None


def test_dates():
    assert fmt.french_date(date(2024, 9, 5)) == "05/09/2024"
    assert fmt.french_date(datetime(2024, 12, 31, 23, 59)) == "31/12/2024"
    assert fmt.french_date(None) == "non précisée"


def test_campaigns_text():
    assert fmt.campaigns_text([2024]) == "campagne 2024"
    assert fmt.campaigns_text([2022, 2020, 2021]) == "campagnes 2020 à 2022"
    assert fmt.campaigns_text([2020, 2022, 2024]) == "campagnes 2020, 2022 et 2024"
    assert fmt.campaigns_text([]) == "aucune campagne"


# The labels the site prints are the warehouse's (raw.code_lists → marts.dim_code_lists),
# built from the contract: the same frame as the reference asset writes.
LABELS = fmt.Labels.from_frame(code_lists())


def test_scheme_labels_and_order():
    assert LABELS.scheme("QE") == "Quartiers d'été"
    assert LABELS.scheme("QA") == "Quartiers d'automne"
    assert LABELS.scheme("QS") == "Quartiers solidaires"
    assert LABELS.scheme("VA") == "Vacances apprenantes"
    assert LABELS.scheme("VVV") == "Ville Vie Vacances"
    assert LABELS.scheme("ALL") == "Tous dispositifs"
    assert LABELS.schemes["ALL"] == "Tous dispositifs" and LABELS.schemes["QE"] == "Quartiers d'été"
    assert sorted(["VVV", "QE", "ALL", "VA"], key=fmt.scheme_sort_key) == ["ALL", "QE", "VA", "VVV"]


def test_code_labels():
    assert LABELS.label("age", "60_plus") == "60 ans et plus"
    assert LABELS.label("age", "6_11") == "6–11 ans"
    assert LABELS.label("partner_category", "conseil_citoyen") == "Conseil citoyen"
    assert LABELS.label("categorie", "conseil_citoyen") == "Conseil citoyen"  # mart_partner_mix
    assert LABELS.label("role", "co_construction") == "Co-construction"
    assert LABELS.label("funder", "etat_politique_ville").startswith("État – politique de la ville")
    assert LABELS.label("porteur_category", "entreprise_ess") == "Entreprise de l'ESS"
    assert LABELS.label("porteur_category", "epci") == "Intercommunalité (EPCI)"
    assert LABELS.label("theme", "sejour") == "Séjour"
    assert LABELS.label("role", "inconnu_xyz") == "inconnu_xyz"  # unknown code: shown as is
    assert LABELS.label("role", None) == "—"
    assert LABELS.organisation_category("centre_social") == "Centre social"
    assert LABELS.organisation_category("caf") == "CAF"


def test_labels_come_from_the_warehouse_not_a_copy():
    """A label changed in the warehouse's code lists is the one printed."""
    frame = code_lists().with_columns(
        label=pl.when(pl.col("code") == "caf")
        .then(pl.lit("Caisse d'allocations familiales"))
        .otherwise(pl.col("label"))
    )
    labels = fmt.Labels.from_frame(frame)
    assert labels.organisation_category("caf") == "Caisse d'allocations familiales"
    assert fmt.Labels().scheme("QE") == "QE"  # no code lists: the codes, never a second copy


def test_per_100():
    assert fmt.per_100(12.264) == "1 226"  # participations may exceed 100 per 100 residents
    assert fmt.per_100(0.372) == "37" and fmt.per_100(0.055) == "5,5"
    assert fmt.per_100(None, missing="non disponible") == "non disponible"
