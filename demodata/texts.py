"""French free text porteurs write: action titles, comments; and fake personal data.

Every string must encode in Windows-1252, since activity CSVs are written in it.
"""

from __future__ import annotations

import random

SCHEME_LABELS = {
    "QE": "Quartiers d'été",
    "QA": "Quartiers d'automne",
    "QS": "Quartiers solidaires",
    "VA": "Vacances apprenantes",
    "VVV": "Ville Vie Vacances",
}

TITLES: dict[str, tuple[str, ...]] = {
    "sport": (
        "Tournoi de football inter-quartiers",
        "Stage multisports",
        "Initiation à la boxe éducative",
        "Animations sportives en pied d'immeuble",
        "Basket de rue",
        "Sport au féminin",
        "Découverte du canoë-kayak",
        "Olympiades des quartiers",
    ),
    "culture": (
        "Atelier théâtre",
        "Fresque murale participative",
        "Cinéma en plein air",
        "Atelier d'écriture et slam",
        "Chorale d'été",
        "Festival des cultures du monde",
        "Atelier photo « Mon quartier »",
    ),
    "loisirs": (
        "Sorties familiales à la mer",
        "Après-midis jeux en plein air",
        "Base de loisirs",
        "Journées découverte du patrimoine",
        "Ludothèque mobile",
        "Fête de quartier",
    ),
    "sejour": (
        "Séjour à la montagne",
        "Mini-camp nature",
        "Séjour sportif en bord de mer",
        "Colo apprenante",
        "Séjour découverte à la ferme",
    ),
    "education": (
        "Stage de remise à niveau",
        "Accompagnement à la scolarité d'été",
        "Ateliers sciences",
        "Club lecture",
        "Préparer la rentrée au collège",
    ),
    "citoyennete": (
        "Chantier jeunes citoyens",
        "Découverte des institutions",
        "Débats citoyens",
        "Service civique d'été",
        "Mémoire du quartier",
    ),
    "sante": (
        "Prévention santé et nutrition",
        "Ateliers bien-être",
        "Sport santé",
        "Sensibilisation aux écrans",
    ),
    "numerique": (
        "Atelier codage et robotique",
        "Fablab d'été",
        "Web radio des jeunes",
        "Initiation aux outils numériques",
    ),
    "emploi_insertion": (
        "Chantier éducatif rémunéré",
        "Job dating des quartiers",
        "Découverte des métiers",
        "Permis de conduire solidaire",
    ),
    "environnement": (
        "Jardin partagé",
        "Nettoyons le quartier",
        "Découverte de la biodiversité",
        "Atelier vélo et mobilité douce",
    ),
    "parentalite": (
        "Sorties parents-enfants",
        "Café des parents",
        "Ateliers parents-enfants",
        "Vacances en famille",
    ),
}

COMMENTS = (
    "Action reconduite suite au succès de l'an dernier.",
    "Forte mobilisation des familles.",
    "Météo défavorable : deux séances annulées.",
    "Public majoritairement orienté par le centre social.",
    "Partenariat renforcé avec les bailleurs ; à reconduire.",
    "Difficultés à mobiliser les filles de plus de 14 ans.",
    "Transport assuré par la commune.",
    "Les jeunes ont participé à l'organisation de la restitution.",
    "Bilan très positif, demande de reconduction en 2 sessions.",
    "Encadrement : 2 animateurs BAFA et 1 éducateur spécialisé.",
    "Quelques absences en août (départs en vacances).",
    "Coût plus élevé que prévu (hausse du prix des transports).",
)


def de(town: str) -> str:
    """French "of" before a town name: de Metz, d'Épinal, du Havre, des Mureaux."""
    if town.startswith("Le "):
        return "du " + town[3:]
    if town.startswith("Les "):
        return "des " + town[4:]
    if town[0] in "AEIOUYÉÈÊÎÔ":
        return "d'" + town
    return "de " + town


# Clearly fake personal data for the privacy-guard test; the names must occur nowhere else.
_FIRST_NAMES = ("Camille", "Yanis", "Inès", "Lucas", "Aya", "Noah", "Lina", "Adam", "Jade", "Rayan")
_LAST_NAMES = ("Fictivier", "Exemplard", "Démonval", "Testaud", "Modelin")


def fake_person(rng: random.Random, year: int) -> tuple[str, str, str]:
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    born = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year - rng.randint(7, 20)}"
    email = f"{first.lower().replace('è', 'e')}.{last.lower()}{rng.randint(10, 99)}@exemple.invalid"
    return f"{first} {last.upper()}", born, email
