"""The return contract: the one place that says what each input holds.

The reader (header matching), the validator (types, rules, French messages), the return
template and the docs all read these structures; a new synonym or code is one line here.
Headers are the porteurs' French ones; `Field.name` is the warehouse column.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

FieldType = Literal[
    "int",
    "decimal",
    "date",
    "text",
    "code",
    "siret",
    "qpv_codes",
    "commune",
    "department",
    "year",
    "grant_file",
]

FIRST_CAMPAIGN = 2020


# --- QPV generations (specs/returns.md): which list of QPV a campaign uses -------------------
@dataclass(frozen=True)
class QpvGeneration:
    """One list of priority neighbourhoods and the first campaign that uses it."""

    generation: int
    code_prefix: str  # its codes start with it (QP…, QN…)
    first_campaign: int  # metropolitan France
    first_campaign_overseas: int  # overseas départements (97x)


#: The one definition of the generation in force for a campaign: the validator, the template,
#: the site and dbt (through raw.qpv_generations, written by the reference asset) read it.
QPV_GENERATIONS: tuple[QpvGeneration, ...] = (
    QpvGeneration(2015, "QP", first_campaign=2015, first_campaign_overseas=2015),
    QpvGeneration(2024, "QN", first_campaign=2024, first_campaign_overseas=2025),
)


def is_overseas(department_code: str | None) -> bool:
    return (department_code or "").startswith("97")


def campaign_generation(campaign_year: int, department_code: str | None = None) -> int:
    """Generation of QPV in force for a campaign in a département: the newest one whose first
    campaign (overseas or not) is reached; the oldest before any."""
    overseas = is_overseas(department_code)
    started = [
        g.generation
        for g in QPV_GENERATIONS
        if (g.first_campaign_overseas if overseas else g.first_campaign) <= campaign_year
    ]
    return max(started, default=QPV_GENERATIONS[0].generation)


def generation_of_code(qpv_code: str) -> int | None:
    """Generation a QPV code belongs to, read from its prefix."""
    return next((g.generation for g in QPV_GENERATIONS if qpv_code.startswith(g.code_prefix)), None)


def _generations_text() -> str:
    """The rule in French, e.g. "codes QP jusqu'en 2023, codes QN à partir de 2024 ;
    outre-mer : QN à partir de 2025"."""
    gens = QPV_GENERATIONS
    metro = [
        f"codes {a.code_prefix} jusqu'en {b.first_campaign - 1}"
        for a, b in itertools.pairwise(gens)
    ]
    metro += [f"codes {g.code_prefix} à partir de {g.first_campaign}" for g in gens[1:]]
    overseas = [
        f"{g.code_prefix} à partir de {g.first_campaign_overseas}"
        for g in gens[1:]
        if g.first_campaign_overseas != g.first_campaign
    ]
    return ", ".join(metro) + (" ; outre-mer : " + ", ".join(overseas) if overseas else "")


# --- Code lists (specs/returns.md §1–§3), code → French label -------------------------------
# The one copy of the labels: porteurs read them in the template, delegates on the site (the
# reference asset loads them as raw.code_lists, dbt publishes them as marts.dim_code_lists).
CODE_LISTS: dict[str, dict[str, str]] = {
    "scheme": {
        "QE": "Quartiers d'été",
        "QA": "Quartiers d'automne",
        "QS": "Quartiers solidaires",
        "VA": "Vacances apprenantes",
        "VVV": "Ville Vie Vacances",
    },
    "porteur_category": {
        "association": "Association",
        "commune": "Commune",
        "epci": "Intercommunalité (EPCI)",
        "centre_social": "Centre social",
        "bailleur_social": "Bailleur social",
        "etablissement_public": "Établissement public",
        "etablissement_scolaire": "Établissement scolaire",
        "entreprise_ess": "Entreprise de l'ESS",
        "autre": "Autre",
    },
    "theme": {
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
    },
    "partner_category": {
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
    },
    "role": {
        "cofinancement": "Cofinancement",
        "co_construction": "Co-construction",
        "mise_a_disposition": "Mise à disposition",
        "orientation_publics": "Orientation des publics",
        "animation": "Animation",
        "communication": "Communication",
        "autre": "Autre",
    },
    "funder": {
        "etat_politique_ville": "État – politique de la ville (programme 147)",
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
    },
}


