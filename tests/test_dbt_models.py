"""The dbt project end to end: hand-made raw tables → `dbt build` → mart figures.

One `dbt build` (seeds, models, data tests and unit tests) runs on a DuckDB file in a
temporary folder; its target and log folders are in that temporary folder too, so nothing is
left in the repository. The raw data follows docs/warehouse.md and holds the cases the marts
must get right: a corrected return sent in two versions, a withdrawn file, a QPV on two
communes, a 2015 QPV code absent from the referential, a Corsican code, a funded file without
return, a return without funding, a superseded funding export, unknown sex, unknown cost,
unknown population, a commune re-attached to a new EPCI since 2015, a return whose commune
is not its QPV's, a commune unknown to the referential. Every expected figure below is
computed by hand in the comments. The same module runs `dbt docs generate` after the build
(the only other dbt invocation) and checks the catalog and the marts' column descriptions.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from returns.contract import campaign_generation
from returns.referentials import qpv_generations
from tests.site_warehouse import run_dbt

# ---------------------------------------------------------------------------------------------
# raw tables, exactly as docs/warehouse.md describes them
# ---------------------------------------------------------------------------------------------

ORIGIN = "file_hash VARCHAR, file_name VARCHAR, sheet VARCHAR, line INTEGER, received_at TIMESTAMP, ingested_at TIMESTAMP"

DDL = {
    "activity_rows": f"""campaign_year INTEGER, scheme VARCHAR, grant_file VARCHAR, action_title VARCHAR,
        porteur_siret VARCHAR, porteur_name VARCHAR, porteur_category VARCHAR, theme VARCHAR,
        start_date DATE, end_date DATE, qpv_codes VARCHAR, commune_code VARCHAR, sessions INTEGER,
        participants INTEGER, qpv_residents INTEGER, girls INTEGER, boys INTEGER, age_0_5 INTEGER,
        age_6_11 INTEGER, age_12_17 INTEGER, age_18_25 INTEGER, age_26_59 INTEGER,
        age_60_plus INTEGER, realised_cost DOUBLE, comment VARCHAR, {ORIGIN}""",
    "partner_rows": f"""campaign_year INTEGER, scheme VARCHAR, grant_file VARCHAR, partner_name VARCHAR,
        partner_siret VARCHAR, partner_category VARCHAR, role VARCHAR, {ORIGIN}""",
    "funding_rows": f"""campaign_year INTEGER, scheme VARCHAR, grant_file VARCHAR, action_title VARCHAR,
        porteur_name VARCHAR, porteur_siret VARCHAR, funder VARCHAR, amount_requested DOUBLE,
        amount_granted DOUBLE, department_code VARCHAR, {ORIGIN}""",
    "quarantine": """file_hash VARCHAR, file_name VARCHAR, sheet VARCHAR, line INTEGER, kind VARCHAR,
        rule VARCHAR, field VARCHAR, value VARCHAR, reason VARCHAR, received_at TIMESTAMP,
        ingested_at TIMESTAMP""",
    "files": """file_hash VARCHAR PRIMARY KEY, file_name VARCHAR, size_bytes BIGINT,
        received_at TIMESTAMP, ingested_at TIMESTAMP, status VARCHAR, kinds VARCHAR,
        rows_read INTEGER, rows_accepted INTEGER, rows_quarantined INTEGER,
        dropped_columns VARCHAR, extra_columns VARCHAR, retracted_at TIMESTAMP""",
    "qpv_referential": """generation INTEGER, qpv_code VARCHAR, qpv_name VARCHAR, commune_code VARCHAR,
        commune_name VARCHAR, department_code VARCHAR, department_name VARCHAR,
        region_code VARCHAR, region_name VARCHAR, epci_siren VARCHAR, epci_name VARCHAR,
        is_official BOOLEAN, source_file VARCHAR""",
    "qpv_population": """qpv_code VARCHAR, population INTEGER, young_population INTEGER,
        source_file VARCHAR, is_official BOOLEAN""",
    "code_lists": "list_name VARCHAR, code VARCHAR, label VARCHAR",
    "qpv_generations": """generation INTEGER, code_prefix VARCHAR, first_campaign INTEGER,
        first_campaign_overseas INTEGER""",
}

# files: hash → (name, received_at, retracted_at, status)
FILES = {
    "h1": ("bilan_54_v1.xlsx", datetime(2024, 9, 1, 10), None, "accepted"),
    "h2": ("bilan_54_v2.xlsx", datetime(2024, 9, 15, 10), None, "accepted"),  # corrects QE-54-001
    "h3": ("bilan_57.csv", datetime(2024, 9, 10, 10), None, "partially_accepted"),
    "h4": ("financements_2024.csv", datetime(2024, 8, 1, 10), None, "accepted"),
    "h5": ("bilan_historique.csv", datetime(2023, 10, 1, 10), None, "accepted"),
    "h6": ("bilan_67_retire.csv", datetime(2024, 9, 20, 10), datetime(2024, 9, 21, 8), "accepted"),
    "h7": ("illisible.xlsx", datetime(2024, 9, 2, 10), None, "rejected"),
    "h9": ("financements_2024_v0.csv", datetime(2024, 7, 1, 10), None, "accepted"),
}

PORTEUR_A = ("12345678901234", "Association Les Amis du Plateau", "association")
PORTEUR_B = ("23456789012345", "Centre social Haye", "centre_social")
PORTEUR_C = ("21570463000019", "Ville de Metz", "commune")
PORTEUR_D = ("34567890123456", "Association Borny Jeunes", "association")


def action(
    year,
    scheme,
    grant_file,
    porteur,
    qpv_codes,
    commune,
    sessions,
    participants,
    residents,
    girls,
    boys,
    ages,
    cost,
    file_hash,
    line,
):
    """One raw.activity_rows row (ages = the six bands 0_5 … 60_plus)."""
    name, received, _, _ = FILES[file_hash]
    return (
        year,
        scheme,
        grant_file,
        f"Action {grant_file}",
        porteur[0],
        porteur[1],
        porteur[2],
        "sport",
        date(year, 7, 1),
        date(year, 8, 31),
        qpv_codes,
        commune,
        sessions,
        participants,
        residents,
        girls,
        boys,
        *ages,
        cost,
        None,
        file_hash,
        name,
        None,
        line,
        received,
        received,
    )


ACTIVITY = [
    # the first version of QE-54-001, superseded by h2
    action(
        2024,
        "QE",
        "QE-54-001",
        PORTEUR_A,
        "QN05402M",
        "54547",
        4,
        30,
        10,
        15,
        15,
        (0, 10, 10, 5, 5, 0),
        9999.0,
        "h1",
        2,
    ),
    # A2: sex unknown, two QPV (main QN05401M); young = 8+6+0 = 14
    action(
        2024,
        "QE",
        "QE-54-002",
        PORTEUR_B,
        "QN05401M;QN05402M",
        "54395",
        5,
        20,
        20,
        None,
        None,
        (2, 8, 6, 0, 4, 0),
        3000.0,
        "h1",
        3,
    ),
    # A1, corrected version (2 versions received); young = 10+20+5 = 35
    action(
        2024,
        "QE",
        "QE-54-001",
        PORTEUR_A,
        "QN05402M",
        "54547",
        10,
        40,
        30,
        18,
        22,
        (0, 10, 20, 5, 5, 0),
        8000.0,
        "h2",
        2,
    ),
    # A3: no funding; young = 50
    action(
        2024,
        "QE",
        "QE-57-001",
        PORTEUR_C,
        "QN05701M",
        "57463",
        8,
        50,
        25,
        20,
        30,
        (0, 20, 20, 10, 0, 0),
        5000.0,
        "h3",
        2,
    ),
    # A4: realised cost unknown; young = 10
    action(
        2024,
        "VVV",
        "VVV-57-001",
        PORTEUR_D,
        "qn05701m",
        "57463",
        3,
        10,
        10,
        4,
        6,
        (0, 0, 10, 0, 0, 0),
        None,
        "h3",
        3,
    ),
    # A5 (2023), same porteur as A1
    action(
        2023,
        "QE",
        "QE-54-101",
        PORTEUR_A,
        "QP054001",
        "54395",
        6,
        25,
        20,
        10,
        15,
        (0, 10, 10, 5, 0, 0),
        4000.0,
        "h5",
        2,
    ),
    # A6 (2022): main QPV is a 2015 code absent from the referential; a Corsican code after it
    action(
        2022,
        "QE",
        "QE-54-201",
        PORTEUR_B,
        "QP054099;QP02A001",
        "54395",
        2,
        12,
        12,
        6,
        6,
        (0, 12, 0, 0, 0, 0),
        1000.0,
        "h5",
        3,
    ),
    # A7 (2023): a 2015 code absent from the referential, in a commune it does not know
    # (57672): attached to that commune, EPCI unknown → the bucket 57_ND
    action(
        2023,
        "QE",
        "QE-57-102",
        PORTEUR_C,
        "QP057099",
        "57672",
        2,
        15,
        10,
        7,
        8,
        (0, 5, 5, 5, 0, 0),
        1500.0,
        "h5",
        4,
    ),
    # A8 (2023): code_commune in another département than its QPV's → the QPV's main commune
    action(
        2023,
        "QE",
        "QE-57-101",
        PORTEUR_D,
        "QP057001",
        "54395",
        4,
        20,
        15,
        10,
        10,
        (0, 10, 10, 0, 0, 0),
        2000.0,
        "h5",
        5,
    ),
    # a withdrawn file: must be ignored everywhere
    action(
        2024,
        "QE",
        "QE-67-001",
        PORTEUR_B,
        "QN06701M",
        "67482",
        9,
        99,
        99,
        50,
        49,
        (0, 99, 0, 0, 0, 0),
        9000.0,
        "h6",
        2,
    ),
]


def partner(year, scheme, grant_file, name, siret, category, role, file_hash, line):
    fname, received, _, _ = FILES[file_hash]
    return (
        year,
        scheme,
        grant_file,
        name,
        siret,
        category,
        role,
        file_hash,
        fname,
        "partenaires",
        line,
        received,
        received,
    )


VILLE_NANCY = ("Ville de Nancy", "21540395300011", "commune")
SPORT = ("Association Sport Pour Tous", None, "association")
CAF = ("CAF de Meurthe-et-Moselle", "77568869900012", "caf")

PARTNERS = [
    # version 1 of QE-54-001: superseded, must not count
    partner(2024, "QE", "QE-54-001", *VILLE_NANCY, "cofinancement", "h1", 2),
    partner(2024, "QE", "QE-54-001", "Ancien Partenaire", None, "autre", "autre", "h1", 3),
    # A2: one partner listed twice with two roles, name spelt differently → 1 partner
    partner(
        2024,
        "QE",
        "QE-54-002",
        "Association Sport pour tous ",
        None,
        "association",
        "animation",
        "h1",
        4,
    ),
    partner(
        2024,
        "QE",
        "QE-54-002",
        "ASSOCIATION SPORT POUR TOUS",
        None,
        "association",
        "communication",
        "h1",
        5,
    ),
    # A1 (version 2): 3 partners
    partner(2024, "QE", "QE-54-001", *VILLE_NANCY, "cofinancement", "h2", 2),
    partner(2024, "QE", "QE-54-001", *SPORT, "animation", "h2", 3),
    partner(2024, "QE", "QE-54-001", *CAF, "orientation_publics", "h2", 4),
    # A4: 2 partners
    partner(
        2024,
        "VVV",
        "VVV-57-001",
        "Collège Jean Moulin",
        None,
        "etablissement_scolaire",
        "mise_a_disposition",
        "h3",
        2,
    ),
    partner(
        2024,
        "VVV",
        "VVV-57-001",
        "Conseil citoyen Borny",
        None,
        "conseil_citoyen",
        "co_construction",
        "h3",
        3,
    ),
    # A5 (2023): the same porteur–partner pair as A1 in 2024 → renewed
    partner(2023, "QE", "QE-54-101", *VILLE_NANCY, "cofinancement", "h5", 2),
    # withdrawn file
    partner(2024, "QE", "QE-67-001", "Partenaire retiré", None, "autre", "autre", "h6", 2),
]


def funding(
    grant_file, scheme, funder, requested, granted, dep, file_hash, line, porteur=PORTEUR_A
):
    fname, received, _, _ = FILES[file_hash]
    return (
        2024,
        scheme,
        grant_file,
        f"Action {grant_file}",
        porteur[1],
        porteur[0],
        funder,
        requested,
        granted,
        dep,
        file_hash,
        fname,
        None,
        line,
        received,
        received,
    )


FUNDING = [
    # an older export, superseded for QE-54-001 by h4 (its fonds_europeens line disappears)
    funding("QE-54-001", "QE", "etat_politique_ville", 6000.0, 4000.0, "54", "h9", 2),
    funding("QE-54-001", "QE", "fonds_europeens", 1000.0, 1000.0, "54", "h9", 3),
    # the newest export
    funding("QE-54-001", "QE", "etat_politique_ville", 6000.0, 5000.0, "54", "h4", 2),
    funding("QE-54-001", "QE", "commune", 2000.0, 2000.0, "54", "h4", 3),
    funding("QE-54-002", "QE", "etat_politique_ville", 3000.0, 2500.0, "54", "h4", 4, PORTEUR_B),
    # funded, no return received
    funding(
        "QE-54-003",
        "QE",
        "etat_politique_ville",
        4000.0,
        4000.0,
        "54",
        "h4",
        5,
        ("45678901234567", "Association Sans Bilan", "association"),
    ),
    funding("VVV-57-001", "VVV", "etat_politique_ville", 1000.0, 1000.0, "57", "h4", 6, PORTEUR_D),
    funding("VVV-57-001", "VVV", "caf", 500.0, 500.0, "57", "h4", 7, PORTEUR_D),
]

QUARANTINE = [
    (
        "h3",
        "bilan_57.csv",
        None,
        4,
        "activity",
        "ages_somme",
        "age_0_5",
        "12",
        "La somme des tranches d'âge ne fait pas le nombre de participants.",
        FILES["h3"][1],
        FILES["h3"][1],
    ),
    (
        "h3",
        "bilan_57.csv",
        None,
        5,
        "activity",
        "ages_somme",
        "age_0_5",
        "3",
        "La somme des tranches d'âge ne fait pas le nombre de participants.",
        FILES["h3"][1],
        FILES["h3"][1],
    ),
    (
        "h3",
        "bilan_57.csv",
        None,
        5,
        "activity",
        "qpv_inconnu",
        "qpv_codes",
        "QN99999X",
        "Le code QPV QN99999X n'existe pas dans le référentiel.",
        FILES["h3"][1],
        FILES["h3"][1],
    ),
    (
        "h7",
        "illisible.xlsx",
        None,
        None,
        None,
        "fichier_illisible",
        None,
        None,
        "Le fichier ne peut pas être lu.",
        FILES["h7"][1],
        FILES["h7"][1],
    ),
]

ROWS_BY_FILE = {
    "h1": (5, 5, 0),
    "h2": (4, 4, 0),
    "h3": (6, 4, 2),
    "h4": (6, 6, 0),
    "h5": (5, 5, 0),
    "h6": (2, 2, 0),
    "h7": (0, 0, 0),
    "h9": (2, 2, 0),
}

EPCI_NANCY = ("245400676", "Métropole du Grand Nancy")
EPCI_METZ = ("200039790", "Metz Métropole")
EPCI_STRAS = ("246700488", "Eurométropole de Strasbourg")
EPCI_METZ_2015 = ("245700398", "CA Metz Métropole (2015)")  # merged since: 57463 is in EPCI_METZ
GRAND_EST = ("44", "Grand Est")


def ref_row(generation, code, name, commune, commune_name, dep, dep_name, epci):
    return (
        generation,
        code,
        name,
        commune,
        commune_name,
        dep,
        dep_name,
        *GRAND_EST,
        *epci,
        False,
        "referentiel_demo.csv",
    )


REFERENTIAL = [
    ref_row(
        2024,
        "QN05401M",
        "Plateau de Haye",
        "54395",
        "Nancy",
        "54",
        "Meurthe-et-Moselle",
        EPCI_NANCY,
    ),
    # a QPV on two communes: main commune = the first row (54547)
    ref_row(
        2024,
        "QN05402M",
        "Les Provinces",
        "54547",
        "Vandœuvre-lès-Nancy",
        "54",
        "Meurthe-et-Moselle",
        EPCI_NANCY,
    ),
    ref_row(
        2024, "QN05402M", "Les Provinces", "54395", "Nancy", "54", "Meurthe-et-Moselle", EPCI_NANCY
    ),
    ref_row(2024, "QN05701M", "Borny", "57463", "Metz", "57", "Moselle", EPCI_METZ),
    ref_row(2024, "QN06701M", "Neuhof", "67482", "Strasbourg", "67", "Bas-Rhin", EPCI_STRAS),
    # a 2015 QPV on two communes: main commune 54547; A5 (code_commune 54395) stays in 54395
    ref_row(
        2015,
        "QP054001",
        "Plateau de Haye",
        "54547",
        "Vandœuvre-lès-Nancy",
        "54",
        "Meurthe-et-Moselle",
        EPCI_NANCY,
    ),
    ref_row(
        2015,
        "QP054001",
        "Plateau de Haye",
        "54395",
        "Nancy",
        "54",
        "Meurthe-et-Moselle",
        EPCI_NANCY,
    ),
    # the 2015 list gives 57463 its former EPCI: the 2024 row (EPCI_METZ) wins
    ref_row(2015, "QP057001", "Borny", "57463", "Metz", "57", "Moselle", EPCI_METZ_2015),
]

POPULATION = [  # QN06701M and QP054099 unknown
    ("QN05401M", 5000, 1500, "population_demo.csv", False),
    ("QN05402M", 4000, 1000, "population_demo.csv", False),
    ("QN05701M", 6000, 2000, "population_demo.csv", False),
    ("QP054001", 4500, 1200, "population_demo.csv", False),
    ("QP057001", 5500, 1800, "population_demo.csv", False),
]

CODE_LISTS = [
    ("scheme", code, label)
    for code, label in [
        ("QE", "Quartiers d'été"),
        ("QA", "Quartiers d'automne"),
        ("QS", "Quartiers solidaires"),
        ("VA", "Vacances apprenantes"),
        ("VVV", "Ville Vie Vacances"),
    ]
] + [("funder", "etat_politique_ville", "État – politique de la ville (programme 147)")]


def build_raw_warehouse(path: Path) -> None:
    """Create the raw schema of docs/warehouse.md in a new DuckDB file and fill it."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema raw")
        for table, columns in DDL.items():
            con.execute(f"create table raw.{table} ({columns})")
        for file_hash, (name, received, retracted, status) in FILES.items():
            read, accepted, quarantined = ROWS_BY_FILE[file_hash]
            con.execute(
                "insert into raw.files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    file_hash,
                    name,
                    1000,
                    received,
                    received,
                    status,
                    "activity",
                    read,
                    accepted,
                    quarantined,
                    None,
                    None,
                    retracted,
                ],
            )
        for table, rows in [
            ("activity_rows", ACTIVITY),
            ("partner_rows", PARTNERS),
            ("funding_rows", FUNDING),
            ("quarantine", QUARANTINE),
            ("qpv_referential", REFERENTIAL),
            ("qpv_population", POPULATION),
            ("code_lists", CODE_LISTS),
            ("qpv_generations", qpv_generations().rows()),
        ]:
            target = con.table(f"raw.{table}")
            for row in rows:
                target.insert(row)
    finally:
        con.close()


