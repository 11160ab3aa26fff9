"""Strings kept as arrays: one UTF-8 buffer and the offsets where each string starts.

A catalog's tables of names and surnames are stored this way and memory-mapped, so a process
holds no Python object per entry; a sorted table is searched by bisection, reading a few
entries per lookup.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

import numpy as np


def pack_strings(strings: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """(UTF-8 bytes, offsets): string ``i`` is ``data[offsets[i]:offsets[i + 1]]``."""
    encoded = [s.encode() for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


class PackedStrings:
    """Read access by position to strings packed by ``pack_strings``."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray) -> None:
        self._data = data
        self._offsets = offsets

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

    def find(self, value: str) -> int | None:
        """Position of ``value`` in a sorted table, if there."""
        position = bisect.bisect_left(self, value)
        return position if position < len(self) and self[position] == value else None
