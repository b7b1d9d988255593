"""HTML assembly: a page is plain HTML, the plotly figures as fragments, one plotly.js.

Figures are `fig.to_html(full_html=False, include_plotlyjs=False)` with a fixed div id (the
same data gives the same bytes, which the incremental build relies on); the page loads the
site's single `plotly.min.js` with a relative path, never a CDN, so it works offline.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from dashboards import formatting as fmt
from dashboards.confidentiality import SECONDARY, SECRET, mark_text
from dashboards.tables import SECRET_SUFFIX, Column, Table
from dashboards.theme import CONFIG, LOCALE_SCRIPT

PLOTLY_JS = "plotly.min.js"
# Figures are drawn as the page is parsed, before the grid has its final width: fit them
# to their boxes once the page is laid out (and plotly's `responsive` handles later resizes).
# Plotly never wraps a title: on a narrow screen (a phone), a title wider than its chart is
# broken into lines, set below the modebar, and the top margin grown by the added lines; the
# original comes back when the chart is wide enough again.
RESIZE_SCRIPT = """
(function(){
var ctx=document.createElement('canvas').getContext('2d');
function lines(text,font,room){
  ctx.font=font;var out=[''];
  text.split(' ').forEach(function(w){var l=out[out.length-1],t=l?l+' '+w:w;
    if(l&&ctx.measureText(t).width>room){out.push(w);}else{out[out.length-1]=t;}});
  return out;}
function fit(g){
  var fl=g._fullLayout,lay=g.layout;if(!fl||!lay.title||!lay.title.text){return;}
  if(!g.hasAttribute('data-title')){g.setAttribute('data-title',lay.title.text);
    g.setAttribute('data-margin-t',fl.margin.t);}
  var text=g.getAttribute('data-title'),top=+g.getAttribute('data-margin-t');
  var f=fl.title.font,parts=lines(text,f.size+'px '+f.family,fl.width-16);
  var wrapped=parts.join('<br>');if(wrapped===lay.title.text){return;}
  var many=parts.length>1,extra=many?(parts.length-1)*Math.ceil(f.size*1.3)+8:0;
  Plotly.relayout(g,{'title.text':wrapped,'margin.t':top+extra,'title.yref':'container',
    'title.y':many?1-36/fl.height:'auto','title.yanchor':many?'top':'auto'});}
function all(){document.querySelectorAll('.js-plotly-plot').forEach(function(g){
  Plotly.Plots.resize(g);fit(g);});}
var timer;
window.addEventListener('load',all);
window.addEventListener('resize',function(){clearTimeout(timer);timer=setTimeout(all,250);});
})();
""".strip()
EXPORTS_DIR = "exports"

CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1e1e1e;
background:#f6f6f4;line-height:1.45;font-size:16px}
header.top{background:#0b3d62;color:#fff;padding:.8rem 1rem}
header.top a{color:#fff}
main{max-width:1200px;margin:0 auto;padding:0 1rem 3rem}
nav.crumbs{font-size:.9rem}
nav.crumbs a{text-decoration:underline}
h1{margin:.3rem 0 .2rem;font-size:1.7rem}
h2{margin:2rem 0 .6rem;font-size:1.35rem;border-bottom:2px solid #0072b2;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
.scope{margin:.2rem 0;font-size:.95rem}
.scope span{display:inline-block;margin-right:1.2rem}
.notice{background:#fff8e1;border-left:4px solid #e69f00;padding:.6rem .8rem;margin:1rem 0;font-size:.92rem}
.toc{display:flex;flex-wrap:wrap;gap:.4rem 1rem;margin:.8rem 0;font-size:.95rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:.7rem}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.7rem .8rem}
.card .v{font-size:1.45rem;font-weight:700;white-space:nowrap}
.card .l{font-size:.88rem;color:#444}
.card .d{font-size:.85rem;color:#555}
.fig{background:#fff;border:1px solid #ddd;border-radius:6px;margin:.7rem 0;padding:.3rem;min-width:0;overflow:hidden}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(480px,100%),1fr));gap:0 .8rem}
.grid2>*{min-width:0}
.tw{overflow-x:auto;background:#fff;border:1px solid #ddd;border-radius:6px;margin:.5rem 0}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e6e6e6;text-align:left;vertical-align:top}
th{background:#eef3f7;font-weight:600}
td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tr.em td{font-weight:600;background:#fbfbf3}
.note{font-size:.85rem;color:#444;margin:.3rem 0}
details>summary{cursor:pointer}
details>summary h3{display:inline}
.dl{font-size:.88rem;margin:.2rem 0 .8rem}
ul.tree{columns:2 260px;padding-left:1.2rem}
footer{font-size:.82rem;color:#555;max-width:1200px;margin:0 auto;padding:1rem}
@media (max-width:600px){h1{font-size:1.35rem}.card .v{font-size:1.2rem}body{font-size:15px}}
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def figure(fig: go.Figure, div_id: str) -> str:
    """A plotly fragment without plotly.js, with a stable id."""
    frag = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config=CONFIG,
        default_height=f"{fig.layout.height or 400}px",
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
    out = [
        f'<div class="tw"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    ]
    if t.note:
        out.append(f'<p class="note">{esc(t.note)}</p>')
    if export_href:
        out.append(
            f'<p class="dl">Télécharger le tableau : <a href="{esc(export_href)}.csv" download>CSV</a> · '
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
            f'<div class="card"{title}><div class="l">{esc(c.label)}</div><div class="v">{value}</div>{detail}</div>'
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
    """The whole page; plotly.js once, by relative path, then the French locale."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n"
        f'<script src="{PLOTLY_JS}" charset="utf-8"></script>\n'
        f"<script>{LOCALE_SCRIPT}</script>\n"
        "</head>\n<body>\n"
        f'<header class="top">{top}</header>\n<main>\n{body}\n</main>\n'
        f"<footer>{footer}</footer>\n<script>{RESIZE_SCRIPT}</script>\n</body>\n</html>\n"
    )
