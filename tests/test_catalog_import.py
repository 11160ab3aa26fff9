"""Snapshot import on small hand-made files in the layout of arxiv-metadata-oai-snapshot.json."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.catalog import load_catalog, split_keywords
from pipeline.catalog_import import (
    COLLISIONS_FILE,
    ImportSummary,
    ParsedRecords,
    import_snapshot,
    normalize_arxiv_id,
    normalize_title,
    parse_record,
)
from pipeline.cli import main
from tests.conftest import CATALOG, SHARED

SNAPSHOT = SHARED / "data" / "arxiv" / "arxiv-metadata-oai-snapshot.cs-subset.json.gz"


def _record(arxiv_id: object, title: object, created: str = "Mon, 12 Jun 2017 17:57:34 GMT"):
    return {
        "id": arxiv_id,
        "submitter": None,
        "authors": "Ashish Vaswani, Noam Shazeer and Niki Parmar",
        "title": title,
        "comments": None,
        "categories": "cs.CL cs.LG",
        "abstract": "The dominant sequence transduction models ...",
        "versions": [{"version": "v1", "created": created}],
        "update_date": "2023-08-02",
        "authors_parsed": None,
    }


LINES = [
    json.dumps(_record("1706.03762", "Attention Is All You Need")),
    json.dumps(_record(None, "No id at all")),
    json.dumps(_record("not-an-id", "A bad id")),
    json.dumps(_record("1810.04805", "   ")),
    "{this is not json",
    "",
    json.dumps(["a", "list"]),
    json.dumps(_record("1706.03762", "Attention Is All You Need (again)")),
    json.dumps(
        _record(
            "arXiv:1810.04805v2",
            "BERT: Pre-training of Deep Bidirectional Transformers\n  for Language Understanding",
            "Thu, 11 Oct 2018 00:50:01 GMT",
        )
    ),
    json.dumps(_record("cs/9301111", "Nested satisfiability", "Sun, 31 Dec 1989 00:00:00 GMT")),
]


def _write(path: Path, lines: list[str]) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


@pytest.mark.parametrize("name", ["snapshot.json", "snapshot.json.gz"])
def test_import_counts_every_dropped_record_by_reason(tmp_path: Path, name: str) -> None:
    summary = import_snapshot(_write(tmp_path / name, LINES), tmp_path / "out")
    assert summary.records == 9
    assert summary.imported == 3
    assert dict(summary.dropped) == {
        "missing id": 1,
        "malformed id": 1,
        "empty title": 1,
        "not valid JSON": 1,
        "not a JSON object": 1,
        "duplicate id (first kept)": 1,
    }
    assert summary.without_year == 1
    catalog = pd.read_parquet(tmp_path / "out" / "catalog.parquet")
    assert catalog.to_dict("records")[:2] == [
        {
            "paper_id": "arxiv:1706.03762",
            "arxiv_id": "1706.03762",
            "title": "Attention Is All You Need",
            "year": 2017,
            "authors": "Ashish Vaswani; Noam Shazeer; Niki Parmar",
            "aliases": "",
            "alias_sources": "",
            "keywords": "",
            "keywords_source": "",
        },
        {
            "paper_id": "arxiv:1810.04805",
            "arxiv_id": "1810.04805",
            "title": "BERT: Pre-training of Deep Bidirectional Transformers for Language "
            "Understanding",
            "year": 2018,
            "authors": "Ashish Vaswani; Noam Shazeer; Niki Parmar",
            "aliases": "BERT",  # mined from the title
            "alias_sources": "title",
            "keywords": "",  # every word is in every abstract of this tiny corpus
            "keywords_source": "",
        },
    ]
    assert pd.isna(catalog.loc[2, "year"])


def test_the_records_are_parsed_once_and_read_again_from_the_kept_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Later reads give the first read's rows without parsing (nor counting) again; a first
    read left unfinished is parsed again; the import leaves no kept file behind."""
    from pipeline import catalog_import

    snapshot = _write(tmp_path / "snapshot.json", LINES)
    summary = ImportSummary(snapshot=snapshot, out_file=tmp_path / "catalog.parquet")
    records = ParsedRecords(snapshot, 2026, {"2005.14165"}, summary, tmp_path / "records.arrow")
    unfinished = records()
    next(unfinished)
    unfinished.close()
    assert not records.kept
    summary.records = 0
    first = list(records())
    counted = (summary.records, dict(summary.dropped), summary.without_year)
    parses = []
    monkeypatch.setattr(catalog_import, "parse_record", lambda *a: parses.append(a))
    assert list(records()) == first and list(records()) == first and parses == []
    assert (summary.records, dict(summary.dropped), summary.without_year) == counted
    assert [row["arxiv_id"] for row in first] == ["1706.03762", "1810.04805", "cs/9301111"]
    assert first[0]["year"] == 2017 and first[2]["year"] is None and first[0]["aliases"] == ""
    monkeypatch.undo()
    out = tmp_path / "out"
    import_snapshot(snapshot, out)
    assert sorted(p.name for p in out.iterdir()) == [
        COLLISIONS_FILE,
        "catalog.parquet",
        "catalog.parquet.sha256",
    ]


