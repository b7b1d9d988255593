"""The delegates' static site, built from marts that dbt built (tests/site_warehouse.py: a
dozen hand-made actions in two régions, three départements, two campaigns, with small counts
on purpose, sent as return files, read by the platform's reader, then `dbt build`).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import plotly.offline
import pytest

from dashboards.site import SCRATCH_PREFIX, SiteResult, build_site
from tests.derivable import determined_by_null_space
from tests.site_warehouse import TERRITORIES

REFERENTIAL = "référentiel QPV fictif (démo)"
GEO = Path(__file__).resolve().parents[2] / "shared" / "reference" / "geo"
GRAND_EST = GEO / "departements-grand-est.geojson"
FRANCE_DEPTS = GEO / "departements-version-simplifiee.geojson"
FRANCE_REGIONS = GEO / "regions-version-simplifiee.geojson"
needs_geo = pytest.mark.skipif(not GRAND_EST.exists(), reason="shared reference geometries absent")

# --------------------------------------------------------------------------- helpers


class _Text(HTMLParser):
    """Visible text and links of a page; each table as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.hrefs: list[str] = []
        self.scripts: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._in_script = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "script":
            self._in_script = True
            if a.get("src"):
                self.scripts.append(a["src"])
        if tag == "table":
            self.tables.append([])
        if tag == "tr" and self.tables:
            self.tables[-1].append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if not self._in_script:
            self.text.append(data)
            if self._cell is not None:
                self._cell.append(data)


def parse(path: Path) -> _Text:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def figure_data(path: Path) -> dict[str, list[dict]]:
    """The traces of every figure of a page, by div id."""
    html = path.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*(\[.*?\]),\s*\{"', html, re.S):
        out[m.group(1)] = json.loads(m.group(2))
    return out


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter=";"))


