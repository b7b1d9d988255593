"""Independent check of statistical confidentiality, shared by the dashboards tests: which
hidden cells can be worked out from the published ones by linear algebra."""

from __future__ import annotations

import numpy as np


def determined(a: np.ndarray, unknown: list) -> set:
    """`a`: one row per published relation (coefficients of the hidden cells, in the order
    of `unknown`). A hidden cell is determined when adding its unit vector leaves the rank
    unchanged, i.e. it is a combination of the relations."""
    if not unknown:
        return set()
    rank = np.linalg.matrix_rank(a)
    out = set()
    for j, cell in enumerate(unknown):
        e = np.zeros((1, len(unknown)))
        e[0, j] = 1
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.add(cell)
    return out
