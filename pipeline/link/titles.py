"""Evidence from English titles: spans that may hold a title, and the fuzzy-title decision.

Titles are compared in a compact form (NFKC, case-folded, punctuation and spaces removed, so
that `fromMulti-Head` equals `from Multi-Head`) with rapidfuzz ``ratio`` over the candidates
of the blocked title index. ``token_set_ratio`` and ``partial_ratio`` were rejected: they give
100 to a title that is part of a longer one ("Attention Is All You Need" vs "... in Speech
Separation").
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from pipeline.language import Segment
from pipeline.link.decision import Decision, ambiguous
from pipeline.link.expansions import name_letters, spells
from pipeline.link.frequencies import zipf_frequency
from pipeline.link.policy import LinkPolicy
from pipeline.link.references import (
    LIST_TAG,
    MARKED_ENTRY,
    YEAR,
    ReferenceEntry,
    reference_entry,
)
from pipeline.link.terms import STOPWORDS, foreign_stopwords, stem
from pipeline.link.text import (
    CJK_LANGUAGES,
    LATIN_RUN,
    LATIN_WORD,
    LIST_MARKER,
    PAPER_WORDS_CJK,
    PAPER_WORDS_LATIN,
    cjk_count,
    is_english,
    link_anchor_spans,
    quoted_spans,
    trimmed,
    url_tokens,
    word_count,
)
from pipeline.link.title_index import compact_title, normalize_title

# Where a title ends: list separators and citation tails.
SEPARATORS = re.compile(
    r"\s+[-~–—]+\s+|\s*~\s*|\.\s+arxiv preprint.*|\s*arxiv[:\s]\s*\S+.*|\s\d{4}$|\.\s+in\s.*"
    r"|\s*\(\s*(?:19|20)\d{2}[a-z]?\s*\)|\s*;\s*",
    re.IGNORECASE,
)
# "2015 Fast R-CNN": a timeline's year is not part of the title (nor is a list's "[2018 CVPR]").
LEADING_YEAR = re.compile(r"(?:19|20)\d{2}\s+(?=[A-Za-z])")
# A field's label before a title, in notes on papers: "Title: A Survey on Vision Transformer",
# "Paper: ...", "Judul: ..." (Indonesian), "Tajuk: ..." (Malay), "Titel: ..." (German).
TITLE_LABEL = re.compile(
    r"\s*(?:(?:Paper\s+)?[Tt]itle|Paper|Titel|Judul|Tajuk)\s?[:：]\s*(?=[A-Za-z])"
)
NUMBER = re.compile(r"\d+")
ONLY_TRIM = re.compile(r"[\s.,;:\-–—~'’\"()\[\]]*")
SEPARATOR_LOOKBACK = 16
TITLE_FOLLOWERS = ("-", "~", "–", ";", "http", "arXiv", "arxiv")
# After a title: ". In AAAI 2019", "(Vaswani et al., 2017)", ", 2020", "[12]".
CITATION_TAIL = re.compile(
    r"[\s.,:;“”„\"'’»」》]{0,4}(?:[Ii]n\s+[A-Z]"
    r"|\(?\s*[A-Z][^\s()]{1,30}(?: et al\.?| u\. ?a\.| dkk\.?)"
    r"|\(?(?:19|20)\d{2}\b|\[\d{1,3}\])"
)
# "Residual Neural Network (ResNet)": a term followed by its abbreviation.
ABBREVIATION_AT_END = re.compile(r"\(\s*[\w-]*[A-Z][\w-]*[A-Z][\w-]*\s*\)$")
# "MCD, Maximum classifier discrepancy", "Visual Prompt Tuning, VPT", "T5, Text-to-Text
# Transfer Transformer", "CLIP (Contrastive ...)": a name and what it stands for.
NAME_BESIDE = re.compile(
    r"^(?:[\w-]*[A-Z][\w-]*[A-Z][\w-]*|[A-Za-z-]*\d[\w-]*)(?:,\s|\s?\()"
    r"|,\s*[\w-]*[A-Z][\w-]*[A-Z][\w-]*$"
)
# Where a model name at the start of a written title ends.
NAME_END = re.compile(r"[:(（]")
MIXED_ALNUM = re.compile(r"[A-Za-z]\d|\d[A-Za-z]")
URL_OR_ID = re.compile(r"https?://|www\.|arxiv", re.IGNORECASE)
# Evidence that a span is written as a title (not as a phrase that happens to equal one).
QUOTED, LINKED, REFERENCE, CITED, RUNNING = "quoted", "linked", "reference", "cited", "running"
# The text of a link to a paper's PDF or its page at a publisher: as sure as a reference entry.
PAPER_LINK = "paper_link"
# A title the page calls a paper, right before it: 'das Paper „PFA-GAN: ...“',
# 'Paper *"Leveraging passage retrieval ..."*', '论文名: Rewrite the Stars', 'makalah berjudul
# "..."': as sure as a reference entry.
NAMED_PAPER = "named_paper"
# A line that holds only an English title in a page written in Chinese, Japanese or Korean
# (a reading list, notes that give each paper a heading). Such lines are a list of papers
# only when the catalog knows enough of them (see ``resolve``): English headings of other
# things look the same.
TITLE_LIST = "title_list"
TITLE_EVIDENCE = frozenset(
    {QUOTED, LINKED, REFERENCE, CITED, RUNNING, PAPER_LINK, NAMED_PAPER, TITLE_LIST}
)
# Before a title on a line of its own: a heading's or list item's mark ("### ", "- ",
# "1、", "2. "), then perhaps emphasis.
TITLE_LINE_MARKER = re.compile(r"\s*(?:#{1,6}\s+|[-*+•·]\s+|\d{1,3}\s*[.、)]\s*)*[*_]{0,2}")
# What a line holding only a title does not hold: signs of code or formulas, quotes (a title
# quoted in a sentence), brackets (a name and what it stands for, a note), a web address.
TITLE_LINE_NOISE = re.compile(r"[=_/\\{}\[\]()（）<>|`$^~→\"“”„«»]|https?:")
# A label before a colon that says what follows is not a title: "Authors: ...", "Source:".
LABEL_BEFORE_COLON = re.compile(r"([A-Z][a-z]+)\s?[:：]")
# A word for a paper (German, English, Malay, Indonesian, Chinese), perhaps with "titled"
# ("论文名", "论文题目": the paper's name, title), then only quotes, brackets, emphasis or a
# colon before the title.
PAPER_BEFORE = re.compile(
    rf"(?:(?<![A-Za-z])(?:{PAPER_WORDS_LATIN}|[Mm]akalah|[Kk]ertas(?: kerja)?)"
    rf"(?:\s(?:titled|entitled|berjudul|bertajuk|mit dem Titel))?"
    rf"|(?:{PAPER_WORDS_CJK})(?:名|题目|題目)?)"
    r"[\s*_\[“”\"„«‚‘'《:：]*$"
)
# How far before a title the word for a paper is looked for.
PAPER_WORD_LOOKBACK = 32
# A note in brackets after a title: its text in another script ("Title(TC量化)"), a model
# name ("(DDPM)").
BRACKETED_NOTE = re.compile(r"\s*[(（][^()（）]{1,30}[)）]")
# Where papers are published (besides arXiv, whose ids are read directly) and PDFs: the pages
# of publishers, proceedings and paper indexes.
PAPER_URL = re.compile(
    r"\.pdf(?:[?#]|$)|[/=]10\.\d{4,9}/"  # a PDF; a DOI in the path or query (any publisher)
    r"|//(?:[\w-]+\.)*(?:doi\.org|openreview\.net|aclanthology\.org"
    r"|proceedings\.mlr\.press|papers\.nips\.cc|proceedings\.neurips\.cc|dl\.acm\.org"
    r"|ieeexplore\.ieee\.org|link\.springer\.com|semanticscholar\.org|openaccess\.thecvf\.com"
    r"|ojs\.aaai\.org|ijcai\.org/proceedings|jmlr\.org/papers|isca-archive\.org"
    r"|aclweb\.org/anthology|researchgate\.net/publication|sciencedirect\.com/science/article"
    r"|pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pmc/articles)/"
    r"|//(?:www\.)?nature\.com/articles/(?!d\d)",  # its news pieces are /articles/d41586-...
    re.IGNORECASE,
)
# A title whose near catalog titles all put other words in place of its own.
OTHER_WORDS = "title_other_words"
# Papers outside the catalog get a stable id from their written title.
OUTSIDE_ID_PREFIX = "ref:title-"
OUTSIDE_ID_HEX = 16
# Languages whose titles are not English titles (a paper outside the catalog needs one).
OTHER_TITLE_LANGUAGES = ("de", "fr", "es", "it", "nl", "pt", "ms", "id")


def title_words(title: str) -> int:
    return len(LATIN_WORD.findall(title))


# What may stand between two words of a title written inside a sentence ("BERT: Pre-training").
TITLE_GAP = re.compile(r"[\s:,\-–—'’/]{1,3}")


def title_key_hash(key: str) -> int:
    """A 64-bit hash of a compact title, the same in every process."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


