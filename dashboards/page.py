"""A territory's page: its sections (dashboards.sections) in the page skeleton."""

from __future__ import annotations

from dashboards import formatting as fmt
from dashboards import pages, sections
from dashboards.context import Context
from dashboards.table_model import Table
from dashboards.tables import for_territory
from dashboards.territories import Territory


def render(ctx: Context, t: Territory) -> tuple[str, list[Table]]:
    """The HTML of a territory's page and the tables it exports."""
    pub, m = ctx.pub, ctx.marts
    reach = for_territory(pub.reach, t.level, t.code)
    funding = for_territory(pub.funding, t.level, t.code)
    coop = for_territory(m.mart_cooperation, t.level, t.code)
    comp = for_territory(m.mart_returns_completeness, t.level, t.code)
    years = sections.years_of(reach, funding, coop)
    schemes = sorted({s for s in reach["scheme"].to_list() if s != "ALL"}, key=fmt.scheme_sort_key)
    kids = ctx.children(t)

    body = [
        sections.heading(ctx, t, years, schemes),
        sections.participations_notice(),
        sections.table_of_contents(ctx, t),
        sections.key_figures(reach, funding, coop, comp, years),
    ]
    parts = [sections.reach_section(ctx, t, reach)]
    if kids:
        parts.append(sections.subterritories_section(ctx, t, kids))
    if t.level == "departement":
        parts.append(sections.qpv_section(ctx, t, reach))
    parts += [
        sections.funding_section(ctx, t, funding, coop),
        sections.cooperation_section(ctx, t, coop),
        sections.returns_section(ctx, t, comp),
    ]
    exported: list[Table] = []
    for html, ts in parts:
        body.append(html)
        exported += ts
    if t.level == "france":
        body += [sections.all_pages_section(ctx, t), sections.documentation_section()]

    level_word = sections.LEVEL_WORDS[t.level]
    title = (
        f"{level_word}{t.title} — {sections.SITE_TITLE}"
        if t.level != "france"
        else sections.SITE_TITLE
    )
    html = pages.document(
        title=title,
        top=sections.top_bar(ctx, t),
        body="\n".join(body),
        footer=sections.footer(ctx),
    )
    return html, exported
