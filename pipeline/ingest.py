"""Read every text file under the raw folder into decoded text, or a specific rejection.

Nothing here follows a link or opens a special file outside the raw folder, nothing is read
beyond the size limit, and no byte sequence can stop the run: every file ends as text or as a
rejection whose reason names what was wrong (and where, for bad bytes).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd
from charset_normalizer import from_bytes

from pipeline.isolation import log_internal_error

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".mdx", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
MANIFEST_NAME = "sources.csv"
# A manifest value quoted in an error is cut after this many characters.
MAX_SHOWN_CHARS = 80
READ_CHUNK_BYTES = 1 << 20
# Blocks that prose never uses but a wrong code page produces: box drawing, block elements and
# geometric shapes, private use, Arabic presentation forms.
MOJIBAKE_BLOCKS = ((0x2500, 0x25FF), (0xE000, 0xF8FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
CJK_NAME_WORDS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC", "FULLWIDTH")
# A CJK character stands for about this many Latin letters when scripts are weighed.
LETTERS_PER_CJK_CHAR = 3.0
# A legacy reading in a non-Latin script must give that script at least this share of the
# letters: a real Cyrillic or Chinese text is written in it, mojibake scatters a few letters.
MIN_OTHER_SCRIPT_SHARE = 0.2
APOSTROPHES = "\u2018\u2019\u02bc"
# Scripts with punctuation of their own (an Arabic comma is no Latin text's punctuation).
# Every non-ASCII character with the characters around it (the text is padded with spaces).
NON_ASCII_IN_CONTEXT = re.compile(r"(?=(.)([^\x00-\x7f])(.))", re.DOTALL)
ASCII_LETTER = re.compile(r"[A-Za-z]")
SCRIPTS_WITH_MARKS = ("ARABIC", "ARMENIAN", "CJK", "CYRILLIC", "GREEK", "HEBREW", "SYRIAC", "THAI")
ErrorSink = Callable[[str, Exception], str]

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
ABSOLUTE_WEB_ADDRESS = re.compile(r"https?://\S", re.IGNORECASE)
SPACE_RUN = re.compile(r"  +")


@dataclass(frozen=True)
class SourceText:
    source_file: str
    sha256: str | None
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
    the legacy encodings (GBK, Big5, Latin-1...); its best reading is kept only when it reads
    as text (``_reads_as_text``), else the bytes count as damaged UTF-8.
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
    damaged = (
        f"invalid UTF-8: byte 0x{data[first_bad]:02x} at offset {first_bad} "
        f"({invalid} invalid byte{'s' if invalid > 1 else ''} in otherwise UTF-8 text"
    )
    if valid > invalid:
        return None, damaged + ")"
    best = from_bytes(data).best()
    if best is None:
        return None, (
            f"undecodable: not UTF-8 (invalid byte at offset {first_bad}) "
            "and no other text encoding fits"
        )
    if not _reads_as_text(str(best)):
        return None, damaged + "; no other text encoding reads it as text)"
    return _unless_binary(str(best))


@functools.lru_cache(maxsize=4096)
def _script(char: str) -> str:
    """The script of a letter: the first word of its Unicode name, CJK for Chinese, Japanese
    and Korean (LATIN, CJK, CYRILLIC, ARABIC, GREEK...)."""
    first = unicodedata.name(char, "UNKNOWN").split(" ")[0]
    return "CJK" if first in CJK_NAME_WORDS else first


def _reads_as_text(text: str) -> bool:
    """Whether a legacy code page's reading of some bytes is text rather than mojibake.

    On text that is almost all ASCII a few stray bytes give charset-normalizer little to go
    on, and some code page always "fits" them: as box drawing, Arabic presentation forms, a
    Cyrillic letter inside a Latin word, a symbol or a capital inside a lower-case word. A
    reading is kept only when every non-ASCII character is in place (``_out_of_place``) and
    isolated accented letters (``à la``) come with accented letters inside words. Each
    distinct (previous, character, next) triple is judged once, so a long Chinese text costs
    about as much as a short one per distinct context.
    """
    contexts = Counter(NON_ASCII_IN_CONTEXT.findall(f" {text} "))
    weights = {"LATIN": float(len(text) - len(ASCII_LETTER.sub("", text)))}
    for (_, char, _), count in contexts.items():
        if char.isalpha():
            script = _script(char)
            weight = LETTERS_PER_CJK_CHAR if script == "CJK" else 1.0
            weights[script] = weights.get(script, 0.0) + weight * count
    total = sum(weights.values()) or 1.0
    shares = {script: weight / total for script, weight in weights.items()}
    inside_words = isolated = 0
    for (before, char, after), count in contexts.items():
        if _out_of_place(char, before, after, shares):
            return False
        if char.isalpha():
            in_word = before.isalpha() or after.isalpha()
            inside_words += count if in_word else 0
            isolated += 0 if in_word else count
    return isolated == 0 or inside_words > 0


def _out_of_place(char: str, before: str, after: str, shares: dict[str, float]) -> bool:
    """A non-ASCII character that prose does not put where it stands: a control or
    private-use character, a mojibake block, a symbol inside a Latin word, a letter or mark of
    a script that is not a real share of the text, a letter inside a word of another script
    (CJK beside Latin excepted: ``Transformer模型``), a capital after a lower-case letter, or
    two accented letters in a row that are not both lower-case."""
    code = ord(char)
    if unicodedata.category(char)[0] == "C" or any(
        low <= code <= high for low, high in MOJIBAKE_BLOCKS
    ):
        return True
    script = _script(char)
    foreign = script != "LATIN" and (char.isalpha() or script in SCRIPTS_WITH_MARKS)
    if foreign and shares.get(script, 0.0) < MIN_OTHER_SCRIPT_SHARE:
        return True  # a letter or mark of a script the text is hardly written in
    if not char.isalpha():
        in_latin_word = all(c.isalpha() and _script(c) == "LATIN" for c in (before, after))
        return in_latin_word and unicodedata.category(char) != "Pd" and char not in APOSTROPHES
    scripts = {_script(c) for c in (before, after) if c.isalpha()}
    if scripts - {script} and "CJK" not in scripts | {script}:
        return True
    if script == "LATIN" and char.isupper() and before.isalpha() and before.islower():
        return True
    accented_pair = before > "\x7f" and before.isalpha() and _script(before) == "LATIN"
    return script == "LATIN" and accented_pair and not (before.islower() and char.islower())


def _unless_binary(text: str) -> tuple[str | None, str | None]:
    """Decoded text full of control characters is binary data that happened to decode."""
    controls = sum(1 for _ in CONTROL_CHARS.finditer(text))
    if controls > MAX_CONTROL_CHAR_SHARE * len(text):
        return None, f"binary content: {controls} control characters in {len(text)}"
    return text, None


def html_to_text(markup: str) -> str:
    """The visible prose of an HTML page: one line per block element (line breaks kept inside
    ``pre``), runs of spaces collapsed as a browser does; scripts, styles, comments and the
    head are left out. A link to a web address is kept as a Markdown link,
    ``[anchor](address)``: the address is how a page cites a paper (an arXiv or Hugging Face
    link under "here"), and Markdown pages are read the same way. Mention offsets of an HTML
    source refer to this text.

    The tree is walked once with an explicit stack, so time is linear in the size of the page
    however deeply it nests (a hundred thousand nested ``div``s take about a second), and no
    recursion limit applies. Raises bs4's ``ParserRejectedMarkup`` when the parser gives up.
    """
    # Imported here: it takes a tenth of a second and most raw folders hold no HTML.
    from bs4 import BeautifulSoup, CData, NavigableString, Tag

    soup = BeautifulSoup(markup, "html.parser")
    pieces: list[str] = []
    breaks = 0  # line breaks written so far: a link whose anchor holds one is no Markdown link
    block_end = object()
    stack: list[tuple[object, bool]] = [(soup, False)]
    while stack:
        node, in_pre = stack.pop()
        if node is block_end:
            pieces.append("\n")
            breaks += 1
        elif isinstance(node, _LinkEnd):
            if breaks == node.breaks:
                pieces[node.opening] = "["
                pieces.append(f"]({node.address})")
            else:  # an anchor of whole blocks: the address on a line of its own
                pieces.append(f"\n{node.address}\n")
                breaks += 2
        elif isinstance(node, Tag):
            if node.name in HTML_IGNORED:
                continue
            if node.name in HTML_BLOCKS:
                pieces.append("\n")
                breaks += 1
                stack.append((block_end, False))
            in_pre = in_pre or node.name == "pre"
            address = web_address(node.get("href")) if node.name == "a" and not in_pre else None
            if address is not None:
                stack.append((_LinkEnd(address, len(pieces), breaks), in_pre))
                pieces.append("")  # "[" once the anchor proves to be inline
            stack.extend((child, in_pre) for child in reversed(node.contents))
        elif type(node) is NavigableString:
            pieces.append(str(node) if in_pre else INLINE_SPACE.sub(" ", node))
        elif type(node) is CData:
            pieces.append(str(node))
    lines = (SPACE_RUN.sub(" ", line).strip() for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class _LinkEnd:
    """Where a link's anchor ends in the walk: its address, the piece reserved for its
    opening bracket, and the line breaks written before the anchor."""

    address: str
    opening: int
    breaks: int


def web_address(href: object) -> str | None:
    """An ``href`` that leads to a web page (http, https, or protocol-relative), written so
    that a Markdown link holds it: no spaces or round brackets. None for a page's own
    anchors, relative paths, ``mailto:`` and scripts."""
    if not isinstance(href, str):
        return None
    address = href.strip()
    if address.startswith("//"):
        address = f"https:{address}"
    if not ABSOLUTE_WEB_ADDRESS.match(address):
        return None
    return address.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _parser_reason(error: Exception) -> str:
    """What the HTML parser itself said (bs4 wraps it in a paragraph of advice)."""
    text = str(error)
    _, found, reason = text.partition("Original exception(s) from parser:")
    return " ".join((reason if found else text).split())


def decode_source(data: bytes, suffix: str) -> tuple[str | None, str | None]:
    """A file's text (for HTML its visible prose), or None and the reason it is refused."""
    text, error = decode_bytes(data)
    if text is None or suffix.lower() not in HTML_SUFFIXES:
        return text, error
    from bs4 import ParserRejectedMarkup

    try:
        return html_to_text(text), None
    except ParserRejectedMarkup as exc:
        return None, f"HTML the parser rejects: {_parser_reason(exc)}"


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


