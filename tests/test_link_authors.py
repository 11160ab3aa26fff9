"""Author references: found in text ("Rae et al. (2021)"), and which words around
"Kalchbrenner and Blunsom, 2013" confirm a paper."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.catalog import Catalog
from pipeline.catalog_store import memory_map
from pipeline.config import DEFAULT_TERMS
from pipeline.language import segment_lines
from pipeline.link import matcher as matcher_module
from pipeline.link.authors import (
    AuthorIndex,
    context_words,
    find_author_references,
    first_author_surnames,
    reference_sentence,
    sentence_ends,
    specific_words,
)
from pipeline.link.matcher import Matcher
from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import ConceptIndex, load_term_tables
from tests.conftest import arxiv_catalog
from tests.linking_fixtures import KEYWORD_ROWS, _keyword_matcher, catalog_matcher
from tests.tables import extract_mentions, resolve_document

# Real catalog rows (arXiv ids and first authors as on arXiv); "neural" and "network" are in
# more than two of the titles and in more than one in fifty: the field's words here.
ROWS = [
    ("1306.3584", "Recurrent Convolutional Neural Networks for Discourse Compositionality",
     "2013", "Nal Kalchbrenner; Phil Blunsom"),
    ("1409.3215", "Sequence to Sequence Learning with Neural Networks", "2014",
     "Ilya Sutskever; Oriol Vinyals; Quoc V. Le"),
    ("1511.05493", "Gated Graph Sequence Neural Networks", "2015", "Yujia Li; et al."),
    ("1512.04455", "Memory-based control with recurrent neural networks", "2015",
     "Nicolas Heess; et al."),
    ("1409.0473", "Neural Machine Translation by Jointly Learning to Align and Translate",
     "2014", "Dzmitry Bahdanau; Kyunghyun Cho; Yoshua Bengio"),
    ("1510.09142", "Learning Continuous Control Policies by Stochastic Value Gradients", "2015",
     "Nicolas Heess; et al."),
    ("1607.06450", "Layer Normalization", "2016", "Jimmy Lei Ba; et al."),
]  # fmt: skip

# Real rows: fourteen papers of 2019 whose first author is a Liu (of hundreds on arXiv).
LIU_2019 = [
    ("1901.10094", "A Homotopy Method for Motion Planning", "2019", "Shenyu Liu; et al."),
    ("1903.00796", "Proof of Mining in Blockchain Systems", "2019", "Chunlei Liu; et al."),
    ("1903.00843", "Multiple Learning for Regression in big data", "2019", "Xiang Liu; et al."),
    ("1903.10826", "A geometry-inspired decision-based attack", "2019", "Yujia Liu; et al."),
    ("1904.06809", "Differential Privacy for Eye-Tracking Data", "2019", "Ao Liu; et al."),
    ("1904.12717", "A New Method for Atlanta World Frame Estimation", "2019",
     "Yinlong Liu; et al."),
    ("1905.01723", "Few-Shot Unsupervised Image-to-Image Translation", "2019",
     "Ming-Yu Liu; et al."),
    ("1905.03752", "Compositional Coding for Collaborative Filtering", "2019",
     "Chenghao Liu; et al."),
    ("1905.06494", "Data Poisoning Attacks on Stochastic Bandits", "2019", "Fang Liu; et al."),
    ("1905.06641", "Client-Edge-Cloud Hierarchical Federated Learning", "2019",
     "Lumin Liu; et al."),
    ("1905.11559", "Road Segmentation with Image-LiDAR Data Fusion", "2019",
     "Huafeng Liu; et al."),
    ("1906.05819", "Robust Regression for Safe Exploration in Control", "2019",
     "Anqi Liu; et al."),
    ("1906.06314", "Eclipse: Generalizing kNN and Skyline", "2019", "Jinfei Liu; et al."),
    ("1906.08591", "Doubly Robust Crowdsourcing", "2019", "Chong Liu; et al."),
]  # fmt: skip

NMT_PARAGRAPH = (
    "神经机器翻译(NMT)是近些年基于纯的神经网络(NN)提出的一种机器翻译框架。"
    "首先参考文献 [Cho et al., 2014 Sutskever et al.,2014;  Kalchbrenner and Blunsom, 2013] 等,"
    "解释最基本的  encoder-decoder 模型。"
)


def _catalog(folder: Path) -> Catalog:
    return arxiv_catalog(folder, ROWS)


@pytest.fixture
def matcher(tmp_path: Path) -> Matcher:
    return Matcher(_catalog(tmp_path / "catalog"), LinkPolicy(), load_term_tables(DEFAULT_TERMS))


@pytest.fixture
def keyword_matcher(tmp_path: Path) -> Matcher:
    return _keyword_matcher(tmp_path, KEYWORD_ROWS)


def test_field_words_do_not_confirm_the_only_paper_of_an_author_and_year(
    matcher: Matcher,
) -> None:
    """The page cites "Recurrent Continuous Translation Models" (not on arXiv); the catalog's
    only Kalchbrenner-and-Blunsom paper of 2013 shares just "neural" and "network" with it."""
    decision = matcher.decide_author("Kalchbrenner|2013|Blunsom", NMT_PARAGRAPH, "zh")
    assert (decision.status, decision.method) == ("unmatched", "author_year_unconfirmed")
    on_topic = matcher.decide_author(
        "Kalchbrenner|2013|Blunsom",
        "Kalchbrenner and Blunsom, 2013 compose sentence meanings into discourse",
        "en",
    )
    assert (on_topic.status, on_topic.paper_id, on_topic.method) == (
        "matched",
        "arxiv:1306.3584",
        "author_year",
    )


def test_a_specific_word_confirms_the_paper_the_context_singles_out(matcher: Matcher) -> None:
    """Bahdanau's paper is singled out by "attention" and "translation", both rare; the
    catalog's only Sutskever paper of 2014 is not confirmed by "neural" and "network"."""
    attention = "Bahdanau et al. 把 attention 机制集成到 encoder-decoder 模型中,得到机器翻译结果。"
    decision = matcher.decide_author("Bahdanau|", attention, "zh")
    assert (decision.status, decision.paper_id) == ("matched", "arxiv:1409.0473")
    field = matcher.decide_author("Sutskever|2014", "Sutskever et al. (2014) neural networks", "en")
    assert (field.status, field.method) == ("unmatched", "author_year_unconfirmed")
    sequences = matcher.decide_author(
        "Sutskever|2014", "Sutskever et al. (2014) map sequences", "en"
    )
    assert (sequences.status, sequences.paper_id) == ("matched", "arxiv:1409.3215")
    layer = matcher.decide_author("Ba|2016", "Ba et al. (2016) normalize each layer", "en")
    assert (layer.status, layer.paper_id) == ("matched", "arxiv:1607.06450")


