"""Translated titles: where they may stand (headings and list entries, quoted and bold
phrases) and which paper their words name."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.catalog import load_catalog
from pipeline.config import DEFAULT_CATALOG, DEFAULT_TERMS
from pipeline.language import Segment
from pipeline.link.matcher import Matcher
from pipeline.link.policy import DEFAULT_POLICY, LinkPolicy
from pipeline.link.terms import ConceptIndex, load_term_tables
from pipeline.link.translated import decide_translated, least_recall, translated_spans
from tests.linking_fixtures import HEADER, KEYWORD_ROWS, _keyword_matcher, catalog_matcher


@pytest.fixture
def matcher(tmp_path: Path) -> Matcher:
    return catalog_matcher(tmp_path)


def _spans(text: str, language: str) -> list[str]:
    segment = Segment(0, len(text), language)
    return [text[s:e] for s, e in translated_spans(text, segment, DEFAULT_POLICY)]


def test_a_bold_title_before_its_gloss_is_a_candidate() -> None:
    text = "* **使用神经网络进行序列到序列学习**：序列建模的基础性论文。"
    assert "使用神经网络进行序列到序列学习" in _spans(text, "zh")


def test_a_bold_phrase_in_a_sentence_is_a_candidate() -> None:
    text = "Kertas __Pembelajaran Urutan ke Urutan__ mengubah terjemahan mesin, kata mereka."
    assert "Pembelajaran Urutan ke Urutan" in _spans(text, "ms")


def test_a_short_line_is_a_heading_candidate_and_english_lines_are_none() -> None:
    assert _spans("深度残差学习用于图像识别", "zh") == ["深度残差学习用于图像识别"]
    assert _spans("**Deep Residual Learning**", "en") == []


# decide_translated

# Every word of the first title is in three other titles: none is rare (distinctive).
FIELD_TITLES = [
    "The Open Source Advantage in Large Language Models",
    *("Open Problems in Robotics", "Open Sets of Images", "Open Worlds"),
    *("Source Separation of Audio", "Source Code Retrieval", "Source Coding Theory"),
    *("Model Checking of Programs", "Model Predictive Control", "Model Compression"),
    *("Advantage Actor Critic", "Advantage Functions in Games", "Advantage of Depth"),
    *("Large Language Models for Law", "Large Language Models in Medicine"),
    *("Large Language Models as Judges", "Large Language Models Can Plan"),
]


def test_common_words_that_are_not_a_whole_title_name_no_paper() -> None:
    index = ConceptIndex([f"p{i}" for i in range(len(FIELD_TITLES))], FIELD_TITLES)
    # "open source model advantage" (a heading "开源模型的优势"): four of six title stems,
    # F-score 0.81, far ahead of the runner-up, but only words of the field.
    assert decide_translated("open source model advantage", "de", index, {}, DEFAULT_POLICY) is None
    # A paper described by hand was checked by a person: its words may be common.
    described = decide_translated(
        "open source model advantage", "de", index, {}, DEFAULT_POLICY, described={"p0"}
    )
    assert described is not None and described.paper_id == "p0"


UNIT = st.floats(min_value=0.0, max_value=1.0)


@given(recall=UNIT, precision=UNIT, most_precise=UNIT)
def test_a_decidable_title_has_the_least_recall_its_precision_bound_allows(
    recall: float, precision: float, most_precise: float
) -> None:
    """Whatever a title reaches at a precision within the bound, if its F-score can be
    decided (an ambiguous answer, a link) or it is the whole title, its recall is at least
    ``least_recall``: ranking for that least leaves out nothing the rule could decide."""
    precision = min(precision, most_precise)
    f = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    if f >= DEFAULT_POLICY.translated_review or recall >= DEFAULT_POLICY.whole_title:
        assert recall >= least_recall(DEFAULT_POLICY, most_precise) - 1e-12


def test_the_least_recall_rises_as_the_precision_bound_falls() -> None:
    review = DEFAULT_POLICY.translated_review
    assert (
        least_recall(DEFAULT_POLICY) == least_recall(DEFAULT_POLICY, 1.0) == review / (2 - review)
    )
    assert least_recall(DEFAULT_POLICY, 0.6) > least_recall(DEFAULT_POLICY, 0.8)
    assert least_recall(DEFAULT_POLICY, review / 2) == DEFAULT_POLICY.whole_title  # whole only


def test_translated_title_links_through_the_term_table(matcher: Matcher) -> None:
    decision = matcher.decide_translated("Graf Ekosistem: Jejak Sosial Model Asas", "ms")
    assert decision is not None and decision.status == "matched"
    assert decision.paper_id == "arxiv:2303.15772"
    two_words = matcher.decide_translated("Model Konsistensi", "ms")
    assert two_words is not None and two_words.paper_id == "arxiv:2303.01469"
    assert matcher.decide_translated("Jejak Sosial", "ms") is None


def test_two_translated_words_link_only_to_a_whole_title(tmp_path: Path) -> None:
    row = "arxiv:2402.08164,2402.08164,On Limitations of the Transformer Architecture,2024,B P,,"
    matcher = _keyword_matcher(tmp_path, [*KEYWORD_ROWS, row])
    heading = matcher.decide_translated("Transformer 架構", "zh")
    assert heading is None or heading.status != "matched"
    title = matcher.decide_translated("Transformer 架構的局限", "zh")
    assert title is not None
    assert (title.status, title.paper_id) == ("matched", "arxiv:2402.08164")


def test_a_translation_holding_a_whole_long_title_links_despite_its_extra_words() -> None:
    """ "使用...进行" ("use ... carry out") are the translator's words, not the title's."""
    curated = Matcher(load_catalog(DEFAULT_CATALOG), LinkPolicy(), load_term_tables(DEFAULT_TERMS))
    decision = curated.decide_translated("使用神经网络进行序列到序列学习", "zh")
    assert decision is not None
    assert (decision.status, decision.paper_id) == ("matched", "arxiv:1409.3215")
    strict = LinkPolicy(translated_whole_title_stems=99)
    no_rule = Matcher(load_catalog(DEFAULT_CATALOG), strict, load_term_tables(DEFAULT_TERMS))
    assert no_rule.decide_translated("使用神经网络进行序列到序列学习", "zh") is None


def test_a_short_translation_of_common_field_words_names_no_paper(tmp_path: Path) -> None:
    """ "Position Coding" is a paper's whole title and a topic's name: a heading that
    translates to it is the topic, unless one of its words is rare in the catalog."""
    titles = [
        "Position Coding",
        "Position Coding for Robots",
        "Coding the Position of Objects",
        "Learned Position Coding in Vision",
        "Morphism Coding",
    ]
    rows = [f"arxiv:2001.0000{i},2001.0000{i},{t},2020,A B," for i, t in enumerate(titles)]
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "papers.csv").write_text(HEADER + "\n".join(rows) + "\n", "utf-8")
    (tmp_path / "terms").mkdir()
    (tmp_path / "terms" / "ms.csv").write_text(
        "term,english\npengekodan,coding\nkedudukan,position\nmorfisme,morphism\n", "utf-8"
    )
    matcher = Matcher(
        load_catalog(tmp_path / "catalog"), LinkPolicy(), load_term_tables(tmp_path / "terms")
    )
    assert matcher.decide_translated("Pengekodan Kedudukan", "ms") is None
    rare = matcher.decide_translated("Pengekodan Morfisme", "ms")
    assert rare is not None and rare.paper_id == "arxiv:2001.00004"


def test_a_short_translation_of_a_paper_described_by_hand_still_links() -> None:
    """A curated paper (its keywords written by a person) is exempt from the rule that a few
    common field words name a topic."""
    curated = Matcher(load_catalog(DEFAULT_CATALOG), LinkPolicy(), load_term_tables(DEFAULT_TERMS))
    decision = curated.decide_translated("Model Konsistensi", "ms")
    assert decision is not None
    assert (decision.status, decision.paper_id) == ("matched", "arxiv:2303.01469")
