"""Fuzzy search over catalog titles: blocked by rare character n-grams, scored by rapidfuzz.

Brute force (``ratio`` against every title) answers about one query per second against the
311k-title arXiv snapshot. Instead, every compact title is cut into overlapping character
5-grams held in an inverted index; a query looks up only its rarest 5-grams, keeps the titles
that share most of them, and scores those few with the same ``fuzz.ratio`` as before. Character
n-grams of the compact title (no spaces) survive case, missing spaces ("fromMulti-Head"),
truncation, dropped words and typos: a typo spoils at most five 5-grams of a title's ~60.

The index is a handful of numpy arrays (640 MB of postings at 2.5M titles), stored once per
catalog sha256 as ``.npy`` files that every process opens without loading: a query reads a
dozen short postings lists and decodes only the keys it scores. Rows are the catalog's rows,
so the index holds no paper ids: they are read from the catalog's column for the few titles a
query returns.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import unicodedata
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from pipeline.catalog_store import cached_arrays, memory_map, store_key
from pipeline.link.packed import pack_strings

NON_WORD = re.compile(r"[\W_]+")

GRAM = 5
# Rarest grams of a query looked up, and the most postings read unless fewer grams remain.
QUERY_GRAMS = 12
MIN_QUERY_GRAMS = 4
POSTINGS_BUDGET = 20_000
# Titles (those sharing most looked-up grams) scored with ``ratio`` per query.
CANDIDATES = 64
# Titles handled at once while building: bounds the build's temporary arrays (~40 MB).
BUILD_CHUNK = 20_000
# A stored array up to this size is read through its map: at most this much of each
# process's RSS, against a system call per slice (a search reads 64 titles: 0.37 ms with
# pread, 0.06 ms mapped, for the 20 MB of titles of a 311k catalog).
MAPPED_READS_MAX_BYTES = 64 * 2**20
_PAD = "\x00"  # never part of a compact title: NON_WORD removes control characters
_HASH_BASE = np.uint64(1_000_003)


def normalize_title(title: str) -> str:
    """Unicode NFKC, case-folded, punctuation to spaces, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(NON_WORD.sub(" ", folded).split())


def compact_title(title: str) -> str:
    """Normalised title without spaces, so that "fromMulti-Head" equals "from Multi-Head"."""
    return normalize_title(title).replace(" ", "")


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _gram_hashes(chars: np.ndarray) -> np.ndarray:
    """Polynomial hash (mod 2**64, stable across processes) of every GRAM-long window."""
    count = len(chars) - GRAM + 1
    codes = np.zeros(max(count, 0), dtype=np.uint64)
    for offset in range(GRAM):
        codes *= _HASH_BASE
        codes += chars[offset : offset + count]
    return codes


def _padded(key: str) -> str:
    return key.ljust(GRAM, _PAD)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting: numpy 2's default hash-based unique is far slower here."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _chunk_grams(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The chunk's distinct gram hashes (sorted), and its (gram, title) pairs: each gram's
    position in that vocabulary and the title's position in the chunk, unique and sorted."""
    padded = [_padded(k) for k in keys]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    title_of_char = np.repeat(np.arange(len(padded), dtype=np.int64), lengths)
    codes = _gram_hashes(_code_points("".join(padded)))
    titles = title_of_char[: len(codes)]
    inside = titles == title_of_char[GRAM - 1 :]
    vocab, grams = np.unique(codes[inside], return_inverse=True)
    pairs = _sorted_unique(grams * len(padded) + titles[inside])
    return vocab, pairs // len(padded), (pairs % len(padded)).astype(np.int32)