def test_import_writes_the_sha256_of_the_catalog(tmp_path: Path) -> None:
    summary = import_snapshot(_write(tmp_path / "s.json", LINES), tmp_path / "out")
    written = (tmp_path / "out" / "catalog.parquet").read_bytes()
    expected = hashlib.sha256(written).hexdigest()
    assert summary.sha256 == expected
    assert (tmp_path / "out" / "catalog.parquet.sha256").read_text() == (
        f"{expected}  catalog.parquet\n"
    )


def test_curated_entries_win_and_keep_their_aliases_and_keywords(tmp_path: Path) -> None:
    curated = tmp_path / "curated"
    curated.mkdir()
    pd.DataFrame(
        [
            [
                "arxiv:1810.04805",
                "1810.04805",
                "BERT (curated title)",
                "2018",
                "J. Devlin",
                "BERT",
                "masked language model; GLUE",
            ],
            [
                "ref:radford2019-gpt2",
                "",
                "Language Models are Unsupervised Multitask Learners",
                "2019",
                "Alec Radford",
                "GPT-2",
                "",
            ],
        ],
        columns=["paper_id", "arxiv_id", "title", "year", "authors", "aliases", "keywords"],
    ).to_csv(curated / "papers.csv", index=False)
    summary = import_snapshot(_write(tmp_path / "s.json", LINES), tmp_path / "out", curated)
    assert (summary.curated, summary.imported, summary.replaced_by_curated) == (2, 2, 1)
    catalog = load_catalog(tmp_path / "out")
    bert = catalog.papers.set_index("paper_id").loc["arxiv:1810.04805"]
    assert (bert["title"], bert["aliases"], bert["keywords"]) == (
        "BERT (curated title)",
        "BERT",
        "masked language model; GLUE",
    )
    assert len(catalog) == 4 and catalog.errors == []


def _abstract_record(arxiv_id: str, title: str, abstract: str) -> str:
    record = _record(arxiv_id, title)
    record["abstract"] = abstract
    return json.dumps(record)


ABSTRACT_LINES = [
    _abstract_record(
        "1907.11692",
        "RoBERTa: A Robustly Optimized BERT Pretraining Approach",
        "Language model pretraining has led to significant performance gains but careful "
        "comparison between different approaches is challenging. We present a replication "
        "study of BERT pretraining that carefully measures the impact of many key "
        "hyperparameters and training data size.",
    ),
    _abstract_record(
        "1810.04805",
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "We introduce a new language representation model called BERT. BERT is designed to "
        "pre-train deep bidirectional representations from unlabeled text by jointly "
        "conditioning on both left and right context in all layers.",
    ),
    _abstract_record(
        "1512.03385",
        "Deep Residual Learning for Image Recognition",
        "We present a residual learning framework to ease the training of networks that are "
        "substantially deeper than those used previously. We explicitly reformulate the "
        "layers as learning residual functions with reference to the layer inputs.",
    ),
    *(  # four papers claim one name: it is nobody's
        _abstract_record(f"1901.0000{i}", f"ProtoNet: a study number {i}", "") for i in range(1, 5)
    ),
]


def test_import_mines_aliases_derives_keywords_and_writes_collisions(tmp_path: Path) -> None:
    summary = import_snapshot(_write(tmp_path / "s.json", ABSTRACT_LINES), tmp_path / "out")
    papers = load_catalog(tmp_path / "out").papers.set_index("arxiv_id")
    assert papers.at["1907.11692", "aliases"] == "RoBERTa"
    assert papers.at["1907.11692", "alias_sources"] == "title"
    assert papers.at["1810.04805", "aliases"] == "BERT"
    assert papers.at["1901.00001", "aliases"] == ""
    keywords = split_keywords(papers.at["1512.03385", "keywords"])
    assert 1 <= len(keywords) <= 8 and "residual" in " ".join(keywords)
    assert papers.at["1512.03385", "keywords_source"] == "abstract"
    assert papers.at["1901.00001", "keywords"] == ""  # no abstract
    collisions = json.loads((tmp_path / "out" / COLLISIONS_FILE).read_text())
    assert collisions["protonet"]["dropped"] is True
    assert len(collisions["protonet"]["claims"]["title"]) == 4
    assert summary.aliases_by_source == {"title": 2}
    assert summary.dropped_names == 1


