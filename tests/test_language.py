"""Document and line language: script rules, Malay vs Indonesian, inheritance, offsets."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.language import Segment, document_language, segment_language, segment_lines
from tests.conftest import PROJECT_ROOT

RAW = PROJECT_ROOT / "raw"


def _lines(name: str) -> list[str]:
    return (RAW / name).read_text(encoding="utf-8").splitlines()


MALAY_LINES = [line for line in _lines("001_c9cdbce49000d21f.txt") if line.strip()]
ZH_LINES = _lines("004_fca185adc7557be1.txt")

GERMAN = (
    "Die Forscher schlugen ein neues Sprachdarstellungsmodell vor, das tiefe bidirektionale "
    "Darstellungen vortrainiert, indem es den Kontext in allen Schichten berücksichtigt. "
    "Daher können vortrainierte Modelle durch einfaches Hinzufügen einer Ausgabeebene "
    "feinabgestimmt werden."
)
CHINESE = (
    "大型语言模型在机器翻译中的应用越来越广泛,研究人员发现训练数据的质量非常重要。"
    "我们在本文中总结了过去一年里最值得关注的论文。"
)


def test_document_language_german() -> None:
    assert document_language(GERMAN) == "de"


@pytest.mark.parametrize("start", [0, 3, 6, 12, 21])
def test_document_language_malay_never_indonesian(start: int) -> None:
    paragraph = "\n".join(MALAY_LINES[start : start + 3])
    assert document_language(paragraph) == "ms"


def test_document_language_chinese() -> None:
    assert document_language(CHINESE) == "zh"


def test_document_language_chinese_with_english_titles() -> None:
    # Lines 21-35 of the seed: the GPT / InstructGPT / T5 / LaMDA reading list.
    excerpt = "\n".join(ZH_LINES[20:35])
    assert "Language Models are Few-Shot Learners" in excerpt
    assert document_language(excerpt) == "zh"


def test_document_language_chinese_title_heavy_reading_list() -> None:
    excerpt = "\n".join(ZH_LINES[82:97])
    assert "Proximal Policy Optimization Algorithms" in excerpt
    assert document_language(excerpt) == "zh"


def test_document_language_whole_chinese_seed() -> None:
    assert document_language("\n".join(ZH_LINES)) == "zh"


def test_document_language_chinese_table_of_badges_and_links() -> None:
    # A table of Chinese rows, each with a video badge whose address holds several times the
    # row's Chinese in Latin letters: the addresses are no language.
    badge = (
        "[![bilibili](https://img.shields.io/badge/dynamic/json?label=views&style=social"
        "&logo=bilibili&query=data.stat.view&url=https%3A%2F%2Fapi.bilibili.com%2Fx%2Fweb-"
        "interface%2Fview%3Fbvid%3DBV1c8HbeaEXi)](https://www.bilibili.com/video/BV1c8HbeaEXi)"
    )
    rows = [f"| {line.strip()[:12]} | {badge} |" for line in ZH_LINES if line.strip()][:20]
    assert document_language("\n".join(rows)) == "zh"


def test_document_language_keeps_chinese_written_around_a_slash() -> None:
    assert document_language(CHINESE.replace("机器翻译", "机器翻译/摘要生成")) == "zh"


def test_document_language_without_letters_is_und() -> None:
    assert document_language("12345 --- 678 !!!") == "und"


def test_segment_english_title_in_chinese_document() -> None:
    line = "Training language models to follow instructions with human feedback"
    assert segment_language(line, "zh") == "en"


@pytest.mark.parametrize("document_lang", ["de", "ms", "zh"])
def test_segment_short_line_inherits_document_language(document_lang: str) -> None:
    assert segment_language("*Autor:OpenAI", document_lang) == document_lang


def test_segment_chinese_line_with_a_few_latin_words() -> None:
    line = "22年4月,Google发布PaLM模型,基于Transformer decoder架构,使用multi-query注意力"
    assert segment_language(line, "zh") == "zh"
    assert segment_language(line, "de") == "zh"


def test_segment_malay_line_in_malay_document() -> None:
    assert segment_language(MALAY_LINES[2], "ms") == "ms"


def test_segment_german_line_in_chinese_document() -> None:
    line = "Chinchilla: Training großer Sprachmodelle mit optimaler Rechenleistung"
    assert segment_language(line, "zh") == "de"


def test_segment_lines_offsets() -> None:
    text = "第一行 GPT-4\r\n\r\n  Attention Is All You Need  \n\n   \nLetzte Zeile ohne Umbruch"
    segments = segment_lines(text, "zh")
    lines = [line for line in text.splitlines() if line.strip()]
    assert [text[s.start : s.end] for s in segments] == lines
    assert all(isinstance(s, Segment) for s in segments)
    assert [s.start for s in segments] == sorted(s.start for s in segments)


def test_segment_lines_offsets_on_seed_file() -> None:
    text = (RAW / "000_cbc9c61091d15a47.txt").read_text(encoding="utf-8")
    segments = segment_lines(text, "de")
    expected = [line for line in text.splitlines() if line.strip()]
    assert [text[s.start : s.end] for s in segments] == expected


def test_language_is_deterministic() -> None:
    paragraph = "\n".join(MALAY_LINES[:3])
    excerpt = "\n".join(ZH_LINES[20:35])
    first = [document_language(t) for t in (GERMAN, paragraph, excerpt)]
    first_segments = segment_lines(excerpt, "zh")
    for _ in range(3):
        assert [document_language(t) for t in (GERMAN, paragraph, excerpt)] == first
        assert segment_lines(excerpt, "zh") == first_segments
    assert first == ["de", "ms", "zh"]


def _model_lines() -> list[str]:
    """The seed lines that go to the line model (three Latin words or more, not CJK)."""
    from pipeline.language import (
        CJK_SHARE_FOR_LINE,
        LATIN_WORD,
        MIN_LATIN_WORDS_FOR_LINE_MODEL,
        _script_language,
        _without_urls,
    )

    lines = [line for page in sorted(RAW.glob("*.txt")) for line in _lines(page.name)]
    prose = [
        _without_urls(line) for line in lines if not _script_language(line, CJK_SHARE_FOR_LINE)
    ]
    return [p for p in prose if len(LATIN_WORD.findall(p)) >= MIN_LATIN_WORDS_FOR_LINE_MODEL]


def test_the_preloaded_models_give_the_answers_of_models_loaded_line_by_line() -> None:
    """lingua's confidences vary in their last bits from call to call; beyond that, the
    preloaded detector and one that loads each model when a line needs it agree."""
    from lingua import LanguageDetectorBuilder

    from pipeline.language import LINE_CANDIDATES, _line_detector

    lazy = LanguageDetectorBuilder.from_languages(*LINE_CANDIDATES).build()
    lines = _model_lines()
    assert len(lines) > 400
    for line in lines:
        loaded = {c.language: c.value for c in lazy.compute_language_confidence_values(line)}
        preloaded = _line_detector().compute_language_confidence_values(line)
        assert {c.language: c.value for c in preloaded} == pytest.approx(loaded, abs=1e-9)


def test_a_process_that_sees_no_latin_line_loads_no_line_model() -> None:
    """The models (0.6-1.2 s, some 100 MB) load on the first line that needs them."""
    import subprocess
    import sys

    probe = (
        "from pipeline.language import _loaded_line_detector, document_language, segment_lines\n"
        f"segment_lines({CHINESE!r}, document_language({CHINESE!r}))\n"
        "print(_loaded_line_detector.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert done.stdout.strip() == "0", done.stderr


class _SlowBuilder:
    """A stand-in for lingua's builder that counts its loads and fails the first."""

    def __init__(self) -> None:
        self.loads = 0

    def from_languages(self, *languages: object) -> _SlowBuilder:
        return self

    def with_preloaded_language_models(self) -> _SlowBuilder:
        return self

    def build(self) -> object:
        import time

        self.loads += 1
        time.sleep(0.2)
        if self.loads == 1:
            raise OSError("model file unreadable")
        return object()


