"""Evidence from reference lists: the title inside one bibliography entry, and who wrote it.

A reference entry writes its paper's title between punctuation that each citation style fixes,
so the title can be cut out whether or not any catalog knows the paper:

- APA / ACL: ``Ajjour, Y., und Stein, B. (2017). Unit Segmentation of Argumentative Texts. In ...``
- MLA / Chicago / IEEE: ``Hinton, Geoffrey E., and R. Salakhutdinov. "Reducing the ..." Science``
- GB/T 7714 (Chinese): ``Wei T, Wang C, et al. Network morphism[C]//ICML. 2016: 564-572.``
- ACM-like: ``[3] A. Vaswani, N. Shazeer, et al. Attention is all you need. In NIPS, 2017.``
- paper lists: ``- [2018 CVPR] Maximum classifier discrepancy for unsupervised domain ...``
  (a list item whose year, and venue, stand in brackets before the title; no authors)

The first author's surname and the year let an author reference in the same document
("Musi et al., 2018") name the paper its own reference list names, rather than a guess among
the catalog's papers by that author. Every pattern is anchored or bounded: linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.link.text import LATIN_WORD

# A list marker before an entry: "[12]", "12.", "12)", "-", "*", and a Markdown footnote's
# definition, "[^3]:" or "[^ye2022]:" (pages written in Markdown list their references there).
MARKER = r"\[\d{1,3}\]|\d{1,3}[.)]|[-*•]|\[\^[\w-]{1,30}\]:"
ENTRY_MARKER = re.compile(rf"^\s*(?:{MARKER})?\s*")
# A list item ("1. Title. In Venue 2019.", "[3] Title, 2020"): an entry when it has a year.
MARKED_ENTRY = re.compile(rf"^\s*(?:{MARKER})\s")
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# A Markdown heading: a paper list's entry when a tag follows ("## [2020 ICML] Title").
HEADING = re.compile(r"^\s*#{1,6}\s+")
# A heading that opens a bibliography, alone on its line: "## References", "**参考文献**",
# "Daftar Pustaka", "Literaturverzeichnis:". Its lines are reference entries, even those
# giving only a title ("1. Factorization Machines"). Not "参考资料" or "Quellen", which list
# blog posts and documentation as often.
REFERENCES_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s+)?[*_]{0,2}\s*(?:References|Bibliography|Literaturverzeichnis|Literatur"
    r"|Daftar Pustaka|Referensi|Rujukan|Bibliografi|参考文献|參考文獻)\s*[*_]{0,2}\s*[:：]?\s*$",
    re.IGNORECASE,
)
# A line set in bold alone: a heading of a page that does not write Markdown headings.
BOLD_LINE = re.compile(r"^\s*\*\*[^*]+\*\*\s*[:：]?\s*$")
HEADING_TITLE_WORDS = 3
# A paper list's tag before a title: "[2018 CVPR]", "[CVPR 2018]", "[2020]".
LIST_TAG = re.compile(
    r"\[(?:(?P<year>(?:19|20)\d{2})(?:\s+[A-Za-z][\w-]*){0,2}"
    r"|[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)?\s+(?P<year_after>(?:19|20)\d{2}))\]\s+"
)
# APA: "Authors (2017). Title. Venue" ("(2017a)", "(2017, May)" too; "(n.d.)": no date).
APA = re.compile(
    r"(?P<authors>[^()\n]{2,400}?)\s*\((?:(?P<year>(?:19|20)\d{2})[a-z]?[^)]{0,20}|n\.\s?d\.?)\)"
    r"[.,:]\s+"
)
# GB/T 7714 document types: "[J]" journal, "[C]" proceedings, "[M]" book, "[EB/OL]" web page...
GBT_TYPE = re.compile(r"\[(?:J|C|M|D|R|A|N|P|S|Z|EB/OL|OL|DB/OL|J/OL|C/OL)\]")
# MLA / Chicago / IEEE: a quoted title after the authors, in English or German quotes
# ("Y. Jia u. a., „Transfer Learning from ...“").
QUOTED_TITLE = re.compile(r"[\"“„](?P<title>[^\"“”„\n]{3,300}?)[.,]?[\"”“]")
# A title set in italics or bold in Markdown ("*Title* (4th ed.). Publisher."), whose end the
# closing mark gives (a "?" or ":" inside stays).
EMPHASIZED_TITLE = re.compile(r"(?P<mark>\*{1,2}|_{1,2})(?P<title>[^*_\n]{3,300}?)(?P=mark)")
# German "und andere" for "et al." in an author list.
GERMAN_ET_AL = re.compile(r"\bu\.\s?a\b\.?")
# Where a title ends: a sentence end that is not an initial ("B."), "et al." or "vs.".
TITLE_END = re.compile(r"[.?!](?=\s|$)")
INITIAL = re.compile(r"(?<![A-Za-z])(?:[A-Z]|et al|vs|Jr|St|Proc|Vol|pp|no)$")
# An author list: capitalised names and initials separated by commas, "and", "&", "und", "dan".
AUTHOR_WORD = re.compile(
    r"[A-ZÀ-Þ][\w'’]*\.?(?:-[A-ZÀ-Þ][\w'’]*\.?)*|[\u4e00-\u9fff]{2,4}"
    r"|et|al\.?|and|und|dan|&|和|等|von|van|de|der|den|da|di|le|la"
)
# "A.", "W.-F.", "Y" in "Wei Y," and "et al.": what people's names have and ordinary
# capitalised words (German nouns) do not.
HAS_INITIAL = re.compile(r"(?<![\w.])[A-Z]\.|(?<![\w.])[A-Z]{1,2}(?=,|$)|\bet al\b")
AUTHOR_SEPARATOR = re.compile(r",|\s(?:and|und|dan|&|和)\s")
# "2017." between the authors and the title (ACM style).
YEAR_SENTENCE = re.compile(r"\s*(?:19|20)\d{2}[a-z]?\.\s+")
# After a book's title: its publisher or edition; a paper has a venue instead.
PUBLISHER = re.compile(
    r"\b(?:Press|Verlag|Publishers?|Publishing|Books|Edition|Auflage|Aufl|Penerbit|Edisi)\b"
    r"|\b\d+(?:st|nd|rd|th)\s+ed\b|出版社"
)
VENUE = re.compile(r"\b(?:In|Proceedings|Proc|Journal|Conference|Workshop|arXiv|CoRR)\b|\[[JC]\]")
# After a "?" or "!" inside a title, the rest of the title up to the next sentence end
# ("Prompts? It's Complicated.", "Step by Step! Bias and Toxicity in Zero-Shot Reasoning."):
# capitalised words without digits, commas or brackets, which a venue ("arXiv preprint",
# "In Proc.", a journal with its volume: "Mind, 59(236)") does not match.
SUBTITLE = re.compile(r" (?P<words>[A-Z][^\d.?!,;()\[\]]*?)[.?!](?=\s|$)")
MIN_SUBTITLE_WORDS = 2
MAX_AUTHOR_WORDS = 60
# No bibliography entry is longer: a longer line is prose (and is not scanned).
MAX_ENTRY_CHARS = 1500


@dataclass(frozen=True)
class ReferenceEntry:
    """Where the title stands in the line, and the first author's surname (case-folded)."""

    title_start: int
    title_end: int
    first_author: str
    year: str
    # A whole title of a paper: ended where its style ends it (not cut at the line's end, as
    # a title broken over two lines is), and not a book's (a publisher after it).
    paper: bool = True


