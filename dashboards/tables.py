"""Table builders: the tables each page section shows and exports, from the published
(protected) frames and the marts. No indicator is computed here: values come from the dbt
marts as they are; what is hidden is decided once in `dashboards.protected`.
"""

from __future__ import annotations

import polars as pl

from dashboards import formatting as fmt
from dashboards.confidentiality import AGE_MEASURES
from dashboards.protected import Published
from dashboards.table_model import SECRET_SUFFIX, Column, Table
from returns.contract import FIRST_CAMPAIGN, QPV_GENERATIONS, campaign_generation

# --------------------------------------------------------------------------- cutting


def for_territory(df: pl.DataFrame, level: str, code: str) -> pl.DataFrame:
    return df.filter((pl.col("territory_level") == level) & (pl.col("territory_code") == code))


def with_scheme_label(df: pl.DataFrame, labels: fmt.Labels) -> pl.DataFrame:
    order = {s: i for i, s in enumerate(fmt.SCHEME_ORDER)}
    return (
        df.with_columns(
            pl.col("scheme")
            .replace_strict(labels.schemes, default=pl.col("scheme"))
            .alias("scheme_label"),
            pl.col("scheme").replace_strict(order, default=len(order)).alias("_order"),
        )
        .sort(["campaign_year", "_order"], descending=[True, False])
        .drop("_order")
    )


def age_long(reach: pl.DataFrame) -> pl.DataFrame:
    """campaign_year, scheme, band, participations (+ _secret) from protected reach rows."""
    frames = [
        reach.select(
            "campaign_year",
            "scheme",
            pl.lit(m.removeprefix("age_")).alias("band"),
            pl.col(m).alias("participations"),
            pl.col(m + SECRET_SUFFIX).alias("participations" + SECRET_SUFFIX),
        )
        for m in AGE_MEASURES
    ]
    return pl.concat(frames) if frames else pl.DataFrame()


# --------------------------------------------------------------------------- tables

SCHEME_COLS = [Column("campaign_year", "Campagne", "year"), Column("scheme_label", "Dispositif")]
COVERAGE = Column(
    "coverage_rate", fmt.COVERAGE_LABEL, "per100", "non disponible", fmt.COVERAGE_HELP
)


def reach_table(reach: pl.DataFrame, slug: str, *, labels: fmt.Labels) -> Table:
    cols = [
        *SCHEME_COLS,
        Column("actions", "Actions", "count"),
        Column("sessions", "Séances", "count"),
        Column("participations", "Participations", "people"),
        Column("young_participations", "dont jeunes 6–25 ans", "people"),
        Column("qpv_resident_participations", "dont habitants des QPV", "people"),
        Column("girls", "Filles", "people"),
        Column("boys", "Garçons", "people"),
        Column("girls_share", "Part des filles", "ratio"),
        Column("qpv_with_action", "QPV avec action", "count"),
        Column("qpv_without_action", "QPV sans action", "count"),
        COVERAGE,
    ]
    export = [
        *cols[:8],
        *[
            Column(m, f"Participations {fmt.AGE_BANDS[m.removeprefix('age_')]}", "people")
            for m in AGE_MEASURES
        ],
        *cols[8:10],
        Column("qpv_total", "QPV du territoire", "count"),
        Column("young_population", "Population jeune des QPV", "people", "non disponible"),
        cols[10],
    ]
    return Table(
        slug,
        "Participations par campagne et dispositif",
        cols,
        with_scheme_label(reach, labels),
        export_columns=export,
        note="Participations : une personne inscrite à plusieurs actions compte une fois par "
        "action. "
        f"{fmt.COVERAGE_LABEL} : {fmt.COVERAGE_HELP[0].lower()}{fmt.COVERAGE_HELP[1:]}",
        emphasis=lambda r: r["scheme"] == "ALL",
    )


def _generations_note() -> str:
    """E.g. "QPV de la génération 2015 pour les campagnes 2020 à 2023, 2024 ensuite."
    (metropolitan France, from the contract)."""
    first, *later = QPV_GENERATIONS
    text = f"QPV de la génération {first.generation} pour les campagnes {FIRST_CAMPAIGN}"
    for g in later:
        text += f" à {g.first_campaign - 1}, {g.generation} ensuite"
    return text + "."


