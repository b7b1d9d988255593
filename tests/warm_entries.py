"""Commands for the waiting process in tests (platform_config/warm_dbt.py): one that says it
started, then waits until interrupted, and says so."""

import sys
import time
from pathlib import Path


def wait_for_interrupt(args: list[str], prepared: object = None) -> int:
    marks = Path(args[0])
    try:  # the interrupt may come as soon as "started" exists
        (marks / "started").write_text(str(sys.argv))
        for _ in range(600):  # a minute at most
            time.sleep(0.1)
    except KeyboardInterrupt:
        (marks / "interrupted").write_text("yes")
        raise SystemExit(130) from None
    raise SystemExit(1)
