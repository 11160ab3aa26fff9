"""Validate the three tables against their pandera models and against each other.

Validation is lazy: every failure is collected, so a broken run is explained in one report.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pandera.errors as pa_errors
import pandera.pandas as pa

from schemas import DocumentsModel, MentionsModel, PapersModel

MAX_LISTED_CASES = 20


def _schema_failures(name: str, model: type[pa.DataFrameModel], frame: pd.DataFrame) -> list[str]:
    try:
        model.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
        return [
            f"{name}: {row['check']} failed in column {row['column']} "
            f"(row {row['index']}, value {row['failure_case']!r})"
            for _, row in cases.head(MAX_LISTED_CASES).iterrows()
        ] + (
            [f"{name}: ... {len(cases) - MAX_LISTED_CASES} more failures"]
            if len(cases) > MAX_LISTED_CASES
            else []
        )
    return []


def _cross_table_failures(
    documents: pd.DataFrame, mentions: pd.DataFrame, papers: pd.DataFrame
) -> list[str]:
    failures = []
    matched = mentions[mentions["status"] == "matched"]
    missing = sorted(set(matched["paper_id"]) - set(papers["paper_id"]))
    if missing:
        failures.append(f"mentions: matched paper_ids missing from papers: {missing[:10]}")
    counts = matched.groupby("paper_id").size()
    sources = matched.groupby("paper_id")["source_file"].nunique()
    indexed = papers.set_index("paper_id")
    wrong_counts = [p for p in indexed.index if counts.get(p, 0) != indexed.at[p, "n_mentions"]]
    if wrong_counts:
        failures.append(f"papers: n_mentions disagrees with mentions for {wrong_counts[:10]}")
    wrong_sources = [p for p in indexed.index if sources.get(p, 0) != indexed.at[p, "n_sources"]]
    if wrong_sources:
        failures.append(f"papers: n_sources disagrees with mentions for {wrong_sources[:10]}")
    unknown = sorted(set(mentions["source_file"]) - set(documents["source_file"]))
    if unknown:
        failures.append(f"mentions: source_files missing from documents: {unknown[:10]}")
    per_document = mentions.groupby("source_file").size()
    wrong_docs = [
        d
        for d, n in zip(documents["source_file"], documents["n_mentions"], strict=True)
        if per_document.get(d, 0) != n
    ]
    if wrong_docs:
        failures.append(f"documents: n_mentions disagrees with mentions for {wrong_docs[:10]}")
    return failures


def _offset_failures(mentions: pd.DataFrame, texts: Mapping[str, str]) -> list[str]:
    bad = [
        row.mention_id
        for row in mentions.itertuples()
        if texts.get(row.source_file, "")[row.start : row.end] != row.surface
    ]
    return [f"mentions: text[start:end] != surface for {bad[:10]}"] if bad else []


def validate_tables(
    documents: pd.DataFrame, mentions: pd.DataFrame, papers: pd.DataFrame, texts: Mapping[str, str]
) -> list[str]:
    """Every contract violation found, as readable messages; empty when the run is publishable."""
    return (
        _schema_failures("documents", DocumentsModel, documents)
        + _schema_failures("mentions", MentionsModel, mentions)
        + _schema_failures("papers", PapersModel, papers)
        + _cross_table_failures(documents, mentions, papers)
        + _offset_failures(mentions, texts)
    )