def qpv_tables(
    qpv: pl.DataFrame,
    dim_qpv: pl.DataFrame,
    dept_reach: pl.DataFrame,
    dept_code: str,
    page: str,
    *,
    mart_has_gaps: bool = False,
    labels: fmt.Labels,
) -> list[Table]:
    """The QPV of a département: latest campaign (QPV without action flagged) and the
    young participations of each QPV per campaign, with the département's total.

    With `mart_has_gaps` (mart_qpv lists the QPV without action, with actions = 0 and a
    `has_action` flag), the gaps are the mart's; otherwise they are the QPV of each
    campaign's generation in dim_qpv that have no row."""
    rows = qpv.filter(pl.col("department_code") == dept_code)
    years = sorted(
        set(rows["campaign_year"].to_list()) | set(dept_reach["campaign_year"].to_list())
    )
    if not years:
        return []
    dims = dim_qpv.filter(pl.col("department_code") == dept_code)
    # QPV of each campaign's generation without a row: no action at all that campaign
    gaps = []
    for year in [] if mart_has_gaps else years:
        listed = set(
            rows.filter((pl.col("campaign_year") == year) & (pl.col("scheme") == "ALL"))[
                "qpv_code"
            ].to_list()
        )
        for d in dims.filter(
            pl.col("generation") == campaign_generation(year, dept_code)
        ).iter_rows(named=True):
            if d["qpv_code"] not in listed:
                gaps.append(
                    {
                        "qpv_code": d["qpv_code"],
                        "qpv_name": d["qpv_name"],
                        "department_code": dept_code,
                        "region_code": d["region_code"],
                        "campaign_year": year,
                        "scheme": "ALL",
                        "actions": 0,
                    }
                )
    full = (
        pl.concat([rows, pl.DataFrame(gaps, schema=rows.schema)], how="diagonal_relaxed")
        if gaps
        else rows
    )
    has_action = (
        pl.col("has_action") if "has_action" in full.columns else pl.lit(None, dtype=pl.Boolean)
    )
    full = full.with_columns(
        # the mart's flag when it has one, else no action counted
        (~has_action).fill_null(pl.col("actions").fill_null(0) == 0).alias("without_action"),
        pl.col("scheme")
        .replace_strict(labels.schemes, default=pl.col("scheme"))
        .alias("scheme_label"),
    ).sort(["campaign_year", "scheme", "qpv_code"], descending=[True, False, False])
    communes = dict(zip(dims["qpv_code"].to_list(), dims["commune_codes"].to_list(), strict=True))
    full = full.with_columns(
        pl.col("qpv_code")
        .replace_strict(communes, default=None, return_dtype=pl.String)
        .alias("communes")
    )
    cols = [
        Column("qpv_code", "Code QPV"),
        Column("qpv_name", "Quartier"),
        Column("actions", "Actions", "count"),
        Column("sessions", "Séances", "count"),
        Column("young_participations", "Participations de jeunes (6–25 ans)", "people"),
        Column("participations", "Participations, tous âges", "people"),
        Column("young_population", "Population jeune", "people", "non disponible"),
        COVERAGE,
        Column("without_action", "Sans action", "flag"),
    ]
    latest = years[-1]
    latest_rows = full.filter((pl.col("campaign_year") == latest) & (pl.col("scheme") == "ALL"))
    gaps_latest = latest_rows.filter(pl.col("without_action")).sort("qpv_code")
    main = Table(
        f"{page}-qpv",
        f"QPV avec au moins une action — campagne {latest}, tous dispositifs",
        cols[:-1],
        full,
        html_rows=latest_rows.filter(~pl.col("without_action")).sort("qpv_code"),
        export_columns=[*SCHEME_COLS, Column("communes", "Communes"), *cols],
        note="L'export contient toutes les campagnes, chaque dispositif et les QPV sans action "
        f"(colonne « Sans action »). {_generations_note()}",
    )
    gaps = Table(
        None,
        f"QPV sans aucune action — campagne {latest} ({gaps_latest.height})",
        [
            Column("qpv_code", "Code QPV"),
            Column("qpv_name", "Quartier"),
            Column("communes", "Communes (code INSEE)"),
        ],
        gaps_latest,
        note="Quartiers du référentiel de la campagne où aucune action n'a été déclarée.",
        folded=gaps_latest.height > 12,
    )
    # pivot: young participations per QPV and campaign, with the département's total
    wide_rows = []
    everyone = full.filter((pl.col("scheme") == "ALL") & ~pl.col("without_action"))
    for code in sorted(set(everyone["qpv_code"].to_list())):
        sub = everyone.filter(pl.col("qpv_code") == code)
        rec: dict = {"qpv_code": code, "qpv_name": sub["qpv_name"][0]}
        for r in sub.iter_rows(named=True):
            rec[f"y{r['campaign_year']}"] = r["young_participations"]
            rec[f"y{r['campaign_year']}{SECRET_SUFFIX}"] = r.get(
                f"young_participations{SECRET_SUFFIX}"
            )
        wide_rows.append(rec)
    total: dict = {"qpv_code": "Total", "qpv_name": "Département (toutes actions)"}
    for r in dept_reach.filter(pl.col("scheme") == "ALL").iter_rows(named=True):
        total[f"y{r['campaign_year']}"] = r["young_participations"]
        total[f"y{r['campaign_year']}{SECRET_SUFFIX}"] = r[f"young_participations{SECRET_SUFFIX}"]
    wide_rows.append(total)
    schema = {"qpv_code": pl.String, "qpv_name": pl.String}
    for y in years:
        schema |= {f"y{y}": pl.Int64, f"y{y}{SECRET_SUFFIX}": pl.String}
    wide = pl.DataFrame(wide_rows, schema=schema)
    pivot = Table(
        f"{page}-qpv-campagnes",
        "Participations de jeunes (6–25 ans) par QPV et par campagne, tous dispositifs",
        [
            Column("qpv_code", "Code QPV"),
            Column("qpv_name", "Quartier"),
            *[Column(f"y{y}", str(y), "people") for y in years],
        ],
        wide,
        note="QPV ayant eu au moins une action. « — » : QPV hors de la génération de la "
        "campagne ou sans action cette campagne-là. Une action menée sur plusieurs QPV peut "
        "compter pour chacun : la somme des QPV peut dépasser le total.",
        emphasis=lambda r: r["qpv_code"] == "Total",
    )
    return [main, gaps, pivot]


