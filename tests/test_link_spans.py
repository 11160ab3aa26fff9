"""Spans checked by binary search answer as checking every span does."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.link.spans import Covering, Taken

SPAN = st.tuples(st.integers(0, 40), st.integers(0, 12)).map(lambda p: (p[0], p[0] + p[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(SPAN, max_size=12), st.lists(SPAN, max_size=12))
def test_covering_is_any_span_holding_it(
    spans: list[tuple[int, int]], queries: list[tuple[int, int]]
) -> None:
    covered = Covering(spans)
    for start, end in queries:
        assert covered(start, end) == any(s <= start and end <= e for s, e in spans)


@settings(max_examples=300, deadline=None)
@given(st.lists(SPAN, max_size=12), st.lists(st.tuples(SPAN, st.booleans()), max_size=20))
@example([(0, 1)], [((1, 2), True), ((1, 1), False)])  # empty, where two runs joined
@example([(5, 5)], [((4, 6), False)])  # an empty span taken
def test_taken_overlaps_as_any_span_taken(
    initial: list[tuple[int, int]], steps: list[tuple[tuple[int, int], bool]]
) -> None:
    """Spans taken first, then checks and additions in any order, as resolving a document
    takes the spans of its titles and then of each passage it keeps."""
    taken = Taken(initial)
    spans = list(initial)
    for (start, end), add in steps:
        # Sharing a character: an empty span shares none.
        assert taken.overlaps(start, end) == any(max(s, start) < min(e, end) for s, e in spans)
        if add:
            taken.add(start, end)
            spans.append((start, end))


def test_a_span_touching_another_does_not_overlap_it() -> None:
    taken = Taken([(0, 5)])
    assert not taken.overlaps(5, 9) and not taken.overlaps(0, 0)
    taken.add(5, 9)
    assert taken.overlaps(8, 12) and not taken.overlaps(9, 12)
    assert Covering([(0, 5), (5, 9)])(2, 5) and not Covering([(0, 5), (5, 9)])(4, 6)
