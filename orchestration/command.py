"""The `quartiers` executable's entry point, light on purpose.

A spawned helper process (`platform_config.workers`, the first publication's snapshot)
runs the main script's imports again before its task: with `orchestration.cli` imported
there, each helper spent about a second importing Dagster, the dashboards and the command
it never uses. The command itself is imported only when it starts.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> None:
    from orchestration.cli import main as command

    command(argv)
