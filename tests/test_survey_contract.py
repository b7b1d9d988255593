"""The survey contract: the questionnaires load, say what the readers and the marts need,
and a malformed questionnaire fails at load time."""

from __future__ import annotations

import json

import pytest

from returns.contract import CODE_LISTS
from survey.contract import FOLDER, parse, questionnaire, questionnaires


def test_two_waves_of_the_cooperation_questionnaire():
    qs = questionnaires()
    assert [(q.code, q.wave, q.campaign_year) for q in qs] == [
        ("cooperation_2020", 1, 2020),
        ("cooperation_2022", 2, 2022),
    ]
    first = questionnaire("cooperation_2020")
    assert first.fielded_from == "2020-12-01" and first.fielded_to == "2021-01-31"


@pytest.mark.parametrize("qn", questionnaires(), ids=lambda q: q.code)
def test_every_questionnaire_says_what_the_pipeline_needs(qn):
    kinds = {q.kind for q in qn.questions}
    assert {"single", "multiple", "likert", "number", "text", "siret", "department"} <= kinds
    # identity of the respondent is declared, to be dropped
    assert {q.code for q in qn.of_kind("personal")} == {
        "repondant_nom",
        "repondant_courriel",
        "repondant_telephone",
    }
    # every score group holds Likert questions with ordered scores
    for group in qn.groups:
        items = [q for q in qn.questions if q.group == group]
        assert len(items) >= 3
        for q in items:
            scores = [o.score for o in q.options]
            assert scores == sorted(scores) and len(set(scores)) == len(scores)
    # the place of each actor is asked: State, local authorities, associations, inhabitants
    assert {"place_etat", "place_collectivites", "place_associations", "place_habitants"} <= {
        q.code for q in qn.questions
    }
    assert [q.code for q in qn.questions if q.returns_link] == ["coconstruction_habitants"]
    category = qn.get("categorie")
    assert [o.code for o in category.options] == list(CODE_LISTS["porteur_category"])
    # LimeSurvey codes and labels tell the questions apart
    for attr in ("export_code", "label"):
        values = [getattr(q, attr) for q in qn.questions]
        assert len(set(values)) == len(values), attr


def test_the_2022_wave_asks_more_and_drops_the_sanitary_constraint():
    a, b = questionnaire("cooperation_2020"), questionnaire("cooperation_2022")
    assert {q.code for q in a.questions} < {q.code for q in b.questions}
    assert "crise_sanitaire" in [o.code for o in a.get("contraintes").options]
    assert "crise_sanitaire" not in [o.code for o in b.get("contraintes").options]


def _raw():
    return json.loads((FOLDER / "cooperation_2020.json").read_text("utf-8"))


@pytest.mark.parametrize(
    "broken",
    [
        lambda d: d["questions"][6].update(kind="sondage"),  # unknown kind
        lambda d: d["questions"][6].update(group="inconnu"),  # undeclared group
        lambda d: d["questions"][6].update(options=None),  # a Likert question without scale
        lambda d: d["scales"]["place"][0].update(score=None),  # a step without score
        lambda d: d["questions"].append(dict(d["questions"][7])),  # a repeated code
        lambda d: d["questions"].pop(0),  # no SIRET question
    ],
)
def test_a_malformed_questionnaire_fails_at_load_time(broken):
    data = _raw()
    parse(data)
    broken(data)
    with pytest.raises((ValueError, TypeError, KeyError)):
        parse(data)
