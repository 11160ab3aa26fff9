"""Load and validate the canonical paper catalog.

The curated catalog is a folder of CSV files (easy to review and edit); an imported catalog is
one Parquet file. Malformed rows are dropped and counted, the first hundred named with their
line, so that bad lines do not stop a nightly run; a catalog with no valid row does.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors as pa_errors
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

import schemas.models as models_module
from pipeline.catalog_store import (
    files_sha256,
    read_frame,
    release_built_memory,
    store_key,
    write_frame,
)
from schemas import CATALOG_SCHEMA

CATALOG_COLUMNS = [
    "paper_id",
    "arxiv_id",
    "title",
    "year",
    "authors",
    "aliases",
    "alias_sources",
    "keywords",
    "keywords_source",
]
# Columns a catalog file may leave out (catalogs written before they existed still load).
OPTIONAL_COLUMNS = ("keywords",)
ALIAS_SEPARATOR = "|"
KEYWORD_SEPARATOR = ";"
# Whitespace other than single spaces: a line break, a tab, two spaces in a row.
IRREGULAR_SPACE = r"[^\S ]|\s\s"
# Rejected rows named one by one in the errors (and the report); the rest are counted.
MAX_LISTED_ERRORS = 100


class CatalogRefusedError(ValueError):
    """A catalog the run must not link against: it stops before publishing (exit 2)."""


class EmptyCatalogError(CatalogRefusedError):
    """A catalog with no valid entry: every mention would go unmatched."""


class CatalogShrankError(CatalogRefusedError):
    """A catalog far smaller than the last published run's, without leave to shrink."""


@dataclass(frozen=True)
class Catalog:
    papers: pd.DataFrame
    sha256: str
    # The first MAX_LISTED_ERRORS rejected rows, each named with its file and line, then one
    # line counting the rest: the report stays small however much junk a catalog holds.
    errors: list[str] = field(default_factory=list)
    rejected_rows: int = 0

    def __len__(self) -> int:
        return len(self.papers)

    def rows_of(self, paper_ids: Iterable[str], columns: list[str]) -> pd.DataFrame:
        """``columns`` of the papers ``paper_ids`` names, indexed by paper id: only their rows
        are read (indexing all ids of a 311k-row catalog to look up a few hundred cost 0.1 s;
        selecting a few hundred rows of 2.5M with pandas read every title, 0.4 GB)."""
        ids = arrow_column(self.papers["paper_id"])
        wanted = pa.array(sorted(set(paper_ids)), pa.large_string()).cast(ids.type)
        rows = np.flatnonzero(pc.is_in(ids, value_set=wanted).to_numpy(zero_copy_only=False))
        found = {c: rows_of_column(self.papers[c], rows) for c in ["paper_id", *columns]}
        return pd.DataFrame(found).set_index("paper_id")


