"""Candidate mentions: arXiv ids, English title spans, alias names, exact offsets."""

from __future__ import annotations

import pytest

from pipeline.catalog import load_catalog, split_aliases
from pipeline.extract import (
    alias_key,
    build_alias_pattern,
    extract_mentions,
    find_arxiv_ids,
    name_spans,
    title_spans,
)
from pipeline.language import Segment, document_language, segment_lines
from schemas.models import KINDS
from tests.conftest import CATALOG, PROJECT_ROOT

RAW = PROJECT_ROOT / "raw"

# find_arxiv_ids


@pytest.mark.parametrize(
    ("written", "arxiv_id"),
    [
        ("https://arxiv.org/abs/1706.03762", "1706.03762"),
        ("arxiv.org/pdf/2304.01373.pdf", "2304.01373"),
        ("https://arxiv/pdf/2108.04106.pdf", "2108.04106"),
        ("arXiv:2205.01068", "2205.01068"),
        ("arXiv preprint arXiv:2205.11916", "2205.11916"),
        ("https://arxiv.org/abs/2304.01373v2", "2304.01373"),
        ("arXiv:cs/0501001", "cs/0501001"),
        ("https://arxiv.org/abs/math.GT/0309136", "math.GT/0309136"),
        ("arXiv：2303.08774", "2303.08774"),
    ],
)
def test_find_arxiv_ids_written_forms(written: str, arxiv_id: str) -> None:
    text = f"见论文 {written} 以及其他"
    found = list(find_arxiv_ids(text))
    assert len(found) == 1
    start, end, normalised = found[0]
    assert normalised == arxiv_id
    assert text[start:end] == written


def test_find_arxiv_ids_offset_is_added() -> None:
    line = "Opt: ... arXiv preprint arXiv:2205.01068, 2022"
    (start, end, arxiv_id), *_ = find_arxiv_ids(line, offset=100)
    assert arxiv_id == "2205.01068"
    assert (start, end) == (100 + line.index("arXiv preprint"), 100 + line.index(","))


def test_find_arxiv_ids_several_in_one_line() -> None:
    text = "A https://arxiv.org/abs/1706.03762 B arXiv:2205.01068 C"
    found = list(find_arxiv_ids(text))
    assert [f[2] for f in found] == ["1706.03762", "2205.01068"]
    assert [text[s:e] for s, e, _ in found] == [
        "https://arxiv.org/abs/1706.03762",
        "arXiv:2205.01068",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "version 2205.01068 of the spec",
        "Preis 2023.12345 Euro",
        "see https://example.org/abs/1706.03762",
    ],
)
def test_find_arxiv_ids_needs_arxiv_context(text: str) -> None:
    assert list(find_arxiv_ids(text)) == []


# title_spans


def _titles(line: str, language: str) -> list[tuple[str, int, int, bool]]:
    segment = Segment(0, len(line), language)
    return [
        (line[c.start : c.end], c.start, c.end, c.standalone) for c in title_spans(line, segment, 0)
    ]


@pytest.mark.parametrize(
    ("line", "title", "standalone"),
    [
        (
            "GPT3原始论文 - Training language models to follow instructions with human feedback",
            "Training language models to follow instructions with human feedback",
            True,
        ),
        (
            "Opt: Open pre-trained transformer language models. "
            "arXiv preprint arXiv:2205.01068, 2022",
            "Opt: Open pre-trained transformer language models",
            False,
        ),
        (
            "SwiGLU的原始论文 - 《The Natural Language Decathlon:Multitask Learning as Question "
            "Answering》",
            "The Natural Language Decathlon:Multitask Learning as Question Answering",
            True,
        ),
    ],
)
def test_title_spans_on_seed_lines(line: str, title: str, standalone: bool) -> None:
    assert line in (RAW / "004_fca185adc7557be1.txt").read_text(encoding="utf-8")
    spans = _titles(line, "zh")
    start = line.index(title)
    assert (title, start, start + len(title), standalone) in spans
    for surface, _, _, _ in spans:
        assert "arXiv" not in surface
        assert "2022" not in surface


def test_title_span_offsets_inside_a_longer_text() -> None:
    text = (
        "前言\nGPT3原始论文 - Training language models to follow instructions with human feedback\n"
    )
    segment = segment_lines(text, "zh")[1]
    spans = list(title_spans(text, segment, 1))
    surfaces = [text[c.start : c.end] for c in spans]
    assert "Training language models to follow instructions with human feedback" in surfaces
    assert all(c.line == 1 and c.kind == "english_title" for c in spans)


def test_german_line_yields_no_title() -> None:
    line = (
        "Daher können vortrainierte Modelle durch einfaches Hinzufügen einer Ausgabeebene "
        "feinabgestimmt werden."
    )
    assert _titles(line, "de") == []


@pytest.mark.parametrize(
    "line",
    [
        'Im Artikel "Attention Is All You Need" beschreiben die Autoren den Transformer.',
        "Im Artikel „Attention Is All You Need“ beschreiben die Autoren den Transformer.",
    ],
)
def test_german_line_yields_quoted_english_title(line: str) -> None:
    assert _titles(line, "de") == [
        ("Attention Is All You Need", 12, 37, True),
    ]


def test_german_quoted_german_phrase_yields_nothing() -> None:
    line = "Die Autoren nennen es „Training großer Sprachmodelle mit optimaler Rechenleistung“."
    assert _titles(line, "de") == []


# build_alias_pattern / name_spans


def _names(text: str, aliases: list[str], language: str = "zh") -> list[tuple[str, str | None]]:
    pattern = build_alias_pattern(aliases)
    segment = Segment(0, len(text), language)
    found = list(name_spans(text, segment, 0, pattern))
    for c in found:
        assert c.kind == "name"
    return [(text[c.start : c.end], c.evidence) for c in found]


