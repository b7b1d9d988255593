"""The demo site read as a delegate reads it: every page of the site the pipeline built (on
a small generated inbox), its key figures, its tables and the data of its charts (the plotly
JSON embedded in the page), checked against the marts of the published snapshot.

A figure shown is its mart cell; « < 11 » stands for a count of 1 to 10; « s » for a cell
hidden to protect another (never itself a count of 1 to 10); no total reads smaller than
a published part of it; and no hidden count can be worked out from all the site publishes.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pytest

from dashboards import formatting as fmt
from dashboards.confidentiality import SECONDARY, SECRET, is_small, protect_site
from dashboards.marts import load_marts
from dashboards.site import CONFIDENTIALITY_FILE
from returns.referentials import code_lists
from tests.derivable import determined_by_null_space

MARKS = (SECRET, SECONDARY)
LABEL_SCHEME = {v: k for k, v in fmt.Labels.from_frame(code_lists()).schemes.items()}
LABEL_BAND = {v: k for k, v in fmt.AGE_BANDS.items()}
# reach table column → mart_reach column (counts of people, then the others)
REACH_COLUMNS = {
    "Participations": "participations",
    "dont jeunes 6–25 ans": "young_participations",
    "dont habitants des QPV": "qpv_resident_participations",
    "Filles": "girls",
    "Garçons": "boys",
    "Actions": "actions",
    "Séances": "sessions",
    "QPV avec action": "qpv_with_action",
    "QPV sans action": "qpv_without_action",
}
PARTS_OF_PARTICIPATIONS = ("dont jeunes 6–25 ans", "dont habitants des QPV", "Filles", "Garçons")


# --------------------------------------------------------------------------- reading a page


class Page(HTMLParser):
    """Tables (title, header, rows of cell texts), key-figure cards and figures of a page."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.cards: dict[str, str] = {}
        self._title: list[str] | None = None
        self._last_title = ""
        self._cell: list[str] | None = None
        self._card: list[str] | None = None
        self._card_part = ""
        self._card_label = ""
        self._in_script = False
        text = path.read_text(encoding="utf-8")
        self.feed(text)
        self.figures = _figures(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self._in_script = True
        elif tag == "h3":
            self._title = []
        elif tag == "table":
            self.tables.append({"title": self._last_title, "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "div" and a.get("class") in ("l", "v"):
            self._card_part, self._card = a["class"], []

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        elif tag == "h3" and self._title is not None:
            self._last_title = "".join(self._title).strip()
            self._title = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "div" and self._card is not None:
            text = "".join(self._card).strip()
            if self._card_part == "l":
                self._card_label = text
            else:
                self.cards[self._card_label] = text
            self._card = None

    def handle_data(self, data):
        if self._in_script:
            return
        for buf in (self._title, self._cell, self._card):
            if buf is not None:
                buf.append(data)

    def table(self, header_start: list[str]) -> list[dict]:
        """Tables whose header starts so, as (title, list of rows as dicts)."""
        found = []
        for t in self.tables:
            header = t["rows"][0]
            if header[: len(header_start)] == header_start:
                found.append(
                    {
                        "title": t["title"],
                        "rows": [
                            dict(zip(header, r, strict=True))
                            for r in t["rows"][1:]
                            if len(r) == len(header)
                        ],
                    }
                )
        return found


def _figures(text: str) -> dict[str, tuple[list, dict]]:
    """(traces, layout) of every plotly figure of a page, by div id."""
    decoder = json.JSONDecoder()
    out = {}
    for m in re.finditer(r"Plotly\.newPlot\(\s*", text):
        pos = m.end()
        div_id, pos = decoder.raw_decode(text, pos)
        pos = text.index("[", pos)
        data, pos = decoder.raw_decode(text, pos)
        pos = text.index("{", pos)
        layout, _ = decoder.raw_decode(text, pos)
        out[div_id] = ([{k: _array(v) for k, v in t.items()} for t in data], layout)
    return out


def _array(value):
    """Plotly may embed arrays as typed base64 ("bdata"): back to a list."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(
            base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])
        ).tolist()
    return value


def number(text: str) -> float | None:
    """A French number as printed ("1 234", "12,5", "37,2 %"); None for a mark or a dash."""
    text = html.unescape(text).replace("\u202f", " ").replace("\xa0", " ").strip()
    if text in MARKS or text in (fmt.MISSING, "non disponible", "non renseignée", ""):
        return None
    text = text.removesuffix(" €").removesuffix(" %").replace(" ", "").replace(",", ".")
    return float(text)


# --------------------------------------------------------------------------- the checks


class Reader:
    """Compares what pages show to the marts; collects every disagreement."""

    def __init__(self, marts) -> None:
        self.reach = {
            (r["territory_level"], r["territory_code"], r["campaign_year"], r["scheme"]): r
            for r in marts.mart_reach.iter_rows(named=True)
        }
        self.qpv = {
            (r["qpv_code"], r["campaign_year"], r["scheme"]): r
            for r in marts.mart_qpv.iter_rows(named=True)
        }
        self.errors: list[str] = []
        self.seen = defaultdict(int)  # how many cells of each kind were read

    def count(self, where: str, shown: str, true: float | None, *, people: bool = True) -> None:
        """A count as printed against its mart value."""
        shown = html.unescape(shown).strip()
        if shown == SECRET:
            self.seen["< 11"] += 1
            if not (people and is_small(true)):
                self.errors.append(f"{where}: « < 11 » but the mart holds {true}")
        elif shown == SECONDARY:
            self.seen["s"] += 1
            if not people or is_small(true) or true is None:
                self.errors.append(f"{where}: « s » but the mart holds {true}")
        else:
            self.seen["shown"] += 1
            value = number(shown)
            if (value or 0) != (true or 0):
                self.errors.append(f"{where}: shows {shown!r}, the mart holds {true}")
            if people and is_small(value):
                self.errors.append(f"{where}: a count of 1 to 10 is printed ({shown})")

    def ratio(self, where: str, shown: str, true: float | None, scale: float) -> None:
        shown = html.unescape(shown).strip()
        if shown in MARKS:
            self.seen["ratio hidden"] += 1
            if shown != SECONDARY:
                self.errors.append(f"{where}: a hidden ratio reads {shown!r}, not « s »")
            return
        value = number(shown)
        if value is None:
            if true is not None:
                self.errors.append(f"{where}: shows {shown!r}, the mart holds {true}")
            return
        self.seen["ratio"] += 1
        if true is None or abs(value - true * scale) > 0.51 * (
            1 if abs(true * scale) >= 10 else 0.1
        ):
            self.errors.append(f"{where}: shows {shown!r}, the mart holds {true}")

    def not_smaller(self, where: str, total: str, part: str) -> None:
        """No total reads smaller than a published part of it (a « < 11 » total is < 11)."""
        t, p = html.unescape(total).strip(), html.unescape(part).strip()
        if p in MARKS or number(p) is None:
            return
        ceiling = 10 if t == SECRET else number(t)
        if t == SECONDARY or ceiling is None:
            return
        if number(p) > ceiling:
            self.errors.append(f"{where}: total {t!r} smaller than its part {p!r}")


def read_page(reader: Reader, path: Path, level: str, code: str, latest: int) -> None:
    page = Page(path)
    name = path.name
    # key figures: latest campaign, all schemes; none hidden
    hidden_cards = [label for label, value in page.cards.items() if value in MARKS]
    assert not hidden_cards, f"{name}: key figures hidden: {hidden_cards}"
    cur = reader.reach.get((level, code, latest, "ALL"))
    for label, col in (
        ("Participations de jeunes (6–25 ans)", "young_participations"),
        ("Participations, tous âges", "participations"),
    ):
        shown = page.cards[label]
        assert shown not in MARKS, f"{name}: key figure {label} hidden"
        reader.count(f"{name} carte {label}", shown, cur and cur[col])
    reader.ratio(
        f"{name} carte couverture",
        page.cards[fmt.COVERAGE_LABEL],
        cur and cur["coverage_rate"],
        100,
    )

    # participations by campaign and scheme
    (reach,) = page.table(["Campagne", "Dispositif", "Actions", "Séances"])
    by_year: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in reach["rows"]:
        scheme = LABEL_SCHEME[row["Dispositif"]]
        true = reader.reach[(level, code, int(row["Campagne"]), scheme)]
        where = f"{name} {row['Campagne']} {row['Dispositif']}"
        for header, col in REACH_COLUMNS.items():
            reader.count(
                f"{where} {header}",
                row[header],
                true[col],
                people=header not in ("Actions", "Séances", "QPV avec action", "QPV sans action"),
            )
        reader.ratio(f"{where} part des filles", row["Part des filles"], true["girls_share"], 100)
        reader.ratio(f"{where} couverture", row[fmt.COVERAGE_LABEL], true["coverage_rate"], 100)
        for header in PARTS_OF_PARTICIPATIONS:
            reader.not_smaller(f"{where} {header}", row["Participations"], row[header])
        by_year[row["Campagne"]][scheme] = row
    for year, rows in by_year.items():
        for scheme, row in rows.items():
            if scheme != "ALL" and "ALL" in rows:
                for header in ("Participations", *PARTS_OF_PARTICIPATIONS):
                    reader.not_smaller(
                        f"{name} {year} tous dispositifs vs {scheme} {header}",
                        rows["ALL"][header],
                        row[header],
                    )

    # sub-territories: latest campaign, and young participations per campaign with the total
    kid_level = "region" if level == "france" else "departement"
    for t in page.table(["Code", "Région"]) + page.table(["Code", "Département"]):
        for row in t["rows"]:
            kid = (kid_level, row["Code"]) if row["Code"] != "Total" else (level, code)
            if "Actions" in row:  # latest campaign
                true = reader.reach.get((*kid, latest, "ALL"))
                for header, col in (
                    ("Participations de jeunes (6–25 ans)", "young_participations"),
                    ("Participations, tous âges", "participations"),
                ):
                    reader.count(f"{name} {row['Code']} {header}", row[header], true and true[col])
                    assert row[header] not in MARKS, f"{name}: {row['Code']} {header} hidden"
                reader.ratio(
                    f"{name} {row['Code']} couverture",
                    row[fmt.COVERAGE_LABEL],
                    true and true["coverage_rate"],
                    100,
                )
            else:
                for year in [h for h in row if re.fullmatch(r"\d{4}", h)]:
                    true = reader.reach.get((*kid, int(year), "ALL"))
                    reader.count(
                        f"{name} {row['Code']} {year}",
                        row[year],
                        true and true["young_participations"],
                    )
        totals = [r for r in t["rows"] if r["Code"] == "Total"]
        for total in totals:
            for row in t["rows"]:
                for year in [h for h in row if re.fullmatch(r"\d{4}", h)]:
                    reader.not_smaller(
                        f"{name} total {year} vs {row['Code']}", total[year], row[year]
                    )

    # QPV of a département
    for t in page.table(["Code QPV", "Quartier", "Actions"]):
        for row in t["rows"]:
            true = reader.qpv.get((row["Code QPV"], latest, "ALL"))
            reader.count(
                f"{name} {row['Code QPV']} jeunes",
                row["Participations de jeunes (6–25 ans)"],
                true and true["young_participations"],
            )
            reader.count(
                f"{name} {row['Code QPV']} tous âges",
                row["Participations, tous âges"],
                true and true["participations"],
            )
            reader.ratio(
                f"{name} {row['Code QPV']} couverture",
                row[fmt.COVERAGE_LABEL],
                true and true["coverage_rate"],
                100,
            )
            reader.not_smaller(
                f"{name} {row['Code QPV']}",
                row["Participations, tous âges"],
                row["Participations de jeunes (6–25 ans)"],
            )
    for t in page.table(["Code QPV", "Quartier"]):  # the pivot: one column per campaign
        years = [h for h in (t["rows"][0] if t["rows"] else {}) if re.fullmatch(r"\d{4}", h)]
        if not years:
            continue
        total = next(r for r in t["rows"] if r["Code QPV"] == "Total")
        for row in t["rows"]:
            for year in years:
                if row is total:
                    true = reader.reach.get((level, code, int(year), "ALL"))
                else:
                    true = reader.qpv.get((row["Code QPV"], int(year), "ALL"))
                    reader.not_smaller(
                        f"{name} QPV total {year} vs {row['Code QPV']}", total[year], row[year]
                    )
                reader.count(
                    f"{name} {row['Code QPV']} {year}",
                    row[year],
                    true and true["young_participations"],
                )

    read_charts(reader, page, name, level, code, latest)


def _groups(layout: dict, n: int) -> list[tuple[str, list[int]]]:
    """(selector label, traces it shows) of a chart; one unnamed group without a selector."""
    menus = layout.get("updatemenus") or []
    if not menus:
        return [("", list(range(n)))]
    return [
        (b["label"], [i for i, v in enumerate(b["args"][0]["visible"]) if v])
        for b in menus[0]["buttons"]
    ]


def read_charts(reader: Reader, page: Page, name: str, level: str, code: str, latest: int) -> None:
    traces, layout = page.figures["participations"]
    for label, members in _groups(layout, len(traces)):
        scheme = LABEL_SCHEME.get(label, "ALL")
        bars = [traces[i] for i in members if traces[i].get("type") == "bar"]
        marks = {
            traces[i]["name"]: dict(zip(traces[i]["x"], traces[i]["text"], strict=True))
            for i in members
            if traces[i].get("mode") == "text"
        }
        for bar in bars:
            col = "young_participations" if "jeunes" in bar["name"] else "participations"
            for x, y in zip(bar["x"], bar["y"], strict=True):
                true = reader.reach[(level, code, int(x), scheme)][col]
                shown = marks.get(bar["name"], {}).get(x) if y is None else fmt.integer(y)
                reader.count(
                    f"{name} graphique {label} {bar['name']} {x}", shown or fmt.MISSING, true
                )
    traces, layout = page.figures["ages"]
    for label, members in _groups(layout, len(traces)):
        year, scheme_label = label.split(" – ", 1) if label else (str(latest), "Tous dispositifs")
        scheme = LABEL_SCHEME[scheme_label]
        bar = next(traces[i] for i in members if traces[i].get("type") == "bar")
        marks = {
            x: t
            for i in members
            if traces[i].get("mode") == "text"
            for x, t in zip(traces[i]["x"], traces[i]["text"], strict=True)
        }
        true_row = reader.reach[(level, code, int(year), scheme)]
        for x, y in zip(bar["x"], bar["y"], strict=True):
            true = true_row["age_" + LABEL_BAND[x]]
            shown = marks.get(x) if y is None else fmt.integer(y)
            reader.count(f"{name} âges {label} {x}", shown or fmt.MISSING, true)
    for fig_id, (traces, _) in page.figures.items():
        if fig_id.startswith("carte-"):
            kid_level = "region" if level == "france" else "departement"
            for t in traces:
                if t.get("fill") != "toself":
                    continue
                m = re.fullmatch(r".* \((\w+)\) : (.*)", t["text"])
                true = reader.reach.get((kid_level, m.group(1), latest, "ALL"))
                shown = m.group(2)
                if shown == "aucune participation déclarée":
                    assert not (true and true["young_participations"]), t["text"]
                    continue
                reader.count(
                    f"{name} carte {m.group(1)}", shown, true and true["young_participations"]
                )


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def demo_site(pipeline):
    _, settings, _, _ = pipeline
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    try:
        marts = load_marts(con)
    finally:
        con.close()
    return settings.site, marts


def _pages(site: Path) -> list[tuple[Path, str, str]]:
    out = [(site / "index.html", "france", "FR")]
    for p in sorted(site.glob("*.html")):
        m = re.fullmatch(r"(region|departement)-(\w+)\.html", p.name)
        if m:
            out.append((p, m.group(1), m.group(2)))
    return out


def test_every_page_shows_its_mart_cells_or_the_right_mark(demo_site):
    site, marts = demo_site
    reader = Reader(marts)
    latest = max(marts.mart_reach["campaign_year"].to_list())
    pages = _pages(site)
    assert len(pages) > 3
    for path, level, code in pages:
        read_page(reader, path, level, code, latest)
    assert not reader.errors, "\n".join(reader.errors[:30])
    # the demo exercises every case: figures shown, both marks, ratios hidden and shown
    assert reader.seen["shown"] > 1000 and reader.seen["< 11"] > 0 and reader.seen["s"] > 0, (
        reader.seen
    )
    assert reader.seen["ratio"] > 100, reader.seen


def test_marks_are_explained_on_every_page(demo_site):
    site, _ = demo_site
    for path, _, _ in _pages(site):
        text = html.unescape(path.read_text(encoding="utf-8"))
        assert "« < 11 » signale un effectif de 1 à 10" in text, path.name
        assert "« s » signale une valeur masquée" in text, path.name
        assert 'title="Participations de jeunes (6–25 ans) habitant un QPV' in text, (
            path.name
        )  # definition on hover


def test_what_the_site_hides_is_measured_and_small(demo_site, pipeline):
    import dagster as dg

    from orchestration.cli import _secret_lines

    site, _ = demo_site
    _, settings, instance, _ = pipeline
    report = json.loads((site / CONFIDENTIALITY_FILE).read_text(encoding="utf-8"))
    # in the site asset's metadata and in the command's summary too
    event = instance.get_latest_materialization_event(dg.AssetKey("dashboards_site"))
    metadata = event.asset_materialization.metadata
    assert metadata["secret : part masquée, site (%)"].value == round(
        100 * report["site"]["share_hidden"], 2
    )
    assert metadata["secret : chiffres clés masqués"].value == 0
    assert "pages départements" in "\n".join(_secret_lines(settings))
    assert {p.name for p, _, _ in _pages(site)} == set(report["pages"])
    assert report["site"]["headline_hidden"] == 0  # nothing hidden in "Chiffres clés"
    assert report["levels"]["france"]["share_hidden"] == 0.0
    # the pipeline's inbox is a quarter of the demo's: more small cells than `make demo`
    # (`make demo`: 0.7 %; before the cheaper suppression, 10.7 % here and 3.8 % on the demo)
    assert report["levels"]["departement"]["share_hidden"] <= 0.06, report["levels"]
    assert report["site"]["hidden_primary"] > 0 and report["site"]["hidden_secondary"] > 0


def test_no_hidden_count_of_the_demo_can_be_worked_out(demo_site):
    """The site's whole system (every relation between published counts) solved by linear
    algebra, one block of linked hidden cells at a time: no hidden count is determined."""
    _, marts = demo_site
    prot = protect_site(marts.mart_reach, marts.mart_qpv, marts.dim_territories)
    implied = {
        k
        for k in prot.values
        if k[0] == "T" and k[-1] in ("sex_unknown", "non_qpv_resident_participations")
    }
    unknown = set(prot.suppressed) | implied
    # a relation with a single unknown gives it away: it is known (and a leak if it must
    # not be); repeated, this leaves the small blocks only the full solve can settle
    leaks = set()
    by_cell = defaultdict(list)
    for g in prot.groups:
        for m in (g.total, *g.parts):
            by_cell[m].append(g)
    queue = list(prot.groups)
    while queue:
        g = queue.pop()
        rest = [m for m in (g.total, *g.parts) if m in unknown]
        if len(rest) == 1:
            unknown.discard(rest[0])
            leaks.add(rest[0])
            queue.extend(by_cell[rest[0]])
    # blocks: hidden cells linked by the relations they share
    parent = {k: k for k in unknown}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    rows = []
    for g in prot.groups:
        members = [m for m in (g.total, *g.parts) if m in unknown]
        if members:
            rows.append(g)
            for m in members[1:]:
                parent[find(m)] = find(members[0])
    blocks: dict = defaultdict(list)
    for g in rows:
        blocks[find(next(m for m in (g.total, *g.parts) if m in unknown))].append(g)
    for groups in blocks.values():
        cells = sorted({m for g in groups for m in (g.total, *g.parts) if m in unknown}, key=repr)
        col = {c: j for j, c in enumerate(cells)}
        a = np.zeros((len(groups), len(cells)))
        for i, g in enumerate(groups):
            if g.total in col:
                a[i, col[g.total]] += 1
            for p in g.parts:
                if p in col:
                    a[i, col[p]] -= 1
        leaks |= determined_by_null_space(a, cells)
    sensitive = {k for k in leaks if k in prot.suppressed or is_small(prot.values[k])}
    assert not sensitive, sorted(sensitive, key=repr)[:10]
    published = json.loads(
        (demo_site[0] / ".build" / "protection.json").read_text(encoding="utf-8")
    )
    assert {tuple(k) for k in published["suppressed"]} == set(prot.suppressed)
