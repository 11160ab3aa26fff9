from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.catalog import load_catalog
from pipeline.catalog_store import memory_map, read_arrays
from pipeline.config import DEFAULT_CATALOG, DEFAULT_TERMS
from pipeline.link import terms
from pipeline.link.authors import AuthorIndex, find_author_references, first_author_surnames
from pipeline.link.matcher import (
    Matcher,
    catalog_concepts,
    catalog_profiles,
    concept_columns,
    curated_aliases,
    derive_columns,
)
from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import (
    DENSE_COUNT_ENTRIES,
    ConceptIndex,
    _entry_counts,
    english_stems,
    keyword_stems,
    load_term_tables,
    translate,
)

HEADER = "paper_id,arxiv_id,title,year,authors,aliases\n"
CATALOG_ROWS = [
    "arxiv:2303.15772,2303.15772,Ecosystem Graphs: The Social Footprint of Foundation Models,"
    "2023,Rishi Bommasani; et al.,",
    "arxiv:2303.01469,2303.01469,Consistency Models,2023,Yang Song; et al.,",
    "arxiv:2304.09848,2304.09848,Evaluating Verifiability in Generative Search Engines,2023,"
    "Nelson F. Liu; et al.,",
    "arxiv:2206.14858,2206.14858,Solving Quantitative Reasoning Problems with Language Models,"
    "2022,Aitor Lewkowycz; et al.,Minerva",
    "arxiv:1811.06965,1811.06965,GPipe: Efficient Training of Giant Neural Networks using "
    "Pipeline Parallelism,2018,Yanping Huang; et al.,GPipe",
    "arxiv:1608.06993,1608.06993,Densely Connected Convolutional Networks,2016,Gao Huang; et al.,"
    "DenseNet",
    "arxiv:1709.01507,1709.01507,Squeeze-and-Excitation Networks,2017,Jie Hu; et al.,SENet",
    "arxiv:2005.14165,2005.14165,Language Models are Few-Shot Learners,2020,Tom B. Brown; et al.,"
    "GPT-3",
]
TERMS = {
    "ms.csv": "term,english\ngraf,graph\nekosistem,ecosystem\njejak,footprint\nsosial,social\n"
    "model,model\nasas,foundation\nkonsistensi,consistency\n",
    "zh.csv": "term,english\n生成式,generative\n搜索引擎,search engines\n评估,evaluation\n"
    "人工评估,human evaluation\n语言模型,language models\n并行,parallelism\n",
    "de.csv": "term,english\nsprachmodell,language model\nlerner,learners\n",
}


@pytest.fixture
def matcher(tmp_path: Path) -> Matcher:
    catalog_dir = tmp_path / "catalog"
    catalog_dir.mkdir()
    (catalog_dir / "papers.csv").write_text(HEADER + "\n".join(CATALOG_ROWS) + "\n", "utf-8")
    terms_dir = tmp_path / "terms"
    terms_dir.mkdir()
    for name, text in TERMS.items():
        (terms_dir / name).write_text(text, "utf-8")
    return Matcher(load_catalog(catalog_dir), LinkPolicy(), load_term_tables(terms_dir))


def test_english_stems_drop_stopwords_and_single_letters() -> None:
    assert english_stems("Let's Evaluate the Engines of Pre-Training") == [
        "evalu",
        "engin",
        "pre",
        "train",
    ]


def test_translate_latin_uses_the_table_and_keeps_unknown_names(matcher: Matcher) -> None:
    units = translate("Graf Ekosistem: Jejak Sosial Model Asas", "ms", matcher.term_tables)
    stems = {s for u in units for s in u}
    assert {"graph", "ecosystem", "footprint", "social", "model", "foundat"} <= stems
    names = translate("Sprachmodelle wie PaLM", "de", matcher.term_tables)
    assert frozenset(["palm"]) in names and frozenset(["languag"]) in names


def test_translate_cjk_takes_the_longest_known_term(matcher: Matcher) -> None:
    units = translate("对生成式搜索引擎进行了人工评估", "zh", matcher.term_tables)
    stems = [s for u in units for s in u]
    assert stems == ["generat", "search", "engin", "human", "evalu"]