def test_two_processes_write_the_catalog_of_one_byte_for_byte(tmp_path: Path, monkeypatch) -> None:
    # Chunks of two records: the work is spread over the pool and joined back in order.
    monkeypatch.setattr("pipeline.chunks.CHUNK_ITEMS", 2)
    snapshot = _write(tmp_path / "s.json", ABSTRACT_LINES + LINES)
    one = import_snapshot(snapshot, tmp_path / "one", CATALOG, workers=1)
    two = import_snapshot(snapshot, tmp_path / "two", CATALOG, workers=2)
    assert one.sha256 == two.sha256
    for name in ("catalog.parquet", COLLISIONS_FILE):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert (one.imported, one.dropped, one.aliases_by_source) == (
        two.imported,
        two.dropped,
        two.aliases_by_source,
    )


def test_cli_import_takes_the_workers_setting(tmp_path: Path, capsys, monkeypatch) -> None:
    snapshot = _write(tmp_path / "s.json", LINES)
    monkeypatch.setenv("PAPER_MENTIONS_WORKERS", "0")
    assert main(["catalog", "import", str(snapshot), "--out", str(tmp_path / "a")]) == 2
    assert "PAPER_MENTIONS_WORKERS" in capsys.readouterr().err
    arguments = ["catalog", "import", str(snapshot), "--out", str(tmp_path / "b")]
    assert main([*arguments, "--workers", "2"]) == 0  # the flag wins over the variable
    assert load_catalog(tmp_path / "b").errors == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("arXiv:2304.09848v2", "2304.09848"),
        ("https://arxiv.org/abs/2304.09848", "2304.09848"),
        ("arxiv.org/pdf/2304.09848v1.pdf", "2304.09848"),
        ("cs/0406056v3", "cs/0406056"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("0704.0001", "0704.0001"),
        ("2304.098", None),
        ("hello", None),
        (1706.03762, None),
    ],
)
def test_normalize_arxiv_id(raw: object, expected: str | None) -> None:
    assert normalize_arxiv_id(raw) == expected


def test_normalize_title_collapses_breaks_and_keeps_tex() -> None:
    assert normalize_title("On the $\\ell_1$\n   norm  of\tthings ") == (
        "On the $\\ell_1$ norm of things"
    )


def test_parse_record_takes_the_year_of_the_first_version() -> None:
    record = _record("1706.03762", "Attention Is All You Need")
    record["versions"] = [
        {"version": "v1", "created": "Mon, 12 Jun 2017 17:57:34 GMT"},
        {"version": "v7", "created": "Wed, 2 Aug 2023 00:41:18 GMT"},
    ]
    record["authors_parsed"] = [["Vaswani", "Ashish", ""], ["Shazeer", "Noam", ""]]
    row, reason = parse_record(json.dumps(record).encode(), 2026)
    assert reason is None
    assert (row["year"], row["authors"]) == (2017, "Ashish Vaswani; Noam Shazeer")


def test_cli_import_writes_a_catalog_that_loads(tmp_path: Path, capsys) -> None:
    snapshot = _write(tmp_path / "s.json.gz", LINES)
    assert (
        main(
            [
                "catalog",
                "import",
                str(snapshot),
                "--out",
                str(tmp_path / "cat"),
                "--curated",
                str(CATALOG),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "not valid JSON: 1" in printed and "replaced by the curated entry" in printed
    catalog = load_catalog(tmp_path / "cat")
    assert catalog.errors == []
    assert len(catalog) == len(load_catalog(CATALOG)) + 1  # only cs/9301111 is not curated


def test_cli_import_reports_a_missing_snapshot(tmp_path: Path, capsys) -> None:
    assert main(["catalog", "import", str(tmp_path / "none.json"), "--out", str(tmp_path)]) == 2
    assert "snapshot not found" in capsys.readouterr().err


@pytest.mark.shared
def test_import_of_the_real_snapshot_subset(tmp_path: Path) -> None:
    summary = import_snapshot(SNAPSHOT, tmp_path, None, workers=2)
    assert summary.records == 311_653
    assert summary.imported + sum(summary.dropped.values()) == summary.records
    catalog = load_catalog(tmp_path)
    assert catalog.errors == []
    title = catalog.papers.set_index("arxiv_id").loc["1706.03762", "title"]
    assert title == "Attention Is All You Need"
