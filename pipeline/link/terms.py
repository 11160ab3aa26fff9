"""Foreign text as English word stems, and catalog titles as weighted stem sets: what
translated titles, descriptions and author references are compared through.

Foreign text is turned into English word stems through per-language term tables (data in
``pipeline/data/terms/``, general vocabulary, grown from real usage); unknown Latin words
(model names, acronyms) pass through. The stems are compared with the stems of every catalog
title and alias, weighting each stem by how rare it is in the catalog, so that a match on
"verifiability" counts far more than one on "model".
"""

from __future__ import annotations

import inspect
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import opencc
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import snowballstemmer
import stopwordsiso

from pipeline.catalog_store import cached_frame, files_sha256, store_key
from pipeline.link import cedict
from pipeline.link.policy import DEFAULT_POLICY, LinkPolicy

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "and",
        "in",
        "on",
        "with",
        "to",
        "by",
        "from",
        "via",
        "is",
        "are",
        "as",
        "at",
        "be",
        "do",
        "does",
        "how",
        "what",
        "when",
        "why",
        "we",
        "you",
        "your",
        "all",
        "can",
        "not",
        "it",
        "its",
        "or",
        "using",
        "towards",
        "toward",
        "into",
        "over",
        "without",
        "through",
        "our",
        "this",
        "that",
        "than",
        "vs",
        "versus",
        "one",
        "two",
        "more",
        "less",
        "new",
        "let",
    ]
)
# "pretraining"/"pre-training", "finetuning"/"fine-tuning": one spelling for both.
SOLID_PREFIX = re.compile(r"\b(pre|fine)(train|tun)", re.IGNORECASE)
LATIN_TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f]*|\d+[A-Za-z]*")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
GERMAN_SUFFIXES = ("ungen", "en", "es", "er", "em", "e", "n", "s")
MAX_CANDIDATES = 400
# Entries read from the postings of the query's words, rarest first, before choosing the
# candidates: this bounds the work per query even against a catalog of millions of titles.
CANDIDATE_POOL = 5_000
# Words whose weight an index remembers (a memory bound: the words of any number of documents).
MAX_REMEMBERED_UNITS = 200_000
# Entries are counted per entry id (np.bincount: an array as long as the catalog's entries,
# cheap up to this many) or else per distinct entry (np.unique: it sorts, and costs some 30
# microseconds of overhead per call, ten times a small count's).
DENSE_COUNT_ENTRIES = 65_536
# Shared weights are rounded to this many decimals: sums of the same weights in another order
# must not change which entry ranks first.
SHARED_DECIMALS = 9
# A bound on precision is compared with this much slack: it is summed in another order than
# the precision it bounds, which is rounded.
REACH_SLACK = 1e-6


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=1 << 20)
def stem(word: str) -> str:
    """Snowball stem of a case-folded word (memoised: catalogs repeat their words a lot)."""
    return _stemmer().stemWord(word)


def english_stems(text: str) -> list[str]:
    """Content-word stems of English text ("Pre-Training" -> ["pre", "train"]; written
    solid, "pretraining" and "finetuning" give the same stems)."""
    words = [w.casefold() for w in LATIN_TOKEN.findall(SOLID_PREFIX.sub(r"\1 \2", text))]
    return [stem(w) for w in words if w not in STOPWORDS and len(w) > 1]


@dataclass(frozen=True)
class TermTable:
    """Foreign term (case-folded) -> the English stems it can stand for, per alternative."""

    terms: dict[str, tuple[tuple[str, ...], ...]]
    longest: int  # characters, for CJK segmentation
    longest_words: int  # words, for multi-word terms in alphabetic languages

    @cached_property
    def prefixes(self) -> frozenset[str]:
        """Every beginning of a term: the longest term at a place of a CJK text is found by
        growing a piece while it begins some term (a few lookups, not one per length)."""
        return frozenset(t[:size] for t in self.terms for size in range(1, len(t) + 1))

    @cached_property
    def word_units(self) -> dict[str, dict[str, list[Unit]]]:
        """Per language, what single words translate to, filled as they are met (see
        ``translate``)."""
        return {}

    @cached_property
    def phrase_starts(self) -> frozenset[str]:
        """The first word of every term of several words."""
        return frozenset(t.split(" ", 1)[0] for t in self.terms if " " in t)

    def longest_cjk_term(self, text: str, start: int) -> int:
        """Length of the longest term written at ``text[start:]``, 0 when none is."""
        found = 0
        for end in range(start + 1, min(start + self.longest, len(text)) + 1):
            piece = text[start:end]
            if piece not in self.prefixes:
                break
            if piece in self.terms:
                found = end - start
        return found


def term_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Chinese in simplified characters (OpenCC), so that one spelling of each term is
    enough in the term table and the dictionary."""
    return _to_simplified().convert(text)


# CC-CEDICT, a broad Chinese-English dictionary (``pipeline.link.cedict``), is read behind the
# term tables: words of two characters or more, a few short senses each.
CEDICT_SENSES = 3
CEDICT_MAX_SENSE_WORDS = 3
CEDICT_LONGEST = 8
CEDICT_SKIPPED_SENSES = ("variant of", "old variant", "surname", "abbr.", "see ", "CL:", "used in")
PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@lru_cache(maxsize=1 << 16)
def cedict_lookup(word: str) -> tuple[tuple[str, ...], ...]:
    """English stems of the first short senses of a Chinese word in CC-CEDICT (stemmed on
    first use: the dictionary has 120,000 entries, a page needs a few hundred)."""
    if not (2 <= len(word) <= CEDICT_LONGEST and CJK.match(word)):
        return ()
    stems_of_senses: list[tuple[str, ...]] = []
    for sense in cedict.senses(word)[:CEDICT_SENSES]:
        if sense.startswith(CEDICT_SKIPPED_SENSES):
            continue
        sense = PARENTHESES.sub(" ", sense).strip().removeprefix("to ")
        stems = tuple(english_stems(sense))
        if 0 < len(stems) <= CEDICT_MAX_SENSE_WORDS and stems not in stems_of_senses:
            stems_of_senses.append(stems)
    return tuple(stems_of_senses)


TERMS_STORE_KIND = "terms"


def load_term_tables(folder: Path, cache_dir: Path | None = None) -> dict[str, TermTable]:
    """One table per ``<language>.csv`` (columns term, english; alternatives split by "|");
    Chinese terms are keyed in simplified characters. With ``cache_dir``, read from the
    structures store, where they are kept per tables' contents, this module's code and the
    stemmer's and OpenCC's versions: parsing and stemming them took 0.15-0.2 s of every
    process of a run."""
    files = term_files(folder)
    key = store_key(
        files_sha256(files), version("snowballstemmer"), version("opencc"), TERMS_STORE_SOURCE
    )
    frame, metadata = cached_frame(cache_dir, TERMS_STORE_KIND, key, lambda: _term_rows(files))
    rows: dict[str, dict[str, list[tuple[str, ...]]]] = {
        language: defaultdict(list) for language in metadata["languages"]
    }
    for language, term, stems in zip(
        frame["language"].tolist(), frame["term"].tolist(), frame["stems"].tolist(), strict=True
    ):
        rows[language][term].append(tuple(stems.split(" ")))
    tables = {}
    for language, terms in rows.items():
        longest = max((len(t) for t in terms), default=0)
        longest_words = max((len(t.split()) for t in terms), default=0)
        tables[language] = TermTable(
            {k: tuple(v) for k, v in terms.items()}, longest, longest_words
        )
    return tables


def _term_rows(files: list[Path]) -> tuple[pd.DataFrame, dict]:
    """Every (language, term, stems of one alternative) of the tables, in their order."""
    rows: list[tuple[str, str, str]] = []
    for path in files:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        terms: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for term, english in zip(frame["term"], frame["english"], strict=True):
            key = term.strip().casefold()
            if path.stem == "zh":
                key = simplified(key)
            for alternative in english.split("|"):
                stems = tuple(english_stems(alternative))
                if key and stems and stems not in terms[key]:
                    terms[key].append(stems)
        rows += [
            (path.stem, t, " ".join(s)) for t, alternatives in terms.items() for s in alternatives
        ]
    frame = pd.DataFrame(rows, columns=["language", "term", "stems"], dtype=object)
    return frame, {"languages": [path.stem for path in files]}


# The code the stored tables depend on (part of their key): how terms are read and stemmed.
TERMS_STORE_SOURCE = (
    "\x1f".join(
        inspect.getsource(f) for f in (_term_rows, english_stems, stem, _stemmer, simplified)
    )
    + repr(sorted(STOPWORDS))
    + SOLID_PREFIX.pattern
    + LATIN_TOKEN.pattern
)


Unit = frozenset[str]


def unit_words(units: Iterable[Unit]) -> frozenset[str]:
    """Every stem of the units: what a set of a paper's stems is intersected with."""
    return frozenset().union(*units)


def _lookup(table: TermTable | None, word: str, language: str) -> tuple[tuple[str, ...], ...]:
    if table is None:
        return ()
    found = table.terms.get(word)
    if found is None and language == "de":
        found = next(
            (
                table.terms[word[: -len(s)]]
                for s in GERMAN_SUFFIXES
                if word.endswith(s) and word[: -len(s)] in table.terms
            ),
            None,
        )
    return found or ()


def _units_for(alternatives: tuple[tuple[str, ...], ...]) -> list[Unit]:
    """One unit per English word; alternatives of single words share one unit."""
    if all(len(a) == 1 for a in alternatives):
        return [frozenset(a[0] for a in alternatives)]
    return [frozenset([stem]) for stem in alternatives[0]]


