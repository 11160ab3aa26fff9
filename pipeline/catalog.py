"""Load and validate the canonical paper catalog.

The curated catalog is a folder of CSV files (easy to review and edit); an imported catalog is
one Parquet file. Malformed rows are dropped with an error naming each row, so that one bad
line does not stop a nightly run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.errors as pa_errors

from schemas import CatalogModel

CATALOG_COLUMNS = [
    "paper_id",
    "arxiv_id",
    "title",
    "year",
    "authors",
    "aliases",
    "alias_sources",
    "keywords",
]
# Columns a catalog file may leave out (catalogs written before they existed still load).
OPTIONAL_COLUMNS = ("keywords",)
ALIAS_SEPARATOR = "|"
KEYWORD_SEPARATOR = ";"


@dataclass(frozen=True)
class Catalog:
    papers: pd.DataFrame
    sha256: str
    errors: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.papers)


def catalog_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted([*path.glob("*.csv"), *path.glob("*.parquet")])
        if not files:
            raise FileNotFoundError(f"no catalog files (*.csv, *.parquet) in {path}")
        return files
    if not path.exists():
        raise FileNotFoundError(f"catalog not found: {path}")
    return [path]


def files_sha256(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode())
        with file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _read_file(file: Path) -> pd.DataFrame:
    if file.suffix == ".parquet":
        frame = pd.read_parquet(file)
        labels = [f"{file.name} row {i + 1}" for i in range(len(frame))]
    else:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""])
        labels = [f"{file.name} line {i + 2}" for i in range(len(frame))]
    for column in OPTIONAL_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    if "alias_sources" not in frame.columns and "aliases" in frame.columns:
        frame["alias_sources"] = frame["aliases"].fillna("").map(curated_sources)
    missing = [c for c in CATALOG_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"catalog file {file.name} lacks columns: {', '.join(missing)}")
    frame = frame[CATALOG_COLUMNS].copy()
    frame["row_label"] = labels
    return frame


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in [c for c in CATALOG_COLUMNS if c != "year"]:
        frame[column] = frame[column].astype("string").str.strip()
    frame["title"] = frame["title"].fillna("").str.replace(r"\s+", " ", regex=True)
    frame["authors"] = frame["authors"].fillna("")
    frame["aliases"] = frame["aliases"].fillna("")
    frame["alias_sources"] = frame["alias_sources"].fillna("")
    frame["keywords"] = frame["keywords"].fillna("")
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    frame["arxiv_id"] = frame["arxiv_id"].replace("", pd.NA)
    frame["paper_id"] = frame["paper_id"].fillna("")
    return frame


def _row_errors(frame: pd.DataFrame) -> dict[int, list[str]]:
    """Failed checks per row position, from one lazy validation."""
    failures: dict[int, list[str]] = {}
    try:
        CatalogModel.validate(frame[CATALOG_COLUMNS], lazy=True)
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for _, case in cases.iterrows():
            index = case["index"]
            if pd.isna(index):
                raise ValueError(f"catalog is malformed: {case['check']}") from exc
            check = str(case["check"])
            column = case["column"] if isinstance(case["column"], str) else ""
            value = case["failure_case"]
            failures.setdefault(int(index), []).append(
                f"{column} {check}" + (f" (value {value!r})" if column else "")
            )
    return failures


def load_catalog(path: Path) -> Catalog:
    """The validated catalog; rows that break the schema are dropped and named in ``errors``."""
    files = catalog_files(path)
    frame = _clean(pd.concat([_read_file(f) for f in files], ignore_index=True))
    duplicated = frame["paper_id"].duplicated(keep="first") & (frame["paper_id"] != "")
    errors = [
        f"{label}: duplicate paper_id {pid!r} (first kept)"
        for label, pid in zip(
            frame.loc[duplicated, "row_label"], frame.loc[duplicated, "paper_id"], strict=True
        )
    ]
    frame = frame[~duplicated].reset_index(drop=True)
    failures = _row_errors(frame)
    errors += [
        f"{frame.at[i, 'row_label']}: {'; '.join(sorted(set(msgs)))}"
        for i, msgs in sorted(failures.items())
    ]
    frame = frame.drop(index=list(failures)).reset_index(drop=True)
    papers = CatalogModel.validate(frame[CATALOG_COLUMNS])
    papers = papers.sort_values("paper_id", kind="stable").reset_index(drop=True)
    return Catalog(papers=papers, sha256=files_sha256(files), errors=errors)


def curated_sources(aliases: str) -> str:
    """``alias_sources`` of a catalog written before the column existed: hand-written aliases."""
    return ALIAS_SEPARATOR.join("curated" for _ in split_aliases(aliases))


def split_aliases(aliases: str) -> list[str]:
    return [a.strip() for a in aliases.split(ALIAS_SEPARATOR) if a.strip()]


def split_keywords(keywords: str) -> list[str]:
    return [k.strip() for k in keywords.split(KEYWORD_SEPARATOR) if k.strip()]
