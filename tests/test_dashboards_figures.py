"""Figure builders, theme, boundaries and exports, one at a time on small frames."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import plotly.io as pio
import polars as pl
import pytest

from dashboards import exports, geo, pages, theme
from dashboards import figures as builders
from dashboards.formatting import Labels
from dashboards.tables import Column, Table
from returns.referentials import code_lists

LABELS = Labels.from_frame(code_lists())


class _Replayed:
    """The figure builders, each figure checked against plotly's: the same calls replayed
    on a `go.Figure` give the same JSON, byte for byte (the pages' bytes rely on it); the
    tests then read plotly's figure."""

    def __getattr__(self, name):
        built = getattr(builders, name)
        if not callable(built) or isinstance(built, type):
            return built

        def call(*args, **kwargs):
            out = built(*args, **kwargs)
            if not isinstance(out, builders.Figure):
                return out
            fig = out.replay()
            assert pio.to_json(pages._spec(fig), validate=False) == out.to_json()
            return fig

        return call


figures = _Replayed()

GEO = Path(__file__).resolve().parents[2] / "shared" / "reference" / "geo"
GRAND_EST = GEO / "departements-grand-est.geojson"
needs_geo = pytest.mark.skipif(not GRAND_EST.exists(), reason="shared reference geometries absent")


def reach_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "campaign_year": [2023, 2023, 2024, 2024, 2024],
            "scheme": ["ALL", "QE", "ALL", "QE", "VVV"],
            "young_participations": [120, 120, 150, None, None],
            "young_participations_secret": [False, False, False, True, True],
            "participations": [130, 130, 160, 152, None],
            "participations_secret": [False, False, False, False, True],
            "girls_share": [0.52, 0.52, None, None, None],
            "girls_share_secret": [False, False, True, True, True],
        }
    )


def test_theme_is_registered_with_french_separators_and_okabe_ito():
    t = theme.template()
    assert theme.TEMPLATE_NAME in pio.templates
    assert t.layout.separators == ", "
    assert list(t.layout.colorway) == list(theme.OKABE_ITO)
    assert theme.template() is t  # registered once


def test_participations_by_year_has_a_scheme_dropdown_and_no_hidden_value():
    fig = figures.participations_by_year(reach_frame(), labels=LABELS)
    menu = fig.layout.updatemenus[0]
    assert [b.label for b in menu.buttons] == [
        "Tous dispositifs",
        "Quartiers d'été",
        "Ville Vie Vacances",
    ]
    # each button shows only its scheme's traces
    for button in menu.buttons:
        visible = button.args[0]["visible"]
        assert len(visible) == len(fig.data) and any(visible)
    assert fig.layout.template.layout.separators == ", "
    vvv = [t for t in fig.data if t.type == "bar" and t.marker.color == theme.SCHEME_COLOURS["VVV"]]
    assert all(y is None for t in vvv for y in t.y)
    marks = [t for t in fig.data if t.type == "scatter" and t.mode == "text"]
    assert [list(t.text) for t in marks] == [["< 11"]] * 3  # QE young, VVV young and all ages
    assert "%{y:,d}" in vvv[0].hovertemplate  # French digits through the layout's separators
    payload = fig.to_json()
    assert "152" in payload  # published
    # the visible traces at first are the "ALL" ones
    assert all(t.visible for t in fig.data[:2])


def test_age_profile_one_entry_per_campaign_and_scheme():
    df = pl.DataFrame(
        {
            "campaign_year": [2024] * 6,
            "scheme": ["ALL"] * 6,
            "band": ["60_plus", "0_5", "6_11", "12_17", "18_25", "26_59"],
            "participations": [None, 0, 40, 55, 20, 12],
            "participations_secret": [True, False, False, False, False, False],
        }
    )
    fig = figures.age_profile(df, labels=LABELS)
    bars = [t for t in fig.data if t.type == "bar"]
    assert list(bars[0].x) == [
        "0–5 ans",
        "6–11 ans",
        "12–17 ans",
        "18–25 ans",
        "26–59 ans",
        "60 ans et plus",
    ]
    assert bars[0].y[-1] is None
    texts = [t for t in fig.data if t.type == "scatter" and t.mode == "text"]
    assert list(texts[0].x) == ["60 ans et plus"] and list(texts[0].text) == ["< 11"]


