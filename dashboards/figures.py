"""Pure figure builders: polars DataFrames in, plotly figures out.

Conventions for the input frames: counts of people that confidentiality hides are null in
their column and flagged True in the column of the same name suffixed `_secret`; the
figure then shows « < 11 » instead of a bar and never carries the value. Years are
`campaign_year`, schemes `scheme` (codes). Every label says "participations": sums over
actions count a person once per action.

Selectors are plotly `updatemenus` dropdowns (they work offline, inside plotly.js).

Plotly.js renders a subset of HTML in every text it draws (titles, legends, axis labels,
hover text, buttons): `<a href>` becomes a live link, `<span style>` styles it. Every text
from the data (names, labels of codes) goes through `plain` first; plotly.js decodes the
entities back for display, after it has looked for tags.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from functools import cache

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.colors import sample_colorscale

from dashboards import formatting as fmt
from dashboards.confidentiality import mark_text
from dashboards.theme import (
    GREY,
    LIGHT_GREY,
    OKABE_ITO,
    SCHEME_COLOURS,
    SEQUENTIAL,
    TEXT,
    template,
)

HEIGHT = 380
YOUNG_LABEL = "Participations de jeunes (6–25 ans)"
ALL_AGES_LABEL = "Participations, tous âges"


# --------------------------------------------------------------------------- helpers


def plain(text: object) -> str:
    """A text shown as typed: no tag of it is rendered by plotly.js."""
    return html.escape(str(text), quote=False)


def _secret(df: pl.DataFrame, col: str) -> list[str | None]:
    """The mark of each row's hidden value (« < 11 » or « s »), None when shown."""
    name = f"{col}_secret"
    if name in df.columns:
        return [mark_text(v) for v in df[name].to_list()]
    return [None] * df.height


@cache
def _template_json() -> dict:
    """The layout's template as plotly stores it in a figure (made once: shared, read-only)."""
    return go.Figure(layout={"template": template()}).to_plotly_json()["layout"]["template"]


def _compound(props: dict) -> dict:
    """A plotly object made by its constructor: properties in alphabetical order (the
    order of plotly's generated constructors), None dropped, nested objects likewise
    (`args` of a button is free-form data, kept as given)."""
    out = {}
    for key in sorted(props):
        value = props[key]
        if value is None:
            continue
        if isinstance(value, dict):
            value = _compound(value)
        elif key != "args" and isinstance(value, list) and value and isinstance(value[0], dict):
            value = [_compound(v) for v in value]
        out[key] = value
    return out


