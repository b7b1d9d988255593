"""The `quartiers` executable's entry point, light on purpose.

A spawned helper process (`platform_config.workers`, the first publication's snapshot)
runs the main script's imports again before its task: with `orchestration.cli` imported
there, each helper spent about a second importing Dagster, the dashboards and the command
it never uses. The command itself is imported only when it starts.
"""

from __future__ import annotations

import gc
import sys

from orchestration.early_dbt import early_dbt
from platform_config.workers import BATCH_GC_THRESHOLD


def main(argv: list[str] | None = None) -> None:
    # Importing Dagster, dagster-dbt and the definitions allocates millions of objects that
    # all live as long as the command: with the default thresholds the collector walks them
    # again and again (≈ 0.7 of 3 CPU-seconds of imports, with dbt-core's then); the runs
    # then allocate millions of short-lived ones (1.4 → 0.7 s of collections in the national
    # bench's command, for the same peak memory).
    gc.set_threshold(*BATCH_GC_THRESHOLD)
    without_dbt_core()
    argv = sys.argv[1:] if argv is None else argv
    with early_dbt(argv):  # dbt imports itself on the other core while this process does
        from orchestration.cli import main as command

        command(argv)


def without_dbt_core() -> None:
    """dbt runs in processes of its own (`quartiers-dbt`, platform_config/warm_dbt.py), never
    in this one: dagster-dbt, which imports dbt-core's artifact classes when it can (1.2-1.5 s
    of the command's start, most of it mashumaro compiling them), then works from its own
    definitions, as it does beside dbt Fusion (dagster_dbt.compat). It gets those here: dbt's
    version module cannot be imported. The UI's code server and the tests keep dbt-core."""
    sys.modules.setdefault("dbt.version", None)