PEOPLE_HEADER = re.compile(  # counts of people (not the participations per 100 residents)
    r"^(?!.*pour 100)(Participations|dont jeunes|dont habitants|Filles|Garçons|Population jeune|\d{4}$)"
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def marts_db(site_warehouse, tmp_path_factory) -> Path:
    """The module's own copy of the session's dbt-built warehouse (some tests open it
    read-write)."""
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    shutil.copy(site_warehouse, db)
    return db


@pytest.fixture(scope="module")
def site(marts_db, tmp_path_factory) -> tuple[Path, SiteResult]:
    out = tmp_path_factory.mktemp("site")
    return out, build_site(marts_db, out, referential_label=REFERENTIAL)


def built(site: tuple[Path, SiteResult], out: Path) -> Path:
    """A copy of the module's site in `out`: what a first build from `marts_db` with
    REFERENTIAL writes there (a build is deterministic, test_site_publication.py), builder's
    state included, without rendering it again (≈ 2 s a build). For the tests whose first
    build only sets the scene; those about a first build make their own."""
    shutil.copytree(site[0], out, dirs_exist_ok=True)
    return out


# --------------------------------------------------------------------------- tests


def test_site_has_index_and_one_page_per_region_and_departement(site):
    out, result = site
    names = sorted(p.name for p in result.pages)
    assert names == sorted(
        [
            "index.html",
            "region-44.html",
            "region-76.html",
            "departement-54.html",
            "departement-57.html",
            "departement-31.html",
        ]
    )
    assert result.index == out / "index.html"
    assert sorted(result.written) == sorted(result.pages)  # first build writes every page
    assert result.seconds > 0
    for p in result.pages:
        assert p.read_text(encoding="utf-8").startswith('<!DOCTYPE html>\n<html lang="fr">')


def test_index_links_every_page_and_pages_link_up_and_down(site):
    out, result = site
    index_links = set(parse(result.index).hrefs)
    for p in result.pages:
        if p != result.index:
            assert p.name in index_links
    region = set(parse(out / "region-44.html").hrefs)
    assert {"index.html", "departement-54.html", "departement-57.html"} <= region
    dept = set(parse(out / "departement-54.html").hrefs)
    assert {"index.html", "region-44.html"} <= dept
    for href in index_links | region | dept:
        # the analysts' documentation is published beside the site by its own asset
        # (tests/test_pipeline.py follows that link)
        if not href.startswith("#") and href != "../documentation/index.html":
            assert (out / href).exists(), href


def test_every_page_says_what_it_covers(site):
    out, result = site
    for p in result.pages:
        text = " ".join(parse(p).text)
        assert REFERENTIAL in text
        assert "15/09/2024" in text  # date of the data, from mart_file_status
        assert "campagnes 2023 à 2024" in text
        assert "participations" in text
        assert "touché" not in text  # participations, never "jeunes touchés"
    dept_text = " ".join(parse(out / "departement-54.html").text)
    assert "Meurthe-et-Moselle (54)" in dept_text
    assert "Quartiers d'été" in dept_text and "Ville Vie Vacances" in dept_text


def test_explicit_data_date_is_shown(marts_db, tmp_path):
    result = build_site(
        marts_db, tmp_path, referential_label=REFERENTIAL, data_date=date(2024, 10, 2)
    )
    assert "02/10/2024" in " ".join(parse(result.index).text)


def _reach_row(page: Path, year: str, scheme_label: str) -> dict[str, str]:
    parsed = parse(page)
    for t in parsed.tables:
        header = t[0]
        if header[:2] == ["Campagne", "Dispositif"] and "dont jeunes 6–25 ans" in header:
            for row in t[1:]:
                if row[0] == year and row[1] == scheme_label:
                    return dict(zip(header, row, strict=True))
    raise AssertionError(f"no reach row {year} {scheme_label} in {page.name}")


def test_small_counts_show_as_secret_on_pages(site):
    out, _ = site
    # action a3 (54, VVV, 2024): 8 participations, 8 young, 3 girls, 5 boys
    row = _reach_row(out / "departement-54.html", "2024", "Ville Vie Vacances")
    assert row["Participations"] == "< 11"
    assert row["dont jeunes 6–25 ans"] == "< 11"
    assert row["Filles"] == "< 11" and row["Garçons"] == "< 11"
    assert row["Part des filles"] == "s"  # 3 / 8 would give the counts back: hidden, « s »
    # action b4 (31, QE, 2023): 10 participations
    row = _reach_row(out / "departement-31.html", "2023", "Quartiers d'été")
    assert row["Participations"] == "< 11"
    # a count of 11 or more stays published (unless secondary suppression needs it)
    row = _reach_row(out / "departement-31.html", "2024", "Quartiers d'été")
    assert row["Participations"] == "58" and row["dont jeunes 6–25 ans"] == "53"
    # 58 - 29 girls - 27 boys = 2 of unknown sex: girls or boys must go, else 2 shows;
    # hidden only to protect the 2, it reads « s », not « < 11 »
    assert "s" in (row["Filles"], row["Garçons"])
    assert "< 11" not in (row["Filles"], row["Garçons"])
    for p in [out / "departement-54.html", out / "departement-31.html"]:
        assert "< 11" in " ".join(parse(p).text)


def test_figures_never_carry_hidden_values(site):
    out, _ = site
    figs = figure_data(out / "departement-54.html")
    vvv = [
        t
        for t in figs["participations"]
        if t.get("type") == "bar" and t.get("marker", {}).get("color") == "#D55E00"
    ]
    assert vvv, "VVV bars expected"
    for trace in vvv:
        years = trace["x"]
        values = dict(zip(years, trace["y"], strict=True))
        assert values["2024"] is None  # 8 participations: no bar, no value in the page
    texts = [t for t in figs["participations"] if t.get("mode") == "text"]
    assert any("< 11" in t["text"] and "2024" in t["x"] for t in texts)


def _export_files(out: Path) -> list[Path]:
    return sorted((out / "exports").iterdir())


def _xlsx_rows(path: Path) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def test_no_count_from_1_to_10_in_any_export(site):
    out, _ = site
    files = _export_files(out)
    assert any(f.name == "departement-54-qpv.csv" for f in files)
    assert any(f.name == "departement-54-qpv.xlsx" for f in files)
    seen_secret = 0
    for f in files:
        rows = read_csv(f) if f.suffix == ".csv" else _xlsx_rows(f)
        header = [str(h) for h in rows[0]]
        people = [j for j, h in enumerate(header) if PEOPLE_HEADER.match(h)]
        for row in rows[1:]:
            for j in people:
                v = row[j]
                if v in ("< 11", "s"):
                    seen_secret += 1
                    continue
                if v in (None, "", "non disponible"):
                    continue
                assert not 1 <= int(v) <= 10, (f.name, header[j], v)
    assert seen_secret > 0


def test_formula_like_text_is_neutralised_in_exports(site):
    out, _ = site
    rows = read_csv(out / "exports" / "departement-54-retours-manquants.csv")
    porteurs = [r[4] for r in rows[1:]]
    assert porteurs == ['\'=HYPERLINK("http://exemple.invalid")']
    xrows = _xlsx_rows(out / "exports" / "departement-54-retours-manquants.xlsx")
    assert xrows[1][4] == '\'=HYPERLINK("http://exemple.invalid")'
    for f in _export_files(out):
        for row in read_csv(f) if f.suffix == ".csv" else _xlsx_rows(f):
            for v in row:
                if isinstance(v, str) and v and not re.fullmatch(r"-?\d+(,\d+)?", v):
                    assert v[0] not in "=+-@", (f.name, v)


# ---- secondary suppression, recomputed from what is published


def _num(v) -> float | None:
    if v in (None, "", "non disponible", "—"):
        return 0.0
    if v in ("< 11", "s"):
        return None
    return float(str(v).replace(",", "."))


def _determined(equations: list[dict], values: dict) -> set:
    """Unknown cells fixed by the equations (each: {cell: coefficient} summing to 0)."""
    unknown = sorted({c for eq in equations for c in eq if values.get(c, 0.0) is None}, key=repr)
    if not unknown:
        return set()
    col = {c: j for j, c in enumerate(unknown)}
    a = np.zeros((len(equations), len(unknown)))
    for i, eq in enumerate(equations):
        for c, coef in eq.items():
            if c in col:
                a[i, col[c]] = coef
    return determined_by_null_space(a, unknown)  # one SVD for the whole site


def _published_cells(out: Path) -> tuple[dict, list[dict]]:
    """Cells and additive equations of every published people table of the site."""
    values: dict = {}
    eqs: list[dict] = []
    ages = ["0–5 ans", "6–11 ans", "12–17 ans", "18–25 ans", "26–59 ans", "60 ans et plus"]
    measures = [
        "Participations",
        "dont jeunes 6–25 ans",
        "dont habitants des QPV",
        "Filles",
        "Garçons",
        *[f"Participations {a}" for a in ages],
    ]
    pages = {"index": ("france", "FR")} | {
        f"{lv}-{c}": (lv, c) for lv, c, *_ in TERRITORIES if lv != "france"
    }
    schemes_seen: dict = {}
    for page, terr in pages.items():
        rows = read_csv(out / "exports" / f"{page}-public.csv")
        header = rows[0]
        for r in rows[1:]:
            rec = dict(zip(header, r, strict=True))
            cell = (*terr, rec["Campagne"], rec["Dispositif"])
            schemes_seen.setdefault((*terr, rec["Campagne"]), set()).add(rec["Dispositif"])
            for m in measures:
                values[(*cell, m)] = _num(rec[m])
            values[(*cell, "sexe inconnu")] = None  # not published: an unknown
            values[(*cell, "hors QPV")] = None
            p = (*cell, "Participations")
            eqs.append({p: 1, **{(*cell, f"Participations {a}"): -1 for a in ages}})
            eqs.append(
                {
                    (*cell, "dont jeunes 6–25 ans"): 1,
                    **{(*cell, f"Participations {a}"): -1 for a in ages[1:4]},
                }
            )
            eqs.append(
                {p: 1, (*cell, "Filles"): -1, (*cell, "Garçons"): -1, (*cell, "sexe inconnu"): -1}
            )
            eqs.append({p: 1, (*cell, "dont habitants des QPV"): -1, (*cell, "hors QPV"): -1})
    all_label = "Tous dispositifs"
    for key, schemes in schemes_seen.items():
        parts = [s for s in schemes if s != all_label]
        for m in [*measures, "sexe inconnu", "hors QPV"]:
            eqs.append({(*key, all_label, m): 1, **{(*key, s, m): -1 for s in parts}})
    # parent = sum of children, for every (year, scheme, measure) the parent publishes
    children = {
        ("france", "FR"): [("region", "44"), ("region", "76")],
        ("region", "44"): [("departement", "54"), ("departement", "57")],
        ("region", "76"): [("departement", "31")],
    }
    for parent, kids in children.items():
        for cell in [c for c in values if c[:2] == parent]:
            eqs.append({cell: 1, **{(*k, *cell[2:]): -1 for k in kids}})
    # QPV tables: département = sum of its QPV (young and all-ages participations)
    for dept in ("54", "57", "31"):
        rows = read_csv(out / "exports" / f"departement-{dept}-qpv.csv")
        header = rows[0]
        groups: dict = {}
        by_scheme: dict = {}
        for r in rows[1:]:
            rec = dict(zip(header, r, strict=True))
            for m, dm in (
                ("Participations de jeunes (6–25 ans)", "dont jeunes 6–25 ans"),
                ("Participations, tous âges", "Participations"),
            ):
                cell = ("Q", rec["Code QPV"], rec["Campagne"], rec["Dispositif"], m)
                values[cell] = _num(rec[m])
                groups.setdefault(
                    ("departement", dept, rec["Campagne"], rec["Dispositif"], dm), []
                ).append(cell)
            for m in ("Participations de jeunes (6–25 ans)", "Participations, tous âges"):
                by_scheme.setdefault(("Q", rec["Code QPV"], rec["Campagne"], m), []).append(
                    ("Q", rec["Code QPV"], rec["Campagne"], rec["Dispositif"], m)
                )
        for total, parts in groups.items():
            eqs.append({total: 1, **{p: -1 for p in parts}})
        # a QPV's all schemes = sum of its schemes
        for (q, code, year, m), cells in by_scheme.items():
            total = (q, code, year, "Tous dispositifs", m)
            eqs.append({total: 1, **{c: -1 for c in cells if c != total}})
    eqs = [{c: k for c, k in eq.items() if c in values} for eq in eqs]
    return values, [eq for eq in eqs if len(eq) > 1]


def test_secondary_suppression_no_hidden_value_is_derivable(site):
    out, _ = site
    values, eqs = _published_cells(out)
    implied = ("sexe inconnu", "hors QPV")  # never published: unknowns of the equations
    hidden = {c for c, v in values.items() if v is None and c[-1] not in implied}
    assert len(hidden) > 10
    # the rule as stated: no group with a published total has exactly one hidden member
    for eq in eqs:
        lonely = [c for c in eq if values[c] is None]
        assert len(lonely) != 1 or lonely[0][-1] in implied, lonely
    # and exactly: no hidden value is fixed by combining the published tables
    assert not (_determined(eqs, values) & hidden)


def test_secondary_suppression_hides_a_second_cell(site):
    """54 in 2024: VVV (8) is hidden, so QE must be hidden too (ALL is published)."""
    out, _ = site
    qe = _reach_row(out / "departement-54.html", "2024", "Quartiers d'été")
    total = _reach_row(out / "departement-54.html", "2024", "Tous dispositifs")
    assert total["Participations"] == "110"
    assert "s" in (qe["Filles"], qe["Garçons"], qe["Participations"])


def test_qpv_tables_flag_qpv_without_action(site):
    out, _ = site
    parsed = parse(out / "departement-54.html")
    main = next(t for t in parsed.tables if "Population jeune" in t[0])
    rows = {r[0]: dict(zip(main[0], r, strict=True)) for r in main[1:]}
    assert set(rows) == {"QN05401M", "QN05402M"}
    assert rows["QN05401M"]["Population jeune"] == "400"
    gaps = next(
        t for t in parsed.tables if t[0] == ["Code QPV", "Quartier", "Communes (code INSEE)"]
    )
    assert [r[0] for r in gaps[1:]] == ["QN05403M"]
    assert "QPV sans aucune action — campagne 2024 (1)" in " ".join(parsed.text)
    export = read_csv(out / "exports" / "departement-54-qpv.csv")
    flagged = [(r[0], r[1], r[3]) for r in export[1:] if r[-1] == "oui"]
    # per scheme of the campaign too (mart_qpv lists every QPV under each scheme): 05403
    # has no action at all in 2024, 05402 no VVV action, 2023's 054001 no VA action
    assert sorted(flagged) == [
        ("2023", "Vacances apprenantes", "QP054001"),
        ("2024", "Quartiers d'été", "QN05403M"),
        ("2024", "Tous dispositifs", "QN05403M"),
        ("2024", "Ville Vie Vacances", "QN05402M"),
        ("2024", "Ville Vie Vacances", "QN05403M"),
    ]
    other = parse(out / "departement-57.html")
    qpv57 = next(t for t in other.tables if "Population jeune" in t[0])
    assert {r[7] for r in qpv57[1:]} == {"non disponible"}  # coverage unknown, never 0


def test_french_numbers_on_pages(site):
    out, _ = site
    text = " ".join(parse(out / "index.html").text)
    assert re.search(r"\d{1,3}( \d{3})+ €", text)  # "104 500 €"
    assert re.search(r"\d+,\d %", text)


def test_plotly_js_once_and_never_a_cdn(site):
    out, result = site
    js = [p for p in out.rglob("*.js")]
    assert js == [out / "plotly.min.js"]
    assert js[0].read_text(encoding="utf-8") == plotly.offline.get_plotlyjs()
    for p in result.pages:
        html = p.read_text(encoding="utf-8")
        assert "cdn.plot.ly" not in html and "https://cdn" not in html
        assert parse(p).scripts == ["plotly.min.js"]
        assert html.count("plotly.min.js") == 1


def test_page_weight_budget(site):
    out, result = site
    for p in result.pages:
        size = p.stat().st_size
        budget = 300_000 if p.name.startswith("departement-") else 400_000
        assert size < budget, (p.name, size)


def test_second_build_rewrites_nothing(marts_db, tmp_path):
    first = build_site(marts_db, tmp_path, referential_label=REFERENTIAL)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    second = build_site(marts_db, tmp_path, referential_label=REFERENTIAL)
    assert first.written and second.written == []
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # exports and plotly.js untouched too


def test_changed_data_rewrites_only_the_pages_that_show_it(marts_db, site, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(marts_db, db)
    out = built(site, tmp_path / "site")
    con = duckdb.connect(str(db))
    con.execute(
        "UPDATE marts.mart_cooperation SET partners_per_action = 9.5 "
        "WHERE territory_level = 'departement' AND territory_code = '31'"
    )
    con.close()
    result = build_site(db, out, referential_label=REFERENTIAL)
    assert [p.name for p in result.written] == ["departement-31.html"]


def test_label_change_rewrites_every_page(marts_db, site, tmp_path):
    built(site, tmp_path)
    result = build_site(
        marts_db, tmp_path, referential_label="référentiel officiel QPV 2024 (ANCT)"
    )
    assert sorted(result.written) == sorted(result.pages)


def test_file_named_like_the_schema(marts_db, tmp_path):
    """A snapshot called marts.duckdb makes `marts.x` ambiguous in DuckDB: still readable."""
    db = tmp_path / "marts.duckdb"
    shutil.copy(marts_db, db)
    assert len(build_site(db, tmp_path / "site", referential_label=REFERENTIAL).pages) == 6


def test_connection_is_closed_after_build(marts_db, site, tmp_path):
    build_site(marts_db, built(site, tmp_path), referential_label=REFERENTIAL)
    con = duckdb.connect(str(marts_db))  # read-write: refused while a read-only one is open
    con.close()


def test_without_boundaries_a_ranking_replaces_the_map(site):
    out, _ = site
    text = " ".join(parse(out / "region-44.html").text)
    assert "Aucun fichier de contours n'est configuré" in text
    figs = figure_data(out / "region-44.html")
    assert "classement-region-44" in figs and "carte-region-44" not in figs
    ranked = [t for t in figs["classement-region-44"] if t.get("type") == "bar"]
    assert ranked[0]["y"] == ["Meurthe-et-Moselle (54)", "Moselle (57)"] or ranked[0]["y"] == [
        "Moselle (57)",
        "Meurthe-et-Moselle (54)",
    ]


def _mapped_codes(page: Path, fig_id: str) -> set[str]:
    """Codes of the territories drawn as filled shapes on a page's map."""
    shapes = [t for t in figure_data(page)[fig_id] if t.get("fill") == "toself"]
    assert all(len(t["x"]) > 10 for t in shapes)  # real outlines, not placeholders
    return {re.search(r"\((\w+)\)$", t["name"]).group(1) for t in shapes}


@needs_geo
def test_choropleth_from_grand_est_boundaries(marts_db, tmp_path):
    result = build_site(
        marts_db, tmp_path, referential_label=REFERENTIAL, boundaries_file=GRAND_EST
    )
    page = tmp_path / "region-44.html"
    assert _mapped_codes(page, "carte-region-44") == {"54", "57"}
    assert "Aucun fichier de contours" not in " ".join(parse(page).text)
    assert page.stat().st_size < 400_000
    assert result.pages


@needs_geo
def test_choropleth_from_national_boundaries(marts_db, tmp_path):
    build_site(
        marts_db,
        tmp_path,
        referential_label=REFERENTIAL,
        boundaries_file=FRANCE_DEPTS,
        regions_boundaries_file=FRANCE_REGIONS,
    )
    assert _mapped_codes(tmp_path / "index.html", "carte-index") == {"44", "76"}
    assert _mapped_codes(tmp_path / "region-76.html", "carte-region-76") == {"31"}
    for p in tmp_path.glob("*.html"):
        assert p.stat().st_size < 400_000, p.name


def test_network_names_top_actors(site):
    out, _ = site
    figs = figure_data(out / "departement-57.html")
    labels = [x for t in figs["reseau"] if t.get("mode") == "markers+text" for x in t["text"] if x]
    assert "Centre social Borny" in labels


def test_missing_mart_still_builds(marts_db, tmp_path):
    db = tmp_path / "partial.duckdb"
    shutil.copy(marts_db, db)
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE marts.mart_network_edges")
    con.execute("DROP TABLE marts.mart_network_nodes")
    con.close()
    result = build_site(db, tmp_path / "site", referential_label=REFERENTIAL)
    assert "non disponible" in " ".join(parse(tmp_path / "site" / "departement-54.html").text)
    assert len(result.pages) == 6


def test_stale_pages_are_removed(marts_db, site, tmp_path):
    built(site, tmp_path)
    (tmp_path / "departement-99.html").write_text("old", encoding="utf-8")
    (tmp_path / "exports" / "departement-99-qpv.csv").write_text("old", encoding="utf-8")
    (tmp_path / "notes.html").write_text("not ours", encoding="utf-8")
    build_site(marts_db, tmp_path, referential_label=REFERENTIAL)
    assert not (tmp_path / "departement-99.html").exists()
    assert not (tmp_path / "exports" / "departement-99-qpv.csv").exists()
    assert (tmp_path / "notes.html").exists()


# --------------------------------------------------------------------------- territories kept


def _copy(marts_db: Path, tmp_path: Path, *sql: str) -> Path:
    db = tmp_path / "changed.duckdb"
    shutil.copy(marts_db, db)
    con = duckdb.connect(str(db))
    for statement in sql:
        con.execute(statement)
    con.close()
    return db


def _zero_reach(level: str, code: str, name: str) -> str:
    """The spine's rows of a territory without any action (every campaign, all schemes)."""
    return (
        "INSERT INTO marts.mart_reach (territory_level, territory_code, territory_name, "
        "campaign_year, scheme, actions, sessions, participations, young_participations) "
        f"SELECT '{level}', '{code}', '{name}', y, 'ALL', 0, 0, 0, 0 FROM (VALUES (2023), (2024)) v(y)"
    )


def test_pages_only_for_territories_with_qpv_or_lines(marts_db, tmp_path):
    dims = "INSERT INTO marts.dim_territories VALUES "
    db = _copy(
        marts_db,
        tmp_path,
        dims + "('departement', '09', 'Ariège', 'region', '76', '76', '09'),"
        "('departement', '11', 'Aude', 'region', '76', '76', '11'),"
        "('departement', '12', 'Aveyron', 'region', '76', '76', '12'),"
        "('region', '94', 'Corse', 'france', 'FR', '94', NULL),"
        "('departement', '2A', 'Corse-du-Sud', 'region', '94', '94', '2A')",
        # 09: a QPV of the referential, no action; 12: a funding line only
        "INSERT INTO marts.dim_qpv VALUES ('QN00901M', 2024, 'Foix centre', '09122', '09122', "
        "NULL, NULL, '09', '76', false, 'referentiel')",
        "INSERT INTO marts.mart_funding (territory_level, territory_code, territory_name, "
        "campaign_year, scheme, grant_files, amount_requested, amount_granted) "
        "VALUES ('departement', '12', 'Aveyron', 2024, 'ALL', 1, 1000, 800)",
        # 11 and 2A (and Corse) only have the spine's zero rows
        _zero_reach("departement", "11", "Aude"),
        _zero_reach("departement", "2A", "Corse-du-Sud"),
        _zero_reach("region", "94", "Corse"),
        _zero_reach("departement", "09", "Ariège"),
    )
    result = build_site(db, tmp_path / "site", referential_label=REFERENTIAL)
    names = {p.name for p in result.pages}
    assert {"departement-09.html", "departement-12.html"} <= names
    assert not {"departement-11.html", "departement-2A.html", "region-94.html"} & names
    assert len(names) == 8
    index = set(parse(result.index).hrefs)
    assert {"departement-09.html", "departement-12.html", "region-76.html"} <= index
    assert not {"departement-11.html", "departement-2A.html", "region-94.html"} & index
    region = parse(tmp_path / "site" / "region-76.html")
    codes = {r[0] for t in region.tables if t[0][:2] == ["Code", "Département"] for r in t[1:]}
    assert codes == {"09", "12", "31", "Total"}
    assert not list((tmp_path / "site").glob("*-11*")) and not list(
        (tmp_path / "site" / "exports").glob("*-11-*")
    )


def test_extra_territory_levels_and_columns_are_ignored(marts_db, site, tmp_path):
    """EPCI and commune rows, and columns the site does not know, change no page."""
    out, result = site
    extra = []
    for mart in ("mart_reach", "mart_funding", "mart_cooperation", "mart_returns_completeness"):
        # mart_returns_completeness stops at the département: its contract refuses the rows
        extra += [
            f"INSERT INTO marts.{mart} SELECT * REPLACE ('{lv}' AS territory_level, '{code}' AS territory_code) "
            f"FROM marts.{mart} WHERE territory_level = 'departement' AND territory_code = '54'"
            for lv, code in (("epci", "200069052"), ("commune", "54395"))
            if mart != "mart_returns_completeness"
        ]
        extra.append(f"ALTER TABLE marts.{mart} ADD COLUMN later_column VARCHAR DEFAULT 'x'")
    db = _copy(
        marts_db,
        tmp_path,
        "INSERT INTO marts.dim_territories VALUES "
        "('epci', '200069052', 'Métropole du Grand Nancy', 'departement', '54', '44', '54'),"
        "('commune', '54395', 'Nancy', 'epci', '200069052', '44', '54')",
        *extra,
    )
    other = build_site(db, tmp_path / "site", referential_label=REFERENTIAL)
    assert [p.name for p in other.pages] == [p.name for p in result.pages]
    for p in result.pages:
        assert (tmp_path / "site" / p.name).read_bytes() == p.read_bytes(), p.name
    for e in _export_files(out):
        assert (tmp_path / "site" / "exports" / e.name).read_bytes() == e.read_bytes(), e.name


def test_qpv_without_action_taken_from_the_mart_when_it_lists_them(marts_db, tmp_path):
    """mart_qpv lists zero rows with `has_action`: its gaps, not the builder's own rule."""
    db = _copy(
        marts_db,
        tmp_path,
        # in dim_qpv but not listed by the mart for 2024: the builder's rule would flag it
        "INSERT INTO marts.dim_qpv VALUES ('QN05404M', 2024, 'Champ-le-Bœuf', '54318', '54318', "
        "NULL, NULL, '54', '44', false, 'referentiel')",
    )
    con = duckdb.connect(str(db), read_only=True)
    listed = con.sql(
        "SELECT count(*) FROM marts.mart_qpv WHERE qpv_code = 'QN05403M' AND NOT has_action"
    ).fetchall()[0][0]
    con.close()
    assert listed == 3  # the mart lists it, under each scheme of 2024 and all of them
    build_site(db, tmp_path / "site", referential_label=REFERENTIAL)
    parsed = parse(tmp_path / "site" / "departement-54.html")
    gaps = next(
        t for t in parsed.tables if t[0] == ["Code QPV", "Quartier", "Communes (code INSEE)"]
    )
    assert [r[0] for r in gaps[1:]] == ["QN05403M"]
    export = read_csv(tmp_path / "site" / "exports" / "departement-54-qpv.csv")
    assert {(r[0], r[1], r[3]) for r in export[1:] if r[-1] == "oui"} == {
        *(
            ("2024", s, "QN05403M")
            for s in ("Tous dispositifs", "Quartiers d'été", "Ville Vie Vacances")
        ),
        ("2024", "Ville Vie Vacances", "QN05402M"),
        ("2023", "Vacances apprenantes", "QP054001"),
    }


def test_without_zero_rows_in_the_mart_the_builder_flags_the_qpv_without_action(marts_db, tmp_path):
    """A mart_qpv of actions only (no zero rows, no `has_action`): the builder's own rule,
    the QPV of the campaign's generation with no action at all."""
    db = _copy(
        marts_db,
        tmp_path,
        "DELETE FROM marts.mart_qpv WHERE NOT has_action",
        "ALTER TABLE marts.mart_qpv DROP COLUMN has_action",
    )
    build_site(db, tmp_path / "site", referential_label=REFERENTIAL)
    parsed = parse(tmp_path / "site" / "departement-54.html")
    gaps = next(
        t for t in parsed.tables if t[0] == ["Code QPV", "Quartier", "Communes (code INSEE)"]
    )
    assert [r[0] for r in gaps[1:]] == ["QN05403M"]
    assert "QPV sans aucune action — campagne 2024 (1)" in " ".join(parsed.text)
    export = read_csv(tmp_path / "site" / "exports" / "departement-54-qpv.csv")
    flagged = [r for r in export[1:] if r[-1] == "oui"]
    assert [(r[0], r[3]) for r in flagged] == [("2024", "QN05403M")]


# --------------------------------------------------------------------------- incremental


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_second_build_renders_nothing(marts_db, tmp_path):
    first = build_site(marts_db, tmp_path, referential_label=REFERENTIAL)
    before = _files(tmp_path)
    second = build_site(marts_db, tmp_path, referential_label=REFERENTIAL)
    assert sorted(first.rendered) == sorted(first.pages)
    assert second.rendered == [] and second.written == []  # its speed is for `make bench`
    assert _files(tmp_path) == before


def _built_then_57_changed(marts_db, site, out: Path) -> tuple[Path, Path]:
    """A site built, then a change that moves suppressions across pages: 57 gets a small
    count of girls in 2024, so the région and its other départements must hide more."""
    db = out.with_name(f"{out.name}.duckdb")
    shutil.copy(marts_db, db)
    built(site, out)
    con = duckdb.connect(str(db))
    con.execute(
        "UPDATE marts.mart_reach SET girls = 6, boys = boys + girls - 6 "
        "WHERE territory_level = 'departement' AND territory_code = '57' "
        "AND campaign_year = 2024"
    )
    con.close()
    return db, out


def test_incremental_build_equals_a_full_build_after_a_change(marts_db, site, tmp_path):
    """A change that moves suppressions across pages (57 gets a small count, so the
    région and its other départements must hide more): the pages rendered again give the
    same site, byte for byte, as a build from scratch."""
    db, out = _built_then_57_changed(marts_db, site, tmp_path / "incremental")
    again = build_site(db, out, referential_label=REFERENTIAL)
    fresh = build_site(db, tmp_path / "fresh", referential_label=REFERENTIAL)
    assert {p.name for p in again.rendered} >= {"departement-57.html"}
    assert len(again.rendered) < len(again.pages)
    assert _files(out) == _files(tmp_path / "fresh")
    assert sorted(fresh.rendered) == sorted(fresh.pages)


def test_builder_change_renders_every_page(marts_db, site, tmp_path, monkeypatch):
    import dashboards.site as site_module

    built(site, tmp_path)
    monkeypatch.setattr(site_module, "builder_version", lambda: "another version")
    result = build_site(marts_db, tmp_path, referential_label=REFERENTIAL)
    assert sorted(result.rendered) == sorted(result.pages)
    assert result.written == []  # same code in fact: same bytes


def test_damaged_output_is_rendered_again(marts_db, site, tmp_path):
    built(site, tmp_path)
    before = _files(tmp_path)
    (tmp_path / "exports" / "departement-57-qpv.xlsx").unlink()
    (tmp_path / "region-76.html").write_text("edited by hand", encoding="utf-8")
    result = build_site(marts_db, tmp_path, referential_label=REFERENTIAL)
    assert sorted(p.name for p in result.rendered) == ["departement-57.html", "region-76.html"]
    assert _files(tmp_path) == before
    for state in (".build/state.json", ".build/protection.json"):
        (tmp_path / state).write_text("{not json", encoding="utf-8")
    result = build_site(marts_db, tmp_path, referential_label=REFERENTIAL)
    assert sorted(result.rendered) == sorted(result.pages) and result.written == []
    assert _files(tmp_path) == before


def test_kept_suppressions_are_those_of_a_fresh_protection(marts_db, site):
    from dashboards.confidentiality import protect_site
    from dashboards.marts import load_marts

    out, _ = site
    kept = json.loads((out / ".build" / "protection.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(marts_db), read_only=True)
    marts = load_marts(con)
    con.close()
    fresh = protect_site(marts.mart_reach, marts.mart_qpv, marts.dim_territories)
    assert fresh.suppressed and {tuple(k) for k in kept["suppressed"]} == fresh.suppressed


def test_second_build_reuses_the_suppressions(marts_db, site, tmp_path, monkeypatch):
    import dashboards.confidentiality as confidentiality

    built(site, tmp_path)
    monkeypatch.setattr(
        confidentiality, "protect", lambda *a, **k: pytest.fail("protection recomputed")
    )
    assert build_site(marts_db, tmp_path, referential_label=REFERENTIAL).rendered == []


def _marts(db: Path):
    from dashboards.marts import load_marts

    con = duckdb.connect(str(db), read_only=True)
    try:
        return load_marts(con)
    finally:
        con.close()


def test_campaigns_protected_apart_get_the_decisions_of_one_solve(marts_db):
    """No relation links two campaigns, so the site solves them apart: the same hidden
    cells as one solve of the whole site's system."""
    from dashboards.confidentiality import (
        campaign_of,
        headline_rank,
        protect,
        protect_site,
        site_system,
    )

    m = _marts(marts_db)
    values, groups, implied = site_system(m.mart_reach, m.mart_qpv, m.dim_territories)
    whole = protect(values, groups, implied=implied, rank=headline_rank)
    apart = protect_site(m.mart_reach, m.mart_qpv, m.dim_territories)
    assert len({campaign_of(k) for k in whole.suppressed}) > 1
    assert whole.suppressed - whole.primary  # secondary cells too
    assert apart.suppressed == whole.suppressed


def test_a_changed_campaign_alone_is_protected_again(marts_db, site, tmp_path, monkeypatch):
    import dashboards.confidentiality as confidentiality

    db, out = _built_then_57_changed(marts_db, site, tmp_path / "site")
    solved, protect = [], confidentiality.protect

    def spy(values, *args, **kwargs):
        solved.append({confidentiality.campaign_of(k) for k in values})
        return protect(values, *args, **kwargs)

    monkeypatch.setattr(confidentiality, "protect", spy)
    build_site(db, out, referential_label=REFERENTIAL)
    assert solved == [{2024}]
    m = _marts(db)
    monkeypatch.setattr(confidentiality, "protect", protect)
    fresh = confidentiality.protect_site(m.mart_reach, m.mart_qpv, m.dim_territories)
    kept = json.loads((out / ".build" / "protection.json").read_text(encoding="utf-8"))
    assert {tuple(k) for k in kept["suppressed"]} == fresh.suppressed


def test_a_build_shared_with_a_helper_process_gives_the_same_files(marts_db, tmp_path):
    alone = build_site(marts_db, tmp_path / "alone", referential_label=REFERENTIAL, workers=1)
    shared = build_site(marts_db, tmp_path / "shared", referential_label=REFERENTIAL, workers=2)
    assert _files(tmp_path / "alone") == _files(tmp_path / "shared")
    assert shared.confidentiality == alone.confidentiality
    assert [p.name for p in shared.rendered] == [p.name for p in alone.rendered]
    # the marts given by a caller holding the file (the publication step): the helper reads
    # them from the Arrow files written for it, removed afterwards; and those of a build
    # killed outright (its process gone) are removed by the next
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    left = Path(tempfile.gettempdir()) / f"{SCRATCH_PREFIX}{gone.pid}-killed"
    (left / "marts").mkdir(parents=True)
    given = build_site(
        None, tmp_path / "given", referential_label=REFERENTIAL, workers=2, marts=_marts(marts_db)
    )
    assert _files(tmp_path / "given") == _files(tmp_path / "alone")
    assert [p.name for p in given.rendered] == [p.name for p in alone.rendered]
    assert not list(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{os.getpid()}-*"))
    assert not left.exists()
