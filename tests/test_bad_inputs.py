"""The bad-input corpus: every kind of file a nightly run may meet in raw/, each with its
expected outcome, run through the whole pipeline (``python -m pipeline run --engine local``).

The files are made here rather than stored, so that the repository holds no opaque blobs.
Every rejected file must get a documents row with a specific error and be listed in the
report; the run must go on and publish (exit code 0).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.ingest import decode_bytes, html_to_text
from pipeline.write import RUNS, TABLES
from tests.conftest import CATALOG
from tests.test_ingest import stdlib_parser_error

MAX_FILE_BYTES = 3_000_000
LONG_LINE_BYTES = 2 * 1024 * 1024
ATTENTION = "arxiv:1706.03762"
GPT3 = "arxiv:2005.14165"
LORA = "arxiv:2106.09685"

GERMAN = (
    'Die Arbeit "Attention Is All You Need" (arXiv:1706.03762) ist grundlegend für moderne '
    "Übersetzungsmodelle. Größere Sprachmodelle wie GPT-3 lernen aus wenigen Beispielen, "
    "siehe https://arxiv.org/abs/2005.14165 für die Einzelheiten der Studie.\n"
)
CHINESE_SIMPLIFIED = (
    "论文《Attention Is All You Need》提出了Transformer模型，链接 "
    "https://arxiv.org/abs/1706.03762 。这篇论文彻底改变了自然语言处理领域，"
    "之后的大语言模型都建立在它的基础之上。\n"
)
CHINESE_TRADITIONAL = (
    "論文《Attention Is All You Need》提出了Transformer模型，連結 "
    "https://arxiv.org/abs/1706.03762 。這篇論文徹底改變了自然語言處理領域，"
    "之後的大型語言模型都建立在它的基礎之上。\n"
)
HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Leseliste</title>
<style>body { font-family: "Language Models are Few-Shot Learners"; }</style>
<script>var hidden = "https://arxiv.org/abs/2005.14165";</script></head>
<body><h1>Wichtige   Arbeiten</h1>
<p>Das Paper <a href="https://arxiv.org/abs/1910.10683">über
   Anpassung</a> stellt LoRA vor, siehe <b>arXiv:2106.09685</b>.</p>
<!-- https://arxiv.org/abs/2005.14165 -->
<ul><li title="Language Models are Few-Shot Learners">Attention Is All You Need -
https://arxiv.org/abs/1706.03762</li></ul>
<noscript>https://arxiv.org/abs/2005.14165</noscript>
</body></html>
"""


@dataclass(frozen=True)
class Case:
    """One corpus file: how to make it, and what the run must make of it."""

    source_file: str
    make: Callable[[Path], None]
    status: str
    error: str | None = None
    papers: frozenset[str] = frozenset()


def _write(name: str, data: bytes) -> Callable[[Path], None]:
    def make(raw: Path) -> None:
        path = raw / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return make


def _damaged_utf8() -> bytes:
    data = GERMAN.encode("utf-8")
    cut = data.index(b"(arXiv")
    return data[:cut] + b"\xff" + data[cut:]


def _nested_divs() -> bytes:
    """1.1 MB: a mention inside 100,000 nested divs (extraction was quadratic in depth)."""
    depth = 100_000
    return ("<div>" * depth + "Siehe arXiv:1706.03762 hier." + "</div>" * depth).encode()


# Two stray bytes in short ASCII text: some code page always "fits" them (cp1250 here).
DAMAGED_SHORT = b"Model seperti StableDiffusion boleh menjana imej \xff\xfe dengan pantas.\n"
MARKED_SECTION = "<p>Siehe <![foo bar]> arXiv:1706.03762 hier.</p>"


MARKED_SECTION_ERROR = stdlib_parser_error(MARKED_SECTION)


