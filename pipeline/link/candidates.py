"""Find candidate paper mentions in a decoded text, each with exact code-point offsets.

Each kind of evidence has its own span finder (``ids``, ``titles``, ``names``,
``citekeys``, ``translated``, ``descriptions``, ``authors``); this module runs them over every
line and collects their rows (CANDIDATE_COLUMNS). All patterns are linear-time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.language import Segment
from pipeline.link.authors import find_author_references
from pipeline.link.citekeys import find_cite_keys
from pipeline.link.descriptions import description_spans
from pipeline.link.ids import find_arxiv_ids, find_paperswithcode_slugs
from pipeline.link.names import NameTable, name_spans
from pipeline.link.policy import DEFAULT_POLICY, LinkPolicy
from pipeline.link.references import in_reference_sections
from pipeline.link.text import LINKED_TEXT
from pipeline.link.titles import TitleKeys, title_list_lines, title_spans
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
    "target",
    "line_start",  # where the candidate's line (segment) starts in the document
]
# Evidence of an English-title candidate spelled by a Papers with Code link's slug.
SLUG_PREFIX = "slug:"
# What stands between a link and the author reference right after it that cites the linked
# paper: "[Informer](https://arxiv.org/abs/2012.07436) [Zhou等，2021]".
BESIDE_LINK = re.compile(r"[\s\[(（【]*")
# The target of such a reference: the linked paper, if the catalog gives it that author.
BESIDE_PREFIX = "beside:"


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
    # The arXiv id of the link whose text holds this name or author reference and no other
    # candidate: the page says which paper it means. An author reference right after such a
    # link has it with BESIDE_PREFIX: it cites the linked paper if the authors agree.
    target: str | None = None


def _line_candidates(
    text: str,
    segment: Segment,
    line: int,
    names: NameTable | None,
    policy: LinkPolicy,
    titles: TitleKeys | None = None,
    in_references: bool = False,
    in_title_list: bool = False,
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
        for s, e, alone, evidence in title_spans(
            text, segment, policy, titles, in_references, in_title_list
        )
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
    return _linked_to_ids(found, line_text, segment.start)


def _linked_to_ids(found: list[Candidate], line_text: str, offset: int) -> list[Candidate]:
    """``found`` with the arXiv id of its link on each name or author reference that is the
    only candidate in the text of a link to one arXiv id ("[Mehta et al.
    (2023)](https://arxiv.org/abs/2304.10750)"), and on an author reference right after
    such a link (with BESIDE_PREFIX)."""
    if "](" not in line_text:
        return found
    for link in LINKED_TEXT.finditer(line_text):
        address_start, address_end = link.start(2) + offset, link.end(2) + offset
        ids = {  # the ids already read from the line, where they stand in its address
            str(c.evidence)
            for c in found
            if c.kind == "arxiv_id" and address_start <= c.start and c.end <= address_end
        }
        if len(ids) != 1:
            continue
        (arxiv_id,) = ids
        start, end = link.start(1) + offset, link.end(1) + offset
        inside = [
            i for i, c in enumerate(found) if _names_a_work(c) and start <= c.start and c.end <= end
        ]
        if len(inside) == 1 and found[inside[0]].kind != "english_title":
            found[inside[0]] = replace(found[inside[0]], target=arxiv_id)
        after = link.end() + offset
        for i, c in enumerate(found):
            if (
                _cites_authors(c)
                and c.start >= after
                and BESIDE_LINK.fullmatch(line_text, link.end(), c.start - offset)
            ):
                found[i] = replace(c, target=BESIDE_PREFIX + arxiv_id)
    return found


def _cites_authors(candidate: Candidate) -> bool:
    """An author reference ("Zhou et al., 2021"; its evidence is "surname|year")."""
    return candidate.kind == "description" and candidate.evidence is not None


def _names_a_work(candidate: Candidate) -> bool:
    """A title, a name or an author reference (not a passage: a sentence that may describe a
    paper, or be the translation of its title)."""
    return _cites_authors(candidate) or candidate.kind in ("english_title", "name")


def candidate_rows(
    source_file: str,
    text: str,
    segments: list[Segment],
    names: NameTable | None,
    policy: LinkPolicy = DEFAULT_POLICY,
    titles: TitleKeys | None = None,
    *,
    document_language: str,
) -> list[tuple]:
    """Candidate mentions of one document as rows of CANDIDATE_COLUMNS, sorted by position;
    ``titles``: the catalog's titles that may be written inside a sentence of another
    language; ``document_language``: the page's (a CJK page may list English titles)."""
    rows = []
    lines = [text[s.start : s.end] for s in segments]
    listed = in_reference_sections(lines)
    title_list = title_list_lines(lines, document_language, policy)
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
                c.target,
                segment.start,
            )
            for c in _line_candidates(
                text, segment, line, names, policy, titles, listed[line], title_list[line]
            )
        ]
    rows.sort(key=lambda row: (row[3], row[4], row[6]))  # start, end, kind; stable
    return rows