def test_the_line_models_load_once_for_all_threads_and_a_failed_load_raises_at_the_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from pipeline import language

    builder = _SlowBuilder()
    monkeypatch.setattr(language, "LanguageDetectorBuilder", builder)
    language._loaded_line_detector.cache_clear()
    try:
        with pytest.raises(OSError, match="model file unreadable"):
            language._line_detector()
        with ThreadPoolExecutor(4) as threads:
            detectors = list(threads.map(lambda _: language._line_detector(), range(4)))
        assert builder.loads == 2 and all(d is detectors[0] for d in detectors)
    finally:
        language._loaded_line_detector.cache_clear()


WHITESPACE = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())


def _without_urls_by_tokens(text: str) -> str:
    """The definition: the maximal runs of non-whitespace, URL-like ones left out."""
    from pipeline.language import URL_HINT

    tokens = (match.group() for match in re.finditer(r"\S+", text))
    return " ".join(token for token in tokens if not URL_HINT.search(token))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["https://arxiv.org/abs/1706.03762", "www.x.de", "a/b", "x.pdf", "ok"]),
            st.text(alphabet=WHITESPACE + "ab.:/", max_size=8),
            st.characters(),
        ),
        max_size=30,
    ).map("".join)
)
def test_without_urls_keeps_the_non_url_runs_of_non_whitespace(text: str) -> None:
    from pipeline.language import _without_urls

    assert _without_urls(text) == _without_urls_by_tokens(text)
    assert _without_urls(f"a{WHITESPACE}b") == "a b"
