"""« Ce que disent les porteurs »: the cooperation survey's answers in the cooperation
section of a territory's page, with the respondents' confidentiality.

Only counts of people are published here, so one rule decides: a question's distribution in
a territory is shown only when 11 porteurs or more answered it there. Below, the page says
« < 11 » respondents and prints no answer count. So that a hidden distribution cannot be
worked out from its neighbours (a région is the sum of its départements, France of its
régions, option by option), the site's secondary suppression (`confidentiality.protect`)
runs on the respondents of each question across the territory tree: a territory it hides
reads « s ». Every count of a distribution adds up along the same tree as its respondents,
so hiding whole distributions where the respondents are hidden leaves no answer count
derivable. Free texts are never on pages (only in the analysts' snapshot).
"""

from __future__ import annotations

import html

import polars as pl

from dashboards.confidentiality import SECONDARY, SECRET, SMALL_MAX, Group, protect
from dashboards.formatting import integer, percent

ANCHOR = "ce-que-disent-les-porteurs"
TITLE = "Ce que disent les porteurs"
SCHEMA: dict[str, type[pl.DataType]] = {
    "territory_level": pl.String,
    "territory_code": pl.String,
    "territory_name": pl.String,
    "parent_level": pl.String,
    "parent_code": pl.String,
    "questionnaire": pl.String,
    "wave": pl.Int64,
    "campaign": pl.String,
    "porteur_category": pl.String,
    "question_code": pl.String,
    "question_position": pl.Int64,
    "question_label": pl.String,
    "question_kind": pl.String,
    "option_code": pl.String,
    "option_position": pl.Int64,
    "option_label": pl.String,
    "respondents": pl.Int64,
    "answers": pl.Int64,
    "answer_share": pl.Float64,
}
LINK_SCHEMA: dict[str, type[pl.DataType]] = {
    "territory_level": pl.String,
    "territory_code": pl.String,
    "questionnaire": pl.String,
    "wave": pl.Int64,
    "campaign_year": pl.Int64,
    "question_code": pl.String,
    "question_label": pl.String,
    "option_code": pl.String,
    "option_label": pl.String,
    "respondents": pl.Int64,
    "respondents_with_returns": pl.Int64,
    "actions": pl.Int64,
    "actions_2plus_partners": pl.Int64,
    "share_actions_2plus_partners": pl.Float64,
}
KIND_NOTE = {
    "multiple": "plusieurs réponses possibles : les parts dépassent 100 % au total",
    "likert": "échelle",
    "single": "une seule réponse",
}


def esc(text: object) -> str:
    # pages.esc's rule; not imported, as pages imports the marts that import this schema
    return html.escape(str(text), quote=True)


Key = tuple[str, str, str, str]  # questionnaire, question, level, code
_LAST: list = [None, {}]  # (frame, its decisions) of the last call


def hidden_distributions(frame: pl.DataFrame) -> dict[Key, str]:
    """(questionnaire, question, level, code) → « < 11 » or « s » for every distribution
    that must not be published, all categories together."""
    cells = (
        frame.filter(pl.col("porteur_category") == "ALL")
        .group_by(
            "questionnaire",
            "question_code",
            "territory_level",
            "territory_code",
            "parent_level",
            "parent_code",
        )
        .agg(pl.col("respondents").first())
    )
    values: dict[Key, int] = {}
    children: dict[Key, list[Key]] = {}
    for r in cells.iter_rows(named=True):
        key = (r["questionnaire"], r["question_code"], r["territory_level"], r["territory_code"])
        values[key] = r["respondents"]
        if r["parent_level"] is not None:
            parent = (r["questionnaire"], r["question_code"], r["parent_level"], r["parent_code"])
            children.setdefault(parent, []).append(key)
    groups = [Group(total, tuple(sorted(parts))) for total, parts in sorted(children.items())]
    protection = protect(values, groups)
    return {
        k: SECRET if k in protection.primary else SECONDARY for k in sorted(protection.suppressed)
    }


def _distribution(rows: pl.DataFrame) -> str:
    body = "".join(
        f"<tr><td>{esc(r['option_label'])}</td>"
        f'<td class="num">{integer(r["answers"])}</td>'
        f'<td class="num">{percent(r["answer_share"])}</td></tr>'
        for r in rows.sort("option_position").iter_rows(named=True)
    )
    return (
        '<table class="survey"><thead><tr><th>Réponse</th><th class="num">Répondants</th>'
        f'<th class="num">Part</th></tr></thead><tbody>{body}</tbody></table>'
    )


