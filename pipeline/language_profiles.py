"""langdetect's language profiles, stored once per langdetect version.

langdetect reads its 55 profiles (JSON) into a dictionary of 87,598 n-grams, each with a list
of 55 probabilities, the first time a process detects a language: 0.25 s in every process of
a run. The probabilities are stored instead, beside the catalog structures, as a sparse matrix
that a process reads in a few milliseconds; an n-gram's list is made the first time a text
holds it. The profiles are langdetect's own, read by langdetect, so every answer is its own.

langdetect also reads a text one character at a time in Python (10,000 characters per
document, about 10 ms): :class:`WordwiseDetector` makes the same n-grams word by word, each
distinct word once, and langdetect samples them as before.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import re
import threading
from collections.abc import Callable, Container
from functools import cache, cached_property, lru_cache, partial
from pathlib import Path

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

from pipeline.catalog_store import cached_arrays, process_tables_folder, store_key

LANGDETECT_VERSION = importlib.metadata.version("langdetect")
# Between the n-grams (and the language codes) of the stored text; no profile holds it.
SEPARATOR = "\x00"


class NgramProbabilities(dict):
    """langdetect's n-gram -> probability per language, whose lists are made when first read.

    A ``dict`` of n-gram -> row, so that ``ngram in table`` (asked for every character of a
    text) stays the dictionary's own test; reading an n-gram turns its row into the list
    langdetect would have made."""

    def __init__(self, ngrams: list[str], arrays: dict[str, np.ndarray], width: int) -> None:
        super().__init__(zip(ngrams, range(len(ngrams)), strict=True))
        self._indptr = arrays["indptr"]
        self._columns = arrays["columns"]
        self._probabilities = arrays["probabilities"]
        self._width = width

    def __getitem__(self, ngram: str) -> list[float]:
        row = dict.__getitem__(self, ngram)
        if isinstance(row, list):
            return row
        start, end = self._indptr[row : row + 2].tolist()
        probabilities = [0.0] * self._width
        columns = self._columns[start:end].tolist()
        for column, probability in zip(
            columns, self._probabilities[start:end].tolist(), strict=True
        ):
            probabilities[column] = probability
        dict.__setitem__(self, ngram, probabilities)
        return probabilities


class NormalisedCharacters(dict):
    """Code point -> langdetect's normalised character, for ``str.translate``; a character's
    entry is made the first time a text holds it."""

    def __missing__(self, code: int) -> str:
        normalised = NGram.normalize(chr(code))
        self[code] = normalised
        return normalised


NORMALISED = NormalisedCharacters()
# Distinct words whose n-grams a process keeps, the most recent (about 1 KB each: 16 MB at
# most; the 100 dev pages hold 7,500 distinct words, 500 varied copies of them 8,200).
WORDS_KEPT = 1 << 14
SPACE_RUN = re.compile(" {2,}")
LATIN = re.compile("[A-z]")  # langdetect's 'A' <= ch <= 'z', the six signs between included
# langdetect's other letters: from U+0300 on (it means to leave out the Latin Extended
# Additional block, but compares the block's number with its name).
NON_LATIN = re.compile("[\u0300-\U0010ffff]")


class WordwiseDetector(Detector):
    """langdetect's detector, reading a text word by word instead of character by character.

    langdetect's n-gram window starts afresh after every space, so the n-grams of a text are
    those of its words (each with the space after it) in order: a word's are made once and
    reused. The n-grams, and so every probability, are langdetect's own (tested against it)."""

    def __init__(self, factory: WordwiseFactory) -> None:
        super().__init__(factory)
        self.ngrams_of = factory.ngrams_of

    def append(self, text: str) -> None:
        """langdetect's ``append``: URLs and mail addresses out, runs of spaces made one."""
        text = NGram.normalize_vi(self.MAIL_RE.sub(" ", self.URL_RE.sub(" ", text)))
        self.text += SPACE_RUN.sub(" ", text[: self.max_text_length])

    def cleaning_text(self) -> None:
        """langdetect's ``cleaning_text``: Latin letters out of a text mostly in another
        script."""
        if len(LATIN.findall(self.text)) * 2 < len(NON_LATIN.findall(self.text)):
            self.text = LATIN.sub("", self.text)

    def _extract_ngrams(self) -> list[str]:
        words = self.text.translate(NORMALISED).split(" ")
        ngrams_of = self.ngrams_of
        result: list[str] = []
        last = len(words) - 1
        for index, word in enumerate(words):
            if word:
                result += ngrams_of(word, index < last)
        return result


