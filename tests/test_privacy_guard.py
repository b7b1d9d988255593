"""Personal data typed where it should not be (e-mails, phone numbers, lists of names, in
every text field and every rejection path) is stored nowhere: ingestion runs through the
project's jobs, then every VARCHAR column of every table of the warehouse and every
rejection report (XLSX and CSV) are scanned."""

from __future__ import annotations

import csv
import re

import dagster as dg
import duckdb
import openpyxl
import pytest

from tests.returns_files import (
    ACTIVITY_HEADERS,
    FUNDING_HEADERS,
    PARTNER_HEADERS,
    action,
    funding,
    partner,
    write_csv,
    write_xlsx,
)

EMAIL = "kevin.martin@example.org"
PHONES = [
    "06 12 34 56 78",
    "+33 6 12 34 56 78",
    "0612345678",
    "06.12.34.56.78",
    "+33 (0)6 12 34 56 78",
    "07-98-76-54-32",
]
NAMES = "Kévin Martin; Léa Dupont"
# What must not be found, as typed or in part (a number with its spacing dropped, a name).
PLANTED = [
    EMAIL,
    "kevin.martin",
    "example.org",
    *PHONES,
    "612345678",
    "798765432",
    "12 34 56",
    "Kévin",
    "Léa Dupont",
]
LOOKS_PERSONAL = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"
    r"|(?<!\d)((\+|00)\s?33\s?(\(0\)\s?)?|0)[1-9]([\s.\-]?\d{2}){4}(?!\d)"
)


def personal_actions() -> list[dict[str, object]]:
    """One row per way of typing personal data in an activity return; each but the first
    breaks a rule through the planted value (wrong code, count, QPV code, commune...)."""
    return [
        # Accepted row: personal data in the free text, the title and the porteur's name.
        action(
            numero_dossier="OK-1",
            intitule_action=f"Foot, inscriptions {EMAIL}",
            porteur_nom=f"Asso du quartier {PHONES[0]}",
            commentaire=f"Appeler {PHONES[1]} ou {PHONES[2]}, {EMAIL}",
        ),
        action(numero_dossier="R-QPV", codes_qpv=NAMES),  # names typed as QPV codes
        action(numero_dossier="R-QPV2", codes_qpv=f"QN05401M;{PHONES[3]}"),
        action(numero_dossier="R-COM", code_commune=EMAIL),  # e-mail as a commune code
        action(numero_dossier="R-NB", nb_participants=PHONES[2]),  # phone as a count
        action(numero_dossier="R-SEANCES", nb_seances=PHONES[0]),
        action(numero_dossier="R-CODE", dispositif=EMAIL, thematique=PHONES[1]),
        action(numero_dossier="R-CAT", porteur_categorie=f"asso {PHONES[5]}"),
        action(numero_dossier="R-DATE", date_debut=PHONES[2], date_fin=NAMES),
        action(numero_dossier="R-COUT", cout_total_realise=PHONES[4]),
        action(numero_dossier="R-SIRET", porteur_siret=PHONES[0]),
        action(numero_dossier=f"R-{PHONES[3]}", annee=PHONES[2]),  # in the key and the year
        action(numero_dossier="R-DUP", porteur_nom=EMAIL),
        action(numero_dossier="R-DUP", porteur_nom=EMAIL),  # duplicate key
        action(numero_dossier="R-TITRE", intitule_action=PHONES[4], porteur_nom=""),
    ]


def plant_files(inbox):
    extra = f"Contact {EMAIL}"  # a column outside the contract named with an e-mail
    write_csv(
        inbox / f"bilan {PHONES[2]}.csv",
        ACTIVITY_HEADERS + [extra],
        [r | {extra: "voir fiche"} for r in personal_actions()],
    )
    write_xlsx(
        inbox / f"bilan_{EMAIL}.xlsx",
        {
            f"Tél {PHONES[2]}": (ACTIVITY_HEADERS, personal_actions()),
            "partenaires": (
                PARTNER_HEADERS,
                [
                    partner(numero_dossier="OK-1", partenaire_nom=f"Mme Durand {PHONES[0]}"),
                    partner(
                        numero_dossier="OK-1",
                        partenaire_nom=f"Collectif {EMAIL}",
                        role=EMAIL,
                        partenaire_categorie=PHONES[1],
                    ),
                    partner(
                        numero_dossier="OK-1", partenaire_nom="Ville", partenaire_siret=PHONES[2]
                    ),
                    partner(numero_dossier=f"ORPHELIN {PHONES[3]}"),  # unknown action
                ],
            ),
        },
    )
    write_csv(
        inbox / "financements.csv",
        FUNDING_HEADERS,
        [
            funding(
                numero_dossier="OK-1",
                lib_action=f"Foot {EMAIL}",
                raison_sociale=f"Asso {PHONES[1]}",
            ),
            funding(
                numero_dossier="F-2",
                code_tiers=EMAIL,
                insee_dep=PHONES[0],
                montant_accorde=PHONES[2],
                financeur=PHONES[4],
            ),
        ],
    )
    (inbox / f"coupe {PHONES[0]}.xlsx").write_bytes(b"PK\x03\x04 tronque")  # refused whole


