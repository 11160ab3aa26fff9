"""Evidence from author references: "Rae et al. (2021)", "Huang等人在2019年", "Hu dkk. 2017".

A reference links only when author and year, or author and the words around it, leave one
paper: the catalog's papers by that first author, narrowed by a year written nearby and then
by the words around the reference weighed against each candidate's title and keywords. A
surname alone is no evidence of which paper (the catalog rarely holds all of an author's
papers), so otherwise the reference is ambiguous between the candidates, or unmatched.
Nor are the field's words: the catalog's only Kalchbrenner-and-Blunsom paper of 2013 shares
"neural" and "network" with any page on translation, so one of the words that confirm a
paper must be specific, rare among the catalog's titles.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.catalog import Catalog
from pipeline.catalog_store import cached_arrays, store_key
from pipeline.link import packed
from pipeline.link.citekeys import CiteKey, letters_only, title_starts_with
from pipeline.link.decision import Decision, ambiguous
from pipeline.link.packed import PackedStrings, pack_strings
from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import ConceptIndex, Unit, unit_words

# Author references (and citation keys) whose candidate papers an index keeps.
REFERENCES_KEPT = 256

# (paper ids, a context's words) -> the weight and number of each paper's title and keyword
# stems among the words.
Overlaps = Callable[[Sequence[str], frozenset[str]], list[tuple[float, int]]]

# A surname may join two capitalised parts with a hyphen ("Sohl-Dickstein", "Lopez-Paz").
SURNAME_PART = r"[A-Z][a-z\u00e0-\u00ff'’-]{1,30}"
SURNAME = rf"{SURNAME_PART}(?:-{SURNAME_PART})?(?: {SURNAME_PART})?"
AUTHOR_REFERENCE = re.compile(
    rf"(?<![A-Za-z])(?P<name>{SURNAME})\s?(?:et\.? al\.?|等人|等|dkk\.?|u\.\s?a\.)"
)
# "Carstens und Toni (2015)", "Kalchbrenner and Blunsom, 2013", "(Kakade, 2002)": a year
# must follow, else two capitalised words joined by "and" are no reference.
AUTHOR_PAIR_OR_SINGLE = re.compile(
    rf"(?<![A-Za-z])(?P<name>{SURNAME})\s?(?:and|und|dan|&|和|与|與)\s?(?P<second>{SURNAME})"
    rf"(?=\s?[,(（]?\s?(?:19|20)\d{{2}})"
    rf"|(?:(?<=\()|(?<=; ))(?P<single>{SURNAME})(?=,\s?(?:19|20)\d{{2}}[a-z]?[);])"
)
# Where a sentence ends: a CJK full stop, or a Latin one before a capital, unless it ends
# "et al." or an initial. Semicolons do not: they separate the references of one list.
SENTENCE_END = re.compile(r"[。！？\n]|(?<!\bal)(?<!\bdkk)(?<!\b[A-Za-z])[.!?](?=\s+[A-ZÀ-Þ])")
YEAR_NEAR = re.compile(r"^\D{0,8}?((?:19|20)\d{2})(?!\d)")
YEAR_LOOKAHEAD = 16


def find_author_references(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, "surname|year") for every "Surname et al." written in text[start:end],
    every "(Surname" followed by a year, and "surname|year|second" for "Surname and Second"
    followed by a year."""
    found = [*AUTHOR_REFERENCE.finditer(text, start, end)]
    found += AUTHOR_PAIR_OR_SINGLE.finditer(text, start, end)
    for m in sorted(found, key=lambda m: m.start()):
        year = YEAR_NEAR.match(text[m.end() : min(m.end() + YEAR_LOOKAHEAD, end)])
        surname = (m.group("name") or m.group("single")).split()[-1]
        second = m.groupdict().get("second")
        evidence = f"{surname}|{year.group(1) if year else ''}"
        yield m.start(), m.end(), evidence + (f"|{second.split()[-1]}" if second else "")


