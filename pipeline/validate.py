"""Validate the tables against their pandera schemas and against each other, and set aside
the rows that break a row-level check.

A mention or paper row that breaks a check of its own (a value out of range, an ambiguous
mention without candidates, offsets that do not point at the surface, a paper whose counts
disagree with its mentions) is moved to the quarantine table and the rest can still be
published; the rows that depended on it follow it (the mentions of a quarantined paper) or are
recounted (a paper whose mentions were quarantined, a document's ``n_mentions``). Failures
that removing rows cannot mend (wrong dtypes, missing columns, duplicate keys, any documents
failure, anything still wrong after the removal) block publication.

Validation is lazy: every failure is collected, so a broken run is explained in one report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
import pandera.errors as pa_errors
import pandera.pandas as pa

from schemas import (
    DOCUMENTS_SCHEMA,
    MENTIONS_SCHEMA,
    PAPERS_SCHEMA,
    QUARANTINE_SCHEMA,
    TABLE_LEVEL_CHECKS,
    typed_empty,
)

MAX_LISTED_CASES = 20
# The check name recorded for mentions that leave with their quarantined paper.
FOLLOWED_PAPER = "paper_quarantined"

RowChecks = dict[int, set[str]]


@dataclass
class Screening:
    """Tables ready to publish (quarantined rows removed, counts recomputed), the quarantine
    table, and the failures that block publication (empty when the run may publish)."""

    documents: pd.DataFrame
    mentions: pd.DataFrame
    papers: pd.DataFrame
    quarantine: pd.DataFrame
    failures: list[str]
    mentions_screened: int

    @property
    def quarantined_mentions(self) -> int:
        return int((self.quarantine["table"] == "mentions").sum())

    @property
    def quarantined_share(self) -> float:
        """Quarantined mentions (with those that left with their paper) over all mentions."""
        return self.quarantined_mentions / self.mentions_screened if self.mentions_screened else 0.0

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "documents": self.documents,
            "mentions": self.mentions,
            "papers": self.papers,
            "quarantine": self.quarantine,
        }


def _is_table_level(check: str, index: object) -> bool:
    return pd.isna(index) or check in TABLE_LEVEL_CHECKS or check.startswith("dtype(")


def _schema_failures(
    name: str, schema: pa.DataFrameSchema, frame: pd.DataFrame
) -> tuple[list[str], RowChecks]:
    """Table-level failures as messages, and the failed checks of each failing row."""
    try:
        schema.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return [], {}
    table_level = []
    rows: RowChecks = defaultdict(set)
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if _is_table_level(check, case.index):
            table_level.append(
                f"{name}: {check} failed in column {case.column} "
                f"(row {case.index}, value {case.failure_case!r})"
            )
        elif case.schema_context == "DataFrameSchema":
            rows[int(case.index)].add(check)
        else:
            rows[int(case.index)].add(f"{case.column}: {check}")
    return _capped(table_level, name), rows


def _capped(messages: list[str], name: str) -> list[str]:
    if len(messages) <= MAX_LISTED_CASES:
        return messages
    extra = len(messages) - MAX_LISTED_CASES
    return [*messages[:MAX_LISTED_CASES], f"{name}: ... {extra} more failures"]


def _mention_row_failures(
    mentions: pd.DataFrame,
    documents: pd.DataFrame,
    papers: pd.DataFrame,
    texts: Mapping[str, str],
) -> RowChecks:
    """Checks of one mention against the other tables and its source text."""
    rows: RowChecks = defaultdict(set)
    known_documents = set(documents["source_file"])
    known_papers = set(papers["paper_id"])
    columns = ["source_file", "start", "end", "surface", "status", "paper_id"]
    for index, (source, start, end, surface, status, paper) in zip(
        mentions.index, mentions[columns].itertuples(index=False), strict=True
    ):
        if texts.get(source, "")[start:end] != surface:
            rows[index].add("surface_at_offsets")
        if source not in known_documents:
            rows[index].add("source_file_in_documents")
        if status == "matched" and paper not in known_papers:
            rows[index].add("paper_id_in_papers")
    return rows


def _paper_row_failures(papers: pd.DataFrame, mentions: pd.DataFrame) -> RowChecks:
    """Checks of one paper's counts and lists against its matched mentions."""
    matched = mentions[mentions["status"] == "matched"].groupby("paper_id")
    counts = matched.size()
    sources = matched["source_file"].agg(lambda s: sorted(set(s)))
    languages = matched["language"].agg(lambda s: sorted(set(s)))
    rows: RowChecks = defaultdict(set)
    for index, row in papers.iterrows():
        paper = row["paper_id"]
        if counts.get(paper, 0) != row["n_mentions"]:
            rows[index].add("n_mentions_equals_matched_mentions")
        if sources.get(paper, []) != list(row["source_files"]):
            rows[index].add("source_files_of_matched_mentions")
        if languages.get(paper, []) != list(row["languages"]):
            rows[index].add("languages_of_matched_mentions")
    return rows


def _merge(*row_checks: RowChecks) -> RowChecks:
    merged: RowChecks = defaultdict(set)
    for checks in row_checks:
        for index, names in checks.items():
            merged[index] |= names
    return merged


def _quarantine_rows(table: str, frame: pd.DataFrame, checks: RowChecks, run_id: str) -> list[dict]:
    rows = []
    for index in sorted(checks):
        as_json = frame.loc[[index]].to_json(
            orient="records", force_ascii=False, default_handler=str
        )
        checked = sorted(checks[index])
        rows.append({"table": table, "row": as_json[1:-1], "checks": checked, "run_id": run_id})
    return rows