def _read_bounded(path: Path, max_bytes: int) -> tuple[bytes | None, str, int]:
    """The file's bytes (None when there are more than ``max_bytes``), with the sha256 and
    size of all of them: a file over the limit is hashed as a stream, never held in memory."""
    digest = hashlib.sha256()
    chunks: list[bytes] | None = []
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(READ_CHUNK_BYTES), b""):
            digest.update(chunk)
            size += len(chunk)
            chunks = chunks if chunks is not None and size <= max_bytes else None
            if chunks is not None:
                chunks.append(chunk)
    return (b"".join(chunks) if chunks is not None else None), digest.hexdigest(), size


def read_source(
    path: Path, raw_dir: Path, max_bytes: int, on_error: ErrorSink = log_internal_error
) -> SourceText:
    """One file's text, or the reason it was refused, with the sha256 of its bytes on disk
    (None only when they could not be read). Memory stays bounded by ``max_bytes``. An
    unexpected exception while decoding is handed to ``on_error``, which names the reason."""
    name, name_error = _source_name(path, raw_dir)
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(Path(os.path.realpath(raw_dir))):
        return SourceText(name, None, None, "link leads outside the raw folder: not followed")
    try:
        info = real.stat()
        if not stat.S_ISREG(info.st_mode):
            return SourceText(name, None, None, f"not a regular file: {_file_kind(info.st_mode)}")
        data, sha256, size = _read_bounded(real, max_bytes)
    except OSError as exc:
        return SourceText(name, None, None, f"unreadable: {exc.strerror or exc}")
    if name_error:
        return SourceText(name, sha256, None, name_error)
    if data is None:
        return SourceText(name, sha256, None, f"too large: {size} bytes, limit is {max_bytes}")
    try:
        return SourceText(name, sha256, *decode_source(data, path.suffix))
    except Exception as exc:  # one document must not stop the run (pipeline.isolation)
        return SourceText(name, sha256, None, on_error(name, exc))


