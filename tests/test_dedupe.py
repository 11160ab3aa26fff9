from __future__ import annotations

import pandas as pd
import pytest

from pipeline.catalog import Catalog
from pipeline.dedupe import dedupe, year_from_arxiv_id


def _catalog() -> Catalog:
    papers = pd.DataFrame(
        {
            "paper_id": ["arxiv:1706.03762"],
            "arxiv_id": ["1706.03762"],
            "title": ["Attention Is All You Need"],
            "year": pd.array([2017], dtype="Int64"),
            "authors": [""],
            "aliases": ["Transformer"],
        }
    )
    return Catalog(papers=papers, sha256="0" * 64)


def _mention(
    source: str, language: str, paper: str | None, arxiv: str | None, status: str = "matched"
) -> dict:
    return {
        "source_file": source,
        "language": language,
        "paper_id": paper,
        "arxiv_id": arxiv,
        "status": status,
    }


def test_one_row_per_paper_with_counts_languages_and_sources() -> None:
    mentions = pd.DataFrame(
        [
            _mention("b.txt", "zh", "arxiv:1706.03762", "1706.03762"),
            _mention("a.txt", "de", "arxiv:1706.03762", "1706.03762"),
            _mention("a.txt", "en", "arxiv:1706.03762", "1706.03762"),
            _mention("a.txt", "de", "arxiv:2401.00001", "2401.00001"),
            _mention("a.txt", "de", None, None, status="unmatched"),
        ]
    )
    papers = dedupe(mentions, _catalog()).set_index("paper_id")
    attention = papers.loc["arxiv:1706.03762"]
    assert attention["n_mentions"] == 3 and attention["n_sources"] == 2
    assert attention["languages"] == ["de", "en", "zh"]
    assert attention["source_files"] == ["a.txt", "b.txt"]
    assert attention["title"] == "Attention Is All You Need" and attention["in_catalog"]
    unknown = papers.loc["arxiv:2401.00001"]
    assert not unknown["in_catalog"] and pd.isna(unknown["title"]) and unknown["year"] == 2024


@pytest.mark.parametrize(
    ("arxiv_id", "year"),
    [
        ("1706.03762", 2017),
        ("0704.0001", 2007),
        ("cs/9901001", 1999),
        ("math.GT/0309136", 2003),
        (None, None),
        ("garbage", None),
    ],
)
def test_year_from_arxiv_id(arxiv_id: str | None, year: int | None) -> None:
    assert year_from_arxiv_id(arxiv_id) == year
