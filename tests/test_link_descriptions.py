"""Descriptions: passages that describe one paper by its title words or its keywords, and
where such passages are looked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.catalog import load_catalog
from pipeline.language import Segment
from pipeline.link.descriptions import description_spans
from pipeline.link.matcher import Matcher
from pipeline.link.policy import DEFAULT_POLICY, LinkPolicy
from pipeline.link.terms import load_term_tables
from tests.linking_fixtures import (
    KEYWORD_HEADER,
    KEYWORD_ROWS,
    KEYWORD_TERMS,
    _keyword_matcher,
    catalog_matcher,
)


@pytest.fixture
def matcher(tmp_path: Path) -> Matcher:
    return catalog_matcher(tmp_path)


@pytest.fixture
def keyword_matcher(tmp_path: Path) -> Matcher:
    return _keyword_matcher(tmp_path, KEYWORD_ROWS)


def test_description_needs_most_of_a_title(matcher: Matcher) -> None:
    text = "研究人员对四种流行的生成式搜索引擎进行了人工评估"
    decision = matcher.decide_description(text, "zh")
    assert decision is not None and decision.paper_id == "arxiv:2304.09848"
    assert matcher.decide_description("研究人员对语言模型进行了人工评估", "zh") is None


# A description of "Are Emergent Abilities of Large Language Models a Mirage?" that holds all
# the words of "Emergent Abilities of Large Language Models".
MIRAGE_DESCRIPTION = (
    "大型语言模型的涌现能力可能是指标选择的结果:非线性指标让能力看起来突然出现,"
    "换成平滑指标后性能可预测。作者在InstructGPT、GPT-3和BIG-Bench上验证了这一点"
)


def test_description_links_through_keywords(keyword_matcher: Matcher) -> None:
    text = (
        "研究人员对生成式搜索引擎BingChat、NeevaAI和YouChat进行了审计,"
        "衡量citation recall与citation precision"
    )
    decision = keyword_matcher.decide_description(text, "zh")
    assert decision is not None
    assert (decision.status, decision.paper_id, decision.method) == (
        "matched",
        "arxiv:2304.09848",
        "description_keywords",
    )
    assert keyword_matcher.decide_description("研究人员进行了审计,结果很好", "zh") is None


def test_keywords_derived_from_an_abstract_never_link_a_description_alone(tmp_path: Path) -> None:
    """The same keywords, derived at import instead of written by hand: a description that
    covers them proposes no paper (derived keywords linked 7.4 % of unrelated abstracts)."""
    catalog_dir = tmp_path / "catalog"
    catalog_dir.mkdir()
    rows = [
        row + ",abstract" if row.endswith("human evaluation audit") else row + ","
        for row in KEYWORD_ROWS
    ]
    header = KEYWORD_HEADER.strip() + ",keywords_source\n"
    (catalog_dir / "papers.csv").write_text(header + "\n".join(rows) + "\n", "utf-8")
    terms_dir = tmp_path / "terms"
    terms_dir.mkdir()
    (terms_dir / "zh.csv").write_text(KEYWORD_TERMS, "utf-8")
    matcher = Matcher(load_catalog(catalog_dir), LinkPolicy(), load_term_tables(terms_dir))
    text = (
        "研究人员对生成式搜索引擎BingChat、NeevaAI和YouChat进行了审计,"
        "衡量citation recall与citation precision"
    )
    decision = matcher.decide_description(text, "zh")
    assert decision is None or decision.method != "description_keywords"
    assert matcher.abstract_keywords[matcher.concepts.title_index["arxiv:2304.09848"]]


def test_keywords_outweigh_a_title_contained_in_another(keyword_matcher: Matcher) -> None:
    """All of "Emergent Abilities of Large Language Models" is inside a description of the
    Mirage paper; its keywords (metrics, BIG-Bench, InstructGPT) tell them apart."""
    decision = keyword_matcher.decide_description(MIRAGE_DESCRIPTION, "zh")
    assert decision is not None
    assert (decision.status, decision.paper_id) == ("matched", "arxiv:2304.15004")


def test_title_and_keywords_that_disagree_without_keywords_to_weigh(tmp_path: Path) -> None:
    """The same passage when the contained title's paper has no keywords: the two kinds of
    evidence cannot be weighed against each other, so neither paper is linked."""
    rows = [
        r if not r.startswith("arxiv:2206.07682") else r.split(",,")[0] + ",," for r in KEYWORD_ROWS
    ]
    matcher = _keyword_matcher(tmp_path, rows)
    decision = matcher.decide_description(MIRAGE_DESCRIPTION, "zh")
    assert decision is not None
    assert (decision.status, decision.method) == ("ambiguous", "description_conflict")
    assert decision.candidates == ("arxiv:2206.07682", "arxiv:2304.15004")


def test_title_words_without_keywords_are_another_topic(keyword_matcher: Matcher) -> None:
    """EBGAN's title words in a text on power grids: its keywords are absent, no link."""
    grid = "基于能量的生成对抗网络用于电网负荷预测"
    assert keyword_matcher.decide_description(grid, "zh") is None
    gan = "基于能量的生成对抗网络:判别器是energy function,用auto-encoder的reconstruction error"
    decision = keyword_matcher.decide_description(gan, "zh")
    assert decision is not None and decision.paper_id == "arxiv:1609.03126"


# description_spans


def _spans(text: str, segment: Segment) -> list[str]:
    return [text[s:e] for s, e in description_spans(text, segment, DEFAULT_POLICY)]


def test_an_english_line_is_no_description_passage() -> None:
    """Descriptions are looked for in other languages only: the same line read as German is
    a sentence long enough to be one."""
    line = "The authors audit four generative search engines by hand."
    assert _spans(line, Segment(0, len(line), "en")) == []
    assert _spans(line, Segment(0, len(line), "de")) == [line.removesuffix(".")]


def test_a_chinese_line_is_cut_into_its_sentences_and_kept_whole() -> None:
    """Each sentence of the segment and the whole segment, in order; a sentence shorter than
    ``min_description_chars`` ("结果很好") is none, and nothing outside the segment is read."""
    text = (
        "A line in English.\n"
        "研究人员对四种流行的生成式搜索引擎进行了人工评估。结果很好！他们衡量了引用的召回率与精确率；\n"
    )
    start = text.index("研")
    segment = Segment(start, text.index("\n", start), "zh")
    assert _spans(text, segment) == [
        "研究人员对四种流行的生成式搜索引擎进行了人工评估",
        text[segment.start : segment.end],
        "他们衡量了引用的召回率与精确率",
    ]