def test_girls_share_in_percent_with_parity_line():
    fig = figures.girls_share(reach_frame(), labels=LABELS)
    all_line = next(t for t in fig.data if t.name == "Tous dispositifs")
    assert list(all_line.y) == [52.0, None]
    assert "secret statistique" in all_line.customdata
    assert fig.layout.yaxis.ticksuffix == " %"


def test_funding_and_cooperation_figures():
    funding = pl.DataFrame(
        {
            "campaign_year": [2024, 2024],
            "scheme": ["ALL", "QE"],
            "granted_state_pv": [1000.0, 800.0],
            "granted_state_other": [40.0, 0.0],
            "granted_own_funds": [60.0, 10.0],
            "granted_other": [250.5, 0.0],
        }
    )
    fig = figures.funding_by_year(funding, labels=LABELS)
    assert fig.layout.barmode == "stack"
    # the four funder groups of the marts, own funds and other State credits apart
    assert [t.name for t in fig.data[:4]] == [
        "État – politique de la ville",
        "État – autres crédits",
        "Fonds propres des porteurs",
        "Autres financeurs",
    ]
    assert list(fig.data[3].y) == [250.5]
    assert fig.data[1].hovertemplate.endswith("%{y:,.0f} €<extra></extra>")
    mix = pl.DataFrame(
        {
            "campaign_year": [2024, 2024],
            "value": ["caf", "conseil_citoyen"],
            "links": [3, 5],
            "actions": [2, 4],
        }
    )
    fig = figures.partner_mix(mix, "categorie", labels=LABELS)
    assert list(fig.data[0].y) == ["CAF", "Conseil citoyen"]
    renewal = pl.DataFrame(
        {"campaign_year": [2023, 2024], "renewed_partnerships": [0, 3], "new_partnerships": [5, 2]}
    )
    assert len(figures.partnership_renewal(renewal).data) == 2


def test_empty_frames_give_a_message_not_an_error():
    empty = pl.DataFrame(schema={"campaign_year": pl.Int64, "scheme": pl.String})
    fig = figures.participations_by_year(empty, labels=LABELS)
    assert fig.layout.annotations[0].text == "Aucune action déclarée"


def test_spring_layout_is_deterministic_and_bounded():
    edges = [(0, 1, 2.0), (1, 2, 1.0), (2, 0, 1.0), (3, 4, 1.0)]
    a = figures.spring_layout(6, edges)
    b = figures.spring_layout(6, edges)
    assert np.array_equal(a, b)
    assert np.isfinite(a).all() and np.abs(a).max() <= 1.0 + 1e-9
    # linked nodes end closer than unlinked ones
    d = np.linalg.norm(a[0] - a[1]), np.linalg.norm(a[0] - a[5])
    assert d[0] < d[1]


def _spring_layout_as_written_first(n, edges, *, seed=7, iterations=120, gravity=0.6):
    """The layout's first formulation, (n, n, 2) arrays: the reference for its bits."""
    if n < 2:
        return np.zeros((n, 2))
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * math.pi, n, endpoint=False)
    pos = np.column_stack([np.cos(angles), np.sin(angles)]) + rng.normal(0, 0.01, (n, 2))
    adj = np.zeros((n, n))
    for i, j, w in edges:
        if i != j:
            adj[i, j] += w
            adj[j, i] += w
    if adj.max() > 0:
        adj = adj / adj.max()
    k = math.sqrt(4.0 / n)
    temperature = 0.2
    for step in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta**2).sum(-1))
        np.fill_diagonal(dist, 1.0)
        dist = np.maximum(dist, 1e-3)
        repulse = (k * k) / dist**2
        attract = adj * dist / k
        np.fill_diagonal(repulse, 0.0)
        force = ((repulse - attract)[:, :, None] * delta).sum(1) - gravity * pos
        length = np.maximum(np.sqrt((force**2).sum(-1)), 1e-9)
        pos = pos + force / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature = 0.2 * (1 - (step + 1) / iterations) + 0.002
    pos = pos - pos.mean(0)
    scale = np.abs(pos).max()
    return pos / scale if scale > 0 else pos


