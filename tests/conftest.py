"""Shared fixtures: the dbt manifest prepared once, the public reference files of ../shared."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"
ARTIFACTS = ROOT / "test-artifacts"


def pytest_configure(config):
    # The definitions need the manifest at import; `make test` prepares it, this covers a
    # bare `pytest` run.
    if not (ROOT / "dbt_project" / "target" / "manifest.json").exists():
        subprocess.run([str(Path(sys.executable).parent / "dagster-dbt"), "project",
                        "prepare-and-package", "--file", "orchestration/dbt_project.py"],
                       cwd=ROOT, check=True)


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    if not SHARED_REFERENCE.exists():
        pytest.fail(f"reference files expected in {SHARED_REFERENCE}")
    return SHARED_REFERENCE


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
