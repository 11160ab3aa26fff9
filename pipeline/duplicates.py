"""Documents that hold the same text under two names.

Two documents are duplicates when their decoded texts are equal (same sha256 of the text,
whatever the encoding on disk) or nearly so: the Jaccard similarity of their sets of character
shingles is at least ``NEAR_DUPLICATE_JACCARD``. Character shingles work for Chinese, which has
no spaces between words. Each duplicate names the first document (in ``source_file`` order) of
its group, so the answer is the same on every run.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Mapping
from itertools import islice

import pandas as pd

NEAR_DUPLICATE_JACCARD = 0.9
SHINGLE_CHARS = 5
# The share of a document's shingles looked up first in the other's; and the slack of a bound
# computed in floating point.
PROBE_SHARE = 0.2
TOLERANCE = 1e-9


def _normalised(text: str) -> str:
    """Case, Unicode form and runs of whitespace do not make two texts different."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _shingles(text: str) -> frozenset[str]:
    if len(text) <= SHINGLE_CHARS:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i : i + SHINGLE_CHARS] for i in range(len(text) - SHINGLE_CHARS + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    shared = len(a & b)  # the union's size follows: no second set is built
    return shared / (len(a) + len(b) - shared)


def duplicate_of(texts: Mapping[str, str], threshold: float = NEAR_DUPLICATE_JACCARD) -> pd.Series:
    """For each document (index: ``source_file``, sorted), the ``source_file`` of the first
    document with the same or nearly the same text, else null.

    Exact copies are grouped by hash; the rest are compared pairwise, skipping pairs whose
    shingle counts alone rule out the threshold (|A|/|B| < threshold) or whose shingles
    missing among a fifth of one document's already do (exact: the same answers as comparing
    every pair whole).
    """
    names = sorted(texts)
    result = pd.Series(None, index=pd.Index(names, name="source_file"), dtype="object")
    first_by_hash: dict[str, str] = {}
    originals: list[tuple[str, frozenset[str]]] = []
    for name in names:
        text = _normalised(texts[name])
        if not text:
            continue  # empty documents carry nothing to duplicate
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in first_by_hash:
            result[name] = first_by_hash[digest]
            continue
        shingles = _shingles(text)
        first_by_hash[digest] = name
        probe = frozenset(islice(shingles, math.ceil(PROBE_SHARE * len(shingles))))
        for original, original_shingles in originals:
            small, large = sorted((len(shingles), len(original_shingles)))
            if small < threshold * large:
                continue
            # Jaccard >= t needs |A & B| >= t (|A| + |B|) / (1 + t): at most this many
            # shingles of A missing from B, so as many missing among a fifth of A rule the
            # pair out exactly, at a fifth of the cost (most similar-sized pairs are far
            # from the threshold).
            allowed = len(shingles) - threshold * (len(shingles) + len(original_shingles)) / (
                1 + threshold
            )
            if len(probe) - len(probe & original_shingles) > allowed + TOLERANCE:
                continue
            if jaccard(shingles, original_shingles) >= threshold:
                result[name] = first_by_hash[digest] = original
                break
        else:
            originals.append((name, shingles))
    return result.where(result.notna(), None)


def mark_duplicates(documents: pd.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
    """``documents`` with its ``duplicate_of`` column (schema version 2) filled from ``texts``."""
    if "duplicate_of" not in documents:
        return documents
    found = documents["source_file"].map(duplicate_of(texts).dropna()).astype(object)
    return documents.assign(duplicate_of=found.where(found.notna(), None))
