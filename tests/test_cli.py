"""`quartiers ingest FOLDER --json`: headless ingestion through the same Definitions, one JSON
record per file, for scripts and the benchmark."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.returns_files import ACTIVITY_HEADERS, SIRET_BAD, action, write_csv


# One folder with every case a file can be in, read and built once by the command (what a
# file's record says is unit-tested on the reader; here, that the command reports it).
def test_one_record_per_file_and_stdout_stays_json_with_build(tmp_path, qpv_2024_file):
    folder = tmp_path / "depot"
    folder.mkdir()
    write_csv(folder / "bon.csv", ACTIVITY_HEADERS, [action(), action(numero_dossier="B")])
    shutil.copy(folder / "bon.csv", folder / "bon (copie).csv")
    write_csv(
        folder / "mixte.csv",
        ACTIVITY_HEADERS + ["Téléphone"],
        [
            action(numero_dossier="C", **{"Téléphone": "06 11 22 33 44"}),
            action(numero_dossier="D", porteur_siret=SIRET_BAD),
        ],
    )
    (folder / "casse.xlsx").write_bytes(b"PK\x03\x04 tronque")
    write_csv(folder / "entete.csv", ACTIVITY_HEADERS, [])
    outside = write_csv(
        tmp_path / "ailleurs.csv", ACTIVITY_HEADERS, [action(numero_dossier="HORS-BOITE")]
    )
    (folder / "lien.csv").symlink_to(outside)
    env = _env(tmp_path, qpv_2024_file)

    out = _ingest(folder, env, "--build")
    # Every line of stdout is a JSON record, whatever dbt and the publication print.
    records = {r["file"]: r for r in map(json.loads, out.stdout.splitlines())}
    assert set(records) == {"bon.csv", "bon (copie).csv", "mixte.csv", "casse.xlsx", "entete.csv"}
    assert (records["bon.csv"]["rows_read"], records["bon.csv"]["accepted"]) == (2, 2)
    copy = records["bon (copie).csv"]
    assert (copy["status"], copy["duplicate_of"]) == ("already_received", "bon.csv")
    assert copy["file_hash"] == records["bon.csv"]["file_hash"]
    mixed = records["mixte.csv"]
    assert (mixed["kind"], mixed["accepted"], mixed["quarantined"]) == ("activity", 1, 1)
    assert mixed["reasons_by_rule"] == {"siret_invalide": 1}
    assert mixed["dropped_columns"] == ["Téléphone"]
    assert records["casse.xlsx"]["status"] == "rejected"
    assert records["casse.xlsx"]["kind"] is None and records["casse.xlsx"]["rows_read"] == 0
    assert records["casse.xlsx"]["reasons_by_rule"] == {"fichier_illisible": 1}
    assert records["entete.csv"]["reasons_by_rule"] == {"fichier_sans_ligne": 1}
    assert "lien.csv" in out.stderr  # the data staff are told the link was not read
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True)
    grant_files = {g for (g,) in con.sql("SELECT grant_file FROM raw.activity_rows").fetchall()}
    con.close()
    assert grant_files == {"QE-2024-054-0001", "B", "C"}  # nothing read through the link

    # Nothing new: no job runs at all (the reference files and the code did not change).
    quiet = _ingest(folder, env)
    assert "Référentiels (QPV, populations, listes de codes) : inchangés" in quiet.stderr
    assert "aucun nouveau fichier" in quiet.stderr
    assert {r["status"] for r in map(json.loads, quiet.stdout.splitlines())} == {"already_received"}

    # The same bytes sent again later, under another name: reported, not read again, while a
    # new file is read; stdout stays JSON when the run's detail is shown (--verbose: on stderr).
    shutil.copy(folder / "bon.csv", folder / "bon_renvoi.csv")
    write_csv(folder / "nouveau.csv", ACTIVITY_HEADERS, [action(numero_dossier="E")])
    again = _ingest(folder, env, verbose=True)
    assert "STEP_START" in again.stderr
    again = {r["file"]: r for r in map(json.loads, again.stdout.splitlines())}
    assert again["bon_renvoi.csv"]["status"] == "already_received"
    assert again["bon_renvoi.csv"]["duplicate_of"] == "bon.csv"
    assert again["bon.csv"]["status"] == "already_received"
    assert again["entete.csv"]["duplicate_of"] == "entete.csv"
    assert (again["nouveau.csv"]["status"], again["nouveau.csv"]["accepted"]) == ("accepted", 1)


def _env(tmp_path, qpv_2024_file) -> dict[str, str]:
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "QUARTIERS_DATA_DIR": str(tmp_path / "data"),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "QUARTIERS_QPV_2024_FILE": str(qpv_2024_file),
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
    }
    env.pop("QUARTIERS_WAREHOUSE", None)
    return env


def _ingest(
    folder: Path, env: dict[str, str], *options: str, verbose: bool = False
) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [
            str(Path(sys.executable).parent / "quartiers"),
            *(["--verbose"] if verbose else []),
            "ingest",
            str(folder),
            "--json",
            *options,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def test_quiet_by_default_a_line_per_stage_and_the_detail_in_the_log(tmp_path, qpv_2024_file):
    folder = tmp_path / "depot"
    folder.mkdir()
    write_csv(folder / "bilan.csv", ACTIVITY_HEADERS, [action()])
    write_csv(folder / "second.csv", ACTIVITY_HEADERS, [action(numero_dossier="S")])
    (folder / "casse.xlsx").write_bytes(b"PK\x03\x04 tronque")
    env = _env(tmp_path, qpv_2024_file)
    quiet = subprocess.run(
        [str(Path(sys.executable).parent / "quartiers"), "ingest", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    screen = quiet.stdout + quiet.stderr
    assert "• Lecture et contrôle des fichiers reçus" in screen and "fait (" in screen
    assert "DEBUG" not in screen and "STEP_START" not in screen
    assert "bilan.csv: accepted" in quiet.stdout
    # not a terminal: plain progress lines from the run's events, ending on every file read
    counts = re.findall(r"^  Fichiers lus : (\d+)/(\d+)$", quiet.stderr, re.MULTILINE)
    assert counts and counts[-1] == ("3", "3")
    assert all(total == "3" and 1 <= int(n) <= 3 for n, total in counts)
    assert "\x1b[" not in quiet.stderr  # no terminal control sequences in a log
    log = (tmp_path / "data" / "logs" / "quartiers.log").read_text(encoding="utf-8")
    assert "STEP_START" in log and "===== " in log
    # (--verbose shows the detail instead: the JSON test's second run)


def test_a_failed_stage_shows_the_end_of_its_log(tmp_path, monkeypatch, capfd):
    from orchestration import cli

    monkeypatch.setenv("QUARTIERS_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(cli, "VERBOSE", False)
    try:
        with cli._stage("ingest_job"):
            os.write(1, "ce que le run a écrit avant d'échouer\n".encode())  # as dbt does
            raise SystemExit("Échec du job ingest_job")
    except SystemExit:
        pass
    err = capfd.readouterr().err
    assert "• Lecture et contrôle des fichiers reçus …" in err
    assert "échec — fin du journal" in err and "ce que le run a écrit avant d'échouer" in err
    assert "fait (" not in err
