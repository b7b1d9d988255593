"""Actions of one département and campaign: what happened, who took part, who helped, who paid.

Plausible rather than realistic: the shapes the indicators need (skewed sizes, girls at about
40 %, a few partners per action, partnerships renewed about half the time, co-funding on about
40 % of grant files) without pretending to match any real campaign.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from demodata.organisations import ROLE_WEIGHTS, YEARS, Org, OrgPool
from demodata.referential import Qpv
from demodata.texts import COMMENTS, TITLES

SCHEMES = ("QE", "QA", "QS", "VA", "VVV")
SCHEME_YEARS: dict[str, tuple[int, ...]] = {
    "QE": YEARS,
    "QA": (2020,),
    "QS": (2020, 2021),
    "VA": (2020, 2021, 2022),
    "VVV": YEARS,
}
# Grant files per département and campaign at scale 1.0: uniform in [low, high].
SCHEME_COUNTS: dict[str, tuple[int, int]] = {
    "QE": (150, 300),
    "QA": (40, 80),
    "QS": (30, 60),
    "VA": (60, 120),
    "VVV": (20, 50),
}
AGE_BANDS = ("0_5", "6_11", "12_17", "18_25", "26_59", "60_plus")

_THEMES: dict[str, dict[str, float]] = {
    "QE": {
        "sport": 25,
        "culture": 18,
        "loisirs": 15,
        "sejour": 10,
        "education": 6,
        "citoyennete": 7,
        "sante": 4,
        "numerique": 4,
        "emploi_insertion": 3,
        "environnement": 5,
        "parentalite": 3,
    },
    "QA": {
        "sport": 25,
        "culture": 22,
        "loisirs": 18,
        "sejour": 4,
        "education": 10,
        "citoyennete": 6,
        "numerique": 6,
        "environnement": 5,
        "parentalite": 4,
    },
    "QS": {
        "education": 20,
        "sante": 20,
        "citoyennete": 15,
        "parentalite": 15,
        "numerique": 10,
        "emploi_insertion": 10,
        "culture": 5,
        "loisirs": 5,
    },
    "VA": {
        "education": 35,
        "sejour": 20,
        "culture": 10,
        "sport": 10,
        "numerique": 10,
        "environnement": 10,
        "loisirs": 5,
    },
    "VVV": {
        "sport": 30,
        "sejour": 20,
        "citoyennete": 15,
        "loisirs": 15,
        "culture": 10,
        "emploi_insertion": 5,
        "sante": 5,
    },
}
# Relative weight of each age band (0_5 … 60_plus), by theme first, else by scheme.
_AGE_PROFILES: dict[str, tuple[float, ...]] = {
    # fêtes de quartier, tournois, ciné plein air: open to everyone, families above all
    "evenement_ouvert": (10, 16, 13, 10, 38, 13),
    "parentalite": (15, 30, 10, 5, 38, 2),
    "sejour": (0, 40, 50, 10, 0, 0),
    "emploi_insertion": (0, 0, 30, 65, 5, 0),
    "QE": (2, 34, 36, 16, 10, 2),
    "QA": (2, 38, 36, 14, 8, 2),
    "QS": (5, 25, 25, 15, 25, 5),
    "VA": (1, 45, 45, 7, 2, 0),
    "VVV": (0, 15, 60, 22, 3, 0),
}
_GIRLS_SHARE = {
    "sport": 0.31,
    "culture": 0.54,
    "loisirs": 0.45,
    "sejour": 0.40,
    "education": 0.46,
    "citoyennete": 0.43,
    "sante": 0.50,
    "numerique": 0.34,
    "emploi_insertion": 0.38,
    "environnement": 0.44,
    "parentalite": 0.60,
}
_PARTNER_COUNT_WEIGHTS = (10, 17, 22, 19, 14, 10, 8)  # 0 … 6 partners
_COFUNDERS = {
    "commune": 30,
    "caf": 20,
    "departement": 15,
    "region": 10,
    "epci": 10,
    "etat_autre": 5,
    "fonds_propres": 5,
    "prive": 3,
    "fonds_europeens": 1,
    "autre_public": 1,
}

SHARE_NOT_RETURNED = 0.03  # funded grant files whose activity return never came
SHARE_UNFUNDED = 0.02  # activity returns with no funding line


@dataclass
class Action:
    """One grant file: the action as it happened, plus whether it was returned and funded."""

    year: int
    scheme: str
    grant_file: str
    title: str
    porteur: Org
    theme: str
    start: date
    end: date
    qpvs: list[Qpv]
    sessions: int
    participants: int
    qpv_residents: int
    girls: int | None
    boys: int | None
    ages: list[int]
    cost: float
    comment: str | None
    returned: bool
    funded: bool
    partners: list[tuple[Org, str]] = field(default_factory=list)  # (partner, role)
    funding: list[tuple[str, float, float]] = field(default_factory=list)  # funder, asked, got


class Draw:
    """Weighted draw with cumulative weights computed once (random.choices redoes it per call)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items, weights) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    @classmethod
    def of(cls, weights: dict) -> Draw:
        return cls(weights.keys(), weights.values())

    def __call__(self, rng: random.Random):
        i = bisect.bisect_right(self.cum, rng.random() * self.total)
        return self.items[min(i, len(self.items) - 1)]  # r * total may round up to total


