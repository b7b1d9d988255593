"""Runs that recover from a killed process, and a wait for the warehouse that says who holds it.

Dagster frees a step's pool slot when the step ends. A process killed with SIGKILL (or the
OOM killer, or a power cut) never gets there: its run stays STARTED and its slot in the
`warehouse` pool stays taken, so every later run waits for it forever. Under `dagster dev`
the code server marks a dead run worker's run failed and run monitoring
(`orchestration/dagster.yaml`) frees the slots of finished runs; runs executed in process by
the `quartiers` command, or left by a `dagster dev` that was itself killed, have neither.

So: a run whose process is gone is marked failed and its slots freed (`recover`), before
each command's run and by the `recover_dead_runs` sensor; a command waits for a live holder
with a French message naming the run, its step and since when, for at most
QUARTIERS_WAIT_MINUTES (`wait_for_pool`, and `BlockedRunGuard` if a run of the UI takes the
slot between that wait and our claim).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dagster as dg

PID_TAG = "quartiers/pid"
HOST_TAG = "quartiers/host"
BORN_TAG = "quartiers/process_start"
ACTIVE = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]

Say = Callable[[str], None]


class WarehouseBusy(Exception):
    """The warehouse stayed held by another live run for the whole allowed wait."""


# --------------------------------------------------------------------------- processes


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (Linux), None elsewhere."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_start(pid: int) -> float | None:
    """When the process started (epoch seconds), to tell it from a later one with its pid."""
    fields = _proc_stat(pid)
    try:
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return round(boot + int(fields[19]) / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, TypeError, ValueError, IndexError, StopIteration):
        return None


def process_tags() -> dict[str, str]:
    """Tags naming this process on the runs it executes."""
    born = process_start(os.getpid())
    return {
        PID_TAG: str(os.getpid()),
        HOST_TAG: socket.gethostname(),
        **({BORN_TAG: f"{born:.2f}"} if born is not None else {}),
    }


@dataclass(frozen=True)
class RunProcess:
    pid: int
    host: str | None  # None: the host of the instance (local SQLite storage only)
    born: float | None

    def is_dead(self, not_before: float | None = None) -> bool:
        """True only when sure: a process on another host is never declared dead."""
        if self.host not in (None, socket.gethostname()):
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # exists, another user's
        fields = _proc_stat(self.pid)
        if fields and fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent
            return True
        start = process_start(self.pid)
        if start is None:
            return False
        if self.born is not None:
            return abs(start - self.born) > 1  # the pid now belongs to another process
        return not_before is not None and start > not_before + 1


def _local_storage(instance: dg.DagsterInstance) -> bool:
    """SQLite or in memory: every run of the instance ran on this machine."""
    return type(instance.run_storage).__module__.startswith("dagster._core.storage")


def run_process(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunProcess | None:
    """The process executing a run: our tags, else the pid Dagster logs when a process starts
    executing it (code server's run worker, or `execute_in_process`)."""
    if PID_TAG in run.tags:
        born = run.tags.get(BORN_TAG)
        return RunProcess(
            int(run.tags[PID_TAG]), run.tags.get(HOST_TAG), float(born) if born else None
        )
    if not _local_storage(instance):
        return None  # shared storage (PostgreSQL): a pid without its host proves nothing
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=20
    ).records
    for record in records:
        data = record.event_log_entry.dagster_event.event_specific_data
        pid = getattr(data, "metadata", {}).get("pid")
        if pid is not None:
            return RunProcess(int(pid.value), None, None)
    return None


# --------------------------------------------------------------------------- recovery


def _started_at(instance: dg.DagsterInstance, run_id: str) -> float | None:
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        return None
    return record.start_time or record.create_timestamp.timestamp()


def recover(instance: dg.DagsterInstance, pool: str) -> list[str]:
    """Mark failed the runs whose process is gone, free the pool slots of runs that are
    over. Returns what was done, in French."""
    done = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=ACTIVE)):
        proc = run_process(instance, run)
        if proc is None or not proc.is_dead(not_before=_started_at(instance, run.run_id)):
            continue
        message = (
            f"Le processus {proc.pid} qui exécutait ce run a disparu (arrêt brutal) : "
            "run marqué en échec, ses places dans les pools sont libérées."
        )
        instance.report_run_failed(run, message)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        done.append(
            f"Run {run.run_id[:8]} ({run.job_name}) : processus {proc.pid} disparu, "
            "marqué en échec ; l'entrepôt est libéré."
        )
    if not instance.event_log_storage.supports_global_concurrency_limits:
        return done
    info = instance.event_log_storage.get_concurrency_info(pool)
    for run_id in sorted(
        {s.run_id for s in info.claimed_slots} | {p.run_id for p in info.pending_steps}
    ):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    return done


@dataclass(frozen=True)
class Holder:
    run_id: str
    job_name: str
    step_key: str
    since: datetime | None
    process: RunProcess | None

    def describe(self) -> str:
        since = f" depuis le {self.since:%d/%m/%Y à %H:%M:%S %Z}" if self.since else ""
        where = ""
        if self.process is not None:
            host = f" sur {self.process.host}" if self.process.host else ""
            where = f", processus {self.process.pid}{host}"
        return f"le run {self.run_id[:8]} ({self.job_name}, étape {self.step_key}){since}{where}"