def test_rare_words_weigh_more() -> None:
    index = ConceptIndex(
        ["a", "b", "c"],
        ["Language Models", "Language Models of Code", "Verifiability of Language Models"],
    )
    assert index.weight("verifi") > index.weight("model")
    assert index.rank([frozenset(["verifi"]), frozenset(["model"])])[0].paper_id == "c"


def test_rank_reads_beyond_the_rarest_words() -> None:
    """A long passage holds many rare words of other titles; the paper it covers best must
    still be a candidate although none of its own words is among the query's rarest."""
    titles = [
        "Adam Instability Divergence Revisited: Theory",
        "Adam Instability Divergence Revisited",
    ]
    titles += [f"Study of {word}" for word in ("zebra", "yak", "xerus", "wombat", "vole")]
    index = ConceptIndex([f"p{i}" for i in range(len(titles))], titles)
    words = ["zebra", "yak", "xerus", "wombat", "vole", "adam", "instabl", "diverg", "revisit"]
    ranked = index.rank([frozenset([w]) for w in words], by_recall=True)
    assert ranked[0].paper_id == "p1"


def test_translated_title_links_through_the_term_table(matcher: Matcher) -> None:
    decision = matcher.decide_translated("Graf Ekosistem: Jejak Sosial Model Asas", "ms")
    assert decision is not None and decision.status == "matched"
    assert decision.paper_id == "arxiv:2303.15772"
    two_words = matcher.decide_translated("Model Konsistensi", "ms")
    assert two_words is not None and two_words.paper_id == "arxiv:2303.01469"
    assert matcher.decide_translated("Jejak Sosial", "ms") is None


def test_description_needs_most_of_a_title(matcher: Matcher) -> None:
    text = "研究人员对四种流行的生成式搜索引擎进行了人工评估"
    decision = matcher.decide_description(text, "zh")
    assert decision is not None and decision.paper_id == "arxiv:2304.09848"
    assert matcher.decide_description("研究人员对语言模型进行了人工评估", "zh") is None


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


def test_author_decisions(matcher: Matcher) -> None:
    """A surname alone says which author, not which paper: the catalog's only paper by
    Lewkowycz is not evidence enough without a year or the topic."""
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


KEYWORD_HEADER = "paper_id,arxiv_id,title,year,authors,aliases,keywords\n"
KEYWORD_ROWS = [
    "arxiv:2304.15004,2304.15004,Are Emergent Abilities of Large Language Models a Mirage?,2023,"
    "Rylan Schaeffer,,InstructGPT; GPT-3; BIG-Bench; emergent abilities; metric choice; "
    "nonlinear metrics; smooth predictable scaling; vision tasks",
    "arxiv:2206.07682,2206.07682,Emergent Abilities of Large Language Models,2022,Jason Wei,,"
    "emergent abilities; model scale; unpredictable phenomenon; smaller models",
    "arxiv:2304.09848,2304.09848,Evaluating Verifiability in Generative Search Engines,2023,"
    "Nelson F. Liu,,Bing Chat; NeevaAI; perplexity.ai; YouChat; citation recall; "
    "citation precision; human evaluation audit",
    "arxiv:1609.03126,1609.03126,Energy-based Generative Adversarial Network,2016,Junbo Zhao,"
    "EBGAN,EBGAN; energy function discriminator; auto-encoder discriminator; "
    "reconstruction error",
    "arxiv:1811.06965,1811.06965,GPipe: Efficient Training of Giant Neural Networks using "
    "Pipeline Parallelism,2018,Yanping Huang,GPipe,GPipe; model parallelism; batch-splitting",
    "arxiv:1811.09620,1811.09620,TimbreTron: A WaveNet Pipeline for Musical Timbre Transfer,2018,"
    "Sicong Huang,,",
    "arxiv:1904.00001,1904.00001,Parallel Corpora for Speech,2019,Wei Huang,,",
    "arxiv:1905.09157,1905.09157,Team Description Paper for RoboCup 2019,2019,Ning Huang,,",
]
KEYWORD_TERMS = (
    "term,english\n涌现能力,emergent abilities\n大型语言模型,large language models\n"
    "指标,metrics\n非线性,nonlinear\n平滑,smooth\n可预测,predictable\n模型,model\n"
    "能量,energy\n生成,generative\n对抗,adversarial\n网络,network\n电网,power grid\n"
    "负荷,load\n架構,architecture\n局限,limitations\n预测,forecasting\n并行,parallelism\n"
    "生成式,generative\n搜索引擎,search engines\n"
)


