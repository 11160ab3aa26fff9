"""langdetect's language profiles, stored once per langdetect version.

langdetect reads its 55 profiles (JSON) into a dictionary of 87,598 n-grams, each with a list
of 55 probabilities, the first time a process detects a language: 0.25 s in every process of
a run. The probabilities are stored instead, beside the catalog structures, as a sparse matrix
that a process reads in a few milliseconds; an n-gram's list is made the first time a text
holds it. The profiles are langdetect's own, read by langdetect, so every answer is its own.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import threading
from functools import cache
from pathlib import Path

import numpy as np
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

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


def _from_arrays(arrays: dict[str, np.ndarray]) -> DetectorFactory:
    factory = DetectorFactory()
    factory.langlist = arrays["languages"].tobytes().decode().split(SEPARATOR)
    ngrams = arrays["ngrams"].tobytes().decode().split(SEPARATOR)
    factory.word_lang_prob_map = NgramProbabilities(ngrams, arrays, len(factory.langlist))
    return factory


_lock = threading.Lock()


def detector_factory() -> DetectorFactory:
    """This process's langdetect factory: from the stored profiles when its matcher set a
    folder, else read by langdetect. Built once per folder, under a lock (langdetect's own
    lazy factory is not safe when two threads start at once)."""
    with _lock:
        return _factory(process_tables_folder())


@cache
def _factory(folder: Path | None) -> DetectorFactory:
    if folder is None:
        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        return factory
    key = store_key(LANGDETECT_VERSION, inspect.getsource(profile_arrays))
    arrays = cached_arrays(folder, "langdetect-profiles", key, profile_arrays)
    return _from_arrays({name: np.array(array) for name, array in arrays.items()})