def _merge_counts(
    vocab: np.ndarray, counts: np.ndarray, new_vocab: np.ndarray, new_counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    merged, inverse = np.unique(np.concatenate([vocab, new_vocab]), return_inverse=True)
    totals = np.bincount(inverse, weights=np.concatenate([counts, new_counts]))
    return merged, totals.astype(np.int64)


def _chunks(keys: _PackedStrings) -> Iterator[tuple[int, list[str]]]:
    """Keys a chunk at a time: only one chunk is ever held as Python strings."""
    for start in range(0, len(keys), BUILD_CHUNK):
        yield start, keys.take(range(start, min(start + BUILD_CHUNK, len(keys))))


class _Slices:
    """``array[start:stop]`` of a 1-D array. A large stored (memory-mapped) array is read with
    ``pread`` instead of through its map: read pages stay in the page cache, shared by every
    process, while mapped pages also count in each process's RSS, and the kernel maps them
    in large blocks (a few hundred queries mapped 600 of the 640 MB of postings at 2.5M)."""

    def __init__(self, array: np.ndarray) -> None:
        self._array = array
        self._file: int | None = None
        mapped = memory_map(array)
        if (
            mapped is not None
            and mapped.filename
            and mapped.size == array.size
            and array.nbytes > MAPPED_READS_MAX_BYTES
        ):
            self._offset = mapped.offset
            self._file = os.open(mapped.filename, os.O_RDONLY)
            weakref.finalize(self, os.close, self._file)

    def __call__(self, start: int, stop: int) -> np.ndarray:
        if self._file is None:
            return self._array[start:stop]
        size = self._array.dtype.itemsize
        data = os.pread(self._file, (stop - start) * size, self._offset + start * size)
        return np.frombuffer(data, dtype=self._array.dtype)


@dataclass(frozen=True)
class _Postings:
    """Inverted index in CSR form: titles holding gram ``vocab[g]`` are
    ``postings[offsets[g]:offsets[g + 1]]``, in increasing order."""

    vocab: np.ndarray  # uint64 gram hashes, sorted
    offsets: np.ndarray  # int64, len(vocab) + 1
    postings: np.ndarray  # int32 title positions
    read: _Slices = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "read", _Slices(self.postings))

    @classmethod
    def build(cls, keys: _PackedStrings) -> _Postings:
        """Two passes over chunks (count, then place), so memory stays near the final size."""
        vocab = np.zeros(0, dtype=np.uint64)
        counts = np.zeros(0, dtype=np.int64)
        for _, chunk in _chunks(keys):
            chunk_vocab, grams, _ = _chunk_grams(chunk)
            chunk_counts = np.bincount(grams, minlength=len(chunk_vocab))
            vocab, counts = _merge_counts(vocab, counts, chunk_vocab, chunk_counts)
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        postings = np.empty(int(offsets[-1]), dtype=np.int32)
        cursor = offsets[:-1].copy()
        for start, chunk in _chunks(keys):
            chunk_vocab, grams, titles = _chunk_grams(chunk)
            # Both vocabularies are sorted, so pairs stay sorted by (gram, title).
            grams = np.searchsorted(vocab, chunk_vocab)[grams]
            group_start = np.flatnonzero(np.r_[True, grams[1:] != grams[:-1]])
            sizes = np.diff(np.r_[group_start, len(grams)])
            rank = np.arange(len(grams)) - np.repeat(group_start, sizes)
            postings[cursor[grams] + rank] = titles + start
            cursor[grams[group_start]] += sizes
        return cls(vocab, offsets, postings)

    def candidates(self, key: str, keys: _PackedStrings) -> np.ndarray:
        """Positions of the titles sharing most of the query's rarest grams; among titles
        sharing as many, those closest in length (``ratio`` punishes length differences)."""
        if not len(self.vocab):
            return np.zeros(0, dtype=np.int32)
        codes = _sorted_unique(_gram_hashes(_code_points(_padded(key))))
        grams = np.minimum(np.searchsorted(self.vocab, codes), len(self.vocab) - 1)
        grams = grams[self.vocab[grams] == codes]
        if not len(grams):
            return np.zeros(0, dtype=np.int32)
        sizes = self.offsets[grams + 1] - self.offsets[grams]
        order = np.argsort(sizes, kind="stable")[:QUERY_GRAMS]
        sizes = sizes[order]
        within = np.cumsum(sizes) <= POSTINGS_BUDGET
        within[:MIN_QUERY_GRAMS] = True
        chosen = grams[order][within]
        hits = np.concatenate(
            [self.read(int(self.offsets[g]), int(self.offsets[g + 1])) for g in chosen]
        )
        titles, shared = np.unique(hits, return_counts=True)
        if len(titles) <= CANDIDATES:
            return titles
        length_gap = np.abs(keys.lengths(titles.astype(np.int64)) - len(key.encode()))
        rank = shared.astype(np.int64) * (1 << 32) - length_gap
        best = np.argpartition(-rank, CANDIDATES - 1)[:CANDIDATES]
        return titles[best]