def _keyword_matcher(folder: Path, rows: list[str]) -> Matcher:
    catalog_dir = folder / "catalog"
    catalog_dir.mkdir()
    (catalog_dir / "papers.csv").write_text(KEYWORD_HEADER + "\n".join(rows) + "\n", "utf-8")
    terms_dir = folder / "terms"
    terms_dir.mkdir()
    (terms_dir / "zh.csv").write_text(KEYWORD_TERMS, "utf-8")
    return Matcher(load_catalog(catalog_dir), LinkPolicy(), load_term_tables(terms_dir))


# A description of "Are Emergent Abilities of Large Language Models a Mirage?" that holds all
# the words of "Emergent Abilities of Large Language Models".
MIRAGE_DESCRIPTION = (
    "大型语言模型的涌现能力可能是指标选择的结果:非线性指标让能力看起来突然出现,"
    "换成平滑指标后性能可预测。作者在InstructGPT、GPT-3和BIG-Bench上验证了这一点"
)


@pytest.fixture
def keyword_matcher(tmp_path: Path) -> Matcher:
    return _keyword_matcher(tmp_path, KEYWORD_ROWS)


def test_keyword_stems_also_hold_names_written_solid() -> None:
    stems = keyword_stems(["Bing Chat", "citation recall", "perplexity.ai", "GPT-3"])
    assert {"bing", "chat", "bingchat", "citat", "recal", "perplex", "ai", "gpt"} <= stems
    assert "citationrecal" not in stems and "citationrecall" not in stems


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


def test_two_translated_words_link_only_to_a_whole_title(tmp_path: Path) -> None:
    row = "arxiv:2402.08164,2402.08164,On Limitations of the Transformer Architecture,2024,B P,,"
    matcher = _keyword_matcher(tmp_path, [*KEYWORD_ROWS, row])
    heading = matcher.decide_translated("Transformer 架構", "zh")
    assert heading is None or heading.status != "matched"
    title = matcher.decide_translated("Transformer 架構的局限", "zh")
    assert title is not None
    assert (title.status, title.paper_id) == ("matched", "arxiv:2402.08164")


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


def test_traditional_chinese_is_read_as_simplified() -> None:
    tables = load_term_tables(DEFAULT_TERMS)
    traditional = translate("擴散模型", "zh", tables)
    assert traditional == translate("扩散模型", "zh", tables)
    assert traditional


def test_stored_term_tables_are_those_of_the_files_and_follow_their_changes(
    tmp_path: Path,
) -> None:
    """Read from the structures store they are the parsed tables; a changed file is parsed
    again (its own key), and a damaged stored file is rebuilt."""
    store = tmp_path / "store"
    assert load_term_tables(DEFAULT_TERMS, store) == load_term_tables(DEFAULT_TERMS)
    [stored] = store.glob("terms-*.arrow")
    assert load_term_tables(DEFAULT_TERMS, store) == load_term_tables(DEFAULT_TERMS)
    (tmp_path / "terms").mkdir()
    table = tmp_path / "terms" / "ms.csv"
    table.write_text("term,english\nkedudukan,position\n", "utf-8")
    (tmp_path / "terms" / "de.csv").write_text("term,english\n", "utf-8")
    first = load_term_tables(tmp_path / "terms", store)
    assert first["ms"].terms == {"kedudukan": (("posit",),)} and first["de"].terms == {}
    table.write_text("term,english\nkedudukan,position|place\n", "utf-8")
    changed = load_term_tables(tmp_path / "terms", store)
    assert changed["ms"].terms == {"kedudukan": (("posit",), ("place",))}
    stored.unlink()  # a new file: the stored one may still be mapped
    stored.write_bytes(b"not arrow")
    assert load_term_tables(DEFAULT_TERMS, store) == load_term_tables(DEFAULT_TERMS)


def test_cc_cedict_fills_in_behind_the_term_table() -> None:
    """A word no term table has ("惩罚", penalty) is found in CC-CEDICT when asked."""
    without = translate("梯度惩罚", "zh", {})
    with_dictionary = translate("梯度惩罚", "zh", {}, dictionary=True)
    assert without == []
    assert any("penalti" in unit for unit in with_dictionary)


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


