"""The demo generator: deterministic, plausible, readable, and honest about what it broke."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from demodata.breakage import BROKEN_ACTION_RULES, BROKEN_PARTNER_RULES
from demodata.generator import DemoResult, generate_demo
from demodata.referential import ANCT_COLUMNS
from demodata.siret import break_siret, luhn_complete, luhn_valid, make_siret
from demodata.territories import ALL_REGIONS, departments_of
from demodata.writers import ACTIVITY_FIELDS, HEADER_VARIANTS, PARTNER_FIELDS, PERSONAL_COLUMNS

GRAND_EST = ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"]
SCHEMES = {"QE", "QA", "QS", "VA", "VVV"}
SCHEME_YEARS = {
    "QE": set(range(2020, 2026)),
    "QA": {2020},
    "QS": {2020, 2021},
    "VA": {2020, 2021, 2022},
    "VVV": set(range(2020, 2026)),
}
THEMES = {
    "sport",
    "culture",
    "loisirs",
    "sejour",
    "education",
    "citoyennete",
    "sante",
    "numerique",
    "emploi_insertion",
    "environnement",
    "parentalite",
}
PORTEUR_CATEGORIES = {
    "association",
    "commune",
    "epci",
    "centre_social",
    "bailleur_social",
    "etablissement_public",
    "etablissement_scolaire",
    "entreprise_ess",
    "autre",
}
PARTNER_CATEGORIES = {
    "etat",
    "commune",
    "epci",
    "departement",
    "region",
    "caf",
    "bailleur_social",
    "association",
    "conseil_citoyen",
    "collectif_habitants",
    "etablissement_scolaire",
    "entreprise",
    "autre",
}
ROLES = {
    "cofinancement",
    "co_construction",
    "mise_a_disposition",
    "orientation_publics",
    "animation",
    "communication",
    "autre",
}
FUNDERS = {
    "etat_politique_ville",
    "etat_autre",
    "region",
    "departement",
    "epci",
    "commune",
    "caf",
    "fonds_europeens",
    "autre_public",
    "prive",
    "fonds_propres",
}
AGES = ["age_0_5", "age_6_11", "age_12_17", "age_18_25", "age_26_59", "age_60_plus"]
KEY = ["campaign_year", "scheme", "grant_file"]
OFFICIAL_QPV = Path(__file__).resolve().parents[2] / "shared" / "reference" / "qpv" / "qpv2024.csv"

# Any header the generator writes → the spec's header.
CANONICAL = {v.strip(): k for variant in HEADER_VARIANTS.values() for k, v in variant.items()}
CANONICAL.update({h: h for h, _ in ACTIVITY_FIELDS + PARTNER_FIELDS})


def canonical(header: str) -> str:
    return CANONICAL.get(header.strip(), header.strip())


@pytest.fixture(scope="module")
def grand_est(tmp_path_factory) -> DemoResult:
    return generate_demo(tmp_path_factory.mktemp("ge"), seed=2020, regions=("44",))


@pytest.fixture(scope="module")
def valid(grand_est) -> pl.DataFrame:
    return grand_est.actions_in_force()


def file_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def qpv_codes(path: Path) -> set[str]:
    return set(pl.read_csv(path, infer_schema=False)["code_qp"])


def read_rows(path: Path, sheet: str | None) -> dict[int, dict[str, str]]:
    """Data rows of a return as {spreadsheet line: {spec header: text}}, header found by name."""
    if sheet is None:
        text = path.read_bytes().decode("cp1252")
        grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    else:
        df = fastexcel.read_excel(path).load_sheet(sheet, header_row=None, dtypes="string")
        grid = [["" if v is None else v for v in row] for row in df.to_polars().rows()]
    top = next(
        i for i, row in enumerate(grid) if any(canonical(c) == "numero_dossier" for c in row)
    )
    heads = [canonical(c) for c in grid[top]]
    # blank lines and the trailing TOTAL row are not data
    return {
        i + 1: dict(zip(heads, row, strict=False))
        for i, row in enumerate(grid)
        if i > top and any(c.strip() for c in row) and row[0] != "TOTAL"
    }


# ---------------------------------------------------------------- identifiers, territories


def test_luhn_arithmetic():
    assert luhn_valid("79927398713")  # the textbook example
    assert not luhn_valid("79927398710")
    assert luhn_complete("7992739871") == "79927398713"
    assert not luhn_valid("1234567890123a")


def test_made_sirets_are_valid_and_broken_ones_are_not():
    import random

    rng = random.Random(1)
    taken: set[str] = set()
    for _ in range(500):
        siret = make_siret(rng, "21", taken, "054")
        assert len(siret) == 14 and siret.startswith("21")
        assert luhn_valid(siret) and luhn_valid(siret[:9])
        assert not luhn_valid(break_siret(siret, rng))
    assert len(taken) == 500


def test_regions_and_departments():
    assert [d.code for d in departments_of(("44",))] == GRAND_EST
    assert len(ALL_REGIONS) == 13
    everything = departments_of(ALL_REGIONS)
    assert len(everything) == 96 and {"2A", "2B", "75", "93"} <= {d.code for d in everything}
    assert [d.code3 for d in departments_of(("94",))] == ["02A", "02B"]
    with pytest.raises(ValueError):
        departments_of(("44", "971"))


# ---------------------------------------------------------------- determinism


@pytest.mark.slow  # several generations: out of the inner loop
def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    # determinism does not depend on volume: a tenth of the Grand Est demo (the same files)
    a = generate_demo(tmp_path / "a", seed=11, scale=0.1)
    b = generate_demo(tmp_path / "b", seed=11, scale=0.1)
    c = generate_demo(tmp_path / "c", seed=12, scale=0.1)
    files_a = file_bytes(tmp_path / "a")
    assert files_a == file_bytes(tmp_path / "b")
    assert files_a.keys() == file_bytes(tmp_path / "c").keys()
    assert files_a != file_bytes(tmp_path / "c")
    assert a.actions.equals(b.actions) and a.partners.equals(b.partners)
    assert a.funding.equals(b.funding) and not a.actions.equals(c.actions)


@pytest.mark.slow  # several generations: out of the inner loop
def test_parallel_generation_gives_the_same_bytes(tmp_path):
    one = generate_demo(tmp_path / "one", seed=3, regions=("94", "53"), scale=0.2, workers=1)
    two = generate_demo(tmp_path / "two", seed=3, regions=("94", "53"), scale=0.2, workers=2)
    assert file_bytes(tmp_path / "one") == file_bytes(tmp_path / "two")
    assert one.actions.equals(two.actions)


@pytest.mark.slow  # several generations: out of the inner loop
def test_a_department_does_not_depend_on_the_rest_of_the_run(tmp_path):
    alone = generate_demo(tmp_path / "alone", seed=5, regions=("94",), scale=0.2)
    many = generate_demo(tmp_path / "many", seed=5, regions=("44", "94"), scale=0.2)
    cols = [c for c in alone.actions.columns if c not in ("file_name", "sheet", "line")]
    # the run's first département also carries the mistaken re-send (rows marked withdrawn)
    kept = ~pl.col("withdrawn")
    assert (
        many.actions.filter(pl.col("department_code").is_in(["2A", "2B"]) & kept)
        .select(cols)
        .equals(alone.actions.filter(kept).select(cols))
    )


def test_stale_demo_files_are_removed(tmp_path):
    generate_demo(tmp_path, regions=("44",), scale=0.1)
    (tmp_path / "inbox" / "notes.txt").write_text("pas à moi")
    res = generate_demo(tmp_path, regions=("94",), scale=0.1)
    names = {p.name for p in res.inbox.iterdir()}
    assert names == {p.name for p in res.files} | {"notes.txt"}
    assert not any(n.startswith("bilan_08") for n in names)


# ---------------------------------------------------------------- volumes and shares


def test_volumes(grand_est):
    a = grand_est.actions
    assert grand_est.departments == tuple(GRAND_EST)
    per_dep_year = a.group_by("department_code", "campaign_year").len()
    assert per_dep_year.height == 60
    assert per_dep_year["len"].min() >= 150 and per_dep_year["len"].max() <= 700
    qe = a.filter(pl.col("scheme") == "QE").group_by("department_code", "campaign_year").len()
    assert qe["len"].min() >= 140 and qe["len"].max() <= 300
    for scheme, years in SCHEME_YEARS.items():
        assert set(a.filter(pl.col("scheme") == scheme)["campaign_year"].unique()) == years
    vvv, qe_n = (a["scheme"] == "VVV").sum(), (a["scheme"] == "QE").sum()
    assert vvv < qe_n / 3
    # 3 workbooks + 3 CSV pairs + a corrected return per département, one mistaken re-send,
    # one funding export per year, two waves of the cooperation survey
    assert len(grand_est.files) == 10 * 10 + 1 + 6 + 2
    assert 40_000 < grand_est.partners.height < 70_000


def test_participants_are_skewed_and_mostly_young(valid):
    n = valid["participants"]
    assert 18 <= n.median() <= 32
    assert (n >= 200).sum() > 0 and (n >= 200).mean() < 0.02
    sejours = valid.filter(pl.col("theme") == "sejour")["participants"]
    assert sejours.min() >= 8 and sejours.max() <= 20
    ages = valid.select(pl.col(AGES).sum()).row(0)
    young = ages[1] + ages[2] + ages[3]
    assert young / sum(ages) > 0.75
    assert valid["sessions"].min() >= 1 and valid["sessions"].max() <= 40
    cost = valid["realised_cost"]
    assert cost.min() >= 500 and cost.max() <= 30_000


def test_sex_and_residence_shares(valid):
    known = valid.filter(pl.col("girls").is_not_null())
    assert 0.07 < 1 - known.height / valid.height < 0.13
    assert (
        valid.filter(pl.col("girls").is_null())["boys"].null_count() == valid.height - known.height
    )
    girls_share = known["girls"].sum() / (known["girls"].sum() + known["boys"].sum())
    assert 0.38 <= girls_share <= 0.47
    assert 0.7 < valid["qpv_residents"].sum() / valid["participants"].sum() < 0.9


def test_partners_per_action_and_renewals(grand_est, valid):
    p = grand_est.partners_in_force()
    per_action = valid.join(p.group_by(KEY).len(), on=KEY, how="left")["len"].fill_null(0)
    assert per_action.max() <= 6 and 2.0 < per_action.mean() < 3.5
    assert 0.5 < (per_action >= 2).mean() < 0.9 and (per_action >= 4).mean() > 0.15
    assert 0.2 < p["partner_siret"].null_count() / p.height < 0.45
    pairs = p.select("campaign_year", "porteur_siret", "partner_name").unique()
    for year in range(2021, 2026):
        before = pairs.filter(pl.col("campaign_year") == year - 1).drop("campaign_year")
        now = pairs.filter(pl.col("campaign_year") == year).drop("campaign_year")
        renewed = before.join(now, on=["porteur_siret", "partner_name"]).height / before.height
        assert 0.35 < renewed < 0.65, (year, renewed)
    # porteurs come back from one campaign to the next
    by_year = [
        set(valid.filter(pl.col("campaign_year") == y)["porteur_siret"]) for y in (2020, 2021)
    ]
    assert len(by_year[0] & by_year[1]) > 0.5 * len(by_year[0])


def test_funding_shares(grand_est, valid):
    f = grand_est.funding
    assert set(f["funder"].unique()) <= FUNDERS
    files = f.group_by(KEY).agg(
        pv=(pl.col("funder") == "etat_politique_ville").any(),
        other=(pl.col("funder") != "etat_politique_ville").any(),
        returned=pl.col("has_activity_return").first(),
        dep=pl.col("department_code").first(),
    )
    assert files["pv"].mean() > 0.95
    assert 0.3 < files["other"].mean() < 0.5
    assert 0.025 < 1 - files["returned"].mean() < 0.06  # 3 % never sent + broken returns
    assert 0.01 < 1 - valid["has_funding"].mean() < 0.035
    assert (f["amount_requested"] >= f["amount_granted"]).mean() > 0.9
    assert set(files["dep"].unique()) == set(GRAND_EST)
    # the flags agree with each other
    linked = valid.filter(pl.col("has_funding")).select(KEY).unique()
    assert linked.join(files.filter(pl.col("returned")).select(KEY), on=KEY, how="anti").is_empty()


# ---------------------------------------------------------------- validity of the valid rows


def test_valid_action_rows_follow_every_rule(grand_est, valid):
    assert valid.select(pl.sum_horizontal(AGES) == pl.col("participants")).to_series().all()
    sexes = valid.filter(pl.col("girls").is_not_null())
    assert (sexes["girls"] + sexes["boys"] <= sexes["participants"]).all()
    assert (valid["qpv_residents"] <= valid["participants"]).all()
    assert all(len(s) == 14 and luhn_valid(s) for s in valid["porteur_siret"])
    assert (valid["start_date"] <= valid["end_date"]).all()
    assert (valid["start_date"].dt.year() == valid["campaign_year"]).all()
    assert (valid["end_date"].dt.year() == valid["campaign_year"]).all()
    assert set(valid["scheme"]) <= SCHEMES and set(valid["theme"]) <= THEMES
    assert set(valid["porteur_category"]) <= PORTEUR_CATEGORIES
    assert valid.select(KEY).is_unique().all()
    assert valid["grant_file"].str.contains(r"^(QE|QA|QS|VA|VVV)-20\d\d-\d{3}-\d{4}$").all()
    assert (valid["commune_code"].str.len_chars() == 5).all()
    known = {2015: qpv_codes(grand_est.qpv_2015_file), 2024: qpv_codes(grand_est.qpv_2024_file)}
    for year, codes in valid.select("campaign_year", "qpv_codes").iter_rows():
        generation = 2015 if year <= 2023 else 2024
        assert set(codes.split(";")) <= known[generation], (year, codes)
    # the département reads from the code itself
    main = valid["qpv_codes"].str.slice(2, 3).str.strip_chars_start("0")
    assert (main == valid["department_code"].str.strip_chars_start("0")).all()


def test_valid_partner_rows(grand_est, valid):
    p = grand_est.partners_in_force()
    assert set(p["partner_category"]) <= PARTNER_CATEGORIES and set(p["role"]) <= ROLES
    assert all(luhn_valid(s) for s in p["partner_siret"].drop_nulls())
    # each partner row points at a valid action of the same file's return
    stem = pl.col("file_name").str.replace(r"_(actions|partenaires)\.csv$|\.xlsx$", "")
    actions = valid.select(*KEY, stem=stem).unique()
    assert p.with_columns(stem=stem).join(actions, on=[*KEY, "stem"], how="anti").is_empty()
    assert p["partner_category"].n_unique() >= 12


# ---------------------------------------------------------------- broken rows


def test_every_rule_is_broken_about_one_percent_of_the_time(grand_est):
    a, p = grand_est.actions, grand_est.partners
    assert set(a["broken_rule"].drop_nulls()) == set(BROKEN_ACTION_RULES)
    assert set(p["broken_rule"].drop_nulls()) == set(BROKEN_PARTNER_RULES)
    assert 0.005 < a["broken_rule"].is_not_null().mean() < 0.02
    assert a["broken_rule"].value_counts()["count"].min() >= 10


def test_broken_rows_break_exactly_their_rule(grand_est):
    a = grand_est.actions
    known = qpv_codes(grand_est.qpv_2015_file) | qpv_codes(grand_est.qpv_2024_file)
    for row in a.filter(pl.col("broken_rule").is_not_null()).iter_rows(named=True):
        rule, n = row["broken_rule"], row["participants"]
        assert luhn_valid(row["porteur_siret"]) == (rule != "siret_luhn"), row
        assert (sum(row[c] for c in AGES) == n) == (rule != "age_bands_sum"), row
        if row["girls"] is not None:
            assert (row["girls"] + row["boys"] <= n) == (rule != "sex_sum"), row
        assert (row["scheme"] in SCHEMES) == (rule != "scheme_unknown"), row
        in_year = row["start_date"].year == row["campaign_year"]
        assert in_year == (rule != "date_outside_campaign"), row
        assert (row["qpv_codes"].split(";")[0] in known) == (rule != "qpv_unknown"), row
    dup = a.filter(pl.col("broken_rule") == "grant_file_duplicate")
    originals = a.filter(pl.col("broken_rule").is_null()).join(
        dup.select(*KEY, "file_name", dup_line="line"), on=[*KEY, "file_name"]
    )
    assert originals.height == dup.height
    gap = originals["dup_line"] - originals["line"]
    assert ((gap == 1) | (gap == 2)).all()  # the row just above (2: a blank line between)


def test_broken_partner_rows(grand_est, valid):
    p = grand_est.partners
    orphans = p.filter(pl.col("broken_rule") == "action_unknown")
    everything = pl.concat([grand_est.actions.select(KEY), grand_est.funding.select(KEY)])
    assert orphans.join(everything, on=KEY, how="semi").is_empty()
    bad = p.filter(pl.col("broken_rule") == "siret_luhn")["partner_siret"]
    assert bad.len() > 0 and not any(luhn_valid(s) for s in bad)


# ---------------------------------------------------------------- the files themselves


def test_every_row_of_the_truth_is_where_it_says(grand_est):
    """Line numbers, file names and values of the truth match the files, CSV and XLSX alike."""
    a, p = grand_est.actions, grand_est.partners
    tables = [(a, "numero_dossier", "grant_file"), (p, "numero_dossier", "grant_file")]
    for truth, header, column in tables:
        for (name, sheet), rows in truth.group_by("file_name", "sheet", maintain_order=True):
            read = read_rows(grand_est.inbox / name, sheet)
            assert len(read) == rows.height, name
            for line, value in rows.select("line", column).iter_rows():
                assert read[line][header].upper() == value, (name, line)


def test_csv_returns_follow_french_spreadsheet_conventions(grand_est):
    csvs = sorted(grand_est.inbox.glob("bilan_*_actions.csv"))
    assert len(csvs) == 30
    headers, totals, thousands = set(), 0, 0
    for path in csvs:
        raw = path.read_bytes()
        text = raw.decode("cp1252")
        assert "\r\n" in text and not raw.startswith(b"\xef\xbb\xbf")
        df = pl.read_csv(io.BytesIO(text.encode()), separator=";", infer_schema=False)
        headers.update(df.columns)
        lines = text.rstrip("\r\n").split("\r\n")
        totals += lines[-1].startswith("TOTAL")
        thousands += bool(re.search(r";\d{1,2}[ \xa0]\d{3}(,\d\d)?;", text))
        assert re.search(r"\b\d\d/\d\d/20\d\d\b", text)
    assert {"N° dossier", "Nombre de filles", "Année"} <= headers
    assert {"numero_dossier", "nb_filles"} <= headers  # some keep the spec's headers
    assert 5 <= totals <= 25 and thousands >= 3
    assert any(re.search(r";\d+,\d\d;", p.read_bytes().decode("cp1252")) for p in csvs)


def test_workbooks_have_both_sheets_some_with_a_title_block(grand_est):
    books = sorted(b for b in grand_est.inbox.glob("bilan_*.xlsx") if "correctif" not in b.name)
    assert len(books) == 30
    names = {d.code: d.name for d in departments_of(("44",))}
    titled = 0
    for path in books:
        reader = fastexcel.read_excel(path)
        assert reader.sheet_names == ["actions", "partenaires"]
        first = reader.load_sheet("actions", header_row=None, n_rows=1, dtypes="string")
        cell = str(first.to_polars().row(0)[0])
        if cell.startswith("Bilan "):
            titled += 1
            assert cell.endswith(f"– {names[path.stem.split('_')[1]]}"), cell
    assert 5 <= titled <= 25


def test_funding_exports(grand_est):
    for year in range(2020, 2026):
        path = grand_est.inbox / f"financements_{year}.csv"
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") == (year % 2 == 0)
        df = pl.read_csv(
            io.BytesIO(raw.removeprefix(b"\xef\xbb\xbf")), separator=";", infer_schema=False
        )
        assert df.columns == [
            "annee",
            "dispositif",
            "numero_dossier",
            "lib_action",
            "raison_sociale",
            "code_tiers",
            "financeur",
            "montant_demande",
            "montant_accorde",
            "insee_dep",
        ]
        assert df["montant_accorde"].str.contains(r"^\d+,\d\d$").all()
        truth = grand_est.funding.filter(pl.col("campaign_year") == year)
        assert df.height == truth.height
        assert df["numero_dossier"].to_list() == truth["grant_file"].to_list()
        assert set(df["insee_dep"]) == set(GRAND_EST)


def test_personal_data_sits_in_exactly_one_file(grand_est):
    values = grand_est.personal_data_values
    assert len(values) > 100 and any("@" in v for v in values)
    carriers = []
    for path in grand_est.inbox.glob("bilan_*_actions.csv"):
        header = path.read_bytes().decode("cp1252").split("\r\n", 1)[0].split(";")
        if set(PERSONAL_COLUMNS) <= set(header):
            carriers.append(path)
    assert len(carriers) == 1
    text = carriers[0].read_bytes().decode("cp1252")
    assert all(v in text for v in values)
    truth = pl.concat(
        [
            grand_est.actions.select(
                pl.concat_str(pl.all().cast(pl.String), separator="|", ignore_nulls=True)
            ),
            grand_est.partners.select(
                pl.concat_str(pl.all().cast(pl.String), separator="|", ignore_nulls=True)
            ),
        ],
        how="vertical",
    )
    blob = "\n".join(truth.to_series())
    assert not any(v in blob for v in values if "@" in v or " " in v)


# ---------------------------------------------------------------- referentials


def test_fictitious_referentials_in_anct_format(grand_est):
    assert grand_est.qpv_2024_file == grand_est.reference_dir / "qpv_2024_demo.csv"
    assert not grand_est.official_qpv
    for path, pattern in (
        (grand_est.qpv_2024_file, r"^QN\d{3}\d{2}[A-Z]$"),
        (grand_est.qpv_2015_file, r"^QP\d{3}\d{3}$"),
    ):
        header = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert tuple(header.split(",")) == ANCT_COLUMNS
        df = pl.read_csv(path, infer_schema=False)
        assert df["code_qp"].str.contains(pattern).all() and df["code_qp"].is_unique().all()
        assert (df["code_qp"].str.slice(2, 3) == df["code_departement"].str.zfill(3)).all()
        assert set(df["code_departement"]) == set(GRAND_EST)
        assert set(df["code_region"]) == {"44"} and set(df["nom_region"]) == {"Grand Est"}
        assert df["lib_qp"].str.contains("fictif").all()
        multi = df.filter(pl.col("insee_com").str.contains(";"))
        assert multi.height >= 3
        assert (
            multi["insee_com"].str.count_matches(";") == multi["lib_com"].str.count_matches(";")
        ).all()
        communes = df["insee_com"].str.split(";").explode()
        assert (communes.str.len_chars() == 5).all()
        assert communes.str.slice(0, 2).is_in(GRAND_EST).all()
    pop = pl.read_csv(grand_est.population_file)
    assert pop.columns == ["code_qp", "population", "population_6_25"]
    assert set(pop["code_qp"]) == qpv_codes(grand_est.qpv_2015_file) | qpv_codes(
        grand_est.qpv_2024_file
    )
    assert (pop["population_6_25"] < pop["population"]).all() and pop["population"].min() > 0


@pytest.mark.skipif(not OFFICIAL_QPV.exists(), reason="shared reference files not available")
def test_the_official_referential_is_used_when_given(tmp_path):
    res = generate_demo(tmp_path, regions=("44",), scale=0.2, qpv_2024_file=OFFICIAL_QPV)
    assert res.official_qpv and res.qpv_2024_file == OFFICIAL_QPV
    assert not (res.reference_dir / "qpv_2024_demo.csv").exists()  # never copied
    official = pl.read_csv(OFFICIAL_QPV, infer_schema=False).filter(pl.col("code_region") == "44")
    recent = res.actions.filter(pl.col("broken_rule").is_null() & (pl.col("campaign_year") >= 2024))
    used = set(recent["qpv_codes"].str.split(";").explode())
    assert used <= set(official["code_qp"]) and len(used) > 50
    mains = dict(
        official.select("code_qp", pl.col("insee_com").str.split(";").list.first()).iter_rows()
    )
    assert all(
        mains[q.split(";")[0]] == c
        for q, c in recent.select("qpv_codes", "commune_code").iter_rows()
    )
    older = res.actions.filter(pl.col("broken_rule").is_null() & (pl.col("campaign_year") <= 2023))
    assert older["qpv_codes"].str.starts_with("QP").all()
    assert set(older["qpv_codes"].str.split(";").explode()) <= qpv_codes(res.qpv_2015_file)
    pop = set(pl.read_csv(res.population_file, infer_schema=False)["code_qp"])
    assert set(official["code_qp"]) <= pop


@pytest.mark.slow  # every département of France generated: out of the inner loop
def test_national_scale_covers_every_department(tmp_path):
    res = generate_demo(tmp_path, regions=ALL_REGIONS, scale=0.05, workers=1)
    assert set(res.actions["department_code"]) == {d.code for d in departments_of(ALL_REGIONS)}
    # the national volume, scaled: over 150,000 actions at scale 1 (each département draws
    # its grant files per campaign whatever the others, test_volumes checks the draw at
    # scale 1); generating all of it is `make bench`'s job, not the suite's
    assert res.actions.height > 150_000 * 0.05
    assert set(res.actions["broken_rule"].drop_nulls()) == set(BROKEN_ACTION_RULES)
    assert (
        res.actions.filter(pl.col("department_code") == "2A")["qpv_codes"]
        .str.starts_with("QP02A")
        .any()
    )
    assert len(res.personal_data_values) > 0
    # SIRETs are unique to one organisation across départements
    porteurs = (
        res.actions.filter(pl.col("broken_rule").is_null())
        .select("porteur_siret", "porteur_name", "department_code")
        .unique()
    )
    assert porteurs["porteur_siret"].is_unique().all()


def test_dates_are_mostly_summer(valid):
    summer = valid.filter(pl.col("scheme").is_in(["QE", "VA", "VVV"]))
    months = summer["start_date"].dt.month()
    assert months.is_in([7, 8]).mean() > 0.9
    qa = valid.filter(pl.col("scheme") == "QA")["start_date"]
    assert (qa.dt.month() == 10).mean() > 0.6 and qa.min() >= date(2020, 10, 1)
