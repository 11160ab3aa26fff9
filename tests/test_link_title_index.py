"""The blocked title index against brute force, and its cache."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from pipeline.catalog import load_catalog
from pipeline.link.title_index import TitleIndex, cache_file, compact_title
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


def test_cache_round_trip(curated: tuple[list[str], list[str]], tmp_path: Path) -> None:
    built = TitleIndex(*curated, catalog_sha256="a" * 64, cache_dir=tmp_path)
    expected = built.search("Attention Is All YouNeed", 3)
    assert cache_file(tmp_path, "a" * 64).is_file()
    # Same sha: the cached index answers, even if handed other titles.
    loaded = TitleIndex(["p:x"], ["Something else"], catalog_sha256="a" * 64, cache_dir=tmp_path)
    assert loaded.search("Attention Is All YouNeed", 3) == expected


def test_cache_is_rebuilt_when_the_sha_changes(
    curated: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    TitleIndex(*curated, catalog_sha256="a" * 64, cache_dir=tmp_path).search("Attention")
    changed = TitleIndex(
        ["p:x"], ["Something else entirely"], catalog_sha256="b" * 64, cache_dir=tmp_path
    )
    assert changed.search("Something else entirely") == [("p:x", 100.0)]
    assert cache_file(tmp_path, "b" * 64).is_file()


def test_a_corrupt_or_foreign_cache_file_is_rebuilt(tmp_path: Path) -> None:
    cache_file(tmp_path, "c" * 64).write_bytes(b"not an npz file")
    index = TitleIndex(["p:x"], ["A Title"], catalog_sha256="c" * 64, cache_dir=tmp_path)
    assert index.search("A Title") == [("p:x", 100.0)]
    # A file renamed to another sha's name is not trusted either.
    cache_file(tmp_path, "c" * 64).rename(cache_file(tmp_path, "d" * 64))
    other = TitleIndex(["p:y"], ["Other Title"], catalog_sha256="d" * 64, cache_dir=tmp_path)
    assert other.search("Other Title") == [("p:y", 100.0)]


def test_an_unwritable_cache_does_not_stop_search(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    index = TitleIndex(["p:x"], ["A Title"], catalog_sha256="e" * 64, cache_dir=blocker / "sub")
    assert index.search("A Title") == [("p:x", 100.0)]


def test_empty_catalog_finds_nothing() -> None:
    assert TitleIndex([], []).search("Attention Is All You Need") == []
