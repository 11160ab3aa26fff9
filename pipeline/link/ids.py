"""Evidence from identifiers: arXiv ids in every written or linked form, and Papers with Code
links whose slug spells a catalog title.

An id is a fact: it is linked even when the catalog lacks the paper (``in_catalog`` false),
and no title or name guess nearby overrides it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping

from pipeline.link.decision import Decision

NEW_ID = r"\d{4}\.\d{4,5}"
# Old style: archive, optional subject class, 7 digits ("cs/0501001", "cs.CL/0101001").
OLD_ID = r"[a-z][a-z-]{1,15}(?:\.[a-z]{2})?/\d{7}"
ARXIV_ID = rf"(?P<id>{NEW_ID}|{OLD_ID})(?:v\d{{1,3}})?"
# The year and month a bare id encodes: "1603.08029", "cs/0101001", "math.GT/0309136".
ID_DATE = re.compile(r"^(?:[A-Za-z.-]+/)?(?P<yy>\d{2})(?P<mm>\d{2})(?:\.\d|\d{3}$)")
# Hosts and paths that carry an arXiv id right after them.
ID_HOSTS = (
    # arxiv.org and mangled forms such as "arxiv/pdf/..."; export.arxiv.org.
    r"(?:www\.|export\.)?arxiv(?:\.org)?/(?:abs|pdf|html)/",
    r"ar5iv(?:\.labs)?(?:\.arxiv)?\.org/(?:html|abs)/",
    # alphaXiv, also under a language ("alphaxiv.org/ja/overview/2308.04079v1").
    r"(?:www\.)?alphaxiv\.org/(?:[a-z]{2}(?:-[a-z]{2,4})?/)?(?:abs|overview|pdf)/",
    r"(?:www\.)?(?:huggingface|hf)\.co/papers/",
    # Reading and translation sites that Chinese pages link a paper through.
    r"papers\.cool/arxiv/",
    r"hjfy\.top/arxiv/",
    r"paperlayer\.ai/abs/",
    # arXiv's DOIs: doi.org/10.48550/arXiv.2205.01068
    r"(?:(?:dx\.)?doi\.org/)?10\.48550/arxiv\.",
)
ARXIV_PATTERNS = (
    re.compile(rf"(?:https?://)?(?:{'|'.join(ID_HOSTS)}){ARXIV_ID}(?:\.pdf)?(?!\d)", re.IGNORECASE),
    # "arXiv:2205.01068", "arXiv preprint arXiv:2205.01068", "arXiv 2205.01068".
    # A digit may stand right before it: "2020arXiv:2012.14740" (a year run into the id).
    re.compile(
        rf"(?<![A-Za-z_/])arxiv(?: preprint)?(?: arxiv)?\s?[:：]?\s?{ARXIV_ID}(?!\w|\.\d)",
        re.IGNORECASE,
    ),
    # DBLP's form of an arXiv preprint: "CoRR, abs/1409.0473".
    re.compile(rf"(?<![\w./])abs/{ARXIV_ID}(?!\w|\.\d)"),
)
# Characters whose folded form a process remembers (a memory bound: CJK text alone uses
# tens of thousands).
MAX_FOLDED_CHARS = 65_536
# What every written form above holds (a new id's digits, or an old id's slash and seven
# digits): a line without it is not searched for them.
ID_SHAPE = re.compile(r"\d{4}\.\d{4}|/\d{7}")
PAPERS_WITH_CODE = re.compile(
    r"(?:https?://)?(?:www\.)?paperswithcode\.com/paper/(?P<slug>[a-z0-9][a-z0-9-]{4,200})",
    re.IGNORECASE,
)
TRAILING_COPY_NUMBER = re.compile(r"-\d{1,2}$")


def arxiv_year_month(arxiv_id: object) -> tuple[int, int] | None:
    """The year and month of submission an arXiv id encodes (YYMM.NNNNN, archive/YYMMNNN;
    ids of 1990-1999 start with 9x)."""
    found = ID_DATE.match(arxiv_id) if isinstance(arxiv_id, str) else None
    if found is None or not 1 <= int(found["mm"]) <= 12:
        return None
    yy = int(found["yy"])
    return (1900 + yy if yy >= 90 else 2000 + yy), int(found["mm"])


def canonical_arxiv_id(written: str) -> str:
    """The id as the catalog keys it: old-style archives in lower case without the subject
    class ("CS.CL/0101001" -> "cs/0101001")."""
    if "/" not in written:
        return written
    archive, number = written.split("/", 1)
    return f"{archive.split('.')[0].lower()}/{number}"


def _folded_char(char: str) -> str:
    """One character in its NFKC form when that is one character too, any decimal digit
    (full-width, Arabic-Indic...) as its ASCII digit: offsets stay those of the text."""
    if char.isdecimal():
        return str(unicodedata.decimal(char))
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first use: each character seen is folded once per
    process (a few thousand distinct characters in a corpus; emptied at MAX_FOLDED_CHARS)."""

    def __missing__(self, code: int) -> str:
        if len(self) >= MAX_FOLDED_CHARS:
            self.clear()
        folded = self[code] = _folded_char(chr(code))
        return folded


_FOLDED = _FoldTable()


def fold_for_ids(text: str) -> str:
    """``text`` with compatibility forms and foreign digits folded, character for character."""
    if text.isascii():
        return text
    return text.translate(_FOLDED)


def find_arxiv_ids(text: str, offset: int = 0) -> Iterator[tuple[int, int, str]]:
    """(start, end, canonical id) for every arXiv id written in ``text``; where two written
    forms overlap (an "arXiv:" inside a URL), the earlier pattern's wins."""
    folded = fold_for_ids(text)
    if not ID_SHAPE.search(folded):
        return
    found = [
        (m.start(), rank, m.end(), m.group("id"))
        for rank, pattern in enumerate(ARXIV_PATTERNS)
        for m in pattern.finditer(folded)
    ]
    taken_until = -1
    for start, _, end, arxiv_id in sorted(found):
        if start < taken_until:
            continue
        taken_until = end
        yield offset + start, offset + end, canonical_arxiv_id(arxiv_id)


def find_paperswithcode_slugs(text: str, offset: int = 0) -> Iterator[tuple[int, int, str]]:
    """(start, end, slug) of every paperswithcode.com/paper/<slug> link."""
    for m in PAPERS_WITH_CODE.finditer(text):
        yield offset + m.start(), offset + m.end(), m.group("slug").lower()


def slug_titles(slug: str) -> list[str]:
    """The title a slug spells, and the same without a copy number ("...-1")."""
    titles = [slug.replace("-", " ")]
    if TRAILING_COPY_NUMBER.search(slug):
        titles.append(TRAILING_COPY_NUMBER.sub("", slug).replace("-", " "))
    return titles


def decide_arxiv(arxiv_id: str, paper_by_arxiv: Mapping[str, str]) -> Decision:
    paper_id = paper_by_arxiv.get(arxiv_id)
    if paper_id:
        return Decision("matched", paper_id, 100.0, "arxiv_id")
    return Decision("matched", f"arxiv:{arxiv_id}", 100.0, "arxiv_id_not_in_catalog")