def reference_sentence(passage: str, start: int, end: int) -> str:
    """The sentence of ``passage`` holding the reference at ``passage[start:end]``: the words
    around a reference are its own sentence's; the next one often describes other papers."""
    ends = [m.end() for m in SENTENCE_END.finditer(passage)]
    first = max((e for e in ends if e <= start), default=0)
    last = SENTENCE_END.search(passage, end)
    return passage[first : last.end() if last else len(passage)].strip()


def sentence_ends(line: str) -> list[int]:
    """Where the sentences of a line end (the start of each end mark), as judged by
    ``reference_sentence``: with the words after them."""
    return [m.start() for m in SENTENCE_END.finditer(line)]


def reference_parts(evidence: str) -> tuple[str, str, str]:
    """Surname, year and second author ("" when not written) of an author reference."""
    surname, year, second, *_ = [*evidence.split("|"), "", ""]
    return surname, year, second


def decide_from_reference_list(
    evidence: str, listed: dict[tuple[str, str], list[Decision]], policy: LinkPolicy
) -> Decision | None:
    """The paper the document's own reference list gives this author and year (None when the
    list has no entry by that author: then the catalog decides). An entry the linker could not
    link leaves the reference unmatched: a catalog paper by the same author is another paper."""
    surname, year, _ = reference_parts(evidence)
    surname = surname.casefold()
    entries = [
        d
        for (author, written), decisions in listed.items()
        if author == surname and (not year or written == year)
        for d in decisions
    ]
    if not entries:
        return None
    papers = sorted({d.paper_id for d in entries if d.status == "matched" and d.paper_id})
    if len(papers) == 1 and len(entries) == 1:
        return Decision("matched", papers[0], policy.author_score, "author_reference_list")
    if len(papers) >= 2:
        return ambiguous(
            policy.author_score, "author_reference_list", tuple(papers[: policy.max_candidates])
        )
    return Decision("unmatched", None, 0.0, "author_reference_list")


def every_author(names: object) -> list[str] | None:
    """The people of a catalog row's authors field, or None when it does not list them all
    (it ends "et al.") or is empty."""
    if not isinstance(names, str) or re.search(r"\bet al\b", names):
        return None
    return [n for n in re.split(r";|,|\band\b", names) if n.strip()] or None


def first_author_surnames(authors: Iterable[str]) -> list[str]:
    """Case-folded surname of each catalog row's first author ("" when unknown)."""
    surnames = []
    for names in authors:
        first = str(names).split(";")[0].split(",")[0].strip()
        first = re.sub(r"\bet al\.?$", "", first).strip()
        surnames.append(first.split()[-1].casefold() if first else "")
    return surnames


def _numeric(unit: Unit) -> bool:
    """Years and counts: "2019" beside "Huang et al." says nothing about the topic."""
    return all(stem.isdigit() for stem in unit)


def specific_words(concepts: ConceptIndex, policy: LinkPolicy) -> Callable[[str], bool]:
    """Whether a stem is specific enough to confirm a paper: in at most a handful of titles
    (``distinctive_max_titles``, what decides in a small catalog) or in fewer than
    ``author_field_word_share`` of them (an idf above the field's words in any catalog:
    "neural" is in 2.7 % of arXiv titles, "translation" in 0.7 %). Numbers never are."""
    least_idf = -math.log(policy.author_field_word_share)

    def specific(stem: str) -> bool:
        if stem.isdigit():
            return False
        rare = concepts.frequency(stem) <= policy.distinctive_max_titles
        return rare or concepts.weight(stem) >= least_idf

    return specific


def _specific_units(units: list[Unit], specific: Callable[[str], bool]) -> list[Unit]:
    """Each unit's specific alternatives (units with none dropped)."""
    kept = (frozenset(s for s in u if specific(s)) for u in units)
    return [u for u in kept if u]


def singled_out(
    papers: Sequence[str], overlaps: list[tuple[float, int]], policy: LinkPolicy
) -> str | None:
    """The paper whose title and keywords the words around a mention single out (``overlaps``:
    each paper's weight and number of words found): enough words, and a weight well ahead of
    the runner-up's; None when no paper is. Only papers holding a word are ranked: the rest
    weigh nothing, and a lead needs words."""
    ranked = sorted(
        ((*overlap, p) for overlap, p in zip(overlaps, papers, strict=True) if overlap[1]),
        reverse=True,
    )
    if not ranked:
        return None
    top, top_words, top_paper = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    if top_words >= policy.author_context_min_words and (
        runner_up == 0 or top >= policy.author_context_ratio * runner_up
    ):
        return top_paper
    return None