class _PackedStrings:
    """Strings packed by ``pack_strings`` (one UTF-8 buffer and offsets: a fraction of the
    memory of a list of ``str`` at 2.5M titles), read a slice at a time with ``_Slices``:
    ``take`` decodes only the strings asked for."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray) -> None:
        self.data = data  # uint8
        self._read = _Slices(data)
        self.offsets = offsets  # int64, len(self) + 1

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lengths(self, positions: np.ndarray) -> np.ndarray:
        """Bytes of each string at ``positions``."""
        return self.offsets[positions + 1] - self.offsets[positions]

    def take(self, positions: Sequence[int]) -> list[str]:
        positions = np.asarray(positions, dtype=np.int64)
        starts = self.offsets[positions].tolist()
        ends = self.offsets[positions + 1].tolist()
        return [self._read(s, e).tobytes().decode() for s, e in zip(starts, ends, strict=True)]


# What a stored index depends on besides the catalog: this module's code (gram hashing,
# normalisation, layout).
_INDEX_SOURCE = inspect.getsource(sys.modules[__name__])
_ARRAYS = ("vocab", "offsets", "postings", "keys", "key_offsets")


def _arrays(postings: _Postings, keys: _PackedStrings) -> dict[str, np.ndarray]:
    return {
        "vocab": postings.vocab,
        "offsets": postings.offsets,
        "postings": postings.postings,
        "keys": keys.data,
        "key_offsets": keys.offsets,
    }


def _fits(arrays: Mapping[str, np.ndarray], titles: int) -> bool:
    """Whether stored arrays have the shapes of an index of ``titles`` titles."""
    if any(name not in arrays or arrays[name].ndim != 1 for name in _ARRAYS):
        return False
    return (
        len(arrays["key_offsets"]) == titles + 1
        and len(arrays["offsets"]) == len(arrays["vocab"]) + 1
        and int(arrays["offsets"][-1]) == len(arrays["postings"])
        and int(arrays["key_offsets"][-1]) == len(arrays["keys"])
    )


class TitleIndex:
    """Fuzzy search over catalog titles, scored with ``fuzz.ratio`` on compact titles.

    ``ratio`` was chosen by measurement: it tolerates case, typos and missing spaces but, unlike
    ``token_set_ratio`` or ``partial_ratio``, does not give 100 to a title that is only a part
    of a longer one ("Attention Is All You Need" vs "... in Speech Separation").

    ``paper_ids[row]`` is the paper of ``titles``' row ``row`` (a list, or the catalog's
    column). The n-gram index is built on the first search, or opened from ``cache_dir`` when
    one is stored there for ``catalog_sha256``, so that creating an index costs nothing until
    it is used; ``titles`` is read only to build it.
    """

    def __init__(
        self,
        paper_ids: Sequence[str],
        titles: Iterable[str],
        *,
        catalog_sha256: str | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self._paper_ids = paper_ids
        self._titles: Iterable[str] | None = titles
        self._cache_dir = cache_dir if catalog_sha256 else None
        self._key = store_key(catalog_sha256 or "", _INDEX_SOURCE)
        self._index: tuple[_Postings, _PackedStrings] | None = None

    def __len__(self) -> int:
        return len(self._paper_ids)

    def open(self) -> None:
        """Open the stored index now, building and storing it first if it is not there
        (otherwise that happens at the first search)."""
        self._loaded()

    def _loaded(self) -> tuple[_Postings, _PackedStrings]:
        if self._index is None:
            arrays = cached_arrays(
                self._cache_dir,
                "title-index",
                self._key,
                self._build,
                lambda stored: _fits(stored, len(self)),
            )
            self._index = (
                _Postings(arrays["vocab"], arrays["offsets"], arrays["postings"]),
                _PackedStrings(arrays["keys"], arrays["key_offsets"]),
            )
            self._titles = None
        return self._index

    def _build(self) -> dict[str, np.ndarray]:
        keys = _PackedStrings(*pack_strings(compact_title(t) for t in self._titles or []))
        if len(keys) != len(self):
            raise ValueError(f"{len(self)} paper ids for {len(keys)} titles")
        return _arrays(_Postings.build(keys), keys)

    def search(self, text: str, limit: int = 3) -> list[tuple[str, float]]:
        """The best ``limit`` papers as (paper_id, ratio score), best first."""
        query = compact_title(text)
        if not query:
            return []
        postings, keys = self._loaded()
        positions = postings.candidates(query, keys)
        if not len(positions):
            return []
        hits = process.extract(query, keys.take(positions), scorer=fuzz.ratio, limit=limit * 2)
        best: dict[str, float] = {}
        for _, score, choice in hits:
            paper_id = self._paper_ids[int(positions[choice])]
            best[paper_id] = max(best.get(paper_id, 0.0), float(score))
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:limit]
