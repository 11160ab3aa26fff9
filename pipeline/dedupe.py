"""One row per distinct paper found, with how often and where it is mentioned."""

from __future__ import annotations

import pandas as pd

from pipeline.catalog import Catalog
from pipeline.link.ids import arxiv_year_month

PAPER_COLUMNS = [
    "paper_id",
    "arxiv_id",
    "title",
    "in_catalog",
    "year",
    "n_mentions",
    "n_sources",
    "languages",
    "source_files",
]


def year_from_arxiv_id(arxiv_id: str | None) -> int | None:
    """The submission year an arXiv id encodes (YYMM... or archive/YYMMNNN)."""
    dated = arxiv_year_month(arxiv_id)
    return dated[0] if dated else None


def dedupe(mentions: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """One row per matched paper, in paper id order: its catalog title and year, or for a
    paper outside the catalog the first English title a source wrote for it and the year of
    its arXiv id. Aggregated per column, not per paper: a run of thousands of documents
    finds thousands of papers."""
    matched = mentions[mentions["status"] == "matched"]
    groups = matched.groupby("paper_id", sort=True)
    papers = pd.DataFrame(
        {
            "arxiv_id": groups["arxiv_id"].first(),  # the first written, as for titles
            "n_mentions": groups.size(),
            "n_sources": groups["source_file"].nunique(),
            "languages": _sorted_values(matched, "language"),
            "source_files": _sorted_values(matched, "source_file"),
        }
    )
    known = catalog.rows_of(papers.index, ["title", "year"])
    papers["in_catalog"] = papers.index.isin(known.index)
    # A paper outside the catalog keeps the English title a source wrote for it.
    written = (
        matched[matched["kind"] == "english_title"].groupby("paper_id")["surface"].first()
        if "kind" in matched
        else pd.Series(dtype=object)
    )
    papers["title"] = known["title"].reindex(papers.index)
    outside = ~papers["in_catalog"]
    papers.loc[outside, "title"] = written.reindex(papers.index[outside])
    papers["year"] = pd.array(known["year"].reindex(papers.index), dtype="Int64")
    papers.loc[outside, "year"] = pd.array(
        [year_from_arxiv_id(a) for a in papers.loc[outside, "arxiv_id"]], dtype="Int64"
    )
    papers = papers.rename_axis("paper_id").reset_index()
    for column in ("paper_id", "arxiv_id", "title"):
        papers[column] = papers[column].astype("str")
    for column in ("languages", "source_files"):
        papers[column] = papers[column].astype(object)  # lists, also when there are none
    papers["n_mentions"] = papers["n_mentions"].astype("int64")
    papers["n_sources"] = papers["n_sources"].astype("int64")
    return papers[PAPER_COLUMNS]


def _sorted_values(matched: pd.DataFrame, column: str) -> pd.Series:
    """Each paper's distinct values of ``column``, sorted."""
    distinct = matched[["paper_id", column]].drop_duplicates().sort_values(["paper_id", column])
    return distinct.groupby("paper_id", sort=True)[column].agg(list)