def ingest(raw_dir: Path, max_bytes: int, on_error: ErrorSink = log_internal_error) -> pd.DataFrame:
    """One row per source file: source_file, sha256, text (None when rejected), error.

    A file whose reading fails unexpectedly is rejected with the reason ``on_error`` gives
    (``internal error: ...``, its traceback logged); the other files are read as usual."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw_dir}")
    rows = []
    for path in discover_sources(raw_dir):
        try:
            rows.append(read_source(path, raw_dir, max_bytes, on_error))
        except Exception as exc:  # one document must not stop the run (pipeline.isolation)
            name = _source_name(path, raw_dir)[0]
            rows.append(SourceText(name, None, None, on_error(name, exc)))
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


def _shown(value: str) -> str:
    """A manifest value as quoted in an error, cut short when it is long."""
    if len(value) <= MAX_SHOWN_CHARS:
        return repr(value)
    return f"{value[:MAX_SHOWN_CHARS]!r}... ({len(value)} characters)"


def _manifest_entry_error(value: str, raw_dir: Path, real_raw: Path) -> str | None:
    if not value:
        return "source_file is empty"
    shown = _shown(value)
    if "\x00" in value:
        return f"source_file {shown} holds a NUL byte"
    if (
        PurePosixPath(value).is_absolute()
        or PureWindowsPath(value).is_absolute()
        or (PureWindowsPath(value).drive)
    ):
        return f"source_file {shown} is an absolute path; it must be relative to the raw folder"
    if ".." in PurePosixPath(value.replace("\\", "/")).parts:
        return f"source_file {shown} leaves the raw folder"
    target = raw_dir / value
    try:
        if not Path(os.path.realpath(target)).is_relative_to(real_raw):
            return f"source_file {shown} leads outside the raw folder through a link"
        if not target.is_file():
            return f"source_file {shown} is not a file in the raw folder"
    except (OSError, ValueError) as exc:  # a name too long for the file system, ...
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        return f"source_file {shown} cannot name a file: {reason}"
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