def subterritory_tables(
    pub: Published,
    parent_level: str,
    parent_code: str,
    children: pl.DataFrame,
    page: str,
    links: dict[str, str],
) -> list[Table]:
    """Régions of France or départements of a région: latest campaign and the young
    participations per campaign with the parent's total."""
    level = children["territory_level"][0] if children.height else "departement"
    codes = children["territory_code"].to_list()
    names = dict(zip(codes, children["territory_name"].to_list(), strict=True))
    reach = pub.reach.filter(
        (pl.col("territory_level") == level) & pl.col("territory_code").is_in(codes)
    )
    parent = for_territory(pub.reach, parent_level, parent_code)
    years = sorted(set(reach["campaign_year"].to_list()) | set(parent["campaign_year"].to_list()))
    if not codes:
        return []
    latest = years[-1] if years else None
    fund = pub.funding.filter((pl.col("territory_level") == level) & (pl.col("scheme") == "ALL"))
    comp = pub.marts.mart_returns_completeness.filter(
        (pl.col("territory_level") == level) & (pl.col("scheme") == "ALL")
    )
    rows = []
    for code in codes:
        rec: dict = {"territory_code": code, "territory_name": names[code]}
        r = reach.filter(
            (pl.col("territory_code") == code)
            & (pl.col("campaign_year") == latest)
            & (pl.col("scheme") == "ALL")
        )
        if r.height:
            rec |= r.select(
                "actions",
                "young_participations",
                "young_participations_secret",
                "participations",
                "participations_secret",
                "qpv_total",
                "qpv_with_action",
                "qpv_without_action",
                "coverage_rate",
                "coverage_rate_secret",
            ).row(0, named=True)
        f = fund.filter((pl.col("territory_code") == code) & (pl.col("campaign_year") == latest))
        if f.height:
            rec["granted_state_pv"] = f["granted_state_pv"][0]
        c = comp.filter((pl.col("territory_code") == code) & (pl.col("campaign_year") == latest))
        if c.height:
            rec["completeness_rate"] = c["completeness_rate"][0]
        rows.append(rec)
    schema = {
        "territory_code": pl.String,
        "territory_name": pl.String,
        "actions": pl.Int64,
        "young_participations": pl.Int64,
        "young_participations_secret": pl.String,
        "participations": pl.Int64,
        "participations_secret": pl.String,
        "qpv_total": pl.Int64,
        "qpv_with_action": pl.Int64,
        "qpv_without_action": pl.Int64,
        "coverage_rate": pl.Float64,
        "coverage_rate_secret": pl.String,
        "granted_state_pv": pl.Float64,
        "completeness_rate": pl.Float64,
    }
    df = pl.DataFrame(rows, schema=schema)
    word = "Région" if level == "region" else "Département"
    latest_table = Table(
        f"{page}-territoires",
        f"{word}s — campagne {latest}, tous dispositifs" if latest else f"{word}s",
        [
            Column("territory_code", "Code"),
            Column("territory_name", word),
            Column("actions", "Actions", "count"),
            Column("young_participations", "Participations de jeunes (6–25 ans)", "people"),
            Column("participations", "Participations, tous âges", "people"),
            Column("qpv_with_action", "QPV avec action", "count"),
            Column("qpv_without_action", "QPV sans action", "count"),
            COVERAGE,
            Column("granted_state_pv", "Crédits État politique de la ville", "amount"),
            Column("completeness_rate", "Complétude des retours", "ratio"),
        ],
        df,
        links=links,
    )
    wide_rows = []
    for code in codes:
        rec = {"territory_code": code, "territory_name": names[code]}
        for r in reach.filter(
            (pl.col("territory_code") == code) & (pl.col("scheme") == "ALL")
        ).iter_rows(named=True):
            rec[f"y{r['campaign_year']}"] = r["young_participations"]
            rec[f"y{r['campaign_year']}{SECRET_SUFFIX}"] = r["young_participations_secret"]
        wide_rows.append(rec)
    total = {"territory_code": "Total", "territory_name": "Ensemble"}
    for r in parent.filter(pl.col("scheme") == "ALL").iter_rows(named=True):
        total[f"y{r['campaign_year']}"] = r["young_participations"]
        total[f"y{r['campaign_year']}{SECRET_SUFFIX}"] = r["young_participations_secret"]
    wide_rows.append(total)
    wschema = {"territory_code": pl.String, "territory_name": pl.String}
    for y in years:
        wschema |= {f"y{y}": pl.Int64, f"y{y}{SECRET_SUFFIX}": pl.String}
    pivot = Table(
        f"{page}-territoires-campagnes",
        "Participations de jeunes (6–25 ans) par campagne, tous dispositifs",
        [
            Column("territory_code", "Code"),
            Column("territory_name", word),
            *[Column(f"y{y}", str(y), "people") for y in years],
        ],
        pl.DataFrame(wide_rows, schema=wschema),
        links=links,
        emphasis=lambda r: r["territory_code"] == "Total",
    )
    return [latest_table, pivot]


