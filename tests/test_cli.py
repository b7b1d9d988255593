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
import pytest

from tests.returns_files import ACTIVITY_HEADERS, action, write_csv
from tests.small_build import cli_env
from tests.small_build import ingest as _ingest


# One folder with every case a file can be in, read and built once by the command (what a
# file's record says is unit-tested on the reader; here, that the command reports it). The
# build is the session's (tests/small_build.py): the privacy test reads what it published.
# This test then sends more files to the same folder: ingestion only, the publication stays.
def test_one_record_per_file_and_stdout_stays_json_with_build(small_build):
    folder, env, out = small_build.folder, small_build.env, small_build.out
    planted = set(small_build.planted_files)
    # Every line of stdout is a JSON record, whatever dbt and the publication print.
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    records = {r["file"]: r for r in lines}
    # one record per file: the CLI's cases by name, the planted returns beside them (their
    # names masked: they hold personal data)
    assert {"bon.csv", "bon (copie).csv", "mixte.csv", "casse.xlsx", "entete.csv"} <= set(records)
    assert len(lines) == 5 + len(planted)
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
    con = duckdb.connect(str(small_build.data / "warehouse.duckdb"), read_only=True)
    rows = con.sql("SELECT file_name, grant_file FROM raw.activity_rows").fetchall()
    con.close()
    assert "HORS-BOITE" not in {g for _, g in rows}  # nothing read through the link
    ours = {g for f, g in rows if f in ("bon.csv", "mixte.csv")}
    assert ours == {"QE-2024-054-0001", "B", "C"}

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


def test_quiet_by_default_a_line_per_stage_and_the_detail_in_the_log(tmp_path, qpv_2024_file):
    folder = tmp_path / "depot"
    folder.mkdir()
    write_csv(folder / "bilan.csv", ACTIVITY_HEADERS, [action()])
    write_csv(folder / "second.csv", ACTIVITY_HEADERS, [action(numero_dossier="S")])
    (folder / "casse.xlsx").write_bytes(b"PK\x03\x04 tronque")
    env = cli_env(tmp_path, qpv_2024_file)
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


def test_dbt_is_started_ahead_only_when_a_build_is_expected(monkeypatch, tmp_path):
    """New files to read, a withdrawal or --force: the dbt process starts while the files
    are read. Nothing new: none is started (the run ends after its checks)."""
    import contextlib

    from orchestration import cli
    from platform_config.settings import load_settings

    started = []

    @contextlib.contextmanager
    def warm(ahead):
        started.append(ahead)
        yield

    settings = load_settings({"QUARTIERS_DATA_DIR": str(tmp_path)})
    monkeypatch.setattr(cli, "warm_dbt", warm)
    monkeypatch.setattr(cli, "instance_for", lambda settings: None)
    monkeypatch.setattr(cli, "retract", lambda *args: None)
    monkeypatch.setattr(cli, "_inputs", lambda settings, instance: ("same", None))
    monkeypatch.setattr(cli, "last_build_current", lambda settings, fingerprint: None)
    monkeypatch.setattr(cli, "run_build", lambda settings, instance, inputs: None)
    monkeypatch.setattr(cli, "summary", lambda settings: "")
    for new_files, withdraw, force, expected in [
        (False, None, False, 0),
        (True, None, False, 1),
        (False, {"a.csv": "envoyé par erreur"}, False, 1),
        (False, None, True, 1),
        (True, None, True, 1),  # once per command
    ]:
        started.clear()

        def ingest(settings, instance, on_new_files=None, new=new_files):
            if new:
                on_new_files()
                on_new_files()  # called again: still one process
            return []

        monkeypatch.setattr(cli, "ingest", ingest)
        cli.run_all(settings, withdraw=withdraw, force=force)
        assert len(started) == expected, (new_files, withdraw, force)
    assert started[0].warehouse == settings.warehouse


