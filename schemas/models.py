"""pandera models of the catalog and of the published tables (see docs/CONTRACT.md).

Columns typed ``object`` in pandas (lists) name their Arrow type in ``metadata``, so that the
Arrow schema of every table can be derived from these models alone (``schemas.arrow``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

SCHEMA_VERSION = "2"

# New style 2304.09848 / 0704.0001, old style cs/0501001 or math.GT/0309136; nothing else.
ARXIV_ID_PATTERN = r"^(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})$"
PAPER_ID_PATTERN = (
    r"^(?:arxiv:(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})|ref:[a-z0-9][a-z0-9._-]*)$"
)
LANGUAGE_PATTERN = r"^(?:[a-z]{2}|und)$"
KINDS = ["arxiv_id", "english_title", "translated_title", "name", "description"]
STATUSES = ["matched", "ambiguous", "unmatched"]
MIN_YEAR = 1990
QUARANTINE_TABLES = ["papers", "mentions", "documents"]
# Arrow type of a pandas ``object`` column, declared in the model (see schemas.arrow).
LIST_OF_STRINGS = {"arrow_type": "list<string>"}
# Failures that removing rows cannot mend: a column of the wrong type, a missing or extra
# column, duplicate keys. Any of them blocks publication; other failures quarantine their row.
TABLE_LEVEL_CHECKS = frozenset(
    {
        "column_in_dataframe",
        "column_in_schema",
        "column_ordered",
        "field_uniqueness",
        "multiple_fields_uniqueness",
        "arxiv_id_unique_where_present",
    }
)


def _max_year() -> int:
    return dt.datetime.now(dt.UTC).year


def _sorted_unique_strings(value: object) -> bool:
    items = list(value) if value is not None else []
    return all(isinstance(x, str) for x in items) and items == sorted(set(items))


class CatalogModel(pa.DataFrameModel):
    paper_id: Series[str] = pa.Field(unique=True, str_matches=PAPER_ID_PATTERN)
    arxiv_id: Series[str] = pa.Field(nullable=True, str_matches=ARXIV_ID_PATTERN)
    title: Series[str] = pa.Field(str_length={"min_value": 1})
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=MIN_YEAR)
    authors: Series[str]
    aliases: Series[str]
    keywords: Series[str]

    @pa.check("year", name="year_not_in_future")
    def year_not_in_future(cls, year: Series[pd.Int64Dtype]) -> Series[bool]:
        return year.isna() | (year <= _max_year())

    @pa.check("title", name="title_not_blank")
    def title_not_blank(cls, title: Series[str]) -> Series[bool]:
        return title.str.strip().str.len() > 0

    @pa.dataframe_check(name="arxiv_id_unique_where_present")
    def arxiv_id_unique(cls, df: pd.DataFrame) -> Series[bool]:
        present = df["arxiv_id"].notna()
        return ~(present & df["arxiv_id"].duplicated(keep=False))

    @pa.dataframe_check(name="paper_id_is_arxiv_prefixed_id")
    def paper_id_matches_arxiv_id(cls, df: pd.DataFrame) -> Series[bool]:
        expected = "arxiv:" + df["arxiv_id"]
        return df["arxiv_id"].isna() | (df["paper_id"] == expected)

    class Config:
        strict = True
        coerce = True


class DocumentsModel(pa.DataFrameModel):
    source_file: Series[str] = pa.Field(unique=True, str_length={"min_value": 1})
    language: Series[str] = pa.Field(nullable=True, str_matches=LANGUAGE_PATTERN)
    sha256: Series[str] = pa.Field(nullable=True, str_matches=r"^[0-9a-f]{64}$")
    n_chars: Series[int] = pa.Field(ge=0)
    n_mentions: Series[int] = pa.Field(ge=0)
    status: Series[str] = pa.Field(isin=["ok", "rejected"])
    duplicate_of: Series[str] = pa.Field(nullable=True)
    error: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check(name="error_exactly_when_rejected")
    def error_when_rejected(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["status"] == "rejected") == df["error"].notna()

    @pa.dataframe_check(name="language_when_ok")
    def language_when_ok(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["status"] != "ok") | df["language"].notna()

    @pa.dataframe_check(name="sha256_when_ok")
    def sha256_when_ok(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["status"] != "ok") | df["sha256"].notna()

    @pa.dataframe_check(name="duplicate_of_names_another_document")
    def duplicate_of_another(cls, df: pd.DataFrame) -> Series[bool]:
        original = df["duplicate_of"]
        known = original.isin(df["source_file"]) & (original != df["source_file"])
        return original.isna() | known

    class Config:
        strict = True
        ordered = True


class MentionsModel(pa.DataFrameModel):
    mention_id: Series[str] = pa.Field(unique=True, str_length={"min_value": 1})
    source_file: Series[str]
    language: Series[str] = pa.Field(str_matches=LANGUAGE_PATTERN)
    start: Series[int] = pa.Field(ge=0)
    end: Series[int] = pa.Field(ge=0)
    surface: Series[str] = pa.Field(str_length={"min_value": 1})
    kind: Series[str] = pa.Field(isin=KINDS)
    status: Series[str] = pa.Field(isin=STATUSES)
    paper_id: Series[str] = pa.Field(nullable=True, str_matches=PAPER_ID_PATTERN)
    arxiv_id: Series[str] = pa.Field(nullable=True, str_matches=ARXIV_ID_PATTERN)
    score: Series[float] = pa.Field(ge=0, le=100)
    method: Series[str] = pa.Field(str_length={"min_value": 1})
    candidates: Series[object] = pa.Field(metadata=LIST_OF_STRINGS)

    @pa.dataframe_check(name="end_after_start")
    def end_after_start(cls, df: pd.DataFrame) -> Series[bool]:
        return df["end"] > df["start"]

    @pa.dataframe_check(name="surface_length_is_end_minus_start")
    def surface_length(cls, df: pd.DataFrame) -> Series[bool]:
        return df["surface"].str.len() == df["end"] - df["start"]

    @pa.dataframe_check(name="paper_id_exactly_when_matched")
    def paper_id_when_matched(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["status"] == "matched") == df["paper_id"].notna()

    @pa.dataframe_check(name="arxiv_id_only_when_matched")
    def arxiv_id_when_matched(cls, df: pd.DataFrame) -> Series[bool]:
        return df["arxiv_id"].isna() | (df["status"] == "matched")

    @pa.dataframe_check(name="at_least_two_candidates_when_ambiguous")
    def candidates_when_ambiguous(cls, df: pd.DataFrame) -> Series[bool]:
        sizes = df["candidates"].map(lambda c: len(set(c)) if c is not None else 0)
        return (df["status"] != "ambiguous") | (sizes >= 2)

    @pa.check("candidates", name="candidates_are_string_lists")
    def candidates_are_lists(cls, candidates: Series[object]) -> Series[bool]:
        return candidates.map(
            lambda c: c is not None and all(isinstance(x, str) for x in list(c))
        )

    class Config:
        strict = True
        ordered = True


class PapersModel(pa.DataFrameModel):
    paper_id: Series[str] = pa.Field(unique=True, str_matches=PAPER_ID_PATTERN)
    arxiv_id: Series[str] = pa.Field(nullable=True, str_matches=ARXIV_ID_PATTERN)
    title: Series[str] = pa.Field(nullable=True)
    in_catalog: Series[bool]
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=MIN_YEAR)
    n_mentions: Series[int] = pa.Field(ge=1)
    n_sources: Series[int] = pa.Field(ge=1)
    languages: Series[object] = pa.Field(metadata=LIST_OF_STRINGS)
    source_files: Series[object] = pa.Field(metadata=LIST_OF_STRINGS)

    @pa.check("year", name="year_not_in_future")
    def year_not_in_future(cls, year: Series[pd.Int64Dtype]) -> Series[bool]:
        return year.isna() | (year <= _max_year())

    @pa.dataframe_check(name="arxiv_id_unique_where_present")
    def arxiv_id_unique(cls, df: pd.DataFrame) -> Series[bool]:
        present = df["arxiv_id"].notna()
        return ~(present & df["arxiv_id"].duplicated(keep=False))

    @pa.dataframe_check(name="title_only_missing_outside_catalog")
    def title_when_in_catalog(cls, df: pd.DataFrame) -> Series[bool]:
        return df["title"].notna() | ~df["in_catalog"]

    @pa.check("languages", name="languages_sorted_unique")
    def languages_sorted(cls, languages: Series[object]) -> Series[bool]:
        return languages.map(_sorted_unique_strings)

    @pa.check("source_files", name="source_files_sorted_unique")
    def source_files_sorted(cls, source_files: Series[object]) -> Series[bool]:
        return source_files.map(_sorted_unique_strings)

    @pa.dataframe_check(name="n_sources_is_number_of_source_files")
    def n_sources_matches(cls, df: pd.DataFrame) -> Series[bool]:
        return df["source_files"].map(len) == df["n_sources"]

    class Config:
        strict = True
        ordered = True


class QuarantineModel(pa.DataFrameModel):
    """Rows that broke a row-level check, kept as they were (JSON) with the checks they broke."""

    table: Series[str] = pa.Field(isin=QUARANTINE_TABLES)
    row: Series[str] = pa.Field(str_length={"min_value": 2})
    checks: Series[object] = pa.Field(metadata=LIST_OF_STRINGS)
    run_id: Series[str] = pa.Field(str_length={"min_value": 1})

    @pa.check("checks", name="checks_listed")
    def checks_listed(cls, checks: Series[object]) -> Series[bool]:
        return checks.map(
            lambda c: c is not None and len(c) > 0 and all(isinstance(x, str) for x in c)
        )

    class Config:
        strict = True
        ordered = True
