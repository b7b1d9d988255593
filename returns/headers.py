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


def match_row(cells: list[object], kind: Kind) -> tuple[dict[int, str], dict[int, str]]:
    index = synonym_index(kind.name)
    mapping: dict[int, str] = {}
    extras: dict[int, str] = {}
    for i, cell in enumerate(cells):
        if cell is None or str(cell).strip() == "":
            continue
        name = index.get(normalise(str(cell)))
        if name is not None and name not in mapping.values():
            mapping[i] = name
        else:
            extras[i] = str(cell).strip()
    return mapping, extras


def find_header(
    rows: list[list[object]], kinds: tuple[Kind, ...] = KINDS, max_scan: int = 30
) -> HeaderMatch | None:
    """The row and kind whose headers match the contract best, if any matches well enough:
    at least two of the kind's signature fields and three fields in all."""
    best: HeaderMatch | None = None
    for r, cells in enumerate(rows[:max_scan]):
        for kind in kinds:
            mapping, extras = match_row(cells, kind)
            found = set(mapping.values())
            if len(found & set(kind.signature)) < 2 or len(found) < 3:
                continue
            candidate = HeaderMatch(kind, r, mapping, extras)
            if best is None or candidate.score > best.score:
                best = candidate
    return best
