"""End to end on the project's raw folder (the five seed articles): the published folder
follows the contract, and two runs give identical tables."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import fanout, stages
from pipeline.build import build_dataset, decide_verdict
from pipeline.config import load_settings
from pipeline.validate import screen_tables, validate_tables
from pipeline.write import TABLES
from schemas import DOCUMENTS_SCHEMA, MENTIONS_SCHEMA, PAPERS_SCHEMA
from tests.conftest import CATALOG, PROJECT_ROOT, RAW

METADATA_KEYS = {
    b"schema_version",
    b"run_id",
    b"pipeline_version",
    b"catalog_sha256",
    b"created_at",
}


def _settings(raw: Path, out: Path, **overrides):
    return load_settings(
        environ={},
        raw_dir=raw,
        out_dir=out,
        catalog_path=CATALOG,
        cache_dir=out.with_name(f"{out.name}-cache"),
        **({"workers": 1} | overrides),
    )


def _without_run_id(frame: pd.DataFrame) -> pd.DataFrame:
    """The quarantine names its run in every row; all else must be equal across runs."""
    return frame.drop(columns=["run_id"], errors="ignore")


@pytest.fixture(scope="module")
def seed_runs(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("out")
    first = build_dataset(_settings(RAW, out))
    tables_first = {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}
    second = build_dataset(_settings(RAW, out))
    return out, first, second, tables_first


def test_seed_run_publishes_tables_that_follow_the_contract(seed_runs) -> None:
    out, first, _, _ = seed_runs
    assert first.published, first.failures
    DOCUMENTS_SCHEMA.validate(pd.read_parquet(out / "documents.parquet"), lazy=True)
    MENTIONS_SCHEMA.validate(pd.read_parquet(out / "mentions.parquet"), lazy=True)
    PAPERS_SCHEMA.validate(pd.read_parquet(out / "papers.parquet"), lazy=True)
    documents = pd.read_parquet(out / "documents.parquet")
    assert sorted(documents["source_file"]) == sorted(p.name for p in RAW.glob("*.txt"))
    assert set(documents["language"]) == {"de", "ms", "zh"}
    for name in ("report.json", "report.md", "report.html", "review/ambiguous.csv"):
        assert (out / name).stat().st_size > 0


def test_offsets_point_at_the_surface(seed_runs) -> None:
    out = seed_runs[0]
    mentions = pd.read_parquet(out / "mentions.parquet")
    texts = {f: (RAW / f).read_text("utf-8") for f in mentions["source_file"].unique()}
    for row in mentions.itertuples():
        assert texts[row.source_file][row.start : row.end] == row.surface


def test_tables_carry_the_same_run_metadata(seed_runs) -> None:
    out, _, second, _ = seed_runs
    run_ids = set()
    for table in TABLES:
        metadata = pq.read_schema(out / f"{table}.parquet").metadata
        assert set(metadata) >= METADATA_KEYS
        run_ids.add(metadata[b"run_id"])
    assert run_ids == {second.run_id.encode()}


def test_two_runs_give_identical_tables(seed_runs) -> None:
    out, first, second, tables_first = seed_runs
    assert first.run_id != second.run_id
    for table, frame in tables_first.items():
        pd.testing.assert_frame_equal(
            _without_run_id(frame), _without_run_id(pd.read_parquet(out / f"{table}.parquet"))
        )


def test_each_run_is_kept_and_current_points_at_the_last(seed_runs) -> None:
    out, first, second, _ = seed_runs
    assert (out / "runs" / first.run_id / "papers.parquet").is_file()
    assert os.readlink(out / "current") == f"runs/{second.run_id}"
    report = second.report["changes"]
    assert report["previous"] == "read"
    assert report["papers_added"] == [] and report["papers_removed"] == []


def test_every_matched_mention_has_its_paper(seed_runs) -> None:
    out = seed_runs[0]
    mentions = pd.read_parquet(out / "mentions.parquet")
    papers = pd.read_parquet(out / "papers.parquet")
    matched = mentions[mentions["status"] == "matched"]
    assert set(matched["paper_id"]) == set(papers["paper_id"])
    counts = matched.groupby("paper_id").size()
    assert (papers.set_index("paper_id")["n_mentions"] == counts).all()


def test_failed_validation_publishes_nothing_and_keeps_the_previous_dataset(
    small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    good = build_dataset(_settings(small_raw, out))
    assert good.published
    before = (out / "papers.parquet").read_bytes()

    real_dedupe = stages.dedupe

    def broken_dedupe(mentions, catalog):
        papers = real_dedupe(mentions, catalog)
        return papers.assign(n_mentions=papers["n_mentions"] + 1)

    monkeypatch.setattr(stages, "dedupe", broken_dedupe)
    bad = build_dataset(_settings(small_raw, out))
    assert not bad.published
    assert bad.verdict["status"] == "not published" and not bad.verdict["success"]
    assert any("above the limit" in failure for failure in bad.failures)
    report = json.loads((bad.run_folder / "report.json").read_text("utf-8"))
    assert len(report["quarantine"]) > 0
    assert {tuple(r["checks"]) for r in report["quarantine"] if r["table"] == "papers"} == {
        ("n_mentions_equals_matched_mentions",)
    }
    assert (out / "papers.parquet").read_bytes() == before
    assert os.readlink(out / "current") == f"runs/{good.run_id}"
    assert (bad.run_folder / "report.json").is_file()


def test_a_binary_file_is_rejected_and_the_rest_published(small_raw: Path, tmp_path: Path) -> None:
    (small_raw / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = build_dataset(_settings(small_raw, tmp_path / "out"))
    assert result.published
    documents = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_file")
    assert documents.at["image.txt", "status"] == "rejected"
    assert "binary content" in documents.at["image.txt", "error"]
    assert documents.at["de_snippet.txt", "status"] == "ok"


def test_no_readable_document_publishes_nothing(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    result = build_dataset(_settings(raw, tmp_path / "out"))
    assert not result.published
    assert "no readable source documents" in result.failures[-1]


def test_a_corrupted_previous_dataset_is_reported_and_replaced(
    small_raw: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for table in TABLES:
        (out / f"{table}.parquet").write_bytes(b"not parquet at all")
    result = build_dataset(_settings(small_raw, out))
    assert result.published
    assert result.report["changes"]["previous"] == "unreadable"
    pd.read_parquet(out / "papers.parquet")


def test_the_raw_folder_may_be_anywhere(tmp_path: Path) -> None:
    raw = tmp_path / "articles with spaces"
    shutil.copytree(RAW, raw, ignore=shutil.ignore_patterns("*.csv", "00[1-4]*"))
    result = build_dataset(_settings(raw, tmp_path / "out"))
    assert result.published
    assert result.report["documents"]["read"] == 1


def test_runs_in_separate_processes_give_identical_tables(tmp_path: Path) -> None:
    """String hashing is salted per process: no decision may depend on set order."""
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"out-{hash_seed}"
        command = [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--engine",
            "local",
            "--full",
            "--quiet",
            "--raw",
            str(RAW),
            "--out",
            str(out),
            "--catalog",
            str(CATALOG),
            "--cache",
            str(tmp_path / f"cache-{hash_seed}"),
        ]
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(command, check=True, env=env, cwd=PROJECT_ROOT, timeout=300)
        outs.append(out)
    for table in TABLES:
        pd.testing.assert_frame_equal(
            _without_run_id(pd.read_parquet(outs[0] / f"{table}.parquet")),
            _without_run_id(pd.read_parquet(outs[1] / f"{table}.parquet")),
        )


def _ambiguous_without_candidates(monkeypatch: pytest.MonkeyPatch, how_many: int) -> list[str]:
    """Make the match stage emit its first ``how_many`` matched mentions as ``ambiguous``
    with no candidates (the bug of issue 10); returns their mention ids."""
    real_mentions_table = fanout.mentions_table
    spoiled: list[str] = []

    def spoiling_mentions_table(*args):
        mentions = real_mentions_table(*args).copy()  # called once per batch
        rows = mentions.index[mentions["status"] == "matched"][: how_many - len(spoiled)]
        mentions.loc[rows, ["status", "paper_id", "arxiv_id"]] = ["ambiguous", None, None]
        mentions.loc[rows, "candidates"] = pd.Series([[] for _ in rows], index=rows)
        spoiled.extend(mentions.loc[rows, "mention_id"])
        return mentions

    monkeypatch.setattr(fanout, "mentions_table", spoiling_mentions_table)
    return spoiled


def test_a_row_that_breaks_its_schema_is_quarantined_and_the_rest_published(
    small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spoiled = _ambiguous_without_candidates(monkeypatch, 1)
    out = tmp_path / "out"
    result = build_dataset(_settings(small_raw, out, max_quarantine_share=0.1))
    assert result.published, result.failures
    assert result.verdict["status"] == "published, degraded" and result.verdict["success"]
    quarantine = pd.read_parquet(out / "quarantine.parquet")
    assert list(quarantine["table"]) == ["mentions"]
    assert list(quarantine["checks"][0]) == ["at_least_two_candidates_when_ambiguous"]
    row = json.loads(quarantine["row"][0])
    assert row["mention_id"] == spoiled[0] and row["status"] == "ambiguous"
    assert set(quarantine["run_id"]) == {result.run_id}
    tables = {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}
    assert spoiled[0] not in set(tables["mentions"]["mention_id"])
    # A second run is not spoiled (one row in all): it publishes every mention.
    build_dataset(_settings(small_raw, tmp_path / "whole", max_quarantine_share=0.1))
    whole = pd.read_parquet(tmp_path / "whole" / "mentions.parquet")
    assert len(tables["mentions"]) == len(whole) - 1
    texts = {f.name: f.read_text("utf-8") for f in small_raw.iterdir()}
    assert validate_tables(tables["documents"], tables["mentions"], tables["papers"], texts) == []
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["verdict"] == result.verdict
    assert [r["checks"] for r in report["quarantine"]] == [
        ["at_least_two_candidates_when_ambiguous"]
    ]
    head = (out / "report.md").read_text("utf-8").split("## ", 1)[0]  # before the first section
    assert "Verdict: published, degraded" in head and "- 1 rows quarantined" in head


def test_too_many_quarantined_rows_publish_nothing(
    small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    good = build_dataset(_settings(small_raw, out))
    assert good.verdict == {
        "status": "published", "success": True, "reasons": [], "warnings": []
    }  # fmt: skip
    _ambiguous_without_candidates(monkeypatch, 1)
    bad = build_dataset(_settings(small_raw, out, max_quarantine_share=0.01, incremental=False))
    assert not bad.published
    assert bad.verdict["reasons"] == [
        "1 of 21 mentions quarantined (4.76%), above the limit 1.00% (max_quarantine_share)"
    ]
    assert os.readlink(out / "current") == f"runs/{good.run_id}"
    assert pd.read_parquet(out / "quarantine.parquet").empty
    head = (bad.run_folder / "report.md").read_text("utf-8").split("## ", 1)[0]
    assert "Verdict: not published" in head and "1 of 21 mentions quarantined" in head


def test_documents_rejected_by_an_internal_error_degrade_the_run() -> None:
    documents = pd.DataFrame(
        {
            "source_file": ["a.txt", "b.txt"],
            "language": ["de", None],
            "sha256": ["0" * 64, "1" * 64],
            "n_chars": [10, 0],
            "n_mentions": [0, 0],
            "status": ["ok", "rejected"],
            "duplicate_of": [None, None],
            "error": [None, "internal error: ValueError: boom"],
        }
    )
    mentions = stages.normalise_mentions([])
    papers = stages.dedupe(mentions, stages.load_catalog(CATALOG))
    screening = screen_tables(documents, mentions, papers, {"a.txt": "0123456789"}, "r1")
    verdict = decide_verdict(screening, [], 0.01)
    assert verdict["status"] == "published, degraded" and verdict["success"]
    assert verdict["reasons"] == ["1 documents rejected with an internal error"]


def test_a_folder_whose_documents_mention_no_paper_publishes_with_no_mentions(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "wetter.txt").write_text(
        "Morgen wird es in Berlin sonnig und warm, am Abend zieht Regen auf.", "utf-8"
    )
    out = tmp_path / "out"
    result = build_dataset(_settings(raw, out))
    assert result.published and result.verdict["status"] == "published", result.failures
    mentions = pd.read_parquet(out / "mentions.parquet")
    assert mentions.empty and list(mentions.columns) == list(MENTIONS_SCHEMA.columns)
    assert pd.read_parquet(out / "papers.parquet").empty
    assert pd.read_parquet(out / "documents.parquet")["n_mentions"].tolist() == [0]
    assert pq.read_schema(out / "mentions.parquet").field("start").type == "int64"


@pytest.mark.parametrize(
    ("text", "arxiv_id"),
    [
        ("Siehe arXiv:CS/0501001 für Details zur Methode.\n", "cs/0501001"),
        ("论文见 arXiv:２２０５．０１０６８ 。\n", "2205.01068"),
        ("Lihat arXiv:٢٢٠٥.٠١٠٦٨ untuk butiran.\n", "2205.01068"),
        ("Model seperti StableDiffusion boleh menjana imej.\n", None),
    ],
)
def test_a_short_page_with_an_odd_id_or_name_publishes(
    tmp_path: Path, text: str, arxiv_id: str | None
) -> None:
    """Each of these once withheld a whole run; now the id is normalised and the name linked
    or left unmatched, and the run publishes without quarantine."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "page.txt").write_text(text, "utf-8")
    out = tmp_path / "out"
    result = build_dataset(_settings(raw, out))
    assert result.published and result.verdict["status"] == "published", result.failures
    mentions = pd.read_parquet(out / "mentions.parquet")
    assert len(mentions) >= 1
    if arxiv_id is not None:
        assert mentions["arxiv_id"].tolist() == [arxiv_id]
        assert pd.read_parquet(out / "papers.parquet")["arxiv_id"].tolist() == [arxiv_id]