@pytest.mark.parametrize(("liu_papers", "linked"), [(9, True), (14, False)])
def test_the_more_papers_an_author_has_the_more_words_confirm_one(
    tmp_path: Path, liu_papers: int, linked: bool
) -> None:
    """One specific word of the sentence ("hierarchical") confirms a paper among nine of a Liu
    in 2019, not among fourteen: among more papers, one shares a word by chance. Two do."""
    catalog = arxiv_catalog(tmp_path / "catalog", ROWS + LIU_2019[-liu_papers:])
    matcher = Matcher(catalog, LinkPolicy(), load_term_tables(DEFAULT_TERMS))
    sentence = "Liu et al. (2019) add a hierarchical step."
    context = f"Devices train a federated model with a cloud. {sentence}"
    decision = matcher.decide_author("Liu|2019", context, "en", sentence)
    assert (decision.status == "matched") is linked
    assert decision.paper_id == ("arxiv:1905.06641" if linked else None)
    sentence = "Liu et al. (2019) add a hierarchical step to federated training."
    two_words = matcher.decide_author("Liu|2019", context, "en", sentence)
    assert (two_words.status, two_words.paper_id) == ("matched", "arxiv:1905.06641")


def test_specific_words_are_rare_in_the_catalog_whatever_its_size() -> None:
    """A word in at most two titles is specific in any catalog; in a large one, a word in
    fewer than one title in fifty; numbers never are."""
    small = ConceptIndex(
        [f"p{i}" for i in range(4)],
        ["Neural Networks", "Deep Neural Networks", "Neural Discourse Networks", "Layer 2016"],
    )
    specific = specific_words(small, LinkPolicy())
    assert specific("discours") and specific("layer")
    assert not specific("neural") and not specific("2016")
    titles = [f"Network Study Number {i}" for i in range(200)]
    titles[:3] = ["Neural Translation", "Neural Translation Models", "Translation Memories"]
    titles[3:6] = ["Neural Parsing", "Neural Tagging", "Neural Chunking"]
    large = specific_words(ConceptIndex([f"p{i}" for i in range(200)], titles), LinkPolicy())
    assert large("translat")  # 3 of 200 titles
    assert not large("neural")  # 5 of 200: more than one in fifty
    assert not large("network")