def context_words(
    units: list[Unit], concepts: ConceptIndex, policy: LinkPolicy
) -> tuple[frozenset[str], frozenset[str]]:
    """The stems of a passage around a reference that weigh its author's papers (numbers
    left out: "2019" beside "Huang et al." says nothing about the topic), and those specific
    enough to confirm one (``specific_words``)."""
    words = unit_words(u for u in units if not _numeric(u))
    return words, unit_words(_specific_units(units, specific_words(concepts, policy)))


def sentence_confirms(
    rare_words: frozenset[str], overlaps: Overlaps, policy: LinkPolicy, candidates: int = 1
) -> Callable[[str], bool]:
    """Whether a reference's own sentence, by its specific words (``rare_words``, see
    ``context_words``), holds enough of a paper's words to confirm it, chosen among
    ``candidates`` papers of the author: the more were weighed, the more words it takes
    (``author_words_per_tenfold_candidates``)."""
    tenfolds = int(math.log10(max(candidates, 1)))
    needed = policy.author_specific_words + policy.author_words_per_tenfold_candidates * tenfolds

    def confirmed(paper_id: str) -> bool:
        return overlaps([paper_id], rare_words)[0][1] >= needed

    return confirmed


# A year the catalog does not give.
NO_YEAR = np.iinfo(np.int64).min


def author_arrays(surnames: Sequence[str], years: Iterable[object]) -> dict[str, np.ndarray]:
    """The arrays of an ``AuthorIndex``: first-author surnames sorted, each with its catalog
    rows in catalog order (``surname_offsets`` into ``surname_rows``), and each row's year."""
    codes: dict[str, int] = {}
    code = np.fromiter(
        (codes.setdefault(s, len(codes)) for s in surnames), dtype=np.int64, count=len(surnames)
    )
    names = sorted(s for s in codes if s)
    rank = np.full(len(codes), -1, dtype=np.int64)
    rank[[codes[s] for s in names]] = np.arange(len(names))
    ranked = rank[code]
    named = np.flatnonzero(ranked >= 0)
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    np.cumsum(np.bincount(ranked[named], minlength=len(names)), out=offsets[1:])
    data, string_offsets = pack_strings(names)
    return {
        "surname_data": data,
        "surname_offsets": string_offsets,
        "surname_rows": named[np.argsort(ranked[named], kind="stable")],
        "surname_row_offsets": offsets,
        "years": pd.Series(years).astype("Int64").to_numpy(dtype=np.int64, na_value=NO_YEAR),
    }


