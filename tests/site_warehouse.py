"""A small warehouse built the way the platform builds it, for the site's tests: hand-made
facts (a dozen actions in two régions, three départements, two campaigns, with small counts
on purpose) written as the files porteurs and the grants system send, read by the platform's
reader, then `dbt build`. The marts the site reads are dbt's own, not a re-implementation.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from assets.raw_tables import ensure_raw_schema, write_batch
from assets.reference import replace_raw_table
from demodata.referential import ANCT_COLUMNS
from demodata.siret import luhn_complete
from returns.inbox import received_at
from returns.process import process_batch
from returns.referentials import (
    code_lists,
    qpv_generations,
    read_population,
    read_qpv_referential,
)
from returns.validate import Referential
from survey.tables import option_table, question_table
from tests.returns_files import ACTIVITY_HEADERS, FUNDING_HEADERS, PARTNER_HEADERS, write_csv

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
# When the files arrived: the date of the data the pages show ("Données au 15/09/2024").
RECEIVED = {2023: datetime(2023, 10, 2, 10), 2024: datetime(2024, 9, 15, 10)}
MISSING_RETURN_PORTEUR = '=HYPERLINK("http://exemple.invalid")'  # formula-like, on purpose

TERRITORIES = [
    ("france", "FR", "France", None, None, None, None),
    ("region", "44", "Grand Est", "france", "FR", "44", None),
    ("region", "76", "Occitanie", "france", "FR", "76", None),
    ("departement", "54", "Meurthe-et-Moselle", "region", "44", "44", "54"),
    ("departement", "57", "Moselle", "region", "44", "44", "57"),
    ("departement", "31", "Haute-Garonne", "region", "76", "76", "31"),
]
# qpv_code, generation, name, commune, dept, region, young_population (2024 list of 54 only)
QPV = [
    ("QN05401M", 2024, "Haut-du-Lièvre", "54395", "54", "44", 400),
    ("QN05402M", 2024, "Plateau de Haye", "54395", "54", "44", 250),
    ("QN05403M", 2024, "Les Provinces", "54323", "54", "44", 300),  # no action in 2024
    ("QN05701M", 2024, "Borny", "57463", "57", "44", None),
    ("QN05702M", 2024, "Bellecroix", "57463", "57", "44", None),
    ("QN03101M", 2024, "Mirail", "31555", "31", "76", None),
    ("QP054001", 2015, "Haut-du-Lièvre", "54395", "54", "44", None),
    ("QP057001", 2015, "Borny", "57463", "57", "44", None),
    ("QP031001", 2015, "Mirail", "31555", "31", "76", None),
]
# id, year, scheme, dept, region, qpv, porteur (id, name, category), sessions,
# ages (0_5, 6_11, 12_17, 18_25, 26_59, 60_plus), girls, boys, qpv_residents, cost, partners
ACTIONS = [
    (
        "a1",
        2024,
        "QE",
        "54",
        "44",
        "QN05401M",
        ("P1", "MJC Lillebonne", "association"),
        20,
        (2, 30, 25, 10, 3, 0),
        30,
        38,
        60,
        12000.0,
        3,
    ),
    (
        "a2",
        2024,
        "QE",
        "54",
        "44",
        "QN05402M",
        ("P2", "Ville de Nancy", "commune"),
        10,
        (0, 12, 15, 5, 0, 0),
        14,
        18,
        30,
        6000.0,
        1,
    ),
    (
        "a3",
        2024,
        "VVV",
        "54",
        "44",
        "QN05401M",
        ("P1", "MJC Lillebonne", "association"),
        5,
        (0, 0, 6, 2, 0, 0),
        3,
        5,
        8,
        2500.0,
        2,
    ),
    (
        "a4",
        2024,
        "QE",
        "57",
        "44",
        "QN05701M",
        ("P3", "Centre social Borny", "centre_social"),
        30,
        (5, 40, 35, 12, 8, 1),
        None,
        None,
        90,
        20000.0,
        4,
    ),
    (
        "a5",
        2024,
        "VVV",
        "57",
        "44",
        "QN05702M",
        ("P4", "=Assoc Bellecroix", "association"),
        12,
        (0, 9, 20, 14, 0, 0),
        20,
        23,
        40,
        7000.0,
        0,
    ),
    (
        "a6",
        2024,
        "QE",
        "31",
        "76",
        "QN03101M",
        ("P5", "Mirail Sport", "association"),
        25,
        (1, 25, 22, 6, 4, 0),
        29,
        27,
        50,
        9000.0,
        2,
    ),
    (
        "b1",
        2023,
        "QE",
        "54",
        "44",
        "QP054001",
        ("P1", "MJC Lillebonne", "association"),
        18,
        (3, 28, 20, 9, 2, 0),
        30,
        32,
        55,
        11000.0,
        2,
    ),
    (
        "b2",
        2023,
        "VVV",
        "54",
        "44",
        "QP054001",
        ("P2", "Ville de Nancy", "commune"),
        8,
        (0, 15, 18, 4, 0, 0),
        17,
        20,
        35,
        4000.0,
        1,
    ),
    (
        "b3",
        2023,
        "QE",
        "57",
        "44",
        "QP057001",
        ("P3", "Centre social Borny", "centre_social"),
        28,
        (0, 35, 30, 10, 5, 0),
        40,
        40,
        75,
        18000.0,
        3,
    ),
    (
        "b4",
        2023,
        "QE",
        "31",
        "76",
        "QP031001",
        ("P5", "Mirail Sport", "association"),
        6,
        (0, 7, 3, 0, 0, 0),
        6,
        4,
        10,
        1500.0,
        1,
    ),
    (
        "b5",
        2023,
        "VA",
        "31",
        "76",
        "QP031001",
        ("P6", "Savoirs en fête", "association"),
        15,
        (0, 20, 15, 5, 0, 0),
        18,
        22,
        38,
        5000.0,
        1,
    ),
]
# action, partner id, name, category, role
PARTNERS = [
    ("a1", "O1", "CAF de Meurthe-et-Moselle", "caf", "cofinancement"),
    ("a1", "O2", "Conseil citoyen du Haut-du-Lièvre", "conseil_citoyen", "co_construction"),
    ("a1", "P2", "Ville de Nancy", "commune", "mise_a_disposition"),
    ("a2", "O1", "CAF de Meurthe-et-Moselle", "caf", "cofinancement"),
    ("a3", "O3", "@Collège Claude Le Lorrain", "etablissement_scolaire", "orientation_publics"),
    ("a3", "O2", "Conseil citoyen du Haut-du-Lièvre", "conseil_citoyen", "animation"),
    ("a4", "O4", "Metz Habitat Territoire", "bailleur_social", "mise_a_disposition"),
    ("a4", "O5", "Ville de Metz", "commune", "cofinancement"),
    ("a4", "O6", "CAF de la Moselle", "caf", "cofinancement"),
    ("a4", "O7", "Collectif des habitants de Borny", "collectif_habitants", "co_construction"),
    ("a6", "O8", "Toulouse Métropole", "epci", "cofinancement"),
    ("a6", "O9", "CAF de la Haute-Garonne", "caf", "cofinancement"),
    ("b1", "O1", "CAF de Meurthe-et-Moselle", "caf", "cofinancement"),
    ("b1", "P2", "Ville de Nancy", "commune", "mise_a_disposition"),
    ("b2", "O1", "CAF de Meurthe-et-Moselle", "caf", "cofinancement"),
    ("b3", "O4", "Metz Habitat Territoire", "bailleur_social", "mise_a_disposition"),
    ("b3", "O5", "Ville de Metz", "commune", "cofinancement"),
    ("b3", "O6", "CAF de la Moselle", "caf", "cofinancement"),
    ("b4", "O9", "CAF de la Haute-Garonne", "caf", "cofinancement"),
    ("b5", "O8", "Toulouse Métropole", "epci", "animation"),
]
# year, scheme, grant file, funder, requested, granted, dept (x-prefixed files have no return)
FUNDING = [
    (2024, "QE", "a1", "etat_politique_ville", 8000.0, 7000.0, "54"),
    (2024, "QE", "a1", "caf", 3000.0, 3000.0, "54"),
    (2024, "QE", "a2", "etat_politique_ville", 5000.0, 4500.0, "54"),
    (2024, "VVV", "a3", "etat_politique_ville", 2500.0, 2000.0, "54"),
    (2024, "QE", "a4", "etat_politique_ville", 15000.0, 12000.0, "57"),
    (2024, "QE", "a4", "commune", 5000.0, 5000.0, "57"),
    (2024, "VVV", "a5", "etat_politique_ville", 6000.0, 6000.0, "57"),
    (2024, "QE", "a6", "etat_politique_ville", 7000.0, 6500.0, "31"),
    (2024, "QE", "x1", "etat_politique_ville", 5000.0, 5000.0, "54"),
    (2023, "QE", "b1", "etat_politique_ville", 9000.0, 9000.0, "54"),
    (2023, "VVV", "b2", "etat_politique_ville", 4000.0, 3500.0, "54"),
    (2023, "QE", "b3", "etat_politique_ville", 14000.0, 14000.0, "57"),
    (2023, "QE", "b3", "region", 4000.0, 3000.0, "57"),
    (2023, "QE", "b4", "etat_politique_ville", 1500.0, 1500.0, "31"),
    (2023, "VA", "b5", "etat_politique_ville", 5000.0, 4000.0, "31"),
]

COMMUNES = {"54395": "Nancy", "54323": "Laxou", "57463": "Metz", "31555": "Toulouse"}


def siret(org_id: str) -> str:
    """A valid, fictitious SIRET per organisation of the facts (P… porteurs, O… partners)."""
    digits = f"{ord(org_id[0]):03d}{int(org_id[1:]):05d}"
    siren = luhn_complete(digits)
    return luhn_complete(siren + "0001")


def _french(amount: float) -> str:
    return f"{amount:.2f}".replace(".", ",")


def write_referentials(folder: Path) -> tuple[Path, Path, Path]:
    """The QPV lists of both generations (ANCT layout) and the young population file."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {t[1]: t[2] for t in TERRITORIES}
    paths = []
    for generation in (2024, 2015):
        path = folder / f"qpv_{generation}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(ANCT_COLUMNS)
            for code, gen, name, commune, dep, reg, _ in QPV:
                if gen == generation:
                    w.writerow(
                        [code, name, commune, COMMUNES[commune], dep, names[dep], reg, names[reg]]
                        + ["", ""]
                    )
        paths.append(path)
    population = folder / "population.csv"
    with population.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code_qp", "population", "population_6_25"])
        for code, *_, young in QPV:
            if young is not None:
                w.writerow([code, young * 3, young])
    return paths[0], paths[1], population


