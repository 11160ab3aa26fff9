"""Where translated titles may stand: headings and list entries, quoted and bold phrases."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.language import Segment
from pipeline.link.policy import DEFAULT_POLICY
from pipeline.link.terms import ConceptIndex
from pipeline.link.translated import decide_translated, least_recall, translated_spans


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
