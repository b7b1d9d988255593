"""Statistical confidentiality: the one place that decides which counts of people are shown.

Rules (specs/indicators.md):

- primary suppression: a count of people from 1 to 10 is never published; it reads « < 11 »;
- secondary suppression: a suppressed count must not be derivable from published totals.
  Every additive relation between published counts is a `Group` (total = sum of parts).
  A greedy pass hides, for each group left with a single hidden member, its cheapest
  member (the fewest participations, favouring cells that close a pattern already begun;
  headline figures only when nothing else can serve), and an exact check solves the
  linear system of all groups and hides more where a primary value is still determined.
  A pruning pass then publishes again every secondary cell the primary ones do not need,
  largest first, and publishes the secondary cells left derivable (their value is given
  away anyway). A cell hidden only to protect another reads « s » (INSEE's mark): it is
  not a small count, and the pages say so;
- counts of actions, sessions, organisations and amounts are not suppressed;
- a ratio is hidden (« s ») when one of the counts it is built from is hidden (else the
  count could be recomputed from the ratio).

Some counts are never shown but follow from shown ones (participations of unknown sex =
participations − girls − boys): they enter the system as unknowns ("implied" cells) that
must stay underivable only when they are themselves from 1 to 10.

The whole site is protected as ONE system of cells (`protect_site`): a cell (say, the young
participations of département 54 in 2024, all schemes) has one key and one decision, so the
région page, the département page and the exports agree and cannot be combined to undo a
suppression (région = sum of its départements, France = sum of régions, all schemes = sum of
schemes, participations = sum of age bands = girls + boys + unknown sex, département = sum of
its QPV, a QPV's all schemes = sum of its schemes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

SECRET = "< 11"  # primary: a count of people from 1 to 10
SECONDARY = "s"  # hidden only so that a primary cell cannot be worked out (INSEE's mark)
SMALL_MAX = 10

Key = Hashable


def is_small(count: float | int | None) -> bool:
    """True for a count of people that primary suppression hides (1 to 10)."""
    return count is not None and 0 < count <= SMALL_MAX


def mark_text(flag: object) -> str | None:
    """The mark printed for a `<column>_secret` value of a published frame: the mark
    itself (« < 11 » or « s »), « < 11 » for a bare True (a hidden count), None when shown."""
    if flag is True:
        return SECRET
    return str(flag) if flag else None


@dataclass(frozen=True)
class Group:
    """An additive relation between published cells: total = sum(parts)."""

    total: Key
    parts: tuple[Key, ...]


@dataclass
class Protection:
    """Values of the cells and the set of those that must not be published."""

    values: dict[Key, float]
    suppressed: frozenset[Key]
    groups: list[Group] = field(default_factory=list)
    primary: frozenset[Key] | None = None  # default: the small cells of `values`

    def __post_init__(self) -> None:
        if self.primary is None:
            self.primary = frozenset(k for k, v in self.values.items() if is_small(v))

    def hidden(self, key: Key) -> bool:
        return key in self.suppressed

    def mark(self, key: Key) -> str | None:
        """« < 11 » for a count from 1 to 10, « s » for a cell hidden only to protect
        another one, None for a published cell."""
        if key not in self.suppressed:
            return None
        return SECRET if key in self.primary else SECONDARY

    def value(self, key: Key) -> float | None:
        """The publishable value (None when suppressed or unknown)."""
        if key in self.suppressed:
            return None
        return self.values.get(key)


# --------------------------------------------------------------------------- engine


def _members(group: Group) -> tuple[Key, ...]:
    return (group.total, *group.parts)


def _usable_groups(values: Mapping[Key, float | None], groups: Iterable[Group]) -> list[Group]:
    """Groups whose total is a cell; parts that are not cells are known zeros (dropped)."""
    usable = []
    for g in groups:
        if values.get(g.total) is None:
            continue
        parts = tuple(p for p in g.parts if values.get(p) is not None)
        if parts:
            usable.append(Group(g.total, parts))
    return usable


def _pick_partner(
    group: Group,
    values: Mapping[Key, float],
    suppressed: set[Key],
    cost: Callable[[Key], tuple],
) -> Key | None:
    """The cheapest published non-zero member of a group (parts and total alike: a total is
    larger than each of its parts, so it is chosen only when no part can serve)."""
    candidates = [m for m in _members(group) if m not in suppressed and values[m] > 0]
    return min(candidates, key=cost) if candidates else None


def _group_rule(
    values: Mapping[Key, float],
    groups: list[Group],
    suppressed: set[Key],
    index: Mapping[Key, list[int]],
    implied: frozenset[Key],
    cost: Callable[[Key], tuple],
    queue: list[int],
) -> list[Key]:
    """Suppress until no group has exactly one suppressed member that needs protection
    (in place); returns the cells added. Implied cells count as unknowns; alone in a group,
    only a small one needs a partner (a large implied value may be derived: not secret)."""
    added: list[Key] = []
    queued = set(queue)
    while queue:
        gi = queue.pop()
        queued.discard(gi)
        group = groups[gi]
        hidden = [m for m in _members(group) if m in suppressed]
        if len(hidden) != 1 or (hidden[0] in implied and not is_small(values[hidden[0]])):
            continue
        partner = _pick_partner(group, values, suppressed, cost)
        if partner is None:
            continue
        suppressed.add(partner)
        added.append(partner)
        for other in index[partner]:
            if other not in queued:
                queued.add(other)
                queue.append(other)
    return added


def derivable(
    values: Mapping[Key, float | None], groups: Iterable[Group], suppressed: Iterable[Key]
) -> set[Key]:
    """Suppressed cells whose value is determined by the published cells and the groups.

    Each group is a linear equation; with the published values moved to the right-hand
    side, a suppressed cell is determined exactly when its unit vector lies in the row
    space of the equations restricted to the suppressed cells: in the reduced row echelon
    form, when its pivot row holds no other cell. The equations are very sparse (a few
    cells each), so a sparse Gauss–Jordan elimination is fast even for a whole country.
    """
    return _determined(_usable_groups(values, groups), set(suppressed))


def _determined(groups: Iterable[Group], suppressed: set[Key]) -> set[Key]:
    pivots: dict[Key, dict[Key, float]] = {}  # pivot cell -> its row (coefficient 1 on it)
    holders: dict[Key, set[Key]] = defaultdict(set)  # cell -> pivots whose row holds it
    for g in groups:
        # the group's equation on the suppressed cells (total − parts); the loops below are
        # written inline (no helper call, no generator per term: most of the protection's
        # time), with the same float operations in the same order, so the same results
        row: dict[Key, float] = {}
        if g.total in suppressed:
            row[g.total] = 1.0  # 0.0 + 1.0
        for p in g.parts:
            if p in suppressed:
                row[p] = row.get(p, 0.0) + -1.0
        for col in [k for k in row if k in pivots]:  # pivot rows hold no other pivot
            factor = row.get(col)
            if factor:
                for k, v in pivots[col].items():  # row += -factor * pivot row
                    value = row.get(k, 0.0) + -factor * v
                    if abs(value) < 1e-9:
                        row.pop(k, None)
                    else:
                        row[k] = value
        if not row:
            continue
        # sparsest column, the first of them (as `min` gives): little fill-in
        pivot, fewest = None, -1
        for k in row:
            held = len(holders[k])
            if fewest < 0 or held < fewest:
                pivot, fewest = k, held
        scale = row[pivot]
        row = {k: v / scale for k, v in row.items()}
        for other in list(holders[pivot]):
            target = pivots[other]
            factor = target.get(pivot)
            if factor:
                for k, v in row.items():  # target += -factor * row
                    present = k in target
                    value = target.get(k, 0.0) + -factor * v
                    if abs(value) < 1e-9:
                        if present:
                            del target[k]
                            holders[k].discard(other)
                    else:
                        target[k] = value
                        if not present:
                            holders[k].add(other)
        pivots[pivot] = row
        for k in row:
            holders[k].add(pivot)
    return {p for p, row in pivots.items() if len(row) == 1}


def protect(
    values: Mapping[Key, float | int | None],
    groups: Iterable[Group] = (),
    *,
    implied: Iterable[Key] = (),
    rank: Callable[[Key], int] | None = None,
    max_rounds: int = 1000,
) -> Protection:
    """Primary + secondary suppression of a system of cells (see module docstring).

    `implied` cells are never published but follow from published ones through the
    groups; they are protected (kept underivable) only when they are small. `rank` puts
    cells in tiers: secondary suppression takes a cell of a higher tier (a headline figure)
    only when no cell of a lower tier can protect.
    """
    keyed: dict[Key, float] = {k: float(v) for k, v in values.items() if v is not None}
    # The engine works on cell numbers given in the order of the keys' text, which breaks
    # its ties (the same data gives the same suppressions, run after run): its sets and
    # dicts hash cells millions of times, and a number hashes at once where a key (a tuple
    # of texts) hashes each of its items. The groups keep a fixed order, that of their cells.
    keys = sorted(keyed, key=repr)
    number = {k: i for i, k in enumerate(keys)}
    vals = {i: keyed[k] for i, k in enumerate(keys)}
    usable = sorted(
        (
            Group(number[g.total], tuple(number[p] for p in g.parts))
            for g in _usable_groups(keyed, groups)
        ),
        key=lambda g: (g.total, g.parts),
    )
    hidden_anyway = frozenset(number[k] for k in implied if k in number)
    index: list[list[int]] = [[] for _ in keys]
    for i, g in enumerate(usable):
        for m in _members(g):
            index[m].append(i)
    tier = [rank(k) for k in keys] if rank else [0] * len(keys)
    primary = {i for i, v in vals.items() if is_small(v)}
    suppressed = primary | hidden_anyway

    def cost(cell: int) -> tuple:
        # Participations lost, weighted by the groups the cell would leave with a single
        # hidden member (each needs one more cell): cells that close a pattern already
        # begun (a "cube" across territories, schemes and age bands) cost least.
        opened = sum(
            1 for gi in index[cell] if not any(m in suppressed for m in _members(usable[gi]))
        )
        return (tier[cell], vals[cell] * (1 + opened), cell)

    components = _components(usable)
    component_of = {
        m: ci for ci, comp in enumerate(components) for gi in comp for m in _members(usable[gi])
    }
    queue = list(range(len(usable)))
    dirty = set(range(len(components)))
    leaks: set[int] = set()
    for _ in range(max_rounds):
        added = _group_rule(vals, usable, suppressed, index, hidden_anyway, cost, queue)
        dirty |= {component_of[k] for k in added}
        leaks = set()
        for ci in sorted(dirty):
            found = _determined((usable[gi] for gi in components[ci]), suppressed)
            leaks |= {k for k in found if k not in hidden_anyway or is_small(vals[k])}
        if not leaks:
            break
        added = []
        for cell in sorted(leaks):
            partner = _nearest_partner(cell, usable, vals, suppressed, index, cost)
            if partner is not None:
                suppressed.add(partner)
                added.append(partner)
        if not added:
            break
        dirty = {component_of[k] for k in added}
        queue = sorted({gi for k in added for gi in index[k]})
    if leaks:
        # Safety net (not reached on exact sums): hide every non-zero cell of the systems
        # that still leak; with all of them unknown, no positive value can be derived.
        for ci in {component_of[k] for k in leaks}:
            for gi in components[ci]:
                suppressed.update(m for m in _members(usable[gi]) if vals[m] > 0)
    else:
        sensitive = primary | {k for k in hidden_anyway if is_small(vals[k])}
        _prune(vals, usable, suppressed, index, primary | hidden_anyway, sensitive, tier)
    return Protection(
        keyed,
        frozenset(keys[i] for i in suppressed - hidden_anyway),
        [Group(keys[g.total], tuple(keys[p] for p in g.parts)) for g in usable],
        frozenset(keys[i] for i in primary),
    )


def _prune(
    values: Mapping[int, float],
    groups: list[Group],
    suppressed: set[int],
    index: Sequence[list[int]],
    fixed: set[int],
    sensitive: set[int],
    tier: Sequence[int],
) -> None:
    """Publish again every secondary cell the sensitive ones (primary, small implied) do
    not need (in place), headline figures and the largest counts first: the greedy pass
    adds cells one group at a time and ends with many that other choices made useless.
    A secondary cell left derivable from the others is then published too: its value is
    given away anyway, and publishing it changes no other cell's range.

    Hidden cells alone in a group (with published or already determined cells) are
    determined: they are "peeled" first, and only the rest is solved, block by block.
    Most implied cells go that way (unknown sex = participations − girls − boys), which
    keeps the blocks small. Publishing a cell only adds to what is determined, so the
    peeled set only grows, except when a trial is undone.
    """
    known: set[Key] = set()
    _peel(groups, index, suppressed, known, range(len(groups)))
    secondary = sorted(
        (k for k in suppressed if k not in fixed),
        key=lambda k: (-tier[k], -values[k], k),
    )
    for key in secondary:
        suppressed.discard(key)
        if key in known:  # determined already: publishing it tells nothing new
            known.discard(key)
            continue
        peeled = _peel(groups, index, suppressed, known, index[key])
        # every block `key` or a newly determined cell touched may now give a value away
        if (
            any(k in sensitive for k in peeled)
            or _solve_near([key, *peeled], groups, suppressed, known, index) & sensitive
        ):
            suppressed.add(key)
            known.difference_update(peeled)
    found = set(known)
    for key in secondary:
        if key in suppressed and key not in found:
            found |= _solve_near([key], groups, suppressed, known, index, itself=True)
    suppressed -= found - fixed


def _peel(
    groups: list[Group],
    index: Mapping[Key, list[int]],
    suppressed: set[Key],
    known: set[Key],
    start: Iterable[int],
) -> list[Key]:
    """Hidden cells left alone in a group (the other members published or known): they
    are determined; added to `known` (in place), and returned."""
    found: list[Key] = []
    queue = list(start)
    while queue:
        gi = queue.pop()
        rest = [m for m in _members(groups[gi]) if m in suppressed and m not in known]
        if len(rest) == 1:
            known.add(rest[0])
            found.append(rest[0])
            queue.extend(index[rest[0]])
    return found


def _solve_near(
    keys: list[Key],
    groups: list[Group],
    suppressed: set[Key],
    known: set[Key],
    index: Mapping[Key, list[int]],
    *,
    itself: bool = False,
) -> set[Key]:
    """Hidden cells determined in the blocks of hidden, not yet determined cells linked to
    the groups of `keys` (with `itself`, to `keys`). The equations restricted to those cells
    split into independent blocks (cells sharing a group); publishing a cell only changes
    the blocks it touched, so only those are solved again."""

    # "open": hidden and not yet determined (tested inline: called a million times)
    seen = {
        m
        for key in keys
        for gi in index[key]
        for m in _members(groups[gi])
        if m in suppressed and m not in known
    }
    if itself:
        seen.update(key for key in keys if key in suppressed and key not in known)
    frontier = list(seen)
    rows: set[int] = set()
    while frontier:
        cell = frontier.pop()
        for gi in index[cell]:
            if gi in rows:
                continue
            rows.add(gi)
            for m in _members(groups[gi]):
                if m in suppressed and m not in known and m not in seen:
                    seen.add(m)
                    frontier.append(m)
    return _determined((groups[gi] for gi in sorted(rows)), seen)


def _components(groups: list[Group]) -> list[list[int]]:
    """Groups linked by shared cells (union-find): independent systems."""
    parent: dict[Key, Key] = {}

    def find(k: Key) -> Key:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for g in groups:
        root = find(g.total)
        for p in g.parts:
            other = find(p)
            if other != root:
                parent[other] = root
    by_root: dict[Key, list[int]] = defaultdict(list)
    for gi, g in enumerate(groups):
        by_root[find(g.total)].append(gi)
    return list(by_root.values())


def _nearest_partner(
    key: Key,
    groups: list[Group],
    values: Mapping[Key, float],
    suppressed: set[Key],
    index: Mapping[Key, list[int]],
    cost: Callable[[Key], tuple],
) -> Key | None:
    """A published cell whose suppression can free `key`, still derivable by combining
    groups: the cheapest candidate of the groups nearest to it, walking from group to
    group through suppressed cells."""
    frontier, seen_cells, seen_groups = [key], {key}, set()
    while frontier:
        options, nxt = [], []
        for cell in frontier:
            for gi in index[cell]:
                if gi in seen_groups:
                    continue
                seen_groups.add(gi)
                partner = _pick_partner(groups[gi], values, suppressed, cost)
                if partner is not None:
                    options.append(partner)
                for m in _members(groups[gi]):
                    if m in suppressed and m not in seen_cells:
                        seen_cells.add(m)
                        nxt.append(m)
        if options:
            return min(options, key=cost)
        frontier = nxt
    return None


# --------------------------------------------------------------------------- the marts

AGE_MEASURES = ("age_0_5", "age_6_11", "age_12_17", "age_18_25", "age_26_59", "age_60_plus")
YOUNG_MEASURES = ("age_6_11", "age_12_17", "age_18_25")
#: counts of people published from marts.mart_reach (each a cell)
REACH_PEOPLE = (
    "participations",
    "young_participations",
    "qpv_resident_participations",
    "girls",
    "boys",
    *AGE_MEASURES,
)
#: counts that are not published as such but follow from published ones
IMPLIED = ("sex_unknown", "non_qpv_resident_participations")
#: counts of people published from marts.mart_qpv
QPV_PEOPLE = ("participations", "young_participations")
#: populations (counts of people too: primary suppression only)
POPULATION = "young_population"


def reach_key(level: str, code: str, year: int, scheme: str, measure: str) -> tuple:
    return ("T", level, code, int(year), scheme, measure)


def qpv_key(qpv_code: str, year: int, scheme: str, measure: str) -> tuple:
    return ("Q", qpv_code, int(year), scheme, measure)


def campaign_of(key: Key) -> int:
    """The campaign of a cell of the site's system."""
    return key[3] if key[0] == "T" else key[2]


