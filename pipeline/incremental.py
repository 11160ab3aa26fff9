"""Per-document cache of the costly stages (language, extract, match), keyed by content.

A document's mentions depend only on its bytes, its name (mention ids hash it), the catalog,
the term tables, the link policy and the code of the stages; the cache key hashes
exactly these, so a changed file, catalog, term table, threshold, pipeline version or stage
module is simply a miss. Prefect's
own task cache cannot do this: it keys on task inputs and cannot hash DataFrames usefully.

Entries are JSON (never pickle: a cache folder may be shared), one file per document, written
atomically; an unreadable entry is a miss and is rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import __version__, language, link
from pipeline.link.policy import LinkPolicy
from pipeline.link.resolve import MENTION_COLUMNS, RUNNER_UP_COLUMNS

CACHE_FORMAT = 1
# Modules whose code decides a document's cached results: editing one invalidates the cache.
STAGE_FILES = (
    Path(language.__file__),
    *sorted(Path(link.__file__).parent.glob("*.py")),
    Path(__file__),
)


def code_sha256() -> str:
    digest = hashlib.sha256()
    for file in STAGE_FILES:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def run_fingerprint(catalog_sha256: str, terms_sha256: str, policy: LinkPolicy) -> str:
    """What every document's cache key shares in one run."""
    parts = {
        "format": CACHE_FORMAT,
        "pipeline_version": __version__,
        "code_sha256": code_sha256(),
        "catalog_sha256": catalog_sha256,
        "terms_sha256": terms_sha256,
        "link_policy": policy.as_dict(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def document_key(fingerprint: str, source_file: str, sha256: str) -> str:
    return hashlib.sha256(f"{fingerprint}\x1f{source_file}\x1f{sha256}".encode()).hexdigest()


def _entry_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.json"


@dataclass
class CachedDocuments:
    """What the cache already knows for this run's documents."""

    languages: dict[str, str]
    mentions: pd.DataFrame
    runner_up: pd.DataFrame

    @property
    def files(self) -> set[str]:
        return set(self.languages)


def normalise_mentions(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One mentions table from per-document pieces, with the dtypes and order ``match_all``
    gives, so that cached and freshly matched rows are indistinguishable."""
    frames = [f for f in frames if not f.empty]
    mentions = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=MENTION_COLUMNS)
    )
    mentions = mentions[MENTION_COLUMNS].astype(
        {"start": "int64", "end": "int64", "score": "float64"}
    )
    for column in ("paper_id", "arxiv_id"):
        mentions[column] = mentions[column].astype(object).where(mentions[column].notna(), None)
    mentions["candidates"] = mentions["candidates"].map(list)
    return mentions.sort_values(
        ["source_file", "start", "end", "kind"], kind="stable", ignore_index=True
    )


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    rows = frame[columns].astype(object).where(frame[columns].notna(), None)
    return [
        {c: (list(v) if c == "candidates" else v) for c, v in zip(columns, row, strict=True)}
        for row in rows.itertuples(index=False)
    ]


def _read_entry(path: Path, source_file: str, sha256: str) -> dict | None:
    try:
        entry = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(entry, dict)
        or entry.get("source_file") != source_file
        or entry.get("sha256") != sha256
    ):
        return None
    return entry


def load_cached(sources: pd.DataFrame, cache_dir: Path | None, fingerprint: str) -> CachedDocuments:
    """The cached results of every readable document whose entry exists and is intact."""
    languages: dict[str, str] = {}
    mention_rows: list[dict] = []
    runner_up_rows: list[dict] = []
    if cache_dir is not None:
        for row in sources.itertuples():
            if not isinstance(row.text, str):
                continue
            key = document_key(fingerprint, row.source_file, row.sha256)
            entry = _read_entry(_entry_path(cache_dir, key), row.source_file, row.sha256)
            if entry is None:
                continue
            languages[row.source_file] = entry["language"]
            mention_rows += entry["mentions"]
            runner_up_rows += entry["runner_up"]
    mentions = pd.DataFrame(mention_rows, columns=MENTION_COLUMNS)
    return CachedDocuments(
        languages,
        normalise_mentions([mentions]),
        pd.DataFrame(runner_up_rows, columns=RUNNER_UP_COLUMNS),
    )


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store(
    cache_dir: Path,
    fingerprint: str,
    sources: pd.DataFrame,
    mentions: pd.DataFrame,
    runner_up: pd.DataFrame,
) -> int:
    """Cache every readable document of ``sources`` (which carries its language); returns how
    many entries were written."""
    by_file = dict(tuple(mentions.groupby("source_file", sort=False)))
    runner_up_by_id = runner_up.set_index("mention_id", drop=False)
    written = 0
    for row in sources.itertuples():
        if not isinstance(row.text, str):
            continue
        own = by_file.get(row.source_file, mentions.iloc[0:0])
        own_runner_up = runner_up_by_id.loc[runner_up_by_id.index.intersection(own["mention_id"])]
        entry = {
            "source_file": row.source_file,
            "sha256": row.sha256,
            "language": row.language,
            "mentions": _records(own, MENTION_COLUMNS),
            "runner_up": _records(own_runner_up, RUNNER_UP_COLUMNS),
        }
        key = document_key(fingerprint, row.source_file, row.sha256)
        _write_atomically(_entry_path(cache_dir, key), json.dumps(entry, ensure_ascii=False))
        written += 1
    return written
