"""Publication of the site: whole (a crashed build leaves the previous site), deterministic
(same snapshot, same bytes), and text from the data never rendered as markup."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

import dashboards.page_build
from dashboards import figures
from dashboards.site import build_site
from tests.test_dashboards_site import REFERENTIAL

MARKUP = '<a href="http://x">clic</a><span style="color:red">rouge</span>'
SHOWN = '&lt;a href="http://x"&gt;clic&lt;/a&gt;&lt;span style="color:red"&gt;rouge&lt;/span&gt;'


@pytest.fixture(scope="module")
def marts_db(site_warehouse, tmp_path_factory) -> Path:
    """The module's copy of the session's dbt-built warehouse (tests/site_warehouse.py)."""
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    shutil.copy(site_warehouse, db)
    return db


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def figures_of(page: str) -> list:
    """Data and layout of every figure of a page, as plotly.js receives them."""
    decoder, found = json.JSONDecoder(), []
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        data, end = decoder.raw_decode(page, m.end())
        layout, _ = decoder.raw_decode(page, page.index("{", end))
        found.append([data, layout])
    return found


def strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for v in value for s in strings(v)] if isinstance(value, list) else []


def test_markup_in_names_is_shown_as_text_never_rendered(marts_db, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(marts_db, db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE marts.mart_network_nodes SET org_name = $1 || org_name", [MARKUP])
    for table in ("dim_territories", "mart_reach"):
        con.execute(
            f"UPDATE marts.{table} SET territory_name = $1 || territory_name "
            "WHERE territory_level = 'departement'",
            [MARKUP],
        )
    con.close()
    out = build_site(db, tmp_path / "site", referential_label=REFERENTIAL).index.parent
    seen = set()
    for page in sorted(out.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert '<a href="http://x"' not in html and "<span style" not in html, page.name
        for text in strings(figures_of(html)):
            assert "<a " not in text and "<span" not in text, (page.name, text)
            if SHOWN in text:
                seen.add(page.name)
    # the names did reach the figures (network of a département, ranking of a région's
    # départements), as plain text
    assert {"departement-54.html", "region-44.html"} <= seen, seen


def test_a_choropleth_shows_markup_as_text():
    frame = pl.DataFrame({"code": ["54"], "name": [MARKUP], "value": [12], "value_secret": [False]})
    square = {"type": "Polygon", "coordinates": [[[6, 48], [7, 48], [7, 49], [6, 49], [6, 48]]]}
    fig = figures.choropleth(
        frame, {"features": [{"properties": {"code": "54"}, "geometry": square}]}, title=MARKUP
    )
    texts = strings(json.loads(fig.to_json()))
    assert not [t for t in texts if "<a " in t or "<span" in t]
    assert any(SHOWN in t for t in texts)


def test_a_build_that_crashes_leaves_the_published_site_whole(marts_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    build_site(marts_db, out, referential_label=REFERENTIAL)
    published = tree(out)
    render, calls = dashboards.page_build.render, []

    def crash_on_third_page(ctx, territory):
        calls.append(territory)
        if len(calls) == 3:
            raise RuntimeError("crash mid-build")
        return render(ctx, territory)

    monkeypatch.setattr(dashboards.page_build, "render", crash_on_third_page)
    with pytest.raises(RuntimeError):
        build_site(marts_db, out, referential_label="autre libellé : toutes les pages changent")
    assert tree(out) == published  # not one page of the new build
    monkeypatch.setattr(dashboards.page_build, "render", render)
    result = build_site(marts_db, out, referential_label="autre libellé")
    assert result.written and all(p.parent == out for p in result.written)
    assert "autre libellé" in (out / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no stage left


BUILD = (
    "import sys; from pathlib import Path; from dashboards.site import build_site; "
    "build_site(Path(sys.argv[1]), Path(sys.argv[2]), referential_label=sys.argv[3])"
)


def test_the_same_snapshot_gives_the_same_bytes(marts_db, tmp_path):
    """Two builds in processes with different hash seeds (set order) and in other folders."""
    root = Path(__file__).resolve().parent.parent
    for n in ("1", "2"):
        subprocess.run(
            [sys.executable, "-c", BUILD, str(marts_db), str(tmp_path / f"site{n}"), REFERENTIAL],
            cwd=root,
            check=True,
            timeout=300,
            env={**os.environ, "PYTHONHASHSEED": n},
        )
    first, second = tree(tmp_path / "site1"), tree(tmp_path / "site2")
    assert first.keys() == second.keys() and len(first) > 10
    assert [k for k in first if first[k] != second[k]] == []


def test_a_new_return_re_dates_only_the_pages_it_feeds(pipeline, tmp_path):
    """ "Données au" is each page's own: the latest arrival among the files that feed it.
    A return arriving for one département re-renders its page, its région's and France's,
    never the other départements' (the whole site used to, the date being site-wide)."""
    _, settings, _, _ = pipeline
    db = tmp_path / "copy.duckdb"
    shutil.copy(settings.snapshot, db)
    # Starts from the pipeline's published site (its builder's state included), built with the
    # same options: the same inputs render nothing again (test_site_browser.py proves it), so
    # the site is not rendered a second time from scratch before the change.
    out = tmp_path / "site"
    shutil.copytree(settings.site, out)
    options = {
        "referential_label": settings.referential_label,
        "boundaries_file": settings.boundaries_file,
        "regions_boundaries_file": settings.region_boundaries_file,
    }
    first = build_site(db, out, **options)
    con = duckdb.connect(str(db))
    dept = con.sql(
        "SELECT department_code FROM marts.fct_actions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()[0][0]
    con.execute(
        "UPDATE marts.mart_file_status SET received_at = TIMESTAMP '2031-01-15 09:00' "
        "WHERE file_hash = (SELECT min(file_hash) FROM marts.fct_actions "
        "WHERE department_code = $1)",
        [dept],
    )
    con.close()
    again = build_site(db, out, **options)
    rendered = {p.name for p in again.rendered}
    departements = {p.name for p in first.pages if p.name.startswith("departement-")}
    assert rendered & departements == {f"departement-{dept}.html"}
    assert "index.html" in rendered  # the France page
    assert len(rendered) < len(again.pages)
    assert "15/01/2031" in (out / f"departement-{dept}.html").read_text(encoding="utf-8")
    other = sorted(departements - {f"departement-{dept}.html"})[0]
    assert "15/01/2031" not in (out / other).read_text(encoding="utf-8")
