"""Alerts: a failed run and a failed check reach the alerts log, and a local SMTP server
started by the test (nothing leaves the machine)."""

from __future__ import annotations

import json
import socketserver
import threading
from email import message_from_bytes, policy

import dagster as dg
import pytest

from orchestration.alerts import failed_check_alert, run_failure_alert


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive a message: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        self.wfile.write(b"220 localhost test SMTP\r\n")
        envelope = {"rcpt": []}
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 localhost\r\n")
            elif verb == "MAIL":
                self.wfile.write(b"250 OK\r\n")
            elif verb == "RCPT":
                envelope["rcpt"].append(line.decode().split(":", 1)[1].strip(" <>\r\n"))
                self.wfile.write(b"250 OK\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.messages.append(
                    (envelope["rcpt"], message_from_bytes(data, policy=policy.default))
                )
                self.wfile.write(b"250 OK\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 Bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def alerting(tmp_path, monkeypatch, smtp_server):
    monkeypatch.setenv("QUARTIERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("QUARTIERS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("QUARTIERS_SMTP_PORT", str(smtp_server.server_address[1]))
    monkeypatch.setenv("QUARTIERS_ALERT_TO", "donnees@prefecture.test, chef@prefecture.test")
    return tmp_path / "alerts.log", smtp_server


def _log(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_failed_run_is_logged_and_mailed(alerting):
    log, server = alerting

    @dg.op
    def lecture():
        raise RuntimeError("fichier introuvable")

    @dg.job
    def ingest_job():
        lecture()

    instance = dg.DagsterInstance.ephemeral()
    result = ingest_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    run_failure_alert(context)

    [entry] = _log(log)
    assert entry["kind"] == "run_failure" and entry["run_id"] == result.run_id
    [(recipients, message)] = server.messages
    assert recipients == ["donnees@prefecture.test", "chef@prefecture.test"]
    assert "Échec du run ingest_job" in message["Subject"]
    assert result.run_id in message.get_content()


def test_a_failed_check_in_a_successful_run_is_alerted(alerting):
    log, server = alerting

    @dg.asset
    def raw_files():
        return 1

    @dg.asset_check(asset=raw_files)
    def row_conservation():
        return dg.AssetCheckResult(passed=False)

    @dg.asset_check(asset=raw_files)
    def always_fine():
        return dg.AssetCheckResult(passed=True)

    instance = dg.DagsterInstance.ephemeral()
    defs = dg.Definitions(assets=[raw_files], asset_checks=[row_conservation, always_fine])
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance)
    assert result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="failed_check_alert",
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    failed_check_alert(context)

    [entry] = _log(log)
    assert entry["kind"] == "check_failure" and entry["checks"] == ["raw_files: row_conservation"]
    assert len(server.messages) == 1


def test_without_smtp_the_alert_is_only_logged(tmp_path, monkeypatch):
    monkeypatch.setenv("QUARTIERS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QUARTIERS_SMTP_HOST", raising=False)
    from orchestration.alerts import alert
    from platform_config.settings import load_settings

    alert(load_settings(), "sujet", "corps", kind="test")
    assert [e["subject"] for e in _log(tmp_path / "alerts.log")] == ["sujet"]