class AuthorIndex:
    """The catalog's papers by first-author surname, with their years: arrays
    (``author_arrays``) read in place, memory-mapped when stored."""

    def __init__(
        self,
        paper_ids: pd.api.extensions.ExtensionArray,
        authors: Sequence[object],
        arrays: Mapping[str, np.ndarray],
        titles: Sequence[str | None] = (),
    ) -> None:
        """``paper_ids``, ``authors``, ``titles``: the catalog's columns, read by row (the
        ids of many rows taken at once; the titles only for citation keys)."""
        self._paper_ids = paper_ids
        self._authors = authors
        self._titles = titles
        self._arrays = arrays
        self._surnames = PackedStrings(arrays["surname_data"], arrays["surname_offsets"])
        # A page cites an author again and again ("Wang et al. (2023)"), and a surname of a
        # large catalog has thousands of rows: each reference's candidates are found once.
        self.papers_of = lru_cache(maxsize=REFERENCES_KEPT)(self._papers_of)
        self.cited_by = lru_cache(maxsize=REFERENCES_KEPT)(self._cited_by)

    @classmethod
    def from_columns(
        cls,
        paper_ids: Sequence[str],
        authors: Sequence[object],
        years: Iterable[object],
        surnames: Sequence[str] | None = None,
        titles: Sequence[str | None] = (),
    ) -> AuthorIndex:
        """Built in memory; ``surnames``: the first authors' surnames when already known."""
        if surnames is None:
            surnames = first_author_surnames(authors)
        ids = pd.array(list(paper_ids), dtype="string[pyarrow]")  # as the catalog's column
        return cls(ids, authors, author_arrays(surnames, years), titles)

    def first_author(self, row: int) -> str:
        """A row's first author as written, case-folded ("" when not given)."""
        names = self._authors[row]
        return names.split(";")[0].strip().casefold() if isinstance(names, str) else ""

    def year(self, row: int) -> int | None:
        """The catalog's year of a row's paper (None when not given)."""
        year = int(self._arrays["years"][row])
        return None if year == NO_YEAR else year

    def _rows(self, surname: str) -> np.ndarray:
        """Catalog rows whose first author has this (case-folded) surname, in catalog order."""
        found = self._surnames.find(surname)
        if found is None:
            return np.zeros(0, dtype=np.int64)
        start, end = self._arrays["surname_row_offsets"][found : found + 2].tolist()
        return np.asarray(self._arrays["surname_rows"][start:end])

    def _by_two(self, row: int, second: str) -> bool:
        """Written by exactly two authors, the second named ``second``: three or more are
        cited "First et al." ("Kalchbrenner and Blunsom" is not Kalchbrenner, Grefenstette
        and Blunsom)."""
        people = every_author(self._authors[row])
        return people is not None and len(people) == 2 and second.casefold() in people[1].casefold()

    def _written_by(self, row: int, key: CiteKey) -> bool:
        """Whether a row's authors begin with a citation key's surnames (each the end of the
        author's name: "Van-De-Sande" of "Koen E. A. van de Sande"), all of them when the
        key names more than one and no "ea"."""
        if len(key.surnames) == 1:
            return True
        people = every_author(self._authors[row])
        named = len(key.surnames)
        if people is None or len(people) < named or (not key.more_authors and len(people) != named):
            return False
        return all(
            letters_only(person).endswith(s)
            for person, s in zip(people, key.surnames, strict=False)
        )

    def _year_close(self, rows: np.ndarray, written: int, tolerance: int) -> np.ndarray:
        """Which rows have a year within ``tolerance`` of ``written``."""
        years = np.asarray(self._arrays["years"][rows])
        known = years != NO_YEAR
        return known & (np.abs(np.where(known, years, 0) - written) <= tolerance)

    def decide_cite(
        self, key: CiteKey, policy: LinkPolicy, confirmed: Callable[[str], bool]
    ) -> Decision | None:
        """The paper a citation key names: by its first authors' surnames and year, and the
        title's first word when the key spells it. None for a key of one surname and a year:
        that is decided like "Surname et al. (year)".
        A key of one common surname ("wang2023survey") is as likely another paper of another
        Wang than the catalog's only one: it links when ``confirmed(paper_id)`` (the key's
        sentence names the paper's topic, as for author references)."""
        if not key.title_word and len(key.surnames) == 1:
            return None
        papers, common = self.cited_by(
            key, policy.author_year_tolerance, policy.common_surname_share
        )
        if len(papers) == 1 and len(key.surnames) == 1 and common and not confirmed(papers[0]):
            return Decision("unmatched", None, 0.0, "cite_key_unconfirmed")
        if len(papers) == 1:
            return Decision("matched", papers[0], policy.name_score, "cite_key")
        if papers:
            return ambiguous(policy.name_score, "cite_key", tuple(papers[: policy.max_candidates]))
        return Decision("unmatched", None, 0.0, "cite_key")

    def _cited_by(
        self, key: CiteKey, tolerance: int, common_share: float
    ) -> tuple[tuple[str, ...], bool]:
        """The papers a citation key may name, sorted, and whether its first surname is a
        common one (see ``decide_cite``)."""
        rows = self._rows(key.surnames[0])
        common = len(rows) >= common_share * len(self._arrays["years"])
        rows = rows[self._year_close(rows, key.year, tolerance)]
        found = [
            r
            for r in rows.tolist()
            if self._written_by(r, key)
            and (not key.title_word or title_starts_with(str(self._titles[r]), key.title_word))
        ]
        if len(found) > 1:  # the key's own year first: a year apart is arXiv's, or another's
            found = [r for r in found if self._arrays["years"][r] == key.year] or found
        return tuple(sorted(self._paper_ids[r] for r in found)), common

    def _papers_of(self, surname: str, year: str, second: str, tolerance: int) -> tuple[str, ...]:
        """The papers a reference's parts ("Huang", "2019", a second author) may cite: by a
        first author of that surname, within ``tolerance`` years of it, by the second too."""
        rows = self._rows(surname.casefold())
        if year:
            rows = rows[self._year_close(rows, int(year), tolerance)]
        candidates = rows.tolist()
        if second:  # "Kalchbrenner and Blunsom": a paper by these two
            candidates = [r for r in candidates if self._by_two(r, second)]
        return tuple(self._paper_ids.take(np.asarray(candidates, dtype=np.int64)).tolist())

    def decide(
        self,
        evidence: str,
        words: frozenset[str],
        overlaps: Overlaps,
        policy: LinkPolicy,
        sentence_words: frozenset[str],
    ) -> Decision:
        """``overlaps(paper_ids, words)`` weighs the words of the context found in each
        paper's title and keywords (weight, number of words). The context's ``words`` (the
        passage around the reference, see ``context_words``) weigh the candidates; the
        specific word that confirms one must be among ``sentence_words``, the specific words
        of the reference's own sentence: the next sentence may be about another paper on the
        same topic."""
        surname, year, second = reference_parts(evidence)
        papers = self.papers_of(surname, year, second, policy.author_year_tolerance)
        if not papers:
            return Decision("unmatched", None, 0.0, "author_reference")
        confirmed = sentence_confirms(sentence_words, overlaps, policy, len(papers))

        if len(papers) == 1 and year:
            # The catalog's only paper by that author in that year may still not be the one
            # cited (the cited one is often not on arXiv): a word of its topic must be near.
            ((_, found),) = overlaps(papers, words)
            if found >= policy.author_year_context_words and confirmed(papers[0]):
                return Decision("matched", papers[0], policy.author_score, "author_year")
            return Decision("unmatched", None, 0.0, "author_year_unconfirmed")
        top_paper = singled_out(papers, overlaps(papers, words), policy)
        if top_paper is not None and confirmed(top_paper):
            return Decision("matched", top_paper, policy.author_score, "author_context")
        return ambiguous(
            policy.author_score,
            "author_reference",
            tuple(sorted(papers)[: policy.max_candidates]),
        )


