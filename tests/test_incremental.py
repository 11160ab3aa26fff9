"""Incremental runs reuse unchanged documents and give exactly the tables of a full run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.build import build_dataset
from pipeline.config import MatchThresholds, load_settings
from pipeline.incremental import run_fingerprint
from pipeline.link.policy import LinkPolicy
from pipeline.write import TABLES
from tests.conftest import CATALOG

ADDED_LINE = "\nSiehe auch: Language Models are Few-Shot Learners (arXiv:2005.14165).\n"


def _run(raw: Path, out: Path, cache: Path, incremental: bool = True):
    settings = load_settings(
        environ={},
        raw_dir=raw,
        out_dir=out,
        catalog_path=CATALOG,
        cache_dir=cache,
        incremental=incremental,
    )
    result = build_dataset(settings)
    assert result.published, result.failures
    return result


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}


def _assert_same_tables(a: Path, b: Path) -> None:
    for name, frame in _tables(a).items():
        pd.testing.assert_frame_equal(frame, _tables(b)[name], check_exact=True)


def test_a_rerun_reuses_every_document_and_equals_a_full_run(
    small_raw: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache-a"
    first = _run(small_raw, tmp_path / "incremental", cache)
    assert first.report["run"]["documents_reused"] == 0
    second = _run(small_raw, tmp_path / "incremental", cache)
    assert second.report["run"]["documents_reused"] == 2
    assert {"index", "extract", "match"}.isdisjoint(second.report["run"]["stage_seconds"])
    assert second.report["mentions"] == first.report["mentions"]
    assert second.report["narrow_matches"] == first.report["narrow_matches"]
    _run(small_raw, tmp_path / "full", tmp_path / "cache-b", incremental=False)
    _assert_same_tables(tmp_path / "incremental", tmp_path / "full")


def test_only_a_changed_file_is_processed_again(small_raw: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache-a"
    _run(small_raw, tmp_path / "incremental", cache)
    with (small_raw / "de_snippet.txt").open("a", encoding="utf-8") as fh:
        fh.write(ADDED_LINE)
    rerun = _run(small_raw, tmp_path / "incremental", cache)
    assert rerun.report["run"]["documents_reused"] == 1
    assert rerun.report["changes"]["documents"]["changed"] == ["de_snippet.txt"]
    _run(small_raw, tmp_path / "full", tmp_path / "cache-b", incremental=False)
    _assert_same_tables(tmp_path / "incremental", tmp_path / "full")


def test_a_damaged_cache_entry_is_a_miss_and_is_rewritten(small_raw: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _run(small_raw, tmp_path / "out", cache)
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == 2
    entries[0].write_text("{not json", "utf-8")
    rerun = _run(small_raw, tmp_path / "out", cache)
    assert rerun.report["run"]["documents_reused"] == 1
    entry = json.loads(entries[0].read_text("utf-8"))
    assert {"source_file", "sha256", "language", "mentions", "runner_up"} <= set(entry)


def test_a_full_run_ignores_the_cache(small_raw: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _run(small_raw, tmp_path / "out", cache)
    full = _run(small_raw, tmp_path / "out", cache, incremental=False)
    assert full.report["run"]["documents_reused"] == 0
    assert "match" in full.report["run"]["stage_seconds"]


def test_the_key_changes_with_catalog_and_policy() -> None:
    policy = LinkPolicy.from_thresholds(MatchThresholds())
    base = run_fingerprint("a" * 64, "t" * 64, policy)
    assert base == run_fingerprint("a" * 64, "t" * 64, LinkPolicy())
    assert base != run_fingerprint("b" * 64, "t" * 64, policy)
    assert base != run_fingerprint("a" * 64, "u" * 64, policy)
    changed = LinkPolicy.from_thresholds(MatchThresholds(accept=91.0))
    assert base != run_fingerprint("a" * 64, "t" * 64, changed)
    assert base != run_fingerprint("a" * 64, "t" * 64, LinkPolicy(author_context_ratio=2.0))