def _link(link: pl.DataFrame, qn: str, q_code: str, level: str, code: str) -> str:
    """What the porteurs who gave each answer did, by their returns: actions of the campaign
    and the share with at least 2 partners. Shown only under a published distribution (its
    respondents per answer are the same people), a share only from 11 porteurs."""
    rows = link.filter(
        (pl.col("questionnaire") == qn)
        & (pl.col("question_code") == q_code)
        & (pl.col("territory_level") == level)
        & (pl.col("territory_code") == code)
    )
    if rows.is_empty():
        return ""
    year = rows["campaign_year"][0]
    body = "".join(
        f"<tr><td>{esc(r['option_label'])}</td>"
        f'<td class="num">{integer(r["respondents"])}</td>'
        f'<td class="num">{integer(r["actions"])}</td>'
        f'<td class="num">'
        f"{percent(r['share_actions_2plus_partners']) if r['respondents'] > SMALL_MAX else 'effectif trop faible'}"
        "</td></tr>"
        for r in rows.sort("option_code").iter_rows(named=True)
    )
    return (
        f'<p class="note">Selon leurs bilans de la campagne {year} (rapprochés par le SIRET) :'
        "</p>"
        '<table class="survey-link"><thead><tr><th>Réponse</th><th class="num">Porteurs</th>'
        f'<th class="num">Actions {year}</th><th class="num">Part avec au moins 2 partenaires'
        f"</th></tr></thead><tbody>{body}</tbody></table>"
    )


def render(
    frame: pl.DataFrame,
    level: str,
    code: str,
    hidden: dict[Key, str] | None = None,
    link: pl.DataFrame | None = None,
) -> str:
    """The survey part of a territory's cooperation section (HTML); `hidden`: the
    decisions of `hidden_distributions` on the whole frame (computed here when not given);
    `link`: mart_survey_returns_link, shown under the questions compared with the returns."""
    if frame.is_empty():  # no survey received at all: nothing to say
        return ""
    if hidden is None:
        # every page of a build gets the same whole frame: its decisions are made once
        if _LAST[0] is not frame:
            _LAST[:] = [frame, hidden_distributions(frame)]
        hidden = _LAST[1]
    mine = frame.filter(
        (pl.col("porteur_category") == "ALL")
        & (pl.col("territory_level") == level)
        & (pl.col("territory_code") == code)
    )
    parts = [f'<h3 id="{ANCHOR}">{TITLE}</h3>']
    if mine.is_empty():
        parts.append(
            '<p class="note">Aucune réponse à l\'enquête coopération pour ce territoire.</p>'
        )
        return "\n".join(parts)
    parts.append(
        '<p class="note">Enquête auprès des porteurs sur les leviers et les freins de la '
        "coopération. Une question n'est publiée qu'à partir de 11 répondants dans le "
        "territoire : en dessous, « &lt; 11 » ; « s » signale des réponses masquées pour "
        "qu'on ne puisse pas retrouver celles d'un territoire voisin par différence. Les "
        "réponses libres ne sont pas publiées.</p>"
    )
    waves = mine.select("questionnaire", "wave", "campaign").unique().sort("wave")
    for qn, _wave, campaign in waves.iter_rows():
        parts.append(f"<h4>Enquête {esc(campaign)}</h4>")
        questions = (
            mine.filter(pl.col("questionnaire") == qn)
            .select("question_code", "question_position", "question_label", "question_kind")
            .unique()
            .sort("question_position")
        )
        marks = {hidden.get((qn, q, level, code)) for q in questions["question_code"]}
        if marks == {SECRET}:  # a territory with few respondents: one line, not one per question
            parts.append(
                '<p class="note">Moins de 11 porteurs ont répondu dans ce territoire '
                "(répondants : « &lt; 11 ») : réponses non publiées.</p>"
            )
            continue
        for q_code, _pos, label, kind in questions.iter_rows():
            rows = mine.filter(
                (pl.col("questionnaire") == qn) & (pl.col("question_code") == q_code)
            )
            mark = hidden.get((qn, q_code, level, code))
            respondents = mark or integer(rows["respondents"][0])
            note = KIND_NOTE.get(kind, "")
            parts.append(
                f'<div class="survey-question"><p><strong>{esc(label)}</strong> '
                f'<span class="note">({esc(note)} ; répondants : {esc(respondents)})</span></p>'
            )
            if mark == SECRET:
                parts.append('<p class="note">Moins de 11 répondants : réponses non publiées.</p>')
            elif mark:
                parts.append(
                    '<p class="note">Réponses non publiées (secret statistique : elles '
                    "permettraient de retrouver celles d'un territoire voisin).</p>"
                )
            else:
                parts.append(_distribution(rows))
                if link is not None:
                    parts.append(_link(link, qn, q_code, level, code))
            parts.append("</div>")
    return "\n".join(parts)
