"""The Dagster instance on PostgreSQL (QUARTIERS_DAGSTER_PG_URL), tested against a real
server that the test starts in a temporary folder; SQLite stays the default."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import EngineEventData
from dagster._core.instance.config import dagster_instance_config

from orchestration.instance import (
    PG_SCHEME,
    PG_URL_ENV,
    instance_yaml,
    uses_postgres,
    write_instance_yaml,
)
from orchestration.runs import HOST_TAG, PID_TAG, recover
from tests.postgres_server import find_bindir, postgres_server
from tests.returns_files import ACTIVITY_HEADERS, SIRET_BAD, action, write_csv

ROOT = Path(__file__).resolve().parent.parent


def test_sqlite_by_default_postgres_when_a_url_is_configured(tmp_path):
    default = write_instance_yaml(tmp_path / "sqlite", {})
    config, _ = dagster_instance_config(str(default.parent), "dagster.yaml")
    assert "storage" not in config  # Dagster's SQLite under DAGSTER_HOME
    assert config["event_log_storage"]["class"] == "PooledSqliteEventLogStorage"
    # the folder is named in full: the instance opens the same events whatever DAGSTER_HOME says
    assert config["event_log_storage"]["config"]["base_dir"] == str(
        (tmp_path / "sqlite" / "history" / "runs").resolve()
    )
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"

    url = "postgresql+psycopg2://u:secret@db.example:5432/dagster"
    pg = write_instance_yaml(tmp_path / "pg", {PG_URL_ENV: url})
    config, _ = dagster_instance_config(str(pg.parent), "dagster.yaml")
    assert config["storage"] == {"postgres": {"postgres_url": {"env": PG_URL_ENV}}}
    assert "event_log_storage" not in config
    assert config["concurrency"] == dagster_instance_config(str(default.parent))[0]["concurrency"]
    assert "secret" not in pg.read_text()  # the URL stays in the environment

    # a bare postgresql:// would need psycopg 3 (SQLAlchemy 2.1): said at once, URL not shown
    with pytest.raises(ValueError, match="postgresql\\+psycopg2://") as bad:
        write_instance_yaml(tmp_path / "pg", {PG_URL_ENV: "postgresql://u:secret@db/dagster"})
    assert "secret" not in str(bad.value)
    deployed, _ = dagster_instance_config(str(ROOT / "deploy"), "dagster.yaml")
    assert deployed["storage"]["postgres"]["postgres_db"]["scheme"] == PG_SCHEME

    # the file follows the environment both ways
    write_instance_yaml(tmp_path / "pg", {})
    assert (tmp_path / "pg" / "dagster.yaml").read_text() == instance_yaml({}, tmp_path / "pg")


@pytest.fixture
def postgres_url():
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries missing in CI (`make postgres` installs them)")
        pytest.skip(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin, PATH or "
            "QUARTIERS_PG_BINDIR): `make postgres` installs Debian's postgresql"
        )
    with postgres_server(bindir) as url:
        yield url


# End to end, because what PostgreSQL storage changes is only seen with a whole run's events:
# the progress read back from them, partitions, the one-writer pool, the dead-run recovery.
@pytest.mark.slow
def test_the_pipeline_runs_end_to_end_on_a_postgres_instance(
    tmp_path, qpv_2024_file, postgres_url, monkeypatch
):
    import psycopg2

    data, home = tmp_path / "data", tmp_path / "dagster"
    inbox = data / "inbox"
    inbox.mkdir(parents=True)
    write_csv(inbox / "bon.csv", ACTIVITY_HEADERS, [action(), action(numero_dossier="B")])
    write_csv(
        inbox / "mixte.csv",
        ACTIVITY_HEADERS,
        [action(numero_dossier="C"), action(numero_dossier="D", porteur_siret=SIRET_BAD)],
    )
    (inbox / "casse.xlsx").write_bytes(b"PK\x03\x04 tronque")
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "QUARTIERS_DATA_DIR": str(data),
        "DAGSTER_HOME": str(home),
        "QUARTIERS_QPV_2024_FILE": str(qpv_2024_file),
        PG_URL_ENV: postgres_url,
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
    }
    env.pop("QUARTIERS_WAREHOUSE", None)
    out = subprocess.run(
        [str(bin_dir / "quartiers"), "run"], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Fichiers lus            : 3" in out.stdout
    # the progress lines follow the run's events stored in PostgreSQL
    assert "  Fichiers lus : 3/3" in out.stderr
    assert re.search(r"  Modèles dbt construits : (\d+)/\1\n", out.stderr)
    assert re.search(r"  Pages du site : (\d+)/\1\n", out.stderr)

    assert not (home / "history").exists()  # nothing went to SQLite
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(PG_URL_ENV, postgres_url)
    with dg.DagsterInstance.get() as instance:
        assert uses_postgres(instance)
        runs = instance.get_runs()
        assert len(runs) == 3
        assert sorted(r.job_name for r in runs) == ["build_job", "ingest_job", "reference_job"]
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        files = set(instance.get_dynamic_partitions("inbox_files"))
        assert len(files) == 3
        # one materialization per file, with its status and counts, as the UI shows them
        observed = {
            r.partition_key: r.asset_materialization.metadata
            for r in instance.fetch_materializations(dg.AssetKey("raw_files"), limit=100).records
        }
        assert set(observed) == files
        by_name = {m["fichier"].value: m for m in observed.values()}
        assert by_name["mixte.csv"]["lignes acceptées"].value == 1
        assert by_name["mixte.csv"]["lignes refusées"].value == 1
        assert by_name["casse.xlsx"]["statut"].value == "rejected"
        for key in (["raw_files"], ["marts", "fct_actions"], ["dashboards_site"]):
            assert instance.get_latest_materialization_event(dg.AssetKey(key)), key
        # the one-writer pool works on PostgreSQL and nothing holds it after the runs
        info = instance.event_log_storage.get_concurrency_info("warehouse")
        assert info.slot_count == 1 and not info.claimed_slots

        # shared storage: a dead run is recognised by the host it names, never by a bare pid
        # (the pid of a run started on another machine means nothing here)
        dead = _dead_pid()
        tagged, bare = _started_run(instance), _started_run(instance)
        instance.add_run_tags(tagged, {PID_TAG: str(dead), HOST_TAG: socket.gethostname()})
        instance.report_engine_event(
            "Started process for run",
            instance.get_run_by_id(bare),
            EngineEventData(metadata={"pid": dg.MetadataValue.text(str(dead))}),
        )
        assert len(recover(instance, "warehouse")) == 1
        assert instance.get_run_by_id(tagged).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(bare).status == dg.DagsterRunStatus.STARTED
        instance.report_run_failed(instance.get_run_by_id(bare), "test")

    # and the rows are in PostgreSQL itself
    con = psycopg2.connect(postgres_url.replace(PG_SCHEME, "postgresql", 1))
    try:
        with con.cursor() as cur:
            cur.execute(
                "SELECT pipeline_name, status FROM runs WHERE status = 'SUCCESS' "
                "ORDER BY create_timestamp"
            )
            assert cur.fetchall() == [
                ("reference_job", "SUCCESS"),
                ("ingest_job", "SUCCESS"),
                ("build_job", "SUCCESS"),
            ]
            cur.execute(
                "SELECT partition FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
                "AND asset_key = %s",
                (json.dumps(["raw_files"]),),
            )
            assert sorted(p for (p,) in cur.fetchall()) == sorted(files)
            cur.execute(
                "SELECT count(*) FROM event_logs WHERE dagster_event_type = "
                "'ASSET_MATERIALIZATION' AND asset_key LIKE %s",
                ('["marts", %',),
            )
            assert cur.fetchone()[0] >= 10
    finally:
        con.close()


def _started_run(instance: dg.DagsterInstance) -> str:
    run_id = str(uuid.uuid4())
    instance.add_run(
        dg.DagsterRun(job_name="build_job", run_id=run_id, status=dg.DagsterRunStatus.STARTED)
    )
    return run_id


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid
