"""Evidence from English titles: spans that may hold a title, and the fuzzy-title decision.

Titles are compared in a compact form (NFKC, case-folded, punctuation and spaces removed, so
that `fromMulti-Head` equals `from Multi-Head`) with rapidfuzz ``ratio`` over the candidates
of the blocked title index. ``token_set_ratio`` and ``partial_ratio`` were rejected: they give
100 to a title that is part of a longer one ("Attention Is All You Need" vs "... in Speech
Separation").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.language import Segment
from pipeline.link.decision import Decision, ambiguous
from pipeline.link.policy import LinkPolicy
from pipeline.link.text import (
    CJK_LANGUAGES,
    LATIN_RUN,
    LATIN_WORD,
    LIST_MARKER,
    is_english,
    quoted_spans,
    trimmed,
    url_tokens,
    word_count,
)
from pipeline.link.title_index import compact_title

# Where a title ends: list separators and citation tails.
SEPARATORS = re.compile(
    r"\s+[-~–—]+\s+|\s*~\s*|\.\s+arxiv preprint.*|\s*arxiv[:\s]\s*\S+.*|\s\d{4}$", re.IGNORECASE
)
# "2015 Fast R-CNN": a timeline's year is not part of the title.
LEADING_YEAR = re.compile(r"(?:19|20)\d{2}\s+(?=[A-Za-z])")
ONLY_TRIM = re.compile(r"[\s.,;:\-–—~'’\"()\[\]]*")
SEPARATOR_LOOKBACK = 16
TITLE_FOLLOWERS = ("-", "~", "–", "http", "arXiv", "arxiv")


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split a run at URLs and title separators into trimmed pieces."""
    cuts = [(m.start(), m.end()) for m in url_tokens(text, start, end)]
    cuts += [(m.start() + start, m.end() + start) for m in SEPARATORS.finditer(text[start:end])]
    year = LEADING_YEAR.match(text, start, end)
    position = year.end() if year else start
    for cut_start, cut_end in sorted(cuts):
        if cut_start > position:
            yield trimmed(text, position, cut_start)
        position = max(position, cut_end)
    if position < end:
        yield trimmed(text, position, end)


def looks_like_title(text: str, policy: LinkPolicy) -> bool:
    """Title-like enough to be reported even when no catalog title resembles it."""
    words = LATIN_WORD.findall(text)
    if text.count(",") > 2 or text.endswith(".") or not text[:1].isupper():
        return False
    return policy.min_standalone_title_words <= len(words) <= policy.max_title_words


def _stands_after(text: str, edge: int, start: int) -> bool:
    """True when only separators stand between the line's edge and ``start``, or the text
    before ``start`` ends in a list separator. Looks only near both ends: linear overall."""
    if ONLY_TRIM.fullmatch(text, edge, start):
        return True
    before = text[max(edge, start - SEPARATOR_LOOKBACK) : start].rstrip()
    return before.endswith(("-", "~", "–", "—", "》", "：", ":"))


def _stands_before(text: str, end: int, region_end: int) -> bool:
    """True when nothing but separators follows ``end`` up to the region's end, or what
    follows starts with a list separator, a link or a citation."""
    if ONLY_TRIM.fullmatch(text, end, region_end):
        return True
    after = text[end : min(region_end, end + SEPARATOR_LOOKBACK)].strip()
    return after.startswith(TITLE_FOLLOWERS)


def title_spans(
    text: str, segment: Segment, policy: LinkPolicy
) -> Iterator[tuple[int, int, bool, bool]]:
    """(start, end, standalone, quoted) for every English-title candidate in one line.

    A whole English line, a quoted English phrase or an English run inside a CJK line can hold
    a title; ``standalone`` says whether the span stands alone (fills its line or its quotes
    and looks like a title), which makes it a mention even when no catalog title resembles it.
    """
    line_text = text[segment.start : segment.end]
    content_start = segment.start + LIST_MARKER.match(line_text).end()
    regions = [(s, e, True) for s, e in quoted_spans(line_text, segment.start)]
    if segment.language in ("en", *CJK_LANGUAGES):
        regions.append((segment.start, segment.end, False))
    seen: set[tuple[int, int]] = set()
    for region_start, region_end, in_quotes in regions:
        edge = region_start if in_quotes else content_start
        for run in LATIN_RUN.finditer(text, region_start, region_end):
            for start, end in _pieces(text, run.start(), run.end()):
                surface = text[start:end]
                words = word_count(surface)
                if (start, end) in seen or not (
                    policy.min_candidate_words <= words <= policy.max_title_words
                ):
                    continue
                if in_quotes and not is_english(surface, segment):
                    continue
                seen.add((start, end))
                alone = _stands_after(text, edge, start) and _stands_before(text, end, region_end)
                yield start, end, alone and looks_like_title(surface, policy), in_quotes


def name_prefix(title: str, policy: LinkPolicy) -> str:
    """The model name before a title's colon ("ChatDoctor" in "ChatDoctor: A Medical ...")."""
    head, colon, _ = title.partition(":")
    short = len(head.split()) <= policy.name_prefix_max_words
    return compact_title(head) if colon and short else ""


def decide_title(
    surface: str,
    ranked: list[tuple[str, float]],
    titles: dict[str, str],
    policy: LinkPolicy,
) -> Decision:
    """Link when the best title is close enough and clearly ahead of the runner-up.

    A title in the review band is still linked when it starts with the same model name as the
    written one ("ChatDoctor: ..."), since titles are revised between arXiv versions but
    their model name rarely is. Short spans link only on an exact title ("Large Language
    Model" in running text is a term, not the paper "Large Language Models").
    """
    if not ranked:
        return Decision("unmatched", None, 0.0, "title_fuzzy")
    top_id, top = ranked[0]
    runner_up_id, runner_up = ranked[1] if len(ranked) > 1 else (None, 0.0)
    clear = top - runner_up >= policy.title_margin
    if len(surface.split()) < policy.min_words_for_fuzzy_title and top < 100:
        return Decision("unmatched", None, top, "title_fuzzy")
    if top >= policy.title_accept and clear:
        return Decision("matched", top_id, top, "title_fuzzy", (), runner_up_id, runner_up)
    prefix = name_prefix(surface, policy)
    if (
        top >= policy.title_review
        and clear
        and prefix
        and prefix == name_prefix(titles[top_id], policy)
    ):
        return Decision(
            "matched", top_id, top, "title_fuzzy_name_prefix", (), runner_up_id, runner_up
        )
    if top >= policy.title_review:
        close = tuple(pid for pid, score in ranked if score >= policy.title_review)
        method = "title_fuzzy_low_margin" if top >= policy.title_accept else "title_fuzzy_low_score"
        return ambiguous(top, method, close)
    return Decision("unmatched", None, top, "title_fuzzy")
