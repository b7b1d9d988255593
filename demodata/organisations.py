"""Fictitious organisations of a département: the porteurs of actions and their partners.

One pool per département, built once and reused every campaign, so the same porteurs come
back year after year and partnerships can be renewed. Names are French (porteurs see them)
and fictitious; SIRETs are Luhn-valid but invented.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

from demodata.referential import NEIGHBOURHOODS, Commune
from demodata.siret import luhn_complete, make_siret
from demodata.territories import REGIONS, Department
from demodata.texts import de

YEARS = (2020, 2021, 2022, 2023, 2024, 2025)


@dataclass(frozen=True, eq=False)  # identity semantics: one object per organisation
class Org:
    name: str
    siret: str | None
    porteur_category: str | None  # None: never carries an action
    partner_category: str
    weight: float  # how often it shows up (a few carry many actions)
    first_year: int
    last_year: int
    known_siret_as_partner: bool  # porteurs often leave a partner's SIRET blank

    def active(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


# Porteur kinds: (porteur_categorie, partenaire_categorie, share of the pool, SIREN prefix).
# Communes' SIREN start with 21, EPCIs' with 2, associations' anywhere from 3 to 8.
_PORTEUR_KINDS = (
    ("association", "association", 0.58, ""),
    ("centre_social", "association", 0.12, ""),
    ("commune", "commune", 0.10, "21"),
    ("epci", "epci", 0.03, "2"),
    ("bailleur_social", "bailleur_social", 0.03, "3"),
    ("etablissement_public", "autre", 0.05, "2"),
    ("etablissement_scolaire", "etablissement_scolaire", 0.03, "19"),
    ("entreprise_ess", "entreprise", 0.04, "8"),
    ("autre", "autre", 0.02, "4"),
)

_ASSOCIATION_PATTERNS = (
    "Association sportive {place}",
    "Amicale laïque {place}",
    "Football club {place}",
    "Compagnie théâtrale {place}",
    "MJC {place}",
    "Association culturelle {place}",
    "Boxing club {place}",
    "École de musique {place}",
    "Les Petits Curieux {place}",
    "Atelier vélo solidaire {place}",
    "Jardins partagés {place}",
    "Judo club {place}",
    "Association des familles {place}",
    "Ludothèque {place}",
    "Rugby club {place}",
    "Danse urbaine {place}",
    "Association Horizons {place}",
    "Échecs et mat {place}",
    "Club de prévention {place}",
    "Association Trait d'union {place}",
)
_SOCIAL_CENTRES = (
    "Arc-en-ciel",
    "La Passerelle",
    "Le Lien",
    "L'Escale",
    "Les Quatre Vents",
    "Mosaïque",
    "La Clairière",
    "Le Phare",
    "L'Étoile",
    "La Ruche",
    "Le Relais",
    "Les Trois Ponts",
)
_PUBLIC_BODIES = (
    "CCAS {de_town}",
    "Médiathèque {de_town}",
    "Maison de quartier {place}",
    "Conservatoire {de_town}",
    "Piscine intercommunale {de_town}",
)
_SCHOOLS = ("Collège {place}", "Lycée professionnel {place}", "École élémentaire {place}")
_ESS_FIRMS = (
    "Coopérative Solidaire {place}",
    "Régie de quartier {place}",
    "SCIC Mobilité {place}",
    "Entreprise d'insertion {place}",
)
_FIRMS = (
    "Transports fictifs {de_town}",
    "Supermarché coopératif {de_town}",
    "Boulangerie du quartier {place}",
    "Club d'entreprises {de_town}",
)


@dataclass
class OrgPool:
    porteurs: list[Org]
    partners: list[Org]  # includes some porteurs (associations partner each other)


def _years(rng: random.Random) -> tuple[int, int]:
    first = YEARS[0] if rng.random() < 0.7 else rng.choice(YEARS[1:])
    last = YEARS[-1] if rng.random() < 0.75 else rng.choice([y for y in YEARS if y >= first])
    return first, last


def build_pool(
    dep: Department,
    communes: list[Commune],
    rng: random.Random,
    n_porteurs: int,
    nic_prefix: str,
) -> OrgPool:
    """Porteurs and partners of one département; `nic_prefix` keeps SIRETs unique nationally."""
    taken_sirets: set[str] = set()
    towns = [c.name for c in communes]
    names_used: set[str] = set()

    def unique(name: str) -> str:
        base, n = name, 2
        while name in names_used:
            name, n = f"{base} {n}", n + 1
        names_used.add(name)
        return name

    def place() -> str:
        # "des Tilleuls" or "de Montfictif": neighbourhood or town
        if rng.random() < 0.6:
            return rng.choice(NEIGHBOURHOODS)
        return de(rng.choice(towns))

    porteurs: list[Org] = []
    commune_orgs = {}
    # Every QPV commune is a potential porteur and a frequent partner.
    for town in towns:
        org = Org(
            name=unique(f"Ville {de(town)}"),
            siret=make_siret(rng, "21", taken_sirets, nic_prefix),
            porteur_category="commune",
            partner_category="commune",
            weight=2.0,
            first_year=YEARS[0],
            last_year=YEARS[-1],
            known_siret_as_partner=rng.random() < 0.8,
        )
        commune_orgs[town] = org
    kinds = [k for k in _PORTEUR_KINDS if k[0] != "commune"]
    for _ in range(max(0, n_porteurs - len(towns))):
        cat, pcat, _share, prefix = rng.choices(kinds, [k[2] for k in kinds])[0]
        if cat == "association":
            name = rng.choice(_ASSOCIATION_PATTERNS).format(place=place())
        elif cat == "centre_social":
            name = f"Centre social {rng.choice(_SOCIAL_CENTRES)} ({rng.choice(towns)})"
        elif cat == "epci":
            name = f"Service jeunesse intercommunal {de(rng.choice(towns))}"
        elif cat == "bailleur_social":
            name = f"{rng.choice(('Habitat', 'Logis', 'Foyer'))} fictif {place()}"
        elif cat == "etablissement_public":
            name = rng.choice(_PUBLIC_BODIES).format(de_town=de(rng.choice(towns)), place=place())
        elif cat == "etablissement_scolaire":
            name = rng.choice(_SCHOOLS).format(place=place())
        elif cat == "entreprise_ess":
            name = rng.choice(_ESS_FIRMS).format(place=place())
        else:
            name = f"Fondation fictive pour la jeunesse {place()}"
        first, last = _years(rng)
        porteurs.append(
            Org(
                name=unique(name),
                siret=make_siret(rng, prefix, taken_sirets, nic_prefix),
                porteur_category=cat,
                partner_category=pcat,
                weight=rng.lognormvariate(0, 0.9),
                first_year=first,
                last_year=last,
                known_siret_as_partner=rng.random() < 0.85,
            )
        )
    porteurs.extend(commune_orgs.values())

    def partner(name: str, cat: str, weight: float, siret: bool, known: float = 0.8) -> Org:
        return Org(
            name=unique(name),
            siret=make_siret(rng, "1" if cat == "etat" else "2", taken_sirets, nic_prefix)
            if siret
            else None,
            porteur_category=None,
            partner_category=cat,
            weight=weight,
            first_year=YEARS[0],
            last_year=YEARS[-1],
            known_siret_as_partner=siret and rng.random() < known,
        )

    region = REGIONS[dep.region_code]
    partners = [
        partner(f"Préfecture – {dep.name}", "etat", 2.0, True, 0.6),
        partner(f"SDJES – {dep.name}", "etat", 1.0, True, 0.6),
        partner(f"DSDEN – {dep.name}", "etat", 0.8, False),
        partner(f"CAF – {dep.name}", "caf", 2.5, True),
        partner(f"Conseil départemental – {dep.name}", "departement", 1.2, True),
        partner(f"Région {region}", "region", 0.5, True),
    ]
    # The agglomeration of the referential, under its own SIREN.
    epci = partner(communes[0].epci_name, "epci", 1.0, False)
    epci_siret = luhn_complete(communes[0].epci_siren + nic_prefix + "1")
    taken_sirets.add(epci_siret)
    partners.append(dataclasses.replace(epci, siret=epci_siret, known_siret_as_partner=True))
    for i in range(max(3, len(towns))):
        partners.append(
            partner(
                f"{('Habitat', 'Logis', 'Foyer')[i % 3]} fictif {de(towns[i % len(towns)])}",
                "bailleur_social",
                1.2,
                True,
            )
        )
    hoods = rng.sample(NEIGHBOURHOODS, min(len(NEIGHBOURHOODS), 4 + len(towns)))
    # No SIRET for these: the town in the name keeps them apart across départements.
    partners += [
        partner(f"Conseil citoyen {h} – {rng.choice(towns)}", "conseil_citoyen", 1.0, False)
        for h in hoods
    ]
    partners += [
        partner(
            f"Collectif des habitants {h} – {rng.choice(towns)}", "collectif_habitants", 0.6, False
        )
        for h in hoods[: len(hoods) // 2]
    ]
    for _ in range(3 + n_porteurs // 15):
        partners.append(
            partner(rng.choice(_SCHOOLS).format(place=place()), "etablissement_scolaire", 0.8, True)
        )
    for _ in range(3 + n_porteurs // 12):
        partners.append(
            partner(
                rng.choice(_FIRMS).format(de_town=de(rng.choice(towns)), place=place()),
                "entreprise",
                0.5,
                True,
                0.5,
            )
        )
    for _ in range(2 + n_porteurs // 6):
        partners.append(
            partner(
                rng.choice(_ASSOCIATION_PATTERNS).format(place=place()),
                "association",
                0.7,
                rng.random() < 0.8,
            )
        )
    partners.append(partner(f"Mission locale {de(towns[0])}", "autre", 1.0, True))
    # Communes and a share of the porteurs are partners of other porteurs' actions too,
    # which is what makes a network of organisations.
    partners += list(commune_orgs.values())
    partners += [p for p in porteurs if p.porteur_category != "commune" and rng.random() < 0.3]
    return OrgPool(porteurs=porteurs, partners=partners)


# Which roles each kind of partner plays, with weights.
ROLE_WEIGHTS: dict[str, dict[str, float]] = {
    "etat": {"cofinancement": 5, "orientation_publics": 2, "co_construction": 2, "autre": 1},
    "commune": {
        "mise_a_disposition": 5,
        "cofinancement": 4,
        "co_construction": 2,
        "communication": 2,
    },
    "epci": {"cofinancement": 4, "mise_a_disposition": 2, "co_construction": 1},
    "departement": {"cofinancement": 4, "orientation_publics": 3},
    "region": {"cofinancement": 5, "communication": 1},
    "caf": {"cofinancement": 6, "orientation_publics": 2},
    "bailleur_social": {"mise_a_disposition": 5, "cofinancement": 2, "communication": 2},
    "association": {
        "animation": 5,
        "co_construction": 3,
        "orientation_publics": 2,
        "mise_a_disposition": 1,
    },
    "conseil_citoyen": {"co_construction": 4, "orientation_publics": 3, "communication": 2},
    "collectif_habitants": {"co_construction": 3, "animation": 2, "communication": 2},
    "etablissement_scolaire": {"orientation_publics": 5, "mise_a_disposition": 2},
    "entreprise": {"cofinancement": 3, "mise_a_disposition": 2, "autre": 1},
    "autre": {"orientation_publics": 3, "animation": 2, "autre": 2},
}