def test_alias_next_to_han_characters() -> None:
    assert _names("LoRA论文 - Prefix-Tuning论文", ["LoRA"]) == [("LoRA", "LoRA")]


def test_alias_version_is_not_the_alias() -> None:
    assert _names("我们用GPT-3.5做实验", ["GPT-3"]) == []
    assert _names("我们用GPT-3做实验", ["GPT-3"]) == [("GPT-3", "GPT3")]


@pytest.mark.parametrize("written", ["GPT3", "GPT 3", "GPT-3", "GPT_3"])
def test_alias_separator_variants(written: str) -> None:
    assert _names(f"原始论文 {written} 模型", ["GPT-3"]) == [(written, "GPT3")]


def test_alias_not_inside_lit_prefix() -> None:
    assert _names("Lit-LLaMA is a fork of nanoGPT", ["LLaMA"], "en") == []
    assert _names("LLaMA is open", ["LLaMA"], "en") == [("LLaMA", "LLaMA")]


def test_alias_not_inside_longer_word() -> None:
    assert _names("RoBERTa and BERTology", ["BERT"], "en") == []


def test_alias_followed_by_a_different_name() -> None:
    assert _names("Transformer-XL handles long context", ["Transformer"], "en") == []
    assert _names("LoRA-drop prunes adapters", ["LoRA"], "en") == []


@pytest.mark.parametrize("written", ["LoRA-based tuning", "LoRA-style adapters", "LoRA-nya"])
def test_alias_used_with_a_suffix(written: str) -> None:
    assert _names(written, ["LoRA"], "en") == [("LoRA", "LoRA")]


def test_alias_with_german_compound_suffix() -> None:
    text = (
        "Daher können vortrainierte BERT-Modelle durch einfaches Hinzufügen feinabgestimmt werden."
    )
    assert _names(text, ["BERT"], "de") == [("BERT", "BERT")]


def test_alias_with_model_size_suffix() -> None:
    assert _names("Chinchilla-70B übertrifft Gopher", ["Chinchilla"], "de") == [
        ("Chinchilla", "Chinchilla")
    ]


@pytest.mark.parametrize("written", ["Self-consistency", "self consistency", "SELF-CONSISTENCY"])
def test_phrase_alias_any_case(written: str) -> None:
    assert _names(f"the {written} method", ["Self-Consistency"], "en") == [
        (written, "selfconsistency")
    ]


def test_short_alias_case_sensitive() -> None:
    assert _names("we use adam here and Adam there", ["Adam"], "en") == [("Adam", "Adam")]
    assert _names("we use adam here", ["Adam"], "en") == []


def test_alias_key() -> None:
    assert alias_key("GPT-3") == alias_key("GPT 3") == "GPT3"
    assert alias_key("Self-Consistency") == alias_key("self consistency") == "selfconsistency"
    assert alias_key("Adam") != alias_key("adam")


def test_longest_alias_wins() -> None:
    assert _names("GPT-3 and GPT-3 Turbo", ["GPT-3", "GPT-3 Turbo"], "en") == [
        ("GPT-3", "GPT3"),
        ("GPT-3 Turbo", "gpt3turbo"),
    ]


def test_no_aliases_no_pattern() -> None:
    assert build_alias_pattern([]) is None
    text = "GPT-3"
    assert list(name_spans(text, Segment(0, len(text), "en"), 0, None)) == []


# extract_mentions on whole seed files


def _catalog_aliases() -> list[str]:
    papers = load_catalog(CATALOG).papers
    return sorted({a for aliases in papers["aliases"] for a in split_aliases(aliases)})


@pytest.fixture(scope="module")
def alias_pattern():
    return build_alias_pattern(_catalog_aliases())


@pytest.mark.parametrize(
    "name",
    ["000_cbc9c61091d15a47.txt", "001_c9cdbce49000d21f.txt", "004_fca185adc7557be1.txt"],
)
def test_extract_mentions_offsets_on_seed_file(name: str, alias_pattern) -> None:
    text = (RAW / name).read_text(encoding="utf-8")
    segments = segment_lines(text, document_language(text))
    mentions = extract_mentions(name, text, segments, alias_pattern)
    assert len(mentions) > 10
    assert set(mentions["kind"]) <= set(KINDS)
    for row in mentions.itertuples():
        assert text[row.start : row.end] == row.surface
        segment = segments[row.line]
        assert segment.start <= row.start < row.end <= segment.end
    assert mentions[["start", "end"]].equals(
        mentions[["start", "end"]].sort_values(["start", "end"], kind="stable")
    )


def test_extract_mentions_finds_arxiv_and_titles_in_chinese_seed(alias_pattern) -> None:
    text = (RAW / "004_fca185adc7557be1.txt").read_text(encoding="utf-8")
    segments = segment_lines(text, "zh")
    mentions = extract_mentions("004.txt", text, segments, alias_pattern)
    arxiv = mentions[mentions["kind"] == "arxiv_id"]
    assert {"2108.04106", "2205.01068", "2302.09419"} <= set(arxiv["evidence"])
    titles = set(mentions.loc[mentions["kind"] == "english_title", "surface"])
    assert "Training language models to follow instructions with human feedback" in titles
    assert "Proximal Policy Optimization Algorithms" in titles


def test_arxiv_id_at_the_end_of_a_sentence() -> None:
    text = "siehe arXiv:2106.09685. Danach arXiv:2106.096851 nicht."
    assert [i for _, _, i in find_arxiv_ids(text)] == ["2106.09685"]