# The macro campaign_generation over every campaign year, in a metropolitan, a Corsican and
# two overseas départements: dbt must read the contract's rule, not a copy of it.
GENERATION_YEARS = range(2015, 2031)
GENERATION_DEPARTMENTS = ("54", "2A", "971", "976")
GENERATION_GRID_SQL = (
    "select years.campaign_year, departments.department_code, "
    "{{ campaign_generation('years.campaign_year', 'departments.department_code') }} "
    f"as generation from range({GENERATION_YEARS.start}, {GENERATION_YEARS.stop}) "
    "as years (campaign_year) cross join (values "
    + ", ".join(f"('{d}')" for d in GENERATION_DEPARTMENTS)
    + ") as departments (department_code)"
)


# ---------------------------------------------------------------------------------------------
# one dbt build for the whole module, then `dbt docs generate` on the built warehouse
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dbt_runs(tmp_path_factory):
    """The module's two dbt invocations, in order: build, then docs generate (--no-compile:
    the build compiled everything already). Both run before any test opens the warehouse,
    since DuckDB refuses a writer while a reader holds the file."""
    tmp = tmp_path_factory.mktemp("dbt")
    warehouse = tmp / "warehouse.duckdb"
    build_raw_warehouse(warehouse)
    build = run_dbt(["build"], warehouse, tmp)
    assert build.returncode == 0, build.stdout[-6000:] + build.stderr[-2000:]
    docs = run_dbt(["docs", "generate", "--no-compile"], warehouse, tmp)
    generations = run_dbt(
        ["--quiet", "show", "--inline", GENERATION_GRID_SQL, "--limit", "-1", "--output", "json"],
        warehouse,
        tmp,
    )
    return warehouse, tmp / "target", build, docs, generations