def _cjk_units(text: str, table: TermTable | None, fallback: bool = False) -> list[Unit]:
    """Greedy longest-match segmentation of CJK runs against the term table, then (with
    ``fallback``) against CC-CEDICT for words the table lacks."""
    units: list[Unit] = []
    i = 0
    while i < len(text):
        if not CJK.match(text[i]):
            latin = LATIN_TOKEN.match(text, i)
            if latin:
                word = latin.group().casefold()
                if word not in STOPWORDS and len(word) > 1:
                    units.append(frozenset([stem(word)]))
                i = latin.end()
            else:
                i += 1
            continue
        size = table.longest_cjk_term(text, i) if table else 0
        if size:
            units += _units_for(table.terms[text[i : i + size]])
            i += size
        else:
            longest = min(CEDICT_LONGEST, len(text) - i) if fallback else 0
            for size in range(longest, 1, -1):
                senses = cedict_lookup(text[i : i + size])
                if senses:
                    units += _units_for(senses)
                    i += size
                    break
            else:
                i += 1
    return units


# Per language without a term table, what single words translate to, filled as they are met.
_UNTABLED_WORDS: dict[str, dict[str, list[Unit]]] = {}
MAX_KNOWN_WORDS = 200_000


@lru_cache(maxsize=32)
def foreign_stopwords(language: str) -> frozenset[str]:
    """Function words of a language ("des", "durch", "daripada"): never evidence."""
    return (
        frozenset(stopwordsiso.stopwords(language))
        if stopwordsiso.has_lang(language)
        else (frozenset())
    )


def translate(
    text: str, language: str, tables: dict[str, TermTable], dictionary: bool = False
) -> list[Unit]:
    """English stem units for foreign text; each unit is the set of stems one word may mean.
    ``dictionary``: Chinese words the term table lacks are looked up in CC-CEDICT (for
    titles; in a description its many everyday words would dilute the paper's own)."""
    table = tables.get(language)
    if language == "zh":
        return _cjk_units(simplified(text), table, dictionary)
    if language in ("ja", "ko"):
        return _cjk_units(text, table)
    words = [w.casefold() for w in LATIN_TOKEN.findall(text)]
    longest = table.longest_words if table else 1
    starts = table.phrase_starts if table else frozenset()
    known = (table.word_units if table else _UNTABLED_WORDS).setdefault(language, {})
    if len(known) > MAX_KNOWN_WORDS:  # a long-lived worker meets ever more words
        known.clear()
    units: list[Unit] = []
    i = 0
    while i < len(words):
        # Only a word that begins a term of several words can begin a longer match.
        most = min(longest, len(words) - i) if words[i] in starts else 1
        for size in range(most, 1, -1):
            alternatives = _lookup(table, " ".join(words[i : i + size]), language)
            if alternatives:
                units += _units_for(alternatives)
                i += size
                break
        else:
            word = words[i]
            found = known.get(word)
            if found is None:
                found = known[word] = _word_units(table, word, language)
            units += found
            i += 1
    return units


def _word_units(table: TermTable | None, word: str, language: str) -> list[Unit]:
    """The units of one word: its term's, else its stem's unless it is a function word."""
    alternatives = _lookup(table, word, language)
    if alternatives:
        return _units_for(alternatives)
    if word in STOPWORDS or word in foreign_stopwords(language) or len(word) <= 1:
        return []
    return [frozenset([stem(word)])]


@dataclass(frozen=True)
class ConceptMatch:
    paper_id: str
    recall: float  # share of the title's (idf-weighted) stems found in the text
    precision: float  # share of the text's (idf-weighted) units found in the title
    matched: int  # distinct title stems found
    title_stems: int  # distinct stems in the title (and keywords, in a keyword index)
    distinctive: int  # how many found stems are rare in the catalog


@dataclass(frozen=True)
class Reach:
    """The most any entry of an index can match of a text: how many of its stems the index
    knows, how many of those are distinctive, and the share of the text's weight in units
    holding a known stem (no entry's precision exceeds it). A passage that cannot reach a
    rule's minimums is decided without ranking (most passages describe no paper)."""

    stems: int
    distinctive: int
    precision: float


# Entries whose stems are split at a time when building the arrays: bounds the builder's
# transient Arrow strings on a catalog of millions of titles.
BUILD_CHUNK = 500_000