# A title key's first characters, hashed apart: most places in a sentence begin no title, and
# one lookup of the first characters written there says so (instead of one per word added).
TITLE_PREFIX_CHARS = 8


def title_key_arrays(keys: Collection[str], words: Iterable[int]) -> dict[str, np.ndarray]:
    """The catalog's title keys as arrays, stored per catalog: the distinct hashes of the
    compact titles, sorted, with the most words and the length of a title of each (a set of
    2.5 million title strings held 300 MB in every process), and the distinct hashes of their
    first TITLE_PREFIX_CHARS characters, sorted. ``keys`` is read one at a time and every
    count is an array (a dictionary of the hashes took 700 MB to build at 2.5M titles)."""
    hashes = np.empty(len(keys), dtype=np.uint64)
    prefixes = np.empty(len(keys), dtype=np.uint64)
    lengths = np.empty(len(keys), dtype=np.int32)
    for position, key in enumerate(keys):
        hashes[position] = title_key_hash(key)
        prefixes[position] = title_key_hash(key[:TITLE_PREFIX_CHARS])
        lengths[position] = len(key)
    counts = np.fromiter(words, dtype=np.int32, count=len(keys))
    if not len(keys):
        return {"hashes": hashes, "words": counts, "lengths": lengths, "prefixes": prefixes}
    order = np.argsort(hashes, kind="stable")
    hashes = hashes[order]
    firsts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    return {
        "hashes": hashes[firsts],
        "words": np.maximum.reduceat(counts[order], firsts),
        "lengths": np.maximum.reduceat(lengths[order], firsts),
        "prefixes": np.unique(prefixes),
    }


class TitleKeys:
    """The compact forms of the catalog's titles of at least ``min_words`` words: an English
    title written unquoted inside a German or Malay sentence is found by equality with one
    (by its hash: two titles whose hashes collide are one in 10^19 per lookup, and a span
    found is then decided against the catalog's titles)."""

    def __init__(self, arrays: Mapping[str, np.ndarray], min_words: int) -> None:
        """``arrays``: ``title_key_arrays`` (e.g. stored and memory-mapped)."""
        self.min_words = min_words
        self._hashes = arrays["hashes"]
        self._words = arrays["words"]
        self._prefixes = arrays["prefixes"]
        long_enough = np.asarray(self._words) >= min_words
        lengths = np.asarray(arrays["lengths"])[long_enough]
        self.longest = int(lengths.max()) if len(lengths) else 0

    @classmethod
    def of_titles(cls, titles: Iterable[str], min_words: int) -> TitleKeys:
        titles = list(titles)
        keys = [compact_title(t) for t in titles]
        return cls(title_key_arrays(keys, map(title_words, titles)), min_words)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or not self.longest:
            return False
        hashed = np.uint64(title_key_hash(key))
        position = int(np.searchsorted(self._hashes, hashed))
        return (
            position < len(self._hashes)
            and self._hashes[position] == hashed
            and int(self._words[position]) >= self.min_words
        )

    def may_begin(self, joined: str) -> bool:
        """Whether some title key begins with ``joined``'s first TITLE_PREFIX_CHARS
        characters (``joined`` at least that long): when none does, neither ``joined`` nor
        anything longer that begins with it is a key."""
        hashed = np.uint64(title_key_hash(joined[:TITLE_PREFIX_CHARS]))
        position = int(np.searchsorted(self._prefixes, hashed))
        return position < len(self._prefixes) and self._prefixes[position] == hashed

    def __bool__(self) -> bool:
        return self.longest > 0


def _compact_word(word: str) -> str:
    """``compact_title`` of one LATIN_WORD: one of ASCII letters and digits is only lowered
    (most words are)."""
    return word.lower() if word.isascii() and word.isalnum() else compact_title(word)


def embedded_title_spans(
    text: str, segment: Segment, keys: TitleKeys, policy: LinkPolicy
) -> Iterator[tuple[int, int]]:
    """(start, end) of every catalog title written word for word (case and punctuation aside)
    in running text of a Latin-script language other than English ("Das Paper Attention Is
    All You Need zeigte ..."): such lines are not cut into English pieces, so only an exact
    title of several words, starting with a capital, is taken. The longest title at a place
    wins."""
    words = [
        (m.start(), m.end(), _compact_word(m.group()))
        for m in LATIN_WORD.finditer(text, segment.start, segment.end)
    ]
    i = 0
    while i < len(words):
        last = None
        if text[words[i][0]].isupper():
            joined = words[i][2]
            begun = False  # whether ``joined`` is known to begin some title key
            for j in range(i + 1, min(len(words), i + policy.max_title_words)):
                if not begun and len(joined) >= TITLE_PREFIX_CHARS:
                    if not keys.may_begin(joined):
                        break
                    begun = True
                if not TITLE_GAP.fullmatch(text, words[j - 1][1], words[j][0]):
                    break
                joined += words[j][2]
                if len(joined) > keys.longest:
                    break
                if j + 1 - i >= keys.min_words and joined in keys:
                    last = j
        if last is None:
            i += 1
            continue
        yield words[i][0], words[last][1]
        i = last + 1


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split a run at URLs and title separators into trimmed pieces, without what leads it: a
    list's tag, a timeline's year or a field's label."""
    cuts = [(m.start(), m.end()) for m in url_tokens(text, start, end)]
    cuts += [(m.start() + start, m.end() + start) for m in SEPARATORS.finditer(text[start:end])]
    lead = (
        LIST_TAG.match(text, start, end)
        or LEADING_YEAR.match(text, start, end)
        or TITLE_LABEL.match(text, start, end)
    )
    position = lead.end() if lead else start
    for cut_start, cut_end in sorted(cuts):
        if cut_start > position:
            yield _without_note(text, *_closed(text, *trimmed(text, position, cut_start)))
        position = max(position, cut_end)
    if position < end:
        yield _without_note(text, *_closed(text, *trimmed(text, position, end)))


def _without_note(text: str, start: int, end: int) -> tuple[int, int]:
    """A piece without the note in brackets that ends it ("... Language Model (Paper)",
    "... Human Knowledge (AlphaGo Zero)", "... (de Marneffe et al., 2012)"): titles seldom
    end in brackets (0.7 % of arXiv titles), pages often annotate them so. A note that may
    be an abbreviation stays: "Residual Neural Network (ResNet)" is a term being defined,
    and "(DeepVideo)", "(IJCAI2019)" may be either."""
    if end - start < 2 or text[end - 1] not in ")）":
        return start, end
    opened = max(text.rfind("(", start, end), text.rfind("（", start, end))
    if opened <= start or not BRACKETED_NOTE.fullmatch(text, opened, end):
        return start, end
    if ABBREVIATION_AT_END.search(text, opened, end):
        return start, end
    note = text[opened + 1 : end - 1].strip()
    if " " not in note and spells(name_letters(note), text[start:opened]):
        return start, end
    return trimmed(text, start, opened)


def _closed(text: str, start: int, end: int) -> tuple[int, int]:
    """A piece without a bracket it opens and does not close ("Segmentation(TC" of
    "Segmentation(TC量化)": the note goes on in another script)."""
    opened = text.rfind("(", start, end)
    if opened > start and opened > text.rfind(")", start, end):
        return trimmed(text, start, opened)
    return start, end


def looks_like_title(text: str, policy: LinkPolicy, year_allowed: bool = False) -> bool:
    """Title-like enough to be reported even when no catalog title resembles it. Not a term
    with its abbreviation ("Latent diffusion model (LDM)", "MCD, Maximum classifier
    discrepancy": a name being defined) and not text holding a year ("In March 2025, ...":
    a timeline's sentence; a title's year stands beside it, in its reference), unless
    ``year_allowed`` (a cell of a column of titles: "A ConvNet for the 2020s")."""
    words = LATIN_WORD.findall(text)
    if text.count(",") > 2 or text.endswith(".") or not text[:1].isupper():
        return False
    if ABBREVIATION_AT_END.search(text) or NAME_BESIDE.search(text):
        return False
    if not year_allowed and YEAR.search(text):
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
    """True when nothing but separators (and a short note in brackets) follows ``end`` up
    to the region's end, or what follows starts with a list separator, a link or a
    citation."""
    if ONLY_TRIM.fullmatch(text, end, region_end):
        return True
    note = BRACKETED_NOTE.match(text, end, region_end)
    if note and ONLY_TRIM.fullmatch(text, note.end(), region_end):
        return True
    after = text[end : min(region_end, end + SEPARATOR_LOOKBACK)].strip()
    return after.startswith(TITLE_FOLLOWERS) or bool(CITATION_TAIL.match(after))


