"""One small platform built by the command, shared by the tests that read a command's build:
`quartiers ingest FOLDER --json --build` on a folder holding every case a file can be in
(tests/test_cli.py) and the returns typed with personal data (tests/test_privacy_guard.py).
The CLI's test reads its JSON records; the privacy test, everything it published. One build
instead of two: the cases do not meet (other files, other grant files)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.returns_files import ACTIVITY_HEADERS, SIRET_BAD, action, write_csv

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class SmallBuild:
    root: Path
    folder: Path  # the inbox the command read
    data: Path  # QUARTIERS_DATA_DIR: warehouse, reports, publication
    env: dict[str, str]
    out: subprocess.CompletedProcess
    planted_files: frozenset[str]  # the privacy test's, beside the CLI's cases


def cli_env(root: Path, qpv_2024_file: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "QUARTIERS_DATA_DIR": str(root / "data"),
        "DAGSTER_HOME": str(root / "dagster"),
        "QUARTIERS_QPV_2024_FILE": str(qpv_2024_file),
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }
    env.pop("QUARTIERS_WAREHOUSE", None)
    return env


def ingest(
    folder: Path, env: dict[str, str], *options: str, verbose: bool = False
) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [
            str(BIN / "quartiers"),
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


def write_cli_cases(root: Path, folder: Path) -> None:
    """Accepted, resent under another name, mixed (a column dropped, a row refused), broken,
    header only, and a link to a file outside the folder."""
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
        root / "ailleurs.csv", ACTIVITY_HEADERS, [action(numero_dossier="HORS-BOITE")]
    )
    (folder / "lien.csv").symlink_to(outside)


def build(root: Path, qpv_2024_file: Path) -> SmallBuild:
    from tests.test_privacy_guard import plant_files

    folder = root / "depot"
    folder.mkdir(parents=True)
    write_cli_cases(root, folder)
    cli_files = {p.name for p in folder.iterdir()}
    plant_files(folder)
    planted = {p.name for p in folder.iterdir()} - cli_files
    env = cli_env(root, qpv_2024_file)
    out = ingest(folder, env, "--build")
    return SmallBuild(root, folder, root / "data", env, out, frozenset(planted))