class Figure:
    """A plotly figure as the plain dicts plotly.js reads, built without plotly's graph
    objects, whose validation of every property was most of a page's time. Each method
    gives the dicts, key for key and in the same order, that plotly's method of the same
    name gives on a `go.Figure` (the tests replay every call on one: `replay`), so the
    pages keep their bytes. Only the calls and values the builders use are supported."""

    def __init__(self, title: str, height: int = HEIGHT) -> None:
        self.data: list[dict] = []
        self.layout: dict = {
            "height": height,
            "template": _template_json(),
            "title": {"text": plain(title)},
        }
        self.calls: list[tuple] = [("__init__", (title, height), {})]

    def add_trace(self, trace: tuple[str, dict]) -> None:
        kind, props = trace
        self.calls.append(("add_trace", (trace,), {}))
        self.data.append({**_compound(props), "type": kind})

    def add_bar(self, **props) -> None:
        self.add_trace(("bar", props))

    def add_scatter(self, **props) -> None:
        self.add_trace(("scatter", props))

    def set_visible(self, flags: list[bool]) -> None:
        """`trace.visible = flag` for each trace: set after the constructor, so last."""
        self.calls.append(("set_visible", (flags,), {}))
        for trace, flag in zip(self.data, flags, strict=True):
            trace["visible"] = flag

    def update_layout(self, **props) -> None:
        """Plotly updates the layout in a batch: an object given as a dict takes its place
        at once (keys in the order given), the other values are set after, in order."""
        self.calls.append(("update_layout", (), props))
        later = {}
        for key, value in props.items():
            if isinstance(value, dict):
                self.layout.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                later[key] = [_compound(v) if isinstance(v, dict) else v for v in value]
            else:
                later[key] = value
        self.layout.update(later)

    def _axis(self, name: str, props: dict) -> None:
        axis = self.layout.setdefault(name, {})
        for key, value in props.items():
            axis[key] = {"text": value} if key == "title" else value

    def update_xaxes(self, **props) -> None:
        self.calls.append(("update_xaxes", (), props))
        self._axis("xaxis", props)

    def update_yaxes(self, **props) -> None:
        self.calls.append(("update_yaxes", (), props))
        self._axis("yaxis", props)

    def add_annotation(self, **props) -> None:
        self.calls.append(("add_annotation", (), props))
        self.layout.setdefault("annotations", []).append(_compound(props))

    def add_hline(self, *, y: float, line_dash: str, line_color: str, annotation_text: str):
        """A dotted line across the plot at `y`, its label at the right end."""
        self.calls.append(
            (
                "add_hline",
                (),
                {
                    "y": y,
                    "line_dash": line_dash,
                    "line_color": line_color,
                    "annotation_text": annotation_text,
                },
            )
        )
        self.layout.setdefault("shapes", []).append(
            {
                "line": {"color": line_color, "dash": line_dash},
                "type": "line",
                "x0": 0,
                "x1": 1,
                "xref": "x domain",
                "y0": y,
                "y1": y,
                "yref": "y",
            }
        )
        self.layout.setdefault("annotations", []).append(
            {
                "showarrow": False,
                "text": annotation_text,
                "x": 1,
                "xanchor": "right",
                "xref": "x domain",
                "y": y,
                "yanchor": "bottom",
                "yref": "y",
            }
        )

    def to_dict(self) -> dict:
        return {"data": self.data, "layout": self.layout}

    def to_json(self) -> str:
        return pio.to_json(self.to_dict(), validate=False)

    def replay(self) -> Figure:
        """The same calls on a plotly figure (tests: same dicts; inspection)."""
        fig = None
        for name, args, kwargs in self.calls:
            if name == "__init__":
                title, height = args
                fig = go.Figure(
                    layout={
                        "template": template(),
                        "title": {"text": plain(title)},
                        "height": height,
                    }
                )
            elif name == "add_trace":
                kind, props = args[0]
                fig.add_trace({"bar": go.Bar, "scatter": go.Scatter}[kind](**props))
            elif name == "set_visible":
                for trace, flag in zip(fig.data, args[0], strict=True):
                    trace.visible = flag
            else:
                getattr(fig, name)(*args, **kwargs)
        return fig


def _base(title: str, height: int = HEIGHT) -> Figure:
    return Figure(title, height)


def _dropdown(fig: Figure, labels: list[str], groups: list[list[int]], active: int = 0) -> None:
    """One button per label; button i shows the traces of groups[i] and hides the others."""
    n = len(fig.data)
    fig.set_visible([i in groups[active] for i in range(n)])
    if len(labels) < 2:
        return
    buttons = []
    for label, members in zip(labels, groups, strict=True):
        visible = [i in members for i in range(n)]
        buttons.append({"label": plain(label), "method": "restyle", "args": [{"visible": visible}]})
    fig.update_layout(
        margin={"t": 100},
        updatemenus=[
            {
                "buttons": buttons,
                "active": active,
                "direction": "down",
                "x": 0,
                "xanchor": "left",
                "y": 1.02,
                "yanchor": "bottom",
                "showactive": True,
                "bgcolor": "white",
            }
        ],
    )