def test_the_executable_imports_the_command_only_when_it_runs():
    """Spawned helpers import the executable's module again before their task: it must not
    bring Dagster, the dashboards or the data libraries with it."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    scripts = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["quartiers"].partition(":")
    probe = (
        f"import sys, {module}; "
        f"assert callable({module}.{function}); "
        "print(sorted(m for m in ('dagster', 'dagster_dbt', 'polars', 'duckdb', 'plotly', "
        "'orchestration.cli', 'dashboards') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_dbt_starts_before_the_reference_is_loaded(monkeypatch, tmp_path):
    """New files and a reference to load (a first run): the dbt process is started before
    the reference job, so that its import and parse overlap the definitions' load."""
    from orchestration import cli, early_dbt
    from platform_config.settings import load_settings

    settings = load_settings({"QUARTIERS_DATA_DIR": str(tmp_path)})
    settings.inbox.mkdir(parents=True, exist_ok=True)
    (settings.inbox / "bilan.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    order = []

    class Instance:
        partitions: list[str] = []

        def get_dynamic_partitions(self, name):
            return list(self.partitions)

        def add_dynamic_partitions(self, name, keys):
            self.partitions += keys

    monkeypatch.setattr(cli, "reference_fingerprint", lambda settings: "inputs")
    monkeypatch.setattr(cli, "record_reference", lambda *args: order.append("recorded"))
    monkeypatch.setattr(cli, "_run", lambda job, instance, tags=None: order.append(job))
    keys = cli.ingest(settings, Instance(), on_new_files=lambda: order.append("dbt"))
    assert len(keys) == 1
    assert order == ["dbt", "reference_job", "recorded", "ingest_job"]
    # read: the next command does not start dbt first
    assert not early_dbt.inbox_changed(settings)
    # nothing new: no dbt process, the reference still checked
    order.clear()
    monkeypatch.setattr(cli, "registered_files", lambda con: dict.fromkeys(keys, "bilan.csv"))
    cli.ingest(settings, Instance(), on_new_files=lambda: order.append("dbt"))
    assert order == ["reference_job", "recorded"]


def test_a_changed_inbox_starts_dbt_before_the_command_imports_dagster(monkeypatch, tmp_path):
    """`quartiers run` lists the inbox first: changed since its last complete reading (a file
    added, rewritten, or only touched), the dbt process starts at once and the build's
    request gets that one; as last read, or empty, none starts. `demo` and `--force` always
    build. A reading that failed leaves the inbox "changed"."""
    from orchestration import cli, early_dbt
    from platform_config import warm_dbt
    from platform_config.settings import load_settings

    made = []

    class Started:  # a WarmProcess without its process
        def __init__(self, **kwargs):
            self.socket, self.closed = tmp_path / "socket", 0
            made.append(self)

        def close(self):
            self.closed += 1

    monkeypatch.setattr(warm_dbt, "WarmProcess", Started)
    monkeypatch.setenv("QUARTIERS_DATA_DIR", str(tmp_path))
    settings = load_settings()

    def first(*argv: str) -> bool:
        made.clear()
        with early_dbt.early_dbt(argv):
            return bool(made)

    assert not first("run")  # no inbox
    settings.inbox.mkdir(parents=True)
    bilan = settings.inbox / "bilan.csv"
    bilan.write_text("a;b\n1;2\n", encoding="utf-8")
    assert first("run") and not first("summary")
    made.clear()
    with early_dbt.early_dbt(["run"]):
        with warm_dbt.warm_dbt(early_dbt.dbt_ahead(load_settings())) as warm:
            assert warm is made[0]  # the build's request: the process started first
        assert made[0].closed == 0  # still the command's, stopped at its end
    assert len(made) == 1 and made[0].closed == 1
    early_dbt.record_listing(settings, early_dbt.inbox_listing(settings.inbox))
    assert not first("run")
    assert first("run", "--force") and first("demo")
    os.utime(bilan, ns=(1, 1))
    assert first("run")
    early_dbt.record_listing(settings, early_dbt.inbox_listing(settings.inbox))
    (settings.inbox / "2025").mkdir()
    (settings.inbox / "2025" / "bilan.csv").write_text("a;b\n3;4\n", encoding="utf-8")
    assert first("run")

    def failed(job, instance, tags=None):
        raise SystemExit("échec")

    class Instance:
        partitions: list[str] = []

        def get_dynamic_partitions(self, name):
            return self.partitions

        def add_dynamic_partitions(self, name, keys):
            self.partitions += keys

    monkeypatch.setattr(cli, "_run", failed)
    monkeypatch.setattr(cli, "reference_current", lambda settings, con: True)
    with pytest.raises(SystemExit):
        cli.ingest(settings, Instance())
    assert early_dbt.inbox_changed(settings)