def funding_tables(
    funding: pl.DataFrame,
    cooperation: pl.DataFrame,
    by_funder: pl.DataFrame,
    page: str,
    *,
    labels: fmt.Labels,
) -> list[Table]:
    lev = cooperation.select("campaign_year", "scheme", "leverage")
    df = with_scheme_label(funding.join(lev, on=["campaign_year", "scheme"], how="left"), labels)
    main = Table(
        f"{page}-financement",
        "Financements par campagne et dispositif",
        [
            *SCHEME_COLS,
            Column("grant_files", "Dossiers financés", "count"),
            Column("amount_requested", "Montant demandé", "amount"),
            Column("amount_granted", "Montant accordé", "amount"),
            Column("granted_state_pv", "dont État – politique de la ville", "amount"),
            Column("granted_state_other", "dont autres crédits de l'État", "amount"),
            Column("granted_own_funds", "dont fonds propres des porteurs", "amount"),
            Column("granted_other", "dont autres financeurs", "amount"),
            Column(
                "leverage",
                "Effet levier (€ d'autres financeurs par € État – politique de la ville)",
                "number",
            ),
            Column("realised_cost", "Coût réalisé", "amount"),
            Column("cost_per_participation", "Coût par participation", "amount"),
            Column("cost_per_young_participation", "Coût par participation de jeune", "amount"),
        ],
        df,
        note="Coût par participation : coût réalisé des actions rapporté à leurs participations "
        "(une personne présente à plusieurs actions compte plusieurs fois). "
        + fmt.OTHER_FUNDERS_HELP,
        emphasis=lambda r: r["scheme"] == "ALL",
    )
    funders = (
        by_funder.filter(pl.col("scheme") == "ALL")
        .with_columns(
            pl.col("funder")
            .replace_strict(labels.lists.get("funder", {}), default=pl.col("funder"))
            .alias("funder_label")
        )
        .sort(["campaign_year", "amount_granted"], descending=[True, True])
    )
    latest = funders["campaign_year"].max() if funders.height else None
    funder_table = Table(
        f"{page}-financeurs",
        f"Montants par financeur — campagne {latest}, tous dispositifs"
        if latest
        else "Montants par financeur",
        [
            Column("campaign_year", "Campagne", "year"),
            Column("funder_label", "Financeur"),
            Column("amount_requested", "Montant demandé", "amount"),
            Column("amount_granted", "Montant accordé", "amount"),
        ],
        funders,
        html_rows=funders.filter(pl.col("campaign_year") == latest) if latest else None,
        note="L'export contient toutes les campagnes.",
    )
    return [main, funder_table]


