"""The page skeleton is a Jinja2 template with static CSS and scripts beside the module:
every one of those files is packaged (an installed wheel builds the same pages), and a page
holds each once, plotly.js by relative path."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from dashboards import pages

REPO = Path(__file__).resolve().parents[1]
DASHBOARDS = REPO / "dashboards"


def test_every_template_and_static_file_is_packaged():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["dashboards"]
    files = [
        p.relative_to(DASHBOARDS).as_posix()
        for folder in ("templates", "static")
        for p in (DASHBOARDS / folder).iterdir()
    ]
    assert "templates/page.html.j2" in files and "static/site.css" in files
    assert [f for f in files if not any(fnmatch(f, pat) for pat in patterns)] == []


def test_the_skeleton_inlines_each_static_file_once_and_loads_plotly_by_relative_path():
    page = pages.document(
        title="Moselle (57) — l'été", top="<nav>haut</nav>", body="<p>corps</p>", footer="pied"
    )
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert page.endswith("</html>\n")
    assert "<title>Moselle (57) — l&#x27;été</title>" in page  # escaped once, as pages.esc does
    assert "<main>\n<p>corps</p>\n</main>" in page and "<footer>pied</footer>" in page
    for name in ("site.css", "plotly-locale-fr.js", "resize.js"):
        text = pages.static_text(name)
        assert text and page.count(text) == 1, name
    assert page.count("<script src=") == 1
    assert f'<script src="{pages.PLOTLY_JS}" charset="utf-8"></script>' in page
    assert "{{" not in page and "{#" not in page  # no template syntax left
