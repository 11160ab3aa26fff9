"""Lint of the committed evaluation sets (``tests/dev`` and the held-out sets
``tests/heldout*``): gold in the format of the gold spec, one file per manifest page, the
manifest's counts true to the gold, and no page in two sets."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline.evaluate import load_gold

SET_NAMES = (
    "dev",
    "heldout",
    "heldout-lists",
    "heldout-names",
    "heldout-fresh",
    "heldout-fresh2",
    "heldout-fresh3",
    "heldout-fresh4",
    "heldout-fresh5",
    "heldout-fresh6",
    "heldout-fresh7",
    "heldout-fresh8",
    "heldout-fresh9",
    "heldout-fresh10",
    "heldout-fresh11",
    "heldout-fresh12",
)
SETS = [Path(__file__).parent / name for name in SET_NAMES]
TIERS = {"A", "B", "C", "P"}
KINDS = {"arxiv_link", "english_title", "translated_title", "name", "description"}
ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7}")
COUNTS = {"gold_A": "A", "gold_B": "B", "gold_C": "C", "gold_P": "P"}


@pytest.fixture(params=SETS, ids=lambda p: p.name)
def gold_set(request: pytest.FixtureRequest) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder: Path = request.param
    manifest = pd.read_csv(folder / "manifest.csv", dtype=str, keep_default_na=False)
    return load_gold(folder / "gold"), manifest


def test_rows_follow_the_gold_spec(gold_set: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    gold, _ = gold_set
    assert set(gold["tier"]) <= TIERS
    assert set(gold["kind"]) <= KINDS
    ids = gold.loc[gold["arxiv_id"] != "", "arxiv_id"]
    assert all(ARXIV_ID.fullmatch(i) for i in ids), "an arXiv id with a version or a typo"
    assert (gold["canonical_title"].str.strip() != "").all()
    assert (gold["surface"].str.strip() != "").all()
    assert not gold.duplicated(["source_file", "key"]).any(), "one row per page and paper"


def test_the_manifest_lists_every_page_with_its_gold_counts(
    gold_set: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    gold, manifest = gold_set
    assert set(manifest["file"]) == set(gold["source_file"])
    for page in manifest.itertuples():
        rows = gold[gold["source_file"] == page.file]
        for column, tier in COUNTS.items():
            assert int(getattr(page, column)) == (rows["tier"] == tier).sum(), page.file
        assert int(page.gold_papers) == len(rows), page.file


def test_no_page_is_in_two_sets() -> None:
    manifests = [pd.read_csv(s / "manifest.csv", dtype=str) for s in SETS]
    for one, other in itertools.combinations(manifests, 2):
        assert not set(one["file"]) & set(other["file"])
        assert not set(one["sha256"]) & set(other["sha256"])
        assert not set(one["source"]) & set(other["source"])
