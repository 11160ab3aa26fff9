"""The stored langdetect profiles are langdetect's own, and detect as it does."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

from pipeline import catalog_store, language_profiles
from pipeline.language import document_language
from pipeline.language_profiles import (
    NgramProbabilities,
    WordwiseFactory,
    detector_factory,
    profile_arrays,
)
from tests.conftest import PROJECT_ROOT

TEXTS = [
    *(path.read_text(encoding="utf-8") for path in sorted((PROJECT_ROOT / "raw").glob("*.txt"))),
    "Die Forscher schlugen ein neues Sprachdarstellungsmodell vor.",
    "Penyelidik mencadangkan model bahasa yang baharu untuk terjemahan.",
    "We propose a new language representation model called BERT.",
    "Les chercheurs ont proposé un nouveau modèle de langue.",
    "x",
]


@pytest.fixture(scope="module")
def langdetects_own() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


# Characters each of langdetect's reading steps treats in its own way: spaces and what it
# reads as spaces, capitals (a word of capitals is skipped), Latin-1 signs it excludes,
# Romanian and Vietnamese letters it rewrites, scripts it folds, the signs between Z and a.
TRICKY_CHARACTERS = (
    "aAbBzZ  \t\n.-1_[`\u00a0\u00ab\u00dfe\u00e9\u00c9\u0219\u021ba\u0301\u1ea1\u1e00"
    "\u30a2\u6f22\ud55c"
)


@pytest.fixture
def stored(tmp_path: Path):
    catalog_store.store_process_tables_in(tmp_path)
    language_profiles._factory.cache_clear()
    yield tmp_path
    catalog_store.store_process_tables_in(None)
    language_profiles._factory.cache_clear()


def _probabilities(factory: DetectorFactory, text: str) -> list[tuple[str, float]]:
    detector = factory.create()
    detector.append(text)
    return [(found.lang, found.prob) for found in detector.get_probabilities()]


def test_the_stored_profiles_are_langdetects_own(
    stored: Path, langdetects_own: DetectorFactory
) -> None:
    factory = detector_factory()
    assert isinstance(factory.word_lang_prob_map, NgramProbabilities)
    assert factory.langlist == langdetects_own.langlist
    assert factory.word_lang_prob_map.keys() == langdetects_own.word_lang_prob_map.keys()
    for ngram, probabilities in langdetects_own.word_lang_prob_map.items():
        assert factory.word_lang_prob_map[ngram] == probabilities, ngram
    assert list(stored.glob("langdetect-profiles-*.arrays"))


def test_texts_are_detected_as_langdetect_detects_them(
    stored: Path, langdetects_own: DetectorFactory
) -> None:
    for text in TEXTS:
        assert _probabilities(detector_factory(), text) == _probabilities(langdetects_own, text)


def _read(factory: DetectorFactory, text: str) -> tuple[str, list[str]]:
    detector = factory.create()
    detector.append(text)
    detector.cleaning_text()
    return detector.text, detector._extract_ngrams()


@pytest.fixture(scope="module")
def wordwise() -> WordwiseFactory:
    factory = WordwiseFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def test_words_are_read_as_langdetect_reads_them(
    wordwise: WordwiseFactory, langdetects_own: DetectorFactory
) -> None:
    for text in TEXTS:
        assert _read(wordwise, text) == _read(langdetects_own, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=TRICKY_CHARACTERS, max_size=60))
def test_any_text_is_read_as_langdetect_reads_it(
    wordwise: WordwiseFactory, langdetects_own: DetectorFactory, text: str
) -> None:
    assert _read(wordwise, text) == _read(langdetects_own, text)


def test_a_second_process_reads_the_stored_profiles(
    stored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    detector_factory()
    language_profiles._factory.cache_clear()  # as a fresh process: only the stored files

    def refuse(*_args: object) -> None:
        raise AssertionError("the JSON profiles were read again")

    monkeypatch.setattr(DetectorFactory, "load_profile", refuse)
    assert document_language("We propose a new language representation model called BERT.") == "en"


def test_without_a_folder_langdetect_reads_its_profiles() -> None:
    catalog_store.store_process_tables_in(None)
    factory = detector_factory()
    assert type(factory.word_lang_prob_map) is dict and len(factory.langlist) == 55


def test_threads_starting_at_once_share_one_factory(stored: Path) -> None:
    factories: list[DetectorFactory] = []
    threads = [
        threading.Thread(target=lambda: factories.append(detector_factory())) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(factories) == 4 and all(f is factories[0] for f in factories)


def test_the_arrays_hold_only_what_langdetect_set() -> None:
    arrays = profile_arrays()
    assert len(arrays["indptr"]) == arrays["ngrams"].tobytes().count(b"\x00") + 2
    assert (arrays["probabilities"] != 0).all()
