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


def determined_by_null_space(a: np.ndarray, unknown: list) -> set:
    """The same answer as `determined`, from one decomposition: a hidden cell is determined
    when every solution of the homogeneous system leaves it unchanged, i.e. its column of
    the null space basis is zero (for the large blocks of a whole site)."""
    if not unknown:
        return set()
    _, s, vt = np.linalg.svd(a, full_matrices=True)
    tol = (s.max() if s.size else 0.0) * max(a.shape) * np.finfo(float).eps
    null = vt[int((s > tol).sum()) :]
    return {cell for j, cell in enumerate(unknown) if np.all(np.abs(null[:, j]) < 1e-8)}
