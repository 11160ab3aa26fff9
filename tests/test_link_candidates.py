"""Candidate mentions of whole documents: every kind, exact offsets, in order."""

from __future__ import annotations

import pytest

from pipeline.catalog import load_catalog
from pipeline.language import document_language, segment_lines
from pipeline.link.matcher import Matcher
from pipeline.link.names import NameTable
from schemas.models import KINDS
from tests.conftest import CATALOG, RAW
from tests.tables import extract_mentions

# extract_mentions on whole seed files


@pytest.fixture(scope="module")
def names() -> NameTable:
    return Matcher(load_catalog(CATALOG)).names


@pytest.mark.parametrize(
    "name",
    ["000_cbc9c61091d15a47.txt", "001_c9cdbce49000d21f.txt", "004_fca185adc7557be1.txt"],
)
def test_extract_mentions_offsets_on_seed_file(name: str, names) -> None:
    text = (RAW / name).read_text(encoding="utf-8")
    segments = segment_lines(text, document_language(text))
    mentions = extract_mentions(name, text, segments, names)
    assert len(mentions) > 10
    assert set(mentions["kind"]) <= set(KINDS)
    for row in mentions.itertuples():
        assert text[row.start : row.end] == row.surface
        segment = segments[row.line]
        assert segment.start <= row.start < row.end <= segment.end
    assert mentions[["start", "end"]].equals(
        mentions[["start", "end"]].sort_values(["start", "end"], kind="stable")
    )


def test_extract_mentions_finds_arxiv_and_titles_in_chinese_seed(names) -> None:
    text = (RAW / "004_fca185adc7557be1.txt").read_text(encoding="utf-8")
    segments = segment_lines(text, "zh")
    mentions = extract_mentions("004.txt", text, segments, names)
    arxiv = mentions[mentions["kind"] == "arxiv_id"]
    assert {"2108.04106", "2205.01068", "2302.09419"} <= set(arxiv["evidence"])
    titles = set(mentions.loc[mentions["kind"] == "english_title", "surface"])
    assert "Training language models to follow instructions with human feedback" in titles
    assert "Proximal Policy Optimization Algorithms" in titles
