"""Build the delegates' static site from the published marts.

`build_site` reads the marts once (read-only connection, closed at once), protects every
count of people for the whole site in one pass, then writes `index.html` (France), one
`region-<code>.html` per région and one `departement-<code>.html` per département that has
a QPV or a return/funding line, their tables as CSV/XLSX under `exports/`, and plotly.js
once as `plotly.min.js`.

Whole: the site is built in a sibling folder (`.<site>.new`, holding the previous site as
hard links, so unchanged files cost nothing and every write is a new file) and put in place
in one step, like the snapshot: a build that crashes leaves the previous site untouched, a
reader never sees old and new pages side by side.

Incremental: a page is rendered from its own slice of the published (protected) frames
only (`_slice`); the slice's digest, with the builder's version, the referential label,
the data date and the boundaries, is kept in `.build/state.json`. A page whose digest and
files are unchanged is not rendered again; a file is only rewritten when its bytes change.
The site-wide suppression decisions are kept too (`.build/protection.json`), keyed by a
digest of the frames they come from, and reused while those frames do not change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb
import plotly.offline
import polars as pl

from dashboards import exports, figures, geo, pages, survey_section, tables
from dashboards import formatting as fmt
from dashboards.confidentiality import (
    QPV_PEOPLE,
    REACH_PEOPLE,
    SECONDARY,
    Protection,
    hidden_share,
    mark_text,
    protect_site,
)
from dashboards.marts import Marts, load_marts
from dashboards.pages import Card
from dashboards.swap import swap_folder
from dashboards.tables import Published, Table, for_territory

SITE_TITLE = "Quartiers d'été et programmes de vacances en QPV — tableaux de bord"
PAGE_PATTERN = re.compile(r"^(region|departement)-[0-9A-Za-z]+\.html$")
STATE_DIR = ".build"
STATE_FILE = f"{STATE_DIR}/state.json"
PROTECTION_FILE = f"{STATE_DIR}/protection.json"
STATE_FORMAT = 1
#: what secondary suppression costs, per page and site-wide (beside the pages)
CONFIDENTIALITY_FILE = "confidentialite.json"


@dataclass
class SiteResult:
    index: Path
    pages: list[Path]  # every HTML page of the site, index first
    written: list[Path]  # the pages actually rewritten by this build
    seconds: float
    rendered: list[Path] = field(default_factory=list)  # pages computed again (inputs changed)
    confidentiality: dict = field(default_factory=dict)  # share hidden, per page and level


@dataclass(frozen=True)
class Territory:
    level: str  # france, region, departement
    code: str
    name: str
    parent: tuple[str, str] | None  # (level, code)

    @property
    def page(self) -> str:
        return "index" if self.level == "france" else f"{self.level}-{self.code}"

    @property
    def href(self) -> str:
        return f"{self.page}.html"

    @property
    def title(self) -> str:
        if self.level == "france":
            return "France"
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class Context:
    pub: Published
    territories: dict[tuple[str, str], Territory]
    referential_label: str
    data_date: date | None
    boundaries_file: Path | None
    regions_boundaries_file: Path | None

    @property
    def marts(self) -> Marts:
        return self.pub.marts

    def children(self, t: Territory) -> list[Territory]:
        kids = [c for c in self.territories.values() if c.parent == (t.level, t.code)]
        return sorted(kids, key=lambda c: c.code)

    def trail(self, t: Territory) -> list[Territory]:
        chain = [t]
        while chain[-1].parent and chain[-1].parent in self.territories:
            chain.append(self.territories[chain[-1].parent])
        return list(reversed(chain))


# --------------------------------------------------------------------------- territories


def _active(marts: Marts) -> set[tuple[str, str]]:
    """(level, code) of the régions and départements that have a QPV in the referential or
    a line of activity return or of funding (actions, grant files, expected returns)."""
    found: set[tuple[str, str]] = set()
    for level, col in (("departement", "department_code"), ("region", "region_code")):
        found |= {(level, c) for c in marts.dim_qpv[col].drop_nulls().to_list()}
    found |= {
        ("departement", c)
        for c in marts.fct_missing_returns["department_code"].drop_nulls().to_list()
    }
    measures = (
        (marts.mart_reach, ("actions",)),
        (marts.mart_funding, ("grant_files", "amount_requested", "amount_granted")),
        (marts.mart_funding_by_funder, ("amount_requested", "amount_granted")),
        (
            marts.mart_returns_completeness,
            ("funded_files", "returns_received", "returns_without_funding"),
        ),
    )
    for df, cols in measures:
        lines = df.filter(pl.any_horizontal([pl.col(c).fill_null(0) > 0 for c in cols]))
        found |= set(lines.select("territory_level", "territory_code").iter_rows())
    return found


def _territories(marts: Marts) -> dict[tuple[str, str], Territory]:
    """France, and the régions and départements (of dim_territories, or only named by the
    marts) that have a QPV or a return/funding line (`_active`): one page each. A région
    is kept for one of its départements."""
    everyone: dict[tuple[str, str], Territory] = {}
    dims = marts.dim_territories.filter(pl.col("territory_level").is_in(["region", "departement"]))
    for r in dims.iter_rows(named=True):
        if r["territory_level"] == "region":
            parent = ("france", "FR")
        else:
            up = r["parent_code"] if r["parent_level"] == "region" else r["region_code"]
            parent = ("region", up) if up else None
        everyone[(r["territory_level"], r["territory_code"])] = Territory(
            r["territory_level"],
            r["territory_code"],
            r["territory_name"] or r["territory_code"],
            parent,
        )
    extra = marts.mart_reach.filter(pl.col("territory_level").is_in(["region", "departement"]))
    for level, code, name in (
        extra.select("territory_level", "territory_code", "territory_name").unique().iter_rows()
    ):
        if (level, code) not in everyone:
            parent = ("france", "FR") if level == "region" else None
            everyone[(level, code)] = Territory(level, code, name or code, parent)
    active = _active(marts)
    kept = {k for k in everyone if k in active}
    kept |= {everyone[k].parent for k in kept if everyone[k].parent in everyone}
    found = {("france", "FR"): Territory("france", "FR", "France", None)}
    found.update((k, everyone[k]) for k in sorted(kept))
    return found


# --------------------------------------------------------------------------- helpers


def _count_text(row: dict | None, col: str) -> str:
    if row is None:
        return fmt.MISSING
    return mark_text(row.get(col + "_secret")) or fmt.integer(row.get(col))


def _change_text(cur: dict | None, prev: dict | None, col: str, prev_year: int | None) -> str:
    """Change vs previous campaign, only when both values are published."""
    if cur is None or prev is None or cur.get(col + "_secret") or prev.get(col + "_secret"):
        return ""
    text = fmt.change(cur.get(col), prev.get(col))
    return f"{text} par rapport à {prev_year}" if text else ""


def _row(df: pl.DataFrame, year: int | None, scheme: str = "ALL") -> dict | None:
    if year is None:
        return None
    sub = df.filter((pl.col("campaign_year") == year) & (pl.col("scheme") == scheme))
    return sub.row(0, named=True) if sub.height else None


def _years(*frames: pl.DataFrame) -> list[int]:
    years: set[int] = set()
    for df in frames:
        years |= {y for y in df["campaign_year"].to_list() if y is not None}
    return sorted(years)


# --------------------------------------------------------------------------- page


def _headline(
    reach: pl.DataFrame,
    funding: pl.DataFrame,
    coop: pl.DataFrame,
    comp: pl.DataFrame,
    years: list[int],
) -> str:
    if not years:
        return '<p class="note">Aucune donnée pour ce territoire.</p>'
    latest = years[-1]
    prev_year = years[-2] if len(years) > 1 else None
    cur, prev = _row(reach, latest), _row(reach, prev_year)
    fcur, fprev = _row(funding, latest), _row(funding, prev_year)
    ccur, comp_cur = _row(coop, latest), _row(comp, latest)
    items = [
        Card(
            "Participations de jeunes (6–25 ans)",
            _count_text(cur, "young_participations"),
            _change_text(cur, prev, "young_participations", prev_year),
        ),
        Card(
            "Participations, tous âges",
            _count_text(cur, "participations"),
            _change_text(cur, prev, "participations", prev_year),
        ),
        Card(
            "Actions",
            fmt.integer(cur and cur.get("actions")),
            _change_text(cur, prev, "actions", prev_year),
        ),
    ]
    if cur and cur.get("qpv_total") is not None:
        items.append(
            Card(
                "QPV avec au moins une action",
                f"{fmt.integer(cur.get('qpv_with_action'))} sur {fmt.integer(cur.get('qpv_total'))}",
                f"QPV sans action : {fmt.integer(cur.get('qpv_without_action'))}",
            )
        )
    share = (
        SECONDARY
        if cur and cur.get("girls_share_secret")
        else fmt.percent(cur and cur.get("girls_share"), missing="non renseignée")
    )
    items.append(Card("Part des filles (sexe connu)", share))
    coverage = (
        SECONDARY
        if cur and cur.get("coverage_rate_secret")
        else fmt.per_100(cur and cur.get("coverage_rate"), missing="non disponible")
    )
    items.append(
        Card(
            fmt.COVERAGE_LABEL,
            coverage,
            "participations, pas personnes : peut dépasser 100",
            help=fmt.COVERAGE_HELP,
        )
    )
    if fcur:
        items.append(
            Card(
                "Crédits État – politique de la ville",
                fmt.euros(fcur.get("granted_state_pv")),
                _change_text(fcur, fprev, "granted_state_pv", prev_year),
            )
        )
    if ccur:
        items.append(
            Card(
                "Effet levier",
                fmt.number(ccur.get("leverage"), 2),
                "€ d'autres financeurs par € de l'État (politique de la ville)",
                help=fmt.OTHER_FUNDERS_HELP,
            )
        )
        items.append(Card("Partenaires par action", fmt.number(ccur.get("partners_per_action"), 1)))
    if comp_cur:
        items.append(Card("Complétude des retours", fmt.percent(comp_cur.get("completeness_rate"))))
    return f"<h3>Campagne {latest}, tous dispositifs</h3>" + pages.cards(items)


def _export(t: Table) -> str | None:
    return f"{pages.EXPORTS_DIR}/{t.slug}" if t.slug else None


def _tables_html(ts: Iterable[Table]) -> str:
    return "\n".join(pages.table(t, export_href=_export(t)) for t in ts)


def _map_section(ctx: Context, t: Territory, kids: list[Territory]) -> tuple[str, list[Table]]:
    level = kids[0].level
    word = "régions" if level == "region" else "départements"
    links = {k.code: k.href for k in kids}
    ts = tables.subterritory_tables(
        ctx.pub,
        t.level,
        t.code,
        pl.DataFrame(
            {
                "territory_level": [k.level for k in kids],
                "territory_code": [k.code for k in kids],
                "territory_name": [k.name for k in kids],
            }
        ),
        t.page,
        links,
    )
    years = _years(ctx.pub.reach.filter(pl.col("territory_level") == level))
    latest = years[-1] if years else None
    reach = ctx.pub.reach.filter(
        (pl.col("territory_level") == level)
        & (pl.col("campaign_year") == latest)
        & (pl.col("scheme") == "ALL")
    )
    values = {r["territory_code"]: r for r in reach.iter_rows(named=True)}
    frame = pl.DataFrame(
        {
            "code": [k.code for k in kids],
            "name": [k.name for k in kids],
            "value": [values.get(k.code, {}).get("young_participations") for k in kids],
            "value_secret": [
                values.get(k.code, {}).get("young_participations_secret") for k in kids
            ],
        },
        schema={"code": pl.String, "name": pl.String, "value": pl.Int64, "value_secret": pl.String},
    )
    title = (
        f"Participations de jeunes (6–25 ans) par {word[:-1]} — campagne {latest}, tous dispositifs"
    )
    boundaries = ctx.regions_boundaries_file if level == "region" else ctx.boundaries_file
    parts = []
    if boundaries is not None:
        gj = geo.boundaries_for(boundaries, {k.code for k in kids})
        parts.append(pages.figure(figures.choropleth(frame, gj, title=title), f"carte-{t.page}"))
        parts.append(
            '<p class="note">Gris : effectif masqué (« &lt; 11 » ou « s ») ou aucune participation déclarée.</p>'
        )
    else:
        parts.append(
            '<p class="notice">Aucun fichier de contours n\'est configuré : la carte est remplacée par un '
            f"classement des {word}.</p>"
        )
        parts.append(pages.figure(figures.ranking(frame, title=title), f"classement-{t.page}"))
    parts.append(_tables_html(ts))
    parts.append(pages.links_list([(k.title, k.href) for k in kids]))
    return pages.section("territoires", word.capitalize(), "\n".join(parts)), ts


def render(ctx: Context, t: Territory) -> tuple[str, list[Table]]:
    """The HTML of a territory's page and the tables it exports."""
    pub, m = ctx.pub, ctx.marts
    reach = for_territory(pub.reach, t.level, t.code)
    funding = for_territory(pub.funding, t.level, t.code)
    coop = for_territory(m.mart_cooperation, t.level, t.code)
    comp = for_territory(m.mart_returns_completeness, t.level, t.code)
    years = _years(reach, funding, coop)
    schemes = sorted({s for s in reach["scheme"].to_list() if s != "ALL"}, key=fmt.scheme_sort_key)
    exported: list[Table] = []

    # header: where we are, what the page covers
    trail = ctx.trail(t)
    crumbs = [("Accueil (France)", "index.html")] if t.level != "france" else []
    crumbs += [(x.title, x.href) for x in trail if x.level != "france" and x != t]
    crumbs.append((t.title, None))
    level_word = {"france": "", "region": "Région ", "departement": "Département "}[t.level]
    scope = (
        f'<p class="scope"><span><b>Territoire :</b> {pages.esc(level_word + t.title)}</span>'
        f"<span><b>Couverture :</b> {pages.esc(fmt.campaigns_text(years))}</span>"
        f"<span><b>Dispositifs :</b> {pages.esc(', '.join(fmt.scheme_label(s) for s in schemes) or 'aucun')}</span>"
        f"<span><b>Données au :</b> {pages.esc(fmt.french_date(ctx.data_date))}</span>"
        f"<span><b>Référentiel des QPV :</b> {pages.esc(ctx.referential_label)}</span></p>"
    )
    notice = (
        '<p class="notice">Les chiffres comptent des <b>participations</b> : une personne inscrite à '
        "plusieurs actions est comptée une fois par action ; ce ne sont pas des personnes distinctes. "
        f"{pages.MARKS_LEGEND}</p>"
    )
    toc_items = [("chiffres", "Chiffres clés"), ("public", "Participations")]
    kids = ctx.children(t)
    if kids:
        toc_items.append(
            ("territoires", "Régions" if kids[0].level == "region" else "Départements")
        )
    if t.level == "departement":
        toc_items.append(("qpv", "Quartiers prioritaires"))
    toc_items += [
        ("financement", "Financement"),
        ("cooperation", "Coopération"),
        ("retours", "Suivi des retours"),
    ]
    toc = (
        '<nav class="toc" aria-label="Sommaire">'
        + "".join(f'<a href="#s-{pages.esc(a)}">{pages.esc(lbl)}</a>' for a, lbl in toc_items)
        + "</nav>"
    )

    body = [f"<h1>{pages.esc(level_word + t.title)}</h1>", scope, notice, toc]
    body.append(
        pages.section("chiffres", "Chiffres clés", _headline(reach, funding, coop, comp, years))
    )

    # reach
    reach_t = tables.reach_table(reach, f"{t.page}-public")
    exported.append(reach_t)
    reach_body = [
        pages.figure(figures.participations_by_year(reach), "participations"),
        '<div class="grid2">',
        pages.figure(figures.age_profile(tables.age_long(reach)), "ages"),
        pages.figure(figures.girls_share(reach), "filles"),
        "</div>",
        _tables_html([reach_t]),
    ]
    body.append(
        pages.section(
            "public",
            "Participations aux actions",
            "\n".join(reach_body),
            "Choisir le dispositif ou la campagne dans le menu en haut à droite de chaque graphique.",
        )
    )

    # sub-territories
    if kids:
        html_kids, kid_tables = _map_section(ctx, t, kids)
        body.append(html_kids)
        exported += kid_tables

    # QPV
    if t.level == "departement":
        qpv_ts = tables.qpv_tables(
            pub.qpv, m.dim_qpv, reach, t.code, t.page, mart_has_gaps=m.qpv_with_zero_rows
        )
        exported += qpv_ts
        body.append(
            pages.section(
                "qpv",
                "Quartiers prioritaires (QPV)",
                _tables_html(qpv_ts) if qpv_ts else '<p class="note">Aucun QPV ni action.</p>',
            )
        )

    # funding
    by_funder = for_territory(m.mart_funding_by_funder, t.level, t.code)
    fund_ts = tables.funding_tables(funding, coop, by_funder, t.page)
    exported += fund_ts
    fund_body = [
        '<div class="grid2">',
        pages.figure(figures.funding_by_year(funding), "financement"),
        pages.figure(
            figures.funding_by_funder(by_funder.filter(pl.col("scheme") == "ALL")), "financeurs"
        ),
        "</div>",
        _tables_html(fund_ts),
    ]
    body.append(pages.section("financement", "Financement", "\n".join(fund_body)))

    # cooperation
    mix = for_territory(m.mart_partner_mix, t.level, t.code).filter(pl.col("scheme") == "ALL")
    nodes = for_territory(m.mart_network_nodes, t.level, t.code).filter(pl.col("scheme") == "ALL")
    edges = for_territory(m.mart_network_edges, t.level, t.code).filter(pl.col("scheme") == "ALL")
    net_year = max(nodes["campaign_year"].to_list()) if nodes.height else None
    coop_t = tables.cooperation_table(coop, t.page)
    exported.append(coop_t)
    coop_body = [
        '<div class="grid2">',
        pages.figure(figures.partners_per_action(coop), "partenaires"),
        pages.figure(
            figures.partnership_renewal(coop.filter(pl.col("scheme") == "ALL")), "renouvellement"
        ),
        pages.figure(
            figures.partner_mix(mix.filter(pl.col("dimension") == "categorie"), "categorie"),
            "categories",
        ),
        pages.figure(
            figures.partner_mix(mix.filter(pl.col("dimension") == "role"), "role"), "roles"
        ),
        "</div>",
    ]
    if net_year is not None:
        coop_body.append(f"<h3>Réseau de coopération — campagne {net_year}, tous dispositifs</h3>")
        coop_body.append(
            pages.figure(
                figures.cooperation_network(
                    nodes.filter(pl.col("campaign_year") == net_year),
                    edges.filter(pl.col("campaign_year") == net_year),
                ),
                "reseau",
            )
        )
        coop_body.append(
            pages.table(
                tables.actors_table(nodes.filter(pl.col("campaign_year") == net_year), net_year)
            )
        )
    else:
        coop_body.append(
            '<p class="note">Réseau de coopération : non disponible à ce niveau de territoire.</p>'
        )
    coop_body.append(_tables_html([coop_t]))
    coop_body.append(
        survey_section.render(
            m.mart_survey_answers, t.level, t.code, link=m.mart_survey_returns_link
        )
    )
    body.append(
        pages.section(
            "cooperation",
            "Coopération entre acteurs",
            "\n".join(coop_body),
            "Porteurs et partenaires sont reliés quand ils mènent une action ensemble.",
        )
    )

    # returns (data staff)
    dept_codes = (
        [t.code]
        if t.level == "departement"
        else [
            k.code
            for k in ctx.territories.values()
            if k.level == "departement" and (t.level == "france" or k.parent == (t.level, t.code))
        ]
    )
    missing = m.fct_missing_returns
    if t.level != "france":
        missing = missing.filter(pl.col("department_code").is_in(dept_codes))
    ret_ts = tables.returns_tables(comp, missing, t.page)
    exported += ret_ts
    body.append(
        pages.section(
            "retours",
            "Suivi des retours (services de l'État)",
            _tables_html(ret_ts),
            "Dossiers financés dont le bilan d'activité est attendu, et bilans reçus.",
        )
    )

    if t.level == "france":
        regions = ctx.children(t)
        nested = {r.href: [(d.title, d.href) for d in ctx.children(r)] for r in regions}
        orphans = [
            d
            for d in ctx.territories.values()
            if d.level == "departement" and d.parent not in ctx.territories
        ]
        listing = pages.links_list(
            [(r.title, r.href) for r in regions] + [(d.title, d.href) for d in orphans],
            nested=nested,
        )
        body.append(pages.section("pages", "Toutes les pages", listing))
        # published beside the site by the analysts_documentation asset
        body.append(
            pages.section(
                "documentation",
                "Documentation des données",
                (
                    "<p>Pour les analystes : définition de chaque table et de chaque colonne de "
                    "l'entrepôt, et leur lignage — "
                    '<a href="../documentation/index.html">documentation des données</a>.</p>'
                ),
            )
        )
    top = f"<div>{pages.esc(SITE_TITLE)}</div>{pages.breadcrumbs(crumbs)}"
    footer = (
        f"Source : entrepôt « quartiers » (retours d'activité des porteurs, export des financements), "
        f"données au {pages.esc(fmt.french_date(ctx.data_date))}. "
        f"Référentiel des QPV : {pages.esc(ctx.referential_label)}. "
        "Sommes d'actions = participations, jamais des personnes distinctes. "
        "Effectifs de 1 à 10 masqués (« &lt; 11 ») ; « s » : masqué pour les protéger (secret secondaire)."
    )
    title = f"{level_word}{t.title} — {SITE_TITLE}" if t.level != "france" else SITE_TITLE
    return pages.document(title=title, top=top, body="\n".join(body), footer=footer), exported