def test_a_two_author_citation_names_a_paper_by_exactly_those_two() -> None:
    index = AuthorIndex.from_columns(
        ["three", "two"],
        [
            "Nal Kalchbrenner; Edward Grefenstette; Phil Blunsom",
            "Nal Kalchbrenner; Phil Blunsom",
        ],
        [2014, 2013],
    )

    concepts = ConceptIndex(["three", "two"], ["A Convolutional Network", "A Translation Model"])

    def on_topic(paper_ids: list[str], words: frozenset[str]) -> list[tuple[float, int]]:
        return [(1.0, 1)] * len(paper_ids)

    decision = index.decide("Kalchbrenner|2013|Blunsom", [], on_topic, LinkPolicy(), concepts, [])
    assert (decision.status, decision.paper_id) == ("matched", "two")
    three = index.decide("Kalchbrenner|2014|Grefenstette", [], on_topic, LinkPolicy(), concepts, [])
    assert three.status == "unmatched"


def test_a_short_translation_of_a_paper_described_by_hand_still_links() -> None:
    """A curated paper (its keywords written by a person) is exempt from the rule that a few
    common field words name a topic."""
    curated = Matcher(load_catalog(DEFAULT_CATALOG), LinkPolicy(), load_term_tables(DEFAULT_TERMS))
    decision = curated.decide_translated("Model Konsistensi", "ms")
    assert decision is not None
    assert (decision.status, decision.paper_id) == ("matched", "arxiv:2303.01469")