def catalog_authors(
    catalog: Catalog,
    surnames: Callable[[], Sequence[str]],
    cache_dir: Path | None = None,
    titles: Sequence[str | None] = (),
) -> AuthorIndex:
    """The catalog's author index, built once per catalog and stored in ``cache_dir``;
    ``surnames()``: the first authors' surnames, asked for only to build it; ``titles``: the
    catalog's titles by row (read for citation keys)."""
    papers = catalog.papers

    def build() -> dict[str, np.ndarray]:
        return author_arrays(surnames(), papers["year"])

    arrays = cached_arrays(
        cache_dir, "authors", store_key(catalog.sha256, AUTHOR_STORE_SOURCE), build
    )
    if len(arrays["years"]) != len(papers):  # another catalog's: never trusted
        arrays = build()
    return AuthorIndex(papers["paper_id"].array, papers["authors"].array, arrays, titles)


# What the stored author arrays depend on besides the catalog.
AUTHOR_STORE_SOURCE = "\x1f".join(
    (
        inspect.getsource(first_author_surnames),
        inspect.getsource(author_arrays),
        inspect.getsource(packed),
        str(NO_YEAR),
    )
)


def context_overlap(
    stems: frozenset[str], words: frozenset[str], weight: Callable[[str], float]
) -> tuple[float, int]:
    """Weight and number of ``stems`` found among ``words`` (a context's ``unit_words``)."""
    found = stems & words
    return math.fsum(weight(s) for s in found), len(found)
