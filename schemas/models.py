"""pandera schemas of the catalog and of the published tables (see docs/CONTRACT.md).

Columns typed ``object`` in pandas (lists) name their Arrow type in ``metadata``, so that the
Arrow schema of every table can be derived from these schemas alone (``schemas.arrow``).

They are pandera's ``DataFrameSchema`` objects rather than ``DataFrameModel`` classes: a
model is turned into the same object on first use, and that step imports dask.dataframe
(0.4 s per process) whenever dask is installed (it comes with ``distributed``) to recognise
dask-typed annotations these tables never use.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa

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

# Where a catalog alias comes from: written by hand, or mined from the title or the abstract.
ALIAS_SOURCES = ("curated", "title", "abstract")


def _alias_sources_fit(aliases: str, alias_sources: str) -> bool:
    names = [a for a in aliases.split("|") if a.strip()]
    sources = [s.strip() for s in alias_sources.split("|") if s.strip()]
    return len(sources) == len(names) and all(s in ALIAS_SOURCES for s in sources)


def _max_year() -> int:
    return dt.datetime.now(dt.UTC).year


def _sorted_unique_strings(value: object) -> bool:
    items = list(value) if value is not None else []
    return all(isinstance(x, str) for x in items) and items == sorted(set(items))


def _year_not_in_future(year: pd.Series) -> pd.Series:
    return year.isna() | (year <= _max_year())


def _arxiv_id_unique_where_present(df: pd.DataFrame) -> pd.Series:
    present = df["arxiv_id"].notna()
    return ~(present & df["arxiv_id"].duplicated(keep=False))


def _year_column() -> pa.Column:
    return pa.Column(
        pd.Int64Dtype,
        checks=[pa.Check.ge(MIN_YEAR), pa.Check(_year_not_in_future, name="year_not_in_future")],
        nullable=True,
    )


def _title_not_blank(title: pd.Series) -> pd.Series:
    return title.str.strip().str.len() > 0


def _alias_sources_one_known_source_per_alias(df: pd.DataFrame) -> pd.Series:
    fits = map(_alias_sources_fit, df["aliases"].tolist(), df["alias_sources"].tolist())
    return pd.Series(list(fits), index=df.index, dtype=bool)


def _paper_id_is_arxiv_prefixed_id(df: pd.DataFrame) -> pd.Series:
    expected = "arxiv:" + df["arxiv_id"]
    return df["arxiv_id"].isna() | (df["paper_id"] == expected)


CATALOG_SCHEMA = pa.DataFrameSchema(
    {
        "paper_id": pa.Column(str, pa.Check.str_matches(PAPER_ID_PATTERN), unique=True),
        "arxiv_id": pa.Column(str, pa.Check.str_matches(ARXIV_ID_PATTERN), nullable=True),
        "title": pa.Column(
            str,
            [pa.Check.str_length(min_value=1), pa.Check(_title_not_blank, name="title_not_blank")],
        ),
        "year": _year_column(),
        "authors": pa.Column(str),
        "aliases": pa.Column(str),
        "alias_sources": pa.Column(str),
        "keywords": pa.Column(str),
        # "curated" (written by hand), "abstract" (derived at import) or "" (no keywords).
        "keywords_source": pa.Column(str, pa.Check.isin(["", "curated", "abstract"])),
    },
    checks=[
        pa.Check(_arxiv_id_unique_where_present, name="arxiv_id_unique_where_present"),
        pa.Check(
            _alias_sources_one_known_source_per_alias,
            name="alias_sources_one_known_source_per_alias",
        ),
        pa.Check(_paper_id_is_arxiv_prefixed_id, name="paper_id_is_arxiv_prefixed_id"),
    ],
    name="catalog",
    strict=True,
    coerce=True,
)


def _error_exactly_when_rejected(df: pd.DataFrame) -> pd.Series:
    return (df["status"] == "rejected") == df["error"].notna()


def _language_when_ok(df: pd.DataFrame) -> pd.Series:
    return (df["status"] != "ok") | df["language"].notna()


def _sha256_when_ok(df: pd.DataFrame) -> pd.Series:
    return (df["status"] != "ok") | df["sha256"].notna()


def _duplicate_of_names_another_document(df: pd.DataFrame) -> pd.Series:
    original = df["duplicate_of"]
    known = original.isin(df["source_file"]) & (original != df["source_file"])
    return original.isna() | known


DOCUMENTS_SCHEMA = pa.DataFrameSchema(
    {
        "source_file": pa.Column(str, pa.Check.str_length(min_value=1), unique=True),
        "language": pa.Column(str, pa.Check.str_matches(LANGUAGE_PATTERN), nullable=True),
        "sha256": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{64}$"), nullable=True),
        "n_chars": pa.Column(int, pa.Check.ge(0)),
        "n_mentions": pa.Column(int, pa.Check.ge(0)),
        "status": pa.Column(str, pa.Check.isin(["ok", "rejected"])),
        "duplicate_of": pa.Column(str, nullable=True),
        "error": pa.Column(str, nullable=True),
    },
    checks=[
        pa.Check(_error_exactly_when_rejected, name="error_exactly_when_rejected"),
        pa.Check(_language_when_ok, name="language_when_ok"),
        pa.Check(_sha256_when_ok, name="sha256_when_ok"),
        pa.Check(_duplicate_of_names_another_document, name="duplicate_of_names_another_document"),
    ],
    name="documents",
    strict=True,
    ordered=True,
)


def _end_after_start(df: pd.DataFrame) -> pd.Series:
    return df["end"] > df["start"]


def _surface_length_is_end_minus_start(df: pd.DataFrame) -> pd.Series:
    return df["surface"].str.len() == df["end"] - df["start"]


def _paper_id_exactly_when_matched(df: pd.DataFrame) -> pd.Series:
    return (df["status"] == "matched") == df["paper_id"].notna()


def _arxiv_id_only_when_matched(df: pd.DataFrame) -> pd.Series:
    return df["arxiv_id"].isna() | (df["status"] == "matched")


def _at_least_two_candidates_when_ambiguous(df: pd.DataFrame) -> pd.Series:
    sizes = df["candidates"].map(lambda c: len(set(c)) if c is not None else 0)
    return (df["status"] != "ambiguous") | (sizes >= 2)


def _candidates_are_string_lists(candidates: pd.Series) -> pd.Series:
    return candidates.map(lambda c: c is not None and all(isinstance(x, str) for x in list(c)))


MENTIONS_SCHEMA = pa.DataFrameSchema(
    {
        "mention_id": pa.Column(str, pa.Check.str_length(min_value=1), unique=True),
        "source_file": pa.Column(str),
        "language": pa.Column(str, pa.Check.str_matches(LANGUAGE_PATTERN)),
        "start": pa.Column(int, pa.Check.ge(0)),
        "end": pa.Column(int, pa.Check.ge(0)),
        "surface": pa.Column(str, pa.Check.str_length(min_value=1)),
        "kind": pa.Column(str, pa.Check.isin(KINDS)),
        "status": pa.Column(str, pa.Check.isin(STATUSES)),
        "paper_id": pa.Column(str, pa.Check.str_matches(PAPER_ID_PATTERN), nullable=True),
        "arxiv_id": pa.Column(str, pa.Check.str_matches(ARXIV_ID_PATTERN), nullable=True),
        "score": pa.Column(float, [pa.Check.ge(0), pa.Check.le(100)]),
        "method": pa.Column(str, pa.Check.str_length(min_value=1)),
        "candidates": pa.Column(
            object,
            pa.Check(_candidates_are_string_lists, name="candidates_are_string_lists"),
            metadata=LIST_OF_STRINGS,
        ),
    },
    checks=[
        pa.Check(_end_after_start, name="end_after_start"),
        pa.Check(_surface_length_is_end_minus_start, name="surface_length_is_end_minus_start"),
        pa.Check(_paper_id_exactly_when_matched, name="paper_id_exactly_when_matched"),
        pa.Check(_arxiv_id_only_when_matched, name="arxiv_id_only_when_matched"),
        pa.Check(
            _at_least_two_candidates_when_ambiguous, name="at_least_two_candidates_when_ambiguous"
        ),
    ],
    name="mentions",
    strict=True,
    ordered=True,
)


def _title_only_missing_outside_catalog(df: pd.DataFrame) -> pd.Series:
    return df["title"].notna() | ~df["in_catalog"]


def _sorted_unique_lists(values: pd.Series) -> pd.Series:
    return values.map(_sorted_unique_strings)


def _n_sources_is_number_of_source_files(df: pd.DataFrame) -> pd.Series:
    return df["source_files"].map(len) == df["n_sources"]


PAPERS_SCHEMA = pa.DataFrameSchema(
    {
        "paper_id": pa.Column(str, pa.Check.str_matches(PAPER_ID_PATTERN), unique=True),
        "arxiv_id": pa.Column(str, pa.Check.str_matches(ARXIV_ID_PATTERN), nullable=True),
        "title": pa.Column(str, nullable=True),
        "in_catalog": pa.Column(bool),
        "year": _year_column(),
        "n_mentions": pa.Column(int, pa.Check.ge(1)),
        "n_sources": pa.Column(int, pa.Check.ge(1)),
        "languages": pa.Column(
            object,
            pa.Check(_sorted_unique_lists, name="languages_sorted_unique"),
            metadata=LIST_OF_STRINGS,
        ),
        "source_files": pa.Column(
            object,
            pa.Check(_sorted_unique_lists, name="source_files_sorted_unique"),
            metadata=LIST_OF_STRINGS,
        ),
    },
    checks=[
        pa.Check(_arxiv_id_unique_where_present, name="arxiv_id_unique_where_present"),
        pa.Check(_title_only_missing_outside_catalog, name="title_only_missing_outside_catalog"),
        pa.Check(_n_sources_is_number_of_source_files, name="n_sources_is_number_of_source_files"),
    ],
    name="papers",
    strict=True,
    ordered=True,
)


def _checks_listed(checks: pd.Series) -> pd.Series:
    return checks.map(lambda c: c is not None and len(c) > 0 and all(isinstance(x, str) for x in c))


# Rows that broke a row-level check, kept as they were (JSON) with the checks they broke.
QUARANTINE_SCHEMA = pa.DataFrameSchema(
    {
        "table": pa.Column(str, pa.Check.isin(QUARANTINE_TABLES)),
        "row": pa.Column(str, pa.Check.str_length(min_value=2)),
        "checks": pa.Column(
            object, pa.Check(_checks_listed, name="checks_listed"), metadata=LIST_OF_STRINGS
        ),
        "run_id": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    name="quarantine",
    strict=True,
    ordered=True,
)
