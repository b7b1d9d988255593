"""The delegates' site as a browser shows it: headless Chromium (Debian's package) opens each
kind of page from file://, every plot draws its SVG, and no console error is logged."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--allow-file-access-from-files", "--window-size=1280,800"]

pytestmark = pytest.mark.browser


def render(page: Path, profile: Path, screenshot: Path | None = None) -> tuple[str, str]:
    """The DOM after scripts ran, and Chromium's log (console messages included)."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `make browser` installs Debian's package")
    args = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
            "--virtual-time-budget=15000"]
    if screenshot is not None:
        out = subprocess.run([*args, f"--screenshot={screenshot}", page.as_uri()],
                             capture_output=True, text=True, timeout=120)
        assert screenshot.exists(), out.stderr[-2000:]
    out = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120)
    return out.stdout, out.stderr


def plot_divs(dom: str) -> list[str]:
    """Each plotly graph div with what follows it up to the next one."""
    parts = re.split(r'(?=<div[^>]*class="[^"]*plotly-graph-div)', dom)
    return parts[1:]


@pytest.fixture(scope="module")
def site(pipeline) -> tuple[Path, str]:
    demo, settings, _, _ = pipeline
    return settings.site, demo.departments[0]


@pytest.mark.parametrize("page_kind", ["index", "region", "departement"])
def test_page_draws_every_chart_without_console_error(site, page_kind, tmp_path, artifacts):
    root, department = site
    pages = {"index": root / "index.html", "region": root / "region-44.html",
             "departement": root / f"departement-{department}.html"}
    page = pages[page_kind]
    dom, log = render(page, tmp_path / "profile", artifacts / f"site-{page_kind}.png")
    console = [line for line in log.splitlines() if "CONSOLE" in line]
    errors = [line for line in console if "rror" in line or "Uncaught" in line]
    assert not errors, errors
    divs = plot_divs(dom)
    if page_kind != "index":
        assert len(divs) >= 4, f"{page.name}: {len(divs)} charts"
    for div in divs:
        assert 'class="main-svg"' in div or "class='main-svg'" in div, div[:300]
    assert 'lang="fr"' in dom