ACKTR_PARAGRAPH = (
    "几种提高 TRPO 计算效率的方法被陆续提出。"
    "Heess 等[8]和 Schulman 等[23]在目标函数中添加 KL 代价作为软约束，"
    "而不是信任域优化器施加的硬约束。"
    "在连续和离散控制任务的样本效率方面，这两篇论文都显示了对普通策略梯度的一些改进。\n"
)


def _author_mentions(matcher: Matcher, text: str) -> pd.DataFrame:
    candidates = extract_mentions("doc.txt", text, segment_lines(text, "zh"), matcher.names)
    mentions = resolve_document(candidates, matcher)
    return mentions[mentions["method"].str.startswith("author")].set_index("surface")


def test_the_words_around_a_reference_are_its_own_sentence(matcher: Matcher) -> None:
    """Heess's sentence is about a KL cost; the next sentence's "continuous control" and
    "policy gradient" describe the papers of the paragraph, not which of Heess's papers it
    cites (the cited one is not in the catalog). In its own sentence they decide."""
    heess = _author_mentions(matcher, ACKTR_PARAGRAPH).loc["Heess 等"]
    assert heess["status"] != "matched"
    own = "Heess 等[8]在连续控制任务上改进了策略梯度。\n"
    heess = _author_mentions(matcher, own).loc["Heess 等"]
    assert (heess["status"], heess["paper_id"]) == ("matched", "arxiv:1510.09142")


@pytest.mark.parametrize(
    ("passage", "reference", "sentence"),
    [
        (NMT_PARAGRAPH, "Kalchbrenner and Blunsom", NMT_PARAGRAPH.split("。")[1] + "。"),
        (ACKTR_PARAGRAPH, "Heess 等", ACKTR_PARAGRAPH.split("。")[1] + "。"),
        (
            "Das zeigten Vaswani et al. (2017). Devlin et al. Trainierten BERT. Danach kam GPT.",
            "Devlin et al.",
            "Devlin et al. Trainierten BERT.",
        ),
    ],
)
def test_a_references_sentence_is_cut_at_full_stops_not_at_et_al_or_semicolons(
    passage: str, reference: str, sentence: str
) -> None:
    start = passage.index(reference)
    assert reference_sentence(passage, start, start + len(reference)) == sentence


# References whose decisions use every part of the index: surname, year, second author.
REFERENCES = [
    ("Kalchbrenner|2013|Blunsom", NMT_PARAGRAPH, "zh"),
    ("Kalchbrenner|2013|Blunsom", "Kalchbrenner and Blunsom, 2013 compose discourse", "en"),
    ("Sutskever|2014", "Sutskever et al. (2014) map sequences", "en"),
    ("Heess|", "Heess et al. learn continuous control policies", "en"),
    ("Heess|2015", "Heess et al. (2015) memory-based control", "en"),
    ("Heess|2015", "Heess et al. (2015) wrote so", "en"),
    ("Ba|2019", "Ba et al. (2019) normalize each layer", "en"),
    ("Nobody|2020", "Nobody et al. (2020)", "en"),
]


def _decisions(matcher: Matcher) -> list:
    return [matcher.decide_author(*reference) for reference in REFERENCES]


def test_a_stored_author_index_decides_as_the_one_built_in_memory(
    matcher: Matcher, tmp_path: Path
) -> None:
    catalog = _catalog(tmp_path / "stored")
    terms = load_term_tables(DEFAULT_TERMS)
    Matcher(catalog, LinkPolicy(), terms, cache_dir=tmp_path / "cache")  # builds and stores
    stored = Matcher(catalog, LinkPolicy(), terms, cache_dir=tmp_path / "cache")
    assert memory_map(stored.authors._arrays["surname_rows"]) is not None
    assert _decisions(stored) == _decisions(matcher)
    assert {d.status for d in _decisions(stored)} == {"matched", "unmatched", "ambiguous"}


