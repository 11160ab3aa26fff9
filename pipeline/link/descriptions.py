"""Evidence from descriptions: passages that describe one paper without naming it.

A paper with keywords is recognised by its title and keywords together, never by its title
words alone: a passage with a title's words but nothing else the paper is about is on its
topic, not about it ("Emergent Abilities of Large Language Models" in any text on
emergence). A paper without keywords has only its title words; when they point to it and
keywords to another paper, the two cannot be weighed: ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.language import Segment
from pipeline.link.decision import Decision, ambiguous
from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import REACH_SLACK, ConceptIndex, Unit
from pipeline.link.text import CJK_LANGUAGES, trimmed

CJK_SENTENCE = re.compile(r"[^。！？；!?;\r\n]+")
LATIN_SENTENCE = re.compile(r"[^.!?;\r\n]+(?:[.!?;](?!\S)|$)")


def description_spans(text: str, segment: Segment, policy: LinkPolicy) -> Iterator[tuple[int, int]]:
    """Sentences and the whole paragraph of a non-English line (a description often spreads
    over several sentences)."""
    if segment.language == "en":
        return
    pattern = CJK_SENTENCE if segment.language in CJK_LANGUAGES else LATIN_SENTENCE
    spans = {
        trimmed(text, m.start(), m.end())
        for m in pattern.finditer(text, segment.start, segment.end)
    }
    spans.add(trimmed(text, segment.start, segment.end))
    for start, end in sorted(spans):
        if policy.min_description_chars <= end - start <= policy.max_description_chars:
            yield start, end


def decide_description(
    units: list[Unit], concepts: ConceptIndex, profiles: ConceptIndex, policy: LinkPolicy
) -> Decision | None:
    """A passage that describes one paper; None when it resembles no paper (most passages
    describe none)."""
    by_title = _by_title_words(units, concepts, policy)
    if by_title is not None and by_title.paper_id in profiles.title_index:
        by_title = None
    by_keywords = _by_keywords(units, profiles, policy)
    if by_title is None or by_keywords is None:
        return by_title or by_keywords
    if by_keywords.status != "matched":
        return by_title
    papers = tuple(sorted({by_title.paper_id, by_keywords.paper_id}))
    return ambiguous(by_keywords.score, "description_conflict", papers)


def _by_title_words(
    units: list[Unit], concepts: ConceptIndex, policy: LinkPolicy
) -> Decision | None:
    """Most of one title's words, including two distinctive ones, and clearly more than any
    other title's (titles of common words cannot be recognised from a description)."""
    reach = concepts.reach(units)
    if (
        reach.stems < policy.description_min_stems
        or reach.distinctive < policy.description_min_distinctive
        or not concepts.may_reach(
            units, policy.description_min_distinctive, distinctive=True, titles_only=True
        )
    ):
        return None
    least = (policy.description_min_stems, policy.description_min_recall)
    ranked = concepts.rank(units, limit=5, titles_only=True, by_recall=True, least=least)
    if not ranked:
        return None
    top = ranked[0]
    runner_up = ranked[1].recall if len(ranked) > 1 else 0.0
    if (
        top.recall >= policy.description_min_recall
        and top.matched >= policy.description_min_stems
        and top.title_stems > policy.description_min_stems
        and top.distinctive >= policy.description_min_distinctive
        and top.recall - runner_up >= policy.translated_margin
    ):
        return Decision("matched", top.paper_id, 100 * top.recall, "description_terms")
    return None


def _by_keywords(units: list[Unit], profiles: ConceptIndex, policy: LinkPolicy) -> Decision | None:
    """A passage that covers much of one paper's title and keywords, is mostly about them
    (few of its rare words are unexplained), and clearly more so than for any other paper.
    Close runners-up make it ``ambiguous``: a reviewer can tell, the pipeline cannot."""
    reach = profiles.reach(units)
    if (
        reach.stems < policy.keywords_min_stems
        or reach.precision < policy.keywords_min_precision - REACH_SLACK
        or not profiles.may_reach(
            units, policy.keywords_min_stems, recall=policy.keywords_min_recall
        )
    ):
        return None
    least = (policy.keywords_min_stems, policy.keywords_min_recall)
    ranked = profiles.rank(units, limit=policy.max_candidates, by_recall=True, least=least)
    if not ranked:
        return None
    top = ranked[0]
    if (
        top.recall < policy.keywords_min_recall
        or top.precision < policy.keywords_min_precision
        or top.matched < policy.keywords_min_stems
    ):
        return None
    close = tuple(m.paper_id for m in ranked if top.recall - m.recall < policy.keywords_margin)
    if len(close) == 1:
        return Decision("matched", top.paper_id, 100 * top.recall, "description_keywords")
    return ambiguous(100 * top.recall, "description_keywords", close)
