"""The sections of a territory's page, one function each, in the order the page shows them.

Each returns its HTML (and the tables it exports); `dashboards.page.render` puts them
together. Sections read the published (protected) frames and the marts as they are: no
indicator is computed here.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from dashboards import figures, geo, pages, survey_section, tables
from dashboards import formatting as fmt
from dashboards.confidentiality import SECONDARY, mark_text
from dashboards.context import Context
from dashboards.pages import Card
from dashboards.table_model import Table
from dashboards.tables import for_territory
from dashboards.territories import Territory

SITE_TITLE = "Quartiers d'été et programmes de vacances en QPV — tableaux de bord"
LEVEL_WORDS = {"france": "", "region": "Région ", "departement": "Département "}


# --------------------------------------------------------------------------- helpers


def count_text(row: dict | None, col: str) -> str:
    if row is None:
        return fmt.MISSING
    return mark_text(row.get(col + "_secret")) or fmt.integer(row.get(col))


def change_text(cur: dict | None, prev: dict | None, col: str, prev_year: int | None) -> str:
    """Change vs previous campaign, only when both values are published (a change is not a
    mart column: with one value published, it would give the other one away)."""
    if cur is None or prev is None or cur.get(col + "_secret") or prev.get(col + "_secret"):
        return ""
    text = fmt.change(cur.get(col), prev.get(col))
    return f"{text} par rapport à {prev_year}" if text else ""


def row_of(df: pl.DataFrame, year: int | None, scheme: str = "ALL") -> dict | None:
    if year is None:
        return None
    sub = df.filter((pl.col("campaign_year") == year) & (pl.col("scheme") == scheme))
    return sub.row(0, named=True) if sub.height else None


def years_of(*frames: pl.DataFrame) -> list[int]:
    years: set[int] = set()
    for df in frames:
        years |= {y for y in df["campaign_year"].to_list() if y is not None}
    return sorted(years)


def _export(t: Table) -> str | None:
    return f"{pages.EXPORTS_DIR}/{t.slug}" if t.slug else None


def tables_html(ts: Iterable[Table]) -> str:
    return "\n".join(pages.table(t, export_href=_export(t)) for t in ts)


# --------------------------------------------------------------------------- top and heading


def top_bar(ctx: Context, t: Territory) -> str:
    """Site title and breadcrumbs."""
    crumbs: list[tuple[str, str | None]] = (
        [("Accueil (France)", "index.html")] if t.level != "france" else []
    )
    crumbs += [(x.title, x.href) for x in ctx.trail(t) if x.level != "france" and x != t]
    crumbs.append((t.title, None))
    return f"<div>{pages.esc(SITE_TITLE)}</div>{pages.breadcrumbs(crumbs)}"


def heading(ctx: Context, t: Territory, years: list[int], schemes: list[str]) -> str:
    """Where we are and what the page covers."""
    name = pages.esc(LEVEL_WORDS[t.level] + t.title)
    scheme_names = ", ".join(ctx.labels.scheme(s) for s in schemes) or "aucun"
    scope = (
        f'<p class="scope"><span><b>Territoire :</b> {name}</span>'
        f"<span><b>Couverture :</b> {pages.esc(fmt.campaigns_text(years))}</span>"
        f"<span><b>Dispositifs :</b> {pages.esc(scheme_names)}</span>"
        f"<span><b>Données au :</b> {pages.esc(fmt.french_date(ctx.data_date))}</span>"
        f"<span><b>Référentiel des QPV :</b> {pages.esc(ctx.referential_label)}</span></p>"
    )
    return f"<h1>{name}</h1>\n{scope}"


def participations_notice() -> str:
    return (
        '<p class="notice">Les chiffres comptent des <b>participations</b> : une personne '
        "inscrite à plusieurs actions est comptée une fois par action ; ce ne sont pas des "
        f"personnes distinctes. {pages.MARKS_LEGEND}</p>"
    )


def table_of_contents(ctx: Context, t: Territory) -> str:
    items = [("chiffres", "Chiffres clés"), ("public", "Participations")]
    kids = ctx.children(t)
    if kids:
        items.append(("territoires", "Régions" if kids[0].level == "region" else "Départements"))
    if t.level == "departement":
        items.append(("qpv", "Quartiers prioritaires"))
    items += [
        ("financement", "Financement"),
        ("cooperation", "Coopération"),
        ("retours", "Suivi des retours"),
    ]
    links = "".join(f'<a href="#s-{pages.esc(a)}">{pages.esc(lbl)}</a>' for a, lbl in items)
    return f'<nav class="toc" aria-label="Sommaire">{links}</nav>'


# --------------------------------------------------------------------------- sections


def key_figures(
    reach: pl.DataFrame,
    funding: pl.DataFrame,
    coop: pl.DataFrame,
    comp: pl.DataFrame,
    years: list[int],
) -> str:
    """ "Chiffres clés": the latest campaign, all schemes, and its change."""
    return pages.section("chiffres", "Chiffres clés", _key_cards(reach, funding, coop, comp, years))


def _key_cards(
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
    cur, prev = row_of(reach, latest), row_of(reach, prev_year)
    fcur, fprev = row_of(funding, latest), row_of(funding, prev_year)
    ccur, comp_cur = row_of(coop, latest), row_of(comp, latest)
    items = [
        Card(
            "Participations de jeunes (6–25 ans)",
            count_text(cur, "young_participations"),
            change_text(cur, prev, "young_participations", prev_year),
        ),
        Card(
            "Participations, tous âges",
            count_text(cur, "participations"),
            change_text(cur, prev, "participations", prev_year),
        ),
        Card(
            "Actions",
            fmt.integer(cur and cur.get("actions")),
            change_text(cur, prev, "actions", prev_year),
        ),
    ]
    if cur and cur.get("qpv_total") is not None:
        with_action = fmt.integer(cur.get("qpv_with_action"))
        items.append(
            Card(
                "QPV avec au moins une action",
                f"{with_action} sur {fmt.integer(cur.get('qpv_total'))}",
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
                change_text(fcur, fprev, "granted_state_pv", prev_year),
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


def reach_section(ctx: Context, t: Territory, reach: pl.DataFrame) -> tuple[str, list[Table]]:
    """ "Participations aux actions": by campaign, age band and sex, and their table."""
    labels = ctx.labels
    reach_t = tables.reach_table(reach, f"{t.page}-public", labels=labels)
    body = [
        pages.figure(figures.participations_by_year(reach, labels=labels), "participations"),
        '<div class="grid2">',
        pages.figure(figures.age_profile(tables.age_long(reach), labels=labels), "ages"),
        pages.figure(figures.girls_share(reach, labels=labels), "filles"),
        "</div>",
        tables_html([reach_t]),
    ]
    html = pages.section(
        "public",
        "Participations aux actions",
        "\n".join(body),
        "Choisir le dispositif ou la campagne dans le menu en haut à droite de chaque graphique.",
    )
    return html, [reach_t]


def subterritories_section(
    ctx: Context, t: Territory, kids: list[Territory]
) -> tuple[str, list[Table]]:
    """The régions of France or the départements of a région: a map (or a ranking without
    boundaries), their tables and links to their pages."""
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
    years = years_of(ctx.pub.reach.filter(pl.col("territory_level") == level))
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
            '<p class="note">Gris : effectif masqué (« &lt; 11 » ou « s ») ou aucune '
            "participation déclarée.</p>"
        )
    else:
        parts.append(
            '<p class="notice">Aucun fichier de contours n\'est configuré : la carte est '
            f"remplacée par un classement des {word}.</p>"
        )
        parts.append(pages.figure(figures.ranking(frame, title=title), f"classement-{t.page}"))
    parts.append(tables_html(ts))
    parts.append(pages.links_list([(k.title, k.href) for k in kids]))
    return pages.section("territoires", word.capitalize(), "\n".join(parts)), ts


def qpv_section(ctx: Context, t: Territory, reach: pl.DataFrame) -> tuple[str, list[Table]]:
    """A département's QPV: with and without action, and per campaign."""
    m = ctx.marts
    ts = tables.qpv_tables(
        ctx.pub.qpv,
        m.dim_qpv,
        reach,
        t.code,
        t.page,
        mart_has_gaps=m.qpv_with_zero_rows,
        labels=ctx.labels,
    )
    body = tables_html(ts) if ts else '<p class="note">Aucun QPV ni action.</p>'
    return pages.section("qpv", "Quartiers prioritaires (QPV)", body), ts


