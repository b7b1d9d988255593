"""HTML assembly: a page is plain HTML in a Jinja2 skeleton, the plotly figures as fragments,
one plotly.js.

Figures are `fig.to_html(full_html=False, include_plotlyjs=False)` with a fixed div id (the
same data gives the same bytes, which the incremental build relies on); the page loads the
site's single `plotly.min.js` with a relative path, never a CDN, so it works offline.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jinja2
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64
from markupsafe import Markup

from dashboards import formatting as fmt
from dashboards.confidentiality import SECONDARY, SECRET, mark_text
from dashboards.figures import Figure
from dashboards.table_model import SECRET_SUFFIX, Column, Table
from dashboards.theme import CONFIG

PLOTLY_JS = "plotly.min.js"
EXPORTS_DIR = "exports"
# The page skeleton is a Jinja2 template, its CSS and scripts static files (inlined: a page
# stands alone but for plotly.js), all packaged with the module (pyproject package-data).
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("dashboards", "templates"),
    autoescape=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


@cache
def static_text(name: str) -> str:
    """A static file of the site (CSS, scripts), as the page inlines it."""
    return (resources.files("dashboards") / "static" / name).read_text(encoding="utf-8").strip()


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _spec(fig: go.Figure | Figure) -> dict:
    """What `fig.to_dict()` gives, without its deep copy of every property (a tenth of a
    page's time): the figure's own dicts, typed arrays converted in place. The figure is
    spent: pass one that is not used again."""
    if isinstance(fig, Figure):  # plain lists already, no numpy array to encode
        return fig.to_dict()
    data, layout = getattr(fig, "_data", None), getattr(fig, "_layout", None)
    if not isinstance(data, list) or not isinstance(layout, dict) or fig.frames:
        return fig.to_dict()
    spec = {"data": data, "layout": layout}
    convert_to_base64(spec)
    return spec


def figure(fig: go.Figure | Figure, div_id: str) -> str:
    """A plotly fragment without plotly.js, with a stable id (spends the figure)."""
    height = fig.layout["height"] if isinstance(fig, Figure) else fig.layout.height
    frag = pio.to_html(
        _spec(fig),
        validate=False,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config=CONFIG,
        default_height=f"{height or 400}px",
    )
    return f'<div class="fig">{frag}</div>'


MARK_TITLES = {
    SECRET: "effectif de 1 à 10, masqué (secret statistique)",
    SECONDARY: "valeur masquée pour qu'un effectif de 1 à 10 ne puisse pas être retrouvé "
    "par différence (secret secondaire) ; ce n'est pas un petit effectif",
}
#: the legend of the two marks, on every page
MARKS_LEGEND = (
    "Secret statistique : « &lt; 11 » signale un effectif de 1 à 10, masqué ; « s » signale "
    "une valeur masquée seulement pour qu'un tel effectif ne puisse pas être retrouvé par "
    "différence (secret secondaire) — elle peut être grande."
)


def mark_html(mark: str) -> str:
    return f'<abbr title="{esc(MARK_TITLES.get(mark, mark))}">{esc(mark)}</abbr>'


def cell_html(row: dict, column: Column) -> tuple[str, bool]:
    """(escaped HTML text, numeric?) of a table cell."""
    numeric = column.kind in ("people", "count", "amount", "ratio", "per100", "number", "year")
    flag = row.get(column.name + SECRET_SUFFIX)
    if flag:
        # a bare True flag on a ratio (not a count): hidden to protect a count
        return mark_html(
            SECONDARY if flag is True and column.kind != "people" else mark_text(flag)
        ), True
    value = row.get(column.name)
    if value is None:
        return esc(column.missing), numeric
    if column.kind in ("people", "count"):
        return fmt.integer(value), True
    if column.kind == "amount":
        return esc(fmt.euros(value)), True
    if column.kind == "ratio":
        return esc(fmt.percent(value)), True
    if column.kind == "per100":
        return esc(fmt.per_100(value)), True
    if column.kind == "number":
        return esc(fmt.number(value, 2)), True
    if column.kind == "year":
        return str(int(value)), True
    if column.kind == "flag":
        return ("oui" if value else ""), False
    return esc(value), False


def table(t: Table, *, export_href: str | None = None) -> str:
    head = "".join(
        f'<th scope="col" title="{esc(c.help)}">{esc(c.label)}</th>'
        if c.help
        else f'<th scope="col">{esc(c.label)}</th>'
        for c in t.columns
    )
    body = []
    for row in t.shown.iter_rows(named=True):
        tds = []
        for i, c in enumerate(t.columns):
            text, numeric = cell_html(row, c)
            if i < 2 and str(row.get(c.name)) in t.links:
                text = f'<a href="{esc(t.links[str(row.get(c.name))])}">{text}</a>'
            tds.append(f'<td class="n">{text}</td>' if numeric else f"<td>{text}</td>")
        cls = ' class="em"' if t.emphasis and t.emphasis(row) else ""
        body.append(f"<tr{cls}>{''.join(tds)}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(t.columns)}">Aucune donnée.</td></tr>')
    rows = "".join(body)
    out = [
        f'<div class="tw"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
    ]
    if t.note:
        out.append(f'<p class="note">{esc(t.note)}</p>')
    if export_href:
        out.append(
            '<p class="dl">Télécharger le tableau : '
            f'<a href="{esc(export_href)}.csv" download>CSV</a> · '
            f'<a href="{esc(export_href)}.xlsx" download>Excel (XLSX)</a></p>'
        )
    if t.folded:
        return f"<details><summary><h3>{esc(t.title)}</h3></summary>{''.join(out)}</details>"
    return f"<h3>{esc(t.title)}</h3>\n" + "\n".join(out)


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    detail: str = ""
    help: str = ""  # definition, one hover away (title attribute)


def cards(items: Iterable[Card]) -> str:
    parts = []
    for c in items:
        value = mark_html(c.value) if c.value in (SECRET, SECONDARY) else esc(c.value)
        detail = f'<div class="d">{esc(c.detail)}</div>' if c.detail else ""
        title = f' title="{esc(c.help)}"' if c.help else ""
        parts.append(
            f'<div class="card"{title}><div class="l">{esc(c.label)}</div>'
            f'<div class="v">{value}</div>{detail}</div>'
        )
    return f'<div class="cards">{"".join(parts)}</div>'


def breadcrumbs(trail: Sequence[tuple[str, str | None]]) -> str:
    items = [
        f'<a href="{esc(href)}">{esc(label)}</a>'
        if href
        else f'<span aria-current="page">{esc(label)}</span>'
        for label, href in trail
    ]
    return f'<nav class="crumbs" aria-label="Fil d\'Ariane">{" › ".join(items)}</nav>'


def section(anchor: str, title: str, body: str, intro: str = "") -> str:
    lead = f'<p class="note">{esc(intro)}</p>' if intro else ""
    # Anchors are prefixed: a figure may bear the bare name, and two elements with one id
    # make Plotly draw into the wrong one.
    return f'<section id="s-{esc(anchor)}"><h2>{esc(title)}</h2>{lead}{body}</section>'


def links_list(
    items: Sequence[tuple[str, str]], *, nested: dict[str, Sequence[tuple[str, str]]] | None = None
) -> str:
    lis = []
    for label, href in items:
        sub = ""
        if nested and nested.get(href):
            sub = (
                "<ul>"
                + "".join(f'<li><a href="{esc(h)}">{esc(lb)}</a></li>' for lb, h in nested[href])
                + "</ul>"
            )
        lis.append(f'<li><a href="{esc(href)}">{esc(label)}</a>{sub}</li>')
    return f'<ul class="tree">{"".join(lis)}</ul>'


def document(*, title: str, top: str, body: str, footer: str) -> str:
    """The whole page (templates/page.html.j2): `top`, `body` and `footer` are HTML already;
    plotly.js once, by relative path, then the French locale."""
    return _ENV.get_template("page.html.j2").render(
        title=Markup(esc(title)),
        top=Markup(top),
        body=Markup(body),
        footer=Markup(footer),
        plotly_js=PLOTLY_JS,
        static=lambda name: Markup(static_text(name)),
    )
