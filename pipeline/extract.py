"""Find candidate paper mentions in a decoded text, each with exact code-point offsets.

Every pattern here is a single character class or a bounded alternation, so matching time is
linear in the text length (no catastrophic backtracking on long lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from pipeline.crosslingual import find_author_references
from pipeline.language import URL_HINT, Segment, segment_language

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
        rf"(?<![\w/])arxiv(?: preprint)?(?: arxiv)?\s?[:：]?\s?{ARXIV_ID}(?!\w|\.\d)", re.IGNORECASE
    ),
)

# Runs of Latin-script text: letters, digits and the punctuation titles use.
LATIN_RUN = re.compile(r"[A-Za-z0-9\u00c0-\u024f'’.,:;!?&+/()\[\] \t-]+")
LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f'’-]*")
TOKEN = re.compile(r"\S+")
# Where a title ends: list separators and citation tails.
SEPARATORS = re.compile(
    r"\s+[-~–—]+\s+|\s*~\s*|\.\s+arxiv preprint.*|\s*arxiv[:\s]\s*\S+.*|\s\d{4}$", re.IGNORECASE
)
QUOTES = re.compile(
    r"\"([^\"\r\n]{6,300})\"|“([^”\r\n]{6,300})”|„([^“”\r\n]{6,300})[“”]"
    r"|《([^》\r\n]{2,300})》|«([^»\r\n]{6,300})»|「([^」\r\n]{6,300})」"
)
# "2015 Fast R-CNN": a timeline's year is not part of the title.
LEADING_YEAR = re.compile(r"(?:19|20)\d{2}\s+(?=[A-Za-z])")
ONLY_TRIM = re.compile(r"[\s.,;:\-–—~'’\"()\[\]]*")
SEPARATOR_LOOKBACK = 16
TITLE_FOLLOWERS = ("-", "~", "–", "http", "arXiv", "arxiv")
LIST_MARKER = re.compile(r"^[\s\-*•·>#\d.)]*")
TRIM = " \t.,;:-–—~'’\"()[]"
CJK_LANGUAGES = ("zh", "ja", "ko")

MIN_TITLE_WORDS = 3
MIN_DESCRIPTION_CHARS = 12
# Longer text describes more than one paper (and would cost time for nothing).
MAX_DESCRIPTION_CHARS = 2000
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
    """(start, end, normalised id) for every arXiv id written in ``text``; where two written
    forms overlap (an "arXiv:" inside a URL), the earlier pattern's wins."""
    found = [
        (m.start(), rank, m.end(), m.group("id"))
        for rank, pattern in enumerate(ARXIV_PATTERNS)
        for m in pattern.finditer(text)
    ]
    taken_until = -1
    for start, _, end, arxiv_id in sorted(found):
        if start < taken_until:
            continue
        taken_until = end
        yield offset + start, offset + end, arxiv_id