def _looks_like_authors(text: str, initials: bool = True) -> bool:
    """Names, initials and joiners only, with a comma between names or at most three words
    besides "et al."; with ``initials``, at least one initial or "et al." (capitalised German
    nouns are not names)."""
    text = GERMAN_ET_AL.sub("et al.", text)
    words = [w.rstrip(".") if w[:1] > "\u3000" else w for w in text.replace(",", " ").split()]
    if not words or len(words) > MAX_AUTHOR_WORDS:
        return False
    if not all(AUTHOR_WORD.fullmatch(w) for w in words) or not AUTHOR_WORD.match(words[0]):
        return False
    if words[0] in ("et", "al", "al.", "and", "und", "dan", "&"):
        return False
    if initials and not HAS_INITIAL.search(text.strip()):
        return False
    return "," in text or len([w for w in words if w not in ("et", "al", "al.")]) <= 3


def first_author(authors: str) -> str:
    """The first author's surname: "Ajjour, Y." and "Wei T" give the first word, "A. Vaswani"
    and "Ashish Vaswani" the last word of the first name."""
    authors = GERMAN_ET_AL.sub("et al.", authors)
    first = re.sub(r"\bet al\.?", "", AUTHOR_SEPARATOR.split(authors)[0]).strip()
    words = [w.strip(".") for w in first.split() if w.strip(".")]
    words = [w for w in words if w not in ("and", "und", "dan", "&")]
    if not words:
        return ""
    if len(words) == 1 or all(len(w) <= 2 and w.isupper() for w in words[1:]):
        return words[0].casefold()
    return words[-1].casefold()


