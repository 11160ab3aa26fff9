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
    matched = mentions[mentions["status"] == "matched"]
    known = catalog.rows_of(matched["paper_id"], ["title", "year"])
    rows = []
    for paper_id, group in matched.groupby("paper_id", sort=True):
        in_catalog = paper_id in known.index
        arxiv_ids = group["arxiv_id"].dropna()
        arxiv_id = arxiv_ids.iloc[0] if len(arxiv_ids) else None
        if in_catalog:
            entry = known.loc[paper_id]
            title, year = entry["title"], entry["year"]
        else:
            # A paper outside the catalog keeps the English title a source wrote for it.
            titles = group[group["kind"] == "english_title"] if "kind" in group else group[:0]
            title = titles["surface"].iloc[0] if len(titles) else None
            year = year_from_arxiv_id(arxiv_id)
        rows.append(
            (
                paper_id,
                arxiv_id,
                title,
                in_catalog,
                year,
                len(group),
                group["source_file"].nunique(),
                sorted(set(group["language"])),
                sorted(set(group["source_file"])),
            )
        )
    papers = pd.DataFrame(rows, columns=PAPER_COLUMNS)
    papers["year"] = papers["year"].astype("Int64")
    papers["in_catalog"] = papers["in_catalog"].astype(bool)
    papers["n_mentions"] = papers["n_mentions"].astype("int64")
    papers["n_sources"] = papers["n_sources"].astype("int64")
    return papers
