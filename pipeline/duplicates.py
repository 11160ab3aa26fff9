"""Documents that hold the same text under two names.

Two documents are duplicates when their decoded texts are equal (same sha256 of the text,
whatever the encoding on disk) or nearly so: the Jaccard similarity of their sets of character
shingles is at least ``NEAR_DUPLICATE_JACCARD``. Character shingles work for Chinese, which has
no spaces between words. Each duplicate names the first document (in ``source_file`` order) of
its group, so the answer is the same on every run.

Shingles are compared as 64-bit hashes (numpy arrays, not sets of Python strings), and only
the pairs that can reach the threshold are compared at all (prefix filtering, as in Bayardo et
al., "Scaling up all pairs similarity search", 2007): with every document's shingles in one
order, rarest first, two sets of Jaccard >= t share one of the first |A| - ceil(t |A|) + 1
shingles of each. Such a pair is compared whole only if two cheap exact bounds let it reach
the threshold: its sizes (Jaccard <= |A| / |B| for |A| <= |B|) and the bits in which the
sets' bitmaps differ (see ``_bitmaps_allow``), which skip nearly every pair of variants of
one text that are not near duplicates. The answers are those of comparing every pair (a
64-bit hash collision aside), and the work grows with the documents rather than with their
pairs.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

NEAR_DUPLICATE_JACCARD = 0.9
SHINGLE_CHARS = 5
# Slack of a bound computed in floating point: a prefix one shingle longer, or one more pair
# compared whole, costs nothing.
TOLERANCE = 1e-9
# A set's bitmap has 4 to 8 bits per shingle (a power of two, at least one 64-bit word):
# sparse enough that nearly every pair far below the threshold is skipped (500 seed copies:
# 23 of 10,318 pairs left to compare whole, 230 at 1 to 2 bits), at half a byte to a byte per
# shingle, an eighth of its hashes at most (2,000 pages: 3.5 MB in all). The cap (64 KB)
# bounds a huge document's; a denser bitmap skips fewer pairs but stays exact.
BITMAP_BITS_PER_SHINGLE = 4
MAX_BITMAP_BITS = 1 << 19
# FNV-1a over the code points of a shingle, then splitmix64's finaliser to spread the bits.
FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)


def _normalised(text: str) -> str:
    """Case, Unicode form and runs of whitespace do not make two texts different."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def shingle_hashes(text: str) -> np.ndarray:
    """The sorted, distinct 64-bit hashes of the text's shingles of ``SHINGLE_CHARS``
    characters (a shorter text is one shingle)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    if len(codes) == 0:
        return np.zeros(0, dtype=np.uint64)
    width = min(SHINGLE_CHARS, len(codes))
    windows = sliding_window_view(codes, width)
    hashed = np.full(len(windows), FNV_OFFSET ^ np.uint64(width), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(width):
            hashed ^= windows[:, column]
            hashed *= FNV_PRIME
        hashed ^= hashed >> np.uint64(30)
        hashed *= MIX_1
        hashed ^= hashed >> np.uint64(27)
        hashed *= MIX_2
        hashed ^= hashed >> np.uint64(31)
    hashed.sort()  # numpy 2's np.unique hashes instead of sorting: many times slower here
    return hashed[np.concatenate(([True], hashed[1:] != hashed[:-1]))]


def _prefix_length(size: int, threshold: float) -> int:
    """How many of a set's first shingles (rarest first) every set of Jaccard >= threshold
    with it shares one of."""
    return size - math.ceil(threshold * size - TOLERANCE) + 1


def _rarest_first(shingles: list[np.ndarray]) -> list[np.ndarray]:
    """Each document's shingles as ranks in one order of all of them: by how many documents
    hold the shingle, then by the hash (a total order, the same for every document)."""
    if not shingles:
        return []
    every = np.concatenate(shingles)
    distinct, position, holders = np.unique(every, return_inverse=True, return_counts=True)
    ranks = holders[position].astype(np.int64) * len(distinct) + position
    return np.split(ranks, np.cumsum([len(s) for s in shingles])[:-1])


def _near_duplicates(shingles: list[np.ndarray], threshold: float) -> list[int | None]:
    """For each set (in order), the position of the first earlier set that is no near
    duplicate itself and has Jaccard >= threshold with it, else None."""
    holders_of: dict[int, list[int]] = defaultdict(list)  # a prefix's rank -> originals
    sizes = np.array([len(own) for own in shingles], dtype=np.int64)
    bitmaps = _Bitmaps(shingles)
    found: list[int | None] = []
    for position, ranks in enumerate(_rarest_first(shingles)):
        length = _prefix_length(len(ranks), threshold)
        prefix = np.partition(ranks, length - 1)[:length].tolist()
        sharing = set().union(*filter(None, map(holders_of.get, prefix)))
        candidates = np.array(sorted(sharing), dtype=np.intp)
        candidates = candidates[_sizes_allow(sizes[position], sizes[candidates], threshold)]
        if len(candidates):
            candidates = candidates[
                _bitmaps_allow(
                    bitmaps[position],
                    [bitmaps[o] for o in candidates.tolist()],
                    sizes[position] + sizes[candidates],
                    threshold,
                )
            ]
        own = shingles[position]
        match = next(
            (o for o in candidates.tolist() if _similar(own, shingles[o], threshold)), None
        )
        found.append(match)
        if match is None:
            for rank in prefix:
                holders_of[rank].append(position)
        else:
            bitmaps.pop(position, None)  # a near duplicate is never a candidate
    return found


def _sizes_allow(size: int, others: np.ndarray, threshold: float) -> np.ndarray:
    """Which of ``others`` can reach the threshold with a set of ``size``: Jaccard is at most
    the smaller size over the larger."""
    return np.minimum(others, size) >= threshold * np.maximum(others, size) * (1 - TOLERANCE)


class _Bitmaps(dict[int, np.ndarray]):
    """Each set's bitmap (by position), made when first compared: most sets never are."""

    def __init__(self, shingles: list[np.ndarray]) -> None:
        super().__init__()
        self._shingles = shingles

    def __missing__(self, position: int) -> np.ndarray:
        bitmap = self[position] = _bitmap(self._shingles[position])
        return bitmap