def test_spring_layout_keeps_the_bits_of_its_first_formulation():
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 3, 7, 30, 64, 120):
        edges = [
            (int(rng.integers(0, n)), int(rng.integers(0, n)), float(rng.integers(1, 6)))
            for _ in range(2 * n)
        ]
        got, want = figures.spring_layout(n, edges), _spring_layout_as_written_first(n, edges)
        assert got.tobytes() == want.tobytes(), n


def test_network_names_the_most_connected_only():
    nodes = pl.DataFrame(
        {
            "org_id": [f"o{i}" for i in range(12)],
            "org_name": [f"Orga {i}" for i in range(12)],
            "org_category": ["association"] * 6 + ["caf"] * 6,
            "degree": list(range(12, 0, -1)),
            "actions": [1] * 12,
        }
    )
    edges = pl.DataFrame(
        {"org_a": ["o0", "o0", "o1"], "org_b": ["o1", "o2", "o3"], "shared_actions": [2, 1, 1]}
    )
    fig = figures.cooperation_network(nodes, edges, top=3, max_nodes=10, labels=LABELS)
    named = [
        x for t in fig.data if t.type == "scatter" and t.mode == "markers+text" for x in t.text if x
    ]
    assert sorted(named) == ["Orga 0", "Orga 1", "Orga 2"]
    assert sum(len(t.x) for t in fig.data if t.type == "scatter" and t.mode == "markers+text") == 10
    assert "10 organisations les plus reliées sur 12" in fig.layout.title.text


@needs_geo
def test_boundaries_are_filtered_and_lightened():
    light = geo.boundaries_for(GRAND_EST, {"54", "57"})
    assert [f["properties"]["code"] for f in light["features"]] == ["54", "57"]
    assert len(json.dumps(light)) < 0.5 * GRAND_EST.stat().st_size / 5  # 2 of 10, lighter
    ring = light["features"][0]["geometry"]["coordinates"][0]
    if light["features"][0]["geometry"]["type"] == "MultiPolygon":
        ring = ring[0]
    assert ring[0] == ring[-1] and all(round(x, 2) == x for x, _ in ring)