def title_spans(
    text: str,
    segment: Segment,
    policy: LinkPolicy,
    keys: TitleKeys | None = None,
    in_references: bool = False,
    listed: bool = False,
) -> Iterator[tuple[int, int, bool, str | None]]:
    """(start, end, standalone, evidence) for every English-title candidate in one line
    (``evidence``: how it is marked as a title, see ``title_evidence``).

    A whole English line, a quoted English phrase, an English run inside a CJK line or, with
    ``keys``, a catalog title written inside a sentence of another language (see
    ``embedded_title_spans``) can hold a title; ``standalone`` says whether the span stands
    alone (fills its line or its quotes and looks like a title), which makes it a mention
    even when no catalog title resembles it.
    """
    line_text = text[segment.start : segment.end]
    content_start = segment.start + LIST_MARKER.match(line_text).end()
    # (start, end, bounded, evidence): a bounded region (quotes, a link's text, a table
    # cell) holds only English candidates, each standing alone when it fills the region.
    regions: list[tuple[int, int, bool, str | None]] = [
        (s, e, True, QUOTED) for s, e in quoted_spans(line_text, segment.start)
    ]
    regions += [
        (s, e, True, PAPER_LINK if PAPER_URL.search(url) else LINKED)
        for s, e, url in link_anchor_spans(line_text, segment.start)
    ]
    if segment.language in ("en", *CJK_LANGUAGES):
        regions.append((content_start, segment.end, False, None))
    else:  # a table row in another language: its English cells (a title beside its authors)
        regions += [(s, e, True, None) for s, e in table_cell_spans(line_text, segment.start)]
    seen: set[tuple[int, int]] = set()
    entry = reference_entry(line_text)
    marked = line_evidence(line_text, entry, in_references, listed)
    if entry is not None:
        start, end = segment.start + entry.title_start, segment.start + entry.title_end
        surface = text[start:end]
        if policy.min_candidate_words <= word_count(surface) <= policy.max_title_words:
            seen.add((start, end))
            yield start, end, entry.paper and looks_like_title(surface, policy), REFERENCE
    for region_start, region_end, bounded, region_evidence in regions:
        edge = region_start if bounded else content_start
        for run in LATIN_RUN.finditer(text, region_start, region_end):
            for start, end in _pieces(text, run.start(), run.end()):
                surface = text[start:end]
                words = word_count(surface)
                if (start, end) in seen or not (
                    policy.min_candidate_words <= words <= policy.max_title_words
                ):
                    continue
                if bounded and not is_english(surface, segment):
                    continue
                seen.add((start, end))
                # In a reference entry only its title stands alone, not the authors or venue.
                alone = entry is None and (
                    _stands_after(text, edge, start) and _stands_before(text, end, region_end)
                )
                evidence = region_evidence or title_evidence(text, segment, start, end, marked)
                if evidence != PAPER_LINK and _named_as_paper(text, segment.start, start):
                    evidence = NAMED_PAPER
                yield start, end, alone and looks_like_title(surface, policy), evidence
    if keys and segment.language != "en" and segment.language not in CJK_LANGUAGES:
        for start, end in embedded_title_spans(text, segment, keys, policy):
            if (start, end) not in seen:
                seen.add((start, end))
                evidence = title_evidence(text, segment, start, end, marked)
                yield start, end, False, evidence


def _named_as_paper(text: str, line_start: int, start: int) -> bool:
    """Whether a word for a paper stands right before ``start`` on its line."""
    before = text[max(line_start, start - PAPER_WORD_LOOKBACK) : start]
    return PAPER_BEFORE.search(before) is not None


def line_evidence(
    line: str, entry: ReferenceEntry | None, in_references: bool = False, listed: bool = False
) -> str | None:
    """What marks every title of a line: a link or an arXiv id on it, its being a
    reference-list entry (parsed, a list item with a year, or a line of a bibliography:
    ``in_references``) or a line of a list of titles (``listed``, see
    ``title_list_lines``)."""
    if URL_OR_ID.search(line):
        return LINKED
    if entry is not None or in_references or (MARKED_ENTRY.match(line) and YEAR.search(line)):
        return REFERENCE
    return TITLE_LIST if listed else None


def title_list_lines(lines: list[str], page_language: str, policy: LinkPolicy) -> list[bool]:
    """For each line of a page, whether it holds only a title in Latin letters
    (``_title_line``) in a page in Chinese, Japanese or Korean. Pages that list papers by
    their titles (reading lists, notes under each paper's title) cite many papers no catalog
    holds; in a page of another script English lines are too often the page's own
    headings."""
    if page_language not in CJK_LANGUAGES:
        return [False] * len(lines)
    return [_title_line(line, policy) for line in lines]


def _title_line(line: str, policy: LinkPolicy) -> bool:
    """A line that holds only a title: after its mark and a title label, title-like
    (``looks_like_title``), of at least ``title_line_min_words`` words whose content words
    are capitalised (``title_line_capitalised_share`` of them), with no CJK character, no
    noise (``TITLE_LINE_NOISE``) and no label of another field ("Authors: ..."). Whether it
    is English is asked only of a title reported outside the catalog (``_listed_titles``):
    it reads nine languages' word lists."""
    rest = line[TITLE_LINE_MARKER.match(line).end() :].strip().strip("*_").strip()
    if (label := TITLE_LABEL.match(rest)) is not None:
        rest = rest[label.end() :]
    if not rest or cjk_count(rest) or TITLE_LINE_NOISE.search(rest):
        return False
    other = LABEL_BEFORE_COLON.match(rest)
    if other and zipf_frequency(other[1].casefold(), "en") >= policy.common_word_zipf:
        return False
    words = LATIN_WORD.findall(rest)
    if len(words) < policy.title_line_min_words:
        return False
    content = [w for w in words if w.casefold() not in STOPWORDS]
    capitalised = sum(w[0].isupper() or w[0].isdigit() for w in content)
    return capitalised >= policy.title_line_capitalised_share * len(content) and (
        looks_like_title(rest, policy)
    )


