"""Catalog columns by row and by id: the same answers as dicts built from the catalog."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.catalog import Catalog, load_catalog
from pipeline.catalog_store import memory_map
from pipeline.link.columns import CatalogColumns
from tests.conftest import CATALOG


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


def _dicts(papers: pd.DataFrame) -> tuple[dict, dict, dict]:
    ids = papers["paper_id"].tolist()
    arxiv = [a if isinstance(a, str) else None for a in papers["arxiv_id"].tolist()]
    return (
        {a: p for p, a in zip(ids, arxiv, strict=True) if a},
        dict(zip(ids, arxiv, strict=True)),
        dict(zip(ids, papers["title"].tolist(), strict=True)),
    )


def _assert_same_as_dicts(columns: CatalogColumns, papers: pd.DataFrame) -> None:
    paper_by_arxiv, arxiv_by_paper, title_by_paper = _dicts(papers)
    assert None in arxiv_by_paper.values()  # the catalog has papers without an arXiv id
    for paper_id, title in title_by_paper.items():
        assert columns.title_by_paper[paper_id] == title
        assert columns.arxiv_by_paper.get(paper_id, "default") == arxiv_by_paper[paper_id]
        assert paper_id in columns.title_by_paper
    for arxiv_id, paper_id in paper_by_arxiv.items():
        assert columns.paper_by_arxiv.get(arxiv_id) == paper_id
    assert dict(columns.paper_by_arxiv) == paper_by_arxiv
    assert len(columns.title_by_paper) == len(title_by_paper)
    for absent in ["", "arxiv:0000.00000", "zzz", "\uffff"]:
        assert absent not in columns.title_by_paper
        assert columns.arxiv_by_paper.get(absent, "default") == "default"
        assert columns.paper_by_arxiv.get(absent) is None
    assert None not in columns.title_by_paper
    with pytest.raises(KeyError):
        columns.title_by_paper["not a paper"]


def test_lookups_agree_with_dicts_of_the_catalog(catalog: Catalog) -> None:
    _assert_same_as_dicts(CatalogColumns.of(catalog), catalog.papers)


def test_rows_read_back_the_columns(catalog: Catalog) -> None:
    columns = CatalogColumns.of(catalog)
    assert len(columns) == len(catalog)
    assert list(columns.paper_ids) == catalog.papers["paper_id"].tolist()
    assert columns.titles[5] == catalog.papers["title"].iloc[5]


def test_store_round_trip(catalog: Catalog, tmp_path: Path) -> None:
    """Built and stored, then opened memory-mapped: the same answers as in memory."""
    built = CatalogColumns.of(catalog, tmp_path)
    (folder,) = tmp_path.glob("catalog-columns-*.arrays")
    opened = CatalogColumns.of(catalog, tmp_path)
    assert memory_map(opened.paper_by_arxiv._order) is not None
    _assert_same_as_dicts(opened, catalog.papers)
    assert dict(opened.paper_by_arxiv) == dict(built.paper_by_arxiv)
    assert [p.name for p in tmp_path.glob("catalog-columns-*.arrays")] == [folder.name]


@pytest.mark.parametrize(
    "damage", [b"not an npy file", None], ids=["unreadable", "more rows than the catalog"]
)
def test_a_damaged_store_is_rebuilt(catalog: Catalog, tmp_path: Path, damage: bytes) -> None:
    CatalogColumns.of(catalog, tmp_path)
    (folder,) = tmp_path.glob("catalog-columns-*.arrays")
    stored = folder / "arxiv_order.npy"
    if damage is None:
        np.save(stored, np.zeros(len(catalog) + 1, dtype=np.int32))
    else:
        stored.write_bytes(damage)
    _assert_same_as_dicts(CatalogColumns.of(catalog, tmp_path), catalog.papers)
    rebuilt = np.load(stored)
    assert len(rebuilt) == catalog.papers["arxiv_id"].notna().sum()


def _frame(paper_ids: list[str], arxiv_ids: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "paper_id": pd.Series(paper_ids, dtype="str"),
            "arxiv_id": pd.Series(arxiv_ids, dtype="str"),
            "title": pd.Series([f"Title {p}" for p in paper_ids], dtype="str"),
        }
    )


def test_an_arxiv_id_held_twice_names_the_last_paper_as_a_dict_would() -> None:
    papers = _frame(["a", "b", "c", "d"], ["2001.1", None, "2001.1", "1999.5"])
    columns = CatalogColumns.of(Catalog(papers, "0" * 64))
    assert columns.paper_by_arxiv["2001.1"] == "c"
    assert columns.paper_by_arxiv["1999.5"] == "d"
    assert columns.arxiv_by_paper["b"] is None


def test_papers_out_of_id_order_are_refused() -> None:
    """Lookups search the paper_id column, so it must be sorted (``load_catalog`` sorts)."""
    with pytest.raises(ValueError, match="not sorted by paper_id"):
        CatalogColumns.of(Catalog(_frame(["b", "a"], [None, None]), "0" * 64))
    with pytest.raises(ValueError, match="not sorted by paper_id"):
        CatalogColumns.of(Catalog(_frame(["a", "a"], [None, None]), "0" * 64))


def test_an_empty_catalog_finds_nothing() -> None:
    columns = CatalogColumns.of(Catalog(_frame([], []), "0" * 64))
    assert columns.paper_by_arxiv.get("2001.1") is None
    assert "a" not in columns.title_by_paper
