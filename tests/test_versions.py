"""Arrivals over time, through the Dagster jobs: a corrected return supersedes the older
version in the marts (history kept), a withdrawn file leaves the indicators with a trace, and
a process killed in the middle of a batch leaves the warehouse as if it had not been read."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import dagster as dg
import duckdb
import pytest

from tests.build_subset import run_build_job
from tests.returns_files import (
    ACTIVITY_HEADERS,
    FUNDING_HEADERS,
    PARTNER_HEADERS,
    action,
    funding,
    partner,
    write_csv,
)


def _arrive(settings, name, headers, rows, age_s):
    path = write_csv(settings.inbox / name, headers, rows)
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def _actions(settings):
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    try:
        return {
            r[0]: r[1:]
            for r in con.sql(
                "SELECT grant_file, participants, versions_received, file_name "
                "FROM marts.fct_actions ORDER BY 1"
            ).fetchall()
        }
    finally:
        con.close()


def _partners(settings):
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    try:
        return sorted(
            con.sql("SELECT action_id, partner_name, role FROM marts.fct_partnerships").fetchall()
        )
    finally:
        con.close()


def _rows(settings, sql):
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


# The marts the assertions read: each run builds them (dbt, their tests included) and the
# snapshot; the other marts and the publications are the session pipeline's to prove.
MARTS = ("fct_actions", "fct_partnerships")


# One season of arrivals in three runs, each an ingestion, the last two then the build of
# MARTS: what only successive runs on a live warehouse show — a later file superseding or
# completing what an earlier run read, a withdrawal after publication. The version and
# partner rules themselves are proven on hand-made rows by tests/test_dbt_models.py.
@pytest.mark.slow
def test_corrections_late_partners_and_a_withdrawal_over_successive_runs(platform):
    from orchestration import cli

    settings, instance = platform, dg.DagsterInstance.ephemeral()

    # Run 1: the actions and the funding export; no partner file yet.
    _arrive(
        settings,
        "bilan_v1.csv",
        ACTIVITY_HEADERS,
        [action(numero_dossier="A"), action(numero_dossier="B")],
        age_s=7200,
    )
    _arrive(
        settings,
        "financements.csv",
        FUNDING_HEADERS,
        [funding(numero_dossier="A"), funding(numero_dossier="B")],
        age_s=7200,
    )
    # Read, not built: every model is a table or a view rebuilt whole from the raw rows (no
    # incremental model), so a build here would show nothing of the runs to come; what it
    # would publish (A and B as first sent) is asserted after the withdrawal and in run 2.
    cli.ingest(settings, instance)

    # Run 2: the porteur corrects action A (30 participants, one more of 6–11 years), and the
    # partner file arrives: its rows join the actions received before; a row for an action
    # received nowhere stays in quarantine with its reason.
    _arrive(
        settings,
        "bilan_v2.csv",
        ACTIVITY_HEADERS,
        [action(numero_dossier="A", nb_participants=30, nb_6_11=15, nb_habitants_qpv=25)],
        age_s=3600,
    )
    _arrive(
        settings,
        "bilan_partenaires.csv",
        PARTNER_HEADERS,
        [
            partner(numero_dossier="A"),
            partner(
                numero_dossier="A",
                partenaire_nom="CAF 54",
                partenaire_categorie="caf",
                role="cofinancement",
            ),
            partner(
                numero_dossier="B",
                partenaire_nom="Conseil citoyen du Haut-du-Lièvre",
                partenaire_categorie="conseil_citoyen",
                role="co_construction",
            ),
            partner(numero_dossier="Z"),
        ],
        age_s=3600,
    )
    cli.ingest(settings, instance)
    run_build_job(instance, marts=MARTS)
    assert _actions(settings) == {"A": (30, 2, "bilan_v2.csv"), "B": (25, 1, "bilan_v1.csv")}
    history = _rows(
        settings,
        "SELECT file_name, participants FROM raw.activity_rows "
        "WHERE grant_file = 'A' ORDER BY file_name",
    )
    assert history == [("bilan_v1.csv", 25), ("bilan_v2.csv", 30)]
    assert _partners(settings) == [
        ("2024|QE|A", "CAF 54", "cofinancement"),
        ("2024|QE|A", "Ville de Nancy", "mise_a_disposition"),
        ("2024|QE|B", "Conseil citoyen du Haut-du-Lièvre", "co_construction"),
    ]
    orphan = _rows(
        settings,
        "SELECT rule, value FROM raw.quarantine WHERE file_name = 'bilan_partenaires.csv'",
    )
    assert orphan == [("action_inconnue", "Z")]

    # Run 3: the correction is withdrawn (A goes back to its first version, the trace
    # stays), and a newer partner list of A replaces the older one (B keeps its list).
    cli._run(
        "retract_job",
        instance,
        run_config={
            "ops": {
                "retract_file": {"config": {"file": "bilan_v2.csv", "reason": "Envoyé par erreur"}}
            }
        },
    )
    _arrive(
        settings,
        "bilan_partenaires_v2.csv",
        PARTNER_HEADERS,
        [partner(numero_dossier="A", role="animation")],
        age_s=60,
    )
    cli.ingest(settings, instance)
    run_build_job(instance, marts=MARTS)
    assert _actions(settings)["A"] == (25, 1, "bilan_v1.csv")  # a withdrawn version is not counted
    trace = _rows(
        settings, "SELECT retraction_reason FROM raw.files WHERE file_name = 'bilan_v2.csv'"
    )
    assert trace == [("Envoyé par erreur",)]
    assert _partners(settings) == [
        ("2024|QE|A", "Ville de Nancy", "animation"),
        ("2024|QE|B", "Conseil citoyen du Haut-du-Lièvre", "co_construction"),
    ]


def test_killed_mid_batch_leaves_no_trace_then_completes(platform):
    settings = platform
    for i in range(3):
        write_csv(
            settings.inbox / f"bilan_{i}.csv",
            ACTIVITY_HEADERS,
            [action(numero_dossier=f"D{i}-{j}") for j in range(50)],
        )
    # A child process writes the batch and is killed (os._exit) after the second insert.
    script = textwrap.dedent(f"""
        import os, duckdb
        import assets.raw_tables as rt
        from returns.inbox import inbox_files, received_at
        from returns.process import process_batch
        paths = inbox_files(__import__("pathlib").Path({str(settings.inbox)!r}))
        results = process_batch(paths)
        con = duckdb.connect({str(settings.warehouse)!r})
        rt.ensure_raw_schema(con)
        calls = []
        real = rt._insert
        def dying(con, table, frame):
            real(con, table, frame)
            calls.append(table)
            if len(calls) == 2:
                os._exit(9)
        rt._insert = dying
        rt.write_batch(con, results, {{r.file_hash: received_at(r.path) for r in results}})
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd(), env=os.environ.copy())
    assert done.returncode == 9
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    counts = con.sql(
        "SELECT (SELECT count(*) FROM raw.activity_rows), (SELECT count(*) FROM raw.files)"
    ).fetchall()[0]
    con.close()
    assert counts == (0, 0)

    from orchestration import cli

    instance = dg.DagsterInstance.ephemeral()
    cli.ingest(settings, instance)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    counts = con.sql(
        "SELECT (SELECT count(*) FROM raw.activity_rows), (SELECT count(*) FROM raw.files)"
    ).fetchall()[0]
    con.close()
    assert counts == (150, 3)