def test_a_damaged_author_store_is_rebuilt(matcher: Matcher, tmp_path: Path) -> None:
    catalog = _catalog(tmp_path / "stored")
    terms = load_term_tables(DEFAULT_TERMS)
    Matcher(catalog, LinkPolicy(), terms, cache_dir=tmp_path / "cache")
    (folder,) = (tmp_path / "cache").glob("authors-*")
    (folder / "years.npy").unlink()  # replaced, not rewritten: a mapped file never shrinks
    (folder / "years.npy").write_bytes(b"\x93NUMPY damaged")
    rebuilt = Matcher(catalog, LinkPolicy(), terms, cache_dir=tmp_path / "cache")
    assert _decisions(rebuilt) == _decisions(matcher)


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("Lewkowycz等人[44]的工作", "Lewkowycz|"),
        ("由Huang等人在2019年提出的pipeline并行", "Huang|2019"),
        ("as shown by Rae et al. (2021), scale helps", "Rae|2021"),
        ("kajian oleh Hu dkk. 2017", "Hu|2017"),
        ("von Vaswani u. a.", "Vaswani|"),
        ("nach Carstens und Toni (2015) gilt", "Carstens|2015|Toni"),
        ("Kalchbrenner and Blunsom, 2013 proposed", "Kalchbrenner|2013|Blunsom"),
        ("Modelle (Kakade, 2002) sind", "Kakade|2002"),
        ("Sohl-Dickstein 等人 2015 年提出的", "Sohl-Dickstein|2015"),
        ("wie Lopez-Paz and Ranzato (2017) zeigen", "Lopez-Paz|2017|Ranzato"),
    ],
)
def test_author_references(text: str, evidence: str) -> None:
    found = list(find_author_references(text, 0, len(text)))
    assert [e for _, _, e in found] == [evidence]
    start, end, _ = found[0]
    assert text[start:end].startswith(evidence.split("|")[0])


@pytest.mark.parametrize(
    "text", ["Huang and Vaswani wrote", "(Kakade) wrote", "Kakade, 2002 wrote", "Kakade (2002)"]
)
def test_no_author_reference_without_et_al_or_a_cited_year(text: str) -> None:
    assert list(find_author_references(text, 0, len(text))) == []


def test_first_author_surnames() -> None:
    assert first_author_surnames(["Aitor Lewkowycz; et al.", "Tom B. Brown, Ben Mann", ""]) == [
        "lewkowycz",
        "brown",
        "",
    ]


def test_author_decisions(tmp_path: Path) -> None:
    """A surname alone says which author, not which paper: the catalog's only paper by
    Lewkowycz is not evidence enough without a year or the topic."""
    matcher = catalog_matcher(tmp_path)
    alone = matcher.decide_author("Lewkowycz|", "Lewkowycz等人的工作", "zh")
    assert (alone.status, alone.paper_id) == ("unmatched", None)
    dated = matcher.decide_author("Lewkowycz|2022", "Lewkowycz等人（2022）的工作", "zh")
    assert (dated.status, dated.method) == ("unmatched", "author_year_unconfirmed")
    on_topic = matcher.decide_author(
        "Lewkowycz|2022", "Lewkowycz et al. (2022) solve quantitative problems", "en"
    )
    assert (on_topic.status, on_topic.paper_id, on_topic.method) == (
        "matched",
        "arxiv:2206.14858",
        "author_year",
    )
    wrong_year = matcher.decide_author("Lewkowycz|2015", "Lewkowycz等人（2015）", "zh")
    assert wrong_year.status == "unmatched"
    by_year = matcher.decide_author("Huang|2019", "由Huang等人在2019年提出的pipeline并行", "zh")
    assert by_year.paper_id == "arxiv:1811.06965" and by_year.method == "author_year"
    by_context = matcher.decide_author("Huang|", "由Huang等人提出的pipeline并行", "zh")
    assert by_context.paper_id == "arxiv:1811.06965" and by_context.method == "author_context"
    unclear = matcher.decide_author("Huang|", "Huang等人的工作", "zh")
    assert unclear.status == "ambiguous"
    assert set(unclear.candidates) == {"arxiv:1811.06965", "arxiv:1608.06993"}
    unknown = matcher.decide_author("Nobody|", "Nobody等人", "zh")
    assert unknown.status == "unmatched"


