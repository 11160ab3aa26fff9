"""Spans of a document's text that its later spans are checked against, by binary search: a
document can hold tens of thousands of mentions (a table of titles, a list of references on
one line), and checking each mention against each span was quadratic in them."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from itertools import accumulate


class Covering:
    """Whether one of the spans holds a span (starts at or before it and ends at or after)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        # The furthest end among the spans up to each position (those starting earliest).
        self._reach = list(accumulate((end for _, end in ordered), max))

    def __call__(self, start: int, end: int) -> bool:
        position = bisect.bisect_right(self._starts, start)
        return position > 0 and self._reach[position - 1] >= end


class Taken:
    """The text spans cover, as sorted disjoint runs: whether a span shares a character with
    one of them (``start < e`` and ``s < end``), and the spans added since."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in spans:
            self.add(start, end)

    def overlaps(self, start: int, end: int) -> bool:
        """An empty span shares no character, also where two taken spans that touch have
        become one run."""
        position = bisect.bisect_right(self._ends, start)  # the first run ending after start
        return start < end and position < len(self._starts) and self._starts[position] < end

    def add(self, start: int, end: int) -> None:
        """Take a span: runs it overlaps or touches become one (an empty span takes
        nothing)."""
        if start >= end:
            return
        first = bisect.bisect_left(self._ends, start)
        last = bisect.bisect_right(self._starts, end)
        if first < last:
            start, end = min(start, self._starts[first]), max(end, self._ends[last - 1])
        self._starts[first:last] = [start]
        self._ends[first:last] = [end]
