"""Strings kept as arrays: one UTF-8 buffer and the offsets where each string starts.

A catalog's tables of names and surnames are stored this way and memory-mapped, so a process
holds no Python object per entry; a sorted table is searched by bisection, reading a few
entries per lookup.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

# Strings encoded at a time while packing: no list of all of them (2.5M titles) is made.
PACK_CHUNK = 500_000
# Lookups a table remembers: a page names the same few names again and again, and a lookup
# in a large table decodes some twenty entries.
MAX_REMEMBERED_LOOKUPS = 1 << 16


def pack_strings(strings: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """(UTF-8 bytes, offsets): string ``i`` is ``data[offsets[i]:offsets[i + 1]]``."""
    buffer = bytearray()
    lengths: list[int] = []
    strings = iter(strings)
    while encoded := [s.encode() for s in itertools.islice(strings, PACK_CHUNK)]:
        lengths.extend(map(len, encoded))
        buffer += b"".join(encoded)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.frombuffer(buffer, dtype=np.uint8), offsets


class PackedStrings:
    """Read access by position to strings packed by ``pack_strings``."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray) -> None:
        self._data = data
        self._offsets = offsets
        self.find = lru_cache(maxsize=MAX_REMEMBERED_LOOKUPS)(self._find)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, position: int) -> str:
        if not 0 <= position < len(self):
            raise IndexError(position)
        start, end = self._offsets[position : position + 2].tolist()
        return self._data[start:end].tobytes().decode()

    def slice(self, start: int, end: int) -> list[str]:
        """Strings ``start`` to ``end - 1``."""
        return [self[i] for i in range(start, end)]

    def _find(self, value: str) -> int | None:
        """Position of ``value`` in a sorted table, if there."""
        position = bisect.bisect_left(self, value)
        return position if position < len(self) and self[position] == value else None
