"""Find candidate paper mentions in a decoded text, each with exact code-point offsets.

Every pattern here is a single character class or a bounded alternation, so matching time is
linear in the text length (no catastrophic backtracking on long lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from pipeline.language import Segment, segment_language

NEW_ID = r"\d{4}\.\d{4,5}"
OLD_ID = r"[a-z][a-z-]{1,15}(?:\.[A-Z]{2})?/\d{7}"
ARXIV_ID = rf"(?P<id>{NEW_ID}|{OLD_ID})(?:v\d{{1,3}})?"
ARXIV_PATTERNS = (
    # URLs, with or without scheme, including mangled hosts such as "arxiv/pdf/...".
    re.compile(
        rf"(?:https?://)?(?:www\.|export\.)?arxiv(?:\.org)?/(?:abs|pdf|html)/{ARXIV_ID}(?:\.pdf)?",
        re.IGNORECASE,
    ),
    # "arXiv:2205.01068", "arXiv preprint arXiv:2205.01068", "arXiv 2205.01068".
    re.compile(
        rf"(?<![\w/])arxiv(?: preprint)?(?: arxiv)?\s?[:：]?\s?{ARXIV_ID}(?![\w.])", re.IGNORECASE
    ),
)

# Runs of Latin-script text: letters, digits and the punctuation titles use.
LATIN_RUN = re.compile(r"[A-Za-z0-9\u00c0-\u024f'’.,:;!?&+/()\[\] \t-]+")
LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f'’-]*")
# The last two forms start at a token's start only: unanchored, they rescan a long token from
# every position (quadratic); anchored, they match the same spans.
URL_LIKE = re.compile(
    r"(?:https?://|www\.)\S*|(?<!\S)\S+\.(?:com|org|net|io|pdf|html?)\S*|(?<!\S)\S*/\S*"
)
# Where a title ends: list separators and citation tails.
SEPARATORS = re.compile(
    r"\s+[-~–—]+\s+|\s*~\s*|\.\s+arxiv preprint.*|\s*arxiv[:\s]\s*\S+.*|\s\d{4}$", re.IGNORECASE
)
QUOTES = re.compile(
    r"\"([^\"\r\n]{6,300})\"|“([^”\r\n]{6,300})”|„([^“”\r\n]{6,300})[“”]"
    r"|《([^》\r\n]{2,300})》|«([^»\r\n]{6,300})»|「([^」\r\n]{6,300})」"
)
TITLE_FOLLOWERS = ("-", "~", "–", "http", "arXiv", "arxiv")
LIST_MARKER = re.compile(r"^[\s\-*•·>#\d.)]*")
TRIM = " \t.,;:-–—~'’\"()[]"
CJK_LANGUAGES = ("zh", "ja", "ko")

MIN_TITLE_WORDS = 3
# Two-word spans ("Segment Anything") are candidates too, but link only on an exact title.
MIN_CANDIDATE_WORDS = 2
MAX_TITLE_WORDS = 30
NAME_SUFFIX_WORD = re.compile(r"[a-zäöüß]{3,}|[A-ZÄÖÜ][a-zäöüß]{3,}")
MODEL_SIZE = re.compile(r"\d+(?:\.\d+)?[BMKbmk]")

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
]


@dataclass(frozen=True)
class Candidate:
    line: int
    start: int
    end: int
    kind: str
    evidence: str | None
    standalone: bool


def find_arxiv_ids(text: str, offset: int = 0) -> Iterator[tuple[int, int, str]]:
    """(start, end, normalised id) for every arXiv id written in ``text``."""
    taken: list[tuple[int, int]] = []
    for pattern in ARXIV_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            yield offset + m.start(), offset + m.end(), m.group("id")


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    # A title may end with "?" or a closing bracket it opened.
    if end < len(text) and text[end] == "?":
        end += 1
    opened = text[start:end].count("(") > text[start:end].count(")")
    if end < len(text) and text[end] == ")" and opened:
        end += 1
    return start, end


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split a run at URLs and title separators into trimmed pieces."""
    cuts = [(m.start() + start, m.end() + start) for m in URL_LIKE.finditer(text[start:end])]
    cuts += [(m.start() + start, m.end() + start) for m in SEPARATORS.finditer(text[start:end])]
    position = start
    for cut_start, cut_end in sorted(cuts):
        if cut_start > position:
            yield _trimmed(text, position, cut_start)
        position = max(position, cut_end)
    if position < end:
        yield _trimmed(text, position, end)


def _word_count(text: str) -> int:
    return len(LATIN_WORD.findall(text))


def _looks_like_title(text: str) -> bool:
    """Title-like enough to be reported even when no catalog title resembles it."""
    words = LATIN_WORD.findall(text)
    if text.count(",") > 2 or text.endswith(".") or not text[:1].isupper():
        return False
    return MIN_TITLE_WORDS <= len(words) <= MAX_TITLE_WORDS


def _separated(text: str) -> bool:
    """True when ``text`` (what stands between a span and its line's edge) is empty or ends in
    a list separator, so the span stands on its own."""
    stripped = text.rstrip()
    return not stripped.strip(TRIM) or stripped.endswith(("-", "~", "–", "—", "》", "：", ":"))


def _english(text: str, segment: Segment) -> bool:
    return segment.language in CJK_LANGUAGES or segment_language(text, segment.language) == "en"


