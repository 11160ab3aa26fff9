"""Reading raw files: decoding, rejections with reasons, discovery order, the ingest table."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest

from pipeline.ingest import decode_bytes, discover_sources, ingest, read_source

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
    assert "too large" in result.error
    assert "100" in result.error and "50" in result.error


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
    (root / "a" / "deep" / "page.html").write_text("<p>html</p>", encoding="utf-8")
    (root / "a" / "UPPER.TXT").write_text("upper", encoding="utf-8")
    (root / "catalog.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "a" / "data.json").write_text("{}", encoding="utf-8")


def test_discover_sources_recursive_stable_order_ignores_csv(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = [p.relative_to(tmp_path).as_posix() for p in discover_sources(tmp_path)]
    assert found == ["a/UPPER.TXT", "a/deep/page.html", "b/note.md", "z.txt"]
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
