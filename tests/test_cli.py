"""`quartiers ingest FOLDER --json`: headless ingestion through the same Definitions, one JSON
record per file, for scripts and the benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.returns_files import ACTIVITY_HEADERS, SIRET_BAD, action, write_csv


def test_ingest_folder_prints_one_record_per_file(tmp_path, shared_reference):
    folder = tmp_path / "depot"
    folder.mkdir()
    write_csv(folder / "bon.csv", ACTIVITY_HEADERS, [action(), action(numero_dossier="B")])
    write_csv(folder / "mixte.csv", ACTIVITY_HEADERS + ["Téléphone"],
              [action(numero_dossier="C", **{"Téléphone": "06 11 22 33 44"}),
               action(numero_dossier="D", porteur_siret=SIRET_BAD)])
    (folder / "casse.xlsx").write_bytes(b"PK\x03\x04 tronque")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "QUARTIERS_DATA_DIR": str(tmp_path / "data"),
           "DAGSTER_HOME": str(tmp_path / "dagster"),
           "QUARTIERS_QPV_2024_FILE": str(shared_reference / "qpv" / "qpv2024.csv"),
           "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    env.pop("QUARTIERS_WAREHOUSE", None)
    out = subprocess.run([str(bin_dir / "quartiers"), "ingest", str(folder), "--json"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    records = {r["file"]: r for r in map(json.loads, out.stdout.strip().splitlines())}
    assert set(records) == {"bon.csv", "mixte.csv", "casse.xlsx"}
    assert (records["bon.csv"]["rows_read"], records["bon.csv"]["accepted"]) == (2, 2)
    mixed = records["mixte.csv"]
    assert (mixed["kind"], mixed["accepted"], mixed["quarantined"]) == ("activity", 1, 1)
    assert mixed["reasons_by_rule"] == {"siret_invalide": 1}
    assert mixed["dropped_columns"] == ["Téléphone"]
    assert records["casse.xlsx"]["status"] == "rejected"
    assert records["casse.xlsx"]["kind"] is None and records["casse.xlsx"]["rows_read"] == 0
    assert records["casse.xlsx"]["reasons_by_rule"] == {"fichier_illisible": 1}
