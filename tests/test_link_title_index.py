"""The blocked title index against brute force, and its store."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from pipeline.catalog import load_catalog
from pipeline.catalog_store import cached_arrays, memory_map
from pipeline.link import title_index
from pipeline.link.title_index import TitleIndex, _Slices, compact_title
from tests.conftest import CATALOG


@pytest.fixture(scope="module")
def curated() -> tuple[list[str], list[str]]:
    papers = load_catalog(CATALOG).papers
    return papers["paper_id"].tolist(), papers["title"].tolist()


def _noisy(title: str, rng: random.Random) -> str:
    """Case, dropped or swapped words, typos, truncation or a missing space."""
    words = title.split()
    kind = rng.choice(["case", "drop", "swap", "typo", "truncate", "join"])
    if kind == "case":
        return title.upper()
    if kind == "drop" and len(words) > 4:
        del words[rng.randrange(len(words))]
    elif kind == "swap" and len(words) > 4:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif kind == "truncate" and len(words) > 5:
        words = words[: int(len(words) * 0.8)]
    elif kind == "join" and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i : i + 2] = [words[i] + words[i + 1]]
    else:
        chars = list(title)
        chars[rng.randrange(len(chars))] = "x"
        return "".join(chars)
    return " ".join(words)


def test_blocked_search_agrees_with_brute_force(curated: tuple[list[str], list[str]]) -> None:
    paper_ids, titles = curated
    index = TitleIndex(paper_ids, titles)
    keys = [compact_title(t) for t in titles]
    rng = random.Random(7)
    queries = [_noisy(t, rng) for t in rng.sample(titles, 300)]
    agree = 0
    for query in queries:
        _, best_score, _ = process.extractOne(compact_title(query), keys, scorer=fuzz.ratio)
        top_score = index.search(query, 1)[0][1]
        agree += top_score == pytest.approx(best_score)
    assert agree >= 297


@pytest.mark.parametrize(
    "query",
    [
        "attention is all you need",
        "ATTENTION IS ALL YOU NEED",
        "Attention Is All YouNeed",
        "Attention Is All You Ned",
        "Attention Is All You",
    ],
)
def test_search_finds_a_title_despite_noise(
    curated: tuple[list[str], list[str]], query: str
) -> None:
    index = TitleIndex(*curated)
    assert index.search(query)[0][0] == "arxiv:1706.03762"


def test_search_returns_one_entry_per_paper_best_first() -> None:
    index = TitleIndex(
        ["p:a", "p:b", "p:a"],
        ["Deep Residual Learning", "Deep Residual Learning for Images", "Deep Residual Lerning"],
    )
    ranked = index.search("Deep Residual Learning", limit=3)
    assert ranked == [("p:a", 100.0), ("p:b", pytest.approx(ranked[1][1]))]
    assert ranked[1][1] < 100


def test_empty_and_unknown_queries() -> None:
    index = TitleIndex(["p:a"], ["Attention Is All You Need"])
    assert index.search("...") == []
    assert index.search("zzzzzzzzzzzz") == []


def _stored(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("title-index-*.arrays"))


def test_store_round_trip(curated: tuple[list[str], list[str]], tmp_path: Path) -> None:
    """Built, stored, then opened memory-mapped by another index: the same answers, and the
    titles are not read again."""
    queries = ["Attention Is All YouNeed", "deep residual learning", "BERT pre-training", "x"]
    in_memory = TitleIndex(*curated)
    built = TitleIndex(*curated, catalog_sha256="a" * 64, cache_dir=tmp_path)
    expected = [in_memory.search(q, 3) for q in queries]
    assert [built.search(q, 3) for q in queries] == expected
    (folder,) = _stored(tmp_path)
    assert {p.name for p in folder.glob("*.npy")} >= {"postings.npy", "keys.npy"}

    def unread() -> list[str]:
        raise AssertionError("a stored index must not read the titles")
        yield  # pragma: no cover

    opened = TitleIndex(curated[0], unread(), catalog_sha256="a" * 64, cache_dir=tmp_path)
    assert [opened.search(q, 3) for q in queries] == expected
    postings, keys = opened._loaded()
    assert memory_map(postings.postings) is not None and memory_map(keys.data) is not None


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.int64])
def test_slices_of_a_large_stored_array_are_read_from_its_file(
    tmp_path: Path, dtype: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    array = np.arange(5000, dtype=dtype) * 7
    stored = cached_arrays(tmp_path, "slices", "k", lambda: {"a": array})["a"]
    assert memory_map(stored) is not None
    assert _Slices(stored)._file is None  # small: read through its map
    monkeypatch.setattr(title_index, "MAPPED_READS_MAX_BYTES", array.nbytes - 1)
    assert _Slices(stored)._file is not None and _Slices(array)._file is None
    for read in (_Slices(stored), _Slices(array)):
        for start, stop in [(0, 0), (0, 1), (17, 4096), (4999, 5000), (0, 5000)]:
            np.testing.assert_array_equal(read(start, stop), array[start:stop])


def test_store_is_rebuilt_when_the_sha_changes(
    curated: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    TitleIndex(*curated, catalog_sha256="a" * 64, cache_dir=tmp_path).search("Attention")
    changed = TitleIndex(
        ["p:x"], ["Something else entirely"], catalog_sha256="b" * 64, cache_dir=tmp_path
    )
    assert changed.search("Something else entirely") == [("p:x", 100.0)]
    assert len(_stored(tmp_path)) == 2


def test_a_damaged_store_is_rebuilt(tmp_path: Path) -> None:
    TitleIndex(["p:x"], ["A Title"], catalog_sha256="c" * 64, cache_dir=tmp_path).search("A")
    (folder,) = _stored(tmp_path)
    (folder / "postings.npy").write_bytes(b"not an npy file")
    index = TitleIndex(["p:x"], ["A Title"], catalog_sha256="c" * 64, cache_dir=tmp_path)
    assert index.search("A Title") == [("p:x", 100.0)]
    assert np.load(folder / "postings.npy").dtype == np.int32  # stored again, whole


def test_a_store_of_another_size_is_not_trusted(tmp_path: Path) -> None:
    """Stored arrays whose shapes do not fit the catalog (a store copied under another
    name, a bug) are rebuilt, never read past their end."""
    TitleIndex(["p:x"], ["A Title"], catalog_sha256="d" * 64, cache_dir=tmp_path).search("A")
    two = TitleIndex(
        ["p:x", "p:y"], ["A Title", "Other Title"], catalog_sha256="d" * 64, cache_dir=tmp_path
    )
    assert two.search("Other Title")[0] == ("p:y", 100.0)


def test_an_unwritable_store_does_not_stop_search(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    index = TitleIndex(["p:x"], ["A Title"], catalog_sha256="e" * 64, cache_dir=blocker / "sub")
    assert index.search("A Title") == [("p:x", 100.0)]


def test_ids_and_titles_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="2 paper ids for 1 titles"):
        TitleIndex(["p:x", "p:y"], ["A Title"]).search("A Title")


def test_empty_catalog_finds_nothing() -> None:
    assert TitleIndex([], []).search("Attention Is All You Need") == []
