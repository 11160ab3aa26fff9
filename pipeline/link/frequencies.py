"""Word frequencies on wordfreq's Zipf scale, from tables stored once per wordfreq version.

wordfreq reads a language's whole list into a dictionary the first time it is asked about that
language: 0.1-0.2 s per language, and a run asks about four to nine languages in every process
(English, the page's, those a reference list is compared with). The lists are stored instead,
beside the catalog structures, as sorted arrays that a process reads in a few milliseconds,
and a plain word is found by bisection. A form the tables cannot answer as wordfreq would (a run
of digits, an apostrophe, a letter beyond Latin-1, a language without a table) is asked of
wordfreq itself, so every answer is wordfreq's.
"""

from __future__ import annotations

import importlib.metadata
import math
import re
from functools import cache
from pathlib import Path

import numpy as np

from pipeline.catalog_store import cached_arrays, process_tables_folder, store_key
from pipeline.link.packed import PackedStrings, pack_strings

# A word wordfreq's tokenizer keeps whole and as written, once case-folded: Latin letters of
# the languages whose lists are read this way (all use its "regex" tokenizer and NFC), and
# digits standing alone (a run of digits is read as any number of its length: "2017").
PLAIN_WORD = re.compile(r"(?:[a-zß-öø-ÿ]|\d(?!\d))+")
TABLE_LANGUAGES = frozenset({"en", "de", "ms", "id", "nl", "fr", "es", "it", "pt"})
WORDFREQ_VERSION = importlib.metadata.version("wordfreq")
# Zipf 0: what wordfreq answers for a word it does not know.
MIN_FREQUENCY = 1e-9


def zipf_frequency(word: str, language: str) -> float:
    """``wordfreq.zipf_frequency(word, language)``, read from the stored list when it can be:
    a plain word, or plain words joined by hyphens (which wordfreq reads as several tokens)."""
    tokens = word.casefold().split("-")
    folder = process_tables_folder()
    if (
        folder is not None
        and language in TABLE_LANGUAGES
        and all(PLAIN_WORD.fullmatch(token) for token in tokens)
    ):
        return _table(folder, language).zipf(tokens)
    import wordfreq  # only for words the tables cannot answer: its import costs 0.3 s

    return wordfreq.zipf_frequency(word, language)


class FrequencyTable:
    """One language's plain words, sorted, each with the index of its frequency bucket (its
    frequency is ``10 ** (-index / 100)``, in centibels as wordfreq stores it)."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self._words = PackedStrings(arrays["word_data"], arrays["word_offsets"])
        self._buckets = arrays["bucket"]

    def zipf(self, tokens: list[str]) -> float:
        """The Zipf frequency of a word of these tokens, worked out as wordfreq does: the
        tokens' frequencies combined as 1/f = 1/f1 + 1/f2 + ..., kept to three significant
        digits, at least once per billion words (Zipf 0)."""
        one_over = 0.0
        for token in tokens:
            position = self._words.find(token)
            if position is None:
                return 0.0
            one_over += 1.0 / 10 ** (-int(self._buckets[position]) / 100)
        frequency = max(1.0 / one_over, MIN_FREQUENCY)
        frequency = round(frequency, math.floor(-math.log(frequency, 10)) + 3)
        return round(math.log(frequency, 10) + 9, 2)


def table_arrays(language: str) -> dict[str, np.ndarray]:
    """The arrays of a ``FrequencyTable``, built from wordfreq's list for ``language``."""
    import wordfreq

    plain = sorted(
        (word, index)
        for index, bucket in enumerate(wordfreq.get_frequency_list(language))
        for word in bucket
        if PLAIN_WORD.fullmatch(word)
    )
    word_data, word_offsets = pack_strings(word for word, _ in plain)
    return {
        "word_data": word_data,
        "word_offsets": word_offsets,
        "bucket": np.array([index for _, index in plain], dtype=np.int32),
    }


@cache
def _table(cache_dir: Path, language: str) -> FrequencyTable:
    key = store_key(WORDFREQ_VERSION, language, PLAIN_WORD.pattern)
    arrays = cached_arrays(cache_dir, f"wordfreq-{language}", key, lambda: table_arrays(language))
    # Read whole (0.5-14 MB, a few ms): a bisection touches some twenty places of a list, and
    # on pages the system has dropped from memory each costs a read from disk.
    return FrequencyTable({name: np.array(array) for name, array in arrays.items()})