@pytest.fixture(scope="module")
def built(dbt_runs):
    warehouse, _, build, _, _ = dbt_runs
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con, build.stdout
    con.close()


@pytest.fixture(scope="module")
def artifacts(dbt_runs):
    """manifest.json and catalog.json of the module's dbt run."""
    _, target, _, docs, _ = dbt_runs
    assert docs.returncode == 0, docs.stdout[-4000:] + docs.stderr[-2000:]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    return manifest, catalog


def mart_nodes(manifest: dict) -> dict[str, dict]:
    """The models of the marts schema, by unique id."""
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    }


def one(con, sql: str, params: list | None = None):
    rows = con.execute(sql, params or []).fetchall()
    assert len(rows) == 1, f"{len(rows)} rows for {sql} {params}"
    return rows[0]


def test_build_runs_data_and_unit_tests(built):
    _, log = built
    assert "ERROR=0" in log and "WARN=0" in log and "SKIP=0" in log
    # the YAML unit tests (hand-computed expectations) ran inside the build, with the data tests
    ran = re.search(r"Finished running .*?(\d+) data tests, (\d+) unit tests", log)
    assert ran, log[-2000:]
    assert int(ran.group(1)) >= 90 and int(ran.group(2)) >= 10
    # the singular tests: totals along the territory tree, ratios from sums, QPV without action
    for name in (
        "assert_reach_adds_up",
        "assert_funding_adds_up",
        "assert_cooperation_adds_up",
        "assert_returns_completeness_adds_up",
        "assert_qpv_without_action_matches_reach",
    ):
        assert re.search(rf"PASS {name} ", log), name


