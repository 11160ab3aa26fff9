"""Lexical helpers: the quotes each language sets a title in."""

from __future__ import annotations

import pytest

from pipeline.link.text import emphasized_spans, quoted_spans


@pytest.mark.parametrize(
    "line",
    [
        'the paper "Attention Is All You Need" shows',
        "das Paper „Attention Is All You Need“ zeigt",
        "das Paper ‚Attention Is All You Need‘ zeigt",
        "kertas «Attention Is All You Need» menunjukkan",
        "论文《Attention Is All You Need》提出",
        "論文「Attention Is All You Need」提出",
        "論文『Attention Is All You Need』提出",
        "description: 'Attention Is All You Need'",
    ],
)
def test_a_title_in_the_quotes_of_each_language(line: str) -> None:
    assert [line[s:e] for s, e in quoted_spans(line, 0)] == ["Attention Is All You Need"]


def test_an_apostrophe_is_no_quote_and_offsets_are_shifted() -> None:
    assert list(quoted_spans("it's the model's 'best' day", 0)) == []
    assert list(quoted_spans("the users' data and the authors' own code", 0)) == []
    assert list(quoted_spans('x "Deep Residual"', 10)) == [(13, 26)]


def test_bold_phrases() -> None:
    line = "* **Seq2Seq-Lernen** und __Deep Residual__"
    assert [line[s:e] for s, e in emphasized_spans(line, 0)] == ["Seq2Seq-Lernen", "Deep Residual"]
