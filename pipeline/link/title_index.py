"""Fuzzy search over catalog titles: blocked by rare character n-grams, scored by rapidfuzz.

Brute force (``ratio`` against every title) answers about one query per second against the
311k-title arXiv snapshot. Instead, every compact title is cut into overlapping character
5-grams held in an inverted index; a query looks up only its rarest 5-grams, keeps the titles
that share most of them, and scores those few with the same ``fuzz.ratio`` as before. Character
n-grams of the compact title (no spaces) survive case, missing spaces ("fromMulti-Head"),
truncation, dropped words and typos: a typo spoils at most five 5-grams of a title's ~60.

The index is a handful of numpy arrays, so it is cached as an ``.npz`` file (loaded with
``allow_pickle=False``) keyed by the catalog's sha256.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from pipeline.catalog_store import prune
from pipeline.files import write_atomically

LOG = logging.getLogger(__name__)
NON_WORD = re.compile(r"[\W_]+")

GRAM = 5
# Bump when the layout or the gram hashing changes: older cache files are then rebuilt.
INDEX_FORMAT = 1
# Rarest grams of a query looked up, and the most postings read unless fewer grams remain.
QUERY_GRAMS = 12
MIN_QUERY_GRAMS = 4
POSTINGS_BUDGET = 20_000
# Titles (those sharing most looked-up grams) scored with ``ratio`` per query.
CANDIDATES = 64
# Titles handled at once while building: bounds the build's temporary arrays (~40 MB).
BUILD_CHUNK = 20_000
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


@dataclass(frozen=True)
class _Postings:
    """Inverted index in CSR form: titles holding gram ``vocab[g]`` are
    ``postings[offsets[g]:offsets[g + 1]]``, in increasing order."""

    vocab: np.ndarray  # uint64 gram hashes, sorted
    offsets: np.ndarray  # int64, len(vocab) + 1
    postings: np.ndarray  # int32 title positions

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

    def candidates(self, key: str, key_lengths: np.ndarray) -> np.ndarray:
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
            [self.postings[self.offsets[g] : self.offsets[g + 1]] for g in chosen]
        )
        titles, shared = np.unique(hits, return_counts=True)
        if len(titles) <= CANDIDATES:
            return titles
        length_gap = np.abs(key_lengths[titles] - len(key.encode()))
        rank = shared.astype(np.int64) * (1 << 32) - length_gap
        best = np.argpartition(-rank, CANDIDATES - 1)[:CANDIDATES]
        return titles[best]


class _PackedStrings:
    """Strings as one UTF-8 buffer plus offsets: a fraction of the memory of a list of
    ``str`` (2.5M titles), and safe to store in an npz. The buffer is held once: ``data`` is
    a numpy view of the same bytes that ``take`` slices."""

    def __init__(self, buffer: bytes | bytearray, offsets: np.ndarray) -> None:
        self._buffer = buffer
        self.data = np.frombuffer(buffer, dtype=np.uint8)
        self.offsets = offsets
        self.lengths = np.diff(offsets)

    @classmethod
    def pack(cls, strings: Iterable[str]) -> _PackedStrings:
        """Encoded a chunk at a time, so no second list of all the strings is ever made."""
        buffer = bytearray()
        lengths: list[int] = []
        strings = iter(strings)
        while encoded := [s.encode() for s in itertools.islice(strings, BUILD_CHUNK)]:
            lengths.extend(map(len, encoded))
            buffer += b"".join(encoded)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(buffer, offsets)

    @classmethod
    def from_arrays(cls, data: np.ndarray, offsets: np.ndarray) -> _PackedStrings:
        return cls(data.tobytes(), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def take(self, positions: Sequence[int]) -> list[str]:
        positions = np.asarray(positions, dtype=np.int64)
        starts = self.offsets[positions].tolist()
        ends = self.offsets[positions + 1].tolist()
        return [self._buffer[s:e].decode() for s, e in zip(starts, ends, strict=True)]


def cache_file(cache_dir: Path, catalog_sha256: str) -> Path:
    return cache_dir / f"title-index-v{INDEX_FORMAT}-{catalog_sha256}.npz"


class TitleIndex:
    """Fuzzy search over catalog titles, scored with ``fuzz.ratio`` on compact titles.

    ``ratio`` was chosen by measurement: it tolerates case, typos and missing spaces but, unlike
    ``token_set_ratio`` or ``partial_ratio``, does not give 100 to a title that is only a part
    of a longer one ("Attention Is All You Need" vs "... in Speech Separation").

    The n-gram index is built on the first search (or loaded from ``cache_dir`` when a file
    for ``catalog_sha256`` is there), so that creating an index costs nothing until it is used.
    """

    def __init__(
        self,
        paper_ids: list[str],
        titles: list[str],
        *,
        catalog_sha256: str | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        if len(paper_ids) != len(titles):
            raise ValueError(f"{len(paper_ids)} paper ids for {len(titles)} titles")
        self._source: tuple[list[str], list[str]] | None = (paper_ids, titles)
        self._cache = (
            cache_file(cache_dir, catalog_sha256) if cache_dir and catalog_sha256 else None
        )
        self._catalog_sha256 = catalog_sha256 or ""
        self._index: tuple[_Postings, _PackedStrings, _PackedStrings] | None = None

    def __len__(self) -> int:
        return len(self._source[0]) if self._source else len(self._loaded()[1])

    def _loaded(self) -> tuple[_Postings, _PackedStrings, _PackedStrings]:
        if self._index is None:
            self._index = (self._cache and self._read_cache(self._cache)) or self._build()
            self._source = None
        return self._index

    def _build(self) -> tuple[_Postings, _PackedStrings, _PackedStrings]:
        paper_ids, titles = self._source
        keys = _PackedStrings.pack(compact_title(t) for t in titles)
        index = (_Postings.build(keys), keys, _PackedStrings.pack(paper_ids))
        if self._cache:
            try:
                self._write_cache(self._cache, index)
            except OSError as exc:
                LOG.warning("title index not cached in %s: %s", self._cache.parent, exc)
        return index

    def _read_cache(self, path: Path) -> tuple[_Postings, _PackedStrings, _PackedStrings] | None:
        """The cached index, or None when absent, unreadable or made for another catalog."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, KeyError):
            return None
        meta = arrays.get("catalog_sha256")
        if meta is None or meta.tobytes().decode() != self._catalog_sha256:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by pruning
        try:
            return (
                _Postings(arrays["vocab"], arrays["offsets"], arrays["postings"]),
                _PackedStrings.from_arrays(arrays.pop("keys"), arrays["key_offsets"]),
                _PackedStrings.from_arrays(arrays.pop("paper_ids"), arrays["paper_id_offsets"]),
            )
        except KeyError:
            return None

    def _write_cache(
        self, path: Path, index: tuple[_Postings, _PackedStrings, _PackedStrings]
    ) -> None:
        """Written under a temporary name and renamed, so a reader never sees half a file."""
        postings, keys, paper_ids = index
        write_atomically(
            path,
            lambda sink: np.savez(
                sink,
                vocab=postings.vocab,
                offsets=postings.offsets,
                postings=postings.postings,
                keys=keys.data,
                key_offsets=keys.offsets,
                paper_ids=paper_ids.data,
                paper_id_offsets=paper_ids.offsets,
                catalog_sha256=np.frombuffer(self._catalog_sha256.encode(), dtype=np.uint8),
            ),
        )
        prune(path.parent, f"title-index-v{INDEX_FORMAT}", suffix=".npz")

    def search(self, text: str, limit: int = 3) -> list[tuple[str, float]]:
        """The best ``limit`` papers as (paper_id, ratio score), best first."""
        query = compact_title(text)
        if not query:
            return []
        postings, keys, paper_ids = self._loaded()
        positions = postings.candidates(query, keys.lengths)
        if not len(positions):
            return []
        hits = process.extract(query, keys.take(positions), scorer=fuzz.ratio, limit=limit * 2)
        ids = paper_ids.take([int(positions[choice]) for _, _, choice in hits])
        best: dict[str, float] = {}
        for paper_id, (_, score, _) in zip(ids, hits, strict=True):
            best[paper_id] = max(best.get(paper_id, 0.0), float(score))
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:limit]
