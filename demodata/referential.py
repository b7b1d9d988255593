"""QPV referentials for the demo: fictitious ones, or the official 2024 list when given.

Fictitious referentials are written in the exact ANCT column layout of the official file
(`code_qp,lib_qp,insee_com,lib_com,code_departement,nom_departement,code_region,nom_region,
siren_epci_2026,nom_epci_2026`, multi-valued cells `;`-joined, UTF-8, comma separator), so the
platform reads them with the same code. Names say "fictif" so nobody mistakes them for real
neighbourhoods.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from demodata.siret import make_siren
from demodata.territories import REGIONS, Department
from demodata.texts import de

ANCT_COLUMNS = (
    "code_qp",
    "lib_qp",
    "insee_com",
    "lib_com",
    "code_departement",
    "nom_departement",
    "code_region",
    "nom_region",
    "siren_epci_2026",
    "nom_epci_2026",
)

# Neighbourhood names, with their French article, so "Quartier fictif des Tilleuls" reads right.
NEIGHBOURHOODS = (
    "des Tilleuls",
    "des Peupliers",
    "des Érables",
    "des Acacias",
    "des Bruyères",
    "des Coteaux",
    "des Lilas",
    "des Mimosas",
    "des Châtaigniers",
    "des Platanes",
    "de la Roseraie",
    "de Bellevue",
    "du Champ-Fleuri",
    "du Clos-Fleury",
    "du Moulin",
    "du Val-Joli",
    "des Vergers",
    "des Saules",
    "des Marronniers",
    "des Genêts",
    "des Glycines",
    "de la Pommeraie",
    "des Prés",
    "des Sources",
    "des Hirondelles",
    "des Cèdres",
    "de la Fontaine",
    "du Plateau",
    "des Hauts-de-Ville",
    "de la Gare",
    "du Canal",
    "des Bords-de-Rive",
    "de la Colline",
    "des Jardins",
    "du Parc",
    "des Charmilles",
    "de l'Orée",
    "des Alouettes",
    "du Bois-Joli",
    "des Violettes",
)

_TOWN_STEMS = (
    "Mont",
    "Val",
    "Beau",
    "Clair",
    "Belle",
    "Roche",
    "Fontaine",
    "Ville",
    "Bourg",
    "Pont",
    "Font",
    "Haute",
    "Neuve",
    "Saint-Aubin",
    "Pré",
    "Chêne",
    "Rive",
    "Champ",
)
_TOWN_SUFFIXES = ("fictif", "-la-Fictive", "-sur-Fictive", "-les-Fictifs", "fictive-le-Haut")

# Final letter of 2024 codes, in roughly the official proportions (M dominates).
_LETTERS = ("M",) * 15 + ("I",) * 4 + ("N",)


@dataclass(frozen=True)
class Qpv:
    code: str
    name: str
    communes: tuple[tuple[str, str], ...]  # (INSEE code, name); the first is the main one
    department: str
    epcis: tuple[tuple[str, str], ...]  # (SIREN, name)
    generation: int

    @property
    def main_commune(self) -> str:
        return self.communes[0][0]


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    epci_siren: str
    epci_name: str


def fictitious_communes(
    dep: Department, rng: random.Random, count: int, real: list[tuple[str, str]] | None = None
) -> list[Commune]:
    """Communes hosting QPV in a département: real (code, name) pairs when given, else invented.

    EPCIs are always invented (a fictitious SIREN must not be attached to a real body).
    """
    if real:
        pairs = real[:count]
    else:
        used: set[str] = set()
        pairs = []
        numbers = rng.sample(range(1, 700), count)
        for n in sorted(numbers):
            name = rng.choice(_TOWN_STEMS) + rng.choice(_TOWN_SUFFIXES)
            while name in used:
                name = rng.choice(_TOWN_STEMS) + rng.choice(_TOWN_SUFFIXES)
            used.add(name)
            pairs.append((f"{dep.code}{n:03d}", name))
    # The main city and its suburbs share one agglomeration; small towns have their own.
    main_epci = (make_siren(rng, "2"), f"Communauté d'agglomération fictive {de(pairs[0][1])}")
    communes = []
    for i, (code, name) in enumerate(pairs):
        if i < max(2, len(pairs) // 2):
            epci = main_epci
        else:
            epci = (make_siren(rng, "2"), f"Communauté de communes fictive {de(name)}")
        communes.append(Commune(code, name, *epci))
    return communes


def fictitious_qpvs(
    dep: Department,
    rng: random.Random,
    communes: list[Commune],
    generation: int,
    count: int,
    names: list[str],
) -> list[Qpv]:
    """`count` fictitious QPV of one generation; about 1 in 8 spans two communes."""
    # Most QPV lie in the main city, as in reality.
    weights = [6 if i == 0 else 2 if i < 3 else 1 for i in range(len(communes))]
    qpvs = []
    for i in range(count):
        main = rng.choices(range(len(communes)), weights)[0]
        members = [communes[main]]
        if len(communes) > 1 and rng.random() < 0.13:
            members.append(communes[rng.choice([j for j in range(len(communes)) if j != main])])
        if generation == 2015:
            code = f"QP{dep.code3}{i + 1:03d}"
        else:
            code = f"QN{dep.code3}{i + 1:02d}{rng.choice(_LETTERS)}"
        epcis = tuple(dict.fromkeys((c.epci_siren, c.epci_name) for c in members))
        qpvs.append(
            Qpv(
                code=code,
                name=f"Quartier fictif {names[i % len(names)]}"
                + ("" if i < len(names) else f" {i // len(names) + 1}"),
                communes=tuple((c.code, c.name) for c in members),
                department=dep.code,
                epcis=epcis,
                generation=generation,
            )
        )
    return qpvs


def read_official_qpvs(path: Path, departments: list[Department]) -> dict[str, list[Qpv]]:
    """QPV of the given départements from an ANCT-format file (the official 2024 list)."""
    wanted = {d.code for d in departments}
    by_dep: dict[str, list[Qpv]] = {d.code: [] for d in departments}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            dep = row["code_departement"].split(";")[0]
            if dep not in wanted:
                continue
            codes = row["insee_com"].split(";")
            names = row["lib_com"].split(";")
            sirens = row["siren_epci_2026"].split(";")
            epci_names = row["nom_epci_2026"].split(";")
            by_dep[dep].append(
                Qpv(
                    code=row["code_qp"],
                    name=row["lib_qp"],
                    communes=tuple(zip(codes, names, strict=False)),
                    department=dep,
                    epcis=tuple(zip(sirens, epci_names, strict=False)),
                    generation=2024,
                )
            )
    return by_dep


def read_commune_names(
    path: Path, departments: list[Department]
) -> dict[str, list[tuple[str, str]]]:
    """(code, name) of current communes per département, most populated first (COG file)."""
    wanted = {d.code for d in departments}
    found: dict[str, list[tuple[int, str, str]]] = {code: [] for code in wanted}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["code_departement"] in wanted and row["type"] == "commune-actuelle":
                found[row["code_departement"]].append(
                    (-int(row["population"] or 0), row["code_commune"], row["nom_commune"])
                )
    return {dep: [(code, name) for _, code, name in sorted(rows)] for dep, rows in found.items()}


def write_anct_csv(path: Path, qpvs: list[Qpv], departments: dict[str, Department]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(ANCT_COLUMNS)
        for q in qpvs:
            dep = departments[q.department]
            writer.writerow(
                (
                    q.code,
                    q.name,
                    ";".join(c for c, _ in q.communes),
                    ";".join(n for _, n in q.communes),
                    dep.code,
                    dep.name,
                    dep.region_code,
                    REGIONS[dep.region_code],
                    ";".join(s for s, _ in q.epcis),
                    ";".join(n for _, n in q.epcis),
                )
            )


def population_rows(qpvs: list[Qpv], rng: random.Random) -> list[tuple[str, int, int]]:
    """Fictitious (code_qp, population, population_6_25): 1 000–15 000 people, 25–38 % young."""
    rows = []
    for q in qpvs:
        pop = int(rng.lognormvariate(8.2, 0.55))
        pop = min(max(pop, 1000), 15000)
        rows.append((q.code, pop, round(pop * rng.uniform(0.25, 0.38))))
    return rows
