"""Packed string tables: positions, slices and lookups as a Python list would give them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.link.packed import PackedStrings, pack_strings


def _table(strings: list[str]) -> PackedStrings:
    return PackedStrings(*pack_strings(strings))


def test_positions_and_slices_read_the_strings_back() -> None:
    table = _table(["", "BERT", "Ünïcode", "注意力"])
    assert len(table) == 4
    assert [table[i] for i in range(4)] == ["", "BERT", "Ünïcode", "注意力"]
    assert table.slice(1, 3) == ["BERT", "Ünïcode"]


@given(st.lists(st.text(max_size=6), unique=True), st.lists(st.text(max_size=6), max_size=20))
def test_find_is_the_position_in_the_sorted_table_or_none(
    strings: list[str], probes: list[str]
) -> None:
    ordered = sorted(strings)
    table = _table(ordered)
    for probe in probes + ordered + probes:  # asked twice: a remembered answer is the same
        expected = ordered.index(probe) if probe in ordered else None
        assert table.find(probe) == expected


def test_a_lookup_asked_again_is_remembered() -> None:
    table = _table(["a", "b", "c"])
    assert table.find("b") == 1
    assert table.find("b") == 1
    assert table.find.cache_info().hits == 1
