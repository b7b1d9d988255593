"""Through the ingestion job: a poison file is refused alone and recorded, the others land,
and the next run does not read it again."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from returns import process as process_module
from tests.returns_files import ACTIVITY_HEADERS, action, write_csv


def _files(settings):
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        files = {
            r[0]: r[1:]
            for r in con.sql("SELECT file_name, status, ingested_at FROM raw.files").fetchall()
        }
        rules = dict(con.sql("SELECT file_name, rule FROM raw.quarantine").fetchall())
        reasons = [r for (r,) in con.sql("SELECT reason FROM raw.quarantine").fetchall()]
        actions = con.sql("SELECT count(*) FROM raw.activity_rows").fetchall()[0][0]
    finally:
        con.close()
    return files, rules, reasons, actions


# Through the ingestion job, because the isolation of a failing file (its partition
# recorded, the batch's others written, nothing read again) is the job's, not the reader's.
def test_poison_files_are_recorded_alone_and_not_retried(platform, monkeypatch):
    from orchestration import cli

    settings = platform
    write_csv(
        settings.inbox / "poison.csv", ACTIVITY_HEADERS, [action(commentaire="x" * 5_000_000)]
    )
    write_csv(settings.inbox / "bon.csv", ACTIVITY_HEADERS, [action()])
    write_csv(settings.inbox / "maudit.csv", ACTIVITY_HEADERS, [action(numero_dossier="M")])
    real = process_module.read_file

    def cursed(path, limits):
        if path.name == "maudit.csv":
            raise RuntimeError(f"unexpected failure reading {path}")
        return real(path, limits)

    monkeypatch.setattr(process_module, "read_file", cursed)
    instance = dg.DagsterInstance.ephemeral()
    cli.ingest(settings, instance)
    files, rules, reasons, actions = _files(settings)
    assert {k: v[0] for k, v in files.items()} == {
        "poison.csv": "rejected",
        "bon.csv": "accepted",
        "maudit.csv": "rejected",
    }
    assert rules == {"poison.csv": "cellule_trop_longue", "maudit.csv": "erreur_de_traitement"}
    assert actions == 1
    assert not any(str(settings.data_dir) in r or "unexpected" in r for r in reasons)

    # The next run reads nothing again: the refused files are known by their bytes.
    def never(path, limits):
        raise AssertionError(f"{path.name} read again")

    monkeypatch.setattr(process_module, "read_file", never)
    cli.ingest(settings, instance)
    assert _files(settings)[0] == files


def test_a_report_that_fails_leaves_its_file_written_without_a_path(platform, monkeypatch):
    """The rejection reports are written beside the rows' insert: each file's row of the
    register names its report once written; a report that fails leaves the file and its
    rows written, its report path empty, and a warning for the data staff."""
    from orchestration import cli
    from returns import report

    settings = platform
    double = [action(numero_dossier="D"), action(numero_dossier="D"), action(numero_dossier="E")]
    write_csv(settings.inbox / "refus.csv", ACTIVITY_HEADERS, double)
    write_csv(settings.inbox / "casse.csv", ACTIVITY_HEADERS, [*double[:2], action()])
    real = report.write_report

    def broken(result, out_dir, rows=None):
        if result.path.name == "casse.csv":
            raise OSError("disque plein")
        return real(result, out_dir, rows)

    monkeypatch.setattr(report, "write_report", broken)
    instance = dg.DagsterInstance.ephemeral()
    cli.ingest(settings, instance)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        files = {
            name: (status, path, quarantined)
            for name, status, path, quarantined in con.sql(
                "SELECT file_name, status, report_path, rows_quarantined FROM raw.files"
            ).fetchall()
        }
        actions = con.sql("SELECT count(*) FROM raw.activity_rows").fetchall()[0][0]
    assert files["casse.csv"] == ("partially_accepted", None, 2)
    status, path, quarantined = files["refus.csv"]
    assert (status, quarantined) == ("partially_accepted", 2)
    assert path.endswith(".rejets.xlsx") and (settings.reports / Path(path).name).exists()
    assert actions == 2
    (run,) = instance.get_runs(filters=dg.RunsFilter(job_name="ingest_job"))
    told = [e.user_message for e in instance.all_logs(run.run_id)]
    assert any("casse.csv : rapport de rejets non écrit (OSError)" in m for m in told)