def leaks(text: str | None) -> list[str]:
    if not text:
        return []
    found = [p for p in PLANTED if p in text]
    match = LOOKS_PERSONAL.search(text)
    return found + ([match.group(0)] if match else [])


def test_personal_data_is_stored_nowhere_and_echoed_in_no_report(platform):
    from orchestration import cli

    settings = platform
    plant_files(settings.inbox)
    cli.ingest(settings, dg.DagsterInstance.ephemeral())

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    columns = con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        # a content hash is hex digits of the file's bytes (it may hold a phone-like run)
        "WHERE data_type = 'VARCHAR' AND column_name NOT LIKE '%hash' ORDER BY ALL"
    ).fetchall()
    found, scanned = [], 0
    for schema, table, column in columns:
        for (value,) in con.execute(
            f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}"'
        ).fetchall():
            scanned += 1
            found += [(schema, table, column, value, hit) for hit in leaks(value)]
    # The planted rows did arrive: rejected for their rules, the clean fields kept.
    rules = {r for (r,) in con.execute("SELECT DISTINCT rule FROM raw.quarantine").fetchall()}
    accepted = con.execute("SELECT count(*) FROM raw.activity_rows").fetchall()[0][0]
    files = con.execute("SELECT count(*) FROM raw.files").fetchall()[0][0]
    con.close()
    assert found == [], found
    assert files == 4 and accepted == 2 and scanned > 100
    assert {
        "code_qpv_invalide",
        "commune_invalide",
        "entier_invalide",
        "code_inconnu",
        "date_invalide",
        "montant_invalide",
        "siret_invalide",
        "dossier_en_double",
        "action_inconnue",
        "annee_invalide",
        "departement_invalide",
        "fichier_illisible",
    } <= rules

    reports = sorted(settings.reports.iterdir())
    assert len(reports) == 8  # XLSX and CSV for each of the four files
    for path in reports:
        assert leaks(path.name) == [], path.name
        if path.suffix == ".csv":
            with path.open(encoding="utf-8-sig") as fh:
                cells = [c for row in csv.reader(fh, delimiter=";") for c in row]
        else:
            wb = openpyxl.load_workbook(path, read_only=True)
            cells = [
                str(c)
                for ws in wb.worksheets
                for row in ws.iter_rows(values_only=True)
                for c in row
                if c is not None
            ]
            wb.close()
        assert cells
        assert [(c, leaks(c)) for c in cells if leaks(c)] == [], path.name


def _file_cells(path) -> list[str]:
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        cells = [
            str(c)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for c in row
            if c is not None
        ]
        wb.close()
        return cells
    if path.suffix in (".html", ".csv", ".json", ".txt", ".md"):
        return [path.read_text(encoding="utf-8-sig", errors="replace")]
    return []


# End to end, because the publications (snapshot, pages, exports, Parquet, relances) are
# where data the reader let through would show; the reader's rules are tested above.
@pytest.mark.slow
def test_personal_data_is_published_nowhere(small_build, monkeypatch):
    """The same planted files, built and published by the command (the session's small build,
    tests/small_build.py, beside the CLI's cases): every VARCHAR of the snapshot, every page,
    export and Parquet file of the publication, and the relances carry none of it (the
    analysts' documentation holds descriptions and column types, no value of the data)."""
    from platform_config.settings import load_settings

    assert small_build.planted_files
    monkeypatch.setenv("QUARTIERS_DATA_DIR", str(small_build.data))
    settings = load_settings()

    con = duckdb.connect(str(settings.snapshot), read_only=True)
    columns = con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        # a content hash is hex digits of the file's bytes (it may hold a phone-like run)
        "WHERE data_type = 'VARCHAR' AND column_name NOT LIKE '%hash' ORDER BY ALL"
    ).fetchall()
    found = [
        (s, t, c, v)
        for s, t, c in columns
        for (v,) in con.execute(f'SELECT DISTINCT "{c}" FROM "{s}"."{t}"').fetchall()
        if leaks(v)
    ]
    porteurs = con.execute(
        "SELECT porteur_name FROM marts.fct_actions WHERE grant_file = 'OK-1'"
    ).fetchall()
    con.close()
    assert found == [], found
    assert porteurs  # the accepted action is published, its porteur's name masked
    published = [
        p
        for root in (settings.site, settings.snapshot.parent / "parquet", settings.reminders)
        for p in root.rglob("*")
        if p.is_file() and ".build" not in p.parts
    ]  # the builder's digests: hex, no values
    pages = [p for p in published if p.suffix == ".html"]
    assert pages and any(p.suffix == ".csv" for p in published)
    for path in published:
        if path.suffix == ".parquet":
            import polars as pl

            frame = pl.read_parquet(path)
            cells = [
                str(v)
                for c in frame.columns
                if frame.schema[c] == pl.String and not c.endswith("hash")
                for v in frame[c].drop_nulls()
            ]
        else:
            cells = _file_cells(path)
        hits = [h for c in cells for h in leaks(c)]
        assert hits == [], (path.name, hits)
