"""« Ce que disent les porteurs » on the pages: distributions with their respondents, none
below 11 respondents, and none that a neighbour's and the total would give away."""

from __future__ import annotations

import re

import polars as pl

from dashboards import survey_section as S
from dashboards.confidentiality import Group, derivable

OPTIONS = (("oui", "Oui"), ("en_partie", "En partie"), ("non", "Non"))
TREE = {  # code → (level, parent level, parent code)
    "FR": ("france", None, None),
    "44": ("region", "france", "FR"),
    "54": ("departement", "region", "44"),
    "57": ("departement", "region", "44"),
    "67": ("departement", "region", "44"),
}


def frame(
    counts: dict[str, tuple[int, int, int]], question: str = "coconstruction"
) -> pl.DataFrame:
    """A mart_survey_answers slice: answers per option of one question; régions and France
    are the sums of what is below them."""
    total = tuple(sum(c[i] for c in counts.values()) for i in range(3))
    counts = {**counts, "44": total, "FR": total}
    rows = []
    for code, answers in counts.items():
        level, parent_level, parent_code = TREE[code]
        n = sum(answers)
        for pos, ((opt, label), a) in enumerate(zip(OPTIONS, answers, strict=True), 1):
            for category in ("ALL", "association"):
                rows.append(
                    {
                        "territory_level": level,
                        "territory_code": code,
                        "territory_name": code,
                        "parent_level": parent_level,
                        "parent_code": parent_code,
                        "questionnaire": "cooperation_2020",
                        "wave": 1,
                        "campaign": "2020-2021",
                        "porteur_category": category,
                        "question_code": question,
                        "question_position": 1,
                        "question_label": "L'action a-t-elle été co-construite avec des habitants ?",
                        "question_kind": "single",
                        "option_code": opt,
                        "option_position": pos,
                        "option_label": label,
                        "respondents": n,
                        "answers": a,
                        "answer_share": a / n,
                    }
                )
    return pl.DataFrame(rows, schema=S.SCHEMA)


def test_a_small_territory_and_the_one_that_would_give_it_away_are_hidden():
    f = frame({"54": (3, 2, 1), "57": (9, 5, 6), "67": (20, 15, 10)})
    hidden = S.hidden_distributions(f)
    key = lambda code: ("cooperation_2020", "coconstruction", TREE[code][0], code)  # noqa: E731
    assert hidden == {key("54"): "< 11", key("57"): "s"}
    # neither respondents nor any answer count of a hidden territory can be worked out
    groups_of = lambda values: [Group(key("44"), (key("54"), key("57"), key("67")))]  # noqa: E731
    for i in (None, 0, 1, 2):
        mine = f.filter(pl.col("porteur_category") == "ALL")
        if i is not None:
            mine = mine.filter(pl.col("option_code") == OPTIONS[i][0])
        values = {
            key(r["territory_code"]): r["respondents" if i is None else "answers"]
            for r in mine.iter_rows(named=True)
        }
        assert derivable(values, groups_of(values), hidden) == set()


def test_no_secondary_suppression_when_two_small_territories_cover_each_other():
    f = frame({"54": (3, 2, 1), "57": (4, 1, 2), "67": (20, 15, 10)})
    assert set(S.hidden_distributions(f).values()) == {"< 11"}


def _numbers(html: str) -> set[str]:
    return set(re.findall(r'<td class="num">([^<]*)</td>', html))


def test_pages_show_distributions_with_their_respondents_and_hide_the_rest():
    f = frame({"54": (3, 2, 1), "57": (9, 5, 6), "67": (20, 15, 10)})
    shown = S.render(f, "departement", "67")
    assert "Ce que disent les porteurs" in shown and "Enquête 2020-2021" in shown
    assert "répondants : 45" in shown
    assert _numbers(shown) >= {"20", "15", "10", "44,4 %"}
    small = S.render(f, "departement", "54")
    assert "&lt; 11" in small and _numbers(small) == set() and "<table" not in small
    protected = S.render(f, "departement", "57")
    assert "répondants : s" in protected and "secret statistique" in protected
    assert _numbers(protected) == set() and "répondants : 20" not in protected
    region = S.render(f, "region", "44")
    assert "répondants : 71" in region and _numbers(region) >= {"32", "22", "17"}


def test_a_territory_without_answers_says_so_and_a_site_without_survey_says_nothing():
    f = frame({"54": (3, 2, 1), "57": (9, 5, 6), "67": (20, 15, 10)})
    assert "Aucune réponse" in S.render(f, "departement", "88")
    assert S.render(f.clear(), "france", "FR") == ""  # no survey at all: no part


def link_frame(code: str, rows: list[tuple[str, str, int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "territory_level": TREE[code][0],
                "territory_code": code,
                "questionnaire": "cooperation_2020",
                "wave": 1,
                "campaign_year": 2020,
                "question_code": "coconstruction",
                "question_label": "L'action a-t-elle été co-construite avec des habitants ?",
                "option_code": opt,
                "option_label": label,
                "respondents": n,
                "respondents_with_returns": n,
                "actions": actions,
                "actions_2plus_partners": two,
                "share_actions_2plus_partners": two / actions,
            }
            for opt, label, n, actions, two in rows
        ],
        schema=S.LINK_SCHEMA,
    )


def test_the_link_with_the_returns_shows_under_published_answers_only():
    f = frame({"54": (3, 2, 1), "57": (9, 5, 6), "67": (20, 15, 10)})
    link = pl.concat(
        [
            link_frame("67", [("oui", "Oui", 20, 80, 60), ("non", "Non", 10, 40, 10)]),
            link_frame("57", [("oui", "Oui", 9, 30, 20)]),
        ]
    )
    shown = S.render(f, "departement", "67", link=link)
    assert "Selon leurs bilans de la campagne 2020" in shown
    assert "75,0 %" in shown  # 60 of the 80 actions of the 20 porteurs who answered « Oui »
    assert "effectif trop faible" in shown and "25,0 %" not in shown  # 10 porteurs only
    hidden = S.render(f, "departement", "57", link=link)
    assert "Selon leurs bilans" not in hidden and "66,7 %" not in hidden
