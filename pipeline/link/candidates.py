"""Find candidate paper mentions in a decoded text, each with exact code-point offsets.

Each kind of evidence has its own span finder (``ids``, ``titles``, ``names``,
``citekeys``, ``translated``, ``descriptions``, ``authors``); this module runs them over every
line and collects their rows (CANDIDATE_COLUMNS). All patterns are linear-time.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.language import Segment
from pipeline.link.authors import find_author_references
from pipeline.link.citekeys import find_cite_keys
from pipeline.link.descriptions import description_spans
from pipeline.link.ids import find_arxiv_ids, find_paperswithcode_slugs
from pipeline.link.names import NameTable, name_spans
from pipeline.link.policy import DEFAULT_POLICY, LinkPolicy
from pipeline.link.titles import TitleKeys, title_spans
from pipeline.link.translated import translated_spans

CANDIDATE_COLUMNS = [
    "source_file",
    "language",
    "line",
    "start",
    "end",
    "surface",
    "kind",
    "evidence",
    "standalone",
    "context",
]
# Evidence of an English-title candidate spelled by a Papers with Code link's slug.
SLUG_PREFIX = "slug:"


@dataclass(frozen=True)
class Candidate:
    line: int
    start: int
    end: int
    kind: str
    evidence: str | None
    standalone: bool
    # The line the candidate stands in: what confirms a mined name where no sentence was cut
    # out, a reference entry's authors, and (all lines together) the document's topic.
    context: str | None = None


def _line_candidates(
    text: str,
    segment: Segment,
    line: int,
    names: NameTable | None,
    policy: LinkPolicy,
    titles: TitleKeys | None = None,
) -> list[Candidate]:
    line_text = text[segment.start : segment.end]
    found = [
        Candidate(line, s, e, "arxiv_id", arxiv_id, False, line_text)
        for s, e, arxiv_id in find_arxiv_ids(line_text, segment.start)
    ]
    found += [
        Candidate(line, s, e, "english_title", SLUG_PREFIX + slug, False, line_text)
        for s, e, slug in find_paperswithcode_slugs(line_text, segment.start)
    ]
    found += [
        Candidate(line, s, e, "english_title", evidence, alone, line_text)
        for s, e, alone, evidence in title_spans(text, segment, policy, titles)
    ]
    if names is not None:
        found += [
            Candidate(line, s, e, "name", evidence, False, line_text)
            for s, e, evidence in name_spans(text, segment, names)
        ]
    found += [
        Candidate(line, s, e, "name", evidence, False, line_text)
        for s, e, evidence in find_cite_keys(text, segment.start, segment.end)
    ]
    found += [
        Candidate(line, s, e, "translated_title", None, True, line_text)
        for s, e in translated_spans(text, segment, policy)
    ]
    found += [
        Candidate(line, s, e, "description", None, False, line_text)
        for s, e in description_spans(text, segment, policy)
    ]
    found += [
        Candidate(line, s, e, "description", evidence, False, line_text)
        for s, e, evidence in find_author_references(text, segment.start, segment.end)
    ]
    return found


def candidate_rows(
    source_file: str,
    text: str,
    segments: list[Segment],
    names: NameTable | None,
    policy: LinkPolicy = DEFAULT_POLICY,
    titles: TitleKeys | None = None,
) -> list[tuple]:
    """Candidate mentions of one document as rows of CANDIDATE_COLUMNS, sorted by position;
    ``titles``: the catalog's titles that may be written inside a sentence of another
    language."""
    rows = []
    for line, segment in enumerate(segments):
        rows += [
            (
                source_file,
                segment.language,
                c.line,
                c.start,
                c.end,
                text[c.start : c.end],
                c.kind,
                c.evidence,
                c.standalone,
                c.context,
            )
            for c in _line_candidates(text, segment, line, names, policy, titles)
        ]
    rows.sort(key=lambda row: (row[3], row[4], row[6]))  # start, end, kind; stable
    return rows
