"""What the `quartiers` command shows while a run executes: per-stage counts driven by the
run's own events, as Dagster stores them — files read (the ingestion's progress lines), dbt
models built (one materialization per model, as dbt finishes it), site pages done.

On a terminal, rich progress bars; elsewhere (tests, CI, logs, cron) plain lines, throttled,
the last count of each always printed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

import dagster as dg
from dagster._core.events.log import EventLogEntry
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assets.progress import Step, Throttle, parse

MODELS_BUILT = "Modèles dbt construits"


class RunProgress:
    """Listens to one run's events (`instance.add_event_listener`) and shows its counts."""

    def __init__(
        self,
        stream: TextIO,
        dbt_keys: Iterable[dg.AssetKey] = (),
        *,
        tty: bool | None = None,
        plain_every: float = 2.0,
    ):
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.dbt_keys = frozenset(dbt_keys)
        self.built: set[dg.AssetKey] = set()
        self.plain_every = plain_every
        self._throttles: dict[str, Throttle] = {}
        self._tasks: dict[str, int] = {}
        self._bars: Progress | None = None

    def __enter__(self) -> RunProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self._bars is not None:
            self._bars.stop()

    def _start_bars(self) -> Progress:
        """Started with the first count: a stage without any shows no empty bar."""
        if self._bars is None:
            self._bars = Progress(
                TextColumn("  {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                # sys.stdout/stderr go to the log file meanwhile: rich must not take them back
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._bars.start()
        return self._bars

    def step_of(self, entry: EventLogEntry) -> Step | None:
        """The count an event moves on, if any."""
        event = entry.dagster_event
        if event is None:
            return parse(entry.user_message)
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            key = event.asset_key
            if key in self.dbt_keys and key not in self.built:
                self.built.add(key)
                return Step(MODELS_BUILT, len(self.built), len(self.dbt_keys))
        return None

    def on_event(self, entry: EventLogEntry) -> None:
        step = self.step_of(entry)
        if step is not None:
            self.show(step)

    def show(self, step: Step) -> None:
        if self.tty:
            bars = self._start_bars()
            task = self._tasks.get(step.label)
            if task is None:
                task = self._tasks[step.label] = bars.add_task(step.label, total=step.total)
            bars.update(task, completed=step.n, total=step.total)
            return
        throttle = self._throttles.setdefault(step.label, Throttle(self.plain_every))
        if throttle.due(step.n, step.total):
            print(f"  {step.label} : {step.n}/{step.total}", file=self.stream, flush=True)
