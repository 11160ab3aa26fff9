"""The catalog's columns by row, and rows found by paper id or arXiv id, without a Python
object per paper.

Dicts from every paper id to its title and arXiv id (and back) hold three Python strings per
paper: 1.3 GB at 2.5M papers, rebuilt by every process. The validated catalog already holds
these columns as Arrow arrays (memory-mapped from its store), sorted by paper id, so a paper id
is found by binary search on its column (~22 values read), and an arXiv id by binary search
through the rows sorted by arXiv id: one int32 array, stored per catalog and memory-mapped.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.catalog import Catalog, arrow_column
from pipeline.catalog_store import cached_arrays, store_key

# Rows converted to Python strings at once when a whole column is read (building an index).
READ_CHUNK = 20_000
# Rows a lookup keeps for the keys it was asked most recently.
ROWS_KEPT = 1 << 14


class ColumnValues(Sequence):
    """One catalog column by row; a value becomes a Python object only when read."""

    def __init__(self, array: pa.ChunkedArray) -> None:
        self._array = array

    def __len__(self) -> int:
        return len(self._array)

    def __getitem__(self, row: int) -> str | None:  # type: ignore[override]
        return self._array[row].as_py()

    def __iter__(self) -> Iterator[str | None]:
        """A chunk at a time: only ``READ_CHUNK`` values are held as Python objects."""
        for chunk in self._array.chunks:
            for start in range(0, len(chunk), READ_CHUNK):
                yield from chunk.slice(start, READ_CHUNK).to_pylist()


class ColumnLookup(Mapping):
    """``values[row]`` by ``keys[row]``: rows ``order`` (or all rows, when ``order`` is None)
    are sorted by key, so a key's row is found by binary search. Among equal keys the last
    row wins, as in a dict built row by row."""

    def __init__(
        self, keys: ColumnValues, values: ColumnValues, order: np.ndarray | None = None
    ) -> None:
        self._keys = keys
        self._values = values
        self._order = order
        # A document names the same papers again and again (a title ranked for every span
        # near it, a paper linked at each mention): their rows are kept, not searched again.
        self.row = lru_cache(maxsize=ROWS_KEPT)(self._search)

    def __len__(self) -> int:
        return len(self._keys) if self._order is None else len(self._order)

    def _row(self, position: int) -> int:
        return position if self._order is None else int(self._order[position])

    def _search(self, key: str) -> int | None:
        """The row of ``key``, or None when no row has it."""
        low, high = 0, len(self)
        while low < high:  # first position whose key is greater than ``key``
            middle = (low + high) // 2
            if key < self._keys[self._row(middle)]:
                high = middle
            else:
                low = middle + 1
        if low and self._keys[self._row(low - 1)] == key:
            return self._row(low - 1)
        return None

    def __getitem__(self, key: str) -> str | None:
        row = self.row(key) if isinstance(key, str) else None
        if row is None:
            raise KeyError(key)
        return self._values[row]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.row(key) is not None

    def __iter__(self) -> Iterator[str]:
        return (self._keys[self._row(p)] for p in range(len(self)))


def arxiv_order(papers: pd.DataFrame) -> np.ndarray:
    """The rows that have an arXiv id, sorted by it (stable: equal ids keep row order)."""
    arxiv = arrow_column(papers["arxiv_id"])
    present = pc.fill_null(pc.not_equal(arxiv, ""), False)
    rows = np.flatnonzero(present.to_numpy(zero_copy_only=False)).astype(np.int32)
    order = pc.sort_indices(arxiv.take(rows)).to_numpy()
    return rows[order]


# What the stored order depends on besides the catalog: the code that computes it.
_ORDER_SOURCE = inspect.getsource(arxiv_order) + inspect.getsource(arrow_column)


class CatalogColumns:
    """The catalog's paper ids, titles and arXiv ids by row, and the mappings the linker
    reads: ``paper_by_arxiv``, ``arxiv_by_paper`` and ``title_by_paper`` (``get``,
    ``[]``, ``in`` as on a dict). ``papers`` must be sorted by paper id, as
    ``load_catalog`` leaves them, with each id once."""

    def __init__(self, papers: pd.DataFrame, by_arxiv: np.ndarray) -> None:
        self.paper_ids = ColumnValues(arrow_column(papers["paper_id"]))
        self.titles = ColumnValues(arrow_column(papers["title"]))
        self.arxiv_ids = ColumnValues(arrow_column(papers["arxiv_id"]))
        self.paper_by_arxiv = ColumnLookup(self.arxiv_ids, self.paper_ids, by_arxiv)
        self.arxiv_by_paper = ColumnLookup(self.paper_ids, self.arxiv_ids)
        self.title_by_paper = ColumnLookup(self.paper_ids, self.titles)

    def __len__(self) -> int:
        return len(self.paper_ids)

    @classmethod
    def of(cls, catalog: Catalog, cache_dir: Path | None = None) -> CatalogColumns:
        """The catalog's columns; the arXiv order stored per catalog sha256 in ``cache_dir``
        (memory-mapped by every process), worked out here when there is none. Whether the
        paper ids are sorted is checked then too: a stored order is of a sorted catalog."""

        def build() -> dict[str, np.ndarray]:
            ids = arrow_column(catalog.papers["paper_id"])
            if len(ids) > 1 and not pc.all(pc.less(ids[:-1], ids[1:])).as_py():
                raise ValueError("catalog papers are not sorted by paper_id with each id once")
            return {"arxiv_order": arxiv_order(catalog.papers)}

        def fits(arrays: Mapping[str, np.ndarray]) -> bool:
            order = arrays.get("arxiv_order")
            return (
                order is not None
                and order.dtype == np.int32
                and order.ndim == 1
                and len(order) <= len(catalog)
            )

        key = store_key(catalog.sha256, _ORDER_SOURCE)
        stored = cached_arrays(cache_dir, "catalog-columns", key, build, fits)
        return cls(catalog.papers, stored["arxiv_order"])