@pytest.mark.parametrize(
    ("mart", "column", "value"),
    [
        ("mart_reach", "territory_code", None),  # not null
        ("mart_reach", "territory_level", "canton"),  # accepted values
        ("mart_reach", "girls_share", 1.5),  # between 0 and 1
        ("mart_funding", "cost_per_participation", -0.1),  # not negative
        ("fct_actions", "versions_received", 0),  # at least 1
    ],
)
def test_mart_contracts_refuse_a_row_breaking_a_column_rule(
    dbt_runs, tmp_path, mart, column, value
):
    """The column rules are constraints of the enforced contracts: DuckDB refuses the row as
    the table is written, and the table keeps its rows (a build would fail the model)."""
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(dbt_runs[0].read_bytes())
    con = duckdb.connect(str(copy))
    table = f"marts.{mart}"
    before = con.execute(f"select count(*) from {table}").fetchone()[0]
    assert before > 0
    bad = f"select * replace (?::{_type(con, mart, column)} as {column}) from {table} limit 1"
    with pytest.raises(duckdb.ConstraintException):
        con.execute(f"insert into {table} {bad}", [value])
    assert con.execute(f"select count(*) from {table}").fetchone()[0] == before
    con.close()


def _type(con, table: str, column: str) -> str:
    return con.execute(
        "select data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? and column_name = ?",
        [table, column],
    ).fetchone()[0]


