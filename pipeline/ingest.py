"""Read every text file under the raw folder into decoded text, or a specific rejection."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")


@dataclass(frozen=True)
class SourceText:
    source_file: str
    sha256: str
    text: str | None
    error: str | None


def discover_sources(raw_dir: Path) -> list[Path]:
    """Text files under ``raw_dir`` in a stable order; links leading outside it are kept so
    that reading them can reject them with a reason rather than skip them silently."""
    found = [
        path
        for path in raw_dir.rglob("*")
        if path.suffix.lower() in TEXT_SUFFIXES and (path.is_file() or path.is_symlink())
    ]
    return sorted(found, key=lambda p: p.relative_to(raw_dir).as_posix())


def decode_bytes(data: bytes) -> tuple[str | None, str | None]:
    """Decoded text, or None and the reason it cannot be decoded."""
    nul = data.find(b"\x00")
    if nul >= 0 and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, f"binary content: NUL byte at offset {nul}"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        utf8_error = exc
    best = from_bytes(data).best()
    if best is None:
        return None, (
            f"undecodable: not UTF-8 (invalid byte at offset {utf8_error.start}) "
            "and no other text encoding fits"
        )
    return str(best), None


def read_source(path: Path, raw_dir: Path, max_bytes: int) -> SourceText:
    name = path.relative_to(raw_dir).as_posix()
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(Path(os.path.realpath(raw_dir))):
        return SourceText(
            name,
            hashlib.sha256(b"").hexdigest(),
            None,
            "link leads outside the raw folder: not followed",
        )
    try:
        size = real.stat().st_size
        if size > max_bytes:
            return SourceText(
                name,
                hashlib.sha256(b"").hexdigest(),
                None,
                f"too large: {size} bytes, limit is {max_bytes}",
            )
        data = real.read_bytes()
    except OSError as exc:
        return SourceText(
            name, hashlib.sha256(b"").hexdigest(), None, f"unreadable: {exc.strerror or exc}"
        )
    text, error = decode_bytes(data)
    return SourceText(name, hashlib.sha256(data).hexdigest(), text, error)


def ingest(raw_dir: Path, max_bytes: int) -> pd.DataFrame:
    """One row per source file: source_file, sha256, text (None when rejected), error."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw_dir}")
    rows = [read_source(path, raw_dir, max_bytes) for path in discover_sources(raw_dir)]
    names = [r.source_file for r in rows]
    return pd.DataFrame(
        {
            "source_file": names,
            "sha256": [r.sha256 for r in rows],
            "text": [r.text for r in rows],
            "error": [r.error for r in rows],
        },
        columns=["source_file", "sha256", "text", "error"],
    )


DOCUMENT_COLUMNS = ["source_file", "language", "sha256", "n_chars", "n_mentions", "status", "error"]


def documents_table(sources: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """The published documents table: one row per file read or refused."""
    counts = mentions.groupby("source_file").size()
    documents = pd.DataFrame(
        {
            "source_file": sources["source_file"],
            "language": sources["language"],
            "sha256": sources["sha256"],
            "n_chars": sources["text"].map(lambda t: len(t) if isinstance(t, str) else 0),
            "n_mentions": sources["source_file"].map(counts).fillna(0),
            "status": sources["error"].isna().map({True: "ok", False: "rejected"}),
            "error": sources["error"].astype(object).where(sources["error"].notna(), None),
        }
    )
    documents["n_chars"] = documents["n_chars"].astype("int64")
    documents["n_mentions"] = documents["n_mentions"].astype("int64")
    return documents[DOCUMENT_COLUMNS].reset_index(drop=True)