def test_author_context_decides_by_a_clear_ratio(keyword_matcher: Matcher) -> None:
    """Four Huang papers near 2019: "pipeline" and "parallel" together single out GPipe,
    though each word alone is in another title; the year is no topic word (RoboCup 2019)."""
    decision = keyword_matcher.decide_author(
        "Huang|2019", "由Huang等人在2019年提出的pipeline并行", "zh"
    )
    assert (decision.status, decision.paper_id, decision.method) == (
        "matched",
        "arxiv:1811.06965",
        "author_context",
    )
    unclear = keyword_matcher.decide_author("Huang|2019", "由Huang等人在2019年提出的方法", "zh")
    assert unclear.status == "ambiguous"


def test_a_two_author_citation_names_a_paper_by_exactly_those_two() -> None:
    index = AuthorIndex.from_columns(
        ["three", "two"],
        [
            "Nal Kalchbrenner; Edward Grefenstette; Phil Blunsom",
            "Nal Kalchbrenner; Phil Blunsom",
        ],
        [2014, 2013],
    )

    def on_topic(paper_ids: list[str], words: frozenset[str]) -> list[tuple[float, int]]:
        return [(1.0, 1)] * len(paper_ids)

    nothing: frozenset[str] = frozenset()
    decision = index.decide("Kalchbrenner|2013|Blunsom", nothing, on_topic, LinkPolicy(), nothing)
    assert (decision.status, decision.paper_id) == ("matched", "two")
    three = index.decide("Kalchbrenner|2014|Grefenstette", nothing, on_topic, LinkPolicy(), nothing)
    assert three.status == "unmatched"


def test_context_words_leave_numbers_out_and_keep_the_specific_ones_apart() -> None:
    """ "2019" beside "Huang et al." weighs no paper; only words in few titles confirm one."""
    concepts = ConceptIndex(
        [f"p{i}" for i in range(60)],
        ["Pipeline Parallelism for Giant Networks"] + ["Deep Neural Networks"] * 59,
    )
    units = [frozenset({"2019"}), frozenset({"pipelin"}), frozenset({"network"})]
    words, rare = context_words(units, concepts, LinkPolicy())
    assert words == {"pipelin", "network"}
    assert rare == {"pipelin"}


def test_references_in_one_passage_read_it_once(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reference list written on one line holds thousands of references, each with the
    same passage: its words are worked out once, and each reference is decided as alone."""
    english = [(evidence, text) for evidence, text, language in REFERENCES if language == "en"]
    line = " ".join(text for _, text in english)
    alone = []
    for evidence, _ in english:
        matcher.passage_words.cache_clear()
        alone.append(matcher.decide_author(evidence, line, "en"))
    matcher.passage_words.cache_clear()
    calls = []
    translated = matcher_module.translate
    monkeypatch.setattr(
        matcher_module, "translate", lambda *args: calls.append(args[0]) or translated(*args)
    )
    together = [matcher.decide_author(evidence, line, "en") for evidence, _ in english]
    assert together == alone
    assert {d.status for d in together} >= {"matched", "unmatched"}
    assert calls == [line]


def test_an_author_cited_again_is_looked_up_once_and_decided_the_same(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Heess et al. (2015)" three times: the author's papers of those years are found once
    (a common surname has thousands of rows in a large catalog), each decided as the first."""
    first = [matcher.decide_author(*reference) for reference in REFERENCES]
    searched = []
    rows = matcher.authors._rows
    monkeypatch.setattr(matcher.authors, "_rows", lambda s: searched.append(s) or rows(s))
    matcher.authors.papers_of.cache_clear()
    matcher.entries_of.cache_clear()
    assert [matcher.decide_author(*reference) for reference in REFERENCES] == first
    # Eight references, six of them distinct (surname, year, second author).
    assert searched == ["kalchbrenner", "sutskever", "heess", "heess", "ba", "nobody"]


@pytest.mark.parametrize(
    ("line", "ends"),
    [
        ("xCOMET (Guerreiro et al., 2024) zeigt es.", []),
        ("Guerreiro et al. (2024) stellten xCOMET vor. Es hilft.", [43]),
        ("Wir nutzen xCOMET. Guerreiro et al. zeigen", [17]),
        ("我们使用xCOMET。Guerreiro等人", [10]),
    ],
)
def test_sentence_ends(line: str, ends: list[int]) -> None:
    """An end mark counts with the capital after it, not after "et al."."""
    assert sentence_ends(line) == ends