def _secret_markers(x: list, secrets: list[str | None], name: str) -> tuple[str, dict]:
    """The mark (« < 11 » or « s ») at the foot of the bars whose value is hidden."""
    xs = [xv for xv, s in zip(x, secrets, strict=True) if s]
    marks = [s for s in secrets if s]
    return "scatter", dict(
        x=xs,
        y=[0] * len(xs),
        mode="text",
        text=marks,
        textposition="top center",
        hovertext=[f"{name} : {m} (secret statistique)" for m in marks],
        hoverinfo="text",
        showlegend=False,
        name=name,
    )


def _years(df: pl.DataFrame) -> list[int]:
    return sorted(df["campaign_year"].unique().to_list()) if df.height else []


def _schemes(df: pl.DataFrame) -> list[str]:
    return sorted(df["scheme"].unique().to_list(), key=fmt.scheme_sort_key) if df.height else []


def empty_figure(title: str, message: str) -> Figure:
    fig = _base(title, height=200)
    fig.add_annotation(
        text=plain(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


# --------------------------------------------------------------------------- reach


def participations_by_year(df: pl.DataFrame, *, labels: fmt.Labels) -> Figure:
    """Young and all-ages participations per campaign, one dropdown entry per scheme.

    Columns: campaign_year, scheme, young_participations, participations (+ `_secret`).
    """
    title = "Participations par campagne"
    if df.height == 0:
        return empty_figure(title, "Aucune action déclarée")
    fig = _base(title)
    schemes = _schemes(df)
    groups = []
    for scheme in schemes:
        part = df.filter(pl.col("scheme") == scheme).sort("campaign_year")
        x = [str(y) for y in part["campaign_year"].to_list()]
        members = []
        # All ages: lighter and hatched, so the legend tells them apart without colour.
        for col, name, opacity, pattern in (
            ("young_participations", YOUNG_LABEL, 1.0, ""),
            ("participations", ALL_AGES_LABEL, 0.55, "/"),
        ):
            secrets = _secret(part, col)
            values = part[col].to_list()
            members.append(len(fig.data))
            fig.add_bar(
                x=x,
                y=values,
                name=name,
                marker={
                    "color": SCHEME_COLOURS.get(scheme, OKABE_ITO[0]),
                    "opacity": opacity,
                    "pattern": {"shape": pattern},
                },
                hovertemplate=f"{name}<br>%{{x}} : %{{y:,d}}<extra></extra>",
                legendgroup=name,
            )
            if any(secrets):
                members.append(len(fig.data))
                fig.add_trace(_secret_markers(x, secrets, name))
        groups.append(members)
    _dropdown(fig, [labels.scheme(s) for s in schemes], groups)
    fig.update_layout(barmode="group", xaxis={"type": "category"})
    fig.update_yaxes(title="Participations", tickformat=",d")
    return fig


def age_profile(df: pl.DataFrame, *, labels: fmt.Labels) -> Figure:
    """Participations by age band, one dropdown entry per (campaign, scheme).

    Columns: campaign_year, scheme, band (code of formatting.AGE_BANDS), participations
    (+ participations_secret).
    """
    title = "Profil par âge des participations (en bleu : 6–25 ans)"
    if df.height == 0:
        return empty_figure(title, "Aucune action déclarée")
    fig = _base(title)
    names, groups = [], []
    # the rows of each (campaign, scheme) in one pass, in the frame's order: a filter and a
    # sort per entry were most of this figure's time
    secret = (
        df["participations_secret"].to_list() if "participations_secret" in df.columns else None
    )
    parts: dict[tuple, list[int]] = {}
    for n, key in enumerate(
        zip(df["campaign_year"].to_list(), df["scheme"].to_list(), strict=True)
    ):
        parts.setdefault(key, []).append(n)
    band_of, value_of = df["band"].to_list(), df["participations"].to_list()
    order = {b: i for i, b in enumerate(fmt.AGE_BANDS)}
    for year in reversed(_years(df)):
        schemes = sorted({s for y, s in parts if y == year}, key=fmt.scheme_sort_key)
        for scheme in schemes:
            rows = sorted(parts[(year, scheme)], key=lambda n: order.get(band_of[n], 99))
            bands = [band_of[n] for n in rows]
            x = [plain(labels.label("age", b)) for b in bands]
            values = [value_of[n] for n in rows]
            secrets = [mark_text(secret[n]) for n in rows] if secret else [None] * len(rows)
            colours = [OKABE_ITO[0] if b in fmt.YOUNG_BANDS else GREY for b in bands]
            members = [len(fig.data)]
            fig.add_bar(
                x=x,
                y=values,
                name=plain(f"{year} – {labels.scheme(scheme)}"),
                marker={"color": colours},
                hovertemplate="%{x} : %{y:,d} participations<extra></extra>",
                showlegend=False,
            )
            if any(secrets):
                members.append(len(fig.data))
                fig.add_trace(_secret_markers(x, secrets, "Participations"))
            names.append(f"{year} – {labels.scheme(scheme)}")
            groups.append(members)
    _dropdown(fig, names, groups)
    fig.update_xaxes(type="category", automargin=True)  # band labels stay whole on a phone
    fig.update_yaxes(title="Participations", tickformat=",d")
    return fig


def girls_share(df: pl.DataFrame, *, labels: fmt.Labels) -> Figure:
    """Share of girls among participations of known sex, per campaign, one line per scheme.

    Columns: campaign_year, scheme, girls_share (ratio 0–1, null when unknown or hidden).
    """
    title = "Part des filles (sexe connu)"
    if df.height == 0:
        return empty_figure(title, "Aucune action déclarée")
    fig = _base(title)
    for scheme in _schemes(df):
        part = df.filter(pl.col("scheme") == scheme).sort("campaign_year")
        shares = part["girls_share"].to_list()
        secrets = _secret(part, "girls_share")
        texts = [
            "secret statistique" if s else fmt.percent(v, missing="non renseignée")
            for v, s in zip(shares, secrets, strict=True)
        ]
        fig.add_scatter(
            x=[str(y) for y in part["campaign_year"].to_list()],
            y=[None if v is None else round(v * 100, 2) for v in shares],
            mode="lines+markers",
            name=plain(labels.scheme(scheme)),
            line={"color": SCHEME_COLOURS.get(scheme, GREY), "width": 3 if scheme == "ALL" else 2},
            customdata=texts,
            hovertemplate=f"{plain(labels.scheme(scheme))}<br>%{{x}} : %{{customdata}}"
            "<extra></extra>",
        )
    fig.add_hline(y=50, line_dash="dot", line_color=GREY, annotation_text="parité")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title="Part des filles", ticksuffix=" %", range=[0, 100])
    return fig


# --------------------------------------------------------------------------- funding


def funding_by_year(df: pl.DataFrame, *, labels: fmt.Labels) -> Figure:
    """Granted amounts per campaign, in the four funder groups of the marts: State politique
    de la ville, other State credits, porteurs' own funds, other funders.

    Columns: campaign_year, scheme, granted_state_pv, granted_state_other, granted_own_funds,
    granted_other.
    """
    title = "Financements accordés : État, fonds propres et autres financeurs"
    if df.height == 0:
        return empty_figure(title, "Aucun financement enregistré")
    fig = _base(title)
    groups = []
    schemes = _schemes(df)
    for scheme in schemes:
        part = df.filter(pl.col("scheme") == scheme).sort("campaign_year")
        x = [str(y) for y in part["campaign_year"].to_list()]
        members = []
        for col, name, colour in (
            ("granted_state_pv", "État – politique de la ville", OKABE_ITO[0]),
            ("granted_state_other", "État – autres crédits", OKABE_ITO[4]),
            ("granted_own_funds", "Fonds propres des porteurs", OKABE_ITO[5]),
            ("granted_other", "Autres financeurs", OKABE_ITO[1]),
        ):
            values = part[col].to_list()
            members.append(len(fig.data))
            fig.add_bar(
                x=x,
                y=values,
                name=name,
                marker={"color": colour},
                hovertemplate=f"{name}<br>%{{x}} : %{{y:,.0f}} €<extra></extra>",
            )
        groups.append(members)
    _dropdown(fig, [labels.scheme(s) for s in schemes], groups)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title="Montant accordé (€)", tickformat=",d", ticksuffix=" €")
    return fig