def _bitmap(hashes: np.ndarray) -> np.ndarray:
    """The set's hashes as bits (hash mod a power of two sized from the set), in 64-bit words.
    A bit set in one bitmap and not in another stands for a shingle of the one the other
    lacks, a distinct shingle for each such bit."""
    wanted = BITMAP_BITS_PER_SHINGLE * max(1, len(hashes))
    bits = min(MAX_BITMAP_BITS, max(64, 1 << (wanted - 1).bit_length()))
    flags = np.zeros(bits, dtype=bool)
    flags[(hashes & np.uint64(bits - 1)).astype(np.intp)] = True
    return np.packbits(flags).view(np.uint64)


def _folded(bitmap: np.ndarray, words: int) -> np.ndarray:
    """The bitmap in ``words`` words, as if made with hash mod that many fewer bits: bits a
    multiple of the width apart fall on one bit, so two bitmaps of different widths compare."""
    if len(bitmap) == words:
        return bitmap
    return np.bitwise_or.reduce(bitmap.reshape(-1, words), axis=0)


def _bitmaps_allow(
    own: np.ndarray, others: list[np.ndarray], size_sums: np.ndarray, threshold: float
) -> np.ndarray:
    """Which of ``others`` can reach the threshold with ``own``, by the bits their bitmaps
    differ in: Jaccard >= t means |A and B| >= t (|A| + |B|) / (1 + t), so
    |A xor B| <= (1 - t)(|A| + |B|) / (1 + t), and the bits that differ are at most |A xor B|."""
    words = min(len(own), *(len(other) for other in others))
    differing = np.bitwise_count(
        np.stack([_folded(other, words) for other in others]) ^ _folded(own, words)
    ).sum(axis=1)
    return differing <= (1 - threshold) / (1 + threshold) * size_sums * (1 + TOLERANCE)


def _similar(a: np.ndarray, b: np.ndarray, threshold: float) -> bool:
    """Jaccard(a, b) >= threshold, for sorted arrays of distinct hashes."""
    if len(a) > len(b):
        a, b = b, a
    shared = int(np.count_nonzero(b[np.minimum(np.searchsorted(b, a), len(b) - 1)] == a))
    return shared / (len(a) + len(b) - shared) >= threshold


def duplicate_of(texts: Mapping[str, str], threshold: float = NEAR_DUPLICATE_JACCARD) -> pd.Series:
    """For each document (index: ``source_file``, sorted), the ``source_file`` of the first
    document with the same or nearly the same text, else null. A near duplicate names the
    first earlier document that is no duplicate itself; an exact copy names what the first
    document of its text names (that document, or the one it nearly duplicates)."""
    names = sorted(texts)
    first_by_hash: dict[str, str] = {}
    copies: dict[str, str] = {}  # a document -> the first document of its text
    distinct: list[str] = []
    shingles: list[np.ndarray] = []
    first_by_given: dict[str, str] = {}  # a text as given -> the first document of its text
    for name in names:
        if texts[name] in first_by_given:  # a byte-for-byte copy needs no normalising
            copies[name] = first_by_given[texts[name]]
            continue
        text = _normalised(texts[name])
        if not text:
            continue  # empty documents carry nothing to duplicate
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in first_by_hash:
            copies[name] = first_by_given[texts[name]] = first_by_hash[digest]
            continue
        first_by_hash[digest] = first_by_given[texts[name]] = name
        distinct.append(name)
        shingles.append(shingle_hashes(text))
    near = {
        name: distinct[match]
        for name, match in zip(distinct, _near_duplicates(shingles, threshold), strict=True)
        if match is not None
    }
    result = pd.Series(None, index=pd.Index(names, name="source_file"), dtype="object")
    for name, original in near.items():
        result[name] = original
    for name, first in copies.items():
        result[name] = near.get(first, first)
    return result.where(result.notna(), None)


def mark_duplicates(documents: pd.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
    """``documents`` with its ``duplicate_of`` column (schema version 2) filled from ``texts``."""
    if "duplicate_of" not in documents:
        return documents
    found = documents["source_file"].map(duplicate_of(texts).dropna()).astype(object)
    return documents.assign(duplicate_of=found.where(found.notna(), None))