# --------------------------------------------------------------------------- incremental


@lru_cache(maxsize=1)
def builder_version() -> str:
    """Digest of the builder's own code and of the libraries that shape its output."""
    h = hashlib.sha256()
    for src in sorted(Path(__file__).parent.glob("*.py")):
        h.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
    for lib in ("plotly", "polars", "xlsxwriter"):
        h.update(f"{lib}={importlib.metadata.version(lib)};".encode())
    return h.hexdigest()


def _rows_of(df: pl.DataFrame, keys: Iterable[tuple[str, str]]) -> pl.DataFrame:
    """Rows of a per-territory frame for these (level, code)."""
    by_level: dict[str, list[str]] = defaultdict(list)
    for level, code in keys:
        by_level[level].append(code)
    cond = pl.lit(False)
    for level, codes in sorted(by_level.items()):
        cond = cond | (
            (pl.col("territory_level") == level) & pl.col("territory_code").is_in(sorted(codes))
        )
    return df.filter(cond)


def _slice(ctx: Context, t: Territory) -> Context:
    """The context a page is rendered from: only the rows it may show (its territory, its
    children for the sub-territory tables and map, its QPV, its missing returns), every
    other frame empty. What is not in the slice cannot reach the page, so the slice's
    digest tells whether the page changes."""
    kids = ctx.children(t)
    own = [(t.level, t.code)]
    family = own + [(k.level, k.code) for k in kids]
    m, pub = ctx.marts, ctx.pub
    if t.level == "france":
        territories = ctx.territories
        missing = m.fct_missing_returns
    else:
        keep = {(x.level, x.code) for x in ctx.trail(t)} | {(k.level, k.code) for k in kids}
        territories = {k: v for k, v in ctx.territories.items() if k in keep}
        depts = [code for level, code in family if level == "departement"]
        missing = m.fct_missing_returns.filter(pl.col("department_code").is_in(depts))
    if t.level == "departement":
        qpv = pub.qpv.filter(pl.col("department_code") == t.code)
        dim_qpv = m.dim_qpv.filter(pl.col("department_code") == t.code)
    else:
        qpv, dim_qpv = pub.qpv.clear(), m.dim_qpv.clear()
    marts = dataclasses.replace(
        m,
        dim_territories=m.dim_territories.clear(),
        dim_qpv=dim_qpv,
        mart_reach=m.mart_reach.clear(),  # pages read the protected frames of `pub`
        mart_funding=m.mart_funding.clear(),
        mart_funding_by_funder=_rows_of(m.mart_funding_by_funder, own),
        mart_cooperation=_rows_of(m.mart_cooperation, own),
        mart_partner_mix=_rows_of(m.mart_partner_mix, own),
        mart_network_edges=_rows_of(m.mart_network_edges, own),
        mart_network_nodes=_rows_of(m.mart_network_nodes, own),
        mart_returns_completeness=_rows_of(m.mart_returns_completeness, family),
        fct_missing_returns=missing,
        mart_qpv=m.mart_qpv.clear(),
    )
    published = Published(marts, _rows_of(pub.reach, family), qpv, _rows_of(pub.funding, family))
    return dataclasses.replace(ctx, pub=published, territories=territories)