def funding_by_funder(df: pl.DataFrame, *, labels: fmt.Labels) -> Figure:
    """Amount granted per funder, one dropdown entry per campaign.

    Columns: campaign_year, funder (code), amount_granted.
    """
    title = "Montants accordés par financeur"
    if df.height == 0:
        return empty_figure(title, "Aucun financement enregistré")
    fig = _base(title, height=420)
    names, groups = [], []
    for year in reversed(_years(df)):
        part = df.filter(pl.col("campaign_year") == year).sort("amount_granted", nulls_last=False)
        values = part["amount_granted"].to_list()
        groups.append([len(fig.data)])
        fig.add_bar(
            y=[plain(labels.label("funder", f)) for f in part["funder"].to_list()],
            x=values,
            orientation="h",
            name=str(year),
            marker={"color": OKABE_ITO[0]},
            hovertemplate="%{y} : %{x:,.0f} €<extra></extra>",
            showlegend=False,
        )
        names.append(f"Campagne {year}")
    _dropdown(fig, names, groups)
    fig.update_xaxes(title="Montant accordé (€)", tickformat=",d", ticksuffix=" €")
    fig.update_yaxes(type="category", automargin=True)
    return fig


# --------------------------------------------------------------------------- cooperation


def partners_per_action(df: pl.DataFrame, *, labels: fmt.Labels) -> Figure:
    """Average number of partners per action, per campaign, one dropdown entry per scheme.

    Columns: campaign_year, scheme, partners_per_action, share_actions_2plus_partners,
    share_actions_4plus_partners.
    """
    title = "Partenaires par action"
    if df.height == 0:
        return empty_figure(title, "Aucune action déclarée")
    fig = _base(title)
    groups = []
    schemes = _schemes(df)
    for scheme in schemes:
        part = df.filter(pl.col("scheme") == scheme).sort("campaign_year")
        texts = [
            f"{fmt.number(p, 1)} partenaires par action<br>"
            f"au moins 2 partenaires : {fmt.percent(s2)}<br>"
            f"au moins 4 partenaires : {fmt.percent(s4)}"
            for p, s2, s4 in zip(
                part["partners_per_action"].to_list(),
                part["share_actions_2plus_partners"].to_list(),
                part["share_actions_4plus_partners"].to_list(),
                strict=True,
            )
        ]
        groups.append([len(fig.data)])
        fig.add_bar(
            x=[str(y) for y in part["campaign_year"].to_list()],
            y=part["partners_per_action"].to_list(),
            name=plain(labels.scheme(scheme)),
            marker={"color": SCHEME_COLOURS.get(scheme, OKABE_ITO[0])},
            customdata=texts,
            hovertemplate="%{x}<br>%{customdata}<extra></extra>",
            showlegend=False,
        )
    _dropdown(fig, [labels.scheme(s) for s in schemes], groups)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title="Partenaires par action (moyenne)")
    return fig