#: Former labels still read as their code (porteurs copy them from older templates).
FORMER_LABELS: dict[str, dict[str, str]] = {
    "funder": {
        "Autres financements publics": "autre_public",
        "Financements privés": "prive",
    },
}


@dataclass(frozen=True)
class Field:
    """One column of an input."""

    name: str  # warehouse column (English snake_case)
    header: str  # the canonical French header porteurs see
    type: FieldType
    label: str  # French description (template instructions, docs, messages)
    required: bool = True
    synonyms: tuple[str, ...] = ()  # other headers seen in real files
    codes: str | None = None  # code list name, for type "code"
    empty_as_zero: bool = False  # an empty cell means 0 (age bands porteurs leave blank)


@dataclass(frozen=True)
class Kind:
    """One kind of input (activity, partners, funding)."""

    name: str
    label: str  # French
    sheet_names: tuple[str, ...]  # sheet names that hold this kind in a workbook
    table: str  # raw table receiving accepted rows
    fields: tuple[Field, ...]
    # Fields whose presence identifies the kind among headers.
    signature: tuple[str, ...] = field(default=())

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def get(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def __reduce_ex__(self, protocol):
        # One object per kind of the contract, also for tables read by a helper process.
        if KINDS_BY_NAME.get(self.name) is self:
            return (kind_named, (self.name,))
        return super().__reduce_ex__(protocol)


def kind_named(name: str) -> Kind:
    return KINDS_BY_NAME[name]


_KEY = (
    Field(
        "campaign_year",
        "annee",
        "year",
        "Année de la campagne (ex. 2024)",
        synonyms=("année", "campagne", "annee de la campagne", "exercice", "millesime"),
    ),
    Field(
        "scheme",
        "dispositif",
        "code",
        "Code du dispositif (QE, QA, QS, VA, VVV)",
        codes="scheme",
        synonyms=("code dispositif", "programme"),
    ),
    Field(
        "grant_file",
        "numero_dossier",
        "grant_file",
        "Numéro du dossier de subvention",
        synonyms=(
            "n° dossier",
            "n dossier",
            "no dossier",
            "num dossier",
            "numéro de dossier",
            "dossier",
            "numero dossier dauphin",
            "n° de dossier",
        ),
    ),
)

AGE_BANDS = ("age_0_5", "age_6_11", "age_12_17", "age_18_25", "age_26_59", "age_60_plus")
YOUNG_BANDS = ("age_6_11", "age_12_17", "age_18_25")


def _count(name: str, header: str, label: str, *synonyms: str, required: bool = True) -> Field:
    return Field(
        name,
        header,
        "int",
        label,
        required=required,
        synonyms=synonyms,
        empty_as_zero=name in AGE_BANDS,
    )


ACTIVITY = Kind(
    name="activity",
    label="bilan d'activité (actions)",
    sheet_names=("actions", "action", "bilan", "bilan_actions"),
    table="activity_rows",
    signature=("action_title", "participants", "qpv_codes"),
    fields=_KEY
    + (
        Field(
            "action_title",
            "intitule_action",
            "text",
            "Intitulé de l'action",
            synonyms=(
                "intitulé",
                "titre de l'action",
                "nom de l'action",
                "action",
                "libelle action",
                "libellé de l'action",
            ),
        ),
        Field(
            "porteur_siret",
            "porteur_siret",
            "siret",
            "SIRET du porteur (14 chiffres)",
            synonyms=("siret", "siret du porteur", "n° siret", "siret porteur"),
        ),
        Field(
            "porteur_name",
            "porteur_nom",
            "text",
            "Nom du porteur",
            synonyms=(
                "porteur",
                "nom du porteur",
                "structure",
                "raison sociale",
                "nom de la structure",
            ),
        ),
        Field(
            "porteur_category",
            "porteur_categorie",
            "code",
            "Catégorie du porteur",
            codes="porteur_category",
            synonyms=(
                "catégorie du porteur",
                "type de porteur",
                "type de structure",
                "categorie porteur",
            ),
        ),
        Field(
            "theme",
            "thematique",
            "code",
            "Thématique principale",
            codes="theme",
            synonyms=("thématique", "thème", "theme principal", "thématique principale"),
        ),
        Field(
            "start_date",
            "date_debut",
            "date",
            "Date de début (jj/mm/aaaa)",
            synonyms=("date de début", "début", "debut", "date debut action"),
        ),
        Field(
            "end_date",
            "date_fin",
            "date",
            "Date de fin (jj/mm/aaaa)",
            synonyms=("date de fin", "fin", "date fin action"),
        ),
        Field(
            "qpv_codes",
            "codes_qpv",
            "qpv_codes",
            "Code(s) QPV, séparés par « ; », le principal en premier",
            synonyms=(
                "code qpv",
                "codes qpv",
                "qpv",
                "code(s) qpv",
                "quartier(s)",
                "quartiers",
                "code quartier",
            ),
        ),
        Field(
            "commune_code",
            "code_commune",
            "commune",
            "Code INSEE de la commune du QPV principal",
            synonyms=(
                "commune",
                "code insee",
                "code insee commune",
                "insee commune",
                "code insee de la commune",
            ),
        ),
        _count(
            "sessions",
            "nb_seances",
            "Nombre de séances ou de journées",
            "nombre de séances",
            "séances",
            "nb de séances",
            "nombre de journées",
            "nb journees",
        ),
        _count(
            "participants",
            "nb_participants",
            "Nombre de participants (distincts)",
            "nombre de participants",
            "participants",
            "nb de participants",
            "total participants",
        ),
        _count(
            "qpv_residents",
            "nb_habitants_qpv",
            "Dont habitants d'un QPV",
            "nombre d'habitants qpv",
            "dont habitants qpv",
            "habitants qpv",
            "nb habitants des qpv",
            "nombre de participants habitant un qpv",
        ),
        _count(
            "girls",
            "nb_filles",
            "Dont filles (vide si inconnu)",
            "nombre de filles",
            "filles",
            "dont filles",
            "nb de filles",
            required=False,
        ),
        _count(
            "boys",
            "nb_garcons",
            "Dont garçons (vide si inconnu)",
            "nombre de garçons",
            "garçons",
            "dont garçons",
            "nb de garçons",
            required=False,
        ),
        _count(
            "age_0_5",
            "nb_0_5",
            "Participants de 0 à 5 ans",
            "0-5 ans",
            "0 5 ans",
            "moins de 6 ans",
            "nb 0 5 ans",
        ),
        _count(
            "age_6_11",
            "nb_6_11",
            "Participants de 6 à 11 ans",
            "6-11 ans",
            "6 11 ans",
            "nb 6 11 ans",
        ),
        _count(
            "age_12_17",
            "nb_12_17",
            "Participants de 12 à 17 ans",
            "12-17 ans",
            "12 17 ans",
            "nb 12 17 ans",
        ),
        _count(
            "age_18_25",
            "nb_18_25",
            "Participants de 18 à 25 ans",
            "18-25 ans",
            "18 25 ans",
            "nb 18 25 ans",
        ),
        _count(
            "age_26_59",
            "nb_26_59",
            "Participants de 26 à 59 ans",
            "26-59 ans",
            "26 59 ans",
            "nb 26 59 ans",
        ),
        _count(
            "age_60_plus",
            "nb_60_plus",
            "Participants de 60 ans et plus",
            "60 ans et plus",
            "60 ans et +",
            "plus de 60 ans",
            "nb 60 ans et plus",
            "60+",
        ),
        Field(
            "realised_cost",
            "cout_total_realise",
            "decimal",
            "Coût total réalisé (€)",
            synonyms=(
                "coût total réalisé",
                "coût réalisé",
                "cout total",
                "coût total",
                "cout realise",
                "montant realise",
                "coût total (€)",
            ),
        ),
        Field(
            "comment",
            "commentaire",
            "text",
            "Commentaire libre",
            required=False,
            synonyms=("commentaires", "observations", "remarques"),
        ),
    ),
)

PARTNERS = Kind(
    name="partners",
    label="partenaires",
    sheet_names=("partenaires", "partenaire", "partenariats", "partners"),
    table="partner_rows",
    signature=("partner_name", "partner_category", "role"),
    fields=_KEY
    + (
        Field(
            "partner_name",
            "partenaire_nom",
            "text",
            "Nom du partenaire",
            synonyms=("partenaire", "nom du partenaire", "nom partenaire"),
        ),
        Field(
            "partner_siret",
            "partenaire_siret",
            "siret",
            "SIRET du partenaire (facultatif)",
            required=False,
            synonyms=("siret du partenaire", "siret partenaire"),
        ),
        Field(
            "partner_category",
            "partenaire_categorie",
            "code",
            "Catégorie du partenaire",
            codes="partner_category",
            synonyms=(
                "catégorie du partenaire",
                "type de partenaire",
                "categorie partenaire",
                "type partenaire",
            ),
        ),
        Field(
            "role",
            "role",
            "code",
            "Rôle du partenaire",
            codes="role",
            synonyms=(
                "rôle",
                "rôle du partenaire",
                "apport",
                "nature du partenariat",
                "type de partenariat",
            ),
        ),
    ),
)

FUNDING = Kind(
    name="funding",
    label="financements",
    sheet_names=("financements", "financement", "funding", "subventions"),
    table="funding_rows",
    signature=("funder", "amount_granted", "department_code"),
    fields=_KEY
    + (
        Field(
            "action_title",
            "lib_action",
            "text",
            "Intitulé de l'action",
            synonyms=("libellé action", "libelle de l'action", "intitulé action"),
        ),
        Field(
            "porteur_name",
            "raison_sociale",
            "text",
            "Raison sociale du porteur",
            synonyms=("raison sociale", "porteur", "nom du porteur"),
        ),
        Field(
            "porteur_siret",
            "code_tiers",
            "siret",
            "SIRET du porteur",
            synonyms=("code tiers", "siret", "siret du porteur"),
        ),
        Field(
            "funder",
            "financeur",
            "code",
            "Financeur",
            codes="funder",
            synonyms=("type de financeur", "origine du financement"),
        ),
        Field(
            "amount_requested",
            "montant_demande",
            "decimal",
            "Montant demandé (€)",
            synonyms=("montant demandé", "demandé", "montant sollicité"),
        ),
        Field(
            "amount_granted",
            "montant_accorde",
            "decimal",
            "Montant accordé (€)",
            synonyms=("montant accordé", "accordé", "montant attribué", "montant"),
        ),
        Field(
            "department_code",
            "insee_dep",
            "department",
            "Code du département",
            synonyms=(
                "département",
                "code département",
                "dep",
                "code insee département",
                "departement",
            ),
        ),
    ),
)

KINDS: tuple[Kind, ...] = (ACTIVITY, PARTNERS, FUNDING)
KINDS_BY_NAME = {k.name: k for k in KINDS}


@dataclass(frozen=True)
class Rule:
    """A named rule with the French message a porteur reads. `{field}` is the French header,
    `{value}` the value as written; other placeholders are filled by the validator."""

    name: str
    message: str
    scope: Literal["value", "row", "file"] = "value"


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        # File level
        Rule("fichier_vide", "Le fichier est vide.", "file"),
        Rule("fichier_illisible", "Le fichier n'a pas pu être lu : {detail}.", "file"),
        Rule("fichier_trop_volumineux", "Le fichier dépasse la taille admise ({detail}).", "file"),
        Rule(
            "format_non_pris_en_charge",
            "Le format du fichier n'est pas pris en charge ({detail}) : envoyez un classeur "
            "Excel (.xlsx) ou un fichier CSV.",
            "file",
        ),
        Rule(
            "entete_introuvable",
            "Aucune ligne d'en-tête reconnue ({detail}) : utilisez le modèle de bilan.",
            "file",
        ),
        Rule("trop_de_lignes", "Trop de lignes ({detail}) : découpez le fichier.", "file"),
        Rule(
            "trop_de_colonnes",
            "La ligne d'en-tête a trop de colonnes ({detail}) : utilisez le modèle de bilan.",
            "file",
        ),
        Rule(
            "cellule_trop_longue",
            "Une cellule est trop longue ({detail}) : un guillemet est sans doute resté ouvert.",
            "file",
        ),
        Rule(
            "classeur_trop_volumineux",
            "Le classeur est trop volumineux une fois décompressé ({detail}) : supprimez les "
            "feuilles et mises en forme inutiles, ou découpez-le.",
            "file",
        ),
        Rule(
            "fichier_sans_ligne",
            "Le fichier ne contient que la ligne d'en-tête, aucune ligne de bilan.",
            "file",
        ),
        Rule(
            "lecture_trop_longue",
            "La lecture du fichier a pris trop de temps ({detail}) : découpez-le ou utilisez le "
            "modèle de bilan.",
            "file",
        ),
        Rule(
            "trop_d_erreurs",
            "Le fichier compte trop d'erreurs ({detail}) : il ne suit sans doute pas le modèle "
            "(colonnes décalées ou inversées ?). Vérifiez les en-têtes puis renvoyez-le.",
            "file",
        ),
        Rule(
            "erreur_de_traitement",
            "Le fichier n'a pas pu être traité ({detail}) : il est mis de côté et l'équipe "
            "données est prévenue.",
            "file",
        ),
        # Value level
        Rule(
            "colonne_obligatoire_absente",
            "La colonne « {field} » est absente du fichier alors qu'elle est obligatoire.",
        ),
        Rule("valeur_obligatoire", "Le champ « {field} » est vide alors qu'il est obligatoire."),
        Rule(
            "entier_invalide",
            "« {value} » n'est pas un nombre entier positif ou nul (champ « {field} »).",
        ),
        Rule(
            "montant_invalide",
            "« {value} » n'est pas un montant positif ou nul en euros (champ « {field} »).",
        ),
        Rule(
            "date_invalide",
            "« {value} » n'est pas une date valide (attendu jj/mm/aaaa, champ « {field} »).",
        ),
        Rule(
            "annee_invalide",
            "« {value} » n'est pas une année de campagne valide (de 2020 à l'année en cours, "
            "champ « {field} »).",
        ),
        Rule(
            "code_inconnu",
            "« {value} » n'est pas un code admis pour « {field} » (codes admis : {allowed}).",
        ),
        Rule(
            "siret_invalide",
            "« {value} » n'est pas un SIRET valide : 14 chiffres dont le dernier est une clé de "
            "contrôle (champ « {field} »).",
        ),
        Rule(
            "code_qpv_invalide",
            "« {value} » n'est pas un code QPV valide (attendu QP + 6 chiffres pour 2020–2023, "
            "ex. QP054001, ou QN + 5 caractères à partir de 2024, ex. QN05401M).",
        ),
        Rule(
            "code_qpv_generation",
            "Le code QPV « {value} » n'est pas de la génération de la campagne {year} ("
            + _generations_text().replace("{", "{{").replace("}", "}}")
            + ").",
        ),
        Rule(
            "qpv_inconnu",
            "Le code QPV « {value} » n'existe pas dans le référentiel des QPV de la génération "
            "{generation}.",
        ),
        Rule(
            "commune_invalide",
            "« {value} » n'est pas un code commune INSEE valide (5 caractères, ex. 54395 ou 2A004).",
        ),
        Rule(
            "qpv_commune_incoherente",
            "La commune « {value} » ne correspond pas au QPV principal {qpv} (communes du QPV : "
            "{communes}).",
        ),
        Rule(
            "departement_invalide",
            "« {value} » n'est pas un code de département valide (01 à 95, 2A, 2B, 971 à 976).",
        ),
        # Row level
        Rule(
            "date_hors_campagne",
            "La date « {value} » (champ « {field} ») est en dehors de l'année de campagne {year}.",
            "row",
        ),
        Rule(
            "dates_inversees",
            "La date de début ({value}) est postérieure à la date de fin ({end}).",
            "row",
        ),
        Rule(
            "habitants_qpv_superieurs",
            "Le nombre d'habitants des QPV ({value}) dépasse le nombre de participants "
            "({participants}).",
            "row",
        ),
        Rule(
            "sexes_superieurs",
            "Filles + garçons ({value}) dépasse le nombre de participants ({participants}).",
            "row",
        ),
        Rule(
            "tranches_age_incoherentes",
            "La somme des tranches d'âge ({value}) n'est pas égale au nombre de participants "
            "({participants}).",
            "row",
        ),
        Rule(
            "dossier_en_double",
            "Le dossier {value} apparaît plusieurs fois pour la même année et le même dispositif "
            "dans ce fichier (lignes {lines}).",
            "row",
        ),
        Rule(
            "action_inconnue",
            "Le partenaire se rapporte au dossier {value}, absent du bilan d'actions reçu.",
            "row",
        ),
    )
}

#: Headers that carry personal data of participants, after normalisation (see headers.py).
PERSONAL_HEADER_TOKENS = (
    "nom_participant",
    "prenom",
    "nom_prenom",
    "nom_jeune",
    "nom_enfant",
    "date_naissance",
    "naissance",
    "ne_le",
    "adresse",
    "rue",
    "code_postal_participant",
    "telephone",
    "tel",
    "portable",
    "mobile",
    "mail",
    "email",
    "e_mail",
    "courriel",
    "nom_famille",
    "nom_usage",
)