def _recount_papers(papers: pd.DataFrame, mentions: pd.DataFrame, touched: set) -> pd.DataFrame:
    """Papers whose mentions were quarantined, recounted from the mentions that remain; a paper
    with none left is dropped."""
    matched = mentions[mentions["status"] == "matched"]
    papers = papers.copy()
    keep = []
    for index, row in papers.iterrows():
        if row["paper_id"] not in touched:
            keep.append(index)
            continue
        own = matched[matched["paper_id"] == row["paper_id"]]
        if own.empty:
            continue
        papers.at[index, "n_mentions"] = len(own)
        papers.at[index, "n_sources"] = own["source_file"].nunique()
        papers.at[index, "languages"] = sorted(set(own["language"]))
        papers.at[index, "source_files"] = sorted(set(own["source_file"]))
        keep.append(index)
    return papers.loc[keep].reset_index(drop=True)


def _recount_documents(documents: pd.DataFrame, removed: pd.DataFrame) -> pd.DataFrame:
    lost = removed.groupby("source_file").size()
    counts = documents["n_mentions"] - documents["source_file"].map(lost).fillna(0).astype("int64")
    return documents.assign(n_mentions=counts)


def _quarantine_table(rows: Iterable[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["table", "row", "checks", "run_id"])
    return typed_empty(frame, QUARANTINE_SCHEMA)


def screen_tables(
    documents: pd.DataFrame,
    mentions: pd.DataFrame,
    papers: pd.DataFrame,
    texts: Mapping[str, str],
    run_id: str,
) -> Screening:
    """Quarantine the rows that break a row-level check and recount what depended on them;
    ``failures`` lists what blocks publication."""
    documents = typed_empty(documents.reset_index(drop=True), DOCUMENTS_SCHEMA)
    mentions = typed_empty(mentions.reset_index(drop=True), MENTIONS_SCHEMA)
    papers = typed_empty(papers.reset_index(drop=True), PAPERS_SCHEMA)

    document_failures, document_rows = _schema_failures("documents", DOCUMENTS_SCHEMA, documents)
    failures = document_failures + [
        f"documents: row {i} failed {sorted(c)} (documents are not quarantined)"
        for i, c in sorted(document_rows.items())
    ]
    mention_failures, mention_schema_rows = _schema_failures("mentions", MENTIONS_SCHEMA, mentions)
    paper_failures, paper_schema_rows = _schema_failures("papers", PAPERS_SCHEMA, papers)
    failures += mention_failures + paper_failures
    if failures:
        return Screening(
            documents, mentions, papers, _quarantine_table([]), _capped(failures, "tables"),
            len(mentions),
        )  # fmt: skip

    bad_papers = _merge(paper_schema_rows, _paper_row_failures(papers, mentions))
    bad_mentions = _merge(
        mention_schema_rows, _mention_row_failures(mentions, documents, papers, texts)
    )
    quarantined_papers = set(papers.loc[list(bad_papers), "paper_id"])
    for index in mentions.index[
        (mentions["status"] == "matched") & mentions["paper_id"].isin(quarantined_papers)
    ]:
        bad_mentions[index].add(FOLLOWED_PAPER)

    removed = mentions.loc[sorted(bad_mentions)]
    kept_mentions = mentions.drop(index=removed.index).reset_index(drop=True)
    kept_papers = papers.drop(index=list(bad_papers))
    touched = set(removed["paper_id"].dropna())
    kept_papers = typed_empty(_recount_papers(kept_papers, kept_mentions, touched), PAPERS_SCHEMA)
    kept_documents = _recount_documents(documents, removed)
    quarantine = _quarantine_table(
        _quarantine_rows("mentions", mentions, bad_mentions, run_id)
        + _quarantine_rows("papers", papers, bad_papers, run_id)
    )
    if bad_mentions or bad_papers:
        found = validate_tables(kept_documents, kept_mentions, kept_papers, texts)
    else:  # the tables whose schemas and row checks (offsets among them) just passed
        found = _cross_table_failures(kept_documents, kept_mentions, kept_papers)
    remaining = [f"after quarantine: {f}" for f in found]
    return Screening(
        kept_documents, kept_mentions, kept_papers, quarantine, remaining, len(mentions)
    )


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


def _all_schema_failures(name: str, schema: pa.DataFrameSchema, frame: pd.DataFrame) -> list[str]:
    table_level, rows = _schema_failures(name, schema, frame)
    return (
        table_level
        + [
            f"{name}: row {index} failed {sorted(checks)}" for index, checks in sorted(rows.items())
        ][:MAX_LISTED_CASES]
    )


def _consistency_failures(
    documents: pd.DataFrame, mentions: pd.DataFrame, papers: pd.DataFrame, texts: Mapping[str, str]
) -> list[str]:
    """What the tables' schemas cannot see: the tables against each other and the texts."""
    return _cross_table_failures(documents, mentions, papers) + _offset_failures(mentions, texts)


def validate_tables(
    documents: pd.DataFrame, mentions: pd.DataFrame, papers: pd.DataFrame, texts: Mapping[str, str]
) -> list[str]:
    """Every contract violation found, as readable messages; empty when the tables are
    publishable as they are."""
    return (
        _all_schema_failures("documents", DOCUMENTS_SCHEMA, documents)
        + _all_schema_failures("mentions", MENTIONS_SCHEMA, mentions)
        + _all_schema_failures("papers", PAPERS_SCHEMA, papers)
        + _consistency_failures(documents, mentions, papers, texts)
    )
