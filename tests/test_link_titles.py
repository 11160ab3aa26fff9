"""English-title candidate spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.catalog import load_catalog
from pipeline.catalog_store import memory_map
from pipeline.config import DEFAULT_CATALOG
from pipeline.language import Segment, segment_lines
from pipeline.link import titles as titles_module
from pipeline.link.matcher import catalog_title_keys, derive_columns
from pipeline.link.policy import LinkPolicy
from pipeline.link.title_index import compact_title
from pipeline.link.titles import (
    LINKED,
    NAMED_PAPER,
    PAPER_LINK,
    QUOTED,
    TITLE_LIST,
    TitleKeys,
    _compact_word,
    _other_words,
    dated_row,
    outside_title,
    table_cell,
    table_cell_spans,
    title_list_lines,
    title_spans,
    written_in_english,
)
from tests.conftest import RAW

# title_spans


def _titles(line: str, language: str) -> list[tuple[str, int, int, bool]]:
    segment = Segment(0, len(line), language)
    return [
        (line[start:end], start, end, alone)
        for start, end, alone, _ in title_spans(line, segment, LinkPolicy())
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
    spans = list(title_spans(text, segment, LinkPolicy()))
    surfaces = [text[start:end] for start, end, _, _ in spans]
    assert "Training language models to follow instructions with human feedback" in surfaces


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


@pytest.mark.parametrize(
    ("title", "english"),
    [
        ("Unit Segmentation of Argumentative Texts", True),
        ("A Corpus of eRulemaking User Comments for Measuring Evaluability of Arguments", True),
        ("Network morphism", True),
        ("Cours de Linguistique Generale", False),
        ("Die Methode der Argumentation im Text", False),
        ("Pengenalan Objek dengan Jaringan Saraf", False),
        ("Convolutional Variational Auto-Encoder untuk unsupervised anomaly detection", False),
        ("Deep Learning für Bilderkennung in der Medizin", False),
        ("Die Another Day: Detecting Dead Code in Deep Networks", True),
    ],
)
def test_only_an_english_title_makes_a_paper_outside_the_catalog(title: str, english: bool) -> None:
    assert written_in_english(title, LinkPolicy()) is english


KEYS = TitleKeys.of_titles(
    [
        "Attention Is All You Need",
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "Large Language Models",
    ],
    LinkPolicy().embedded_title_min_words,
)


def _embedded(text: str, language: str) -> list[str]:
    segment = Segment(0, len(text), language)
    return [text[s:e] for s, e, _, _ in title_spans(text, segment, LinkPolicy(), KEYS)]


def test_a_catalog_title_inside_a_german_sentence_is_a_candidate() -> None:
    text = (
        "Das Paper Attention Is All You Need von Vaswani zeigte, dass BERT: Pre-training of "
        "deep bidirectional transformers for language understanding besser ist."
    )
    assert _embedded(text, "de") == [
        "Attention Is All You Need",
        "BERT: Pre-training of deep bidirectional transformers for language understanding",
    ]


def test_only_whole_titles_of_several_words_starting_with_a_capital() -> None:
    assert _embedded("Model Large Language Models kini populer.", "ms") == []
    assert _embedded("Makalah tentang attention is all you need itu.", "ms") == []
    assert _embedded("Makalah Attention Is All You Need, kata mereka.", "ms") == [
        "Attention Is All You Need"
    ]


def test_the_text_of_a_link_to_a_paper_is_a_title_that_may_be_outside_the_catalog() -> None:
    line = (
        "* Kertas VQGAN: [Taming Transformers for High-Resolution Image Synthesis]"
        "(https://compvis.github.io/taming-transformers/paper/paper.pdf)"
    )
    ((start, end, alone, evidence),) = title_spans(line, Segment(0, len(line), "ms"), LinkPolicy())
    surface = line[start:end]
    assert (surface, alone, evidence) == (
        "Taming Transformers for High-Resolution Image Synthesis",
        True,
        PAPER_LINK,
    )
    assert outside_title(surface, evidence, alone, LinkPolicy())


@pytest.mark.parametrize(
    ("url", "evidence"),
    [
        ("https://academic.oup.com/bib/advance-article/doi/10.1093/bib/bbac409/6713511", True),
        ("https://onlinelibrary.wiley.com/doi/full/10.1002/aaai.12345", True),
        ("https://example.org/view?doi=10.1145/3292500.3330701", True),
        ("https://www.aclweb.org/anthology/D19-1396", True),
        ("https://www.researchgate.net/publication/351902997_Embedding_based_Retrieval", True),
        ("https://www.nature.com/articles/323533a0", True),
        ("https://www.nature.com/articles/d41586-023-00001-1", False),
        ("https://ojs.aaai.org/index.php/AAAI/article/view/16826", True),
        ("https://example.org/blog/posts/2023/a-title", False),
        ("https://example.org/v10.12/notes", False),
    ],
)
def test_a_link_whose_address_holds_a_doi_leads_to_a_paper(url: str, evidence: bool) -> None:
    line = f"see [BioGPT: generative pre-trained transformer for biomedical text]({url})"
    spans = title_spans(line, Segment(0, len(line), "en"), LinkPolicy())
    found = {line[s:e]: marked for s, e, _, marked in spans}
    title = "BioGPT: generative pre-trained transformer for biomedical text"
    assert found[title] == (PAPER_LINK if evidence else LINKED)


@pytest.mark.parametrize("note", ["(TC量化)", "（中文筆記）", "(中文)"])
def test_a_note_in_brackets_after_a_linked_title_leaves_it_whole_and_alone(note: str) -> None:
    """A note in another script after the title ends the Latin run inside its bracket: the
    open bracket is no part of the title, and the note does not stop it standing alone."""
    title = "A Critique and Improvement of an Evaluation Metric for Text Segmentation"
    line = f"[{title}{note}](https://aclanthology.org/J02-1002.pdf)"
    spans = title_spans(line, Segment(0, len(line), "zh"), LinkPolicy())
    found = [(line[s:e], alone, evidence) for s, e, alone, evidence in spans]
    assert (title, True, PAPER_LINK) in found
    assert outside_title(title, PAPER_LINK, True, LinkPolicy())


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ('Im Vortrag geht es um das Paper ["{title}"][1] und dessen Netz.', "de"),
        ('Paper *"{title}"* memperkenalkan Fusion-in-Decoder.', "id"),
        ('Kekurangan ini diisi lewat makalah berjudul "{title}". Makalah ini bagus.', "id"),
        ("这篇论文《{title}》提出了新的方法。", "zh"),
        ("论文名: {title}", "zh"),
    ],
)
def test_a_title_the_page_calls_a_paper_may_be_outside_the_catalog(
    line: str, language: str
) -> None:
    title = "Progressive Face Aging With Generative Adversarial Network"
    line = line.format(title=title)
    spans = title_spans(line, Segment(0, len(line), language), LinkPolicy())
    found = {line[s:e]: (alone, evidence) for s, e, alone, evidence in spans}
    assert found[title] == (True, NAMED_PAPER)
    assert outside_title(title, NAMED_PAPER, True, LinkPolicy())


@pytest.mark.parametrize(
    "line",
    [
        'Der Blogpost "{title}" erklärt das Verfahren.',
        'Das Wallpaper "{title}" ist schön.',
        'Das Paper zeigt, dass "{title}" funktioniert.',
    ],
)
def test_quotes_without_a_word_for_a_paper_right_before_them_name_no_paper(line: str) -> None:
    title = "Progressive Face Aging With Generative Adversarial Network"
    line = line.format(title=title)
    spans = title_spans(line, Segment(0, len(line), "de"), LinkPolicy())
    assert {line[s:e]: evidence for s, e, _, evidence in spans}[title] == QUOTED


@pytest.mark.parametrize(
    ("line", "evidence"),
    [
        ("### Title: {title}", None),
        ("- Paper: {title}", NAMED_PAPER),
        ("Judul：{title}", None),
    ],
)
def test_a_fields_label_is_no_part_of_the_title_after_it(line: str, evidence: str | None) -> None:
    title = "A Survey on Vision Transformer"
    line = line.format(title=title)
    spans = title_spans(line, Segment(0, len(line), "zh"), LinkPolicy())
    assert {line[s:e]: marked for s, e, _, marked in spans} == {title: evidence}


@pytest.mark.parametrize(
    "note", ["(Paper)", " (AlphaGo Zero)", " (de Marneffe et al., 2012)", "（ EMNLP2019）"]
)
def test_a_note_in_brackets_ending_a_linked_title_is_no_part_of_it(note: str) -> None:
    title = "A Neural Probabilistic Language Model"
    line = f"5. Bengio (RNN): [{title}{note}](https://www.jmlr.org/papers/v3/bengio03a.pdf)"
    spans = title_spans(line, Segment(0, len(line), "zh"), LinkPolicy())
    found = [(line[s:e], alone, evidence) for s, e, alone, evidence in spans]
    assert (title, True, PAPER_LINK) in found


@pytest.mark.parametrize("note", ["(ResNet)", "(IJCAI2019)"])
def test_a_note_that_may_be_an_abbreviation_stays_and_keeps_a_phrase_from_being_a_title(
    note: str,
) -> None:
    """ "Residual Neural Network (ResNet)" defines a term: not a paper outside the catalog."""
    phrase = f"Residual Neural Network {note}"
    line = f"[{phrase}](https://example.org/paper.pdf)"
    spans = title_spans(line, Segment(0, len(line), "zh"), LinkPolicy())
    found = {line[s:e]: alone for s, e, alone, _ in spans}
    assert found[phrase] is False
    assert not any(found.values())


def test_a_longer_text_after_a_linked_title_still_keeps_it_from_standing_alone() -> None:
    title = "A Critique and Improvement of an Evaluation Metric for Text Segmentation"
    line = f"[{title}(这是一篇很长的中文说明文字，写了超过三十个字符的笔记和评论内容啊啊啊)](https://aclanthology.org/J02-1002.pdf)"
    spans = title_spans(line, Segment(0, len(line), "zh"), LinkPolicy())
    assert [alone for s, e, alone, _ in spans if line[s:e] == title] == [False]


@pytest.mark.parametrize(
    "line",
    [
        "- Residual Neural Network (ResNet)(2015) |",
        "- 2021 Latent diffusion model (LDM)",
        "  - In March 2025, DALL-E-3 was replaced in ChatGPT by the native image generation.",
        "## [2018 CVPR] MCD, Maximum classifier discrepancy",
        "## [2022] Visual Prompt Tuning, VPT",
        "## [2019] T5, Text-to-Text Transfer Transformer",
        "- 2021 CLIP (Contrastive Language-Image Pre-Training)",
    ],
)
def test_a_timeline_item_is_no_paper_outside_the_catalog(line: str) -> None:
    """A list item with a year reads like a reference, but a term with its abbreviation is a
    name being defined (so is a name beside what it stands for), and a sentence holding the
    year is no title."""
    spans = title_spans(line, Segment(0, len(line), "zh"), LinkPolicy())
    assert not any(outside_title(line[s:e], ev, alone, LinkPolicy()) for s, e, alone, ev in spans)


def test_a_semicolon_ends_a_title() -> None:
    line = "  - Syntax-aware Generative Adversarial Text-to-Speech; IJCAI 2022;"
    spans = title_spans(line, Segment(0, len(line), "zh"), LinkPolicy())
    found = [(line[s:e], ev) for s, e, alone, ev in spans if alone]
    assert found == [("Syntax-aware Generative Adversarial Text-to-Speech", "reference")]


def test_the_text_of_a_link_to_another_page_is_no_paper_outside_the_catalog() -> None:
    line = "Lihat [Learn more about Azure Machine Learning](https://learn.microsoft.com/azure)"
    ((start, end, alone, evidence),) = title_spans(line, Segment(0, len(line), "ms"), LinkPolicy())
    assert evidence == "linked"
    assert not outside_title(line[start:end], evidence, alone, LinkPolicy())


def test_title_keys_hold_only_titles_of_enough_words() -> None:
    assert compact_title("Attention Is All You Need") in KEYS
    assert compact_title("Large Language Models") not in KEYS  # three words
    assert compact_title("Attention Is All You") not in KEYS
    assert None not in KEYS
    assert KEYS.longest == len(
        compact_title(
            "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
        )
    )
    assert not TitleKeys.of_titles(["Large Language Models"], 4)


def test_a_place_where_no_title_key_begins_is_ruled_out_early() -> None:
    """``may_begin`` holds for the first characters of every key, so skipping a place
    where it fails never loses a title."""
    catalog = load_catalog(DEFAULT_CATALOG)
    keys = TitleKeys.of_titles(catalog.papers["title"], 1)
    long_keys = [k for k in map(compact_title, catalog.papers["title"]) if len(k) >= 8]
    assert len(long_keys) > 500
    assert all(keys.may_begin(k) for k in long_keys)
    assert not keys.may_begin(compact_title("Die Ergebnisse zeigen"))


@pytest.mark.parametrize(
    "word", ["Attention", "GPT4", "Pre-training", "don't", "Modell’s", "Straße", "Ĳssel", "ŉ"]
)
def test_a_word_is_compacted_as_a_title_is(word: str) -> None:
    assert _compact_word(word) == compact_title(word)


def test_stored_title_keys_open_mapped_and_hold_the_same_titles(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    stored = derive_columns(catalog.papers)
    policy = LinkPolicy()
    opened = catalog_title_keys(catalog, stored, tmp_path, policy)
    assert memory_map(opened._hashes) is not None
    built = TitleKeys.of_titles(catalog.papers["title"], policy.embedded_title_min_words)
    keys = [compact_title(t) for t in catalog.papers["title"]]
    assert [k in opened for k in keys] == [k in built for k in keys]
    assert sum(k in opened for k in keys) > 500
    assert opened.longest == built.longest


def test_table_cell_spans_and_dated_rows() -> None:
    row = "| 1 | Visual Prompt Tuning | Jia dkk. | (2022) |"
    spans = table_cell_spans(row, 10)
    assert [row[s - 10 : e - 10].strip() for s, e in spans] == [
        "1",
        "Visual Prompt Tuning",
        "Jia dkk.",
        "(2022)",
    ]
    assert table_cell_spans("Visual Prompt Tuning (2022)", 0) == []
    assert dated_row(row)
    assert not dated_row("| 1 | Visual Prompt Tuning 2022 | Jia dkk. |")
    assert not dated_row("Visual Prompt Tuning | 2022")
    assert not dated_row(None)


def test_an_english_cell_of_a_table_row_in_another_language_is_a_title_candidate() -> None:
    text = "| 1 | Visual Prompt Tuning for Vision Transformers | Jia dkk. | tahun ini |\n"
    segment = Segment(0, len(text) - 1, "id")
    found = {text[s:e]: alone for s, e, alone, _ in title_spans(text, segment, LinkPolicy())}
    assert found == {"Visual Prompt Tuning for Vision Transformers": True}


def test_table_cell_finds_the_column_a_title_fills() -> None:
    row = "| 13 | **A ConvNet for the 2020s** | CNN |"
    assert table_cell("A ConvNet for the 2020s", row) == (3, 1)
    assert table_cell("ConvNet", row) is None  # part of a cell
    assert table_cell("A ConvNet for the 2020s", "A ConvNet for the 2020s") is None
    assert table_cell("A ConvNet for the 2020s", None) is None


@pytest.mark.parametrize(
    ("written", "catalog_title"),
    [
        ("Language Models are Few-Shot Learners", "Language Models are Few-Shot Graders"),
        (
            "ImageNet Classification with Deep Convolutional Neural Networks",
            "XNOR-Net: ImageNet Classification Using Binary Convolutional Neural Networks",
        ),
        (
            "Language Models are Few-Shot Learners",
            "Large Language Models are Few-Shot Health Learners",
        ),
        (
            "Scaling laws for neural language models",
            "Relative-Based Scaling Law for Neural Language Models",
        ),
    ],
)
def test_a_title_with_words_of_its_own_is_another_work(written: str, catalog_title: str) -> None:
    assert _other_words(written, catalog_title, LinkPolicy())


@pytest.mark.parametrize(
    ("written", "catalog_title"),
    [
        ("Attention Is All You Nead", "Attention Is All You Need"),
        ("AttentionIsAllYouNeed", "Attention Is All You Need"),
        ("Generative Adversarial Networks", "Generative Adversarial Nets"),
        (
            "Albert: Alite bert for self-supervised learning of language representations",
            "ALBERT: A Lite BERT for Self-supervised Learning of Language Representations",
        ),
        (
            "ImageNet Classification with Deep CNNs (AlexNet)",
            "ImageNet Classification with Deep Convolutional Neural Networks",
        ),
        (
            "An Image is Worth 16×16 Words (ViT)",
            "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
        ),
        (
            "Low-Rank Adaptation of Large Language Models",
            "LoRA: Low-Rank Adaptation of Large Language Models",
        ),
    ],
)
def test_a_title_typed_shortened_or_abbreviated_is_the_same_work(
    written: str, catalog_title: str
) -> None:
    assert not _other_words(written, catalog_title, LinkPolicy())


# title_list_lines

LISTED_TITLES = [
    "1、ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices",
    "### MobileNetV2: Inverted Residuals and Linear Bottlenecks",
    "- **EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks**",
]


def test_a_chinese_page_marks_its_lines_of_english_titles() -> None:
    """Marked as lines of a list, standing alone, but not yet papers outside the catalog:
    that takes a list the catalog confirms (``resolve``)."""
    lines = ["# 轻量网络论文笔记", *LISTED_TITLES, "本文提出了通道混洗操作。"]
    assert title_list_lines(lines, "zh", LinkPolicy()) == [False, True, True, True, False]
    line = LISTED_TITLES[0]
    spans = title_spans(line, Segment(0, len(line), "en"), LinkPolicy(), listed=True)
    title = line.removeprefix("1、")
    assert (title, True, TITLE_LIST) in [(line[s:e], alone, ev) for s, e, alone, ev in spans]
    assert not outside_title(title, TITLE_LIST, True, LinkPolicy())


def test_lines_of_titles_are_found_without_reading_other_languages_word_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whether a title is English is asked of nine languages' word lists (some 200 MB when
    wordfreq reads them itself): only of a title reported outside the catalog, not of every
    line of a CJK page."""

    def refuse(*_: object) -> bool:
        raise AssertionError("written_in_english asked of a line")

    monkeypatch.setattr(titles_module, "written_in_english", refuse)
    assert title_list_lines(["# 论文笔记", *LISTED_TITLES], "zh", LinkPolicy())[1:] == [True] * 3


def test_a_latin_page_has_no_lines_of_english_titles() -> None:
    """A German page's English headings are often its own."""
    assert not any(title_list_lines(LISTED_TITLES, "de", LinkPolicy()))


@pytest.mark.parametrize(
    "line",
    [
        "Authors: Nikita Kitaev, Lukasz Kaiser, Anselm Levskaya",  # another field's label
        '- Source code of thesis "Squeeze-and-Excitation Networks Explained Again"',  # quoted
        "* Deep Adaptive Input Normalization (DAIN) Layer For Time Series",  # brackets
        "* Multi-modal encoder with spatial-aware self-attention mechanism",  # not title case
        "Attention(Q, K, V) = Softmax(QK^T / Sqrt(D)) V Everywhere",  # a formula
        "### Squeeze-and-Excitation Networks",  # too short to be sure
        "1、轻量网络 ShuffleNet: An Extremely Efficient Network For Phones",  # CJK in it
    ],
)
def test_a_line_that_is_no_bare_title_is_not_part_of_a_list(line: str) -> None:
    assert title_list_lines([*LISTED_TITLES, line], "zh", LinkPolicy())[-1] is False