def title_spans(text: str, segment: Segment, line: int) -> Iterator[Candidate]:
    """English-title candidates in one line.

    A whole English line, a quoted English phrase or an English run inside a CJK line can hold
    a title; ``standalone`` says whether the span stands alone (fills its line or its quotes
    and looks like a title), which makes it a mention even when no catalog title resembles it.
    """
    line_text = text[segment.start : segment.end]
    content_start = segment.start + LIST_MARKER.match(line_text).end()
    quoted = [
        (segment.start + m.start(i), segment.start + m.end(i))
        for m in QUOTES.finditer(line_text)
        for i in range(1, 7)
        if m.group(i)
    ]
    regions = [(s, e, True) for s, e in quoted]
    if segment.language in ("en", *CJK_LANGUAGES):
        regions.append((segment.start, segment.end, False))
    seen: set[tuple[int, int]] = set()
    for region_start, region_end, in_quotes in regions:
        edge = region_start if in_quotes else content_start
        for run in LATIN_RUN.finditer(text, region_start, region_end):
            for start, end in _pieces(text, run.start(), run.end()):
                surface = text[start:end]
                words = _word_count(surface)
                if (start, end) in seen or not MIN_CANDIDATE_WORDS <= words <= MAX_TITLE_WORDS:
                    continue
                if in_quotes and not _english(surface, segment):
                    continue
                seen.add((start, end))
                after = text[end:region_end].strip()
                alone = _separated(text[edge:start]) and (
                    not after.strip(TRIM) or after.startswith(TITLE_FOLLOWERS)
                )
                yield Candidate(
                    line, start, end, "english_title", None, alone and _looks_like_title(surface)
                )


LATIN_ALNUM = "A-Za-z0-9\u00c0-\u024f"
ALIAS_SEPARATORS = re.compile(r"[\s_-]+")
MIN_PHRASE_ALIAS_LETTERS = 8


def _phrase_like(alias: str) -> bool:
    """Multi-part names ("Self-Consistency") are matched in any letter case; short names
    ("Adam", "SAM") only as written, since lower-case forms are ordinary words."""
    parts = [p for p in ALIAS_SEPARATORS.split(alias) if p]
    return len(parts) > 1 and sum(c.isalpha() for c in alias) >= MIN_PHRASE_ALIAS_LETTERS


def alias_key(alias: str) -> str:
    """Aliases match whatever spaces, hyphens or underscores a writer puts between parts."""
    key = ALIAS_SEPARATORS.sub("", alias)
    return key.casefold() if _phrase_like(alias) else key


def build_alias_pattern(aliases: list[str]) -> re.Pattern[str] | None:
    """One regex for all aliases, longest first, tolerant of separators between alias parts.

    Boundaries are Latin letters and digits only (Python's \\w also matches Han characters,
    and "LoRA论文" must match "LoRA").
    """
    variants = sorted({a for a in aliases if alias_key(a)}, key=lambda a: (-len(a), a))
    if not variants:
        return None
    parts = []
    for alias in variants:
        chunks = [re.escape(c) for c in ALIAS_SEPARATORS.split(alias) if c]
        body = r"[\s_-]?".join(chunks)
        parts.append(f"(?i:{body})" if _phrase_like(alias) else body)
    # Not inside a longer word, not a version of the alias ("GPT-3.5"), not after "Lit-".
    return re.compile(
        rf"(?<![{LATIN_ALNUM}])(?<![{LATIN_ALNUM}]-)(?:{'|'.join(parts)})"
        rf"(?![{LATIN_ALNUM}+])(?!\.\d)"
    )


def _name_continues(text: str, end: int, language: str) -> bool:
    """True when a hyphen after an alias leads into a different name ("Transformer-XL")."""
    if end >= len(text) or text[end] != "-":
        return False
    following = re.match(r"[\w.]+", text[end + 1 :])
    if not following:
        return False
    word = following.group()
    if MODEL_SIZE.fullmatch(word):
        return False
    if language == "de" and NAME_SUFFIX_WORD.fullmatch(word):
        return False
    return not re.fullmatch(r"[a-zäöüß]{3,}", word)


def name_spans(
    text: str, segment: Segment, line: int, pattern: re.Pattern[str] | None
) -> Iterator[Candidate]:
    if pattern is None:
        return
    for m in pattern.finditer(text, segment.start, segment.end):
        if _name_continues(text, m.end(), segment.language):
            continue
        yield Candidate(line, m.start(), m.end(), "name", alias_key(m.group()), False)


def extract_mentions(
    source_file: str, text: str, segments: list[Segment], alias_pattern: re.Pattern[str] | None
) -> pd.DataFrame:
    """Candidate mentions of one document, sorted by position."""
    rows = []
    for line, segment in enumerate(segments):
        found: list[Candidate] = [
            Candidate(line, s, e, "arxiv_id", arxiv_id, False)
            for s, e, arxiv_id in find_arxiv_ids(text[segment.start : segment.end], segment.start)
        ]
        found += title_spans(text, segment, line)
        found += name_spans(text, segment, line, alias_pattern)
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
            )
            for c in found
        ]
    frame = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
    return frame.sort_values(["start", "end", "kind"], kind="stable").reset_index(drop=True)


def alias_lookup(catalog_aliases: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """alias key -> sorted paper ids that carry it."""
    table: dict[str, set[str]] = {}
    for paper_id, aliases in catalog_aliases.items():
        for alias in aliases:
            table.setdefault(alias_key(alias), set()).add(paper_id)
    return {key: sorted(ids) for key, ids in table.items()}


def extract_all(sources: pd.DataFrame, aliases: list[str]) -> pd.DataFrame:
    """Candidate mentions of every readable document."""
    pattern = build_alias_pattern(aliases)
    frames = [
        extract_mentions(row.source_file, row.text, row.segments, pattern)
        for row in sources.itertuples()
        if isinstance(row.text, str)
    ]
    if not frames:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    return pd.concat(frames, ignore_index=True)