def word_ngrams(known: Container[str], word: str, space_after: bool) -> tuple[str, ...]:
    """The n-grams langdetect's window yields over a normalised word (no spaces) read after
    a space, and over the space after it, that ``known`` holds (langdetect's ``NGram`` and
    ``_extract_ngrams``, step by step; its "capital word" flag is set exactly when a capital
    follows a capital)."""
    grams, found = " ", []
    for ch in word + " " if space_after else word:
        last = grams[-1]
        grams = (" " if last == " " else grams[1:] if len(grams) >= NGram.N_GRAM else grams) + ch
        if ch.isupper() and last.isupper():  # inside a word of capitals (langdetect's rule)
            continue
        for n in range(1, min(len(grams), NGram.N_GRAM) + 1):
            gram = grams[-n:]
            if gram != " " and gram in known:
                found.append(gram)
    return tuple(found)


class WordwiseFactory(DetectorFactory):
    """langdetect's factory, making :class:`WordwiseDetector` s that share its words'
    n-grams."""

    @cached_property
    def ngrams_of(self) -> Callable[[str, bool], tuple[str, ...]]:
        """A word's n-grams (see :func:`word_ngrams`), kept for the most recent words."""
        return lru_cache(maxsize=WORDS_KEPT)(partial(word_ngrams, self.word_lang_prob_map))

    def _create_detector(self) -> WordwiseDetector:
        if not self.langlist:
            raise LangDetectException(ErrorCode.NeedLoadProfileError, "Need to load profiles.")
        return WordwiseDetector(self)


def profile_arrays() -> dict[str, np.ndarray]:
    """langdetect's profiles as read by langdetect, as arrays: the n-grams and the languages
    (in langdetect's order), and the probabilities as a CSR matrix of n-gram rows."""
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    ngrams = list(factory.word_lang_prob_map)
    if any(SEPARATOR in text for text in (*ngrams, *factory.langlist)):
        raise ValueError("a langdetect profile holds the separator of the stored n-grams")
    columns: list[int] = []
    probabilities: list[float] = []
    indptr = [0]
    for ngram in ngrams:
        for column, probability in enumerate(factory.word_lang_prob_map[ngram]):
            if probability:
                columns.append(column)
                probabilities.append(probability)
        indptr.append(len(columns))
    return {
        "ngrams": np.frombuffer(SEPARATOR.join(ngrams).encode(), dtype=np.uint8),
        "languages": np.frombuffer(SEPARATOR.join(factory.langlist).encode(), dtype=np.uint8),
        "indptr": np.array(indptr, dtype=np.int64),
        "columns": np.array(columns, dtype=np.int16),
        "probabilities": np.array(probabilities, dtype=np.float64),
    }


def _from_arrays(arrays: dict[str, np.ndarray]) -> WordwiseFactory:
    factory = WordwiseFactory()
    factory.langlist = arrays["languages"].tobytes().decode().split(SEPARATOR)
    ngrams = arrays["ngrams"].tobytes().decode().split(SEPARATOR)
    factory.word_lang_prob_map = NgramProbabilities(ngrams, arrays, len(factory.langlist))
    return factory


_lock = threading.Lock()


def detector_factory() -> WordwiseFactory:
    """This process's langdetect factory: from the stored profiles when its matcher set a
    folder, else read by langdetect. Built once per folder, under a lock (langdetect's own
    lazy factory is not safe when two threads start at once)."""
    with _lock:
        return _factory(process_tables_folder())


@cache
def _factory(folder: Path | None) -> WordwiseFactory:
    if folder is None:
        factory = WordwiseFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        return factory
    key = store_key(LANGDETECT_VERSION, inspect.getsource(profile_arrays))
    arrays = cached_arrays(folder, "langdetect-profiles", key, profile_arrays)
    return _from_arrays({name: np.array(array) for name, array in arrays.items()})