def test_douglas_peucker_keeps_corners_and_drops_near_straight_points():
    line = [[0, 0], [1, 0.001], [2, 0], [2, 1], [2.001, 2], [2, 3]]
    assert geo.douglas_peucker(line, 0.01) == [[0, 0], [2, 0], [2, 3]]
    square = [[0, 0], [0.5, 0.0001], [1, 0], [1, 1], [0, 1], [0, 0]]
    assert geo.simplify_ring(square, 0.01) == [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def test_shipped_boundaries_are_the_default_small_and_overridable(tmp_path):
    from platform_config.settings import load_settings

    settings = load_settings({"QUARTIERS_DATA_DIR": str(tmp_path)})
    depts, regions = settings.boundaries_file, settings.region_boundaries_file
    assert depts.parent.name == "geodata" and (depts.parent / "SOURCES.md").exists()
    assert depts.stat().st_size + regions.stat().st_size < 1_000_000
    codes = {f["properties"]["code"] for f in geo.read_boundaries(depts)["features"]}
    assert len(codes) == 96 and {"2A", "2B", "54", "57", "75"} <= codes
    assert len(geo.read_boundaries(regions)["features"]) == 13
    assert len(geo.boundaries_for(depts, {"54"})["features"]) == 1
    other = tmp_path / "b.geojson"
    assert load_settings({"QUARTIERS_BOUNDARIES_FILE": str(other)}).boundaries_file == other


@needs_geo
def test_choropleth_greys_hidden_values_and_draws_offline():
    df = pl.DataFrame(
        {
            "code": ["54", "57"],
            "name": ["Meurthe-et-Moselle", "Moselle"],
            "value": [None, 300],
            "value_secret": [True, False],
        }
    )
    fig = figures.choropleth(df, geo.boundaries_for(GRAND_EST, {"54", "57"}), title="t")
    shapes = {t.name: t for t in fig.data if t.type == "scatter" and t.fill == "toself"}
    assert shapes["Meurthe-et-Moselle (54)"].fillcolor == theme.LIGHT_GREY
    assert "< 11" in shapes["Meurthe-et-Moselle (54)"].text
    assert shapes["Moselle (57)"].fillcolor != theme.LIGHT_GREY
    assert not any(t.type in ("choropleth", "choroplethmap", "scattergeo") for t in fig.data)


def test_ranking_puts_the_largest_on_top():
    df = pl.DataFrame(
        {
            "code": ["54", "57", "88"],
            "name": ["A", "B", "C"],
            "value": [50, None, 200],
            "value_secret": [False, True, False],
        }
    )
    fig = figures.ranking(df, title="t")
    assert list(fig.data[0].y)[-1] == "C (88)"
    assert list(fig.data[1].text) == ["< 11"]


def test_exports_neutralise_formulas_and_mark_secrets():
    assert exports.neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert exports.neutralise("+33 1") == "'+33 1"
    assert exports.neutralise("-x") == "'-x" and exports.neutralise("@x") == "'@x"
    assert exports.neutralise("MJC") == "MJC"
    table = Table(
        "t",
        "T",
        [
            Column("name", "Nom"),
            Column("n", "Participations", "people"),
            Column("r", "Part", "ratio"),
            Column("a", "Montant", "amount"),
        ],
        pl.DataFrame(
            {
                "name": ["=1+1", "Ok"],
                "n": [None, 1234],
                "n_secret": [True, False],
                "r": [0.1234, None],
                "a": [1234.5, 0.0],
            }
        ),
    )
    text = exports.to_csv(table).decode("utf-8")
    assert text.startswith("\ufeffNom;Participations;Part (%);Montant\r\n")
    assert "'=1+1;< 11;12,34;1234,5\r\n" in text
    assert "Ok;1234;;0\r\n" in text
    assert exports.to_xlsx(table) == exports.to_xlsx(table)  # same bytes: incremental builds


def test_each_mark_is_printed_as_decided_and_explained():
    """« < 11 » for a count of 1 to 10, « s » for a cell hidden to protect another, in
    tables, exports and charts alike; a hidden ratio is « s »; coverage per 100."""
    from dashboards import pages

    table = Table(
        "t",
        "T",
        [
            Column("n", "Participations", "people"),
            Column("r", "Part", "ratio"),
            Column("c", "Pour 100", "per100", help="définition"),
        ],
        pl.DataFrame(
            {
                "n": [None, None, 40],
                "n_secret": ["< 11", "s", None],
                "r": [None, None, 0.5],
                "r_secret": ["s", "s", None],
                "c": [12.264, None, 0.372],
            }
        ),
    )
    rows = list(table.df.iter_rows(named=True))
    assert [exports.cell(r, table.columns[0]) for r in rows] == ["< 11", "s", 40]
    assert [exports.cell(r, table.columns[1]) for r in rows] == ["s", "s", 50.0]
    assert exports.cell({"r": None, "r_secret": True}, table.columns[1]) == "s"  # a bare flag
    assert exports.cell(rows[0], table.columns[2]) == 1226.4
    html = pages.table(table)
    assert 'title="définition"' in html and "1 226" in html and "37" in html
    assert html.count("secret secondaire") == 3 and html.count("effectif de 1 à 10, masqué") == 1
    fig = figures.participations_by_year(
        pl.DataFrame(
            {
                "campaign_year": [2024, 2025],
                "scheme": ["ALL", "ALL"],
                "young_participations": [None, 300],
                "young_participations_secret": ["s", None],
                "participations": [None, 320],
                "participations_secret": ["< 11", None],
            }
        ),
        labels=LABELS,
    )
    assert sorted(t.text[0] for t in fig.data if t.type == "scatter") == ["< 11", "s"]


def test_xlsx_export_reads_back_as_written(tmp_path):
    # numbers of every format, secrets, texts needing escapes, kept spaces or Excel's escape
    # of control characters, empty cells, many rows: read back by openpyxl (values, formats,
    # header, frozen row, widths, title) and by fastexcel (what the platform reads returns with)
    import fastexcel
    import openpyxl

    rows = 40
    table = Table(
        "t",
        "T & <co>",
        [
            Column("name", "Nom"),
            Column("n", "Participations", "people"),
            Column("c", "Actions", "count"),
            Column("r", "Part", "ratio"),
            Column("p", "Taux", "per100"),
            Column("a", "Montant", "amount"),
            Column("x", "Indice", "number"),
            Column("y", "Campagne", "year"),
            Column("f", "Signataire", "flag"),
        ],
        pl.DataFrame(
            {
                "name": [
                    (f' a&b <{i}> "q" ' if i != 7 else "tab\there\x01") if i % 3 else None
                    for i in range(rows)
                ],
                "n": [i * 1001 if i % 4 else None for i in range(rows)],
                "n_secret": [
                    ("< 11" if i % 8 else "s") if i % 4 == 0 else None for i in range(rows)
                ],
                "c": [i for i in range(rows)],
                "r": [i / 7 if i % 5 else None for i in range(rows)],
                "r_secret": [i % 10 == 0 for i in range(rows)],
                "p": [i / 3 for i in range(rows)],
                "a": [i * 1234.567 for i in range(rows)],
                "x": [-i / 9 for i in range(rows)],
                "y": [2020 + i % 6 for i in range(rows)],
                "f": [bool(i % 2) for i in range(rows)],
            }
        ),
    )
    path = tmp_path / "t.xlsx"
    path.write_bytes(exports.to_xlsx(table))
    expected = [[exports.header(c) for c in table.columns], *exports.cells(table)]
    expected = [
        [v.replace("\x01", "_x0001_") if isinstance(v, str) else v for v in r] for r in expected
    ]

    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.title == "donnees" and wb.properties.title == "T & <co>"
    # (a control character reads as Excel's escape, which Excel itself shows as the character)
    assert [[c.value for c in r] for r in ws.iter_rows()] == expected
    assert ws.freeze_panes == "A2"
    assert all(c.font.b and c.alignment.wrap_text for c in ws[1])
    assert ws.column_dimensions["B"].width > 10 and ws.column_dimensions["A"].width >= 10
    formats = {c.column_letter: c.number_format for c in ws[3]}
    assert formats["B"] == "#,##0" and formats["C"] == "#,##0" and formats["D"] == "0.0"
    assert formats["E"] == "#,##0.0" and formats["F"] == '#,##0.00 "€"'
    assert formats["G"] == "0.00" and formats["H"] == "0"
    marks = [c for r in ws.iter_rows(min_row=2) for c in r if c.value in ("< 11", "s")]
    assert marks and all(c.alignment.horizontal == "right" for c in marks)
    assert ws["A3"].value == ' a&b <1> "q" '  # spaces kept, escapes undone

    streamed = openpyxl.load_workbook(path, read_only=True).active  # sized by its dimension
    assert [list(r) for r in streamed.iter_rows(values_only=True)] == expected
    sheet = fastexcel.read_excel(path.read_bytes()).load_sheet(0, header_row=None)
    assert sheet.height == rows + 1
    assert exports.to_xlsx(table) == exports.to_xlsx(table)  # same bytes: incremental builds
