"""Luhn arithmetic for SIREN/SIRET numbers, and fictitious but valid identifiers.

A SIRET is the 9-digit SIREN of the organisation plus a 5-digit establishment number (NIC);
both the SIREN and the whole SIRET pass the Luhn check. La Poste (SIREN 356000000) is the
known exception in real data: the generator never produces it.
"""

from __future__ import annotations

import random

LA_POSTE_SIREN = "356000000"


def luhn_sum(digits: str) -> int:
    """Luhn sum, doubling every second digit from the right."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_sum(number) % 10 == 0


def luhn_complete(prefix: str) -> str:
    """Append the one digit that makes `prefix + digit` Luhn-valid."""
    # The appended digit sits at an undoubled position, so it just tops the sum up to 10.
    return prefix + str((10 - luhn_sum(prefix + "0") % 10) % 10)


def make_siren(rng: random.Random, prefix: str = "") -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(8 - len(prefix)))
    return luhn_complete(body)


def make_siret(
    rng: random.Random, siren_prefix: str = "", taken: set[str] | None = None, nic_prefix: str = ""
) -> str:
    """A Luhn-valid SIRET whose SIREN is Luhn-valid too, unique within `taken` if given.

    `nic_prefix` starts the establishment number: giving each département its own makes
    SIRETs unique across départements generated independently.
    """
    while True:
        siren = make_siren(rng, siren_prefix)
        if siren == LA_POSTE_SIREN:
            continue
        nic4 = nic_prefix + "".join(str(rng.randrange(10)) for _ in range(4 - len(nic_prefix)))
        siret = luhn_complete(siren + nic4)
        if taken is None or siret not in taken:
            if taken is not None:
                taken.add(siret)
            return siret


def break_siret(siret: str, rng: random.Random) -> str:
    """Same SIRET with a wrong last digit: what a typing slip looks like (fails Luhn)."""
    wrong = [d for d in "0123456789" if d != siret[-1]]
    return siret[:-1] + rng.choice(wrong)