def holders(instance: dg.DagsterInstance, pool: str, *, besides: str | None = None) -> list[Holder]:
    """The runs holding a slot of the pool (other than `besides`)."""
    if not instance.event_log_storage.supports_global_concurrency_limits:
        return []
    found = []
    for slot in instance.event_log_storage.get_concurrency_info(pool).claimed_slots:
        if slot.run_id == besides:
            continue
        run = instance.get_run_by_id(slot.run_id)
        starts = instance.get_records_for_run(
            slot.run_id, of_type=dg.DagsterEventType.STEP_START
        ).records
        stamp = next(
            (r.timestamp for r in starts if r.event_log_entry.step_key == slot.step_key),
            _started_at(instance, slot.run_id),
        )
        found.append(
            Holder(
                slot.run_id,
                run.job_name if run else "?",
                slot.step_key,
                datetime.fromtimestamp(stamp).astimezone() if stamp else None,
                run_process(instance, run) if run else None,
            )
        )
    return found


def _busy_message(busy: list[Holder]) -> str:
    return "L'entrepôt est occupé par " + " ; ".join(h.describe() for h in busy) + "."


def _give_up_message(busy: list[Holder], minutes: float) -> str:
    return (
        f"Abandon après {minutes:g} min d'attente. {_busy_message(busy)} "
        "Si ce run est bloqué, arrêtez-le depuis l'interface Dagster (Terminate) ; pour "
        "attendre plus longtemps, augmentez QUARTIERS_WAIT_MINUTES."
    )


def wait_for_pool(
    instance: dg.DagsterInstance, pool: str, *, minutes: float, say: Say = print
) -> None:
    """Free what dead runs hold, then wait (bounded) until no live run holds the pool."""
    deadline = time.monotonic() + minutes * 60
    delay, told = 0.2, None
    while True:
        for line in recover(instance, pool):
            say(line)
        busy = holders(instance, pool)
        if not busy:
            return
        if told != [h.run_id for h in busy]:
            told = [h.run_id for h in busy]
            say(
                f"{_busy_message(busy)} Attente de sa fin (au plus {minutes:g} min, "
                "QUARTIERS_WAIT_MINUTES)…"
            )
        left = deadline - time.monotonic()
        if left <= 0:
            raise WarehouseBusy(_give_up_message(busy, minutes))
        time.sleep(min(delay, left))
        delay = min(delay * 2, 5.0)


def _interrupt_requested() -> bool:
    """SIGINT/SIGTERM received during an execution: Dagster defers them to step boundaries,
    and a step blocked on its pool never reaches one."""
    try:
        from dagster._utils.interrupts import check_captured_interrupt
    except ImportError:  # pragma: no cover
        return False
    return check_captured_interrupt()


class BlockedRunGuard:
    """While our in-process run executes: if one of its steps waits for the pool (a run of
    the UI took the slot after `wait_for_pool`), free what dead runs hold, say who holds it,
    and end the run (marked failed, its claims freed) after the allowed wait or on SIGTERM.
    A step that is computing is left to Dagster, which interrupts it itself."""

    def __init__(
        self,
        instance: dg.DagsterInstance,
        run_id: str,
        pool: str,
        *,
        minutes: float,
        say: Say = print,
        poll: float = 1.0,
    ):
        self.instance, self.run_id, self.pool = instance, run_id, pool
        self.minutes, self.say, self.poll = minutes, say, poll
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._watch, name="quartiers-pool-guard", daemon=True
        )

    def __enter__(self) -> BlockedRunGuard:
        if self.instance.event_log_storage.supports_global_concurrency_limits:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _blocked(self) -> bool:
        info = self.instance.event_log_storage.get_concurrency_info(self.pool)
        return any(p.run_id == self.run_id for p in info.pending_steps) and not any(
            s.run_id == self.run_id for s in info.claimed_slots
        )

    def _abort(self, message: str, code: int) -> None:
        run = self.instance.get_run_by_id(self.run_id)
        if run is not None and not run.is_finished:
            self.instance.report_run_failed(run, message)
        self.instance.event_log_storage.free_concurrency_slots_for_run(self.run_id)
        self.say(message)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # nothing of ours is computing: the run only waits for its slot

    def _watch(self) -> None:
        since, told = None, None
        while not self._stop.wait(self.poll):
            if not self._blocked():
                since, told = None, None
                continue
            since = since or time.monotonic()
            if _interrupt_requested():
                self._abort("Arrêt demandé pendant l'attente de l'entrepôt : run arrêté.", 143)
            for line in recover(self.instance, self.pool):
                self.say(line)
            busy = holders(self.instance, self.pool, besides=self.run_id)
            if busy and told != [h.run_id for h in busy]:
                told = [h.run_id for h in busy]
                self.say(
                    f"{_busy_message(busy)} Attente de sa fin (au plus {self.minutes:g} "
                    "min, QUARTIERS_WAIT_MINUTES)…"
                )
            # unheld, the slot is ours at Dagster's next claim: only a holder is waited out
            if busy and time.monotonic() - since >= self.minutes * 60:
                self._abort(_give_up_message(busy, self.minutes), 1)
