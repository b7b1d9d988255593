"""Partition ranges: the one rule, used by the sensor, the schedule and the CLI, that turns the
files of a batch into as few contiguous Dagster partition ranges as possible."""

from returns.inbox import partition_ranges

STORED = ["a", "b", "c", "d", "e", "f"]


def test_contiguous_keys_are_one_range_whatever_their_order():
    assert partition_ranges(["c", "b", "d"], STORED) == [("b", "d")]
    assert partition_ranges(["f"], STORED) == [("f", "f")]


def test_keys_with_others_between_are_split_into_blocks():
    assert partition_ranges(["a", "b", "d", "f", "e"], STORED) == [("a", "b"), ("d", "f")]
    assert partition_ranges(["a", "c", "e"], STORED) == [("a", "a"), ("c", "c"), ("e", "e")]


def test_no_keys_no_range_and_duplicates_count_once():
    assert partition_ranges([], STORED) == []
    assert partition_ranges(["b", "b", "c"], STORED) == [("b", "c")]