def _long_line() -> bytes:
    unit = (
        b"Siehe https://arxiv.org/abs/1706.03762 und lies weiter, denn diese Zeile hat kein "
        b"Ende und wiederholt sich immer wieder, ohne einen einzigen Zeilenumbruch. "
    )
    return (unit * (LONG_LINE_BYTES // len(unit))).ljust(LONG_LINE_BYTES, b" ")


def _symlink_outside(raw: Path) -> None:
    outside = raw.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text(GERMAN, "utf-8")
    (raw / "outside-link.txt").symlink_to(outside / "secret.txt")
    (raw / "linked-folder").symlink_to(outside, target_is_directory=True)


def _broken_link(raw: Path) -> None:
    (raw / "broken-link.txt").symlink_to(raw / "deleted-long-ago.txt")


def _fifo(raw: Path) -> None:
    os.mkfifo(raw / "pipe.txt")


def _no_permission(raw: Path) -> None:
    path = raw / "no-permission.txt"
    path.write_text(GERMAN, "utf-8")
    path.chmod(0)


def _folder_named_txt(raw: Path) -> None:
    (raw / "folder.txt").mkdir()
    (raw / "folder.txt" / "inner.txt").write_text(GERMAN, "utf-8")


def _undecodable_name(raw: Path) -> None:
    with open(os.path.join(os.fsencode(raw), b"latin1-\xe9.txt"), "wb") as fh:
        fh.write(GERMAN.encode())


# Reading a file without permission works as root (as in CI containers): then it is read.
UNREADABLE_AS_USER = os.geteuid() != 0

CASES = [
    Case("empty.txt", _write("empty.txt", b""), "ok"),
    Case("whitespace.txt", _write("whitespace.txt", b"  \n\t\r\n   \n"), "ok"),
    Case(
        "image.txt",
        _write("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        "rejected",
        "binary content: NUL byte at offset 8",
    ),
    Case(
        "nul-inside.txt",
        _write("nul-inside.txt", GERMAN.encode()[:20] + b"\x00" + GERMAN.encode()[20:]),
        "rejected",
        "binary content: NUL byte at offset 20",
    ),
    Case(
        "control-chars.md",
        _write("control-chars.md", bytes(range(1, 9)) * 64),
        "rejected",
        "binary content: 512 control characters in 512",
    ),
    Case(
        "damaged-utf8.txt",
        _write("damaged-utf8.txt", _damaged_utf8()),
        "rejected",
        f"invalid UTF-8: byte 0xff at offset {GERMAN.encode().index(b'(arXiv')} "
        "(1 invalid byte in otherwise UTF-8 text)",
    ),
    Case(
        "gbk.txt",
        _write("gbk.txt", CHINESE_SIMPLIFIED.encode("gbk")),
        "ok",
        None,
        frozenset({ATTENTION}),
    ),
    Case(
        "big5.txt",
        _write("big5.txt", CHINESE_TRADITIONAL.encode("big5")),
        "ok",
        None,
        frozenset({ATTENTION}),
    ),
    Case(
        "utf16-bom.txt",
        _write("utf16-bom.txt", CHINESE_SIMPLIFIED.encode("utf-16")),
        "ok",
        None,
        frozenset({ATTENTION}),
    ),
    Case(
        "utf8-bom.txt",
        _write("utf8-bom.txt", GERMAN.encode("utf-8-sig")),
        "ok",
        None,
        frozenset({ATTENTION, GPT3}),
    ),
    Case(
        "latin1-de.txt",
        _write("latin1-de.txt", GERMAN.encode("latin-1")),
        "ok",
        None,
        frozenset({ATTENTION, GPT3}),
    ),
    Case(
        "page.html",
        _write("page.html", HTML_PAGE.encode()),
        "ok",
        None,
        frozenset({ATTENTION, LORA, "arxiv:1910.10683"}),  # a link's address is read
    ),
    Case(
        "windows.txt",
        _write("windows.txt", GERMAN.replace("\n", "\r\n").encode() * 2),
        "ok",
        None,
        frozenset({ATTENTION, GPT3}),
    ),
    Case(
        "name with spaces ü 论文.txt",
        _write("name with spaces ü 论文.txt", GERMAN.encode()),
        "ok",
        None,
        frozenset({ATTENTION, GPT3}),
    ),
    Case(
        "latin1-\\xe9.txt",
        _undecodable_name,
        "rejected",
        "file name is not valid UTF-8: rename the file",
    ),
    Case(
        "long-line.txt", _write("long-line.txt", _long_line()), "ok", None, frozenset({ATTENTION})
    ),
    Case(
        "too-large.txt",
        _write("too-large.txt", b"a" * (MAX_FILE_BYTES + 1)),
        "rejected",
        f"too large: {MAX_FILE_BYTES + 1} bytes, limit is {MAX_FILE_BYTES}",
    ),
    Case(
        "outside-link.txt",
        _symlink_outside,
        "rejected",
        "link leads outside the raw folder: not followed",
    ),
    Case("broken-link.txt", _broken_link, "rejected", "unreadable: No such file or directory"),
    Case("pipe.txt", _fifo, "rejected", "not a regular file: a named pipe"),
    Case(
        "no-permission.txt",
        _no_permission,
        "rejected" if UNREADABLE_AS_USER else "ok",
        "unreadable: Permission denied" if UNREADABLE_AS_USER else None,
        frozenset() if UNREADABLE_AS_USER else frozenset({ATTENTION, GPT3}),
    ),
    Case("folder.txt/inner.txt", _folder_named_txt, "ok", None, frozenset({ATTENTION, GPT3})),
    Case(
        "nested-divs.html",
        _write("nested-divs.html", _nested_divs()),
        "ok",
        None,
        frozenset({ATTENTION}),
    ),
    Case(
        "damaged-short.txt",
        _write("damaged-short.txt", DAMAGED_SHORT),
        "rejected",
        "invalid UTF-8: byte 0xff at offset 49 (2 invalid bytes in otherwise UTF-8 text; no "
        "other text encoding reads it as text)",
    ),
    Case(
        "marked-section.html",
        _write("marked-section.html", MARKED_SECTION.encode()),
        "rejected" if MARKED_SECTION_ERROR else "ok",
        f"HTML the parser rejects: {MARKED_SECTION_ERROR}" if MARKED_SECTION_ERROR else None,
        frozenset() if MARKED_SECTION_ERROR else frozenset({ATTENTION}),
    ),
]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory):
    """One run over the whole corpus, with every network connection refused."""
    root = tmp_path_factory.mktemp("corpus")
    raw, out = root / "raw", root / "out"
    raw.mkdir()
    for case in CASES:
        case.make(raw)
    with pytest.MonkeyPatch.context() as patch:

        def refuse(*args, **kwargs):
            raise AssertionError("the pipeline tried to use the network")

        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "getaddrinfo", refuse)
        code = main(
            [
                "run",
                "--engine",
                "local",
                "--raw",
                str(raw),
                "--out",
                str(out),
                "--catalog",
                str(CATALOG),
                "--max-file-bytes",
                str(MAX_FILE_BYTES),
            ]
        )
    tables = {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}
    report = json.loads((out / "report.json").read_text("utf-8"))
    return raw, code, tables, report


def test_the_run_goes_on_and_publishes(corpus_run) -> None:
    _, code, tables, report = corpus_run
    assert code == 0
    documents = tables["documents"]
    assert sorted(documents["source_file"]) == sorted(c.source_file for c in CASES)
    assert report["schema_failures"] == []
    assert "linked-folder/secret.txt" not in set(documents["source_file"])


@pytest.mark.parametrize("case", CASES, ids=[c.source_file for c in CASES])
def test_each_file_gets_its_outcome(corpus_run, case: Case) -> None:
    _, _, tables, report = corpus_run
    row = tables["documents"].set_index("source_file").loc[case.source_file]
    assert row["status"] == case.status
    assert row["error"] == case.error if case.error else pd.isna(row["error"])
    rejected = {r["source_file"]: r["error"] for r in report["documents"]["rejected"]}
    assert rejected.get(case.source_file) == case.error
    mentions = tables["mentions"]
    linked = set(mentions.loc[mentions["source_file"] == case.source_file, "paper_id"].dropna())
    assert case.papers <= linked, f"missing links {case.papers - linked}"
    if case.status == "rejected":
        assert row["n_mentions"] == 0 and row["n_chars"] == 0


def test_rejected_documents_carry_the_hash_of_their_bytes_and_no_language(corpus_run) -> None:
    raw, _, tables, _ = corpus_run
    rejected = tables["documents"][tables["documents"]["status"] == "rejected"]
    assert rejected["language"].isna().all()
    not_read = ("unreadable", "not a regular file", "link leads outside")
    for row in rejected.itertuples():
        if row.error.startswith(not_read):
            assert pd.isna(row.sha256), row.source_file
            continue
        if row.error.startswith("file name is not valid UTF-8"):
            data = GERMAN.encode()
        else:
            data = (raw / row.source_file).read_bytes()
        assert row.sha256 == hashlib.sha256(data).hexdigest(), row.source_file


def test_offsets_refer_to_the_decoded_or_extracted_text(corpus_run) -> None:
    raw, _, tables, _ = corpus_run
    for source_file, group in tables["mentions"].groupby("source_file"):
        text, error = decode_bytes((raw / source_file).read_bytes())
        assert error is None
        if source_file.endswith(".html"):
            text = html_to_text(text)
        assert not text.startswith("\ufeff")
        for row in group.itertuples():
            assert text[row.start : row.end] == row.surface


def test_html_scripts_styles_comments_and_attributes_but_links_are_not_read(corpus_run) -> None:
    _, _, tables, _ = corpus_run
    mentions = tables["mentions"]
    page = mentions[mentions["source_file"] == "page.html"]
    assert GPT3 not in set(page["paper_id"])
    assert "Language Models are Few-Shot Learners" not in set(page["surface"])
    linked = page[page["paper_id"] == "arxiv:1910.10683"]
    assert list(linked["surface"]) == ["https://arxiv.org/abs/1910.10683"]


def test_the_whole_long_line_is_searched(corpus_run) -> None:
    _, _, tables, _ = corpus_run
    mentions = tables["mentions"]
    ids = mentions[(mentions["source_file"] == "long-line.txt") & (mentions["kind"] == "arxiv_id")]
    assert len(ids) == _long_line().count(b"arxiv.org/abs/1706.03762")


def _settings_args(raw: Path, out: Path, catalog: Path) -> list[str]:
    return [
        "run",
        "--engine",
        "local",
        "--raw",
        str(raw),
        "--out",
        str(out),
        "--catalog",
        str(catalog),
    ]


def test_a_malformed_catalog_names_its_bad_rows_in_the_report(
    small_raw: Path, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    good = (CATALOG / "papers.csv").read_text("utf-8").rstrip("\n").split("\n")
    bad_rows = [
        "not-an-id,,Some Paper Title,2020,,",  # line n+1: bad id
        good[1],  # line n+2: duplicate of line 2
        "arxiv:2401.00001,2401.00001,,2024,,",  # line n+3: empty title
        "arxiv:2401.00002,2401.00002,   ,2024,,",  # line n+4: blank title
    ]
    (catalog / "papers.csv").write_text("\n".join(good + bad_rows) + "\n", "utf-8")
    n = len(good)
    assert main(_settings_args(small_raw, tmp_path / "out", catalog)) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    errors = report["catalog_errors"]
    assert len(errors) == 4, errors
    assert errors[0].startswith(f"papers.csv line {n + 2}: duplicate paper_id")
    assert any(e.startswith(f"papers.csv line {n + 1}: paper_id") for e in errors)
    assert any(e.startswith(f"papers.csv line {n + 3}: title") for e in errors)
    assert any(e.startswith(f"papers.csv line {n + 4}: title") for e in errors)
    page = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert f"papers.csv line {n + 1}" in page


def test_a_corrupted_previous_dataset_is_detected_reported_and_replaced(
    small_raw: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert main(_settings_args(small_raw, out, CATALOG)) == 0
    first_run = os.readlink(out / "current").split("/")[-1]
    mentions = out / RUNS / first_run / "mentions.parquet"
    mentions.write_bytes(mentions.read_bytes()[:100])  # a truncated file
    assert main(_settings_args(small_raw, out, CATALOG)) == 0
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["changes"]["previous"] == "unreadable"
    assert (
        "mentions.parquet" in report["changes"]["error"] or "Parquet" in report["changes"]["error"]
    )
    assert report["run"]["run_id"] != first_run
    for table in TABLES:
        pd.read_parquet(out / f"{table}.parquet")


def test_a_corrupted_output_folder_layout_is_replaced(small_raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "current").mkdir(parents=True)  # a plain folder where the link belongs
    (out / "papers.parquet").write_text("not parquet")
    (out / "mentions.parquet").symlink_to("nowhere/mentions.parquet")
    assert main(_settings_args(small_raw, out, CATALOG)) == 0
    assert (out / "current").is_symlink()
    for table in TABLES:
        pd.read_parquet(out / f"{table}.parquet")


def test_manifest_entries_cannot_escape_the_raw_folder(small_raw: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.txt").write_text("x")
    (small_raw / "link-out.txt").symlink_to(tmp_path / "elsewhere.txt")
    rows = [
        "source_file,language,title,publisher,url",
        "de_snippet.txt,de,,,",
        "../elsewhere.txt,de,,,",
        "/etc/passwd,de,,,",
        "C:\\Windows\\win.ini,de,,,",
        "missing.txt,de,,,",
        "de_snippet.txt,de,,,",
        "link-out.txt,de,,,",
        ",de,,,",
    ]
    (small_raw / "sources.csv").write_text("\n".join(rows) + "\n", "utf-8")
    assert main(_settings_args(small_raw, tmp_path / "out", CATALOG)) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    assert report["manifest_errors"] == [
        "sources.csv line 3: source_file '../elsewhere.txt' leaves the raw folder",
        "sources.csv line 4: source_file '/etc/passwd' is an absolute path; it must be relative "
        "to the raw folder",
        "sources.csv line 5: source_file 'C:\\\\Windows\\\\win.ini' is an absolute path; it must "
        "be relative to the raw folder",
        "sources.csv line 6: source_file 'missing.txt' is not a file in the raw folder",
        "sources.csv line 7: source_file 'de_snippet.txt' is listed twice",
        "sources.csv line 8: source_file 'link-out.txt' leads outside the raw folder through a "
        "link",
        "sources.csv line 9: source_file is empty",
    ]
    assert "Manifest errors" in (tmp_path / "out" / "report.md").read_text("utf-8")


def test_manifest_names_no_file_system_accepts_are_reported(
    small_raw: Path, tmp_path: Path
) -> None:
    long_name = "a" * 296 + ".txt"
    rows = ["source_file,language", "de_snippet.txt,de", f"{long_name},de", "bad\x00name.txt,de"]
    (small_raw / "sources.csv").write_text("\n".join(rows) + "\n", "utf-8")
    assert main(_settings_args(small_raw, tmp_path / "out", CATALOG)) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    assert report["manifest_errors"] == [
        f"sources.csv line 3: source_file {'a' * 80!r}... (300 characters) cannot name a file: "
        "File name too long",
        "sources.csv line 4: source_file 'bad\\x00name.txt' holds a NUL byte",
    ]
    assert "Manifest errors" in (tmp_path / "out" / "report.md").read_text("utf-8")


def test_nothing_publishable_exits_non_zero_and_keeps_a_report(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "image.txt").write_bytes(b"\x00\x01binary")
    out = tmp_path / "out"
    assert main(_settings_args(raw, out, CATALOG)) == 1
    assert not (out / "papers.parquet").exists()
    (report_folder,) = (out / "failed").iterdir()
    report = json.loads((report_folder / "report.json").read_text("utf-8"))
    assert report["documents"]["rejected"] == [
        {"source_file": "image.txt", "error": "binary content: NUL byte at offset 0"}
    ]


def test_rejected_names_are_listed_in_every_report_format(corpus_run) -> None:
    raw = corpus_run[0]
    out_dir = raw.parent / "out"
    markdown = (out_dir / "report.md").read_text("utf-8")
    page = (out_dir / "report.html").read_text("utf-8")
    for case in CASES:
        if case.status == "rejected":
            assert case.source_file in markdown
            assert html.escape(case.source_file) in page
