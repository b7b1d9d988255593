"""Eager frame operations for the paths that run once per table of a batch.

`df.with_columns(pl.lit(...))` or `df.select(...)` plans and runs a polars query: about
0.05 ms on an idle machine, several times that when both cores are busy (a national batch
has ≈ 1,400 tables, several such calls each). A column of one value and a choice of columns
need no query.
"""

from __future__ import annotations

from typing import Any

import polars as pl


def with_constants(
    frame: pl.DataFrame, columns: dict[str, tuple[Any, pl.DataType | type[pl.DataType]]]
) -> pl.DataFrame:
    """`frame` with one more column per entry (name: (value, dtype)), which it must not have,
    as `with_columns(pl.lit(value, dtype))` would add it (None gives nulls)."""
    return frame.hstack(
        [pl.Series(n, [v], t).new_from_index(0, frame.height) for n, (v, t) in columns.items()]
    )


#: how many frames `concat_many` concatenates at once
CONCAT_GROUP = 1_000


def concat_many(frames: list[pl.DataFrame], group: int = CONCAT_GROUP) -> pl.DataFrame:
    """`pl.concat(frames, how="diagonal_relaxed").rechunk()`, by groups of `group` frames:
    at its peak, one concatenation of thousands of small frames holds far more than its
    result (8,000 frames of three rows: ≈ 170 MB more, by groups of 1,000 ≈ 40 MB, and 0.32
    → 0.21 s). The same columns, in the same order (of first appearance), and rows."""
    parts = [
        pl.concat(frames[i : i + group], how="diagonal_relaxed").rechunk()
        for i in range(0, len(frames), group)
    ]
    if len(parts) == 1:
        return parts[0]
    return pl.concat(parts, how="diagonal_relaxed").rechunk()  # no frame: polars' error
