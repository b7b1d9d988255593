"""Shared fixtures: the dbt manifest prepared once, the public reference files of ../shared."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from _pytest.nodeid import coerce_node_id

from demodata.generator import generate_demo

ROOT = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"
ARTIFACTS = ROOT / "test-artifacts"


def _manifest_is_stale() -> bool:
    manifest = ROOT / "dbt_project" / "target" / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [
        p
        for d in ("models", "macros", "seeds", "tests")
        for p in (ROOT / "dbt_project" / d).rglob("*")
        if p.is_file()
    ]
    return any(p.stat().st_mtime > built for p in sources)


def pytest_configure(config):
    # The definitions need the manifest at import; `make test` prepares it, this covers a
    # bare `pytest` run after dbt files changed.
    if _manifest_is_stale():
        subprocess.run(
            [
                str(Path(sys.executable).parent / "dagster-dbt"),
                "project",
                "prepare-and-package",
                "--file",
                "orchestration/dbt_project.py",
            ],
            cwd=ROOT,
            check=True,
            env={
                **os.environ,
                "PATH": (f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"),
            },
        )


# What makes a test end to end (a Dagster run, a dbt build, a process it starts): the
# fixtures that build a warehouse, and the modules whose every test starts one.
E2E_FIXTURES = ("pipeline", "platform", "site_warehouse", "small_build")
E2E_MODULES = {"test_cli", "test_dbt_models", "test_runs", "test_ui", "test_alerts"}
# `make test` runs two xdist workers with --dist loadgroup: the tests sharing a session-built
# warehouse run in one worker, so it is built once; the others go by module, so a module's
# own fixtures (a dbt build, a generated demo) are not built again in the other worker.
SHARED_BUILDS = ("pipeline", "site_warehouse", "small_build")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    # `make test-fast` (-m "not slow and not browser") keeps the pure tests only.
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if item.module.__name__.rsplit(".", 1)[-1] in E2E_MODULES or any(
            f in fixtures for f in E2E_FIXTURES
        ):
            item.add_marker(pytest.mark.slow)
        shared = [f for f in SHARED_BUILDS if f in fixtures]
        group = shared[0] if shared else item.module.__name__
        item.add_marker(pytest.mark.xdist_group(group))
        # xdist 3.8 marks the group by setting `_nodeid`, which pytest 9 no longer reads (the
        # id is `_id`): the suffix the scheduler looks for is set here.
        if getattr(config.option, "loadgroup", False) and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{group}")


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    if not SHARED_REFERENCE.exists():
        pytest.fail(f"reference files expected in {SHARED_REFERENCE}")
    return SHARED_REFERENCE


# The environment of the session's whole pipeline, applied again to each of its tests.
_PIPELINE_ENV: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _quartiers_environment(request, monkeypatch):
    """Each test starts from the defaults, whatever ran before it in the process (dbt's asset
    exports QUARTIERS_WAREHOUSE for its subprocess) or the shell exported: every QUARTIERS_*
    variable is unset. The pipeline's tests get its variables back."""
    for name in [n for n in os.environ if n.startswith("QUARTIERS_")]:
        monkeypatch.delenv(name)
    if "pipeline" in request.fixturenames:
        for name, value in _PIPELINE_ENV.items():
            monkeypatch.setenv(name, value)


# The official 2024 QPV list restricted to Meurthe-et-Moselle, where the tests' hand-made
# returns are (tests/returns_files.py): the same rows and format, and a site of a few pages
# (France, Grand Est, 54) instead of one per département of France for a handful of actions.
@pytest.fixture(scope="session")
def qpv_2024_file(shared_reference, tmp_path_factory) -> Path:
    lines = (shared_reference / "qpv" / "qpv2024.csv").read_text(encoding="utf-8").splitlines(True)
    column = next(csv.reader(lines[:1])).index("code_departement")
    kept = [line for line in lines[1:] if next(csv.reader([line]))[column] == "54"]
    assert kept, "no QPV of 54 in the official list"
    target = tmp_path_factory.mktemp("qpv") / "qpv2024_54.csv"
    target.write_text(lines[0] + "".join(kept), encoding="utf-8")
    return target


# An empty platform in a temporary data folder, with the official QPV referential (of 54):
# for tests that drop files in the inbox and run the jobs.
@pytest.fixture
def platform(tmp_path, monkeypatch, qpv_2024_file):
    monkeypatch.setenv("QUARTIERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("QUARTIERS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("QUARTIERS_QPV_2024_FILE", str(qpv_2024_file))
    from platform_config.settings import load_settings

    settings = load_settings()
    settings.inbox.mkdir(parents=True)
    return settings


# The warehouse of the site's tests, built once: hand-made facts sent as return files, read
# by the platform's reader, then `dbt build` (tests/site_warehouse.py). Tests copy it.
@pytest.fixture(scope="session")
def site_warehouse(tmp_path_factory) -> Path:
    from tests.site_warehouse import build_warehouse

    return build_warehouse(tmp_path_factory.mktemp("site_warehouse"))


# The command's build of a small inbox, once: every case a file can be in and returns typed
# with personal data (tests/small_build.py), read by the CLI's and the privacy tests.
@pytest.fixture(scope="session")
def small_build(tmp_path_factory, qpv_2024_file):
    from tests.small_build import build

    return build(tmp_path_factory.mktemp("small_build"), qpv_2024_file)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# The whole pipeline once per session, on a generated Grand Est dataset, through the
# project's Definitions: reference → ingestion (one run) → dbt → snapshot → site. The one
# build whose marts and pages are checked against an independent truth (tests/truth.py),
# read only by its tests: what smaller tests prove on hand-made rows, here at demo volume.
@pytest.fixture(scope="session")
def pipeline(tmp_path_factory, shared_reference):
    data = tmp_path_factory.mktemp("data")
    demo = generate_demo(
        data, seed=7, scale=0.25, qpv_2024_file=shared_reference / "qpv" / "qpv2024.csv"
    )
    env = {
        "QUARTIERS_DATA_DIR": str(data),
        "QUARTIERS_WAREHOUSE": str(data / "warehouse.duckdb"),
        "QUARTIERS_QPV_2024_FILE": str(shared_reference / "qpv" / "qpv2024.csv"),
        "QUARTIERS_QPV_2015_FILE": str(demo.qpv_2015_file),
        "QUARTIERS_POPULATION_FILE": str(demo.population_file),
        "QUARTIERS_BOUNDARIES_FILE": str(
            shared_reference / "geo" / "departements-grand-est.geojson"
        ),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    _PIPELINE_ENV.update(env)
    from orchestration import cli
    from platform_config.settings import load_settings

    settings = load_settings()
    instance = dg.DagsterInstance.ephemeral()
    keys = cli.ingest(settings, instance)
    for name, reason in demo.withdrawn.items():
        cli.retract(instance, name, reason)
    cli.run_build(settings, instance)
    yield demo, settings, instance, keys
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
