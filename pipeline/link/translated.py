"""Evidence from titles written in the page's own language ("Arahan Kendiri", "思维链提示").

Candidates are headings and list entries (also the part after a "Name:" prefix), quoted
and bold phrases and, in languages that do not capitalise common nouns, capitalised runs.
Their words become English stems through the term tables and are compared with every catalog
title and alias, weighted by rarity (``terms.ConceptIndex``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Iterator

from pipeline.language import Segment
from pipeline.link.decision import Decision, ambiguous
from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import REACH_SLACK, ConceptIndex, TermTable, f_score, translate
from pipeline.link.text import (
    CJK_LANGUAGES,
    LIST_MARKER,
    cjk_count,
    emphasized_spans,
    is_english,
    quoted_spans,
    trimmed,
    word_count,
)

CAPITALISED_RUN = re.compile(
    r"(?<=[a-z\u00df-\u00ff,] )(?:[A-Z][a-z\u00e0-\u00ff]+[ -]){1,5}[A-Z][a-z\u00e0-\u00ff]+"
)
# Languages whose writers capitalise every noun: a capitalised run there is not a name.
CAPITALISE_NOUNS = ("de", "lb")
HEADING_PUNCTUATION = re.compile("[，。,；]")


def heading_like(text: str, cjk: bool, policy: LinkPolicy) -> bool:
    """Short, unpunctuated lines are headings and list entries, where titles stand."""
    if cjk:
        return 2 <= cjk_count(text) <= policy.heading_max_cjk_chars and not (
            HEADING_PUNCTUATION.search(text)
        )
    words = word_count(text)
    return 2 <= words <= policy.heading_max_words and not text.rstrip().endswith((".", ",", ";"))


def translated_spans(text: str, segment: Segment, policy: LinkPolicy) -> Iterator[tuple[int, int]]:
    """(start, end) of every span of a non-English line that may be a translated title."""
    if segment.language == "en":
        return
    cjk = segment.language in CJK_LANGUAGES
    line_text = text[segment.start : segment.end]
    content_start = segment.start + LIST_MARKER.match(line_text).end()
    start, end = trimmed(text, content_start, segment.end)
    if start < end and heading_like(text[start:end], cjk, policy):
        yield start, end
        prefix, colon, _ = text[start:end].partition(":")
        if colon and len(prefix.split()) <= policy.name_prefix_max_words:
            rest_start, rest_end = trimmed(text, start + len(prefix) + 1, end)
            if rest_start < rest_end and heading_like(text[rest_start:rest_end], cjk, policy):
                yield rest_start, rest_end
    set_off = [*quoted_spans(line_text, segment.start), *emphasized_spans(line_text, segment.start)]
    for q_start, q_end in set_off:
        q_start, q_end = trimmed(text, q_start, q_end)
        quoted = text[q_start:q_end]
        if (cjk_count(quoted) >= 2 if cjk else word_count(quoted) >= 2) and not (
            not cjk and is_english(quoted, segment)
        ):
            yield q_start, q_end
    if not cjk and segment.language not in CAPITALISE_NOUNS:
        for m in CAPITALISED_RUN.finditer(text, segment.start, segment.end):
            yield m.start(), m.end()


def least_recall(policy: LinkPolicy, precision: float = 1.0) -> float:
    """The least recall of a translated title that can be decided when no title can reach
    more than ``precision``: a link needs ``translated_min_recall`` and an F-score of
    ``translated_accept``, an ambiguous answer an F-score of ``translated_review``, and a
    whole title links whatever its precision."""
    link = max(policy.translated_min_recall, _recall_for(policy.translated_accept, precision))
    return min(policy.whole_title, link, _recall_for(policy.translated_review, precision))


def _recall_for(f_score: float, precision: float) -> float:
    """The recall an F-score needs at this precision (f * p / (2p - f)); none is enough where
    2p <= f."""
    return f_score * precision / (2 * precision - f_score) if 2 * precision > f_score else math.inf


def decide_translated(
    surface: str,
    language: str,
    concepts: ConceptIndex,
    term_tables: dict[str, TermTable],
    policy: LinkPolicy,
    described: Container[str] = (),
) -> Decision | None:
    """A title written in another language, through the term tables; None when it resembles
    no catalog title or alias (then it is not a mention). Two words link only to a whole
    title or alias ("Model Konsistensi"): a heading such as "Transformer 架構" is part of many
    titles."""
    units = translate(surface, language, term_tables, dictionary=True)
    if not concepts.may_reach(units, 2):  # every outcome below needs two matched stems
        return None
    # No title's precision exceeds the share of the text its known words cover (most
    # headings are decided here: a low share leaves only titles of a high recall).
    most_precise = concepts.reach(units).precision + REACH_SLACK
    ranked = concepts.rank(units, least=(2, least_recall(policy, most_precise)))
    if not ranked:
        return None
    top, f = ranked[0], f_score(ranked[0])
    runner_up = f_score(ranked[1]) if len(ranked) > 1 else 0.0
    # Every word of a long title found: the page's extra words ("使用...进行" = "use...carry
    # out") lower the precision, not the evidence.
    whole = top.recall >= policy.whole_title and top.matched >= policy.translated_whole_title_stems
    if (
        (top.matched <= policy.translated_short_stems or not whole)
        and top.distinctive == 0
        and top.paper_id not in described
    ):
        # "Position Coding", "Network of Recurrent Neural Networks", "开源模型的优势" (open
        # source model advantage): common words of the field translate a heading as often as
        # they title an imported paper, unless they are all of a long title. A paper
        # described by hand (``described``: curated keywords) was checked by a person.
        return None
    if (
        (f >= policy.translated_accept or whole)
        and f - runner_up >= policy.translated_margin
        and top.matched >= 2
        and top.recall >= policy.translated_min_recall
        and (top.matched > 2 or top.recall >= policy.whole_title)
    ):
        runner_up_id = ranked[1].paper_id if len(ranked) > 1 else None
        return Decision(
            "matched",
            top.paper_id,
            100 * f,
            "translated_title_terms",
            (),
            runner_up_id,
            100 * runner_up,
        )
    if f >= policy.translated_review and top.matched >= 2:
        close = tuple(m.paper_id for m in ranked if f_score(m) >= f - policy.translated_margin)
        return ambiguous(100 * f, "translated_title_terms", close)
    return None