def title_evidence(
    text: str, segment: Segment, start: int, end: int, marked: str | None
) -> str | None:
    """How a span outside quotes and links is marked as a title: by its line
    (``line_evidence``), with a citation right after it, or title-cased inside running Latin
    text; None when it is only a phrase."""
    if marked is not None:
        return marked
    if CITATION_TAIL.match(text, end, min(segment.end, end + 40)):
        return CITED
    if segment.language not in CJK_LANGUAGES and _inside_running_text(text, segment, start, end):
        return RUNNING
    return None


def _inside_running_text(text: str, segment: Segment, start: int, end: int) -> bool:
    """Title-cased words with running (lower-case) text on both sides within the line."""
    words = LATIN_WORD.findall(text[start:end])
    if not all(w[0].isupper() for w in words if len(w) > 3):
        return False
    before = LATIN_WORD.findall(text[max(segment.start, start - 40) : start])
    after = LATIN_WORD.findall(text[end : min(segment.end, end + 40)])
    return bool(before and after and before[-1].islower() and after[0].islower())


@lru_cache(maxsize=1 << 14)
def generic_title(title: str, policy: LinkPolicy) -> bool:
    """A short title made only of common English words ("Large Language Models", "Position
    Coding"): the same words are written as an ordinary phrase far more often."""
    words = LATIN_WORD.findall(title)
    return 0 < len(words) <= policy.generic_title_max_words and all(
        zipf_frequency(w, "en") >= policy.common_word_zipf for w in words
    )


def outside_paper_id(title: str) -> str:
    """A stable id for a paper known only by the title written in a source."""
    digest = hashlib.sha1(normalize_title(title).encode()).hexdigest()[:OUTSIDE_ID_HEX]
    return OUTSIDE_ID_PREFIX + digest


def written_in_english(title: str, policy: LinkPolicy) -> bool:
    """Whether a title's words are more common in English than in any other Latin-script
    language a reference list holds (books and papers in French, German, Malay...), and it
    holds no function word of one of those ("Auto-Encoder untuk anomaly detection pada flight
    data" paraphrases a title in Indonesian)."""
    words = [w.casefold() for w in LATIN_WORD.findall(title)]
    if any(_foreign_function_word(w, policy.foreign_word_zipf_gap) for w in words):
        return False
    english = sum(zipf_frequency(w, "en") for w in words)
    return all(
        english >= sum(zipf_frequency(w, language) for w in words)
        for language in OTHER_TITLE_LANGUAGES
    )


@lru_cache(maxsize=1 << 14)
def _foreign_function_word(word: str, gap: float) -> bool:
    """A function word of another title language, far more frequent there than in English."""
    english = zipf_frequency(word, "en")
    return any(
        word in foreign_stopwords(language) and zipf_frequency(word, language) - english >= gap
        for language in OTHER_TITLE_LANGUAGES
    )


def outside_title(surface: str, evidence: str | None, standalone: bool, policy: LinkPolicy) -> bool:
    """An English title that matches no catalog paper is kept as a paper of its own only on
    clear evidence: in a reference-list entry, as the text of a link to a paper's PDF or
    publisher page or after a word for a paper, standing alone, title-like. Quotes are not
    enough: they hold blog titles and prompts ("Let's think step by step") as often; so do
    links to other pages."""
    return (
        evidence in (REFERENCE, PAPER_LINK, NAMED_PAPER)
        and standalone
        and _own_title(surface, policy)
    )


def _own_title(surface: str, policy: LinkPolicy, year_allowed: bool = False) -> bool:
    """Long enough, title-like and English: what a written title needs to be reported as a
    paper of its own, however the page marks it."""
    return (
        len(LATIN_WORD.findall(surface)) >= policy.min_outside_title_words
        and looks_like_title(surface, policy, year_allowed)
        and written_in_english(surface, policy)
    )


def _table_cells(line: object) -> list[str] | None:
    """The cells of a Markdown table row, None for a line that is no table row."""
    if not isinstance(line, str):
        return None
    row = line.strip()
    if not (row.startswith("|") and row.endswith("|")):
        return None
    return row[1:-1].split("|")


