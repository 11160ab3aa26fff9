"""Reading raw files: decoding, rejections with reasons, discovery order, the ingest table."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest

from pipeline.ingest import (
    decode_bytes,
    decode_source,
    discover_sources,
    html_to_text,
    ingest,
    read_source,
)

GERMAN = (
    "Größere Sprachmodelle für Übersetzung sind nützlich, aber die Qualität hängt stark von "
    "den Daten ab. Über große Korpora wird häufig gesprochen, während kleinere Modelle "
    "schneller und günstiger bleiben."
)
CHINESE = "大型语言模型在机器翻译中的应用越来越广泛,研究人员发现训练数据的质量非常重要。"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# decode_bytes


def test_decode_utf8() -> None:
    assert decode_bytes(GERMAN.encode("utf-8")) == (GERMAN, None)


def test_decode_utf8_with_bom_drops_the_bom() -> None:
    text, error = decode_bytes(b"\xef\xbb\xbf" + GERMAN.encode("utf-8"))
    assert error is None
    assert text == GERMAN
    assert not text.startswith("\ufeff")


def test_decode_latin1_german() -> None:
    data = GERMAN.encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fixture really is not UTF-8
    assert decode_bytes(data) == (GERMAN, None)


def test_decode_gbk_chinese() -> None:
    data = CHINESE.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert decode_bytes(data) == (CHINESE, None)


def test_decode_utf16_with_bom_is_not_binary() -> None:
    text, error = decode_bytes(GERMAN.encode("utf-16"))
    assert error is None
    assert text == GERMAN


@pytest.mark.parametrize(
    ("data", "offset"),
    [(b"abc\x00def", 3), (b"\x00\x01\x02\x03", 0), (b"PK\x03\x04\x14\x00\x00\x00", 5)],
)
def test_decode_nul_bytes_is_binary(data: bytes, offset: int) -> None:
    text, error = decode_bytes(data)
    assert text is None
    assert error is not None
    assert error.startswith("binary content")
    assert f"offset {offset}" in error


# read_source


def test_read_source_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 100)
    result = read_source(path, tmp_path, max_bytes=50)
    assert result.text is None
    assert result.source_file == "big.txt"
    assert result.error is not None
    assert result.error == "too large: 100 bytes, limit is 50"
    assert result.sha256 == sha(b"x" * 100)  # the bytes on disk, hashed though not kept


def test_read_source_hashes_a_large_file_in_bounded_memory(tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 7)  # several read chunks
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    result = read_source(path, tmp_path, max_bytes=1000)
    assert result.error == f"too large: {len(data)} bytes, limit is 1000"
    assert result.sha256 == sha(data)


def test_read_source_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "exact.txt"
    path.write_bytes(b"x" * 50)
    result = read_source(path, tmp_path, max_bytes=50)
    assert result.error is None
    assert result.text == "x" * 50


def test_read_source_symlink_outside_is_rejected(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me", encoding="utf-8")
    link = raw / "link.txt"
    os.symlink(secret, link)
    result = read_source(link, raw, max_bytes=1000)
    assert result.source_file == "link.txt"
    assert result.text is None
    assert result.sha256 is None  # not followed, so not read
    assert result.error is not None
    assert "outside" in result.error


def test_read_source_symlink_inside_is_followed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    target = raw / "sub" / "real.txt"
    target.write_text("inside text", encoding="utf-8")
    link = raw / "alias.txt"
    os.symlink(target, link)
    result = read_source(link, raw, max_bytes=1000)
    assert result.error is None
    assert result.text == "inside text"
    assert result.sha256 == sha(b"inside text")


def test_read_source_name_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    sub = tmp_path / "Ordner mit Ümlaut"
    sub.mkdir()
    path = sub / "Größe der Modelle 模型 2023.txt"
    data = "Ein kurzer Text über Modelle.".encode()
    path.write_bytes(data)
    result = read_source(path, tmp_path, max_bytes=1000)
    assert result.source_file == "Ordner mit Ümlaut/Größe der Modelle 模型 2023.txt"
    assert result.error is None
    assert result.text == "Ein kurzer Text über Modelle."
    assert result.sha256 == sha(data)


def test_read_source_binary_is_rejected_with_hash_of_bytes(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    data = b"\x00\x01binary"
    path.write_bytes(data)
    result = read_source(path, tmp_path, max_bytes=1000)
    assert result.text is None
    assert result.error is not None and result.error.startswith("binary content")
    assert result.sha256 == sha(data)


# discover_sources / ingest


def _tree(root: Path) -> None:
    (root / "b").mkdir(parents=True)
    (root / "a" / "deep").mkdir(parents=True)
    (root / "z.txt").write_text("z", encoding="utf-8")
    (root / "b" / "note.md").write_text("md", encoding="utf-8")
    (root / "b" / "page.mdx").write_text("mdx", encoding="utf-8")
    (root / "b" / "readme.markdown").write_text("markdown", encoding="utf-8")
    (root / "a" / "deep" / "page.html").write_text("<p>html</p>", encoding="utf-8")
    (root / "a" / "UPPER.TXT").write_text("upper", encoding="utf-8")
    (root / "catalog.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "a" / "data.json").write_text("{}", encoding="utf-8")


def test_discover_sources_recursive_stable_order_ignores_csv(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = [p.relative_to(tmp_path).as_posix() for p in discover_sources(tmp_path)]
    assert found == [
        "a/UPPER.TXT",
        "a/deep/page.html",
        "b/note.md",
        "b/page.mdx",
        "b/readme.markdown",
        "z.txt",
    ]
    assert [p.relative_to(tmp_path).as_posix() for p in discover_sources(tmp_path)] == found


def test_ingest_one_row_per_file_with_sha_of_raw_bytes(tmp_path: Path) -> None:
    files = {
        "de.txt": b"\xef\xbb\xbf" + GERMAN.encode("utf-8"),
        "latin.md": GERMAN.encode("latin-1"),
        "zh.html": CHINESE.encode("utf-8"),
        "bin.txt": b"ab\x00cd",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "ignored.csv").write_bytes(b"x,y\n")
    table = ingest(tmp_path, max_bytes=10_000)
    assert list(table.columns) == ["source_file", "sha256", "text", "error"]
    assert table["source_file"].tolist() == sorted(files)
    by_name = table.set_index("source_file")
    for name, data in files.items():
        assert by_name.at[name, "sha256"] == sha(data)
    assert by_name.at["de.txt", "text"] == GERMAN
    assert by_name.at["latin.md", "text"] == GERMAN
    assert by_name.at["zh.html", "text"] == CHINESE
    assert pd.isna(by_name.at["bin.txt", "text"])
    assert by_name.at["bin.txt", "error"].startswith("binary content")
    assert by_name.loc[["de.txt", "latin.md", "zh.html"], "error"].isna().all()


def test_ingest_empty_folder_has_columns(tmp_path: Path) -> None:
    table = ingest(tmp_path, max_bytes=10)
    assert table.empty
    assert list(table.columns) == ["source_file", "sha256", "text", "error"]


def test_ingest_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ingest(tmp_path / "does-not-exist", max_bytes=10)


def test_ingest_a_file_instead_of_a_folder_raises(tmp_path: Path) -> None:
    path = tmp_path / "file.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(FileNotFoundError):
        ingest(path, max_bytes=10)


def test_read_source_of_what_cannot_be_read_has_no_hash(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    pipe = read_source(tmp_path / "pipe.txt", tmp_path, max_bytes=1000)
    gone = read_source(tmp_path / "gone.txt", tmp_path, max_bytes=1000)
    assert (pipe.sha256, pipe.error) == (None, "not a regular file: a named pipe")
    assert (gone.sha256, gone.error) == (None, "unreadable: No such file or directory")


# damaged text: a few invalid bytes among valid text are rejected, never guessed at


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"Model seperti StableDiffusion boleh menjana imej \xff\xfe dengan pantas.\n", 49),
        (b"Sieh\xffe arXiv:1706.03762 fuer Details zum Modell.\xec\n", 4),  # was cp1125
        (b"Siehe arXiv:1706.03762 fuer Details\xad zum Mod\xbbell.\n", 35),  # was cp864
        (b"Siehe arXiv\xbf:1706.0376\x922 fuer Details zum Modell.\n", 11),  # was cp1256
        (b"Model \x90seperti St\xb2ableDiffusion boleh menjana imej.\n", 6),  # was cp1256
    ],
)
def test_two_invalid_bytes_in_a_short_text_are_rejected(data: bytes, offset: int) -> None:
    text, error = decode_bytes(data)
    assert text is None
    assert error == (
        f"invalid UTF-8: byte 0x{data[offset]:02x} at offset {offset} (2 invalid bytes in "
        "otherwise UTF-8 text; no other text encoding reads it as text)"
    )


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Transformer模型和BERT模型的论文很重要，我们读了Attention Is All You Need。", "gbk"),
        ("Это статья о модели Transformer и BERT, она важна.", "cp1251"),
        ("Größere Sprachmodelle für Übersetzung sind nützlich, sagte Jürgen.", "latin-1"),
    ],
)
def test_legacy_encodings_that_read_as_text_are_kept(text: str, encoding: str) -> None:
    assert decode_bytes(text.encode(encoding)) == (text, None)


# HTML


def test_html_a_hundred_thousand_levels_deep_is_extracted(tmp_path: Path) -> None:
    """Linear in the size of the page (it was quadratic in the depth: ten minutes and more)."""
    depth = 100_000
    markup = "<div>" * depth + "Attention Is All You Need" + "</div>" * depth
    assert len(markup.encode()) > 1_100_000
    assert html_to_text(markup) == "Attention Is All You Need"
    assert html_to_text("<p>x</p>" + "<div>y" * depth).split("\n")[:3] == ["x", "y", "y"]


def test_html_links_to_web_pages_are_kept_as_markdown_links() -> None:
    """The address is how a page cites ("论文见这里"); a page's own anchors, relative paths
    and mail are not web pages; an anchor of whole blocks puts the address on its own line;
    code keeps its text."""
    markup = (
        "<p>论文见<a href='https://arxiv.org/abs/1706.03762'>这里</a>，代码见"
        "<a href='/code'>仓库</a>，<a href='#top'>回到顶部</a>，"
        "<a href='mailto:a@b.c'>邮件</a>，<a href=' //huggingface.co/papers/2106.09685 '>"
        "<b>LoRA</b></a>。</p>"
        "<a href='https://example.org/a b(c)'><div>Titel</div><div>Autoren</div></a>"
        "<pre><a href='https://example.org/x'>x = 1</a></pre>"
    )
    assert html_to_text(markup).split("\n") == [
        "论文见[这里](https://arxiv.org/abs/1706.03762)，代码见仓库，回到顶部，邮件，"
        "[LoRA](https://huggingface.co/papers/2106.09685)。",
        "Titel",
        "Autoren",
        "https://example.org/a%20b%28c%29",
        "x = 1",
    ]


def test_html_links_nested_a_hundred_thousand_deep_are_extracted() -> None:
    depth = 100_000
    markup = "<a href='https://e.org/'>" * depth + "x" + "</a>" * depth
    assert html_to_text(markup) == "[" * depth + "x" + "](https://e.org/)" * depth


def stdlib_parser_error(markup: str) -> str | None:
    """What Python's own HTML parser says about ``markup`` (None when it accepts it; newer
    Pythons read an unknown marked section as a bogus comment)."""
    from html.parser import HTMLParser

    try:
        HTMLParser().feed(markup)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def test_html_the_parser_rejects_is_refused_with_the_parsers_message() -> None:
    markup = "<p>Siehe <![foo bar]> arXiv:1706.03762</p>"
    text, error = decode_source(markup.encode(), ".html")
    reason = stdlib_parser_error(markup)
    if reason is None:
        assert (text, error) == ("Siehe arXiv:1706.03762", None)
    else:
        assert text is None
        assert error == f"HTML the parser rejects: {reason}"


def test_ingest_rejects_a_file_whose_reading_raises_and_reads_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline import ingest as ingest_module

    (tmp_path / "a.txt").write_text("alpha", encoding="utf-8")
    (tmp_path / "b.txt").write_text("beta", encoding="utf-8")
    read_bounded = ingest_module._read_bounded

    def failing(path: Path, max_bytes: int) -> tuple[bytes | None, str, int]:
        if path.name == "a.txt":
            raise RuntimeError("disk says no")
        return read_bounded(path, max_bytes)

    monkeypatch.setattr(ingest_module, "_read_bounded", failing)
    reasons: list[str] = []
    table = ingest(tmp_path, 1000, lambda name, exc: reasons.append(name) or f"failed {exc}")
    by_name = table.set_index("source_file")
    assert by_name.at["a.txt", "error"] == "failed disk says no"
    assert pd.isna(by_name.at["a.txt", "sha256"]) and pd.isna(by_name.at["a.txt", "text"])
    assert by_name.at["b.txt", "text"] == "beta" and reasons == ["a.txt"]