def partner_mix(df: pl.DataFrame, dimension: str, *, labels: fmt.Labels) -> Figure:
    """Partnership links by partner category (`categorie`) or role (`role`), per campaign.

    Columns: campaign_year, value (code), links, actions.
    """
    kind, title = (
        ("partner_category", "Partenaires par catégorie")
        if dimension == "categorie"
        else ("role", "Rôles des partenaires")
    )
    if df.height == 0:
        return empty_figure(title, "Aucun partenaire déclaré")
    fig = _base(title, height=420)
    names, groups = [], []
    for year in reversed(_years(df)):
        part = df.filter(pl.col("campaign_year") == year).sort("links", nulls_last=False)
        groups.append([len(fig.data)])
        fig.add_bar(
            y=[plain(labels.label(kind, v)) for v in part["value"].to_list()],
            x=part["links"].to_list(),
            orientation="h",
            marker={"color": OKABE_ITO[2] if dimension == "categorie" else OKABE_ITO[4]},
            customdata=[
                f"{fmt.integer(link)} liens de partenariat, {fmt.integer(a)} actions"
                for link, a in zip(part["links"].to_list(), part["actions"].to_list(), strict=True)
            ],
            hovertemplate="%{y} : %{customdata}<extra></extra>",
            showlegend=False,
            name=str(year),
        )
        names.append(f"Campagne {year}")
    _dropdown(fig, names, groups)
    fig.update_xaxes(title="Liens de partenariat (action × partenaire)", tickformat=",d")
    fig.update_yaxes(type="category", automargin=True)
    return fig


