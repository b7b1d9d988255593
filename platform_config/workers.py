"""A second process for large batches of Python work (reading returns, rendering the site):
the items are shared between the calling process and one helper, each taking the next item
when done.

The work is Python code holding the GIL (cell loops, header matching, plotly, the suppression
engine), so threads would not help; the helper is a spawned process (no fork: polars and
DuckDB keep thread pools that a forked child would inherit half-locked). It is started only
when the work is worth its start-up (its imports: ≈ 0.3 s for the reading, ≈ 0.8 s for the
site, done while this process already works), and warmed by importing what the tasks need.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import importlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

#: what the helper's tasks read (set by `install_made`, in the helper process)
_installed: dict[str, Any] = {}


def available() -> bool:
    """More than one core to work on."""
    try:
        return len(os.sched_getaffinity(0)) > 1
    except AttributeError:  # not on Linux
        return (os.cpu_count() or 1) > 1


#: the collector's thresholds for processes that allocate millions of short-lived objects
#: (cells, suppression systems, events): young objects looked at every 50,000 allocations
#: rather than 700, older ones less often (the site's suppression: 0.9 → 0.2 s of
#: collections for three national campaigns, for the same peak memory)
BATCH_GC_THRESHOLD = (50_000, 20, 100)


def _warm(modules: tuple[str, ...]) -> None:
    """Import what the tasks need while the calling process works."""
    gc.set_threshold(*BATCH_GC_THRESHOLD)
    for name in modules:
        importlib.import_module(name)


def _install(key: str, make: Callable[..., Any], args: tuple) -> None:
    _installed[key] = make(*args)


def installed(key: str) -> Any:
    return _installed[key]


def _each(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """A chunk of items in one task: a round trip to the helper costs a few GIL hand-overs,
    as much as a small item's work."""
    return [fn(item) for item in items]


class Helper:
    """One helper process, started on first use (`start_if`), closed by `close`."""

    def __init__(self, *, always: bool = False, warm: tuple[str, ...] = ()) -> None:
        self._pool: cf.ProcessPoolExecutor | None = None
        self._installs: list[cf.Future] = []
        self.always = always  # start even for little work (tests of the shared work)
        self.warm = warm  # modules the tasks import

    @property
    def started(self) -> bool:
        return self._pool is not None

    def start_if(self, worth_it: bool) -> None:
        """Start the helper process when the work is worth its start-up (or `always`)."""
        if self._pool is None and (worth_it or self.always):
            self._pool = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            self._pool.submit(_warm, self.warm)

    def install_made(self, key: str, make: Callable[..., Any], *args: Any) -> None:
        """Have the helper make `make(*args)` (a module-level function, its arguments
        pickled), which its tasks then read as `installed(key)`; the tasks submitted after
        this run after it."""
        assert self._pool is not None
        self._installs.append(self._pool.submit(_install, key, make, args))

    def share(
        self,
        items: Sequence[Any],
        here: Callable[[Any], Any],
        there: Callable[[Any], Any],
        done: Callable[[Any], None] | None = None,
        *,
        chunk: int = 1,
    ) -> list[Any]:
        """[f(item) for item in items], this process running `here(item)` and the helper
        (when started) `there(item)`, a module-level function, each taking the next `chunk`
        items when free. `done(result)` is called in this thread for every result, as they
        come."""
        groups = [items[i : i + chunk] for i in range(0, len(items), chunk)]
        results: list[list[Any]] = [[] for _ in groups]
        lock = threading.Lock()
        cursor = iter(range(len(groups)))
        arrived: list[Any] = []  # results of the helper not yet passed to `done`
        failure: list[BaseException] = []

        def take() -> int | None:
            with lock:
                return None if failure else next(cursor, None)

        def remote() -> None:  # waits on the helper (the wait releases the GIL)
            try:
                for install in self._installs:  # what the tasks read: its own error, if any
                    install.result()
                while (g := take()) is not None:
                    results[g] = self._pool.submit(_each, there, groups[g]).result()
                    with lock:
                        arrived.extend(results[g])
            except BaseException as exc:  # noqa: BLE001 - raised again by the caller's thread
                with lock:
                    failure.append(exc)

        def flush() -> None:
            with lock:
                ready = arrived[:]
                arrived.clear()
            for result in ready:
                if done is not None:
                    done(result)

        thread = threading.Thread(target=remote, daemon=True) if self._pool else None
        if thread is not None:
            thread.start()
        try:
            while (g := take()) is not None:
                for item in groups[g]:
                    results[g].append(here(item))
                    if done is not None:
                        done(results[g][-1])
                flush()
        except BaseException as exc:
            with lock:
                failure.append(exc)
        if thread is not None:
            thread.join()
        flush()
        if failure:
            raise failure[0]
        return [result for group in results for result in group]

    def release(self) -> None:
        """No more work for the helper: it exits while this process finishes (`close`
        then waits for it)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._installs.clear()