def test_latest_version_of_a_corrected_return(built):
    con, _ = built
    row = one(
        con,
        """select participants, file_hash, versions_received, partner_count, has_funding,
                             department_code, region_code, main_qpv_code, qpv_count
                      from marts.fct_actions where action_id = '2024|QE|QE-54-001'""",
    )
    assert row == (40, "h2", 2, 3, True, "54", "44", "QN05402M", 1)
    # the withdrawn file is ignored; 8 latest actions in all
    assert one(con, "select count(*) from marts.fct_actions")[0] == 8
    assert one(con, "select count(*) from marts.fct_actions where grant_file = 'QE-67-001'")[0] == 0


def test_qpv_placement(built):
    con, _ = built
    assert one(
        con,
        """select commune_codes, main_commune_code, epci_siren, placement
                       from marts.dim_qpv where qpv_code = 'QN05402M'""",
    ) == ("54547;54395", "54547", "245400676", "referentiel")
    assert one(
        con,
        """select department_code, region_code, placement, generation
                       from marts.dim_qpv where qpv_code = 'QP054099'""",
    ) == ("54", "44", "departement_seul", 2015)
    assert one(
        con, "select department_code, region_code from marts.dim_qpv where qpv_code = 'QP02A001'"
    ) == ("2A", "94")
    # the 2022 action is placed by its main QPV, absent from the referential
    assert (
        one(con, "select department_code from marts.fct_actions where grant_file = 'QE-54-201'")[0]
        == "54"
    )
    # Corsica and its région appear as territories; the QPV on two communes is counted once
    assert one(
        con,
        """select territory_name, parent_code from marts.dim_territories
                       where territory_level = 'departement' and territory_code = '2A'""",
    ) == ("Corse-du-Sud", "94")
    assert one(con, "select count(*) from marts.dim_qpv")[0] == 9


def test_mart_reach(built):
    con, _ = built
    sql = """select actions, participations, young_participations, girls, boys, girls_share,
                    qpv_total, qpv_with_action, qpv_without_action, young_population, coverage_rate
             from marts.mart_reach
             where territory_level = ? and territory_code = ? and campaign_year = ? and scheme = ?"""
    # 54, 2024, QE: A1 + A2; girls share over A1 only (A2's sex unknown) = 18/40;
    # coverage = (35×30/40 + 14×20/20) / (1500 + 1000) = 40.25 / 2500
    row = one(con, sql, ["departement", "54", 2024, "QE"])
    assert row[:5] == (2, 60, 49, 18, 22)
    assert row[5] == pytest.approx(0.45)
    assert row[6:10] == (2, 2, 0, 2500)
    assert row[10] == pytest.approx(40.25 / 2500)
    # 57, 2024, ALL: A3 + A4, coverage (25 + 10) / 2000
    row = one(con, sql, ["departement", "57", 2024, "ALL"])
    assert row[:5] == (2, 60, 60, 24, 36)
    assert row[10] == pytest.approx(35 / 2000)
    # 67 (its return was withdrawn): no action, its QPV without action, population unknown
    row = one(con, sql, ["departement", "67", 2024, "ALL"])
    assert row[0] == 0 and row[6:9] == (1, 0, 1)
    assert row[9] is None and row[10] is None
    # the région holds 67's unknown population → coverage not available, never 0
    row = one(con, sql, ["region", "44", 2024, "ALL"])
    assert row[0] == 4 and row[9] is None and row[10] is None
    assert row[5] == pytest.approx((18 + 20 + 4) / (40 + 50 + 10))
    # 2022: the main QPV is unknown to the 2015 referential: 1 QPV with action, QP054001 without
    row = one(con, sql, ["departement", "54", 2022, "QE"])
    assert row[6:10] == (1, 1, 1, None)
    # France, 2024, ALL: distinct counts recomputed, not summed from schemes
    assert one(
        con,
        """select actions, qpv_with_action from marts.mart_reach where territory_level = 'france'
                       and campaign_year = 2024 and scheme = 'ALL'""",
    ) == (4, 3)