def url_tokens(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """Whitespace-separated tokens that look like URLs or paths (linear: no backtracking)."""
    return (m for m in TOKEN.finditer(text, start, end) if URL_HINT.search(m.group()))


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
    cuts = [(m.start(), m.end()) for m in url_tokens(text, start, end)]
    cuts += [(m.start() + start, m.end() + start) for m in SEPARATORS.finditer(text[start:end])]
    year = LEADING_YEAR.match(text, start, end)
    position = year.end() if year else start
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
                alone = _stands_after(text, edge, start) and _stands_before(text, end, region_end)
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


# Words that make a name into a description of a use or a size ("BERT-based", "LoRA-tuned",
# "T5-base", Malay "Transformer-nya"); any other word after a hyphen makes another name
# ("LoRA-drop", "Transformer-XL").
USAGE_SUFFIX = re.compile(
    r"based|style|like|type|sized|scale|level|specific|only|free|compatible|tuned|finetuned"
    r"|trained|pretrained|enhanced|powered|driven|guided|inspired|aware|augmented|generated"
    r"|derived|family|series|base|large|small|tiny|mini|medium|nya"
)
FOLLOWING_WORD = re.compile(r"[\w.]+")


def _name_continues(text: str, end: int, language: str) -> bool:
    """True when a hyphen after an alias leads into a different name ("Transformer-XL",
    "LoRA-drop") rather than a use of it ("LoRA-based", German "BERT-Modelle")."""
    if end >= len(text) or text[end] != "-":
        return False
    following = FOLLOWING_WORD.match(text, end + 1)
    if not following:
        return False
    word = following.group()
    if MODEL_SIZE.fullmatch(word):
        return False
    if language == "de" and NAME_SUFFIX_WORD.fullmatch(word):
        return False
    return not USAGE_SUFFIX.fullmatch(word)


def name_spans(
    text: str, segment: Segment, line: int, pattern: re.Pattern[str] | None
) -> Iterator[Candidate]:
    if pattern is None:
        return
    for m in pattern.finditer(text, segment.start, segment.end):
        if _name_continues(text, m.end(), segment.language):
            continue
        yield Candidate(line, m.start(), m.end(), "name", alias_key(m.group()), False)


CJK_SENTENCE = re.compile(r"[^。！？；!?;\r\n]+")
LATIN_SENTENCE = re.compile(r"[^.!?;\r\n]+(?:[.!?;](?!\S)|$)")
CAPITALISED_RUN = re.compile(
    r"(?<=[a-z\u00df-\u00ff,] )(?:[A-Z][a-z\u00e0-\u00ff]+[ -]){1,5}[A-Z][a-z\u00e0-\u00ff]+"
)
HEADING_MAX_WORDS = 20
HEADING_MAX_CJK_CHARS = 30
NAME_PREFIX_MAX_WORDS = 3
# Languages whose writers capitalise every noun: a capitalised run there is not a name.
CAPITALISE_NOUNS = ("de", "lb")


def _cjk_count(text: str) -> int:
    return sum(1 for c in text if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff")


def _heading_like(text: str, cjk: bool) -> bool:
    """Short, unpunctuated lines are headings and list entries, where titles stand."""
    if cjk:
        return 2 <= _cjk_count(text) <= HEADING_MAX_CJK_CHARS and not re.search("[，。,；]", text)
    words = _word_count(text)
    return 2 <= words <= HEADING_MAX_WORDS and not text.rstrip().endswith((".", ",", ";"))


def translated_spans(text: str, segment: Segment, line: int) -> Iterator[Candidate]:
    """Candidates for titles written in the segment's own (non-English) language.

    Headings and list entries (also the part after a "Name:" prefix), quoted phrases, and in
    languages that do not capitalise common nouns, capitalised runs inside a sentence.
    """
    if segment.language == "en":
        return
    cjk = segment.language in CJK_LANGUAGES
    line_text = text[segment.start : segment.end]
    content_start = segment.start + LIST_MARKER.match(line_text).end()
    start, end = _trimmed(text, content_start, segment.end)
    if start < end and _heading_like(text[start:end], cjk):
        yield Candidate(line, start, end, "translated_title", None, True)
        prefix, colon, _ = text[start:end].partition(":")
        if colon and len(prefix.split()) <= NAME_PREFIX_MAX_WORDS:
            rest_start, rest_end = _trimmed(text, start + len(prefix) + 1, end)
            if rest_start < rest_end and _heading_like(text[rest_start:rest_end], cjk):
                yield Candidate(line, rest_start, rest_end, "translated_title", None, True)
    for m in QUOTES.finditer(line_text):
        group = next(i for i in range(1, 7) if m.group(i))
        q_start, q_end = _trimmed(
            text, segment.start + m.start(group), segment.start + m.end(group)
        )
        quoted = text[q_start:q_end]
        if (_cjk_count(quoted) >= 2 if cjk else _word_count(quoted) >= 2) and not (
            not cjk and _english(quoted, segment)
        ):
            yield Candidate(line, q_start, q_end, "translated_title", None, True)
    if not cjk and segment.language not in CAPITALISE_NOUNS:
        for m in CAPITALISED_RUN.finditer(text, segment.start, segment.end):
            yield Candidate(line, m.start(), m.end(), "translated_title", None, False)


def description_spans(text: str, segment: Segment, line: int) -> Iterator[Candidate]:
    """Sentences and paragraphs of non-English text, which may describe a paper without
    naming it."""
    if segment.language == "en":
        return
    pattern = CJK_SENTENCE if segment.language in CJK_LANGUAGES else LATIN_SENTENCE
    spans = {
        _trimmed(text, m.start(), m.end())
        for m in pattern.finditer(text, segment.start, segment.end)
    }
    # The whole paragraph too: a description often spreads over several sentences.
    spans.add(_trimmed(text, segment.start, segment.end))
    for start, end in sorted(spans):
        if MIN_DESCRIPTION_CHARS <= end - start <= MAX_DESCRIPTION_CHARS:
            yield Candidate(line, start, end, "description", None, False)


def author_spans(text: str, segment: Segment, line: int) -> Iterator[Candidate]:
    for start, end, evidence in find_author_references(text, segment.start, segment.end):
        yield Candidate(line, start, end, "description", evidence, False)


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
        found += translated_spans(text, segment, line)
        found += description_spans(text, segment, line)
        found += author_spans(text, segment, line)
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