def protect_site(
    reach: pl.DataFrame,
    qpv: pl.DataFrame,
    territories: pl.DataFrame,
    *,
    decided: Iterable[Key] | None = None,
) -> Protection:
    """One protection for every count of people the site publishes.

    `reach` is marts.mart_reach, `qpv` marts.mart_qpv, `territories` marts.dim_territories.
    `decided`: the suppressed cells `protect` found for exactly these frames in an earlier
    build (the site keeps them keyed by a digest of the frames): taken as they are.

    Every relation of the site lies within one campaign (a cell's key holds its campaign),
    so the system is solved campaign by campaign (`protect_parts`): the same decisions as
    one solve of the whole system, and a campaign whose rows did not change can keep them.
    """
    values, groups, implied = site_system(reach, qpv, territories, relations=decided is None)
    if decided is not None:
        return Protection(
            {k: float(v) for k, v in values.items() if v is not None}, frozenset(decided)
        )
    return protect_parts(values, groups, implied=implied, rank=headline_rank, part=campaign_of)


def protect_parts(
    values: Mapping[Key, float | int | None],
    groups: Iterable[Group],
    *,
    implied: Iterable[Key] = (),
    rank: Callable[[Key], int] | None = None,
    part: Callable[[Key], Hashable],
) -> Protection:
    """`protect` on each part of a system whose relations never link two parts (checked:
    a relation across parts raises ValueError), merged.

    The same decisions as one `protect` of the whole system: the cells of one part are
    linked to no other, and every step of `protect` (the group rule, the exact check, the
    pruning) reads and changes only the cells linked to the one it treats, in an order
    (by key) that restricted to a part is that part's own order.
    """
    by_part: dict[Hashable, tuple[dict, list, list]] = defaultdict(lambda: ({}, [], []))
    for k, v in values.items():
        by_part[part(k)][0][k] = v
    for g in groups:
        parts = {part(m) for m in _members(g)}
        if len(parts) != 1:
            raise ValueError(f"a relation links several parts of the system: {g}")
        by_part[parts.pop()][1].append(g)
    for k in implied:
        by_part[part(k)][2].append(k)
    return merge_protections(
        [
            protect(vals, grps, implied=imp, rank=rank)
            for _, (vals, grps, imp) in sorted(by_part.items(), key=lambda kv: repr(kv[0]))
        ]
    )


