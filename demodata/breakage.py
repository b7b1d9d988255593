"""Deliberately broken rows, so the quarantine always has something to show.

Each broken row breaks exactly one rule of specs/returns.md and keeps its identity in the
truth (`broken_rule`). Rule names are the generator's own; the validator may name them
otherwise, tests map them.
"""

from __future__ import annotations

import random

from demodata.referential import Qpv
from demodata.siret import break_siret
from returns.contract import campaign_generation

BROKEN_ACTION_RULES = (
    "siret_luhn",  # porteur SIRET fails the Luhn check (last digit mistyped)
    "age_bands_sum",  # age bands do not add up to nb_participants
    "sex_sum",  # nb_filles + nb_garcons > nb_participants
    "scheme_unknown",  # dispositif not in the schemes referential
    "date_outside_campaign",  # date_debut in the year before the campaign
    "qpv_unknown",  # main QPV code well-formed but absent from the referential
    "grant_file_duplicate",  # numero_dossier of the row just above, same dispositif
)
BROKEN_PARTNER_RULES = (
    "action_unknown",  # partner row for a numero_dossier the return does not hold
    "siret_luhn",  # partner SIRET fails the Luhn check
)
BROKEN_SHARE = 0.01
UNKNOWN_SCHEMES = ("CLAS", "QEE")
AGE_COLUMNS = ("age_0_5", "age_6_11", "age_12_17", "age_18_25", "age_26_59", "age_60_plus")


class Breaker:
    """Hands out broken rules round-robin within a département, from its own offset.

    The first files of a département get at least one broken row until every rule has been
    used once, so even a tiny run shows each rule; offsets differ between départements so
    a two-département run covers all rules even at a very small scale.
    """

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.count = 0
        self.partner_files = 0

    def action_rules(self, n_rows: int, rng: random.Random) -> list[str]:
        expected = n_rows * BROKEN_SHARE
        k = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        if self.count < len(BROKEN_ACTION_RULES):
            k = max(k, 1)
        k = min(k, max(0, n_rows - 1))
        n = len(BROKEN_ACTION_RULES)
        rules = [BROKEN_ACTION_RULES[(self.offset + self.count + j) % n] for j in range(k)]
        self.count += k
        return rules

    def partner_rules(self, rng: random.Random) -> list[str]:
        first = self.partner_files == 0
        self.partner_files += 1
        rules = []
        if first or rng.random() < 0.4:
            rules.append("action_unknown")
        if first or rng.random() < 0.25:
            rules.append("siret_luhn")
        return rules


def break_actions(
    rows: list[dict], rules: list[str], qpvs: list[Qpv], dep_code3: str, rng: random.Random
) -> None:
    """Make each chosen row break exactly one rule, in place (sets `broken_rule`)."""
    used: set[int] = set()
    known = {q.code for q in qpvs}
    # Duplicates go last: they need an untouched row just above them, of the same scheme.
    for rule in sorted(rules, key=lambda r: r == "grant_file_duplicate"):
        if rule == "grant_file_duplicate":
            candidates = [
                i
                for i in range(1, len(rows))
                if i not in used
                and i - 1 not in used
                and rows[i]["scheme"] == rows[i - 1]["scheme"]
            ]
            if not candidates:
                continue
            i = rng.choice(candidates)
            used.update((i, i - 1))
        else:
            free = [i for i in range(len(rows)) if i not in used]
            if not free:
                continue
            i = rng.choice(free)
            used.add(i)
        row = rows[i]
        row["broken_rule"] = rule
        if rule == "siret_luhn":
            row["porteur_siret"] = break_siret(row["porteur_siret"], rng)
        elif rule == "age_bands_sum":
            col = max(AGE_COLUMNS, key=lambda c: row[c])
            row[col] += rng.randint(1, 3)
        elif rule == "sex_sum":
            n = row["participants"]
            row["girls"] = row["girls"] if row["girls"] is not None else n // 2
            row["boys"] = n - row["girls"] + rng.randint(1, 3)
        elif rule == "scheme_unknown":
            row["scheme"] = rng.choice(UNKNOWN_SCHEMES)
        elif rule == "date_outside_campaign":
            row["start_date"] = row["start_date"].replace(year=row["campaign_year"] - 1)
        elif rule == "qpv_unknown":
            codes = row["qpv_codes"].split(";")
            while codes[0] in known:
                # a code of the generation in force for the campaign (the contract's rule)
                if campaign_generation(row["campaign_year"], dep_code3.lstrip("0")) == 2015:
                    codes[0] = f"QP{dep_code3}{rng.randint(950, 999)}"
                else:
                    codes[0] = f"QN{dep_code3}{rng.randint(90, 99)}X"  # X: a letter never used
            row["qpv_codes"] = ";".join(codes)
        elif rule == "grant_file_duplicate":
            row["grant_file"] = rows[i - 1]["grant_file"]


def break_partners(
    rows: list[dict], rules: list[str], grant_files: list[str], rng: random.Random
) -> None:
    """Break partner rows in place: a wrong SIRET, or a row for an action that is not there."""
    for rule in rules:
        if rule == "siret_luhn":
            candidates = [r for r in rows if r["partner_siret"] and r["broken_rule"] is None]
            if candidates:
                row = rng.choice(candidates)
                row["partner_siret"] = break_siret(row["partner_siret"], rng)
                row["broken_rule"] = rule
        elif rule == "action_unknown" and rows:
            row = dict(rng.choice(rows))
            # A number well past the end of the numbering: no grant file of the campaign has it.
            prefix, _ = row["grant_file"].rsplit("-", 1)
            top = max(int(g.rsplit("-", 1)[1]) for g in grant_files)
            row.update(
                grant_file=f"{prefix}-{top + 100 + rng.randint(0, 99):04d}",
                porteur_siret=None,
                broken_rule=rule,
            )
            rows.insert(rng.randint(0, len(rows)), row)
