"""Decisions: an ambiguous mention names at least two distinct candidates, or is unmatched."""

from __future__ import annotations

import pytest

from pipeline.link.decision import Decision, ambiguous


@pytest.mark.parametrize("candidates", [(), ("arxiv:1706.03762",), ("arxiv:1706.03762",) * 3])
def test_fewer_than_two_distinct_candidates_is_unmatched(candidates: tuple[str, ...]) -> None:
    decision = ambiguous(85.0, "title_fuzzy", candidates)
    assert decision == Decision("unmatched", None, 85.0, "title_fuzzy")


def test_repeated_candidates_collapse_in_the_order_first_seen() -> None:
    decision = ambiguous(
        0.8, "description_conflict", ("arxiv:b", "arxiv:a", "arxiv:b", "arxiv:c", "arxiv:a")
    )
    assert decision.status == "ambiguous" and decision.paper_id is None
    assert decision.candidates == ("arxiv:b", "arxiv:a", "arxiv:c")


def test_the_score_and_method_are_kept() -> None:
    decision = ambiguous(72.5, "author_context", ("arxiv:a", "arxiv:b"))
    assert (decision.score, decision.method) == (72.5, "author_context")
    assert (decision.runner_up, decision.runner_up_score) == (None, 0.0)