def cooperation_table(cooperation: pl.DataFrame, page: str, *, labels: fmt.Labels) -> Table:
    return Table(
        f"{page}-cooperation",
        "Coopération par campagne et dispositif",
        [
            *SCHEME_COLS,
            Column("actions", "Actions", "count"),
            Column("partnership_links", "Liens de partenariat", "count"),
            Column("partners_per_action", "Partenaires par action", "number"),
            Column("share_actions_2plus_partners", "Actions à 2 partenaires ou plus", "ratio"),
            Column("share_actions_4plus_partners", "Actions à 4 partenaires ou plus", "ratio"),
            Column(
                "cofunded_share",
                "Actions cofinancées",
                "ratio",
                help="Part des actions financées qui ont reçu un financement d'un autre "
                "financeur. " + fmt.OTHER_FUNDERS_HELP,
            ),
            Column(
                "leverage",
                "Effet levier",
                "number",
                help="€ d'autres financeurs par € de crédits État – politique de la ville. "
                + fmt.OTHER_FUNDERS_HELP,
            ),
            Column("organisations", "Organisations du réseau", "count"),
            Column("network_density", "Densité du réseau", "ratio"),
            Column("renewed_partnerships", "Partenariats renouvelés", "count"),
            Column("new_partnerships", "Nouveaux partenariats", "count"),
        ],
        with_scheme_label(cooperation, labels),
        emphasis=lambda r: r["scheme"] == "ALL",
    )


def actors_table(
    nodes: pl.DataFrame, year: int | None, top: int = 10, *, labels: fmt.Labels
) -> Table:
    df = nodes.sort(["degree", "actions", "org_id"], descending=[True, True, False]).head(top)
    df = (
        df.with_columns(
            pl.col("org_category")
            .map_elements(labels.organisation_category, return_dtype=pl.String)
            .alias("category_label")
        )
        if df.height
        else df.with_columns(pl.lit(None, dtype=pl.String).alias("category_label"))
    )
    return Table(
        None,
        f"Organisations les plus reliées — campagne {year}"
        if year
        else "Organisations les plus reliées",
        [
            Column("org_name", "Organisation"),
            Column("category_label", "Catégorie"),
            Column("degree", "Organisations reliées", "count"),
            Column("actions", "Actions", "count"),
        ],
        df,
    )


def returns_tables(
    completeness: pl.DataFrame,
    missing: pl.DataFrame,
    page: str,
    limit: int = 100,
    *,
    labels: fmt.Labels,
) -> list[Table]:
    main = Table(
        f"{page}-retours",
        "Retours d'activité attendus et reçus",
        [
            *SCHEME_COLS,
            Column("funded_files", "Dossiers financés", "count"),
            Column("returns_received", "Retours reçus", "count"),
            Column("funded_without_return", "Financés sans retour", "count"),
            Column("returns_without_funding", "Retours sans financement", "count"),
            Column("completeness_rate", "Taux de complétude", "ratio"),
        ],
        with_scheme_label(completeness, labels),
        emphasis=lambda r: r["scheme"] == "ALL",
    )
    missing = missing.with_columns(
        pl.col("scheme")
        .replace_strict(labels.schemes, default=pl.col("scheme"))
        .alias("scheme_label")
    ).sort(["campaign_year", "department_code", "grant_file"], descending=[True, False, False])
    latest = missing["campaign_year"].max() if missing.height else None
    shown = missing.filter(pl.col("campaign_year") == latest).head(limit) if latest else None
    n_latest = missing.filter(pl.col("campaign_year") == latest).height if latest else 0
    listing = Table(
        f"{page}-retours-manquants",
        f"Retours attendus non reçus — campagne {latest}"
        if latest
        else "Retours attendus non reçus",
        [
            *SCHEME_COLS,
            Column("department_code", "Département"),
            Column("grant_file", "N° de dossier"),
            Column("porteur_name", "Porteur"),
            Column("amount_granted", "Montant accordé", "amount"),
        ],
        missing,
        html_rows=shown,
        note=(
            f"{n_latest} dossiers ; les {limit} premiers sont affichés. "
            if n_latest > limit
            else ""
        )
        + "L'export contient toutes les campagnes.",
    )
    return [main, listing]