def merge_protections(parts: Iterable[Protection]) -> Protection:
    """One protection of independent systems (no cell in two of them)."""
    values: dict[Key, float] = {}
    suppressed: set[Key] = set()
    groups: list[Group] = []
    primary: set[Key] = set()
    for p in parts:
        values.update(p.values)
        suppressed |= p.suppressed
        groups += p.groups
        primary |= p.primary or frozenset()
    return Protection(values, frozenset(suppressed), groups, frozenset(primary))


def site_system(
    reach: pl.DataFrame, qpv: pl.DataFrame, territories: pl.DataFrame, *, relations: bool = True
) -> tuple[dict[Key, float | None], list[Group], list[Key]]:
    """The cells (values), the relations between them (none without `relations`: decisions
    taken already need only the values) and the implied cells of the site."""
    values: dict[Key, float | None] = {}
    groups: list[Group] = []
    combos: dict[tuple, set[str]] = defaultdict(set)  # (level, code, year, measure) -> schemes

    for row in reach.iter_rows(named=True):
        t = (row["territory_level"], row["territory_code"], row["campaign_year"], row["scheme"])

        def k(m: str, t: tuple = t) -> tuple:
            return reach_key(*t, m)

        for m in REACH_PEOPLE:
            values[k(m)] = row[m]
        values[k(POPULATION)] = row[POPULATION]
        part = row["participations"] or 0
        values[k("sex_unknown")] = part - (row["girls"] or 0) - (row["boys"] or 0)
        values[k("non_qpv_resident_participations")] = part - (
            row["qpv_resident_participations"] or 0
        )
        if not relations:
            continue
        groups.append(Group(k("participations"), tuple(k(m) for m in AGE_MEASURES)))
        groups.append(Group(k("young_participations"), tuple(k(m) for m in YOUNG_MEASURES)))
        groups.append(Group(k("participations"), (k("girls"), k("boys"), k("sex_unknown"))))
        groups.append(
            Group(
                k("participations"),
                (k("qpv_resident_participations"), k("non_qpv_resident_participations")),
            )
        )
        combos[(t[0], t[1], t[2])].add(t[3])

    # the QPV's cells (their relations below)
    by_dept: dict[tuple, list[str]] = defaultdict(list)
    qpv_schemes: dict[tuple, set[str]] = defaultdict(set)
    for row in qpv.iter_rows(named=True):
        year, scheme = row["campaign_year"], row["scheme"]

        def q(m: str, row: dict = row) -> tuple:
            return qpv_key(row["qpv_code"], row["campaign_year"], row["scheme"], m)

        for m in QPV_PEOPLE:
            values[q(m)] = row[m]
        values[q(POPULATION)] = row[POPULATION]
        by_dept[(row["department_code"], year, scheme)].append(row["qpv_code"])
        qpv_schemes[(row["qpv_code"], year)].add(scheme)
    implied = [k for k in values if k[0] == "T" and k[-1] in IMPLIED]
    if not relations:
        return values, groups, implied
    people = (*REACH_PEOPLE, *IMPLIED)
    # all schemes = sum of schemes
    for (level, code, year), schemes in combos.items():
        parts = sorted(s for s in schemes if s != "ALL")
        if "ALL" in schemes and parts:
            for m in people:
                groups.append(
                    Group(
                        reach_key(level, code, year, "ALL", m),
                        tuple(reach_key(level, code, year, s, m) for s in parts),
                    )
                )
    # parent territory = sum of its children
    children: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for row in territories.iter_rows(named=True):
        if row["territory_level"] in ("region", "departement") and row["parent_code"]:
            children[(row["parent_level"], row["parent_code"])].append(
                (row["territory_level"], row["territory_code"])
            )
    years_schemes = sorted({(t[2], s) for t, ss in combos.items() for s in ss})
    for (plevel, pcode), kids in children.items():
        for year, scheme in years_schemes:
            for m in people:
                groups.append(
                    Group(
                        reach_key(plevel, pcode, year, scheme, m),
                        tuple(reach_key(lv, c, year, scheme, m) for lv, c in kids),
                    )
                )
    # a QPV's all schemes = sum of its schemes (the export lists every scheme)
    for (code, year), schemes in qpv_schemes.items():
        parts = sorted(s for s in schemes if s != "ALL")
        if "ALL" in schemes and parts:
            for m in QPV_PEOPLE:
                groups.append(
                    Group(
                        qpv_key(code, year, "ALL", m),
                        tuple(qpv_key(code, year, s, m) for s in parts),
                    )
                )
    # département = sum of its QPV (conservative: an action on several QPV may count twice)
    for (dept, year, scheme), codes in by_dept.items():
        for m in QPV_PEOPLE:
            groups.append(
                Group(
                    reach_key("departement", dept, year, scheme, m),
                    tuple(qpv_key(c, year, scheme, m) for c in sorted(codes)),
                )
            )
    return values, groups, implied


