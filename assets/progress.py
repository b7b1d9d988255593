"""Progress lines that assets write in a run's event log ("Fichiers lus : 3/40 (bilan.csv)"),
readable in the UI's run view and followed by the `quartiers` command (orchestration/progress.py).

One format, written and parsed here. Throttled: a backfill of 35,000 files must not add
35,000 events to the instance's storage.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

FILES_READ = "Fichiers lus"
PAGES_DONE = "Pages du site"
_LINE = re.compile(r"^(?P<label>[^:]+?) : (?P<n>\d+)/(?P<total>\d+)(?: \((?P<detail>.*)\))?$")


@dataclass(frozen=True)
class Step:
    label: str
    n: int
    total: int
    detail: str | None = None

    def line(self) -> str:
        return f"{self.label} : {self.n}/{self.total}" + (
            f" ({self.detail})" if self.detail else ""
        )


def parse(text: str | None) -> Step | None:
    """The progress step a log message carries, None for any other message."""
    m = _LINE.match(text or "")
    if m is None or m["label"] not in (FILES_READ, PAGES_DONE):
        return None
    return Step(m["label"], int(m["n"]), int(m["total"]), m["detail"])


class Throttle:
    """Lets through the first and the last step, and others at most every `seconds`."""

    def __init__(self, seconds: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.clock, self.last = seconds, clock, None

    def due(self, n: int, total: int) -> bool:
        now = self.clock()
        if n <= 1 or n >= total or self.last is None or now - self.last >= self.seconds:
            self.last = now
            return True
        return False


def reporter(log: Callable[[str], None], label: str, seconds: float = 1.0):
    """A callback (n, total, detail=None) that logs throttled progress lines."""
    throttle = Throttle(seconds)

    def report(n: int, total: int, detail: str | None = None) -> None:
        if throttle.due(n, total):
            log(Step(label, n, total, detail).line())

    return report
