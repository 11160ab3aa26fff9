"""The matcher's catalog structures: concept arrays and profiles built once per catalog,
stored and opened memory-mapped, and the aliases written by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.catalog import load_catalog
from pipeline.catalog_store import memory_map, read_arrays
from pipeline.config import DEFAULT_CATALOG
from pipeline.link import terms
from pipeline.link.matcher import (
    Matcher,
    catalog_concepts,
    catalog_profiles,
    concept_columns,
    curated_aliases,
    derive_columns,
)
from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import ConceptIndex
from tests.linking_fixtures import _queries


def _results(index: ConceptIndex, queries: list[list[frozenset[str]]]) -> list[object]:
    return [
        (index.rank(q), index.rank(q, limit=5, titles_only=True, by_recall=True)) for q in queries
    ]


def test_stored_concepts_open_mapped_and_rank_as_built_in_memory(tmp_path: Path) -> None:
    """The catalog's concept arrays, stored and opened memory-mapped, give the same matches,
    to the last bit, as the index built in memory from the titles' text."""
    catalog = load_catalog(DEFAULT_CATALOG)
    papers = catalog.papers
    stored = derive_columns(papers)
    opened = catalog_concepts(catalog, stored, tmp_path, LinkPolicy())
    assert memory_map(opened.indices) is not None and memory_map(opened.post_rows) is not None
    texts = ConceptIndex(
        papers["paper_id"].tolist(), papers["title"].tolist(), curated_aliases(papers)
    )
    titles = papers["title"].tolist()[::25]
    assert _results(opened, _queries(titles)) == _results(texts, _queries(titles))
    again = catalog_concepts(catalog, stored, tmp_path, LinkPolicy())
    assert _results(again, _queries(titles)) == _results(texts, _queries(titles))
    for paper_id in papers["paper_id"].tolist()[::50]:
        assert again.title_stems(paper_id) == texts.title_stems(paper_id)
    assert opened.title_index.get("arxiv:0000.00000") is None


def test_a_damaged_concept_store_is_rebuilt(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    stored = derive_columns(catalog.papers)
    built = catalog_concepts(catalog, stored, tmp_path, LinkPolicy())
    titles = catalog.papers["title"].tolist()[::40]
    expected = _results(built, _queries(titles))
    (folder,) = tmp_path.glob("concepts-*.arrays")
    (folder / "indices.npy").write_bytes((folder / "indices.npy").read_bytes()[:200])
    key = folder.name.removeprefix("concepts-").removesuffix(".arrays")
    assert read_arrays(tmp_path, "concepts", key) is None
    rebuilt = catalog_concepts(catalog, stored, tmp_path, LinkPolicy())
    assert _results(rebuilt, _queries(titles)) == expected
    assert read_arrays(tmp_path, "concepts", key) is not None  # the next process opens it


def test_concept_arrays_do_not_depend_on_the_build_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built a few entries at a time, the arrays are the same to the last bit (the row sums
    too), so a catalog of millions of titles scores as a small one would."""
    catalog = load_catalog(DEFAULT_CATALOG)
    stored = derive_columns(catalog.papers)
    whole = concept_columns(catalog.papers, stored)
    monkeypatch.setattr(terms, "BUILD_CHUNK", 7)
    chunked = concept_columns(catalog.papers, stored)
    assert whole.keys() == chunked.keys()
    for name, array in whole.items():
        assert array.dtype == chunked[name].dtype and array.tobytes() == chunked[name].tobytes()


def test_curated_aliases_in_catalog_order_without_mined_ones() -> None:
    papers = pd.DataFrame(
        {
            "paper_id": ["a", "b", "c"],
            "aliases": ["BERT|BERT-large", "Orca|ORCA", ""],
            "alias_sources": ["curated|", "title|curated", ""],
        }
    )
    assert curated_aliases(papers) == [("a", "BERT"), ("a", "BERT-large"), ("b", "ORCA")]


def test_papers_described_by_hand_are_stored_once_per_catalog(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    papers = catalog.papers
    by_hand = {p for p, k in zip(papers["paper_id"], papers["keywords"], strict=True) if k}
    assert len(by_hand) > 100
    for _ in range(2):  # built and stored, then read back mapped
        profiles = catalog_profiles(catalog, tmp_path)
        matcher = Matcher(catalog, LinkPolicy(), cache_dir=tmp_path)
        assert set(matcher.profiles.title_index) == by_hand
    assert memory_map(profiles["described_rows"]) is not None
    assert not profiles["abstract_keywords"].any()