def table_cell(surface: str, line: object) -> tuple[int, int] | None:
    """(cells of the row, column) when ``surface`` fills a cell of a Markdown table row
    (bold or italic marks aside), else None."""
    cells = _table_cells(line) or []
    for column, cell in enumerate(cells):
        if cell.strip().strip("*_").strip() == surface:
            return len(cells), column
    return None


def table_cell_spans(line_text: str, offset: int) -> list[tuple[int, int]]:
    """(start, end) of the inside of every cell of a Markdown table row, offset into the
    text; none for a line that is no table row."""
    if _table_cells(line_text) is None:
        return []
    bars = [i for i, c in enumerate(line_text) if c == "|"]
    return [(offset + a + 1, offset + b) for a, b in itertools.pairwise(bars) if b - a > 1]


def dated_row(line: object) -> bool:
    """Whether a Markdown table row has a cell that is only a year ("2023", "(2019)"): the
    row of a table of works with their dates."""
    return any(YEAR.fullmatch(cell.strip(" *_()")) for cell in _table_cells(line) or [])


def listed_outside_title(surface: str, policy: LinkPolicy) -> bool:
    """A cell of a column of paper titles that matches no catalog title is a paper of its
    own when it looks like an English title (a year in it is part of the title there) and
    ends with no note in brackets ("... without Human Knowledge (AlphaGo Zero)")."""
    return not surface.endswith(")") and _own_title(surface, policy, year_allowed=True)


def name_prefix(title: str, policy: LinkPolicy) -> str:
    """The model name before a title's colon ("ChatDoctor" in "ChatDoctor: A Medical ...")."""
    head, colon, _ = title.partition(":")
    short = len(head.split()) <= policy.name_prefix_max_words
    return compact_title(head) if colon and short else ""


def written_name(surface: str, policy: LinkPolicy) -> str:
    """The model name a written title starts with, before a colon or a bracket ("CLIP" in
    "CLIP (Contrastive Language-Image Pre-training)"), when it is written as a name: a word
    with two capitals or with letters and digits."""
    head = NAME_END.split(surface, maxsplit=1)[0].strip()
    words = head.split()
    named = any(sum(c.isupper() for c in w) >= 2 or MIXED_ALNUM.search(w) for w in words)
    return compact_title(head) if named and len(words) <= policy.name_prefix_max_words else ""


def _other_name(surface: str, title: str, policy: LinkPolicy) -> bool:
    """A near title that names another model ("CLIP (...)" against "CLIMP: ..."): one
    letter apart is a typo in a sentence, but another artifact in a name."""
    theirs = name_prefix(title, policy)
    ours = written_name(surface, policy)
    return bool(theirs and ours) and theirs != ours


def _same_name(surface: str, title: str, policy: LinkPolicy) -> bool:
    """Both start with the same model name: the catalog holds the title of another arXiv
    version ("ChatDoctor: ..."), whose other words are a revision, not another work."""
    theirs = name_prefix(title, policy)
    return bool(theirs) and theirs == written_name(surface, policy)


def _near_same_work(surface: str, title: str, policy: LinkPolicy) -> bool:
    """A title in the review band that may be the written one's work: the same model name
    before the colon (another arXiv version's title), or no words of its own in place of
    or among the written ones."""
    return _same_name(surface, title, policy) or not _other_words(surface, title, policy)


def _inside_longer_title(surface: str, title: str) -> bool:
    """A written title found whole inside a catalog title behind words that are not that
    title's name and colon ("Long Short-Term Memory" in "Grid Long Short-Term Memory"): a
    qualifier in front makes another work, while writers do drop a title's "Name:" prefix
    ("Low-Rank Adaptation of ..." for "LoRA: Low-Rank Adaptation of ...") or cut its end."""
    written = normalize_title(surface).split()
    words = normalize_title(title).split()
    if len(written) < 2:
        return False
    head, colon, _ = title.partition(":")
    named = len(normalize_title(head).split()) if colon else 0
    for at in range(len(words) - len(written) + 1):
        if words[at : at + len(written)] == written:
            return at not in (0, named)
    return False


def _other_number(surface: str, title: str) -> bool:
    """A near title holding a number the written one lacks ("... in 3D Videos" against
    "... in Videos", "YOLOv2" against "YOLOv3"): a number tells works apart, and writers
    copying a title keep its numbers. (A number the writer adds is often a note: a date,
    an id, a model's name in brackets.)"""
    ours = Counter(NUMBER.findall(surface))
    return any(ours[number] < count for number, count in Counter(NUMBER.findall(title)).items())


def _title_content_words(title: str) -> list[str]:
    """A title's words that carry its content, case-folded: no stopword, no number (numbers
    are ``_other_number``'s)."""
    return [
        w for w in normalize_title(title).split() if w not in STOPWORDS and not NUMBER.search(w)
    ]