def _file_digest(path: Path | None) -> str:
    return (
        hashlib.sha256(path.read_bytes()).hexdigest() if path is not None and path.exists() else ""
    )


def _digest(page_ctx: Context, t: Territory, settings: str) -> str:
    """Digest of everything a page is rendered from: its slice and the build settings."""
    h = hashlib.sha256(settings.encode())
    h.update(repr(t).encode())
    h.update(repr(sorted(page_ctx.territories.items(), key=lambda kv: kv[0])).encode())
    frames = {"reach": page_ctx.pub.reach, "qpv": page_ctx.pub.qpv, "funding": page_ctx.pub.funding}
    for f in dataclasses.fields(page_ctx.marts):
        value = getattr(page_ctx.marts, f.name)
        if isinstance(value, pl.DataFrame):
            frames[f.name] = value
        else:
            h.update(f"{f.name}={value!r};".encode())
    for name, df in frames.items():
        h.update(f"\0{name}\0{df.schema}\0".encode())
        h.update(df.write_csv().encode())
    return h.hexdigest()


def _read_state(out_dir: Path) -> dict[str, dict]:
    try:
        state = json.loads((out_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        return {}
    pages_ = state.get("pages")
    return pages_ if isinstance(pages_, dict) else {}


def _frames_digest(*frames: pl.DataFrame) -> str:
    h = hashlib.sha256(builder_version().encode())
    for df in frames:
        h.update(f"\0{df.schema}\0".encode())
        h.update(df.write_csv().encode())
    return h.hexdigest()


def _protect(marts: Marts, out_dir: Path) -> Protection:
    """The site's protection, reusing the decisions of the previous build when the frames
    they come from (and the builder) are the same."""
    frames = (marts.mart_reach, marts.mart_qpv, marts.dim_territories)
    digest = _frames_digest(*frames)
    try:
        kept = json.loads((out_dir / PROTECTION_FILE).read_text(encoding="utf-8"))
        if kept.get("format") == STATE_FORMAT and kept.get("digest") == digest:
            return protect_site(*frames, decided=[tuple(k) for k in kept["suppressed"]])
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        pass
    protection = protect_site(*frames)
    keys = sorted((list(k) for k in protection.suppressed), key=repr)
    text = json.dumps(
        {"format": STATE_FORMAT, "digest": digest, "suppressed": keys}, ensure_ascii=False
    )
    (out_dir / STATE_DIR).mkdir(parents=True, exist_ok=True)
    _write_if_changed(out_dir / PROTECTION_FILE, text.encode("utf-8"))
    return protection


def _files_intact(out_dir: Path, files: dict[str, str]) -> bool:
    """Every file a page wrote is still there with the bytes it wrote."""
    try:
        return all(_file_digest(out_dir / name) == digest for name, digest in files.items())
    except OSError:
        return False


def confidentiality_report(
    protection: Protection, marts: Marts, territories: Iterable[Territory]
) -> dict:
    """Share of the published participations hidden, per page (its territory's cells, and
    its QPV for a département), per level of page and site-wide."""
    by_territory: dict[tuple, list] = defaultdict(list)
    for key in protection.values:
        if key[0] == "T" and key[-1] in REACH_PEOPLE:
            by_territory[(key[1], key[2])].append(key)
    dept_of = dict(
        zip(
            marts.mart_qpv["qpv_code"].to_list(),
            marts.mart_qpv["department_code"].to_list(),
            strict=True,
        )
    )
    for key in protection.values:
        if key[0] == "Q" and key[-1] in QPV_PEOPLE and key[1] in dept_of:
            by_territory[("departement", dept_of[key[1]])].append(key)
    pages_: dict[str, dict] = {}
    levels: dict[str, list] = defaultdict(list)
    everything: list = []
    for t in territories:
        keys = by_territory.get((t.level, t.code), [])
        pages_[t.href] = hidden_share(protection, keys)
        levels[t.level].extend(keys)
        everything.extend(keys)
    return {
        "site": hidden_share(protection, everything),
        "levels": {level: hidden_share(protection, keys) for level, keys in sorted(levels.items())},
        "pages": pages_,
    }


# --------------------------------------------------------------------------- writing


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` unless the file already holds exactly these bytes (compared by hash)."""
    digest = hashlib.sha256(data).digest()
    if path.exists() and hashlib.sha256(path.read_bytes()).digest() == digest:
        return False
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def _remove_stale(out_dir: Path, pages_kept: set[str], exports_kept: set[str]) -> None:
    """Pages and exports of territories that left the marts (only files this builder names)."""
    for p in out_dir.glob("*.html"):
        if PAGE_PATTERN.match(p.name) and p.name not in pages_kept:
            p.unlink()
    exp = out_dir / pages.EXPORTS_DIR
    if exp.is_dir():
        for p in exp.iterdir():
            if p.suffix in (".csv", ".xlsx") and p.name not in exports_kept:
                p.unlink()


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a file system without hard links
        shutil.copy2(src, dst)


def _stage(site: Path) -> Path:
    """A sibling folder holding the current site as hard links, to build the next one in.
    Every write replaces a file (`_write_if_changed`, unlink), never writes through a link,
    so the published site is never touched."""
    site = site.absolute()
    stage, old = site.with_name(f".{site.name}.new"), site.with_name(f".{site.name}.old")
    shutil.rmtree(stage, ignore_errors=True)  # left by a build that crashed
    if not site.exists() and old.exists():  # crashed between the two renames of `swap_folder`
        os.rename(old, site)
    if site.is_dir():
        shutil.copytree(site, stage, symlinks=True, copy_function=_link_or_copy)
    else:
        stage.mkdir(parents=True)
    return stage


def build_site(
    db_path: Path,
    out_dir: Path,
    *,
    referential_label: str,
    data_date: date | None = None,
    boundaries_file: Path | None = None,
    regions_boundaries_file: Path | None = None,
) -> SiteResult:
    """Build (or update) the static site in `out_dir` from the marts of `db_path`; the new
    site replaces the previous one whole, once complete."""
    start = time.perf_counter()
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        marts = load_marts(con)
    finally:
        con.close()
    site = Path(out_dir)
    out_dir = _stage(site)
    protection = _protect(marts, out_dir)
    ctx = Context(
        pub=tables.publish(marts, protection),
        territories=_territories(marts),
        referential_label=referential_label,
        data_date=data_date or marts.data_date,
        boundaries_file=Path(boundaries_file) if boundaries_file else None,
        regions_boundaries_file=Path(regions_boundaries_file) if regions_boundaries_file else None,
    )
    (out_dir / pages.EXPORTS_DIR).mkdir(parents=True, exist_ok=True)
    _write_if_changed(out_dir / pages.PLOTLY_JS, plotly.offline.get_plotlyjs().encode("utf-8"))

    settings = json.dumps(
        {
            "builder": builder_version(),
            "label": referential_label,
            "date": str(ctx.data_date),
            "boundaries": _file_digest(ctx.boundaries_file),
            "regions_boundaries": _file_digest(ctx.regions_boundaries_file),
        },
        sort_keys=True,
    )
    previous = _read_state(out_dir)
    state: dict[str, dict] = {}
    order = sorted(
        ctx.territories.values(),
        key=lambda x: (["france", "region", "departement"].index(x.level), x.code),
    )
    written: list[Path] = []
    rendered: list[Path] = []
    page_paths: list[Path] = []
    export_names: set[str] = set()
    for territory in order:
        path = out_dir / territory.href
        page_paths.append(path)
        page_ctx = _slice(ctx, territory)
        digest = _digest(page_ctx, territory, settings)
        before = previous.get(path.name) or {}
        if before.get("digest") == digest and _files_intact(out_dir, before.get("files") or {}):
            state[path.name] = before
            export_names.update(Path(name).name for name in before["files"] if name != path.name)
            continue
        rendered.append(path)
        html_text, exported = render(page_ctx, territory)
        data = html_text.encode("utf-8")
        files = {path.name: hashlib.sha256(data).hexdigest()}
        if _write_if_changed(path, data):
            written.append(path)
        for t in exported:
            if not t.slug:
                continue
            for suffix, blob in ((".csv", exports.to_csv(t)), (".xlsx", exports.to_xlsx(t))):
                export_names.add(t.slug + suffix)
                _write_if_changed(out_dir / pages.EXPORTS_DIR / (t.slug + suffix), blob)
                files[f"{pages.EXPORTS_DIR}/{t.slug}{suffix}"] = hashlib.sha256(blob).hexdigest()
        state[path.name] = {"digest": digest, "files": files}
    _remove_stale(out_dir, {p.name for p in page_paths}, export_names)
    report = confidentiality_report(protection, marts, order)
    _write_if_changed(
        out_dir / CONFIDENTIALITY_FILE,
        json.dumps(report, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8"),
    )
    state_text = json.dumps({"format": STATE_FORMAT, "pages": state}, indent=1, sort_keys=True)
    (out_dir / STATE_DIR).mkdir(parents=True, exist_ok=True)
    _write_if_changed(out_dir / STATE_FILE, state_text.encode("utf-8"))
    swap_folder(out_dir, site)

    def published(paths: list[Path]) -> list[Path]:
        return [site / p.relative_to(out_dir) for p in paths]

    return SiteResult(
        index=site / "index.html",
        pages=published(page_paths),
        written=published(written),
        seconds=time.perf_counter() - start,
        rendered=published(rendered),
        confidentiality=report,
    )
