"""Alerts to the data staff: a failed run, a failed check. Always a line in the alerts log
under the data folder; an e-mail too when an SMTP server is configured (QUARTIERS_SMTP_*)."""

from __future__ import annotations

import json
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage

import dagster as dg

from platform_config.settings import Settings, load_settings


def alert(settings: Settings, subject: str, body: str, **fields: object) -> None:
    """Append the alert to the log (one JSON object a line), then mail it if configured.
    A mail that cannot be sent is logged, never raised: the alert is in the log anyway."""
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "subject": subject,
        "message": body,
        **fields,
    }
    settings.alerts_log.parent.mkdir(parents=True, exist_ok=True)
    with settings.alerts_log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    smtp = settings.smtp
    if not smtp:
        return
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, smtp["sender"], ", ".join(smtp["recipients"])
    msg.set_content(body)
    try:
        with smtplib.SMTP(smtp["host"], smtp["port"], timeout=30) as server:
            if smtp.get("starttls"):
                server.starttls()
            if smtp.get("user"):
                server.login(smtp["user"], smtp["password"] or "")
            server.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        with settings.alerts_log.open("a", encoding="utf-8") as fh:
            fh.write(
                json.dumps(
                    {
                        "at": record["at"],
                        "subject": "Envoi du courriel impossible",
                        "message": f"{type(exc).__name__}: {exc}",
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerte (journal, et courriel si configuré) quand un run échoue.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    message = context.failure_event.message or "échec sans message"
    alert(
        load_settings(),
        f"[quartiers] Échec du run {run.job_name}",
        f"Le run {run.run_id} ({run.job_name}) a échoué.\n\n{message}\n\n"
        "Voir le détail dans l'interface Dagster (Runs).",
        kind="run_failure",
        job=run.job_name,
        run_id=run.run_id,
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerte quand un run réussi contient des contrôles en échec "
    "(tests dbt d'avertissement, contrôles des données).",
)
def failed_check_alert(context: dg.RunStatusSensorContext) -> None:
    run = context.dagster_run
    failed = failed_checks(context.instance, run.run_id)
    if failed:
        alert(
            load_settings(),
            f"[quartiers] {len(failed)} contrôle(s) en échec",
            f"Le run {run.run_id} ({run.job_name}) a réussi mais ces contrôles ont échoué :\n"
            + "\n".join(f"- {name}" for name in failed),
            kind="check_failure",
            job=run.job_name,
            run_id=run.run_id,
            checks=failed,
        )


def failed_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Asset checks evaluated in the run that did not pass, as 'asset: check'."""
    out = []
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        if not evaluation.passed:
            out.append(f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}")
    return sorted(out)
