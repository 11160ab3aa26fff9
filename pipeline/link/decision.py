"""What the linker decided for one mention, and the rule every ambiguous decision obeys."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """``runner_up`` is the second-best paper of a ranked search and its score, carried so
    that the report can show how narrow a link was without searching again."""

    status: str
    paper_id: str | None
    score: float
    method: str
    candidates: tuple[str, ...] = ()
    runner_up: str | None = None
    runner_up_score: float = 0.0


def ambiguous(score: float, method: str, candidates: tuple[str, ...]) -> Decision:
    """Ambiguous between at least two papers; with fewer there is no choice to review, so the
    mention is unmatched (the contract requires two or more candidates)."""
    papers = tuple(dict.fromkeys(candidates))
    if len(papers) < 2:
        return Decision("unmatched", None, score, method)
    return Decision("ambiguous", None, score, method, papers)
