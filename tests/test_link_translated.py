"""Where translated titles may stand: headings and list entries, quoted and bold phrases."""

from __future__ import annotations

from pipeline.language import Segment
from pipeline.link.policy import DEFAULT_POLICY
from pipeline.link.translated import translated_spans


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