def test_mart_funding(built):
    con, _ = built
    sql = """select grant_files, amount_requested, amount_granted, granted_state_pv, granted_other,
                    realised_cost, participations, cost_per_participation, cost_per_young_participation
             from marts.mart_funding
             where territory_level = ? and territory_code = ? and campaign_year = 2024 and scheme = ?"""
    row = one(con, sql, ["departement", "54", "QE"])
    # latest export only (the fonds_europeens line of the older export is gone)
    assert row[:7] == (3, 15000.0, 13500.0, 11500.0, 2000.0, 11000.0, 60)
    assert row[7] == pytest.approx(11000 / 60)
    assert row[8] == pytest.approx(11000 / 49)
    # 57 ALL: A4's cost is unknown → the cost per participation uses A3 only (5000 / 50)
    row = one(con, sql, ["departement", "57", "ALL"])
    assert row[:7] == (1, 1500.0, 1500.0, 1000.0, 500.0, 5000.0, 60)
    assert row[7] == pytest.approx(100.0) and row[8] == pytest.approx(100.0)
    row = one(con, sql, ["departement", "57", "VVV"])
    assert row[5] is None and row[7] is None
    assert (
        one(
            con,
            """select sum(amount_granted) from marts.mart_funding_by_funder
                       where territory_level = 'france' and campaign_year = 2024 and scheme = 'ALL'
                       and funder = 'fonds_europeens'""",
        )[0]
        is None
    )


def test_mart_cooperation(built):
    con, _ = built
    sql = """select actions, partnership_links, partners_per_action, share_actions_2plus_partners,
                    share_actions_4plus_partners, cofunded_actions, cofunded_share, leverage,
                    organisations, network_links, network_density, renewed_partnerships, new_partnerships
             from marts.mart_cooperation
             where territory_level = ? and territory_code = ? and campaign_year = 2024 and scheme = ?"""
    row = one(con, sql, ["departement", "54", "QE"])
    assert row[:2] == (2, 4)
    assert row[2:5] == pytest.approx((2.0, 0.5, 0.0))
    assert row[5] == 1 and row[6] == pytest.approx(0.5)
    assert row[7] == pytest.approx(2000 / 11500)
    # nodes: 2 porteurs + 3 partners; links: 6 in A1's clique of 4 + 1 in A2
    assert row[8:10] == (5, 7)
    assert row[10] == pytest.approx(7 / 10)
    assert row[11:] == (1, 3)  # (porteur A, Ville de Nancy) renewed from 2023
    row = one(con, sql, ["departement", "57", "VVV"])
    assert row[6] == pytest.approx(1.0) and row[7] == pytest.approx(0.5)
    assert row[11:] == (None, None)  # no VVV campaign in 2023
    row = one(con, sql, ["departement", "57", "QE"])
    assert row[6] is None and row[7] is None and row[10] is None


def test_partner_mix_and_network(built):
    con, _ = built
    roles = dict(
        con.execute("""select value, links from marts.mart_partner_mix
        where territory_level = 'departement' and territory_code = '54' and campaign_year = 2024
        and scheme = 'QE' and dimension = 'role'""").fetchall()
    )
    assert roles == {
        "cofinancement": 1,
        "animation": 2,
        "orientation_publics": 1,
        "communication": 1,
    }
    assert one(
        con,
        """select count(*), sum(shared_actions) from marts.mart_network_edges
                       where territory_level = 'departement' and territory_code = '54'
                       and campaign_year = 2024""",
    ) == (7, 7)
    node = one(
        con,
        """select degree, actions, org_category from marts.mart_network_nodes
                       where territory_level = 'departement' and territory_code = '54'
                       and campaign_year = 2024 and org_id = 'nom:association sport pour tous'""",
    )
    assert node == (4, 2, "association")


def test_returns_completeness(built):
    con, _ = built
    sql = """select funded_files, returns_received, funded_without_return, returns_without_funding,
                    completeness_rate
             from marts.mart_returns_completeness
             where territory_level = ? and territory_code = ? and campaign_year = 2024 and scheme = ?"""
    row = one(con, sql, ["departement", "54", "QE"])
    assert row[:4] == (3, 2, 1, 0) and row[4] == pytest.approx(2 / 3)
    assert one(con, sql, ["departement", "57", "QE"]) == (0, 1, 0, 1, None)
    row = one(con, sql, ["france", "FR", "ALL"])
    assert row[:4] == (4, 4, 1, 1) and row[4] == pytest.approx(0.75)
    # with what is known of the porteur for the relances: title and SIRET of the export, no
    # other return from it this campaign, none ever
    assert con.execute("select * from marts.fct_missing_returns").fetchall() == [
        (
            2024,
            "QE",
            "QE-54-003",
            "54",
            "Association Sans Bilan",
            4000.0,
            "Action QE-54-003",
            "45678901234567",
            0,
            None,
        )
    ]
    assert one(
        con,
        """select has_activity_return from marts.fct_funding_lines
                       where grant_file = 'QE-54-003'""",
    ) == (False,)


