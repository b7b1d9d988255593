"""Every indicator of specs/indicators.md computed from the demo generator's truth, in plain
polars, independently of the dbt SQL: the rows the generator wrote, the rules of
specs/returns.md (what is refused, which version wins), and the referential files it wrote
or was given. tests/test_truth.py compares the marts with these frames cell by cell.

Shared vocabulary: a *cell* is (territory_level, territory_code, campaign_year, scheme), the
scheme being the action's own or 'ALL'. Levels: france (FR), region, departement, epci and
commune (a département's actions that cannot be placed below it go to '<dep>_ND').
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

KEY = ["campaign_year", "scheme", "grant_file"]
CELL = ["territory_level", "territory_code", "campaign_year", "scheme"]
AGES = ["age_0_5", "age_6_11", "age_12_17", "age_18_25", "age_26_59", "age_60_plus"]
YOUNG = ["age_6_11", "age_12_17", "age_18_25"]
# Funders that are not "other funders" (specs/indicators.md: State credits and own funds).
NOT_OTHER_FUNDERS = ("etat_politique_ville", "etat_autre", "fonds_propres")
LEVELS = ("france", "region", "departement", "epci", "commune")


# ── organisations ──────────────────────────────────────────────────────────────────────────


def org_id(siret: str | None, name: str | None) -> str:
    """'siret:<digits>' when a SIRET is given, else 'nom:' + the name in lower case, accents
    stripped, every run of other characters than a-z0-9 made one space."""
    if siret and siret.strip():
        return "siret:" + siret.replace(" ", "").strip()
    text = unicodedata.normalize("NFKD", (name or "").lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    out, space = [], False
    for c in text:
        if "a" <= c <= "z" or "0" <= c <= "9":
            out.append(c)
            space = False
        elif not space:
            out.append(" ")
            space = True
    return "nom:" + "".join(out).strip()


def _org_ids(sirets: pl.Series, names: pl.Series) -> pl.Series:
    return pl.Series([org_id(s, n) for s, n in zip(sirets, names, strict=True)], dtype=pl.String)


# ── referential ────────────────────────────────────────────────────────────────────────────


def read_referential(*paths: Path) -> pl.DataFrame:
    """One row per (QPV, commune) in file order: generation, qpv_code, commune_code,
    position (0 = the QPV's main commune), department_code, region_code, epci_siren (the
    commune's EPCI: positional when the cell lists one per commune, else the first)."""
    frames = []
    for order, path in enumerate(paths):
        df = pl.read_csv(path, infer_schema=False)
        rows = []
        for i, r in enumerate(df.iter_rows(named=True)):
            communes = [c.strip() for c in (r["insee_com"] or "").split(";")]
            epcis = [e.strip() for e in (r["siren_epci_2026"] or "").split(";")]
            for pos, commune in enumerate(communes):
                epci = epcis[pos] if len(epcis) == len(communes) else epcis[0]
                rows.append(
                    {
                        "generation": 2015 if r["code_qp"].startswith("QP") else 2024,
                        "qpv_code": r["code_qp"].strip().upper(),
                        "commune_code": commune,
                        "position": pos,
                        "department_code": r["code_departement"].split(";")[0],
                        "region_code": r["code_region"].split(";")[0],
                        "epci_siren": epci or None,
                        "row": order * 1_000_000 + i,
                    }
                )
        frames.append(pl.DataFrame(rows))
    return pl.concat(frames)


@dataclass
class Places:
    qpv: pl.DataFrame  # qpv_code → generation, department, region, main commune, commune list
    communes: pl.DataFrame  # commune_code → epci_siren, department_code


def places(referential: pl.DataFrame) -> Places:
    first = (
        referential.sort("row")
        .group_by("qpv_code", maintain_order=True)
        .agg(
            pl.col("generation").first(),
            pl.col("department_code").first(),
            pl.col("region_code").first(),
            main_commune=pl.col("commune_code").first(),
            communes=pl.col("commune_code"),
        )
    )
    # a commune's EPCI is that of its most recent generation's first row
    communes = (
        referential.sort(["generation", "row"], descending=[True, False])
        .group_by("commune_code", maintain_order=True)
        .agg(pl.col("epci_siren").first(), pl.col("department_code").first())
    )
    return Places(first, communes)


def _attach(frame: pl.DataFrame, p: Places, commune_col: str = "attached_commune_code"):
    """Add the EPCI of the attached commune, and drop attachments outside the département."""
    out = frame.join(
        p.communes.rename({"department_code": "_commune_dep"}),
        left_on=commune_col,
        right_on="commune_code",
        how="left",
    )
    inside = pl.col("_commune_dep").is_null() | (
        pl.col("_commune_dep") == pl.col("department_code")
    )
    return out.with_columns(
        attached_commune_code=pl.when(inside).then(pl.col(commune_col)),
        attached_epci_siren=pl.when(inside).then(pl.col("epci_siren")),
    ).drop("_commune_dep", "epci_siren")


def _region_of(departments: dict[str, str]) -> pl.Expr:
    return pl.col("department_code").replace_strict(departments, default=None)


# ── what the warehouse should hold ─────────────────────────────────────────────────────────


def accepted_actions(actions: pl.DataFrame) -> pl.DataFrame:
    """Action rows in force: valid, not superseded by a correction, not in a withdrawn file,
    and not sharing their key with a duplicate in the same return (every copy is refused)."""
    dup = actions.filter(pl.col("broken_rule") == "grant_file_duplicate").select(KEY)
    return actions.filter(
        pl.col("broken_rule").is_null() & ~pl.col("superseded") & ~pl.col("withdrawn")
    ).join(dup, on=KEY, how="anti")


def located_actions(actions: pl.DataFrame, p: Places, regions: dict[str, str]) -> pl.DataFrame:
    """Accepted actions with their territory: the main QPV's département; below it, the
    return's commune when it is one of the main QPV's communes, else the QPV's main commune."""
    a = (
        accepted_actions(actions)
        .with_columns(
            action_id=pl.format("{}|{}|{}", *KEY),
            main_qpv_code=pl.col("qpv_codes").str.split(";").list.first().str.strip_chars(),
            young=pl.sum_horizontal(*[pl.col(c).fill_null(0) for c in YOUNG]),
        )
        .with_columns(
            # young participations of QPV residents, estimated per action (6 decimals, exact sums)
            estimated=pl.when(pl.col("participants") > 0)
            .then(pl.col("young") * pl.col("qpv_residents") / pl.col("participants"))
            .otherwise(0.0)
            .round(6, mode="half_away_from_zero"),
        )
        .join(
            p.qpv.select("qpv_code", "department_code", "main_commune", "communes"),
            left_on="main_qpv_code",
            right_on="qpv_code",
            how="left",
            suffix="_qpv",
        )
    )
    assert a["department_code_qpv"].null_count() == 0, "accepted action with unknown main QPV"
    a = a.with_columns(
        department_code=pl.col("department_code_qpv"),
        attached_commune_code=pl.when(pl.col("communes").list.contains(pl.col("commune_code")))
        .then(pl.col("commune_code"))
        .otherwise(pl.col("main_commune")),
    ).drop("department_code_qpv", "main_commune", "communes")
    return _attach(a, p).with_columns(region_code=_region_of(regions))


def explode_cells(frame: pl.DataFrame, levels=LEVELS, schemes: bool = True) -> pl.DataFrame:
    """One row per (level, territory) the row belongs to, for its scheme and 'ALL'."""
    codes = {
        "france": pl.lit("FR"),
        "region": pl.col("region_code"),
        "departement": pl.col("department_code"),
        "epci": pl.coalesce("attached_epci_siren", pl.col("department_code") + "_ND"),
        "commune": pl.coalesce("attached_commune_code", pl.col("department_code") + "_ND"),
    }
    parts = [
        frame.with_columns(territory_level=pl.lit(level), territory_code=codes[level])
        for level in levels
    ]
    out = pl.concat(parts).filter(pl.col("territory_code").is_not_null())
    if not schemes:
        return out
    return pl.concat([out, out.with_columns(scheme=pl.lit("ALL"))])


def _ratio(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) != 0).then(pl.col(num) / pl.col(den))


