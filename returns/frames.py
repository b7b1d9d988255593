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
