"""Catalog loading: bad rows are dropped and named, structural problems raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.catalog import catalog_files, load_catalog, split_aliases, split_keywords

HEADER = "paper_id,arxiv_id,title,year,authors,aliases\n"
GOOD_1 = "arxiv:1706.03762,1706.03762,Attention Is All You Need,2017,Ashish Vaswani,Transformer\n"
GOOD_2 = (
    "arxiv:2205.01068,2205.01068,OPT: Open Pre-trained Transformer Language Models,2022,"
    "Susan Zhang,OPT| OPT-175B |\n"
)
GOOD_3 = "ref:segment-anything,,Segment Anything,2023,Alexander Kirillov,SAM\n"


def _write(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _error_for(errors: list[str], label: str) -> str:
    hits = [e for e in errors if e.startswith(label + ":")]
    assert len(hits) == 1, f"expected one error naming {label!r}, got {errors}"
    return hits[0]


def test_malformed_rows_are_dropped_and_named(tmp_path: Path) -> None:
    body = (
        GOOD_1  # line 2
        + "arxiv:1706.0376x,1706.0376x,Bad Id Paper,2017,X,\n"  # line 3
        + "arxiv:1706.03762,1706.03762,Duplicate of Attention,2017,Y,\n"  # line 4
        + "arxiv:1810.04805,1810.04805,,2018,Z,\n"  # line 5
        + "arxiv:2001.08361,2001.08361,Scaling Laws for Neural Language Models,1850,K,\n"  # 6
        + GOOD_2  # line 7
        + GOOD_3  # line 8
    )
    _write(tmp_path, "papers.csv", body)
    catalog = load_catalog(tmp_path)
    assert sorted(catalog.papers["paper_id"]) == [
        "arxiv:1706.03762",
        "arxiv:2205.01068",
        "ref:segment-anything",
    ]
    kept = catalog.papers.set_index("paper_id")
    assert kept.at["arxiv:1706.03762", "title"] == "Attention Is All You Need"  # first kept
    assert len(catalog.errors) == 4
    assert "1706.0376x" in _error_for(catalog.errors, "papers.csv line 3")
    assert "duplicate paper_id" in _error_for(catalog.errors, "papers.csv line 4")
    assert "title" in _error_for(catalog.errors, "papers.csv line 5")
    assert "1850" in _error_for(catalog.errors, "papers.csv line 6")


def test_paper_id_must_be_arxiv_prefixed_id(tmp_path: Path) -> None:
    body = GOOD_1 + "arxiv:2303.08774,2302.13971,Mismatched Paper,2023,W,\n"
    _write(tmp_path, "papers.csv", body)
    catalog = load_catalog(tmp_path)
    assert catalog.papers["paper_id"].tolist() == ["arxiv:1706.03762"]
    error = _error_for(catalog.errors, "papers.csv line 3")
    assert "paper_id_is_arxiv_prefixed_id" in error


def test_bad_paper_id_form(tmp_path: Path) -> None:
    _write(tmp_path, "papers.csv", GOOD_1 + "Paper 7,,Some Title,2020,A,\n")
    catalog = load_catalog(tmp_path)
    assert len(catalog) == 1
    assert "paper_id" in _error_for(catalog.errors, "papers.csv line 3")


def test_future_year_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "papers.csv", GOOD_1 + "ref:future,,From the Future,2999,A,\n")
    catalog = load_catalog(tmp_path)
    assert len(catalog) == 1
    assert "year_not_in_future" in _error_for(catalog.errors, "papers.csv line 3")


def test_errors_name_the_file_among_several(tmp_path: Path) -> None:
    _write(tmp_path, "a.csv", GOOD_1)
    _write(tmp_path, "b.csv", GOOD_2 + "arxiv:2001.08361,2001.08361,,2020,K,\n")
    catalog = load_catalog(tmp_path)
    assert len(catalog) == 2
    assert catalog.errors == [_error_for(catalog.errors, "b.csv line 3")]


def test_duplicate_across_files_names_second_file(tmp_path: Path) -> None:
    _write(tmp_path, "a.csv", GOOD_1)
    _write(tmp_path, "b.csv", GOOD_3 + GOOD_1)
    catalog = load_catalog(tmp_path)
    assert len(catalog) == 2
    assert "duplicate paper_id" in _error_for(catalog.errors, "b.csv line 3")


def test_clean_catalog_values(tmp_path: Path) -> None:
    body = "  arxiv:1706.03762 , 1706.03762 ,Attention   Is All\tYou Need,2017,A, Transformer \n"
    _write(tmp_path, "papers.csv", body + GOOD_3)
    catalog = load_catalog(tmp_path)
    assert catalog.errors == []
    papers = catalog.papers.set_index("paper_id")
    assert papers.at["arxiv:1706.03762", "title"] == "Attention Is All You Need"
    assert papers.at["arxiv:1706.03762", "aliases"] == "Transformer"
    assert papers.at["arxiv:1706.03762", "year"] == 2017
    assert papers["arxiv_id"].isna().tolist() == [False, True]
    assert catalog.papers["paper_id"].tolist() == sorted(catalog.papers["paper_id"])


def test_missing_column_raises(tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text(
        "paper_id,arxiv_id,title,year,authors\narxiv:1706.03762,1706.03762,T,2017,A\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="aliases"):
        load_catalog(tmp_path)


def test_keywords_column_is_optional(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "papers.csv").write_text(
        "paper_id,arxiv_id,title,year,authors,aliases\n"
        "arxiv:1706.03762,1706.03762,Attention Is All You Need,2017,A,Transformer\n",
        encoding="utf-8",
    )
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "papers.csv").write_text(
        "paper_id,arxiv_id,title,year,authors,aliases,keywords\n"
        "arxiv:1706.03762,1706.03762,Attention Is All You Need,2017,A,Transformer,"
        '" self-attention ; WMT 2014 ;;"\n',
        encoding="utf-8",
    )
    assert load_catalog(tmp_path / "old").papers.at[0, "keywords"] == ""
    keywords = load_catalog(tmp_path / "new").papers.at[0, "keywords"]
    assert split_keywords(keywords) == ["self-attention", "WMT 2014"]


def test_alias_sources_default_to_curated_and_must_fit_the_aliases(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "papers.csv").write_text(HEADER + GOOD_2, encoding="utf-8")
    assert load_catalog(tmp_path / "old").papers.at[0, "alias_sources"] == "curated|curated"
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "papers.csv").write_text(
        "paper_id,arxiv_id,title,year,authors,aliases,alias_sources\n"
        "arxiv:1907.11692,1907.11692,RoBERTa: A Robustly Optimized BERT Pretraining Approach,"
        "2019,Yinhan Liu,RoBERTa,title\n"  # line 2
        "arxiv:1706.03762,1706.03762,Attention Is All You Need,2017,A,Transformer,\n"  # 3
        "arxiv:2205.01068,2205.01068,OPT: Open Pre-trained Transformer Language Models,2022,"
        "Susan Zhang,OPT,guessed\n",  # line 4
        encoding="utf-8",
    )
    catalog = load_catalog(tmp_path / "new")
    assert catalog.papers["paper_id"].tolist() == ["arxiv:1907.11692"]
    for line in (3, 4):
        error = _error_for(catalog.errors, f"papers.csv line {line}")
        assert "alias_sources_one_known_source_per_alias" in error


def test_empty_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        catalog_files(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_catalog(tmp_path / "missing.csv")


def test_single_file_path(tmp_path: Path) -> None:
    path = _write(tmp_path, "papers.csv", GOOD_1 + GOOD_2)
    assert catalog_files(path) == [path]
    assert len(load_catalog(path)) == 2


def test_sha256_changes_when_a_file_changes(tmp_path: Path) -> None:
    path = _write(tmp_path, "papers.csv", GOOD_1)
    first = load_catalog(tmp_path).sha256
    assert load_catalog(tmp_path).sha256 == first
    path.write_text(HEADER + GOOD_1 + GOOD_2, encoding="utf-8")
    second = load_catalog(tmp_path).sha256
    assert second != first
    assert len(second) == 64
    path.write_text(HEADER + GOOD_1, encoding="utf-8")
    assert load_catalog(tmp_path).sha256 == first


def test_sha256_depends_on_file_name(tmp_path: Path) -> None:
    _write(tmp_path / "x", "a.csv", GOOD_1)
    _write(tmp_path / "y", "b.csv", GOOD_1)
    assert load_catalog(tmp_path / "x").sha256 != load_catalog(tmp_path / "y").sha256


@pytest.mark.parametrize(
    ("aliases", "expected"),
    [
        ("OPT| OPT-175B |", ["OPT", "OPT-175B"]),
        ("", []),
        ("  ", []),
        ("a||b", ["a", "b"]),
        ("Self-Consistency", ["Self-Consistency"]),
        ("GPT 3 | GPT-3", ["GPT 3", "GPT-3"]),
    ],
)
def test_split_aliases(aliases: str, expected: list[str]) -> None:
    assert split_aliases(aliases) == expected
