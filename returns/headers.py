"""Header matching: recognise a contract field whatever case, accents, spacing or phrasing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from returns.contract import KINDS, Kind

# Words that carry no meaning in a header ("Nombre DE filles", "Intitulé DE L'action").
_STOPWORDS = {
    "de",
    "des",
    "du",
    "d",
    "la",
    "le",
    "les",
    "l",
    "en",
    "a",
    "au",
    "aux",
    "et",
    "dont",
    "par",
    "pour",
    "s",
}
# Spellings of the same word.
_CANONICAL = {
    "nombre": "nb",
    "nbre": "nb",
    "numero": "numero",
    "num": "numero",
    "no": "numero",
    "n": "numero",
    "ndeg": "numero",
    "categories": "categorie",
    "codes": "code",
    "dates": "date",
    "euros": "",
    "eur": "",
}


def strip_accents(text: str) -> str:
    if text.isascii():  # nothing to decompose (most cells of a return's head)
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=8192)  # bounded: headers come from files
def normalise(header: str) -> str:
    """'N° de dossier ' → 'numero_dossier'; 'Nombre de filles' → 'nb_filles'."""
    text = strip_accents(str(header)).lower().replace("°", " ").replace("€", " ")
    tokens = re.split(r"[^a-z0-9+]+", text)
    out = []
    for tok in tokens:
        if not tok or tok in _STOPWORDS:
            continue
        tok = _CANONICAL.get(tok, tok)
        if tok:
            out.append(tok)
    return "_".join(out)


@cache
def synonym_index(kind_name: str) -> dict[str, str]:
    """Normalised header → warehouse field name, for one kind."""
    kind = next(k for k in KINDS if k.name == kind_name)
    index: dict[str, str] = {}
    for f in kind.fields:
        for variant in (f.name, f.header, f.label, *f.synonyms):
            index.setdefault(normalise(variant), f.name)
    return index


@dataclass(frozen=True)
class HeaderMatch:
    kind: Kind
    row: int  # index of the header row among the rows given
    mapping: dict[int, str]  # column index → field name
    extras: dict[int, str]  # column index → original header, for unknown non-empty headers

    @property
    def score(self) -> int:
        return len(set(self.mapping.values()))


# A cell of digits and punctuation (a count, an amount, a date) normalises to digits and
# underscores, which no header of the contract does (checked when first asked; "60+" keeps
# its "+"): the head's rows of data are not normalised one cell at a time.
_NUMERIC = re.compile(r"[\d\s.,:/\-]*")


@cache
def _numeric_never_matches() -> bool:
    keys = (key for kind in KINDS for key in synonym_index(kind.name))
    return not any(re.fullmatch(r"[0-9_]*", key) for key in keys)


def _key(cell: object) -> str | None:
    text = "" if cell is None else str(cell)
    if text.strip() == "" or (_NUMERIC.fullmatch(text) and _numeric_never_matches()):
        return None
    return normalise(text)


def _keys(cells: list[object]) -> list[str | None]:
    """Each cell's normalised text (None for a blank one, or one that cannot be a header):
    once per row, whatever the kinds it is matched against."""
    return [_key(cell) for cell in cells]


def _mapping(keys: list[str | None], kind: Kind) -> dict[int, str]:
    index = synonym_index(kind.name)
    mapping: dict[int, str] = {}
    for i, key in enumerate(keys):
        if key is None:
            continue
        name = index.get(key)
        if name is not None and name not in mapping.values():
            mapping[i] = name
    return mapping


def _extras(cells: list[object], mapping: dict[int, str]) -> dict[int, str]:
    return {
        i: str(cell).strip()
        for i, cell in enumerate(cells)
        if i not in mapping and cell is not None and str(cell).strip() != ""
    }


def find_header(
    rows: list[list[object]], kinds: tuple[Kind, ...] = KINDS, max_scan: int = 30
) -> HeaderMatch | None:
    """The row and kind whose headers match the contract best, if any matches well enough:
    at least two of the kind's signature fields and three fields in all."""
    best: tuple[Kind, int, dict[int, str]] | None = None
    for r, cells in enumerate(rows[:max_scan]):
        keys = _keys(cells)
        for kind in kinds:
            mapping = _mapping(keys, kind)
            found = set(mapping.values())
            if len(found & set(kind.signature)) < 2 or len(found) < 3:
                continue
            if best is None or len(found) > len(set(best[2].values())):
                best = (kind, r, mapping)
    if best is None:
        return None
    kind, r, mapping = best
    return HeaderMatch(kind, r, mapping, _extras(rows[r], mapping))