def _one_word(word: str, other: str, policy: LinkPolicy) -> bool:
    """The same word, with a typo ("Nead") or another ending ("Nets" for "Networks")."""
    if Levenshtein.distance(word, other) <= 1 or fuzz.ratio(word, other) >= policy.title_word_typo:
        return True
    shorter, longer = sorted((stem(word), stem(other)), key=len)
    return len(shorter) >= policy.title_word_root and longer.startswith(shorter)


def _same_word(word: str, others: list[str], others_compact: str, policy: LinkPolicy) -> bool:
    """``word`` is written in ``others``: as one of them (``_one_word``), run together with
    its neighbours ("Alite" in "A Lite", "attention" in "AttentionIsAllYouNeed"; in
    ``others_compact``, the other title without spaces) or as their initials ("CNNs" for
    "Convolutional Neural Networks")."""
    if any(_one_word(word, other, policy) for other in others):
        return True
    if len(word) >= policy.title_word_run_together and word in others_compact:
        return True
    letters = word.removesuffix("s")
    initials = "".join(other[0] for other in others)
    return len(letters) >= 2 and letters in initials


def _other_words(surface: str, title: str, policy: LinkPolicy) -> bool:
    """A near title with words of its own where the written one has none: in place of the
    written one's ("Language Models are Few-Shot Graders" against "... Learners") or among
    them ("Large Language Models are Few-Shot Health Learners"). A writer who shortens a
    title drops its "Name:" and its end, and notes in brackets are the writer's ("(DDPM)"),
    but writers neither replace a title's words nor leave out words in its middle."""
    written, near = BRACKETED_NOTE.sub(" ", surface), BRACKETED_NOTE.sub(" ", title)
    ours, theirs = _title_content_words(written), _title_content_words(near)
    if not ours or not theirs:
        return False
    ours_compact, theirs_compact = compact_title(written), compact_title(near)
    missing = [not _same_word(w, ours, ours_compact, policy) for w in theirs]
    if any(missing) and not all(_same_word(w, theirs, theirs_compact, policy) for w in ours):
        return True
    head, colon, _ = near.partition(":")
    named = len(_title_content_words(head)) if colon else 0
    at = 0
    for word in ours:  # the written words in order through the catalog title's
        place = next(
            (i for i in range(at, len(theirs)) if _one_word(word, theirs[i], policy)), None
        )
        if place is None:
            continue
        dropped_name = at == 0 and place == named
        if not dropped_name and any(missing[at:place]):
            return True
        at = place + 1
    return False


def _another_work(surface: str, title: str, policy: LinkPolicy) -> bool:
    """A near title that names another model, holds the written one behind a qualifier or
    numbers another version: no match at all."""
    return (
        _other_name(surface, title, policy)
        or _inside_longer_title(surface, title)
        or _other_number(surface, title)
    )


def decide_title(
    surface: str,
    ranked: list[tuple[str, float]],
    titles: Mapping[str, str],
    policy: LinkPolicy,
    whole_title: bool = False,
) -> Decision:
    """Link when the best title is close enough and clearly ahead of the runner-up.

    A title in the review band is still linked when it starts with the same model name as the
    written one ("ChatDoctor: ..."), since titles are revised between arXiv versions but
    their model name rarely is; a near title naming another model, or holding the written
    one behind a qualifier (``_inside_longer_title``), is no match at all. Short
    spans link only on an exact title ("Large Language Model" in running text is a term, not
    the paper "Large Language Models"), unless the span is known to be a whole title (a
    reference entry's: "Generative adversarial nets").
    """
    if not ranked:
        return Decision("unmatched", None, 0.0, "title_fuzzy")
    best = ranked[0][1]
    ranked = [
        (pid, score)
        for pid, score in ranked
        if score >= 100 or not _another_work(surface, titles[pid], policy)
    ]
    if not ranked:
        return Decision("unmatched", None, best, "title_other_name")
    top_id, top = ranked[0]
    runner_up_id, runner_up = ranked[1] if len(ranked) > 1 else (None, 0.0)
    clear = top - runner_up >= policy.title_margin
    short = len(surface.split()) < policy.min_words_for_fuzzy_title
    if short and top < 100 and not whole_title:
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
        if len(close) > 1 and not any(
            _near_same_work(surface, titles[pid], policy) for pid in close
        ):
            return Decision("unmatched", None, top, OTHER_WORDS)  # none of them, not several
        method = "title_fuzzy_low_margin" if top >= policy.title_accept else "title_fuzzy_low_score"
        return ambiguous(top, method, close)
    return Decision("unmatched", None, top, "title_fuzzy")