def write_inbox(inbox: Path) -> list[Path]:
    """Per campaign: the actions, their partners, and the grants system's export."""
    inbox.mkdir(parents=True, exist_ok=True)
    by_id = {a[0]: a for a in ACTIONS}
    files = []
    for year in sorted(RECEIVED):
        actions = []
        for a in ACTIONS:
            aid, y, scheme, dept, _, qpv, (pid, pname, pcat), sessions, ages = a[:9]
            girls, boys, residents, cost, _ = a[9:]
            if y != year:
                continue
            commune = next(q[3] for q in QPV if q[0] == qpv)
            actions.append(
                dict(
                    zip(
                        ACTIVITY_HEADERS,
                        [y, scheme, aid, f"Action {aid}", siret(pid), pname, pcat, "sport"]
                        + [f"01/07/{y}", f"31/08/{y}", qpv, commune, sessions, sum(ages)]
                        + [residents, girls, boys, *ages, _french(cost), ""],
                        strict=True,
                    )
                )
            )
        partners = [
            {
                "annee": year,
                "dispositif": by_id[aid][2],
                "numero_dossier": aid,
                "partenaire_nom": name,
                "partenaire_siret": siret(oid),
                "partenaire_categorie": category,
                "role": role,
            }
            for aid, oid, name, category, role in PARTNERS
            if by_id[aid][1] == year
        ]
        funding = []
        for y, scheme, grant_file, funder, requested, granted, dept in FUNDING:
            if y != year:
                continue
            action = by_id.get(grant_file)
            porteur = action[6] if action else ("P9", MISSING_RETURN_PORTEUR, "association")
            funding.append(
                {
                    "annee": y,
                    "dispositif": scheme,
                    "numero_dossier": grant_file,
                    "lib_action": f"Action {grant_file}",
                    "raison_sociale": porteur[1],
                    "code_tiers": siret(porteur[0]),
                    "financeur": funder,
                    "montant_demande": _french(requested),
                    "montant_accorde": _french(granted),
                    "insee_dep": dept,
                }
            )
        written = [
            write_csv(inbox / f"bilan_{year}_actions.csv", ACTIVITY_HEADERS, actions),
            write_csv(inbox / f"bilan_{year}_partenaires.csv", PARTNER_HEADERS, partners),
            write_csv(
                inbox / f"financements_{year}.csv",
                FUNDING_HEADERS,
                funding,
                encoding="utf-8",
            ),
        ]
        stamp = RECEIVED[year].timestamp()
        for path in written:
            os.utime(path, (stamp, stamp))
        files += written
    return files


