"""The guard for single texts (file, sheet and column names) masks exactly what the guard for
columns masks, with or without its shortcut for texts that cannot hold a number or an address."""

import polars as pl
import pytest

from returns.privacy import MASK, mask_expr, mask_text

TEXTS = [
    "bilan_01_2021_actions.csv",
    "bilan 06 12 34 56 78.csv",  # a phone number in a file name
    "contact +33 (0)6 12 34 56 78 le soir",
    "0033 6 12 34 56 78",
    "06.12.34.56.7",  # 9 digits but not a number: unchanged either way
    "SIRET 12345678901234",  # a long run of digits is not a phone
    "Feuille léa.dupont@asso.fr",
    "a@b",  # no domain: not an address
    "٠٦١٢٣٤٥٦٧٨ (chiffres arabes-indiens)",  # Unicode digits take the full guard
    "colonne 0612345678x0698765432",
    "",
    "Partenaires 2024",
]


def _columns_guard(text: str) -> str:
    return pl.select(mask_expr(pl.lit(text, pl.Utf8))).item()


@pytest.mark.parametrize("text", TEXTS)
def test_one_text_is_masked_as_a_column_would_be(text):
    assert mask_text(text) == _columns_guard(text)


def test_numbers_and_addresses_in_names_are_masked():
    assert mask_text("bilan 06 12 34 56 78.csv") == f"bilan {MASK}.csv"
    assert MASK in mask_text("Feuille léa.dupont@asso.fr")
    assert mask_text("bilan_01_2021_actions.csv") == "bilan_01_2021_actions.csv"
    assert mask_text(None) is None