def concept_arrays(
    entry_papers: pa.Array | pa.ChunkedArray,
    entry_stems: pa.Array | pa.ChunkedArray,
    n_titles: int,
) -> dict[str, np.ndarray]:
    """The arrays of a ``ConceptIndex``: entry ``i`` is paper ``entry_papers[i]`` with the
    space-separated stems ``entry_stems[i]``; the first ``n_titles`` entries are titles.

    - ``vocabulary``: the stems, sorted, as UTF-8 joined by spaces (stems hold none);
    - ``indptr``/``indices``: each entry's stem ids, ascending (a CSR matrix whose cells are
      the stems' ``idf``); ``entry_weights``: its row sums, as the sparse sum computes them;
    - ``post_ptr``/``post_rows``: each stem's entries, ascending;
    - ``ids``: the distinct paper ids, sorted; ``entry_paper``: each entry's position there;
      ``id_entry``: each paper's title entry (-1: none); ``n_titles``.
    No Python object per entry: the stems are split and encoded with Arrow, chunk by chunk.
    """
    n_entries = len(entry_stems)
    local_ids: list[np.ndarray] = []
    local_vocabularies: list[pa.Array] = []
    sizes = np.zeros(n_entries, dtype=np.int64)
    for start in range(0, n_entries, BUILD_CHUNK):
        part = entry_stems.slice(start, BUILD_CHUNK)
        if isinstance(part, pa.ChunkedArray):
            part = part.combine_chunks()
        lists = pc.split_pattern(part, " ")
        values = pc.list_flatten(lists)
        present = pc.not_equal(values, "")
        parents = pc.filter(pc.list_parent_indices(lists), present).to_numpy()
        sizes[start : start + BUILD_CHUNK] = np.bincount(
            parents, minlength=min(BUILD_CHUNK, n_entries - start)
        )
        encoded = pc.dictionary_encode(pc.filter(values, present))
        local_ids.append(encoded.indices.to_numpy())
        local_vocabularies.append(encoded.dictionary)
        del part, lists, values, present, encoded
        pa.default_memory_pool().release_unused()  # the chunk's strings, kept by Arrow's pool
    # Sorted in Arrow (UTF-8 byte order is code point order, as ``sorted`` orders str): a
    # Python string per distinct stem of every chunk took 0.4 GB at 2.5M titles.
    distinct = pc.unique(
        pa.chunked_array([v.cast(pa.large_string()) for v in local_vocabularies], pa.large_string())
    )
    vocabulary = distinct.take(pc.array_sort_indices(distinct))
    del distinct
    indices = np.concatenate(
        [
            pc.index_in(v, value_set=vocabulary).to_numpy().astype(np.int32)[ids]
            for v, ids in zip(local_vocabularies, local_ids, strict=True)
        ]
        or [np.zeros(0, dtype=np.int32)]
    )
    del local_ids, local_vocabularies
    pa.default_memory_pool().release_unused()  # Arrow's pool keeps freed buffers otherwise
    indptr = np.zeros(n_entries + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    rows = np.repeat(np.arange(n_entries, dtype=np.int32), sizes)
    width = max(len(vocabulary), 1)
    key = rows.astype(np.int64)
    key *= width
    key += indices
    if len(key) > 1 and not np.all(key[1:] > key[:-1]):  # unsorted or repeated stems
        key = np.unique(key)
        rows = (key // width).astype(np.int32)
        indices = (key % width).astype(np.int32)
        indptr[1:] = np.cumsum(np.bincount(rows, minlength=n_entries))
    del key
    counts = np.bincount(indices, minlength=len(vocabulary))
    post_ptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(counts, out=post_ptr[1:])
    post_rows = rows[np.argsort(indices, kind="stable")]
    del rows
    total = max(n_entries, 1)
    idf = np.array([math.log((total + 1) / (c + 0.5)) for c in counts.tolist()], dtype=np.float64)
    entry_weights = np.concatenate(
        [
            _row_sums(idf, indices, indptr[start : start + BUILD_CHUNK + 1])
            for start in range(0, n_entries, BUILD_CHUNK)
        ]
        or [np.zeros(0)]
    )
    ids, entry_paper = _distinct_papers(fixed_width(entry_papers), n_titles)
    id_entry = np.full(len(ids), -1, dtype=np.int32)
    id_entry[entry_paper[:n_titles]] = np.arange(n_titles, dtype=np.int32)
    return {
        "vocabulary": _joined(vocabulary),
        "idf": idf,
        "indptr": indptr,
        "indices": indices,
        "entry_weights": entry_weights,
        "post_ptr": post_ptr,
        "post_rows": post_rows,
        "ids": ids,
        "entry_paper": entry_paper.astype(np.int32),
        "id_entry": id_entry,
        "n_titles": np.array([n_titles], dtype=np.int64),
    }


def _distinct_papers(papers: np.ndarray, n_titles: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(papers, return_inverse=True)``. A catalog's titles come sorted by paper id,
    one per paper, and its aliases name papers among them: then the titles' ids are the
    distinct ids and the inverse a search, without sorting millions of ids again."""
    titles = papers[:n_titles]
    if n_titles and np.all(titles[1:] > titles[:-1]):
        named = papers[n_titles:]
        found = np.minimum(np.searchsorted(titles, named), n_titles - 1)
        if np.array_equal(titles[found], named):
            return titles, np.concatenate([np.arange(n_titles), found])
    return np.unique(papers, return_inverse=True)


def _joined(strings: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of ``strings`` joined by single spaces, from Arrow's buffers."""
    offsets, data = _utf8_buffers(strings)
    return np.insert(data, offsets[1:-1] - offsets[0], ord(" "))


def _utf8_buffers(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of ``strings``: string ``i`` is ``data[offsets[i] - offsets[0] :
    offsets[i + 1] - offsets[0]]``; views of Arrow's buffers, no Python object per string."""
    strings = strings.cast(pa.large_binary())
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)
    offsets = offsets[strings.offset : strings.offset + len(strings) + 1]
    data = np.frombuffer(strings.buffers()[2] or b"", dtype=np.uint8)
    return offsets, data[offsets[0] : offsets[-1]]


def _row_sums(idf: np.ndarray, indices: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Sums of the weight matrix's rows ``indptr`` spans (a slice of the CSR pointers), each
    computed as scipy's sparse matrices sum a row (``np.add.reduceat`` over the non-empty
    rows): the same floats, without importing scipy at the start of every run."""
    weights = idf[indices[indptr[0] : indptr[-1]]]
    starts = indptr - indptr[0]
    rows = np.flatnonzero(np.diff(starts))
    sums = np.zeros(len(starts) - 1, dtype=np.float64)
    if len(rows):
        sums[rows] = np.add.reduceat(weights, starts[rows])
    return sums


def fixed_width(strings: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Strings as a numpy ``S`` array of their UTF-8 bytes (sorts and searches as ``str``
    does), made from Arrow's buffers without a Python object per string."""
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    offsets, data = _utf8_buffers(strings)
    lengths = np.diff(offsets)
    width = max(int(lengths.max(initial=0)), 1)
    padded = np.zeros((len(strings), width), dtype=np.uint8)
    padded[np.arange(width) < lengths[:, None]] = data
    return padded.view(f"S{width}").ravel()


def stems_text(stems: Iterable[str]) -> str:
    """A stem set as ``concept_arrays`` reads it (and the catalog's derived columns store it)."""
    return " ".join(sorted(set(stems)))


# The code the stored arrays depend on (part of their store key).
CONCEPT_ARRAYS_SOURCE = "\x1f".join(
    inspect.getsource(f) for f in (concept_arrays, _row_sums, fixed_width, stems_text)
)


class PaperEntries(Mapping[str, int]):
    """Paper id -> its title entry, by binary search on the sorted ids (no dict per paper)."""

    def __init__(self, ids: np.ndarray, id_entry: np.ndarray) -> None:
        self.ids = ids
        self.id_entry = id_entry

    def __getitem__(self, paper_id: str) -> int:
        key = paper_id.encode()
        if len(self.ids) and len(key) <= self.ids.dtype.itemsize:
            position = int(np.searchsorted(self.ids, key))
            if position < len(self.ids) and self.ids[position] == key:
                entry = int(self.id_entry[position])
                if entry >= 0:
                    return entry
        raise KeyError(paper_id)

    def entries(self, paper_ids: Sequence[str]) -> np.ndarray:
        """The entry of each paper id, -1 for one not here: one binary search for them all
        (an author's candidates are hundreds of papers)."""
        found = np.full(len(paper_ids), -1, dtype=np.int64)
        if not len(self.ids) or not len(paper_ids):
            return found
        keys = [p.encode() for p in paper_ids]
        fits = np.array([len(k) <= self.ids.dtype.itemsize for k in keys])
        probes = np.array(keys, dtype=self.ids.dtype)  # too long ones cut: masked by ``fits``
        position = np.minimum(np.searchsorted(self.ids, probes), len(self.ids) - 1)
        held = fits & (self.ids[position] == probes)
        found[held] = np.asarray(self.id_entry)[position[held]]
        return np.maximum(found, -1)

    def __iter__(self) -> Iterator[str]:
        return (p.decode() for p in self.ids[np.asarray(self.id_entry) >= 0])

    def __len__(self) -> int:
        return int(np.count_nonzero(np.asarray(self.id_entry) >= 0))


class ConceptIndex:
    """Catalog titles and aliases as stem sets, with inverse document frequencies.

    Everything is held in the arrays of ``concept_arrays`` (memory-mapped when stored per
    catalog, see ``matcher.catalog_concepts``); only the stem vocabulary becomes a dict. Sums
    over stems in sets are ``math.fsum`` (exactly rounded, the same in any order) and every
    choice among stems breaks ties by the stem itself: same inputs, same links.

    ``titles`` are the papers' titles (entry i is paper i); ``aliases`` are extra (paper_id,
    name) entries after them, used for translated names but not for descriptions.
    """

    def __init__(
        self,
        paper_ids: list[str],
        titles: list[str],
        aliases: Sequence[tuple[str, str]] = (),
        extra_stems: list[frozenset[str]] | None = None,
        policy: LinkPolicy = DEFAULT_POLICY,
    ) -> None:
        """Built in memory (small indexes: tests, the curated profiles). ``extra_stems``
        (one set per title) join the title's own stems: keywords. ``policy`` says how rare
        a distinctive stem is."""
        extra = extra_stems if extra_stems is not None else [frozenset()] * len(titles)
        texts = [
            stems_text([*english_stems(t), *more]) for t, more in zip(titles, extra, strict=True)
        ]
        texts += [stems_text(english_stems(a)) for _, a in aliases]
        papers = pa.array([*paper_ids, *(p for p, _ in aliases)], pa.large_string())
        self._open(concept_arrays(papers, pa.array(texts, pa.large_string()), len(titles)), policy)

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], policy: LinkPolicy = DEFAULT_POLICY
    ) -> ConceptIndex:
        """The index over stored (e.g. memory-mapped) ``concept_arrays``."""
        index = cls.__new__(cls)
        index._open(arrays, policy)
        return index

    def _open(self, arrays: Mapping[str, np.ndarray], policy: LinkPolicy) -> None:
        self.distinctive_max_titles = policy.distinctive_max_titles
        self.distinctive_idf_share = policy.distinctive_idf_share
        self.n_titles = int(arrays["n_titles"][0])
        self.indptr = arrays["indptr"]
        self.indices = arrays["indices"]
        self.entry_weights = arrays["entry_weights"]
        self.post_ptr = arrays["post_ptr"]
        self.post_rows = arrays["post_rows"]
        self.ids = arrays["ids"]
        self.entry_paper = arrays["entry_paper"]
        self.title_index = PaperEntries(self.ids, arrays["id_entry"])
        vocabulary = arrays["vocabulary"].tobytes().decode()
        self.vocabulary = vocabulary.split(" ") if vocabulary else []
        self.stem_ids = {s: i for i, s in enumerate(self.vocabulary)}
        self.idf = np.array(arrays["idf"])  # one float per stem: small, read per word
        self._weights = self.idf.tolist()
        # A word's weight, remembered: a text's words recur, and the passages around a
        # mention overlap.
        self._unit_weight = lru_cache(maxsize=MAX_REMEMBERED_UNITS)(self._heaviest_meaning)
        self._frequency = np.diff(self.post_ptr).tolist()
        total = max(len(self.indptr) - 1, 1)
        self.unseen_idf = math.log((total + 1) / 0.5)
        self._distinctive = self._rare(np.diff(self.post_ptr), self.idf)
        self._distinctive_list = self._distinctive.tolist()

    def weight(self, stem: str) -> float:
        position = self.stem_ids.get(stem)
        return self.unseen_idf if position is None else self._weights[position]

    def _heaviest_meaning(self, unit: Unit) -> float:
        """The weight of a word: its heaviest meaning's."""
        return max(map(self.weight, unit))

    def frequency(self, stem: str) -> int:
        """How many entries hold the stem."""
        position = self.stem_ids.get(stem)
        return 0 if position is None else self._frequency[position]

    def _rare(self, frequency: Any, idf: Any) -> Any:
        """The rule of ``distinctive``, for one stem or (as arrays) for every stem."""
        return (frequency <= self.distinctive_max_titles) | (
            idf >= self.distinctive_idf_share * self.unseen_idf
        )

    def distinctive(self, stem: str) -> bool:
        """A word found in only a handful of catalog titles (relative to catalog size, and
        always when at most two titles have it)."""
        position = self.stem_ids.get(stem)
        if position is None:
            return bool(self._rare(0, self.unseen_idf))
        return self._distinctive_list[position]

    def _postings(self, stem: str) -> np.ndarray:
        position = self.stem_ids[stem]
        return self.post_rows[self.post_ptr[position] : self.post_ptr[position + 1]]

    def _gather(self, entries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The stems of ``entries`` as flat arrays, in their stored order: the row (position
        in ``entries``) and the stem id of each."""
        starts = self.indptr[entries]
        sizes = self.indptr[entries + 1] - starts
        ends = np.cumsum(sizes)
        total = int(ends[-1]) if len(ends) else 0
        positions = np.repeat(starts - (ends - sizes), sizes) + np.arange(total)
        return np.repeat(np.arange(len(entries)), sizes), np.asarray(self.indices[positions])

    def _pool_postings(self, by_weight: list[str]) -> list[np.ndarray]:
        """The postings of the query's known stems (``by_weight``: heaviest, i.e. rarest,
        first) that make its pool of candidates: all of them, up to a budget, so that no
        entry is missed because of where it stands in a postings list (the first one perhaps
        cut short)."""
        chosen: list[np.ndarray] = []
        size = 0
        for stem in by_weight:
            postings = self._postings(stem)
            if chosen and size + len(postings) > CANDIDATE_POOL:
                break
            chosen.append(postings[:CANDIDATE_POOL])
            size += len(chosen[-1])
        return chosen

    def _pool_shares(
        self, known: list[str], least: tuple[int, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The pool of candidates, and how many of the known stems each of its entries
        holds and their summed weight, read from the postings (those read for the pool
        count by themselves; a longer one is searched for the pool's entries, postings being
        sorted) instead of gathering every stem of every entry. None when no entry holds
        ``least`` (stems, recall): entries that could not even with every unsearched stem
        are left first."""
        by_weight = sorted(known, key=lambda s: (-self.weight(s), s))
        chosen = self._pool_postings(by_weight)
        read = [self.stem_ids[s] for s in by_weight[: len(chosen)]]
        weights = np.repeat(self.idf[read], list(map(len, chosen)))
        pool, held, shared = _entry_counts(np.concatenate(chosen), weights)
        unread = [(s, self._postings(s)) for s in by_weight[len(chosen) :]]
        if len(chosen[0]) < self.frequency(by_weight[0]):
            unread.append((by_weight[0], self._postings(by_weight[0])[len(chosen[0]) :]))
        unread = [(self.idf[self.stem_ids[s]], postings) for s, postings in unread if len(postings)]
        unsearched = np.ones(len(pool), dtype=bool)
        if least is not None:
            # rank compares these sums rounded: never rule an entry out by the rounding.
            needed = (least[1] - REACH_SLACK) * self.entry_weights[pool] - 10.0**-SHARED_DECIMALS
            most = sum(float(weight) for weight, _ in unread)
            open_ = np.flatnonzero((held + len(unread) >= least[0]) & (shared + most >= needed))
            self._add_unread(unread, pool, open_, held, shared)
            if not ((shared[open_] >= needed[open_]) & (held[open_] >= least[0])).any():
                return None
            unsearched[open_] = False
        self._add_unread(unread, pool, np.flatnonzero(unsearched), held, shared)
        return pool, held, shared

    @staticmethod
    def _add_unread(
        unread: list[tuple[float, np.ndarray]],
        pool: np.ndarray,
        rows: np.ndarray,
        held: np.ndarray,
        shared: np.ndarray,
    ) -> None:
        """Count in ``held`` and ``shared`` (at ``rows`` of the pool) the unread postings that
        hold those entries."""
        for weight, postings in unread:
            hit = _holds(postings, pool[rows])
            held[rows] += hit
            shared[rows] += hit * weight

    def holding_any(self, entries: np.ndarray, words: AbstractSet[str]) -> np.ndarray:
        """Whether each of ``entries`` (-1: none) holds a stem among ``words``, for all of
        them at once: an author's candidates are hundreds of papers, most sharing no word."""
        ids = np.fromiter(
            (i for w in words if (i := self.stem_ids.get(w)) is not None), dtype=np.int64
        )
        held = np.zeros(len(entries), dtype=bool)
        present = np.flatnonzero(entries >= 0)
        if not len(ids) or not len(present):
            return held
        rows, stems = self._gather(entries[present])
        held[present[rows[np.isin(stems, ids)]]] = True
        return held

    def stems_among(self, entry: int, words: AbstractSet[str]) -> set[str]:
        """The stems of ``entry`` that are among ``words``."""
        stems = self.indices[self.indptr[entry] : self.indptr[entry + 1]].tolist()
        return {word for i in stems if (word := self.vocabulary[i]) in words}

    def title_stems(self, paper_id: str) -> frozenset[str]:
        entry = self.title_index[paper_id]
        stems = self.indices[self.indptr[entry] : self.indptr[entry + 1]]
        return frozenset(self.vocabulary[i] for i in stems.tolist())

    def reach(self, units: list[Unit]) -> Reach:
        if not units:
            return Reach(0, 0, 0.0)
        weights = list(map(self._unit_weight, units))
        known = {s for s in frozenset().union(*units) if s in self.stem_ids}
        covered = math.fsum(
            w for w, unit in zip(weights, units, strict=True) if not unit.isdisjoint(known)
        )
        total = math.fsum(weights)
        share = covered / total if total else 0.0
        return Reach(len(known), sum(map(self.distinctive, known)), share)

    def may_reach(
        self,
        units: list[Unit],
        stems: int,
        recall: float = 0.0,
        distinctive: bool = False,
        titles_only: bool = False,
    ) -> bool:
        """Whether some entry may hold ``stems`` of the text's known stems (of its distinctive
        ones, when asked) and ``recall`` of its own weight: False only when none does, so that
        a rule needing that much of one entry is decided without ranking. Postings too long
        to count cheaply answer True."""
        known = sorted(s for s in frozenset().union(*units) if s in self.stem_ids)
        if distinctive:
            known = [s for s in known if self.distinctive(s)]
        if len(known) < stems:
            return False
        postings = [self._postings(s) for s in known]
        if sum(map(len, postings)) > CANDIDATE_POOL:
            return True
        entries = np.concatenate(postings)
        weights = np.repeat(self.idf[[self.stem_ids[s] for s in known]], list(map(len, postings)))
        if titles_only:
            weights = weights[entries < self.n_titles]
            entries = entries[entries < self.n_titles]
        if not len(entries):
            return False
        distinct, held, shared = _entry_counts(entries, weights)
        possible = held >= stems
        if recall:
            possible &= shared >= (recall - REACH_SLACK) * self.entry_weights[distinct]
        return bool(possible.any())

    def rank(
        self,
        units: list[Unit],
        limit: int = 3,
        titles_only: bool = False,
        by_recall: bool = False,
        least: tuple[int, float] | None = None,
    ) -> list[ConceptMatch]:
        """Best papers for the units, by F-score of recall and precision (or by recall of
        the title alone), one entry each; none when no candidate holds ``least`` (stems,
        recall), the least a rule's best match needs.

        The candidates are the entries sharing the most (idf-weighted) stems with the units;
        every score is an array operation, over the postings of the units' stems and then over
        the stems of the candidates, gathered once. Shared weights are rounded, so that ties
        break by entry, the same in every process."""
        if not units:
            return []
        known = sorted(s for s in frozenset().union(*units) if s in self.stem_ids)
        if not known:
            return []
        pooled = self._pool_shares(known, least)
        if pooled is None:
            return []
        pool, held, shared = pooled
        shared = np.round(shared, SHARED_DECIMALS)
        if least is not None:
            enough = shared >= (least[1] - REACH_SLACK) * self.entry_weights[pool]
            if not (enough & (held >= least[0])).any():
                return []
        query = _Query(units, list(map(self._unit_weight, units)))
        best = np.lexsort((pool, -shared))[:MAX_CANDIDATES]
        keep = self.entry_weights[pool[best]] > 0
        if titles_only:
            keep &= pool[best] < self.n_titles
        best = best[keep]
        if not len(best):
            return []
        # Which query stems (columns, in ``known`` order) each candidate holds: the stems of
        # the candidates alone are gathered.
        entries = pool[best]
        rows, stems = self._gather(entries)
        known_ids = np.array([self.stem_ids[s] for s in known])
        order = np.argsort(known_ids)
        slot = np.minimum(np.searchsorted(known_ids[order], stems), len(known) - 1)
        found = known_ids[order][slot] == stems
        hits = np.zeros((len(best), len(known)), dtype=bool)
        hits[rows[found], order[slot][found]] = True
        recall, precision = self._recall_precision(entries, shared[best], hits, known, query)
        distinctive = (hits & self._distinctive[known_ids]).sum(axis=1)
        matched = hits.sum(axis=1)
        total = recall + precision
        f = np.divide(2 * recall * precision, total, out=np.zeros_like(total), where=total > 0)
        # One entry per paper (the best F-score; the first candidate of equal ones), then the
        # papers in the order asked for (ties: by paper id, the position in ``ids``).
        papers = np.asarray(self.entry_paper[entries])
        by_f = np.argsort(-f, kind="stable")
        _, first = np.unique(papers[by_f], return_index=True)
        chosen = by_f[first]
        primary = recall[chosen] if by_recall else f[chosen]
        ranked = chosen[np.lexsort((papers[chosen], -primary))][:limit]
        return [
            ConceptMatch(
                self.ids[papers[i]].decode(),
                float(recall[i]),
                float(precision[i]),
                int(matched[i]),
                int(self.indptr[entries[i] + 1] - self.indptr[entries[i]]),
                int(distinctive[i]),
            )
            for i in ranked
        ]

    def _recall_precision(
        self,
        entries: np.ndarray,
        shared: np.ndarray,
        hits: np.ndarray,
        known: list[str],
        query: _Query,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Recall (the shared weight's share of the entry's) and precision (the share of the
        query's weight in units holding a stem of the entry) of each candidate."""
        units = np.zeros((len(known), len(query.unit_weights)))
        for row, stem in enumerate(known):
            units[row, query.units_of[stem]] = 1.0
        covered = (hits.astype(float) @ units) > 0
        precision = np.round(covered @ query.weights / query.total_weight, SHARED_DECIMALS)
        recall = np.round(shared / self.entry_weights[entries], SHARED_DECIMALS)
        return recall, precision


def _entry_counts(
    entries: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ``entries`` (sorted), how often each occurs and its summed weight: counted
    per entry id (np.bincount) when the ids are small, else per run of equal entries after a
    stable sort (a count per entry id would span a large catalog; np.unique with its inverse
    took three to four times as long). Each entry's weights are added by np.bincount, in
    their order in ``entries``, either way: the same sums, bit for bit."""
    if entries.max() < DENSE_COUNT_ENTRIES:
        counts = np.bincount(entries)
        distinct = np.flatnonzero(counts)
        return distinct, counts[distinct], np.bincount(entries, weights=weights)[distinct]
    order = np.argsort(entries, kind="stable")
    ordered = entries[order]
    first = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    starts = np.flatnonzero(first)
    inverse = np.empty(len(entries), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    counts = np.diff(np.append(starts, len(ordered)))
    return ordered[starts], counts, np.bincount(inverse, weights=weights, minlength=len(starts))


def _holds(postings: np.ndarray, entries: np.ndarray) -> np.ndarray:
    """Which of ``entries`` are in ``postings`` (both sorted)."""
    where = np.minimum(np.searchsorted(postings, entries), len(postings) - 1)
    return postings[where] == entries


class _Query:
    """Units of a text with their weights, and which units each stem occurs in."""

    def __init__(self, units: list[Unit], unit_weights: list[float]) -> None:
        self.unit_weights = unit_weights
        self.weights = np.array(unit_weights)
        self.total_weight = math.fsum(unit_weights)
        units_of: dict[str, list[int]] = defaultdict(list)
        for position, unit in enumerate(units):
            for stem in unit:
                units_of[stem].append(position)
        self.units_of = dict(units_of)
        self.stems = frozenset(units_of)


NAME_WORD = re.compile(r"[A-Z0-9]")


def keyword_stems(keywords: Iterable[str]) -> frozenset[str]:
    """Stems of a paper's keywords; a name of several words also counts written solid
    ("Bing Chat" as "bingchat"), as articles often write it."""
    stems: set[str] = set()
    for keyword in keywords:
        stems.update(english_stems(keyword))
        words = keyword.split()
        if 1 < len(words) <= 3 and all(NAME_WORD.match(w) for w in words):
            stems.add(stem("".join(words).casefold()))
    return frozenset(stems)


def f_score(match: ConceptMatch) -> float:
    total = match.recall + match.precision
    return 2 * match.recall * match.precision / total if total else 0.0