def test_mart_qpv_and_participations(built):
    con, _ = built
    row = one(
        con,
        """select actions, sessions, participations, young_participations, young_population,
                             coverage_rate
                      from marts.mart_qpv where qpv_code = 'QN05402M' and campaign_year = 2024 and scheme = 'QE'""",
    )
    assert row[:5] == (2, 10, 40, 35, 1000) and row[5] == pytest.approx(26.25 / 1000)
    sexes = dict(
        con.execute("""select category, participations from marts.fct_participations
                                where action_id = '2024|QE|QE-54-002' and breakdown = 'sexe'""").fetchall()
    )
    assert sexes == {"fille": 0, "garcon": 0, "inconnu": 20}


def test_file_status(built):
    con, _ = built
    assert one(
        con,
        """select activity_rows, actions_current, actions_superseded from marts.mart_file_status
                       where file_hash = 'h1'""",
    ) == (2, 1, 1)
    assert one(
        con,
        """select rejected_lines, rules_broken, rejected_by_rule from marts.mart_file_status
                       where file_hash = 'h3'""",
    ) == (2, 2, "ages_somme : 2 ; qpv_inconnu : 1")
    assert one(
        con,
        """select is_retracted, actions_current from marts.mart_file_status
                       where file_hash = 'h6'""",
    ) == (True, 0)
    assert one(
        con, "select file_rejection_reason from marts.mart_file_status where file_hash = 'h7'"
    ) == ("Le fichier ne peut pas être lu.",)
    assert one(con, "select count(*) from marts.mart_file_status")[0] == len(FILES)


def test_action_attached_to_one_commune_and_its_epci(built):
    con, _ = built
    attached = dict(
        (r[0], r[1:])
        for r in con.execute(
            "select grant_file, attached_commune_code, attached_epci_siren from marts.fct_actions"
        ).fetchall()
    )
    assert attached["QE-54-001"] == ("54547", "245400676")  # code_commune = the QPV's main commune
    assert attached["QE-54-101"] == ("54395", "245400676")  # the QPV's second commune, as returned
    assert attached["QE-57-101"] == (
        "57463",
        "200039790",
    )  # code_commune in 54 → QPV's commune; current EPCI
    assert attached["QE-57-102"] == ("57672", None)  # commune unknown to the referential
    assert attached["QE-54-201"] == (
        "54395",
        "245400676",
    )  # QPV unknown, code_commune of its département
    # the 2015 EPCI of 57463 is not a territory (its communes moved); dim_qpv keeps the first row's
    assert (
        one(con, "select count(*) from marts.dim_territories where territory_code = '245700398'")[0]
        == 0
    )
    assert (
        one(con, "select epci_siren from marts.dim_qpv where qpv_code = 'QP057001'")[0]
        == "245700398"
    )
    tree = {
        (r[0], r[1]): r[2:]
        for r in con.execute(
            """select territory_level, territory_code, territory_name, parent_level, parent_code
           from marts.dim_territories"""
        ).fetchall()
    }
    assert tree[("commune", "57672")] == ("57672", "epci", "57_ND")
    assert tree[("epci", "57_ND")] == ("EPCI non déterminé (Moselle)", "departement", "57")
    assert tree[("commune", "54395")] == ("Nancy", "epci", "245400676")
    # 54's funded file without return is in its buckets, at both levels
    assert tree[("commune", "54_ND")] == (
        "Commune non déterminée (Meurthe-et-Moselle)",
        "epci",
        "54_ND",
    )
    assert ("epci", "67_ND") not in tree  # nothing of 67 is unplaced


def test_reach_by_epci_and_commune(built):
    con, _ = built
    sql = """select actions, participations, qpv_total, qpv_with_action, young_population
             from marts.mart_reach
             where territory_level = ? and territory_code = ? and campaign_year = ? and scheme = ?"""
    # 2023 in 57: A8 in Metz Métropole (20), A7 in the bucket (15); département = 35
    assert one(con, sql, ["epci", "200039790", 2023, "QE"]) == (1, 20, 1, 1, 1800)
    # the bucket: A7 and its QPV code absent from the referential (cited, population unknown)
    assert one(con, sql, ["epci", "57_ND", 2023, "QE"]) == (1, 15, None, 1, None)
    assert one(con, sql, ["commune", "57672", 2023, "QE"]) == (1, 15, None, 0, None)
    assert one(con, sql, ["departement", "57", 2023, "QE"]) == (2, 35, 1, 2, None)
    # a QPV counts in its main commune (54547), its action in the commune returned (54395)
    assert one(con, sql, ["commune", "54547", 2023, "QE"]) == (0, 0, 1, 1, 1200)
    assert one(con, sql, ["commune", "54395", 2023, "QE"]) == (1, 25, None, 0, None)
    # 2024: all of 54's actions are in the Grand Nancy; the QPV without action is in Strasbourg
    assert one(con, sql, ["epci", "245400676", 2024, "ALL"]) == (2, 60, 2, 2, 2500)
    assert (
        one(
            con,
            """select qpv_without_action from marts.mart_reach where territory_level = 'epci'
                       and territory_code = '246700488' and campaign_year = 2024 and scheme = 'ALL'""",
        )[0]
        == 1
    )
    # département = sum of its EPCI, France = sum of its régions (the singular tests check all)
    assert (
        one(
            con,
            """select sum(participations) from marts.mart_reach r join marts.dim_territories t
                       using (territory_level, territory_code)
                       where t.parent_level = 'departement' and t.parent_code = '54'
                       and campaign_year = 2024 and scheme = 'ALL'""",
        )[0]
        == 60
    )
    # the completeness of returns stops at the département
    assert (
        one(
            con,
            """select count(*) from marts.mart_returns_completeness
                       where territory_level in ('epci', 'commune')""",
        )[0]
        == 0
    )


