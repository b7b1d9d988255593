"""Eager frame operations for the paths that run once per table of a batch.

`df.with_columns(pl.lit(...))` or `df.select(...)` plans and runs a polars query: about
0.05 ms on an idle machine, several times that when both cores are busy (a national batch
has ≈ 1,400 tables, several such calls each). A column of one value and a choice of columns
need no query.
"""

from __future__ import annotations

from typing import Any

import polars as pl


def constant(
    name: str, value: Any, dtype: pl.DataType | type[pl.DataType], height: int
) -> pl.Series:
    """`height` times `value` (None gives nulls), as `pl.lit(value, dtype)` would."""
    return pl.Series(name, [value], dtype).new_from_index(0, height)


def with_constants(
    frame: pl.DataFrame, columns: dict[str, tuple[Any, pl.DataType | type[pl.DataType]]]
) -> pl.DataFrame:
    """`frame` with one more column per entry (name: (value, dtype)), which it must not have."""
    return frame.hstack([constant(n, v, t, frame.height) for n, (v, t) in columns.items()])