_THEME_DRAW = {scheme: Draw.of(w) for scheme, w in _THEMES.items()}
_ROLE_DRAW = {cat: Draw.of(w) for cat, w in ROLE_WEIGHTS.items()}
_PARTNER_COUNT_DRAW = Draw(range(7), _PARTNER_COUNT_WEIGHTS)
_QPV_COUNT_DRAW = Draw((1, 2, 3), (78, 17, 5))
_COFUNDER_DRAW = Draw.of(_COFUNDERS)
_COFUNDER_COUNT_DRAW = Draw((1, 2, 3), (6, 3, 1))


def allocate(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """Split `total` into integer parts proportional to `weights`, summing exactly to `total`."""
    wsum = sum(weights)
    raw = [total * w / wsum for w in weights]
    parts = [math.floor(r) for r in raw]
    # Largest remainders get the leftovers; a random jitter breaks ties without bias.
    order = sorted(
        range(len(raw)), key=lambda i: (raw[i] - parts[i]) + rng.random() * 1e-6, reverse=True
    )
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _dates(scheme: str, year: int, theme: str, rng: random.Random) -> tuple[date, date]:
    if scheme == "QA":
        # Toussaint holidays mostly, some actions later in the autumn
        start = date(year, 10, 17) + timedelta(days=rng.randint(0, 14))
        if rng.random() < 0.2:
            start = date(year, 11, 1) + timedelta(days=rng.randint(0, 45))
    elif scheme == "QS":
        start = date(year, 6, 1) + timedelta(days=rng.randint(0, 160))
    else:
        start = date(year, 7, 1) + timedelta(days=rng.randint(0, 58))
        if rng.random() < 0.04:
            start = date(year, 6, 15) + timedelta(days=rng.randint(0, 15))
    if theme == "sejour":
        length = rng.randint(3, 12)
    elif rng.random() < 0.4:
        length = 0
    else:
        length = rng.randint(1, 45 if scheme == "QS" else 30)
    end = start + timedelta(days=length)
    limit = date(year, 12, 31) if scheme in ("QA", "QS") else date(year, 8, 31)
    if end > limit and not (limit.month == 8 and rng.random() < 0.3):  # some run into September
        end = max(start, limit)
    return start, min(end, date(year, 12, 31))


def _participants(theme: str, rng: random.Random) -> int:
    if theme == "sejour":
        return rng.randint(8, 20)
    n = int(round(rng.lognormvariate(math.log(25), 0.85)))
    return min(max(n, 3), 800)


def _sex(n: int, theme: str, rng: random.Random) -> tuple[int | None, int | None]:
    if rng.random() < 0.10:
        return None, None  # sex not recorded for this action
    known = n if rng.random() > 0.06 else n - round(n * rng.uniform(0.05, 0.3))
    p = min(max(_GIRLS_SHARE[theme] + rng.gauss(0, 0.1), 0.05), 0.95)
    girls = round(known * p)
    return girls, known - girls


def _open_event_participants(rng: random.Random) -> int:
    """An event open to the whole neighbourhood: hundreds of participations, often more."""
    return min(max(int(round(rng.lognormvariate(math.log(600), 0.9))), 80), 5000)


def _ages(n: int, scheme: str, theme: str, rng: random.Random, profile_key: str = "") -> list[int]:
    profile = _AGE_PROFILES.get(profile_key or theme) or _AGE_PROFILES[scheme]
    # Each action has its own mix around the profile (uniform jitter: cheap, good enough).
    weights = [w * (0.4 + 1.2 * rng.random()) for w in profile]
    return allocate(n, weights, rng)


def _cost(n: int, sessions: int, days: int, theme: str, rng: random.Random) -> float:
    if theme == "sejour":
        cost = n * days * rng.uniform(40, 90)
    else:
        cost = 300 + sessions * rng.uniform(60, 250) + n * rng.uniform(5, 30)
    cost = min(max(cost, 500.0), 30000.0)
    # Porteurs report whole euros more often than cents.
    return float(round(cost)) if rng.random() < 0.6 else round(cost, 2)


def _funding(action: Action, rng: random.Random) -> list[tuple[str, float, float]]:
    def amount(share_low: float, share_high: float) -> float:
        return float(max(100, round(action.cost * rng.uniform(share_low, share_high), -1)))

    lines = []
    funders = []
    if rng.random() < 0.97:
        funders.append("etat_politique_ville")
    if rng.random() < 0.40 or not funders:
        k, others = _COFUNDER_COUNT_DRAW(rng), []
        while len(others) < k:
            f = _COFUNDER_DRAW(rng)
            if f not in others:
                others.append(f)
        funders += others
    for f in funders:
        granted = amount(0.35, 0.8) if f == "etat_politique_ville" else amount(0.05, 0.25)
        r = rng.random()
        if r < 0.55:
            asked = granted
        elif r < 0.95:
            asked = float(round(granted * rng.uniform(1.05, 1.6), -1))
        else:
            asked = float(round(granted * rng.uniform(0.8, 0.98), -1))  # top-up after request
        lines.append((f, asked, granted))
    return lines


class PartnerMemory:
    """Which partners each porteur worked with in its previous campaign (for renewals)."""

    RENEWAL = 0.55

    def __init__(self) -> None:
        self.last: dict[str, list[Org]] = {}
        self.current: dict[str, list[Org]] = {}
        self.used: dict[str, dict[str, Org]] = {}

    def start_year(self) -> None:
        self.current = {}
        self.used = {}

    def end_year(self) -> None:
        for key, orgs in self.used.items():
            self.last[key] = list(orgs.values())

    def pick(self, porteur: Org, k: int, pool: Draw, rng: random.Random) -> list[Org]:
        key = porteur.name
        usual = self.current.get(key)
        if usual is None:
            usual = [o for o in self.last.get(key, []) if rng.random() < self.RENEWAL]
            self.current[key] = usual
        chosen: list[Org] = rng.sample(usual, min(k, len(usual)))
        tries = 0
        while len(chosen) < k and tries < 50:
            tries += 1
            o = pool(rng)
            if o is porteur or o in chosen:
                continue
            chosen.append(o)
            if o not in usual:
                usual.append(o)
        self.used.setdefault(key, {}).update((o.name, o) for o in chosen)
        return chosen


def department_year(
    *,
    year: int,
    dep_code3: str,
    qpvs: list[Qpv],
    pool: OrgPool,
    memory: PartnerMemory,
    rng: random.Random,
    scale: float,
    open_events: float = 0.0,
) -> list[Action]:
    """All grant files of one département and campaign, every scheme of that year.
    `open_events`: share of actions that are events open to everyone (not séjours)."""
    active = [p for p in pool.porteurs if p.active(year)]
    porteurs = Draw(active, [p.weight for p in active])
    partners = Draw(pool.partners, [p.weight for p in pool.partners])
    # A few QPV get nothing this campaign: a gap delegates are meant to spot.
    qpv_w = [0.0 if rng.random() < 0.08 else rng.lognormvariate(0, 0.8) for _ in qpvs]
    if not any(qpv_w):
        qpv_w[0] = 1.0
    qpv_draw = Draw(range(len(qpvs)), qpv_w)
    memory.start_year()
    actions: list[Action] = []
    for scheme in SCHEMES:
        if year not in SCHEME_YEARS[scheme]:
            continue
        low, high = SCHEME_COUNTS[scheme]
        count = round(rng.randint(low, high) * scale)
        if scheme == "QE":
            count = max(count, 1)
        for number in range(1, count + 1):
            actions.append(
                _action(
                    year,
                    scheme,
                    f"{scheme}-{year}-{dep_code3}-{number:04d}",
                    porteurs,
                    qpvs,
                    qpv_draw,
                    partners,
                    memory,
                    rng,
                    open_events,
                )
            )
    memory.end_year()
    return actions


def _action(
    year, scheme, grant_file, porteurs, qpvs, qpv_draw, partners, memory, rng, open_events=0.0
) -> Action:
    theme = _THEME_DRAW[scheme](rng)
    porteur = porteurs(rng)
    start, end = _dates(scheme, year, theme, rng)
    days = (end - start).days + 1
    n_qpv = _QPV_COUNT_DRAW(rng)
    main = qpv_draw(rng)
    others = [i for i in range(len(qpvs)) if i != main]
    chosen = [qpvs[main]] + [qpvs[i] for i in rng.sample(others, min(n_qpv - 1, len(others)))]
    n = _participants(theme, rng)
    # Drawn only when asked, so that the default demo's random stream stays the same.
    is_open = bool(open_events) and theme != "sejour" and rng.random() < open_events
    if is_open:
        n = _open_event_participants(rng)
    if theme == "sejour":
        sessions = days
    elif days == 1:
        sessions = 1
    else:
        sessions = rng.randint(1, min(40, days))
    girls, boys = _sex(n, theme, rng)
    share_qpv = min(max(rng.gauss(0.8, 0.12), 0.3), 1.0)
    title = rng.choice(TITLES[theme])
    if rng.random() < 0.35:
        # "Atelier théâtre – quartier des Tilleuls" (official names are used as they are)
        hood = chosen[0].name
        hood = hood.replace("Quartier fictif ", "quartier ") if "fictif" in hood else hood
        title = f"{title} – {hood}"
    returned = rng.random() >= SHARE_NOT_RETURNED
    action = Action(
        year=year,
        scheme=scheme,
        grant_file=grant_file,
        title=title,
        porteur=porteur,
        theme=theme,
        start=start,
        end=end,
        qpvs=chosen,
        sessions=sessions,
        participants=n,
        qpv_residents=round(n * share_qpv),
        girls=girls,
        boys=boys,
        ages=_ages(n, scheme, theme, rng, "evenement_ouvert" if is_open else ""),
        cost=_cost(n, sessions, days, theme, rng),
        comment=rng.choice(COMMENTS) if rng.random() < 0.2 else None,
        returned=returned,
        funded=not returned or rng.random() >= SHARE_UNFUNDED,
    )
    k = _PARTNER_COUNT_DRAW(rng) if returned else 0
    if theme == "sejour":
        k = min(k, 3)
    for org in memory.pick(porteur, k, partners, rng):
        action.partners.append((org, _ROLE_DRAW[org.partner_category](rng)))
    if action.funded:
        action.funding = _funding(action, rng)
    return action