#: the figures of "Chiffres clés" (and of the maps and campaign tables): all schemes
HEADLINE = ("participations", "young_participations")


def headline_rank(key: Key) -> int:
    """Tier of a cell for secondary suppression: headline figures last."""
    return 1 if key[0] == "T" and key[4] == "ALL" and key[5] in HEADLINE else 0


# --------------------------------------------------------------------------- measure


def hidden_share(protection: Protection, keys: Iterable[Key]) -> dict:
    """What suppression costs on a set of published cells of participations: how many are
    hidden (primary, secondary), the participations they hold and their share of all,
    and how many headline figures are hidden."""
    cells = primary = secondary = headline = 0
    total = hidden = hidden_secondary = 0.0
    for key in keys:
        value = protection.values.get(key)
        if value is None:
            continue
        cells += 1
        total += value
        mark = protection.mark(key)
        if mark is None:
            continue
        hidden += value
        if mark == SECRET:
            primary += 1
        else:
            secondary += 1
            hidden_secondary += value
        headline += headline_rank(key)
    return {
        "cells": cells,
        "hidden_primary": primary,
        "hidden_secondary": secondary,
        "participations": round(total),
        "participations_hidden": round(hidden),
        "share_hidden": round(hidden / total, 6) if total else 0.0,
        "share_hidden_secondary": round(hidden_secondary / total, 6) if total else 0.0,
        "headline_hidden": headline,
    }


# --------------------------------------------------------------------------- ratios


def ratio_hidden(protection: Protection, *count_keys: Key) -> bool:
    """A ratio built from these counts must be hidden when one of them is."""
    return any(protection.hidden(k) for k in count_keys)


def coverage_hidden(
    protection: Protection,
    estimated: float | None,
    population: float | None,
    *count_keys: Key,
) -> bool:
    """Coverage = estimated young participations of QPV residents ÷ young population, both
    read from the marts (`estimated_young_qpv_participations`, `young_population`).

    With the population published, the rate gives back its numerator: hide it when the
    numerator is a small count (or unknown), when the population is hidden, or when one of
    the counts it comes from is hidden. No population (unknown or 0): no rate to hide.
    """
    if not population:
        return False
    return (
        estimated is None
        or is_small(round(estimated))
        or is_small(population)
        or ratio_hidden(protection, *count_keys)
    )