def partnership_renewal(df: pl.DataFrame) -> Figure:
    """Porteur–partner pairs renewed from the previous campaign vs new ones.

    Columns: campaign_year, renewed_partnerships, new_partnerships.
    """
    title = "Partenariats renouvelés et nouveaux"
    if df.height == 0:
        return empty_figure(title, "Aucun partenaire déclaré")
    fig = _base(title)
    df = df.sort("campaign_year")
    x = [str(y) for y in df["campaign_year"].to_list()]
    for col, name, colour in (
        ("renewed_partnerships", "Renouvelés (déjà présents la campagne précédente)", OKABE_ITO[2]),
        ("new_partnerships", "Nouveaux", OKABE_ITO[1]),
    ):
        fig.add_bar(
            x=x,
            y=df[col].to_list(),
            name=name,
            marker={"color": colour},
            hovertemplate=f"{name}<br>%{{x}} : %{{y:,d}}<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title="Partenariats (porteur – partenaire)", tickformat=",d")
    return fig


def spring_layout(
    n: int,
    edges: Sequence[tuple[int, int, float]],
    *,
    seed: int = 7,
    iterations: int = 120,
    gravity: float = 0.6,
) -> np.ndarray:
    """Deterministic force-directed layout (Fruchterman–Reingold) of n nodes in [-1, 1]².

    Starts from a circle (node order fixed by the caller), uses a seeded jitter, a pull to
    the centre (keeps separate components together on screen) and linear cooling.
    """
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.zeros((1, 2))
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
    # Pairs are held as [j, i] (transposed), each coordinate apart: the sum of the forces
    # on i is then a reduction over the outer axis, done in the same order (j = 0, 1, …) as
    # the (n, n, 2) sum it replaces, so the layout keeps its bits (the pages their bytes),
    # four times faster.
    adj_t = np.ascontiguousarray(adj.T)
    k = math.sqrt(4.0 / n)
    temperature = 0.2
    for step in range(iterations):
        px, py = pos[:, 0], pos[:, 1]
        dx = px[None, :] - px[:, None]  # [j, i] = pos[i] - pos[j]
        dy = py[None, :] - py[:, None]
        dist = np.sqrt(dx**2 + dy**2)
        np.fill_diagonal(dist, 1.0)
        dist = np.maximum(dist, 1e-3)
        repulse = (k * k) / dist**2
        attract = adj_t * dist / k
        np.fill_diagonal(repulse, 0.0)
        coef = repulse - attract
        fx = np.add.reduce(coef * dx, axis=0)
        fy = np.add.reduce(coef * dy, axis=0)
        force = np.column_stack([fx, fy]) - gravity * pos
        length = np.maximum(np.sqrt((force**2).sum(-1)), 1e-9)
        pos = pos + force / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature = 0.2 * (1 - (step + 1) / iterations) + 0.002
    pos = pos - pos.mean(0)
    scale = np.abs(pos).max()
    return pos / scale if scale > 0 else pos


def cooperation_network(
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    *,
    top: int = 8,
    max_nodes: int = 120,
    labels: fmt.Labels,
) -> Figure:
    """Network of organisations (porteurs and partners) linked by shared actions.

    nodes: org_id, org_name, org_category, degree, actions; edges: org_a, org_b,
    shared_actions. The `max_nodes` most connected organisations are drawn; the `top`
    most connected are named on the graph, every node has its name on hover.
    """
    title = "Réseau des organisations qui agissent ensemble"
    if nodes.height == 0:
        return empty_figure(title, "Aucun partenariat déclaré")
    nodes = nodes.sort(["degree", "actions", "org_id"], descending=[True, True, False])
    shown = nodes.head(max_nodes)
    ids = shown["org_id"].to_list()
    index = {org: i for i, org in enumerate(ids)}
    kept = [
        (index[a], index[b], float(w or 1))
        for a, b, w in edges.select("org_a", "org_b", "shared_actions").iter_rows()
        if a in index and b in index
    ]
    pos = np.round(spring_layout(len(ids), kept), 3)
    subtitle = (
        f" ({len(ids)} organisations les plus reliées sur {nodes.height})"
        if nodes.height > len(ids)
        else ""
    )
    fig = _base(title + subtitle, height=560)
    ex: list[float | None] = []
    ey: list[float | None] = []
    for i, j, _ in kept:
        ex += [float(pos[i, 0]), float(pos[j, 0]), None]
        ey += [float(pos[i, 1]), float(pos[j, 1]), None]
    fig.add_scatter(
        x=ex,
        y=ey,
        mode="lines",
        line={"color": LIGHT_GREY, "width": 1},
        hoverinfo="skip",
        showlegend=False,
    )
    categories = sorted({c or "autre" for c in shown["org_category"].to_list()})
    top_ids = set(ids[:top])
    for ci, category in enumerate(categories):
        rows = [
            r for r in shown.iter_rows(named=True) if (r["org_category"] or "autre") == category
        ]
        fig.add_scatter(
            x=[float(pos[index[r["org_id"]], 0]) for r in rows],
            y=[float(pos[index[r["org_id"]], 1]) for r in rows],
            mode="markers+text",
            name=plain(labels.organisation_category(category)),
            text=[plain(r["org_name"]) if r["org_id"] in top_ids else "" for r in rows],
            textposition="top center",
            textfont={"size": 11},
            marker={
                "size": [round(6 + 3 * math.sqrt(r["degree"] or 0), 1) for r in rows],
                "color": OKABE_ITO[ci % len(OKABE_ITO)],
                "line": {"color": "white", "width": 1},
            },
            customdata=[
                f"{plain(r['org_name'])}<br>"
                f"{plain(labels.organisation_category(r['org_category']))}<br>"
                f"{fmt.integer(r['degree'])} organisations reliées, "
                f"{fmt.integer(r['actions'])} actions"
                for r in rows
            ],
            hovertemplate="%{customdata}<extra></extra>",
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(legend={"orientation": "h", "y": -0.05})
    return fig


# --------------------------------------------------------------------------- territories


def _rings(geometry: dict) -> list[list[list[float]]]:
    """Outer rings of a GeoJSON Polygon / MultiPolygon (holes are not drawn)."""
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry.get("type") == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def choropleth(
    df: pl.DataFrame, geojson: dict, *, title: str, value_label: str = YOUNG_LABEL
) -> Figure:
    """Map of territories coloured by `value` (a count of people).

    Columns: code, name, value (+ value_secret). `geojson` features carry `properties.code`.
    Territories whose value is hidden or missing are drawn in grey.

    Drawn as filled shapes on plain axes (longitude scaled by the cosine of the mean
    latitude), not as a plotly geo map: plotly.js fetches a world topojson from its CDN for
    any geo trace, which fails offline and leaves the map blank.
    """
    codes = df["code"].to_list()
    values = df["value"].to_list()
    secrets = _secret(df, "value")
    names = df["name"].to_list()
    features = {f["properties"]["code"]: f for f in geojson.get("features", [])}
    drawn = [i for i, c in enumerate(codes) if c in features]
    fig = _base(title, height=520)
    if not drawn:
        return empty_figure(title, "Aucun contour pour ces territoires")
    lats = [pt[1] for i in drawn for ring in _rings(features[codes[i]]["geometry"]) for pt in ring]
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    shown = [values[i] for i in drawn if values[i] is not None and not secrets[i]]
    low, high = (min(shown), max(shown)) if shown else (0, 1)
    span = (high - low) or 1
    for i in drawn:
        rings = _rings(features[codes[i]]["geometry"])
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in rings:
            xs += [round(pt[0] * kx, 3) for pt in ring] + [None]
            ys += [pt[1] for pt in ring] + [None]
        published = values[i] is not None and not secrets[i]
        colour = (
            sample_colorscale(SEQUENTIAL, [(values[i] - low) / span])[0]
            if published
            else LIGHT_GREY
        )
        text = (
            secrets[i]
            if secrets[i]
            else (
                fmt.integer(values[i]) if values[i] is not None else "aucune participation déclarée"
            )
        )
        fig.add_scatter(
            x=xs[:-1],
            y=ys[:-1],
            mode="lines",
            fill="toself",
            fillcolor=colour,
            line={"color": "white", "width": 1},
            hoveron="fills",
            text=f"{plain(names[i])} ({plain(codes[i])}) : {text}",
            hoverinfo="text",
            name=plain(f"{names[i]} ({codes[i]})"),
            showlegend=False,
        )
        # the code of the territory at the middle of its largest ring
        big = max(rings, key=len)
        fig.add_scatter(
            x=[round((min(p[0] for p in big) + max(p[0] for p in big)) / 2 * kx, 3)],
            y=[round((min(p[1] for p in big) + max(p[1] for p in big)) / 2, 3)],
            mode="text",
            text=[plain(codes[i])],
            hoverinfo="skip",
            showlegend=False,
            textfont={
                "size": 11,
                "color": TEXT if not published or (values[i] - low) / span < 0.6 else "white",
            },
        )
    if shown:  # colour scale legend
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            hoverinfo="skip",
            showlegend=False,
            marker={
                "colorscale": SEQUENTIAL,
                "cmin": low,
                "cmax": high,
                "color": [low],
                "showscale": True,
                "colorbar": {
                    "title": {"text": "Participations"},
                    "tickformat": ",d",
                    "thickness": 14,
                },
            },
        )
    fig.update_xaxes(visible=False, rangemode="normal")
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1, rangemode="normal")
    fig.update_layout(margin={"l": 8, "r": 8, "t": 48, "b": 8}, hovermode="closest")
    return fig