def arrow_column(column: pd.Series) -> pa.ChunkedArray:
    """The column's Arrow data: the frame's own buffers for an Arrow-backed column (no copy)."""
    array = pa.array(column, from_pandas=True)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def rows_of_column(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """``column``'s values at ``rows`` (ascending), reading only those: pandas and Arrow
    join all chunks of a chunked Arrow column to take from it."""
    data = arrow_column(column)
    ends = np.cumsum([len(chunk) for chunk in data.chunks])
    chunk_of = np.searchsorted(ends, rows, side="right")
    values = []
    for i in np.unique(chunk_of).tolist():
        start = int(ends[i]) - len(data.chunk(i))
        values += data.chunk(i).take(pa.array(rows[chunk_of == i] - start)).to_pylist()
    return pd.Series(values, dtype=column.dtype)


def catalog_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted([*path.glob("*.csv"), *path.glob("*.parquet")])
        if not files:
            raise FileNotFoundError(f"no catalog files (*.csv, *.parquet) in {path}")
        return files
    if not path.exists():
        raise FileNotFoundError(f"catalog not found: {path}")
    return [path]


def _read_csv(file: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of a catalog CSV with their line numbers, and the lines with more fields
    than the header (dropped, with the reason). Lines with fewer fields are read with the
    missing trailing fields empty. One pass of Arrow's CSV reader; only the bad lines reach
    Python."""
    too_long: list[tuple[int, str]] = []
    short: list[tuple[int, str]] = []

    def invalid_row(row: pacsv.InvalidRow) -> str:
        if row.actual_columns > row.expected_columns:
            reason = f"{row.actual_columns} fields, the header has {row.expected_columns}"
            too_long.append((row.number, reason))
        else:
            short.append((row.number, row.text))
        return "skip"

    table = pacsv.read_csv(
        file,
        read_options=pacsv.ReadOptions(use_threads=False),  # line numbers are known
        parse_options=pacsv.ParseOptions(invalid_row_handler=invalid_row, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in CATALOG_COLUMNS},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    frame = table.to_pandas()
    skipped = [number for number, _ in too_long + short]
    records = np.arange(2, 2 + len(frame) + len(skipped))
    frame["line"] = np.setdiff1d(records, skipped, assume_unique=True)
    if short:
        header = ",".join(f'"{c}"' for c in table.column_names)
        padded = pd.read_csv(
            io.StringIO("\n".join([header, *(text for _, text in short)])),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
        padded["line"] = [number for number, _ in short]
        frame = pd.concat([frame, padded], ignore_index=True).sort_values("line")
    bad = pd.DataFrame(too_long, columns=["line", "reason"])
    return frame.reset_index(drop=True), bad


def _read_file(file: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A catalog file's rows (with ``file`` and ``line`` to name them) and its unparsable
    lines."""
    if file.suffix == ".parquet":
        frame = _read_parquet(file)
        frame["line"] = range(1, len(frame) + 1)
        bad = pd.DataFrame(columns=["line", "reason"])
    else:
        frame, bad = _read_csv(file)
    for column in OPTIONAL_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    if "alias_sources" not in frame.columns and "aliases" in frame.columns:
        frame["alias_sources"] = frame["aliases"].fillna("").map(curated_sources)
    if "keywords_source" not in frame.columns:  # keywords written by hand, where there are any
        frame["keywords_source"] = (
            frame["keywords"].fillna("").str.strip().ne("").map({True: "curated", False: ""})
        )
    missing = [c for c in CATALOG_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"catalog file {file.name} lacks columns: {', '.join(missing)}")
    frame = frame[[*CATALOG_COLUMNS, "line"]].copy()
    frame["file"] = file.name
    bad["file"] = file.name
    return frame, bad


def _read_parquet(file: Path) -> pd.DataFrame:
    """A Parquet file's rows, read a row group at a time and handed to pandas buffer by
    buffer: reading a 2.5M-row file whole held its decoded pages beside the table, and the
    table beside the frame (1.57 -> 1.19 GB)."""
    parquet = pq.ParquetFile(file)
    groups = [parquet.read_row_group(i, use_threads=False) for i in range(parquet.num_row_groups)]
    table = pa.concat_tables(groups) if groups else parquet.schema_arrow.empty_table()
    del groups
    frame = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    release_built_memory()
    return frame


def _label(file: str, line: int) -> str:
    return f"{file} {'row' if file.endswith('.parquet') else 'line'} {line}"


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` cleaned in place, column by column (a copy of the whole frame doubled a
    large catalog's memory)."""
    for column in [c for c in CATALOG_COLUMNS if c != "year"]:
        frame[column] = frame[column].astype("string").str.strip()
        release_built_memory()  # the column's raw buffers, kept by Arrow's pool otherwise
    # Runs of whitespace as one space; only titles that have another run than one space are
    # rewritten (rewriting all copied every title of a large catalog at once).
    title = frame["title"].fillna("")
    irregular = title.str.contains(IRREGULAR_SPACE, regex=True).to_numpy(dtype=bool)
    if irregular.any():
        title = title.mask(irregular, title[irregular].str.replace(r"\s+", " ", regex=True))
    frame["title"] = title
    frame["authors"] = frame["authors"].fillna("")
    frame["aliases"] = frame["aliases"].fillna("")
    frame["alias_sources"] = frame["alias_sources"].fillna("")
    frame["keywords"] = frame["keywords"].fillna("")
    frame["keywords_source"] = frame["keywords_source"].fillna("")
    year = frame["year"].astype("string").str.strip().replace("", pd.NA)
    frame["year"] = pd.to_numeric(year, errors="coerce").astype("Int64")
    frame["year_text"] = year.where(year.notna() & frame["year"].isna())  # not a number
    frame["arxiv_id"] = frame["arxiv_id"].replace("", pd.NA)
    frame["paper_id"] = frame["paper_id"].fillna("")
    return frame


def _row_failures(frame: pd.DataFrame) -> pd.DataFrame:
    """Every failed check, one row per (row position, check), from one lazy validation."""
    try:
        CATALOG_SCHEMA.validate(frame[CATALOG_COLUMNS], lazy=True)
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
        if cases["index"].isna().any():
            check = cases.loc[cases["index"].isna(), "check"].iloc[0]
            raise ValueError(f"catalog is malformed: {check}") from exc
        return cases[["index", "column", "check", "failure_case"]].astype({"index": "int64"})
    return pd.DataFrame(columns=["index", "column", "check", "failure_case"])


def _failure_text(case: pd.Series) -> str:
    column = case["column"] if isinstance(case["column"], str) else ""
    value = f" (value {case['failure_case']!r})" if column else ""
    return f"{column} {case['check']}{value}"


def _schema_errors(frame: pd.DataFrame, cases: pd.DataFrame, limit: int) -> list[str]:
    """Messages for the first ``limit`` failing rows (only those are formatted)."""
    listed = cases[cases["index"].isin(cases["index"].drop_duplicates().sort_values()[:limit])]
    messages = []
    for index, group in listed.groupby("index", sort=True):
        row = frame.loc[index]
        texts = sorted({_failure_text(case) for _, case in group.iterrows()})
        messages.append(f"{_label(row['file'], row['line'])}: {'; '.join(texts)}")
    return messages


def load_catalog(path: Path, cache_dir: Path | None = None) -> Catalog:
    """The validated catalog; rows that break the schema are dropped and counted, the first
    MAX_LISTED_ERRORS named in ``errors``. Raises EmptyCatalogError when no row is valid.

    Validation is vectorised (pandera on the whole frame, pandas for duplicates and counts):
    a million junk rows take seconds, not minutes, and only the listed errors are formatted.
    With ``cache_dir`` the validated catalog is stored there per sha256 of its files, and
    any later process loads it in a fraction of a second (``pipeline.catalog_store``).
    """
    files = catalog_files(path)
    sha256 = files_sha256(files)
    key = store_key(sha256, _VALIDATION_SOURCE)
    stored = read_frame(cache_dir, "catalog", key)
    if stored is not None:
        papers, meta = stored
        return Catalog(papers, sha256, meta["errors"], meta["rejected_rows"])
    catalog = _validated(path, files, sha256)
    meta = {"errors": catalog.errors, "rejected_rows": catalog.rejected_rows}
    write_frame(cache_dir, "catalog", key, catalog.papers, meta)
    stored = read_frame(cache_dir, "catalog", key)
    if stored is None:  # no cache, or it could not be written
        return catalog
    # The stored copy, as every later process reads it: the validated frame's strings
    # (gigabytes at millions of rows) are released for the rest of the run.
    del catalog
    release_built_memory()
    return Catalog(stored[0], sha256, meta["errors"], meta["rejected_rows"])


def _validated(path: Path, files: list[Path], sha256: str) -> Catalog:
    read = [_read_file(f) for f in files]
    bad_lines = pd.concat([bad for _, bad in read], ignore_index=True)
    frame = pd.concat([rows for rows, _ in read], ignore_index=True)
    del read  # the files' frames: only the joined one is cleaned
    frame = _clean(frame)
    errors = [
        f"{_label(r.file, r.line)}: {r.reason}"
        for r in bad_lines.head(MAX_LISTED_ERRORS).itertuples()
    ]
    duplicated = pd.Series(False, index=frame.index)
    for column in ("paper_id", "arxiv_id"):  # the first row with an id keeps it
        present = frame[column].notna() & (frame[column] != "") & ~duplicated
        again = present & frame[column].where(present).duplicated(keep="first")
        errors += [
            f"{_label(r.file, r.line)}: duplicate {column} {getattr(r, column)!r} (first kept)"
            for r in frame[again].head(max(MAX_LISTED_ERRORS - len(errors), 0)).itertuples()
        ]
        duplicated |= again
    if duplicated.any():  # (each filter copies every column: skipped when it keeps all)
        frame = frame[~duplicated]
    bad_year = frame["year_text"].notna()
    errors += [
        f"{_label(r.file, r.line)}: year is not a number (value {r.year_text!r})"
        for r in frame[bad_year].head(max(MAX_LISTED_ERRORS - len(errors), 0)).itertuples()
    ]
    if bad_year.any() or duplicated.any():
        frame = frame[~bad_year].reset_index(drop=True)
    cases = _row_failures(frame)
    errors += _schema_errors(frame, cases, max(MAX_LISTED_ERRORS - len(errors), 0))
    failing = cases["index"].unique()
    rejected = len(bad_lines) + int(duplicated.sum()) + int(bad_year.sum()) + len(failing)
    if rejected > len(errors):
        errors.append(f"... {rejected - len(errors)} more rejected rows not listed")
    if len(failing):
        frame = frame.drop(index=failing).reset_index(drop=True)
    papers = frame[CATALOG_COLUMNS]
    del frame  # only the catalog's columns go on
    papers = _by_paper_id(CATALOG_SCHEMA.validate(papers, inplace=True))
    if papers.empty:
        raise EmptyCatalogError(
            f"catalog {path} has no valid entry ({rejected} rows rejected): every mention "
            "would go unmatched; nothing is published"
        )
    return Catalog(papers=papers, sha256=sha256, errors=errors, rejected_rows=rejected)


def _by_paper_id(papers: pd.DataFrame) -> pd.DataFrame:
    """``papers`` sorted by paper id (stable), one column at a time: a sorted copy of a
    column of Arrow-backed strings holds its text again, and a whole frame's copy beside the
    frame doubled a large catalog's memory."""
    order = papers["paper_id"].argsort(kind="stable").to_numpy()
    if (order == np.arange(len(order))).all():  # already in order (an imported catalog)
        return papers.reset_index(drop=True)
    columns = {}
    for column in list(papers.columns):
        columns[column] = papers.pop(column).take(order).reset_index(drop=True)
        release_built_memory()  # the unsorted column's buffers
    return pd.DataFrame(columns)


# What a stored validated catalog depends on besides the files: this module's and the
# schema's code.
_VALIDATION_SOURCE = hashlib.sha256(
    Path(__file__).read_bytes() + Path(models_module.__file__).read_bytes()
).hexdigest()


def check_catalog_size(entries: int, previous_entries: int | None, allow_shrink: bool) -> None:
    """Refuse a catalog that shrank by more than half since the last published run (a
    truncated file or a wrong path would silently turn links into unmatched mentions)."""
    if allow_shrink or previous_entries is None or entries * 2 >= previous_entries:
        return
    raise CatalogShrankError(
        f"catalog has {entries} entries, fewer than half of the {previous_entries} of the last "
        "published run; if that is intended, run again with --allow-catalog-shrink "
        "(or PAPER_MENTIONS_ALLOW_CATALOG_SHRINK=1)"
    )


def curated_sources(aliases: str) -> str:
    """``alias_sources`` of a catalog written before the column existed: hand-written aliases."""
    return ALIAS_SEPARATOR.join("curated" for _ in split_aliases(aliases))


def split_aliases(aliases: str) -> list[str]:
    return [a.strip() for a in aliases.split(ALIAS_SEPARATOR) if a.strip()]


def split_keywords(keywords: str) -> list[str]:
    return [k.strip() for k in keywords.split(KEYWORD_SEPARATOR) if k.strip()]
