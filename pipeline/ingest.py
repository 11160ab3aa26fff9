"""Read every text file under the raw folder into decoded text, or a specific rejection.

Nothing here follows a link or opens a special file outside the raw folder, nothing is read
beyond the size limit, and no byte sequence can stop the run: every file ends as text or as a
rejection whose reason names what was wrong (and where, for bad bytes).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd
from charset_normalizer import from_bytes

TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
MANIFEST_NAME = "sources.csv"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# Byte-order marks, longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never occur in prose (tab, line and page breaks excluded).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
MAX_CONTROL_CHAR_SHARE = 0.01
# Elements whose text is not part of the page's prose.
HTML_IGNORED = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")
HTML_BLOCKS = (
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
)  # fmt: skip
INLINE_SPACE = re.compile(r"[ \t\r\n\f\v]+")
SPACE_RUN = re.compile(r"  +")


@dataclass(frozen=True)
class SourceText:
    source_file: str
    sha256: str
    text: str | None
    error: str | None


def discover_sources(raw_dir: Path) -> list[Path]:
    """Text files under ``raw_dir`` in a stable order.

    Linked folders are not entered (a link may lead anywhere, or in a loop); links and special
    files with a text suffix are kept so that reading them rejects them with a reason rather
    than skipping them silently.
    """
    found = []
    for folder, dirnames, filenames in os.walk(raw_dir, followlinks=False):
        dirnames.sort()
        linked_dirs = [d for d in dirnames if os.path.islink(os.path.join(folder, d))]
        for name in [*filenames, *linked_dirs]:
            if Path(name).suffix.lower() in TEXT_SUFFIXES:
                found.append(Path(folder) / name)
    return sorted(found, key=lambda p: p.relative_to(raw_dir).as_posix())


def decode_bytes(data: bytes) -> tuple[str | None, str | None]:
    """Decoded text, or None and the reason it cannot be decoded.

    Text with a byte-order mark is decoded as the mark says. Otherwise UTF-8 is tried first;
    text that is mostly valid UTF-8 with a few invalid bytes is damaged (a truncated or
    corrupted download), and is rejected with the offset of the first bad byte rather than
    guessed at: any other reading would silently garble its non-ASCII text. Only text with
    more invalid than valid UTF-8 sequences is handed to charset-normalizer, which recognises
    the legacy encodings (GBK, Big5, Latin-1...).
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                return None, (
                    f"undecodable: invalid {encoding.upper()} at byte offset {exc.start} "
                    "after a byte-order mark"
                )
            return _unless_binary(text)
    nul = data.find(b"\x00")
    if nul >= 0:
        return None, f"binary content: NUL byte at offset {nul}"
    try:
        return _unless_binary(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = data.decode("utf-8", "surrogateescape")
    invalid = sum(1 for c in text if "\udc80" <= c <= "\udcff")
    valid = sum(1 for c in text if c > "\x7f") - invalid
    if valid > invalid:
        return None, (
            f"invalid UTF-8: byte 0x{data[first_bad]:02x} at offset {first_bad} "
            f"({invalid} invalid byte{'s' if invalid > 1 else ''} in otherwise UTF-8 text)"
        )
    best = from_bytes(data).best()
    if best is None:
        return None, (
            f"undecodable: not UTF-8 (invalid byte at offset {first_bad}) "
            "and no other text encoding fits"
        )
    return _unless_binary(str(best))


def _unless_binary(text: str) -> tuple[str | None, str | None]:
    """Decoded text full of control characters is binary data that happened to decode."""
    controls = sum(1 for _ in CONTROL_CHARS.finditer(text))
    if controls > MAX_CONTROL_CHAR_SHARE * len(text):
        return None, f"binary content: {controls} control characters in {len(text)}"
    return text, None


def html_to_text(markup: str) -> str:
    """The visible prose of an HTML page: one line per block element (line breaks kept inside
    ``pre``), runs of spaces collapsed as a browser does; scripts, styles, comments and the
    head are left out. Mention offsets of an HTML source refer to this text."""
    # Imported here: it takes a tenth of a second and most raw folders hold no HTML.
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for element in soup(HTML_IGNORED):
        element.decompose()
    for string in list(soup.find_all(string=True)):
        if type(string).__name__ == "NavigableString" and not string.find_parent("pre"):
            string.replace_with(INLINE_SPACE.sub(" ", string))
    for block in soup(HTML_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = (SPACE_RUN.sub(" ", line).strip() for line in soup.get_text().split("\n"))
    return "\n".join(line for line in lines if line)


def _source_name(path: Path, raw_dir: Path) -> tuple[str, str | None]:
    """The name used in the tables, and an error when the file name is not valid UTF-8
    (it could not be written to Parquet as it is); such a name is shown with escapes."""
    name = path.relative_to(raw_dir).as_posix()
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return shown, "file name is not valid UTF-8: rename the file"
    return name, None


def _file_kind(mode: int) -> str:
    kinds = {
        stat.S_ISDIR: "a folder",
        stat.S_ISFIFO: "a named pipe",
        stat.S_ISSOCK: "a socket",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
    }
    return next((kind for test, kind in kinds.items() if test(mode)), "not a regular file")


def read_source(path: Path, raw_dir: Path, max_bytes: int) -> SourceText:
    """One file's text, or the reason it was refused; reads at most ``max_bytes`` + 1 bytes."""
    name, name_error = _source_name(path, raw_dir)
    if name_error:
        return SourceText(name, EMPTY_SHA256, None, name_error)
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(Path(os.path.realpath(raw_dir))):
        return SourceText(
            name, EMPTY_SHA256, None, "link leads outside the raw folder: not followed"
        )
    try:
        info = real.stat()
        if not stat.S_ISREG(info.st_mode):
            return SourceText(
                name, EMPTY_SHA256, None, f"not a regular file: {_file_kind(info.st_mode)}"
            )
        if info.st_size > max_bytes:
            return SourceText(
                name, EMPTY_SHA256, None, f"too large: {info.st_size} bytes, limit is {max_bytes}"
            )
        with real.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return SourceText(name, EMPTY_SHA256, None, f"unreadable: {exc.strerror or exc}")
    sha256 = hashlib.sha256(data).hexdigest()
    if len(data) > max_bytes:
        return SourceText(name, sha256, None, f"too large: over {max_bytes} bytes while read")
    text, error = decode_bytes(data)
    if text is not None and path.suffix.lower() in HTML_SUFFIXES:
        text = html_to_text(text)
    return SourceText(name, sha256, text, error)


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


def _manifest_entry_error(value: str, raw_dir: Path, real_raw: Path) -> str | None:
    if not value:
        return "source_file is empty"
    if (
        PurePosixPath(value).is_absolute()
        or PureWindowsPath(value).is_absolute()
        or (PureWindowsPath(value).drive)
    ):
        return f"source_file {value!r} is an absolute path; it must be relative to the raw folder"
    if ".." in PurePosixPath(value.replace("\\", "/")).parts:
        return f"source_file {value!r} leaves the raw folder"
    target = raw_dir / value
    if not Path(os.path.realpath(target)).is_relative_to(real_raw):
        return f"source_file {value!r} leads outside the raw folder through a link"
    if not target.is_file():
        return f"source_file {value!r} is not a file in the raw folder"
    return None


def read_manifest(raw_dir: Path) -> tuple[pd.DataFrame, list[str]]:
    """The entries of ``raw/sources.csv`` whose ``source_file`` names a file inside the raw
    folder, and an error naming every other row. A missing manifest is no error: every text
    file is processed, listed or not."""
    path = raw_dir / MANIFEST_NAME
    if not path.is_file():
        return pd.DataFrame(columns=["source_file"]), []
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        return pd.DataFrame(columns=["source_file"]), [f"{MANIFEST_NAME}: unreadable: {exc}"]
    if "source_file" not in frame.columns:
        return frame.iloc[0:0], [f"{MANIFEST_NAME}: no source_file column"]
    real_raw = Path(os.path.realpath(raw_dir))
    errors, keep, seen = [], [], set()
    for position, value in enumerate(frame["source_file"].str.strip()):
        error = _manifest_entry_error(value, raw_dir, real_raw)
        if error is None and value in seen:
            error = f"source_file {value!r} is listed twice"
        if error:
            errors.append(f"{MANIFEST_NAME} line {position + 2}: {error}")
        seen.add(value)
        keep.append(error is None)
    return frame[keep].reset_index(drop=True), errors


DOCUMENT_COLUMNS = [
    "source_file", "language", "sha256", "n_chars", "n_mentions", "status", "duplicate_of", "error",
]  # fmt: skip


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
            "duplicate_of": pd.Series(None, index=sources.index, dtype="str"),
            "error": sources["error"].astype(object).where(sources["error"].notna(), None),
        }
    )
    documents["n_chars"] = documents["n_chars"].astype("int64")
    documents["n_mentions"] = documents["n_mentions"].astype("int64")
    return documents[DOCUMENT_COLUMNS].reset_index(drop=True)
