"""Eager frame helpers (returns/frames.py): the same frames as polars' own queries."""

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from returns.frames import concat_many, with_constants


def test_concat_by_groups_is_one_concatenation():
    # columns appearing late, missing in some frames, of types widened by later frames
    frames = [
        pl.DataFrame({"a": [1, 2], "b": ["x", None]}),
        pl.DataFrame({"b": ["y"], "a": [3]}),
        pl.DataFrame({"a": [4.5], "c": [True]}),
        pl.DataFrame({"c": [False, None], "d": ["z", "w"]}),
        pl.DataFrame({"a": [None], "b": ["v"]}, schema={"a": pl.Int64, "b": pl.Utf8}),
        pl.DataFrame({"e": [7]}),
        pl.DataFrame(schema={"a": pl.Int64}),
    ]
    expected = pl.concat(frames, how="diagonal_relaxed")
    for group in (1, 2, 3, len(frames), 100):
        got = concat_many(frames, group)
        assert_frame_equal(got, expected)
        assert got.n_chunks() == 1
    assert expected.columns == ["a", "b", "c", "d", "e"]
    assert expected.schema["a"] == pl.Float64
    with pytest.raises(ValueError):  # as polars' own, no frame is an error, not an empty frame
        concat_many([])


def test_constant_columns_are_those_of_a_literal():
    frame = pl.DataFrame({"x": [1, 2, 3]})
    got = with_constants(frame, {"sheet": ("Actions", pl.Utf8), "kind": (None, pl.Utf8)})
    expected = frame.with_columns(sheet=pl.lit("Actions", pl.Utf8), kind=pl.lit(None, pl.Utf8))
    assert_frame_equal(got, expected)
    assert with_constants(frame.clear(), {"sheet": ("A", pl.Utf8)}).height == 0
