"""Catalog loading: bad rows are dropped and named, structural problems raise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.catalog import (
    MAX_LISTED_ERRORS,
    EmptyCatalogError,
    catalog_files,
    load_catalog,
    rows_of_column,
    split_aliases,
    split_keywords,
)
from pipeline.cli import main
from tests.conftest import CATALOG

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


def test_lines_with_too_many_fields_are_named_and_the_rest_is_read(tmp_path: Path) -> None:
    body = GOOD_1 + "ref:x,,Title,2020,A,B,C,D\n" + GOOD_2 + "arxiv:2301.00001,2301.00001\n"
    _write(tmp_path, "papers.csv", body)
    catalog = load_catalog(tmp_path)
    assert sorted(catalog.papers["paper_id"]) == ["arxiv:1706.03762", "arxiv:2205.01068"]
    assert catalog.errors[0] == "papers.csv line 3: 8 fields, the header has 6"
    assert _error_for(catalog.errors, "papers.csv line 5").startswith(
        "papers.csv line 5: title"  # too few fields: the missing ones are empty
    )
    assert catalog.rejected_rows == 2


def test_a_year_that_is_no_number_is_an_error_not_a_null(tmp_path: Path) -> None:
    _write(tmp_path, "papers.csv", GOOD_1 + "ref:soon,,Coming Soon,soon,A,\n")
    catalog = load_catalog(tmp_path)
    assert len(catalog) == 1
    assert _error_for(catalog.errors, "papers.csv line 3").endswith(
        "year is not a number (value 'soon')"
    )


def test_a_reused_arxiv_id_drops_the_later_row_only(tmp_path: Path) -> None:
    _write(tmp_path, "papers.csv", GOOD_1 + "ref:copy,1706.03762,Attention Copy,2017,A,\n")
    catalog = load_catalog(tmp_path)
    assert catalog.papers["paper_id"].tolist() == ["arxiv:1706.03762"]
    assert "duplicate arxiv_id '1706.03762'" in _error_for(catalog.errors, "papers.csv line 3")


def test_junk_rows_are_counted_and_only_the_first_hundred_named(tmp_path: Path) -> None:
    junk = "".join(f"not an id {i},,Title {i},2020,A,\n" for i in range(5000))
    _write(tmp_path, "papers.csv", GOOD_1 + junk + GOOD_3)
    catalog = load_catalog(tmp_path)
    assert len(catalog) == 2
    assert catalog.rejected_rows == 5000
    assert len(catalog.errors) == MAX_LISTED_ERRORS + 1
    assert catalog.errors[0].startswith("papers.csv line 3: paper_id")
    assert catalog.errors[MAX_LISTED_ERRORS - 1].startswith(
        f"papers.csv line {MAX_LISTED_ERRORS + 2}:"
    )
    assert catalog.errors[-1] == f"... {5000 - MAX_LISTED_ERRORS} more rejected rows not listed"


def test_a_catalog_with_no_valid_row_is_refused(tmp_path: Path) -> None:
    _write(tmp_path / "header-only", "papers.csv", "")
    _write(tmp_path / "all-junk", "papers.csv", "not an id,,Title,2020,A,\n")
    for folder in ("header-only", "all-junk"):
        with pytest.raises(EmptyCatalogError, match="no valid entry"):
            load_catalog(tmp_path / folder)


def _run(raw: Path, out: Path, catalog: Path, *flags: str) -> int:
    options = ["--raw", str(raw), "--out", str(out), "--catalog", str(catalog)]
    return main(["run", "--engine", "local", *options, *flags])


@pytest.mark.prefect
def test_run_refuses_an_empty_catalog_with_exit_2_under_every_engine(
    small_raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _write(tmp_path / "empty", "papers.csv", "")
    options = ["--raw", str(small_raw), "--out", str(tmp_path / "out")]
    errors = []
    for engine in ("local", "prefect"):
        catalog = ["--catalog", str(tmp_path / "empty")]
        assert main(["run", "--engine", engine, *options, *catalog]) == 2
        errors.append(capsys.readouterr().err)
    message = errors[0].strip()
    assert message.startswith("error: catalog ") and "has no valid entry" in message
    assert errors[1].strip().splitlines()[-1] == message  # after Prefect's own log lines
    assert not (tmp_path / "out" / "papers.parquet").exists()


def test_a_catalog_that_shrank_by_more_than_half_needs_leave(
    small_raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert _run(small_raw, out, CATALOG) == 0
    entries = json.loads((out / "report.json").read_text("utf-8"))["run"]["catalog_entries"]
    lines = (CATALOG / "papers.csv").read_text("utf-8").splitlines(keepends=True)
    shrunk = tmp_path / "shrunk"
    shrunk.mkdir()
    (shrunk / "papers.csv").write_text("".join(lines[: entries // 2]), "utf-8")  # < half
    current = (out / "current").resolve()
    assert _run(small_raw, out, shrunk) == 2
    error = capsys.readouterr().err
    assert f"fewer than half of the {entries} of the last published run" in error
    assert "--allow-catalog-shrink" in error
    assert (out / "current").resolve() == current  # nothing published
    assert _run(small_raw, out, shrunk, "--allow-catalog-shrink") == 0
    other = tmp_path / "other"
    assert _run(small_raw, other, CATALOG) == 0
    monkeypatch.setenv("PAPER_MENTIONS_ALLOW_CATALOG_SHRINK", "1")
    assert _run(small_raw, other, shrunk) == 0


def test_keywords_source_defaults_to_curated_and_takes_known_values(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "papers.csv").write_text(
        "paper_id,arxiv_id,title,year,authors,aliases,keywords\n"
        "arxiv:1706.03762,1706.03762,Attention Is All You Need,2017,A,Transformer,self-attention\n"
        "arxiv:2205.01068,2205.01068,OPT: Open Pre-trained Transformer Language Models,2022,"
        "Susan Zhang,OPT,\n",
        encoding="utf-8",
    )
    papers = load_catalog(tmp_path / "old").papers.set_index("paper_id")
    assert papers["keywords_source"].to_dict() == {
        "arxiv:1706.03762": "curated",
        "arxiv:2205.01068": "",
    }
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "papers.csv").write_text(
        "paper_id,arxiv_id,title,year,authors,aliases,keywords,keywords_source\n"
        "arxiv:1706.03762,1706.03762,Attention Is All You Need,2017,A,,self-attention,guessed\n"
        "arxiv:2205.01068,2205.01068,OPT: Open Pre-trained Transformer Language Models,2022,"
        "Susan Zhang,OPT,,\n",
        encoding="utf-8",
    )
    catalog = load_catalog(tmp_path / "new")
    assert "keywords_source" in _error_for(catalog.errors, "papers.csv line 2")


def test_runs_of_whitespace_in_titles_become_one_space_and_others_are_left_alone(
    tmp_path: Path,
) -> None:
    body = (
        'arxiv:1706.03762,1706.03762,"Attention Is\tAll  You\n  Need",2017,Ashish Vaswani,\n'
        + GOOD_2
        + "ref:segment-anything,,  Segment Anything ,2023,Alexander Kirillov,SAM\n"
    )
    _write(tmp_path, "papers.csv", body)
    titles = load_catalog(tmp_path).papers.set_index("paper_id")["title"]
    assert titles["arxiv:1706.03762"] == "Attention Is All You Need"
    assert titles["arxiv:2205.01068"] == "OPT: Open Pre-trained Transformer Language Models"
    assert titles["ref:segment-anything"] == "Segment Anything"


def test_the_first_load_returns_the_catalog_every_later_process_reads(tmp_path: Path) -> None:
    """With a cache folder the validated catalog is stored and the stored copy returned, so
    that the first run of a large catalog does not keep the validated strings besides."""
    _write(tmp_path / "catalog", "papers.csv", GOOD_3 + GOOD_1 + GOOD_2)
    first = load_catalog(tmp_path / "catalog", tmp_path / "cache")
    again = load_catalog(tmp_path / "catalog", tmp_path / "cache")
    pd.testing.assert_frame_equal(first.papers, again.papers)
    in_memory = load_catalog(tmp_path / "catalog")
    pd.testing.assert_frame_equal(first.papers, in_memory.papers)
    assert list(first.papers["paper_id"]) == sorted(first.papers["paper_id"])


def test_rows_of_reads_the_named_papers_from_the_stored_catalog(tmp_path: Path) -> None:
    catalog = load_catalog(CATALOG, tmp_path / "store")
    expected = load_catalog(CATALOG).papers.set_index("paper_id")
    named = [expected.index[0], expected.index[-1], expected.index[len(expected) // 2], "nope"]
    found = catalog.rows_of(named, ["title", "year"])
    pd.testing.assert_frame_equal(
        found, expected.loc[sorted(named[:3]), ["title", "year"]], check_names=False
    )


def test_a_column_is_read_at_rows_across_its_chunks() -> None:
    """As pandas selects them, chunk by chunk, in the column's own dtype."""
    stored = pa.chunked_array([["a", "b"], ["c"], [], ["d", None]], pa.large_string())
    for column in (
        pd.Series(stored.to_pylist(), dtype="str"),
        pd.Series(pd.arrays.ArrowStringArray(stored)),
        pd.Series([2017, None, 2020, 2021, 2022], dtype="Int64"),
    ):
        for rows in ([0, 2, 3, 4], [1], []):
            expected = column.iloc[rows].reset_index(drop=True)
            found = rows_of_column(column, np.array(rows, dtype=np.int64))
            pd.testing.assert_series_equal(found, expected)