# ── reach ──────────────────────────────────────────────────────────────────────────────────


def campaign_qpv(p: Places, years: list[int], regions: dict[str, str]) -> pl.DataFrame:
    """Every QPV of the generation in force for each campaign in its département (2015 up to
    2023; 2024 from 2024, from 2025 overseas), with its territory."""
    q = p.qpv.with_columns(attached_commune_code=pl.col("main_commune"))
    q = _attach(q, p).with_columns(region_code=_region_of(regions))
    frames = []
    for year in years:
        overseas = pl.col("department_code").str.starts_with("97")
        generation = (
            pl.when(year <= 2023)
            .then(2015)
            .when((year == 2024) & overseas)
            .then(2015)
            .otherwise(2024)
        )
        frames.append(
            q.filter(pl.col("generation") == generation).with_columns(
                campaign_year=pl.lit(year, pl.Int32)
            )
        )
    return pl.concat(frames)


def reach(actions: pl.DataFrame, cqpv: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    a = actions.with_columns(
        sex_known=pl.col("girls").is_not_null() & pl.col("boys").is_not_null(),
    )
    measures = (
        explode_cells(a)
        .group_by(CELL)
        .agg(
            actions=pl.len(),
            sessions=pl.col("sessions").sum(),
            participations=pl.col("participants").sum(),
            young_participations=pl.col("young").sum(),
            qpv_resident_participations=pl.col("qpv_residents").sum(),
            # NULL when every action of the cell left the number unknown
            girls=pl.when(pl.col("girls").is_not_null().any()).then(pl.col("girls").sum()),
            boys=pl.when(pl.col("boys").is_not_null().any()).then(pl.col("boys").sum()),
            girls_sex_known=pl.col("girls").filter(pl.col("sex_known")).sum(),
            boys_sex_known=pl.col("boys").filter(pl.col("sex_known")).sum(),
            estimated_young_qpv_participations=pl.col("estimated").sum(),  # see located_actions
            **{c: pl.col(c).sum() for c in AGES},
        )
    )
    q = cqpv.join(population, on="qpv_code", how="left")
    qpv_measures = (
        explode_cells(q, schemes=False)
        .group_by("territory_level", "territory_code", "campaign_year")
        .agg(
            qpv_total=pl.len(),
            young_population=pl.when(pl.col("young_population").null_count() == 0).then(
                pl.col("young_population").sum()
            ),
        )
    )
    cited = (
        actions.select("campaign_year", "scheme", qpv_code=pl.col("qpv_codes").str.split(";"))
        .explode("qpv_code")
        .with_columns(pl.col("qpv_code").str.strip_chars().str.to_uppercase())
        .unique()
        .join(cqpv, on=["qpv_code", "campaign_year"])
    )
    cited_measures = (
        explode_cells(cited).group_by(CELL).agg(qpv_with_action=pl.col("qpv_code").n_unique())
    )
    out = measures.join(
        qpv_measures, on=["territory_level", "territory_code", "campaign_year"], how="left"
    ).join(cited_measures, on=CELL, how="left")
    return out.with_columns(
        pl.col("qpv_with_action").fill_null(0),
        qpv_without_action=pl.col("qpv_total") - pl.col("qpv_with_action").fill_null(0),
        girls_share=pl.col("girls_sex_known")
        / pl.when((pl.col("girls_sex_known") + pl.col("boys_sex_known")) > 0).then(
            pl.col("girls_sex_known") + pl.col("boys_sex_known")
        ),
        qpv_resident_share=_ratio("qpv_resident_participations", "participations"),
        coverage_rate=_ratio("estimated_young_qpv_participations", "young_population"),
        actions_per_qpv=_ratio("actions", "qpv_total"),
        sessions_per_qpv=_ratio("sessions", "qpv_total"),
    )


def per_qpv(actions: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """Per QPV code × campaign × scheme: actions citing it (any position); sessions and
    participations of the actions whose main QPV it is; coverage from those."""
    both = pl.concat([actions, actions.with_columns(scheme=pl.lit("ALL"))])
    citing = (
        both.select(
            "campaign_year", "scheme", "action_id", qpv_code=pl.col("qpv_codes").str.split(";")
        )
        .explode("qpv_code")
        .with_columns(pl.col("qpv_code").str.strip_chars().str.to_uppercase())
        .group_by("qpv_code", "campaign_year", "scheme")
        .agg(actions=pl.col("action_id").n_unique())
    )
    main = both.group_by(
        qpv_code="main_qpv_code", campaign_year="campaign_year", scheme="scheme"
    ).agg(
        sessions=pl.col("sessions").sum(),
        participations=pl.col("participants").sum(),
        young_participations=pl.col("young").sum(),
        estimated=pl.col("estimated").sum(),
    )
    out = citing.join(
        main, on=["qpv_code", "campaign_year", "scheme"], how="full", coalesce=True
    ).join(population, on="qpv_code", how="left")
    return out.with_columns(
        pl.col("actions").fill_null(0),
        pl.col("sessions").fill_null(0),
        pl.col("participations").fill_null(0),
        pl.col("young_participations").fill_null(0),
        coverage_rate=pl.col("estimated").fill_null(0) / pl.col("young_population"),
    )


# ── cooperation ────────────────────────────────────────────────────────────────────────────


def partnerships(actions: pl.DataFrame, partners: pl.DataFrame) -> pl.DataFrame:
    """One row per (accepted action, partner organisation other than the porteur), from the
    partner rows in force whatever file they came in; roles ';'-joined, sorted."""
    p = partners.filter(
        pl.col("broken_rule").is_null() & ~pl.col("superseded") & ~pl.col("withdrawn")
    )
    p = p.with_columns(partner_org_id=_org_ids(p["partner_siret"], p["partner_name"]))
    a = actions.with_columns(
        porteur_org_id=_org_ids(actions["porteur_siret"], actions["porteur_name"])
    )
    joined = p.join(
        a.select(
            *KEY,
            "action_id",
            "porteur_org_id",
            "department_code",
            "region_code",
            "attached_commune_code",
            "attached_epci_siren",
        ),
        on=KEY,
    )
    joined = joined.filter(pl.col("partner_org_id") != pl.col("porteur_org_id"))
    return (
        joined.sort("line")
        .group_by(
            "action_id",
            *KEY,
            "porteur_org_id",
            "partner_org_id",
            "department_code",
            "region_code",
            "attached_commune_code",
            "attached_epci_siren",
        )
        .agg(pl.col("partner_category").first(), role=pl.col("role").unique().sort().str.join(";"))
    )


def cooperation(
    actions: pl.DataFrame, links: pl.DataFrame, grant_files: pl.DataFrame, lines: pl.DataFrame
) -> pl.DataFrame:
    counts = links.group_by("action_id").agg(partner_count=pl.len())
    a = (
        actions.join(counts, on="action_id", how="left")
        .with_columns(pl.col("partner_count").fill_null(0))
        .join(
            grant_files.select("action_id", "is_funded", "is_cofunded"), on="action_id", how="left"
        )
    )
    measures = (
        explode_cells(a)
        .group_by(CELL)
        .agg(
            actions=pl.len(),
            partnership_links=pl.col("partner_count").sum(),
            actions_2plus_partners=(pl.col("partner_count") >= 2).sum(),
            actions_4plus_partners=(pl.col("partner_count") >= 4).sum(),
            funded_actions=pl.col("is_funded").fill_null(False).sum(),
            cofunded_actions=(
                pl.col("is_funded").fill_null(False) & pl.col("is_cofunded").fill_null(False)
            ).sum(),
        )
    )
    money = (
        explode_cells(lines)
        .group_by(CELL)
        .agg(
            granted_state_pv=pl.col("amount_granted")
            .filter(pl.col("funder") == "etat_politique_ville")
            .sum(),
            granted_other=pl.col("amount_granted")
            .filter(~pl.col("funder").is_in(NOT_OTHER_FUNDERS))
            .sum(),
        )
    )
    # network: porteur and partners of each action; links between every two of them
    members = network_members(actions, links)
    nodes = explode_cells(members).group_by(CELL).agg(organisations=pl.col("org_id").n_unique())
    pairs = members.join(members.select("action_id", org_b="org_id"), on="action_id").filter(
        pl.col("org_id") < pl.col("org_b")
    )
    edges = (
        explode_cells(pairs)
        .group_by(CELL)
        .agg(network_links=pl.struct("org_id", "org_b").n_unique())
    )
    # durability: (porteur, partner) pairs of a cell also present the campaign before
    cell_pairs = explode_cells(links).select(*CELL, "porteur_org_id", "partner_org_id").unique()
    previous = cell_pairs.with_columns(campaign_year=pl.col("campaign_year") + 1, renewed=True)
    renewal = (
        cell_pairs.join(previous, on=[*CELL, "porteur_org_id", "partner_org_id"], how="left")
        .group_by(CELL)
        .agg(distinct=pl.len(), renewed_partnerships=pl.col("renewed").fill_null(False).sum())
    )
    years_with_actions = (
        pl.concat(
            [
                actions.select("campaign_year", "scheme"),
                actions.select("campaign_year", scheme=pl.lit("ALL")),
            ]
        )
        .unique()
        .with_columns(previous_known=True, campaign_year=pl.col("campaign_year") + 1)
    )
    out = (
        measures.join(money, on=CELL, how="left")
        .join(nodes, on=CELL, how="left")
        .join(edges, on=CELL, how="left")
        .join(renewal, on=CELL, how="left")
        .join(years_with_actions, on=["campaign_year", "scheme"], how="left")
    )
    out = out.with_columns(
        pl.col("granted_state_pv", "granted_other").fill_null(0.0),
        pl.col("organisations", "network_links", "distinct", "renewed_partnerships").fill_null(0),
    )
    known = pl.col("previous_known").fill_null(False)
    return out.with_columns(
        partners_per_action=_ratio("partnership_links", "actions"),
        share_actions_2plus_partners=_ratio("actions_2plus_partners", "actions"),
        share_actions_4plus_partners=_ratio("actions_4plus_partners", "actions"),
        cofunded_share=_ratio("cofunded_actions", "funded_actions"),
        leverage=_ratio("granted_other", "granted_state_pv"),
        network_density=pl.when(pl.col("organisations") >= 2).then(
            pl.col("network_links") / (pl.col("organisations") * (pl.col("organisations") - 1) / 2)
        ),
        renewed_partnerships=pl.when(known).then(pl.col("renewed_partnerships")),
        new_partnerships=pl.when(known).then(pl.col("distinct") - pl.col("renewed_partnerships")),
    )


def network_members(actions: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """The porteur and the partners of each action (once each), with the action's cell."""
    return (
        pl.concat(
            [
                actions.select(
                    "action_id", org_id=_org_ids(actions["porteur_siret"], actions["porteur_name"])
                ),
                links.select("action_id", org_id="partner_org_id"),
            ]
        )
        .unique()
        .join(
            actions.select(
                "action_id",
                "campaign_year",
                "scheme",
                "department_code",
                "region_code",
                "attached_commune_code",
                "attached_epci_siren",
            ),
            on="action_id",
        )
    )


def network_degrees(actions: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Per région and département, all schemes together: each organisation of the network
    with its degree (distinct organisations it worked with) and its actions."""
    members = network_members(actions, links)
    cells = explode_cells(members, levels=("region", "departement")).filter(
        pl.col("scheme") == "ALL"
    )
    pairs = cells.join(cells.select(*CELL, "action_id", other="org_id"), on=[*CELL, "action_id"])
    degrees = (
        pairs.filter(pl.col("org_id") != pl.col("other"))
        .group_by(*CELL, "org_id")
        .agg(degree=pl.col("other").n_unique())
    )
    nodes = cells.group_by(*CELL, "org_id").agg(actions=pl.col("action_id").n_unique())
    return nodes.join(degrees, on=[*CELL, "org_id"], how="left").with_columns(
        pl.col("degree").fill_null(0)
    )


def partner_mix(links: pl.DataFrame) -> pl.DataFrame:
    by_category = links.select(
        *links.columns,
        dimension=pl.lit("categorie"),
        value=pl.col("partner_category").fill_null("inconnu"),
    )
    by_role = links.with_columns(
        dimension=pl.lit("role"), value=pl.col("role").fill_null("inconnu").str.split(";")
    ).explode("value")
    both = pl.concat([by_category, by_role.select(by_category.columns)])
    return (
        explode_cells(both)
        .group_by(*CELL, "dimension", "value")
        .agg(links=pl.len(), actions=pl.col("action_id").n_unique())
    )


# ── funding and returns ────────────────────────────────────────────────────────────────────


def grant_files(
    actions: pl.DataFrame, funding: pl.DataFrame, regions: dict[str, str]
) -> pl.DataFrame:
    """One row per grant file known from an accepted return or a funding line, with its
    territory: the action's when the return is accepted, else the export's département."""
    f = (
        funding.with_columns(action_id=pl.format("{}|{}|{}", *KEY))
        .group_by("action_id")
        .agg(
            is_funded=(pl.col("amount_granted") > 0).any(),
            is_cofunded=(
                (pl.col("amount_granted") > 0) & ~pl.col("funder").is_in(NOT_OTHER_FUNDERS)
            ).any(),
            funding_department=pl.col("department_code")
            .filter(pl.col("funder") == "etat_politique_ville")
            .min()
            .fill_null(pl.col("department_code").min()),
            campaign_year=pl.col("campaign_year").first(),
            scheme=pl.col("scheme").first(),
        )
    )
    a = actions.select(
        "action_id",
        "campaign_year",
        "scheme",
        "department_code",
        "region_code",
        "attached_commune_code",
        "attached_epci_siren",
        has_return=pl.lit(True),
    )
    g = a.join(f, on="action_id", how="full", coalesce=True, suffix="_f")
    return (
        g.with_columns(
            campaign_year=pl.coalesce("campaign_year", "campaign_year_f"),
            scheme=pl.coalesce("scheme", "scheme_f"),
            has_return=pl.col("has_return").fill_null(False),
            is_funded=pl.col("is_funded").fill_null(False),
            is_cofunded=pl.col("is_cofunded").fill_null(False),
            department_code=pl.coalesce("department_code", "funding_department"),
        )
        .drop("campaign_year_f", "scheme_f")
        .with_columns(region_code=_region_of(regions))
    )


def placed_lines(funding: pl.DataFrame, files: pl.DataFrame, regions: dict[str, str]):
    """Funding lines with their grant file's territory."""
    lines = funding.with_columns(action_id=pl.format("{}|{}|{}", *KEY)).drop("department_code")
    return lines.join(
        files.select(
            "action_id", "department_code", "attached_commune_code", "attached_epci_siren"
        ),
        on="action_id",
    ).with_columns(region_code=_region_of(regions))


def funding_measures(actions: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    money = (
        explode_cells(lines)
        .group_by(CELL)
        .agg(
            grant_files=pl.col("action_id").n_unique(),
            amount_requested=pl.col("amount_requested").sum(),
            amount_granted=pl.col("amount_granted").sum(),
            granted_state_pv=pl.col("amount_granted")
            .filter(pl.col("funder") == "etat_politique_ville")
            .sum(),
            granted_state_other=pl.col("amount_granted")
            .filter(pl.col("funder") == "etat_autre")
            .sum(),
            granted_own_funds=pl.col("amount_granted")
            .filter(pl.col("funder") == "fonds_propres")
            .sum(),
            granted_other=pl.col("amount_granted")
            .filter(~pl.col("funder").is_in(NOT_OTHER_FUNDERS))
            .sum(),
        )
    )
    costed = pl.col("realised_cost").is_not_null()
    cost = (
        explode_cells(actions)
        .group_by(CELL)
        .agg(
            costed_cost=pl.col("realised_cost").filter(costed).sum(),
            costed_participations=pl.col("participants").filter(costed).sum(),
            costed_young_participations=pl.col("young").filter(costed).sum(),
        )
    )
    out = money.join(cost, on=CELL, how="full", coalesce=True).with_columns(
        pl.col("costed_participations", "costed_young_participations").fill_null(0)
    )
    return out.with_columns(
        cost_per_participation=_ratio("costed_cost", "costed_participations"),
        cost_per_young_participation=_ratio("costed_cost", "costed_young_participations"),
    )


def completeness(files: pl.DataFrame) -> pl.DataFrame:
    return (
        explode_cells(files, levels=("france", "region", "departement"))
        .group_by(CELL)
        .agg(
            funded_files=pl.col("is_funded").sum(),
            returns_received=pl.col("has_return").sum(),
            funded_without_return=(pl.col("is_funded") & ~pl.col("has_return")).sum(),
            returns_without_funding=(pl.col("has_return") & ~pl.col("is_funded")).sum(),
        )
        .with_columns(
            completeness_rate=pl.when(pl.col("funded_files") > 0).then(
                (pl.col("funded_files") - pl.col("funded_without_return")) / pl.col("funded_files")
            )
        )
    )


# ── everything at once ─────────────────────────────────────────────────────────────────────


@dataclass
class Truth:
    actions: pl.DataFrame
    links: pl.DataFrame
    reach: pl.DataFrame
    qpv: pl.DataFrame
    cooperation: pl.DataFrame
    degrees: pl.DataFrame
    partner_mix: pl.DataFrame
    funding: pl.DataFrame
    completeness: pl.DataFrame


def compute(demo, qpv_files: tuple[Path, ...], regions: dict[str, str]) -> Truth:
    """`demo`: a DemoResult; `qpv_files`: the referential files loaded (2015 then 2024);
    `regions`: département → région (COG)."""
    p = places(read_referential(*qpv_files))
    actions = located_actions(demo.actions, p, regions)
    population = pl.read_csv(demo.population_file, schema_overrides={"code_qp": pl.String}).select(
        qpv_code="code_qp", young_population=pl.col("population_6_25").cast(pl.Int64)
    )
    years = sorted(
        set(demo.actions["campaign_year"].to_list()) | set(demo.funding["campaign_year"].to_list())
    )
    cqpv = campaign_qpv(p, years, regions)
    links = partnerships(actions, demo.partners)
    files = grant_files(actions, demo.funding, regions)
    lines = placed_lines(demo.funding, files, regions)
    return Truth(
        actions=actions,
        links=links,
        reach=reach(actions, cqpv, population),
        qpv=per_qpv(actions, population),
        cooperation=cooperation(actions, links, files, lines),
        degrees=network_degrees(actions, links),
        partner_mix=partner_mix(links),
        funding=funding_measures(actions, lines),
        completeness=completeness(files),
    )