def ranking(df: pl.DataFrame, *, title: str, value_label: str = YOUNG_LABEL) -> Figure:
    """Horizontal bars of territories ranked by `value` (the map's stand-in).

    Columns: code, name, value (+ value_secret).
    """
    if df.height == 0:
        return empty_figure(title, "Aucun territoire")
    df = df.sort("value", nulls_last=False)
    values = df["value"].to_list()
    secrets = _secret(df, "value")
    y = [
        plain(f"{n} ({c})") for n, c in zip(df["name"].to_list(), df["code"].to_list(), strict=True)
    ]
    fig = _base(title, height=max(260, 60 + 26 * df.height))
    fig.add_bar(
        y=y,
        x=values,
        orientation="h",
        marker={"color": OKABE_ITO[0]},
        hovertemplate=f"%{{y}} : %{{x:,d}}<extra>{value_label}</extra>",
        showlegend=False,
    )
    ys = [yv for yv, s in zip(y, secrets, strict=True) if s]
    if ys:
        fig.add_scatter(
            y=ys,
            x=[0] * len(ys),
            mode="text",
            text=[s for s in secrets if s],
            textposition="middle right",
            hoverinfo="skip",
            showlegend=False,
        )
    fig.update_xaxes(title=value_label, tickformat=",d")
    fig.update_yaxes(type="category", automargin=True)
    return fig