def test_funding_and_cooperation_by_epci_and_commune(built):
    con, _ = built
    sql = """select grant_files, amount_granted from marts.mart_funding
             where territory_level = ? and territory_code = ? and campaign_year = 2024 and scheme = 'QE'"""
    # 54: 13 500 € = Grand Nancy (QE-54-001 7 000 + QE-54-002 2 500) + bucket (QE-54-003, no return)
    assert one(con, sql, ["epci", "245400676"]) == (2, 9500.0)
    assert one(con, sql, ["epci", "54_ND"]) == (1, 4000.0)
    assert one(con, sql, ["commune", "54_ND"]) == (1, 4000.0)
    assert one(con, sql, ["commune", "54547"]) == (1, 7000.0)
    assert (
        one(
            con,
            """select sum(amount_granted) from marts.mart_funding_by_funder
                       where territory_level = 'commune' and territory_code = '54395'
                       and campaign_year = 2024 and scheme = 'QE'""",
        )[0]
        == 2500.0
    )
    sql = """select actions, partnership_links, organisations, network_links, network_density
             from marts.mart_cooperation
             where territory_level = ? and territory_code = ? and campaign_year = 2024 and scheme = 'QE'"""
    assert one(con, sql, ["epci", "245400676"]) == (2, 4, 5, 7, pytest.approx(0.7))
    assert one(con, sql, ["commune", "54547"]) == (1, 3, 4, 6, pytest.approx(1.0))
    assert (
        one(
            con,
            """select links from marts.mart_partner_mix where territory_level = 'commune'
                       and territory_code = '54395' and campaign_year = 2024 and scheme = 'QE'
                       and dimension = 'role' and value = 'communication'""",
        )[0]
        == 1
    )


def test_qpv_without_action_rows(built):
    con, _ = built
    sql = """select actions, sessions, participations, has_action from marts.mart_qpv
             where qpv_code = ? and campaign_year = ? and scheme = ?"""
    assert one(con, sql, ["QN06701M", 2024, "ALL"]) == (0, 0, 0, False)  # its return was withdrawn
    assert one(con, sql, ["QN06701M", 2024, "QE"]) == (0, 0, 0, False)
    assert one(con, sql, ["QP054001", 2022, "ALL"]) == (0, 0, 0, False)
    assert one(con, sql, ["QN05402M", 2024, "ALL"]) == (2, 10, 40, True)
    # a code absent from the referential has rows only in the campaigns citing it
    assert con.execute("""select distinct campaign_year from marts.mart_qpv
                          where qpv_code = 'QP054099'""").fetchall() == [(2022,)]
    # per département, the rows without action are mart_reach's qpv_without_action
    assert con.execute("""select department_code, count(*) from marts.mart_qpv
                          where campaign_year = 2024 and scheme = 'ALL' and not has_action
                          group by all""").fetchall() == [("67", 1)]


def test_docs_generate_lists_the_marts(artifacts):
    manifest, catalog = artifacts
    marts = mart_nodes(manifest)
    assert len(marts) >= 16
    for uid, node in marts.items():
        assert uid in catalog["nodes"], f"{node['name']} missing from catalog.json"
        table = catalog["nodes"][uid]
        assert table["metadata"]["schema"] == "marts"
        # every column of the table is documented, and every documented column exists
        assert set(table["columns"]) == set(node["columns"]), node["name"]


LABEL_AND_DEFINITION = re.compile(r"^\s*\S[^—]*? — \S", re.S)


def test_every_mart_column_has_a_french_label_and_a_definition(artifacts):
    manifest, catalog = artifacts
    missing = []
    for uid, node in mart_nodes(manifest).items():
        if not node["description"].strip():
            missing.append(f"{node['name']} (model)")
        for column in catalog["nodes"][uid]["columns"]:
            described = node["columns"].get(column, {}).get("description", "")
            if not LABEL_AND_DEFINITION.match(described):
                missing.append(f"{node['name']}.{column}: {described!r}")
    assert not missing, "columns without 'Libellé — définition':\n" + "\n".join(missing)


def test_campaign_generation_of_dbt_is_the_contracts(dbt_runs):
    """The generation dbt joins QPV on, for every campaign year, is the contract's."""
    generations = dbt_runs[-1]
    assert generations.returncode == 0, generations.stdout[-4000:] + generations.stderr[-2000:]
    shown = json.loads(generations.stdout[generations.stdout.index("{") :])["show"]
    got = {(r["campaign_year"], r["department_code"]): r["generation"] for r in shown}
    expected = {
        (year, dep): campaign_generation(year, dep)
        for year in GENERATION_YEARS
        for dep in GENERATION_DEPARTMENTS
    }
    assert got == expected
    assert got[(2024, "54")] == 2024 and got[(2024, "971")] == 2015  # the rule, once by hand