def _title_end(line: str, start: int) -> int:
    """End of the title that starts at ``start``: its closing mark when it is set in italics
    or bold, else its first sentence end (a "?" stays), or the line's end."""
    emphasized = EMPHASIZED_TITLE.match(line, start)
    if emphasized:
        return emphasized.end("title")
    for m in TITLE_END.finditer(line, start):
        if not INITIAL.search(line, max(start, m.start() - 8), m.start()):
            if m.group() not in "?!":
                return m.start()
            return _subtitle_end(line, m.end()) or m.end()
    return len(line)


def _subtitle_end(line: str, start: int) -> int | None:
    """Where the part of a title after its "?" or "!" (at ``start``) ends, None when what
    follows is no part of the title."""
    subtitle = SUBTITLE.match(line, start)
    if subtitle is None:
        return None
    words = subtitle.group("words")
    if len(words.split()) < MIN_SUBTITLE_WORDS or VENUE.search(words):
        return None
    return subtitle.end() if line[subtitle.end() - 1] in "?!" else subtitle.end("words")


def _entry(line: str, start: int, end: int, authors: str, year: str) -> ReferenceEntry | None:
    whole = line[end:].strip(" \t*_") != ""
    while start < end and line[start] in ' \t"“*_':
        start += 1
    while end > start and line[end - 1] in ' \t,."”*_':
        end -= 1
    if len(LATIN_WORD.findall(line[start:end])) < 1 or not line[start : start + 1].isalnum():
        return None
    rest = line[end:]
    book = bool(PUBLISHER.search(rest)) and not VENUE.search(rest)
    return ReferenceEntry(start, end, first_author(authors), year, whole and not book)


@lru_cache(maxsize=4096)
def reference_entry(line: str) -> ReferenceEntry | None:
    """The title of the bibliography entry ``line`` is, or None when it is not one (cached:
    the candidate finder and the resolver both ask about the same lines)."""
    if len(line) > MAX_ENTRY_CHARS:
        return None
    heading = HEADING.match(line)
    body = heading.end() if heading else ENTRY_MARKER.match(line).end()
    tagged = LIST_TAG.match(line, body) if heading or MARKED_ENTRY.match(line) else None
    if tagged and heading and len(LATIN_WORD.findall(line, tagged.end())) < HEADING_TITLE_WORDS:
        tagged = None  # "## [2020] DeBERTa": a section on a model, not an entry
    if tagged:
        # The title runs to the end of the item: whole, though no punctuation ends it.
        entry = _entry(line, tagged.end(), len(line), "", "")
        year = tagged.group("year") or tagged.group("year_after")
        return entry and ReferenceEntry(entry.title_start, entry.title_end, "", year)
    apa = APA.match(line, body)
    if apa and _looks_like_authors(apa.group("authors")):
        start, year = apa.end(), apa.group("year") or ""
        quoted = QUOTED_TITLE.match(line, start)
        if quoted:
            return _entry(line, *quoted.span("title"), apa.group("authors"), year)
        return _entry(line, start, _title_end(line, start), apa.group("authors"), year)
    year = YEAR.search(line, body)
    if year is None:
        return None
    gbt = GBT_TYPE.search(line, body)
    if gbt:
        head = line[body : gbt.start()]
        cut = max(head.rfind(". "), head.rfind("．"))
        if cut > 0 and _looks_like_authors(head[: cut + 1], initials=False):
            return _entry(line, body + cut + 1, gbt.start(), head[: cut + 1], year.group())
        return None
    quoted = QUOTED_TITLE.search(line, body)
    if quoted:
        authors = line[body : quoted.start()].rstrip(" .,:")
        if _looks_like_authors(authors, initials=False):
            return _entry(line, *quoted.span("title"), authors, year.group())
        return None
    authors_end = _title_end(line, body)
    authors = line[body:authors_end]
    if authors_end < len(line) and "," in authors and _looks_like_authors(authors):
        start = authors_end + 1
        skipped = YEAR_SENTENCE.match(line, start)
        start = skipped.end() if skipped else start
        return _entry(line, start, _title_end(line, start), authors, year.group())
    return None


def in_reference_sections(lines: list[str]) -> list[bool]:
    """For each line, whether it stands in a bibliography: after a references heading
    (``REFERENCES_HEADING``), up to the next heading."""
    inside, flags = False, []
    for line in lines:
        if REFERENCES_HEADING.match(line):
            inside = True
            flags.append(False)
            continue
        if HEADING.match(line) or BOLD_LINE.match(line):
            inside = False
        flags.append(inside)
    return flags
