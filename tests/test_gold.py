"""Linking quality on the seeds against the gold annotations in ../shared/eval/gold."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.build import build_dataset
from pipeline.config import load_settings
from pipeline.evaluate import evaluate
from tests.conftest import CATALOG, RAW, SHARED

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("gold-out")
    result = build_dataset(
        load_settings(environ={}, raw_dir=RAW, out_dir=out, catalog_path=CATALOG)
    )
    assert result.published
    return evaluate(out, SHARED / "eval" / "gold")


def test_precision_is_at_least_097(scores: dict) -> None:
    assert scores["precision"] >= 0.97, scores["false_links"]


def test_tier_a_recall_is_at_least_095(scores: dict) -> None:
    assert scores["recall_by_tier"]["A"]["recall"] >= 0.95, scores["misses"]


def test_every_arxiv_link_is_found(scores: dict) -> None:
    assert scores["recall_by_kind"]["arxiv_link"]["recall"] == 1.0


def test_gold_and_seed_copies_agree() -> None:
    gold_sources = {p.stem for p in (SHARED / "eval" / "gold").glob("*.csv")}
    assert gold_sources <= {Path(p).stem for p in RAW.glob("*.txt")}