def funding_section(
    ctx: Context, t: Territory, funding: pl.DataFrame, coop: pl.DataFrame
) -> tuple[str, list[Table]]:
    labels = ctx.labels
    by_funder = for_territory(ctx.marts.mart_funding_by_funder, t.level, t.code)
    ts = tables.funding_tables(funding, coop, by_funder, t.page, labels=labels)
    all_schemes = by_funder.filter(pl.col("scheme") == "ALL")
    body = [
        '<div class="grid2">',
        pages.figure(figures.funding_by_year(funding, labels=labels), "financement"),
        pages.figure(figures.funding_by_funder(all_schemes, labels=labels), "financeurs"),
        "</div>",
        tables_html(ts),
    ]
    return pages.section("financement", "Financement", "\n".join(body)), ts


def cooperation_section(ctx: Context, t: Territory, coop: pl.DataFrame) -> tuple[str, list[Table]]:
    """Partners per action, their renewal, categories and roles, and the network of the
    latest campaign."""
    m, labels = ctx.marts, ctx.labels

    def all_schemes(df: pl.DataFrame) -> pl.DataFrame:
        return for_territory(df, t.level, t.code).filter(pl.col("scheme") == "ALL")

    mix = all_schemes(m.mart_partner_mix)
    nodes, edges = all_schemes(m.mart_network_nodes), all_schemes(m.mart_network_edges)
    net_year = max(nodes["campaign_year"].to_list()) if nodes.height else None
    coop_t = tables.cooperation_table(coop, t.page, labels=labels)
    categories = mix.filter(pl.col("dimension") == "categorie")
    roles = mix.filter(pl.col("dimension") == "role")
    body = [
        '<div class="grid2">',
        pages.figure(figures.partners_per_action(coop, labels=labels), "partenaires"),
        pages.figure(
            figures.partnership_renewal(coop.filter(pl.col("scheme") == "ALL")), "renouvellement"
        ),
        pages.figure(figures.partner_mix(categories, "categorie", labels=labels), "categories"),
        pages.figure(figures.partner_mix(roles, "role", labels=labels), "roles"),
        "</div>",
    ]
    if net_year is not None:
        year_nodes = nodes.filter(pl.col("campaign_year") == net_year)
        year_edges = edges.filter(pl.col("campaign_year") == net_year)
        body.append(f"<h3>Réseau de coopération — campagne {net_year}, tous dispositifs</h3>")
        body.append(
            pages.figure(
                figures.cooperation_network(year_nodes, year_edges, labels=labels), "reseau"
            )
        )
        body.append(pages.table(tables.actors_table(year_nodes, net_year, labels=labels)))
    else:
        body.append(
            '<p class="note">Réseau de coopération : non disponible à ce niveau de territoire.</p>'
        )
    body.append(tables_html([coop_t]))
    # what porteurs say (the cooperation survey); its protection spans the territory tree,
    # so it reads the whole survey marts
    body.append(
        survey_section.render(
            m.mart_survey_answers, t.level, t.code, link=m.mart_survey_returns_link
        )
    )
    html = pages.section(
        "cooperation",
        "Coopération entre acteurs",
        "\n".join(body),
        "Porteurs et partenaires sont reliés quand ils mènent une action ensemble.",
    )
    return html, [coop_t]


