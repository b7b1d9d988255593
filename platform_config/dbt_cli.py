"""The dbt CLI resource: dbt as a subprocess, each command in a target folder of its own,
dbt's parse state carried from one build of a warehouse to the next, old folders pruned."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliInvocation, DbtCliResource
from packaging.version import Version

from platform_config.resources import WAREHOUSE_VARIABLE
from platform_config.warm_dbt import PARSE_STATE, parse_state_path

KEPT_RUNS = 20  # the target folders of the last commands (logs, run_results.json) stay
KEPT_STATES = 5  # parse states of the warehouses used last (one per data folder)
PRUNE_AFTER_SECONDS = 3600  # a command still running has a younger folder


class QuartiersDbtCli(DbtCliResource):
    """Three departures from DbtCliResource's defaults, each measured on a national build:

    - nothing of dbt in the run's own process: DbtCliResource runs `dbt --version` in a
      subprocess and opens a dbt adapter in process before each command (about 4.5 s
      together), only to fetch row counts and column metadata, which these assets do not
      ask for. The dbt beside the interpreter is the project's pinned dbt-core, so its
      version is the installed package's;
    - dbt's partial parsing survives a warehouse path other than the default: dbt reparses
      the whole project (about 3 s) when the profile differs from the one the saved parse
      state was made with, and the profile holds the warehouse path. The state is kept per
      warehouse path (`target/parse_state/`) and handed to the next command on that path;
      dbt checks it itself (version, files, profile) and reparses what it must;
    - each command's target folder (`target/runs/`) is pruned to the last KEPT_RUNS: one
      per build otherwise accumulates, about 10 MB each."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None

    def cli(self, args: Sequence[str], *, target_path: Path | None = None, **kwargs: Any):
        if target_path is None:
            context = kwargs.get("context")
            run = context.run.run_id[:7] if context is not None else "cli"
            target_path = self._target / "runs" / f"{run}-{uuid.uuid4().hex[:7]}"
        state = self._parse_state()
        if state.exists():
            target_path.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(state, target_path / PARSE_STATE)
        return super().cli(args, target_path=target_path, **kwargs)

    def keep_parse_state(self, invocation: DbtCliInvocation) -> None:
        """After a command: its parse state for the next command on this warehouse, and the
        old target folders pruned."""
        made = Path(invocation.target_path) / PARSE_STATE
        if made.exists():
            state = self._parse_state()
            state.parent.mkdir(parents=True, exist_ok=True)
            tmp = state.with_name(f".{state.name}.{os.getpid()}")
            shutil.copyfile(made, tmp)
            os.replace(tmp, state)
        prune(self._target / "parse_state", KEPT_STATES)
        prune(self._target / "runs", KEPT_RUNS)

    @property
    def _target(self) -> Path:
        return Path(self.project_dir) / "target"

    def _parse_state(self) -> Path:
        # the profile reads the warehouse path from the environment at each command
        return parse_state_path(Path(self.project_dir), os.environ.get(WAREHOUSE_VARIABLE, ""))


def prune(folder: Path, keep: int, now: float | None = None) -> list[Path]:
    """Remove the entries of `folder` beyond the `keep` most recent, sparing any younger than
    PRUNE_AFTER_SECONDS (a command of another run may still be writing it). Returns the
    removed entries."""
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    entries = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    removed = [p for p in entries[keep:] if now - p.stat().st_mtime > PRUNE_AFTER_SECONDS]
    for entry in removed:
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    return removed