def _queries(titles: list[str]) -> list[list[frozenset[str]]]:
    """Each title's stems as a passage, and its first half with an unknown word."""
    queries = []
    for title in titles:
        stems = [frozenset([s]) for s in english_stems(title)]
        queries += [stems, [*stems[: len(stems) // 2 + 1], frozenset(["zzunknown"])]]
    return queries


def _results(index: ConceptIndex, queries: list[list[frozenset[str]]]) -> list[object]:
    return [
        (index.rank(q), index.rank(q, limit=5, titles_only=True, by_recall=True)) for q in queries
    ]


def test_stored_concepts_open_mapped_and_rank_as_built_in_memory(tmp_path: Path) -> None:
    """The catalog's concept arrays, stored and opened memory-mapped, give the same matches,
    to the last bit, as the index built in memory from the titles' text."""
    catalog = load_catalog(DEFAULT_CATALOG)
    papers = catalog.papers
    stored = derive_columns(papers)
    opened = catalog_concepts(catalog, stored, tmp_path, LinkPolicy())
    assert memory_map(opened.indices) is not None and memory_map(opened.post_rows) is not None
    texts = ConceptIndex(
        papers["paper_id"].tolist(), papers["title"].tolist(), curated_aliases(papers)
    )
    titles = papers["title"].tolist()[::25]
    assert _results(opened, _queries(titles)) == _results(texts, _queries(titles))
    again = catalog_concepts(catalog, stored, tmp_path, LinkPolicy())
    assert _results(again, _queries(titles)) == _results(texts, _queries(titles))
    for paper_id in papers["paper_id"].tolist()[::50]:
        assert again.title_stems(paper_id) == texts.title_stems(paper_id)
    assert opened.title_index.get("arxiv:0000.00000") is None


def test_a_damaged_concept_store_is_rebuilt(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    stored = derive_columns(catalog.papers)
    built = catalog_concepts(catalog, stored, tmp_path, LinkPolicy())
    titles = catalog.papers["title"].tolist()[::40]
    expected = _results(built, _queries(titles))
    (folder,) = tmp_path.glob("concepts-*.arrays")
    (folder / "indices.npy").write_bytes((folder / "indices.npy").read_bytes()[:200])
    key = folder.name.removeprefix("concepts-").removesuffix(".arrays")
    assert read_arrays(tmp_path, "concepts", key) is None
    rebuilt = catalog_concepts(catalog, stored, tmp_path, LinkPolicy())
    assert _results(rebuilt, _queries(titles)) == expected
    assert read_arrays(tmp_path, "concepts", key) is not None  # the next process opens it


def test_concept_index_of_no_entries_finds_nothing() -> None:
    empty = ConceptIndex([], [])
    assert empty.rank([frozenset(["model"])]) == []
    assert empty.weight("model") == empty.unseen_idf and empty.frequency("model") == 0


def test_concept_arrays_do_not_depend_on_the_build_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built a few entries at a time, the arrays are the same to the last bit (the row sums
    too), so a catalog of millions of titles scores as a small one would."""
    catalog = load_catalog(DEFAULT_CATALOG)
    stored = derive_columns(catalog.papers)
    whole = concept_columns(catalog.papers, stored)
    monkeypatch.setattr(terms, "BUILD_CHUNK", 7)
    chunked = concept_columns(catalog.papers, stored)
    assert whole.keys() == chunked.keys()
    for name, array in whole.items():
        assert array.dtype == chunked[name].dtype and array.tobytes() == chunked[name].tobytes()


def test_curated_aliases_in_catalog_order_without_mined_ones() -> None:
    papers = pd.DataFrame(
        {
            "paper_id": ["a", "b", "c"],
            "aliases": ["BERT|BERT-large", "Orca|ORCA", ""],
            "alias_sources": ["curated|", "title|curated", ""],
        }
    )
    assert curated_aliases(papers) == [("a", "BERT"), ("a", "BERT-large"), ("b", "ORCA")]


def test_reach_bounds_every_match_rank_can_find() -> None:
    """Passages are decided without ranking when their reach is below a rule's minimums: that
    is exact only if no ranked match ever exceeds the reach."""
    catalog = load_catalog(DEFAULT_CATALOG)
    index = ConceptIndex(catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist())
    titles = catalog.papers["title"].tolist()
    queries = _queries(titles[::7])
    queries += [q + r for q, r in zip(queries[::2], queries[1::4], strict=False)]
    checked = 0
    for query in queries:
        reach = index.reach(query)
        for match in index.rank(query, limit=50):
            assert match.matched <= reach.stems
            assert match.distinctive <= reach.distinctive
            assert match.precision <= reach.precision + terms.REACH_SLACK
            checked += 1
    assert checked > 1000
    assert index.reach([frozenset(["zzunknown"])]) == terms.Reach(0, 0, 0.0)


@pytest.mark.parametrize("dense_count_entries", [terms.DENSE_COUNT_ENTRIES, 0])
def test_may_reach_never_rules_out_a_match_rank_finds(
    dense_count_entries: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rules skip ranking when no entry may reach their minimums: exact only if every match
    rank finds is allowed by ``may_reach``; and it must rule out most queries to be worth it.
    Entries counted per entry id, and (0) per distinct entry, as in a large catalog."""
    monkeypatch.setattr(terms, "DENSE_COUNT_ENTRIES", dense_count_entries)
    catalog = load_catalog(DEFAULT_CATALOG)
    index = ConceptIndex(catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist())
    queries = _queries(catalog.papers["title"].tolist()[::7])
    queries = [q[: len(q) // 2] + r[len(r) // 2 :] for q, r in itertools.pairwise(queries)]
    ruled_out = checked = 0
    for query in queries:
        for stems, recall, distinctive, titles_only in [
            (2, 0.0, True, True),
            (3, 0.0, False, False),
            (5, 0.5, False, False),
            (2, 0.75, False, True),
        ]:
            if index.may_reach(query, stems, recall, distinctive, titles_only):
                continue
            ruled_out += 1
            for match in index.rank(query, limit=50, titles_only=titles_only):
                held = match.distinctive if distinctive else match.matched
                assert held < stems or match.recall < recall
                checked += 1
    assert checked > 500
    assert ruled_out > len(queries)


@pytest.mark.parametrize("pool", [terms.CANDIDATE_POOL, 20])
def test_rank_gives_up_only_when_no_candidate_holds_the_least(
    pool: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``least``: the ranking is the same, or empty when no match it would give holds that
    many stems and that recall. A small pool makes some postings too long to read whole
    (searched for the pool's entries instead) and cuts the first one short."""
    monkeypatch.setattr(terms, "CANDIDATE_POOL", pool)
    catalog = load_catalog(DEFAULT_CATALOG)
    index = ConceptIndex(catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist())
    queries = _queries(catalog.papers["title"].tolist()[::5])
    queries = [q[: len(q) // 2] + r[len(r) // 2 :] for q, r in itertools.pairwise(queries)]
    empty = 0
    for query in queries:
        for least in [(2, 0.54), (3, 0.8), (4, 0.3)]:
            ranked = index.rank(query, limit=400)
            bounded = index.rank(query, limit=400, least=least)
            if bounded:
                assert bounded == ranked
            else:
                empty += 1
                assert all(m.matched < least[0] or m.recall < least[1] for m in ranked)
    assert 0 < empty < 3 * len(queries)


def test_the_longest_cjk_term_is_found_by_its_prefixes() -> None:
    table = load_term_tables(DEFAULT_TERMS)["zh"]
    text = "我们用人工评估和大型语言模型的预训练方法，检索增强生成（RAG）与知识蒸馏"

    def brute_force(start: int) -> int:
        sizes = range(min(table.longest, len(text) - start), 0, -1)
        return next((size for size in sizes if text[start : start + size] in table.terms), 0)

    found = [table.longest_cjk_term(text, start) for start in range(len(text))]
    assert found == [brute_force(start) for start in range(len(text))]
    assert sum(found) > 10


def test_papers_described_by_hand_are_stored_once_per_catalog(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    papers = catalog.papers
    by_hand = {p for p, k in zip(papers["paper_id"], papers["keywords"], strict=True) if k}
    assert len(by_hand) > 100
    for _ in range(2):  # built and stored, then read back mapped
        profiles = catalog_profiles(catalog, tmp_path)
        matcher = Matcher(catalog, LinkPolicy(), cache_dir=tmp_path)
        assert set(matcher.profiles.title_index) == by_hand
    assert memory_map(profiles["described_rows"]) is not None
    assert not profiles["abstract_keywords"].any()


def test_latin_translation_tries_long_terms_only_where_one_begins() -> None:
    """Trying every length at every word finds the same units as trying only the lengths a
    term begins with the word: the shortcut changes no translation."""
    tables = load_term_tables(DEFAULT_TERMS)

    def every_length(text: str, language: str) -> list[frozenset[str]]:
        table = tables[language]
        words = [w.casefold() for w in terms.LATIN_TOKEN.findall(text)]
        units: list[frozenset[str]] = []
        i = 0
        while i < len(words):
            for size in range(min(table.longest_words, len(words) - i), 0, -1):
                found = terms._lookup(table, " ".join(words[i : i + size]), language)
                if found:
                    units += terms._units_for(found)
                    i += size
                    break
            else:
                word = words[i]
                stopwords = terms.foreign_stopwords(language)
                if word not in terms.STOPWORDS and word not in stopwords and len(word) > 1:
                    units.append(frozenset([terms.stem(word)]))
                i += 1
        return units

    for language in ("de", "ms"):
        phrases = sorted(t for t in tables[language].terms if " " in t)
        assert phrases, language
        text = " und ".join(f"{p} {p.split()[0]}en Modelle" for p in phrases[:200])
        tables[language].word_units.clear()
        assert translate(text, language, tables) == every_length(text, language)
        assert tables[language].word_units[language]  # the words met are remembered
        assert translate(text, language, tables) == every_length(text, language)


def test_paper_entries_are_found_for_many_ids_at_once_as_one_by_one() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    index = ConceptIndex(catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist())
    ids = [*catalog.papers["paper_id"].tolist()[::7], "arxiv:0000.00000", "x" * 500, ""]
    one_by_one = [index.title_index.get(p, -1) for p in ids]
    assert index.title_index.entries(ids).tolist() == one_by_one
    assert one_by_one[-3:] == [-1, -1, -1] and min(one_by_one[:-3]) >= 0
    assert index.title_index.entries([]).tolist() == []


def test_forgetting_the_weights_of_words_changes_no_reach_or_ranking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    papers, titles = catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist()
    queries = _queries(titles[::9])

    def answers() -> list:
        index = ConceptIndex(papers, titles)
        return [(index.reach(q), index.rank(q, limit=5)) for q in queries + queries]

    remembered = answers()
    monkeypatch.setattr(terms, "MAX_REMEMBERED_UNITS", 1)
    assert answers() == remembered
    assert sum(bool(ranked) for _, ranked in remembered) > 50


@pytest.mark.parametrize("pool", [terms.CANDIDATE_POOL, 20])
def test_ranked_recall_and_stems_are_those_of_the_titles(
    pool: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shared weight is read from the postings (a long list searched for the pool's
    entries when the pool is small): it is the weight of the title stems the query holds."""
    monkeypatch.setattr(terms, "CANDIDATE_POOL", pool)
    catalog = load_catalog(DEFAULT_CATALOG)
    index = ConceptIndex(catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist())
    checked = 0
    for query in _queries(catalog.papers["title"].tolist()[::11]):
        known = frozenset().union(*query)
        for match in index.rank(query, limit=5):
            stems = index.title_stems(match.paper_id)
            shared = math.fsum(index.weight(s) for s in stems & known)
            total = math.fsum(index.weight(s) for s in stems)
            assert match.recall == pytest.approx(shared / total, abs=1e-8)
            assert match.matched == len(stems & known)
            checked += 1
    assert checked > 200


def test_row_sums_are_scipys_sparse_row_sums() -> None:
    """Stored stem weights were summed by scipy's CSR matrices: the numpy sums give the same
    floats, bit for bit (rows of up to 60 stems, empty ones, a slice of the pointers)."""
    sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(7)
    lengths = rng.integers(0, 60, size=500) * (rng.random(500) < 0.9)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = rng.integers(0, 3000, size=int(indptr[-1]))
    idf = rng.random(3000) * 12
    pointers = indptr[3:]
    part = indices[pointers[0] : pointers[-1]]
    matrix = sparse.csr_matrix(
        (idf[part], part, pointers - pointers[0]), shape=(len(pointers) - 1, len(idf))
    )
    expected = np.asarray(matrix.sum(axis=1)).ravel()
    assert terms._row_sums(idf, indices, pointers).tobytes() == expected.tobytes()


@pytest.mark.parametrize(
    ("papers", "n_titles"),
    [
        (["a", "b", "c", "b", "a"], 3),  # titles in order, aliases among them
        (["a", "b", "c", "d"], 3),  # an alias's paper without a title
        (["b", "a", "c", "a"], 3),  # titles out of order
        (["a", "a", "b"], 2),  # a paper with two titles
        ([], 0),
    ],
)
def test_distinct_papers_are_numpys_unique(papers: list[str], n_titles: int) -> None:
    fixed = np.array([p.encode() for p in papers], dtype="S1") if papers else np.zeros(0, "S1")
    ids, inverse = terms._distinct_papers(fixed, n_titles)
    expected_ids, expected_inverse = np.unique(fixed, return_inverse=True)
    assert ids.tolist() == expected_ids.tolist()
    assert inverse.tolist() == expected_inverse.tolist()


def test_vocabulary_bytes_are_the_stems_joined_by_spaces() -> None:
    stems = ["äther", "zebra", "Ölbild", "中文", "a"]
    arrays = terms.concept_arrays(
        pa.array(["p"] * len(stems)), pa.array(stems, pa.large_string()), len(stems)
    )
    assert arrays["vocabulary"].tobytes() == " ".join(sorted(stems)).encode()
    sliced = pa.array(["x", *stems], pa.large_string()).slice(1)
    assert terms._joined(sliced).tobytes() == " ".join(stems).encode()
    assert terms._joined(pa.array([], pa.large_string())).tobytes() == b""


def test_entry_counts_past_the_dense_bound_equal_the_dense_counts() -> None:
    """Entry ids of a large catalog are counted by sorting, small ones per id: the same
    entries, counts and weight sums, bit for bit (postings lists of a few stems, each
    sorted, each stem's weight repeated)."""
    rng = np.random.default_rng(7)
    for _ in range(50):
        lists = [
            np.sort(rng.choice(DENSE_COUNT_ENTRIES, int(rng.integers(1, 900)), replace=False))
            for _ in range(int(rng.integers(1, 9)))
        ]
        small = np.concatenate(lists)
        weights = np.repeat(rng.random(len(lists)) * 10, [len(p) for p in lists])
        dense = _entry_counts(small, weights)
        sorted_ = _entry_counts(small + DENSE_COUNT_ENTRIES, weights)
        assert np.array_equal(sorted_[0], dense[0] + DENSE_COUNT_ENTRIES)
        assert np.array_equal(sorted_[1], dense[1])
        assert np.array_equal(sorted_[2], dense[2])
