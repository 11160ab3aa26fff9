"""The stored word lists answer exactly as wordfreq does, from any process."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
import wordfreq

from pipeline import catalog_store
from pipeline.link.frequencies import FrequencyTable, table_arrays, zipf_frequency

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WRITTEN = [
    "transformer", "Transformer", "ADAM", "large", "pre-training", "Zero-Shot", "R-CNN",
    "GPT-4", "tpuv4", "llama2", "2017", "word2vec", "Straße", "über", "don't", "e-mail",
    "-x", "x-", "xyzzyqq", "naïve", "Gemini", "BERT", "und", "yang", "dengan", "",
]  # fmt: skip


@pytest.fixture
def stored(tmp_path: Path):
    catalog_store.store_process_tables_in(tmp_path)
    yield tmp_path
    catalog_store.store_process_tables_in(None)


@pytest.mark.parametrize("language", ["en", "de", "ms", "id", "fr"])
def test_the_stored_lists_answer_as_wordfreq(stored: Path, language: str) -> None:
    """Words of the list itself (with digits, and two joined by a hyphen), in three letter
    cases, and forms the tables leave to wordfreq."""
    words = [w for bucket in wordfreq.get_frequency_list(language) for w in bucket]
    sample = random.Random(7).sample(words, 3000)
    joined = ["-".join(random.Random(i).sample(sample, 2)) for i in range(500)]
    for word in sample + joined + WRITTEN:
        for form in (word, word.title(), word.upper()):
            assert zipf_frequency(form, language) == wordfreq.zipf_frequency(form, language), form


def test_without_a_folder_wordfreq_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog_store.store_process_tables_in(None)
    asked = []
    monkeypatch.setattr(wordfreq, "zipf_frequency", lambda w, lang: asked.append(w) or 1.5)
    assert zipf_frequency("transformer", "en") == 1.5 and asked == ["transformer"]


def test_a_language_without_a_table_is_asked_of_wordfreq(stored: Path) -> None:
    assert zipf_frequency("och", "sv") == wordfreq.zipf_frequency("och", "sv") > 6
    assert not list(stored.glob("wordfreq-sv-*"))


def test_a_list_is_stored_once_and_read_back_by_another_process(stored: Path) -> None:
    assert zipf_frequency("transformer", "de") == wordfreq.zipf_frequency("transformer", "de")
    (folder,) = stored.glob("wordfreq-de-*.arrays")
    probe = (
        "import sys, pathlib\n"
        "from pipeline import catalog_store\nfrom pipeline.link import frequencies\n"
        "catalog_store.store_process_tables_in(pathlib.Path(sys.argv[1]))\n"
        "print(frequencies.zipf_frequency('transformer', 'de'))\n"
        "print('wordfreq' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(stored)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    value, imported = done.stdout.split()
    assert float(value) == wordfreq.zipf_frequency("transformer", "de"), done.stderr
    assert imported == "False"  # read from the stored list: wordfreq is not even imported
    assert list(stored.glob("wordfreq-de-*.arrays")) == [folder]


def test_a_table_of_a_few_words() -> None:
    table = FrequencyTable(table_arrays("en"))
    assert table.zipf(["the"]) == wordfreq.zipf_frequency("the", "en")
    assert table.zipf(["xyzzyqq"]) == 0.0
    assert table.zipf(["the", "xyzzyqq"]) == 0.0