def returns_section(ctx: Context, t: Territory, comp: pl.DataFrame) -> tuple[str, list[Table]]:
    """For the State's services: returns expected and received, and those still missing."""
    if t.level == "departement":
        dept_codes = [t.code]
    else:
        dept_codes = [
            k.code
            for k in ctx.territories.values()
            if k.level == "departement" and (t.level == "france" or k.parent == (t.level, t.code))
        ]
    missing = ctx.marts.fct_missing_returns
    if t.level != "france":
        missing = missing.filter(pl.col("department_code").is_in(dept_codes))
    ts = tables.returns_tables(comp, missing, t.page, labels=ctx.labels)
    html = pages.section(
        "retours",
        "Suivi des retours (services de l'État)",
        tables_html(ts),
        "Dossiers financés dont le bilan d'activité est attendu, et bilans reçus.",
    )
    return html, ts


def all_pages_section(ctx: Context, t: Territory) -> str:
    """France's page: every région with its départements (and départements without one)."""
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
    return pages.section("pages", "Toutes les pages", listing)


def documentation_section() -> str:
    """Link to the analysts' documentation, published beside the site by the
    analysts_documentation asset."""
    return pages.section(
        "documentation",
        "Documentation des données",
        (
            "<p>Pour les analystes : définition de chaque table et de chaque colonne de "
            "l'entrepôt, et leur lignage — "
            '<a href="../documentation/index.html">documentation des données</a>.</p>'
        ),
    )


def footer(ctx: Context) -> str:
    return (
        "Source : entrepôt « quartiers » (retours d'activité des porteurs, export des "
        f"financements), données au {pages.esc(fmt.french_date(ctx.data_date))}. "
        f"Référentiel des QPV : {pages.esc(ctx.referential_label)}. "
        "Sommes d'actions = participations, jamais des personnes distinctes. "
        "Effectifs de 1 à 10 masqués (« &lt; 11 ») ; « s » : masqué pour les protéger "
        "(secret secondaire)."
    )