def run_dbt(args: list[str], warehouse: Path, tmp: Path) -> subprocess.CompletedProcess:
    """dbt on `warehouse`, its target and logs under `tmp` (nothing left in the repository)."""
    env = {
        **os.environ,
        "QUARTIERS_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [
            str(DBT),
            *args,
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
        ],
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def build_warehouse(folder: Path) -> Path:
    """Referentials and inbox under `folder`, read into `folder/warehouse.duckdb`, then
    `dbt build` (its data tests included). Every file must be read without a refused row."""
    qpv_2024, qpv_2015, population = write_referentials(folder / "reference")
    files = write_inbox(folder / "inbox")
    referential = pl.concat(
        [read_qpv_referential(p, is_official=False) for p in (qpv_2024, qpv_2015)]
    )
    results = process_batch(
        files,
        referential=Referential(
            referential.select("generation", "qpv_code", "commune_code")
            .unique()
            .cast({"generation": pl.Int32})
        ),
    )
    refused = {r.name: r.summary()["reasons_by_rule"] for r in results if r.rows_quarantined}
    assert not refused and all(r.refused is None for r in results), refused
    warehouse = folder / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        ensure_raw_schema(con)
        write_batch(
            con,
            results,
            {r.file_hash: received_at(r.path) for r in results},
            ingested_at=RECEIVED[2024],
        )
        replace_raw_table(con, "qpv_referential", referential)
        replace_raw_table(con, "qpv_population", read_population(population, is_official=False))
        replace_raw_table(con, "code_lists", code_lists())
        replace_raw_table(con, "qpv_generations", qpv_generations())
        replace_raw_table(con, "survey_questions", question_table())
        replace_raw_table(con, "survey_options", option_table())
    finally:
        con.close()
    # The data tests check these facts; the YAML unit tests check the SQL against their own
    # rows, whatever the warehouse holds: they run once, in tests/test_dbt_models.py.
    build = run_dbt(["build", "--exclude-resource-type", "unit_test"], warehouse, folder / "dbt")
    assert build.returncode == 0, build.stdout[-6000:] + build.stderr[-2000:]
    return warehouse
