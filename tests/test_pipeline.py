"""The whole graph on a generated Grand Est dataset, run through the project's Definitions:
mart totals equal totals computed independently from the generator's truth."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import duckdb
import polars as pl
import pytest

from orchestration import up_to_date
from orchestration.dbt_selection import dbt_digest
from platform_config.settings import PROJECT_ROOT
from tests.truth import accepted_actions as accepted_truth

# The generator's names for the rules it breaks → the contract's rule names.
RULE_OF = {
    "siret_luhn": "siret_invalide",
    "age_bands_sum": "tranches_age_incoherentes",
    "sex_sum": "sexes_superieurs",
    "scheme_unknown": "code_inconnu",
    "date_outside_campaign": "date_hors_campagne",
    "qpv_unknown": "qpv_inconnu",
    "grant_file_duplicate": "dossier_en_double",
    "action_unknown": "action_inconnue",
}
KEY = ["campaign_year", "scheme", "grant_file"]


def test_young_participations_per_department_match_the_inputs(pipeline):
    demo, settings, _, _ = pipeline
    truth = (
        accepted_truth(demo.actions)
        .group_by("department_code")
        .agg(
            young=(pl.col("age_6_11") + pl.col("age_12_17") + pl.col("age_18_25")).sum(),
            actions=pl.len(),
        )
        .sort("department_code")
    )
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    marts = con.sql("""
        SELECT territory_code AS department_code, sum(young_participations)::BIGINT AS young,
               sum(actions)::BIGINT AS actions
        FROM marts.mart_reach WHERE territory_level = 'departement' AND scheme = 'ALL'
        GROUP BY 1 HAVING sum(actions) > 0 ORDER BY 1""").pl()
    region = con.sql(
        "SELECT sum(young_participations)::BIGINT FROM marts.mart_reach "
        "WHERE territory_level = 'region' AND scheme = 'ALL'"
    ).fetchall()[0][0]
    con.close()
    assert marts.cast(truth.schema).equals(truth.cast(truth.schema)), (marts, truth)
    assert region == truth["young"].sum()


def test_state_credit_matches_the_funding_export(pipeline):
    demo, settings, _, _ = pipeline
    expected = demo.funding.filter(pl.col("funder") == "etat_politique_ville")[
        "amount_granted"
    ].sum()
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    got = con.sql(
        "SELECT sum(amount_granted) FROM marts.fct_funding_lines "
        "WHERE funder = 'etat_politique_ville'"
    ).fetchall()[0][0]
    con.close()
    assert got == pytest.approx(expected, abs=0.01)


def test_every_broken_row_is_quarantined_with_its_rule(pipeline):
    demo, settings, _, _ = pipeline
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    q = con.sql(
        "SELECT file_name, coalesce(sheet, '') AS sheet, line, rule, reason FROM raw.quarantine"
    ).pl()
    con.close()
    broken = pl.concat(
        [
            demo.actions.filter(pl.col("broken_rule").is_not_null()).select(
                "file_name", sheet=pl.col("sheet").fill_null(""), line="line", br="broken_rule"
            ),
            demo.partners.filter(pl.col("broken_rule").is_not_null()).select(
                "file_name", sheet=pl.col("sheet").fill_null(""), line="line", br="broken_rule"
            ),
        ]
    )
    assert broken.height > 0
    found = broken.join(q, on=["file_name", "sheet", "line"], how="left")
    for row in broken.iter_rows(named=True):
        rules = found.filter(
            (pl.col("file_name") == row["file_name"])
            & (pl.col("line") == row["line"])
            & (pl.col("sheet") == row["sheet"])
        )["rule"].to_list()
        assert RULE_OF[row["br"]] in rules, row
    assert q["reason"].null_count() == 0


def test_rows_are_conserved_and_no_personal_data_is_stored(pipeline):
    demo, settings, instance, keys = pipeline
    from assets.ingestion import conservation_result

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert conservation_result(con).passed
    finally:
        con.close()
    for path in (settings.warehouse, settings.snapshot):
        con = duckdb.connect(str(path), read_only=True)
        cols = con.sql(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' AND table_schema IN ('raw', 'marts')"
        ).fetchall()
        # each column's distinct texts read once, then searched for every value
        for schema, table, column in cols:
            texts = [
                t
                for (t,) in con.sql(
                    f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}" '
                    f'WHERE "{column}" IS NOT NULL'
                ).fetchall()
            ]
            for value in demo.personal_data_values:
                hit = sum(value in t for t in texts)
                assert hit == 0, (value, schema, table, column)
        files = con.sql(
            "SELECT sum(rows_read), sum(rows_accepted), sum(rows_quarantined) FROM raw.files"
        ).fetchall()[0]
        con.close()
        assert files[0] == files[1] + files[2]
    assert len(keys) == len(demo.files)


def test_same_files_again_change_nothing(pipeline):
    _, settings, instance, keys = pipeline
    from orchestration import cli

    def counts():
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        out = con.sql(
            "SELECT (SELECT count(*) FROM raw.activity_rows), "
            "(SELECT count(*) FROM raw.quarantine), "
            "(SELECT max(ingested_at) FROM raw.files)"
        ).fetchall()[0]
        con.close()
        return out

    before, runs = counts(), len(instance.get_runs())
    assert cli.ingest(settings, instance) == keys
    assert counts() == before
    # Nothing new: no reference reload, no ingest run, and the last build is still the
    # publication of these inputs (the build changed no raw table): `quartiers run` skips it.
    assert len(instance.get_runs()) == runs
    built = json.loads(
        settings.warehouse.with_name("warehouse.duckdb.publication.json").read_text()
    )
    day = date.fromisoformat(built["day"])
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        current = up_to_date.fingerprint(settings, con, day)
        assert up_to_date.last_build_current(settings, current)["run_id"] == built["run_id"]
    finally:
        con.close()


def test_site_and_snapshot_are_published(pipeline):
    demo, settings, _, _ = pipeline
    index = settings.site / "index.html"
    assert index.exists() and (settings.site / "plotly.min.js").exists()
    html = index.read_text(encoding="utf-8")
    for dep in demo.departments:
        assert f"departement-{dep}.html" in html
        assert (settings.site / f"departement-{dep}.html").exists()
    assert "cdn.plot.ly" not in html
    # Analysts read the snapshot while the live file stays with the pipeline.
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    assert con.sql("SELECT count(*) FROM marts.fct_actions").fetchall()[0][0] > 0
    con.close()


def test_lineage_from_ingestion_to_publication():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"raw_activity_rows", "analysts_snapshot", "dashboards_site"} <= keys
    upstream = graph.get(dg.AssetKey("analysts_snapshot")).parent_keys
    assert any(k.path[0] == "marts" for k in upstream)
    stg = [k for k in keys if "stg_raw__actions" in k]
    assert (
        stg
        and dg.AssetKey("raw_activity_rows")
        in graph.get(dg.AssetKey.from_user_string(stg[0])).parent_keys
    )
    checks = {c.name for c in graph.asset_check_keys}
    assert "row_conservation" in checks
    assert any(c.startswith(("unique_", "not_null_")) for c in checks)  # dbt tests


def test_sexes_funders_and_completeness_match_the_inputs(pipeline):
    demo, settings, _, _ = pipeline
    actions = accepted_truth(demo.actions)
    con = duckdb.connect(str(settings.snapshot), read_only=True)
    try:
        girls, boys, participants = con.sql(
            "SELECT sum(girls), sum(boys), sum(participations) FROM marts.mart_reach "
            "WHERE territory_level = 'region' AND scheme = 'ALL'"
        ).fetchall()[0]
        by_funder = dict(
            con.sql(
                "SELECT funder, sum(amount_granted) FROM marts.mart_funding_by_funder "
                "WHERE territory_level = 'region' AND scheme = 'ALL' GROUP BY 1"
            ).fetchall()
        )
        missing = con.sql(
            "SELECT sum(funded_without_return) FROM marts.mart_returns_completeness "
            "WHERE territory_level = 'region' AND scheme = 'ALL'"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert (girls, boys, participants) == (
        actions["girls"].sum(),
        actions["boys"].sum(),
        actions["participants"].sum(),
    )
    expected = demo.funding.group_by("funder").agg(pl.col("amount_granted").sum())
    for funder, amount in expected.iter_rows():
        assert by_funder[funder] == pytest.approx(amount, abs=0.01), funder
    funded = demo.funding.filter(pl.col("amount_granted") > 0).select(KEY).unique()
    assert missing == funded.join(actions.select(KEY).unique(), on=KEY, how="anti").height


def test_analysts_documentation_is_published_offline(pipeline):
    _, settings, _, _ = pipeline
    page = settings.site.parent / "documentation" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "mart_reach" in html and "Participations de jeunes" in html
    assert 'src="http' not in html and "cdn." not in html  # nothing fetched from outside
    index = (settings.site / "index.html").read_text(encoding="utf-8")
    assert 'href="../documentation/index.html"' in index  # linked from the delegates' index
    assert (settings.site / "../documentation/index.html").resolve() == page.resolve()
    # generated once per project version and warehouse name, then copied: the project keeps
    # a page for the project this one was made from (another run of the suite may have
    # written it first), not for the manifest's bytes, which change at every parse
    digest = (page.parent / ".project.sha256").read_text()
    assert digest == dbt_digest()
    cached = PROJECT_ROOT / "dbt_project/target/documentation" / f"{digest[:32]}-warehouse.html"
    assert "mart_reach" in cached.read_text(encoding="utf-8")


def test_the_site_reads_the_same_marts_from_the_snapshot_and_beside_the_copy(pipeline):
    """A first site is built from the published snapshot, as is the site materialised alone
    (from the UI); an update is built from the marts read in the warehouse while they are
    copied to the snapshot. Every way gives the same inputs, page for page: nothing is
    computed again."""
    import dagster as dg

    from orchestration.definitions import defs

    _, settings, instance, _ = pipeline
    pages = {p: p.read_bytes() for p in settings.site.glob("*.html")}
    site, snapshot = dg.AssetKey("dashboards_site"), dg.AssetKey("analysts_snapshot")
    for selection in ({site}, {snapshot, site}):
        job = defs.resolve_job_def("build_job").get_subset(asset_selection=selection)
        assert job.execute_in_process(instance=instance).success
        metadata = instance.get_latest_materialization_event(site).asset_materialization.metadata
        assert metadata["pages"].value == len(pages) > 10
        assert metadata["pages recalculées"].value == 0, selection
        assert metadata["pages réécrites"].value == 0
        assert {p: p.read_bytes() for p in settings.site.glob("*.html")} == pages
