"""Linking: title normalisation, fuzzy title decisions, arXiv decisions, title conflicts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.catalog import Catalog, load_catalog
from pipeline.language import segment_lines
from pipeline.link.matcher import Matcher
from pipeline.link.policy import LinkPolicy
from pipeline.link.resolve import MENTION_COLUMNS, RUNNER_UP_COLUMNS
from pipeline.link.title_index import TitleIndex, compact_title, normalize_title
from pipeline.link.titles import decide_title
from tests.conftest import CATALOG
from tests.tables import extract_mentions, resolve_document

POLICY = LinkPolicy()

ROWS = [
    ("arxiv:1706.03762", "1706.03762", "Attention Is All You Need", "2017", "Transformer"),
    (
        "arxiv:2010.13154",
        "2010.13154",
        "Attention Is All You Need in Speech Separation",
        "2020",
        "SepFormer",
    ),
    (
        "arxiv:2303.14070",
        "2303.14070",
        "ChatDoctor: A Medical Chat Model Fine-Tuned on a Large Language Model Meta-AI "
        "(LLaMA) Using Medical Domain Knowledge",
        "2023",
        "ChatDoctor",
    ),
    (
        "arxiv:2205.01068",
        "2205.01068",
        "OPT: Open Pre-trained Transformer Language Models",
        "2022",
        "OPT",
    ),
    ("ref:segment-anything", "", "Segment Anything", "2023", "SAM"),
    ("arxiv:2307.05782", "2307.05782", "Large Language Models", "2023", ""),
    ("arxiv:2001.08361", "2001.08361", "Scaling Laws for Neural Language Models", "2020", ""),
    ("arxiv:2001.00002", "2001.00002", "Scaling Laws for Neural Language Model", "2020", ""),
    (
        "arxiv:2203.15556",
        "2203.15556",
        "Training Compute-Optimal Large Language Models",
        "2022",
        "Chinchilla",
    ),
]


def _write_catalog(
    folder: Path, rows: list[tuple[str, ...]], authors: list[str] | None = None
) -> Path:
    frame = pd.DataFrame(rows, columns=["paper_id", "arxiv_id", "title", "year", "aliases"])
    frame.insert(4, "authors", authors or "Someone")
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "papers.csv", index=False)
    return folder


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    loaded = load_catalog(_write_catalog(tmp_path / "catalog", ROWS))
    assert loaded.errors == []
    assert len(loaded) == len(ROWS)
    return loaded


@pytest.fixture
def matcher(catalog: Catalog) -> Matcher:
    return Matcher(catalog, POLICY)


def _decide(matcher: Matcher, surface: str):
    return decide_title(surface, matcher.titles.search(surface), matcher.title_by_paper, POLICY)


# normalisation


def test_normalize_title_nfkc_case_punctuation() -> None:
    assert normalize_title("ＡＴＴＥＮＴＩＯＮ  Is—All: You_Need!") == "attention is all you need"
    assert normalize_title("Straße") == "strasse"
    assert normalize_title("  GPT-4   Technical\tReport ") == "gpt 4 technical report"
    assert normalize_title("《大模型》综述") == "大模型 综述"


def test_compact_title_ignores_missing_spaces() -> None:
    assert compact_title("fromMulti-Head") == compact_title("from Multi-Head") == "frommultihead"
    assert compact_title("Attention is all you need") != compact_title("Attention is all you")


# TitleIndex / decide_title


def test_title_index_ranks_exact_title_first(matcher: Matcher) -> None:
    ranked = matcher.titles.search("Attention is all you need")
    assert ranked[0] == ("arxiv:1706.03762", 100.0)
    assert dict(ranked)["arxiv:2010.13154"] < POLICY.title_review


def test_title_index_empty_query() -> None:
    assert TitleIndex(["arxiv:1706.03762"], ["Attention Is All You Need"]).search("—!") == []


def test_decide_title_scorer_trap(matcher: Matcher) -> None:
    decision = _decide(matcher, "Attention is all you need")
    assert decision.status == "matched"
    assert decision.paper_id == "arxiv:1706.03762"
    assert decision.method == "title_fuzzy"
    longer = _decide(matcher, "Attention Is All You Need in Speech Separation")
    assert (longer.status, longer.paper_id) == ("matched", "arxiv:2010.13154")


@pytest.mark.parametrize(
    "surface",
    [
        "ATTENTION IS ALL YOU NEED",
        "Attention is al you need",
        "Attention Is All You Nead",
        "AttentionIsAllYouNeed",
    ],
)
def test_decide_title_tolerates_case_and_typo(matcher: Matcher, surface: str) -> None:
    decision = _decide(matcher, surface)
    assert (decision.status, decision.paper_id) == ("matched", "arxiv:1706.03762")
    assert decision.score >= POLICY.title_accept


def test_decide_title_near_identical_titles_are_ambiguous(matcher: Matcher) -> None:
    decision = _decide(matcher, "Scaling Laws for Neural Language Models")
    assert decision.status == "ambiguous"
    assert decision.paper_id is None
    assert set(decision.candidates) == {"arxiv:2001.08361", "arxiv:2001.00002"}
    assert decision.method == "title_fuzzy_low_margin"


def test_decide_title_short_spans_only_exact(matcher: Matcher) -> None:
    """Up to three words, only an exact title: "Large Language Model" in running text is a
    term, not the paper titled "Large Language Models"."""
    exact = _decide(matcher, "Segment Anything")
    assert (exact.status, exact.paper_id) == ("matched", "ref:segment-anything")
    near = _decide(matcher, "Segment Anythin")
    assert near.status == "unmatched"
    assert near.paper_id is None
    assert _decide(matcher, "Large Language Models").paper_id == "arxiv:2307.05782"
    assert _decide(matcher, "Large Language Model").status == "unmatched"


def test_decide_title_review_band_with_name_prefix(matcher: Matcher) -> None:
    surface = (
        "ChatDoctor: A Medical Chat Model Fine-tuned on LLaMA Model using Medical Domain Knowledge"
    )
    decision = _decide(matcher, surface)
    assert POLICY.title_review <= decision.score < POLICY.title_accept
    assert decision.status == "matched"
    assert decision.paper_id == "arxiv:2303.14070"
    assert decision.method == "title_fuzzy_name_prefix"


def test_decide_title_review_band_single_candidate_is_unmatched(matcher: Matcher) -> None:
    """Only one title in the review band: nothing to choose between, so not ambiguous (the
    contract wants two candidates or more)."""
    surface = (
        "Doctor: A Medical Chat Model Fine-tuned on LLaMA Model using Medical Domain Knowledge"
    )
    decision = _decide(matcher, surface)
    assert POLICY.title_review <= decision.score < POLICY.title_accept
    assert (decision.status, decision.paper_id, decision.candidates) == ("unmatched", None, ())
    assert decision.method == "title_fuzzy_low_score"


def test_decide_title_near_title_of_another_model_is_no_match(matcher: Matcher) -> None:
    """One letter apart is a typo in a sentence but another model in a name."""
    surface = (
        "MedDoctor: A Medical Chat Model Fine-tuned on LLaMA Model using Medical Domain Knowledge"
    )
    decision = _decide(matcher, surface)
    assert (decision.status, decision.paper_id) == ("unmatched", None)
    assert decision.method == "title_other_name"


def test_decide_title_inside_a_longer_title_is_another_work() -> None:
    """A qualifier in front makes another paper; a dropped "Name:" prefix or a cut end do
    not (titles as on arXiv)."""
    titles = {
        "arxiv:1507.01526": "Grid Long Short-Term Memory",
        "arxiv:2106.09685": "LoRA: Low-Rank Adaptation of Large Language Models",
        "arxiv:1706.02216": "Inductive Representation Learning on Large Graphs",
    }
    grid = decide_title("Long Short-Term Memory", [("arxiv:1507.01526", 90.5)], titles, POLICY)
    assert (grid.status, grid.method) == ("unmatched", "title_other_name")
    for surface, paper_id in [
        ("Low-Rank Adaptation of Large Language Models", "arxiv:2106.09685"),
        ("Inductive Representation Learning on Large", "arxiv:1706.02216"),
    ]:
        decision = decide_title(surface, [(paper_id, 92.0)], titles, POLICY)
        assert (decision.status, decision.paper_id) == ("matched", paper_id)


def test_decide_title_missing_a_number_of_the_title_is_another_work() -> None:
    """A number tells works apart ("3D Videos", "GPT-4"); a number the writer adds (a date,
    a bracketed note) does not (titles as in the arXiv snapshot)."""
    titles = {
        "arxiv:1703.09783": "Two-Stream RNN/CNN for Action Recognition in 3D Videos",
        "arxiv:2303.12712": (
            "Sparks of Artificial General Intelligence: Early experiments with GPT-4"
        ),
    }
    other = decide_title(
        "Two-Stream CNNs for Action Recognition in Videos",
        [("arxiv:1703.09783", 93.0)],
        titles,
        POLICY,
    )
    assert (other.status, other.method) == ("unmatched", "title_other_name")
    sparks = "Sparks of Artificial General Intelligence: Early experiments with"
    for surface, status in [
        (sparks, "unmatched"),
        (f"{sparks} GPT-4", "matched"),
        (f"{sparks} GPT-4 (2023.03.22)", "matched"),
    ]:
        decision = decide_title(surface, [("arxiv:2303.12712", 95.0)], titles, POLICY)
        assert decision.status == status, surface


def test_decide_title_nothing_ranked() -> None:
    decision = decide_title("Anything at all here", [], {}, POLICY)
    assert (decision.status, decision.paper_id) == ("unmatched", None)


def test_decide_title_unrelated_is_unmatched(matcher: Matcher) -> None:
    decision = _decide(matcher, "Deep Residual Learning for Image Recognition")
    assert decision.status == "unmatched"
    assert decision.score < POLICY.title_review


# Matcher


def test_decide_arxiv_in_catalog(matcher: Matcher) -> None:
    decision = matcher.decide_arxiv("1706.03762")
    assert (decision.status, decision.paper_id, decision.method) == (
        "matched",
        "arxiv:1706.03762",
        "arxiv_id",
    )


def test_decide_arxiv_not_in_catalog(matcher: Matcher) -> None:
    decision = matcher.decide_arxiv("2404.12345")
    assert decision.status == "matched"
    assert decision.paper_id == "arxiv:2404.12345"
    assert decision.method == "arxiv_id_not_in_catalog"


def test_decide_name(matcher: Matcher) -> None:
    decision = matcher.names.decide("chinchilla")
    assert (decision.status, decision.paper_id, decision.method) == (
        "matched",
        "arxiv:2203.15556",
        "alias",
    )
    assert matcher.names.decide("unknown").status == "unmatched"


# resolve_document


def _resolve(matcher: Matcher, text: str, language: str = "zh") -> pd.DataFrame:
    segments = segment_lines(text, language)
    candidates = extract_mentions("doc.txt", text, segments, matcher.names)
    mentions = resolve_document(candidates, matcher)
    assert list(mentions.columns) == MENTION_COLUMNS + RUNNER_UP_COLUMNS[1:]
    for row in mentions.itertuples():
        assert text[row.start : row.end] == row.surface
    return mentions


def test_resolve_explicit_id_is_not_overridden_by_a_title_nearby(matcher: Matcher) -> None:
    """The id is a fact; the exact title beside it names a second paper."""
    text = (
        "Attention Is All You Need in Speech Separation\n"
        "Attention Is All You Need: https://arxiv.org/abs/1706.03762\n"
    )
    mentions = _resolve(matcher, text)
    link = mentions[mentions["kind"] == "arxiv_id"].iloc[0]
    assert (link["status"], link["paper_id"], link["method"]) == (
        "matched",
        "arxiv:1706.03762",
        "arxiv_id",
    )
    titles = mentions[mentions["kind"] == "english_title"]
    assert list(titles["paper_id"]) == ["arxiv:2010.13154", "arxiv:1706.03762"]


def test_resolve_fuzzy_title_beside_an_id_takes_the_ids_paper(matcher: Matcher) -> None:
    text = "Atention Is All You Need in Speech: https://huggingface.co/papers/1706.03762\n"
    mentions = _resolve(matcher, text)
    title = mentions[mentions["kind"] == "english_title"].iloc[0]
    assert (title["status"], title["paper_id"]) == ("matched", "arxiv:1706.03762")


def test_resolve_id_not_in_catalog_is_linked(matcher: Matcher) -> None:
    mentions = _resolve(matcher, "Lihat https://www.alphaxiv.org/abs/2404.12345v2 sahaja.\n", "ms")
    row = mentions[mentions["kind"] == "arxiv_id"].iloc[0]
    assert (row["status"], row["paper_id"], row["arxiv_id"]) == (
        "matched",
        "arxiv:2404.12345",
        "2404.12345",
    )


def test_resolve_paperswithcode_slug(matcher: Matcher) -> None:
    text = "Kod: https://paperswithcode.com/paper/scaling-laws-for-neural-language-models\n"
    mentions = _resolve(matcher, text, "ms")
    row = mentions[mentions["kind"] == "english_title"].iloc[0]
    assert (row["status"], row["paper_id"], row["method"]) == (
        "matched",
        "arxiv:2001.08361",
        "paperswithcode_slug_title",
    )


def test_resolve_arxiv_with_agreeing_title_is_matched(matcher: Matcher) -> None:
    text = "Attention Is All You Need: https://arxiv.org/abs/1706.03762\n"
    mentions = _resolve(matcher, text)
    link = mentions[mentions["kind"] == "arxiv_id"].iloc[0]
    assert (link["status"], link["paper_id"], link["arxiv_id"], link["method"]) == (
        "matched",
        "arxiv:1706.03762",
        "1706.03762",
        "arxiv_id",
    )


def test_resolve_arxiv_not_in_catalog_keeps_its_id(matcher: Matcher) -> None:
    mentions = _resolve(matcher, "论文地址 https://arxiv.org/pdf/2404.12345.pdf\n")
    assert len(mentions) == 1
    row = mentions.iloc[0]
    assert (row["status"], row["paper_id"], row["arxiv_id"], row["method"]) == (
        "matched",
        "arxiv:2404.12345",
        "2404.12345",
        "arxiv_id_not_in_catalog",
    )


def test_resolve_name_inside_linked_title_is_not_separate(matcher: Matcher) -> None:
    text = "- OPT: Open Pre-trained Transformer Language Models\nOPT论文\n"
    mentions = _resolve(matcher, text)
    names = mentions[mentions["kind"] == "name"]
    assert names["surface"].tolist() == ["OPT"]
    assert names.iloc[0]["start"] == text.index("OPT论文")
    assert names.iloc[0]["paper_id"] == "arxiv:2205.01068"


# the curated catalog


def test_curated_catalog_loads_cleanly() -> None:
    catalog = load_catalog(CATALOG)
    assert len(catalog) >= 600
    assert catalog.errors == []
    matcher = Matcher(catalog, POLICY)
    decision = _decide(matcher, "Attention is all you need")
    assert (decision.status, decision.paper_id) == ("matched", "arxiv:1706.03762")


@pytest.mark.parametrize("catalog_path", [CATALOG])
def test_ambiguous_always_has_two_candidates_malay_name(catalog_path: Path) -> None:
    """Regression: a name written solid ("StableDiffusion" for the alias "Stable Diffusion")
    once gave an ambiguous mention without candidates, which blocks publishing."""
    matcher = Matcher(load_catalog(catalog_path), POLICY)
    mentions = _resolve(matcher, "Model seperti StableDiffusion boleh menjana imej.\n", "ms")
    ambiguous = mentions[mentions["status"] == "ambiguous"]
    assert all(len(c) >= 2 for c in ambiguous["candidates"])
    name = mentions[mentions["kind"] == "name"].iloc[0]
    assert (name["surface"], name["status"], name["paper_id"]) == (
        "StableDiffusion",
        "matched",
        "arxiv:2112.10752",
    )


def test_generic_title_needs_title_evidence(matcher: Matcher) -> None:
    """ "Large Language Models" is a paper's exact title and an everyday phrase."""
    heading = _resolve(matcher, "Large Language Models\n", "en")
    assert "matched" not in set(heading["status"])
    gloss = _resolve(matcher, "大型语言模型(Large Language Models)是一种模型。\n", "zh")
    assert "matched" not in set(gloss["status"])
    cited = _resolve(matcher, "参见 Large Language Models (2023) 的综述。\n", "zh")
    row = cited[cited["kind"] == "english_title"].iloc[0]
    assert (row["status"], row["paper_id"]) == ("matched", "arxiv:2307.05782")


def test_reference_entry_outside_the_catalog_is_a_paper_of_its_own(matcher: Matcher) -> None:
    text = (
        "参考文献\n"
        "2. Exploiting Pretrained Encoders for Aspect Sentiment Analysis. In EMNLP 2019.\n"
    )
    mentions = _resolve(matcher, text)
    row = mentions[mentions["kind"] == "english_title"].iloc[0]
    assert row["surface"] == "Exploiting Pretrained Encoders for Aspect Sentiment Analysis"
    assert row["status"] == "matched" and row["method"] == "title_not_in_catalog"
    assert row["paper_id"].startswith("ref:title-") and row["arxiv_id"] is None
    again = _resolve(
        matcher, "[7] exploiting pretrained encoders for aspect sentiment analysis, 2019\n"
    )
    assert pd.isna(again["paper_id"]).all() or set(again["paper_id"]) <= {row["paper_id"]}


def test_a_bibliographys_lines_are_references_though_they_give_only_a_title(
    matcher: Matcher,
) -> None:
    """Under a references heading a line holding only a title is an entry (a paper outside
    the catalog when none matches), up to the next heading; a title that a catalog title
    begins with is the catalog's shortened, or another work's: no paper of its own."""
    title = "Exploiting Pretrained Encoders for Aspect Sentiment Analysis"
    text = (
        f"这是正文。\n## 参考文献\n1. {title}\n2. Attention Is All You Need in Speech\n"
        f"## 附录\n3. {title}\n"
    )
    titles = _resolve(matcher, text).query("kind == 'english_title'")
    assert titles["method"].tolist()[0] == "title_not_in_catalog"
    assert titles["method"].tolist()[2] != "title_not_in_catalog"
    shortened = titles.iloc[1]
    assert shortened["surface"] == "Attention Is All You Need in Speech"
    assert shortened["method"] != "title_not_in_catalog"


def test_a_reference_title_under_a_catalog_papers_name_is_no_paper_of_its_own(
    matcher: Matcher,
) -> None:
    text = "参考文献\n2. OPT: Notes on Training Large Models at Scale. In EMNLP 2019.\n"
    mentions = _resolve(matcher, text)
    titles = mentions[mentions["kind"] == "english_title"]
    assert titles["surface"].tolist() == ["OPT: Notes on Training Large Models at Scale"]
    assert titles["status"].tolist() == ["unmatched"]
    unknown = _resolve(matcher, text.replace("OPT:", "XYZ:"))
    assert "title_not_in_catalog" in set(unknown["method"])


def test_a_mined_namesake_does_not_hide_a_reference_outside_the_catalog(
    tmp_path: Path,
) -> None:
    text = "参考文献\n2. Alpaca: A Strong Replicable Instruction-Following Model. In ACL 2023.\n"
    mentions = _resolve(_mined_matcher(tmp_path), text)
    assert "title_not_in_catalog" in set(mentions["method"])


def test_quoted_unknown_phrase_is_not_a_paper(matcher: Matcher) -> None:
    mentions = _resolve(matcher, "Prompt „Let us think about this step by step“ hilft.\n", "de")
    assert "title_not_in_catalog" not in set(mentions["method"])


def test_a_shared_name_links_only_when_the_words_around_separate_the_papers(
    tmp_path: Path,
) -> None:
    rows = [
        (
            "ref:orca-explain",
            "",
            "Orca: Progressive Learning from Explanation Traces",
            "2023",
            "Orca",
        ),
        (
            "ref:orca-serving",
            "",
            "Orca: A Distributed Serving System for Generative Models",
            "2022",
            "Orca",
        ),
    ]
    matcher = Matcher(load_catalog(_write_catalog(tmp_path / "catalog", rows)), POLICY)
    text = "我们用 Orca 作为推理服务的 distributed serving system 来部署模型。\n"
    served = _resolve(matcher, text, "zh")
    name = served[served["kind"] == "name"].iloc[0]
    assert (name["status"], name["paper_id"], name["method"]) == (
        "matched",
        "ref:orca-serving",
        "alias_context",
    )
    bare = _resolve(matcher, "我们今天在实验室里试了一下 Orca 这个东西。\n", "zh")
    name = bare[bare["kind"] == "name"].iloc[0]
    assert name["status"] == "ambiguous"
    assert list(name["candidates"]) == ["ref:orca-explain", "ref:orca-serving"]


def test_matcher_reads_alias_sources_when_the_catalog_has_them(catalog: Catalog) -> None:
    """A mined alias in another letter case than mined is no name; a curated one may be."""
    papers = catalog.papers.copy()
    papers["aliases"] = papers["aliases"].replace({"Chinchilla": "Chinchilla|Optimal"})
    papers["alias_sources"] = ["title" if a else "" for a in papers["aliases"]]
    papers.loc[papers["aliases"] == "Chinchilla|Optimal", "alias_sources"] = "curated|abstract"
    matcher = Matcher(Catalog(papers=papers, sha256="x" * 64), POLICY)
    mentions = _resolve(matcher, "Das Chinchilla-Modell ist optimal und Optimal.\n", "de")
    names = mentions[mentions["kind"] == "name"]
    assert list(names["surface"]) == ["Chinchilla"]


def _mined_matcher(tmp_path: Path) -> Matcher:
    """Two real papers whose names were mined from their titles, none curated."""
    rows = [
        (
            "arxiv:1909.06951",
            "1909.06951",
            "ALPACA: Automatic Lyrics-to-Audio Cross-Modal Aligner",
            "2019",
            "ALPACA",
        ),
        ("arxiv:2601.03267", "2601.03267", "OpenAI GPT-5 System Card", "2025", "OpenAI GPT-5"),
    ]
    return _title_named_matcher(tmp_path / "catalog", rows)


def _title_named_matcher(
    folder: Path, rows: list[tuple[str, ...]], authors: list[str] | None = None
) -> Matcher:
    """A catalog of these rows (with these authors) whose names were all mined from their
    titles (a row without a name has none)."""
    frame = pd.read_csv(_write_catalog(folder, rows) / "papers.csv")
    if authors is not None:
        frame["authors"] = authors
    frame["alias_sources"] = ["title" if isinstance(a, str) else "" for a in frame["aliases"]]
    frame.to_csv(folder / "papers.csv", index=False)
    return Matcher(load_catalog(folder), POLICY)


def test_a_mined_name_links_only_where_the_sentence_supports_its_paper(tmp_path: Path) -> None:
    matcher = _mined_matcher(tmp_path)
    other = _resolve(matcher, "Das Modell ALPACA folgt Anweisungen wie ChatGPT.\n", "de")
    name = other[other["kind"] == "name"].iloc[0]
    assert (name["status"], name["method"]) == ("unmatched", "alias_mined_unconfirmed")
    text = "ALPACA aligns lyrics to audio with a cross-modal aligner.\n"
    supported = _resolve(matcher, text, "en")
    name = supported[supported["kind"] == "name"].iloc[0]
    assert (name["status"], name["paper_id"], name["method"]) == (
        "matched",
        "arxiv:1909.06951",
        "alias_mined",
    )


def test_a_mined_name_the_page_calls_a_paper_needs_no_other_support(tmp_path: Path) -> None:
    """ "ALPACA论文", "the ALPACA paper": the page says it names a paper, and a name that
    stands for one catalog paper is that paper's."""
    matcher = _mined_matcher(tmp_path)
    for text, language in (
        ("我们读了ALPACA论文。\n", "zh"),
        ("Wir lesen das ALPACA-Paper heute.\n", "de"),
    ):
        mentions = _resolve(matcher, text, language)
        name = mentions[mentions["kind"] == "name"].iloc[0]
        assert (name["status"], name["paper_id"], name["method"]) == (
            "matched",
            "arxiv:1909.06951",
            "alias_mined_paper",
        )
    bare = _resolve(matcher, "我们读了ALPACA。\n", "zh")
    assert bare[bare["kind"] == "name"].iloc[0]["method"] == "alias_mined_unconfirmed"


def test_a_mined_name_beside_an_older_linked_paper_is_that_papers(tmp_path: Path) -> None:
    """The line links an older paper explicitly: the name the 2019 catalog paper claims was
    coined before it, for the linked one. A newer linked paper leaves the name its own."""
    matcher = _mined_matcher(tmp_path)
    line = (
        "Das Modell ALPACA richtet Lyrics und Audio mit einem Cross-Modal Aligner aus, "
        "veröffentlicht mit https://arxiv.org/abs/{arxiv_id}\n"
    )
    older = _resolve(matcher, line.format(arxiv_id="1706.03762"), "de")
    name = older[older["kind"] == "name"].iloc[0]
    assert (name["status"], name["method"]) == ("unmatched", "alias_mined_later_namesake")
    newer = _resolve(matcher, line.format(arxiv_id="2106.09685"), "de")
    name = newer[newer["kind"] == "name"].iloc[0]
    assert (name["status"], name["paper_id"]) == ("matched", "arxiv:1909.06951")


def test_a_mined_alias_is_no_translated_title(tmp_path: Path) -> None:
    """Stems lose the version: "GPT-3 von OpenAI" would equal the mined "OpenAI GPT-5"."""
    decision = _mined_matcher(tmp_path).decide_translated("GPT-3 von OpenAI", "de")
    assert decision is None or decision.status != "matched"


def test_an_author_reference_names_the_paper_of_the_documents_own_reference_list(
    tmp_path: Path,
) -> None:
    """The catalog's only Musi 2018 paper is not the one the page cites: its reference list
    says which it is. A book in the list is no paper, and no catalog guess either."""
    rows = [
        ("arxiv:1706.03762", "1706.03762", "Attention Is All You Need", "2017", "Ashish Vaswani"),
        ("arxiv:1806.00001", "1806.00001", "Another Corpus Study by Musi", "2018", "Elena Musi"),
        ("arxiv:1806.00002", "1806.00002", "A Catalogued Toulmin Paper", "1958", "S. Toulmin"),
    ]
    frame = pd.DataFrame(rows, columns=["paper_id", "arxiv_id", "title", "year", "authors"])
    frame["aliases"] = ""
    (tmp_path / "catalog").mkdir()
    frame.to_csv(tmp_path / "catalog" / "papers.csv", index=False)
    matcher = Matcher(load_catalog(tmp_path / "catalog"), POLICY)
    text = (
        "Argumente als Bäume (Musi et al., 2018; Toulmin, 1958) und Vaswani et al. (2017).\n"
        "\n"
        "Musi, E., Alhindi, T., und Stede, M. (2018). A Multi-layer Annotated Corpus of "
        "Argumentative Text. In LREC.\n"
        "Toulmin, S. (1958). The Uses of Argument. Cambridge University Press.\n"
        "Vaswani, A., Shazeer, N., und Parmar, N. (2017). Attention Is All You Need. In NIPS.\n"
    )
    mentions = _resolve(matcher, text, "de").set_index("surface")
    corpus = mentions.loc["A Multi-layer Annotated Corpus of Argumentative Text"]
    assert corpus["method"] == "title_not_in_catalog"
    musi = mentions.loc["Musi et al."]
    assert (musi["paper_id"], musi["method"]) == (corpus["paper_id"], "author_reference_list")
    vaswani = mentions.loc["Vaswani et al."]
    assert (vaswani["paper_id"], vaswani["method"]) == (
        "arxiv:1706.03762",
        "author_reference_list",
    )
    assert "The Uses of Argument" not in mentions.index
    toulmin = mentions.loc["Toulmin"]
    assert (toulmin["status"], toulmin["method"]) == ("unmatched", "author_reference_list")


def test_a_paper_lists_tag_is_no_part_of_a_title(matcher: Matcher) -> None:
    """One mention, without "2021 ICML]"; the two near catalog titles say "Language" where
    it says "Translation": another paper, outside the catalog."""
    mentions = _resolve(matcher, "## [2021 ICML] Scaling Laws for Neural Translation Models\n")
    assert mentions[["surface", "status", "method"]].values.tolist() == [
        ["Scaling Laws for Neural Translation Models", "matched", "title_not_in_catalog"]
    ]


def test_near_titles_of_other_works_are_not_ambiguous(matcher: Matcher) -> None:
    """Both near titles put their own word where the written one has "Translation": the
    written title is neither (unmatched, so a reference entry's title is a paper outside the
    catalog), but a title near only one of them, with no word of its own, still is."""
    other = _decide(matcher, "Scaling Laws for Neural Translation Models")
    assert (other.status, other.method) == ("unmatched", "title_other_words")
    assert POLICY.title_review <= other.score < POLICY.title_accept
    entry = _resolve(
        matcher, "Ghorbani, B. und Firat, O. (2021). Scaling Laws for Neural Translation Models.\n"
    ).set_index("surface")
    assert entry.at["Scaling Laws for Neural Translation Models", "method"] == (
        "title_not_in_catalog"
    )
    near = _decide(matcher, "Scaling Laws for Neural Language Modeling")
    assert near.status == "ambiguous"
    assert set(near.candidates) == {"arxiv:2001.08361", "arxiv:2001.00002"}


def test_a_title_near_other_works_beside_an_id_is_that_papers(matcher: Matcher) -> None:
    """In a table cell it is no title standing alone, yet the id on its line names it."""
    line = (
        "| 2022 | [*Scaling Laws for Neural Translation Models](https://arxiv.org/abs/2109.07740)"
        " | Übersicht |\n"
    )
    mentions = _resolve(matcher, line).set_index("surface")
    title = mentions.loc["Scaling Laws for Neural Translation Models"]
    assert (title["paper_id"], title["method"]) == ("arxiv:2109.07740", "title_beside_arxiv_id")


def test_a_short_title_in_a_reference_entry_may_differ_slightly(matcher: Matcher) -> None:
    """A reference entry marks its whole title, so a short one is matched fuzzily too; the
    same words in running text are a term."""
    entry = _resolve(matcher, "12. Zhao W, Zhou K, et al. Large language model[J]. Nature, 2023.\n")
    row = entry[entry["kind"] == "english_title"].iloc[0]
    assert (row["surface"], row["status"], row["paper_id"]) == (
        "Large language model",
        "matched",
        "arxiv:2307.05782",
    )
    prose = _resolve(matcher, "Ein Large Language Model schreibt Text.\n", "de")
    assert "arxiv:2307.05782" not in set(prose["paper_id"])


def test_a_near_title_cited_years_before_the_paper_is_another_work(matcher: Matcher) -> None:
    """A reference entry's year before the catalog's (beyond the tolerance) rules the paper
    out; a later year does not (venues publish after arXiv)."""
    entry = "12. Zhao W, Zhou K, et al. Large language model[J]. Nature, {year}.\n"
    early = _resolve(matcher, entry.format(year=2019))
    row = early[early["kind"] == "english_title"].iloc[0]
    assert row["paper_id"] != "arxiv:2307.05782"
    later = _resolve(matcher, entry.format(year=2025))
    row = later[later["kind"] == "english_title"].iloc[0]
    assert (row["status"], row["paper_id"]) == ("matched", "arxiv:2307.05782")


def test_a_mined_name_in_a_table_is_confirmed_by_the_page_around_it(tmp_path: Path) -> None:
    """A table row has no sentence; a page about the paper's topic supports the name, a page
    about another topic does not."""
    matcher = _mined_matcher(tmp_path)
    row = "| ALPACA | https://example.org/paper.pdf |\n"
    about = (
        "This page reviews how lyrics are aligned to the audio of songs, a cross-modal task.\n"
        "\n" + row
    )
    mentions = _resolve(matcher, about, "en")
    name = mentions[mentions["kind"] == "name"].iloc[0]
    assert (name["status"], name["paper_id"], name["method"]) == (
        "matched",
        "arxiv:1909.06951",
        "alias_mined_document",
    )
    sentence = about + "\nWe tried ALPACA on our own songs yesterday and liked it a lot.\n"
    mentions = _resolve(matcher, sentence, "en")
    in_sentence = mentions[(mentions["kind"] == "name") & (mentions["start"] > len(about))]
    assert in_sentence.iloc[0]["method"] == "alias_mined_unconfirmed"
    elsewhere = "This page compares chat models that follow instructions well.\n\n" + row
    mentions = _resolve(matcher, elsewhere, "en")
    name = mentions[mentions["kind"] == "name"].iloc[0]
    assert (name["status"], name["method"]) == ("unmatched", "alias_mined_unconfirmed")


def test_a_mined_name_confirmed_by_one_sentence_names_its_paper_in_the_others(
    tmp_path: Path,
) -> None:
    """A page uses a name in one sense: where one sentence confirms it, the sentences that
    say too little name the same paper; on a page where none confirms it, none links."""
    matcher = _mined_matcher(tmp_path)
    confirming = "ALPACA aligns lyrics to audio with a cross-modal aligner.\n"
    vague = "We tried ALPACA on our own songs yesterday and liked it a lot.\n"
    mentions = _resolve(matcher, confirming + vague, "en").query("kind == 'name'")
    assert mentions[["status", "paper_id", "method"]].values.tolist() == [
        ["matched", "arxiv:1909.06951", "alias_mined"],
        ["matched", "arxiv:1909.06951", "alias_mined_in_document"],
    ]
    alone = _resolve(matcher, vague + vague, "en").query("kind == 'name'")
    assert set(alone["method"]) == {"alias_mined_unconfirmed"}


def test_a_name_mined_for_several_papers_links_where_its_sentence_singles_one_out(
    tmp_path: Path,
) -> None:
    rows = [
        ("arxiv:1809.07053", "1809.07053",
         "NAIS: Neural Attentive Item Similarity Model for Recommendation", "2018", "NAIS"),
        ("arxiv:1911.07446", "1911.07446",
         "NAIS: Neural Architecture and Implementation Search and its Applications in "
         "Autonomous Driving", "2019", "NAIS"),
    ]  # fmt: skip
    authors = ["Xiangnan He; Zhankui He; Jingkuan Song", "Cong Hao; Yao Chen; Xinheng Liu"]
    matcher = _title_named_matcher(tmp_path / "catalog", rows, authors)
    text = "Neural Attentive Item Similarity: NAIS weighs the items of a user's history.\n"
    name = _resolve(matcher, text, "en").query("surface == 'NAIS'").iloc[0]
    assert (name["status"], name["paper_id"]) == ("matched", "arxiv:1809.07053")
    name = _resolve(matcher, "We tried NAIS yesterday.\n", "en").query("kind == 'name'").iloc[0]
    assert name["status"] == "ambiguous"


def test_a_name_of_two_versions_of_one_work_is_the_first_versions(tmp_path: Path) -> None:
    rows = [
        ("arxiv:1703.04247", "1703.04247",
         "DeepFM: A Factorization-Machine based Neural Network for CTR Prediction", "2017",
         "DeepFM"),
        ("arxiv:1804.04950", "1804.04950",
         "DeepFM: An End-to-End Wide & Deep Learning Framework for CTR Prediction", "2018",
         "DeepFM"),
    ]  # fmt: skip
    authors = [
        "Huifeng Guo; Ruiming Tang; Yunming Ye",
        "Huifeng Guo; Ruiming Tang; Yunming Ye; Zhenhua Dong",
    ]
    matcher = _title_named_matcher(tmp_path / "catalog", rows, authors)
    text = "DeepFM predicts the CTR of ads with a deep learning model.\n"
    name = _resolve(matcher, text, "en").query("surface == 'DeepFM'").iloc[0]
    assert (name["status"], name["paper_id"]) == ("matched", "arxiv:1703.04247")


def test_a_mined_acronym_that_spells_a_word_needs_one_more_word_of_its_paper(
    tmp_path: Path,
) -> None:
    """Names such as "RETRO" are coined again and again (DeepMind's retrieval model is not
    this paper)."""
    rows = [
        ("arxiv:1911.12674", "1911.12674",
         "RETRO: Relation Retrofitting For In-Database Machine Learning on Textual Data", "2019",
         "RETRO"),
    ]  # fmt: skip
    matcher = _title_named_matcher(tmp_path / "catalog", rows)
    two = "RETRO reaches GPT-3 with a database of textual chunks.\n"
    name = _resolve(matcher, two, "en").query("surface == 'RETRO'").iloc[0]
    assert name["method"] == "alias_mined_unconfirmed"
    three = "RETRO learns in the database with relation retrofitting of textual data.\n"
    name = _resolve(matcher, three, "en").query("surface == 'RETRO'").iloc[0]
    assert (name["status"], name["method"]) == ("matched", "alias_mined")


def test_a_year_in_brackets_beside_a_name_confirms_or_refutes_its_paper(tmp_path: Path) -> None:
    """A timeline's "ALPACA (2019)" dates the work: a mined name of a paper of that year (or
    the next: the venue's) needs no other support; a name dated years away is another work."""
    matcher = _mined_matcher(tmp_path)
    text = (
        "- `ALPACA` (2019)\n- ALPACA [2020]\n- ALPACA（2023）\n- ALPACA (see 2019)\n"
        "- ALPACA(**2019.10**)\n- ALPACA（2019年9月）\n- ALPACA (2023-05)\n"
    )
    mentions = _resolve(matcher, text, "zh")
    names = mentions[mentions["kind"] == "name"]
    assert names[["status", "method"]].values.tolist() == [
        ["matched", "alias_year"],
        ["matched", "alias_year"],
        ["unmatched", "alias_other_year"],
        ["unmatched", "alias_mined_unconfirmed"],
        ["matched", "alias_year"],
        ["matched", "alias_year"],
        ["unmatched", "alias_other_year"],
    ]
    assert set(names["paper_id"].dropna()) == {"arxiv:1909.06951"}
    curated = Matcher(load_catalog(_write_catalog(tmp_path / "curated", ROWS)), POLICY)
    curated = _resolve(curated, "- SAM (2023)\n- SAM (2015)\n")
    names = curated[curated["kind"] == "name"]
    assert names[["status", "method"]].values.tolist() == [
        ["matched", "alias_year"],
        ["unmatched", "alias_other_year"],
    ]


def test_an_author_reference_inside_a_linked_title_is_part_of_the_title(tmp_path: Path) -> None:
    rows = [
        (
            "arxiv:1402.3722",
            "1402.3722",
            "word2vec Explained: deriving Mikolov et al.'s negative-sampling word-embedding method",
            "2014",
            "",
        ),
        (
            "arxiv:1310.4546",
            "1310.4546",
            "Distributed Representations of Words and Phrases and their Compositionality",
            "2013",
            "",
        ),
    ]
    frame = pd.read_csv(_write_catalog(tmp_path / "catalog", rows) / "papers.csv")
    frame["authors"] = ["Yoav Goldberg; Omer Levy", "Tomas Mikolov; Ilya Sutskever"]
    frame.to_csv(tmp_path / "catalog" / "papers.csv", index=False)
    matcher = Matcher(load_catalog(tmp_path / "catalog"), POLICY)
    text = "word2vec Explained- Deriving Mikolov et al.’s Negative-Sampling Word-Embedding Method\n"
    mentions = _resolve(matcher, text, "en")
    assert list(mentions["paper_id"]) == ["arxiv:1402.3722"]


READING_LIST = (
    "| # | 论文 | 方向 |\n"
    "|---|---|---|\n"
    "| 1 | **Attention Is All You Need** | NLP |\n"
    "| 2 | OPT: Open Pre-trained Transformer Language Models | NLP |\n"
    "| 3 | Training Compute-Optimal Large Language Models | NLP |\n"
    "| 4 | **A ConvNet for the 2020s** | CV |\n"
)


def test_an_unknown_title_in_a_column_of_catalog_titles_is_a_paper_of_its_own(
    matcher: Matcher,
) -> None:
    mentions = _resolve(matcher, READING_LIST)
    listed = mentions[mentions["method"] == "title_listed_not_in_catalog"]
    assert listed["surface"].tolist() == ["A ConvNet for the 2020s"]
    assert listed["paper_id"].iloc[0].startswith("ref:title-")
    # The same line in running text, or in a column of only two catalog titles, is no paper.
    alone = _resolve(matcher, "A ConvNet for the 2020s 是一篇论文。\n")
    assert "title_listed_not_in_catalog" not in set(alone["method"])
    short = READING_LIST.replace(
        "| 3 | Training Compute-Optimal Large Language Models | NLP |\n", ""
    )
    assert "title_listed_not_in_catalog" not in set(_resolve(matcher, short)["method"])


def test_a_column_of_shortened_titles_reports_no_paper_of_its_own(matcher: Matcher) -> None:
    """Cells near a catalog title without reaching it: the list rewrites its titles, and
    its unknown ones would be reported under titles no paper has."""
    shortened = READING_LIST + (
        "| 5 | Scaling Laws for Neural LMs | NLP |\n"
        "| 6 | Attention Is All You Need in Speech | NLP |\n"
    )
    mentions = _resolve(matcher, shortened)
    near = mentions[mentions["surface"].str.contains("Speech")]
    assert near["status"].tolist() == ["ambiguous"]
    assert "title_listed_not_in_catalog" not in set(mentions["method"])


# A thesis chapter's table of earlier work: titles beside their authors and years, none of
# them in the catalog.
EARLIER_WORK = (
    "| No | Judul | Penulis | Tahun |\n"
    "|---|---|---|---|\n"
    "| 1 | Real-Time Machine Learning-Based Driver Drowsiness Detection Using Visual Features"
    " | Albadawi, AlRedhaei & Takruri | 2023 |\n"
    "| 2 | Research on a Real-Time Driver Fatigue Detection Algorithm Based on Facial Video"
    " Sequences | Zhu, Zhang & Wu | 2022 |\n"
    "| 3 | Real-time driver drowsiness detection using transformer architectures"
    " | Hassan & Ibrahim | 2025 |\n"
)


def test_a_table_of_titles_with_their_years_is_a_reference_list(matcher: Matcher) -> None:
    mentions = _resolve(matcher, EARLIER_WORK, "id")
    listed = mentions[mentions["method"] == "title_listed_not_in_catalog"]
    assert len(listed) == 3
    assert listed["surface"].str.startswith(("Real-", "Research")).all()
    # Without the years' column the rows are a table of phrases like any other.
    undated = EARLIER_WORK.replace(" | 2023 |", " |").replace(" | 2022 |", " |")
    undated = undated.replace(" | 2025 |", " |").replace(" | Tahun |", " |")
    assert "title_listed_not_in_catalog" not in set(_resolve(matcher, undated, "id")["method"])


def test_a_note_in_brackets_ends_no_listed_title(matcher: Matcher) -> None:
    noted = READING_LIST.replace("the 2020s", "the 2020s (ConvNeXt Paper)")
    assert "title_listed_not_in_catalog" not in set(_resolve(matcher, noted)["method"])


def test_a_name_written_as_a_link_to_an_arxiv_id_names_that_paper(matcher: Matcher) -> None:
    """The page links the name to its paper: the id wins over the catalog's paper of that
    name, and over an author guess; a link's text holding two names says nothing of each."""
    text = (
        "- [Transformer](https://arxiv.org/abs/2304.10750) ist ein anderes Werk.\n"
        "- [Vaswani et al. (2017)](https://arxiv.org/abs/2304.10750) auch.\n"
        "- [Transformer und OPT](https://arxiv.org/abs/2304.10750) nennen zwei Modelle.\n"
    )
    mentions = _resolve(matcher, text, "de")
    names = mentions[mentions["kind"].isin(["name", "description"])].sort_values("start")
    rows = names[["surface", "paper_id", "method"]].values.tolist()
    assert rows[:2] == [
        ["Transformer", "arxiv:2304.10750", "linked_arxiv_id"],
        ["Vaswani et al.", "arxiv:2304.10750", "linked_arxiv_id"],
    ]
    assert rows[2:] == [
        ["Transformer", "arxiv:1706.03762", "alias"],
        ["OPT", "arxiv:2205.01068", "alias"],
    ]


def test_an_author_reference_right_after_a_link_cites_the_linked_paper(tmp_path: Path) -> None:
    """ "[Name](arXiv link) (Author et al., Year)": the reference cites the linked paper when
    the catalog gives it that first author and year; one the catalog does not know is no
    reason to guess another paper of that author; a reference to other authors is its own."""
    rows = [
        (
            "arxiv:2206.07682",
            "2206.07682",
            "Emergent Abilities of Large Language Models",
            "2022",
            "",
        ),
        (
            "arxiv:2201.11903",
            "2201.11903",
            "Chain-of-Thought Prompting Elicits Reasoning in Large Language Models",
            "2022",
            "",
        ),
        ("arxiv:1706.03762", "1706.03762", "Attention Is All You Need", "2017", "Transformer"),
        (
            "arxiv:1810.04805",
            "1810.04805",
            "BERT: Pre-training of Deep Bidirectional ...",
            "2018",
            "",
        ),
    ]
    authors = ["Jason Wei; Yi Tay", "Jason Wei; Xuezhi Wang", "Ashish Vaswani", "Jacob Devlin"]
    matcher = Matcher(load_catalog(_write_catalog(tmp_path / "catalog", rows, authors)), POLICY)
    text = (
        "- [Hier](https://arxiv.org/abs/2206.07682) (Wei et al., 2022) zeigt es.\n"
        "- [Informer](https://arxiv.org/abs/2012.07436) [Wei等，2022] 提出了新的注意力。\n"
        "- [BERT](https://arxiv.org/abs/1810.04805) (Vaswani et al., 2017): Attention is all.\n"
        "- Allein: (Wei et al., 2022) nennt zwei Arbeiten.\n"
    )
    mentions = _resolve(matcher, text, "de")
    cited = mentions[mentions["kind"] == "description"].sort_values("start")
    rows = cited[["surface", "status", "paper_id", "method"]].fillna("").values.tolist()
    assert rows[0] == ["Wei et al.", "matched", "arxiv:2206.07682", "author_beside_link"]
    assert rows[1] == ["Wei等", "unmatched", "", "author_beside_link"]
    assert rows[2][:3] == ["Vaswani et al.", "matched", "arxiv:1706.03762"]
    assert rows[2][3] != "author_beside_link"
    assert rows[3][:2] == ["Wei et al.", "ambiguous"]


def test_a_name_a_line_gives_to_an_older_paper_is_that_papers_on_the_whole_page(
    tmp_path: Path,
) -> None:
    """A page that ties a name to an older linked paper uses it in that sense throughout: a
    table row with the bare name is not the later paper that claims the name either."""
    matcher = _mined_matcher(tmp_path)
    text = (
        "Das Modell ALPACA richtet Lyrics und Audio mit einem Cross-Modal Aligner aus, "
        "veröffentlicht mit https://arxiv.org/abs/1706.03762\n"
        "| Modell | Audio |\n| --- | --- |\n| ALPACA | ja |\n"
    )
    mentions = _resolve(matcher, text, "de")
    names = mentions[mentions["kind"] == "name"]
    assert len(names) == 2
    assert set(names["method"]) == {"alias_mined_later_namesake"}
    assert names["paper_id"].isna().all()


def test_a_name_spelled_out_otherwise_names_another_work_on_the_whole_page(
    tmp_path: Path,
) -> None:
    """A page's "Graph Attention Network (GAN)" is not the paper whose title spells GAN out as
    Generative Adversarial Networks, nor is the page's later bare "GAN"."""
    rows = [("arxiv:1406.2661", "1406.2661", "Generative Adversarial Networks", "2014", "GAN")]
    matcher = Matcher(load_catalog(_write_catalog(tmp_path / "catalog", rows)), POLICY)
    other = _resolve(
        matcher,
        "图网络层通过Graph Attention Network(GAN)进行特征提取。\n涉及GAN的计算可参考原论文。\n",
    )
    assert (
        other[["status", "method"]].values.tolist()
        == [["unmatched", "alias_spelled_out_otherwise"]] * 2
    )
    same = _resolve(matcher, "Generative Adversarial Network (GAN)很有名。\n后来GAN被广泛使用。\n")
    assert set(same["paper_id"]) == {"arxiv:1406.2661"}
    assert (same["status"] == "matched").all() and "name" in set(same["kind"])


def test_a_written_out_form_picks_the_paper_among_namesakes(tmp_path: Path) -> None:
    rows = [
        (
            "arxiv:1909.05858",
            "1909.05858",
            "CTRL: A Conditional Transformer Language Model for Controllable Generation",
            "2019",
            "CTRL",
        ),
        (
            "arxiv:1912.06085",
            "1912.06085",
            "CTRL: Control-Tutored Reinforcement Learning",
            "2019",
            "CTRL",
        ),
    ]
    matcher = _title_named_matcher(tmp_path / "catalog", rows)
    text = "5. CTRL (Conditional Transformer Language Model): ein Sprachmodell mit Steuercodes.\n"
    mentions = _resolve(matcher, text, "de")
    (name,) = mentions[mentions["kind"] == "name"].itertuples()
    assert (name.status, name.paper_id) == ("matched", "arxiv:1909.05858")


def _author_named_matcher(tmp_path: Path) -> Matcher:
    """Two papers of one first author, one of them named in its title (mined, not curated)."""
    rows = [
        (
            "arxiv:2310.10482",
            "2310.10482",
            "xCOMET: Transparent Machine Translation Evaluation through Fine-grained Error "
            "Detection",
            "2023",
            "xCOMET",
        ),
        (
            "arxiv:2303.16104",
            "2303.16104",
            "Hallucinations in Large Multilingual Translation Models",
            "2023",
            "",
        ),
    ]
    authors = ["Nuno M. Guerreiro; Ricardo Rei", "Nuno M. Guerreiro; Duarte Alves"]
    return _title_named_matcher(tmp_path / "catalog", rows, authors)


def test_a_name_and_its_author_reference_confirm_each_other(tmp_path: Path) -> None:
    """Alone, neither says which paper: the sentence does not support the mined name, and
    the author wrote both papers that year. Together they fit one paper."""
    matcher = _author_named_matcher(tmp_path)
    text = "Wir nutzen xCOMET (Guerreiro et al., 2024) für die Bewertung.\n"
    mentions = _resolve(matcher, text, "de").set_index("surface")
    assert tuple(mentions.loc["xCOMET", ["status", "paper_id", "method"]]) == (
        "matched",
        "arxiv:2310.10482",
        "alias_author",
    )
    assert tuple(mentions.loc["Guerreiro et al.", ["status", "paper_id", "method"]]) == (
        "matched",
        "arxiv:2310.10482",
        "author_name",
    )
    alone = _resolve(matcher, "Wir nutzen xCOMET für die Bewertung.\n", "de")
    assert tuple(alone.iloc[0][["status", "method"]]) == ("unmatched", "alias_mined_unconfirmed")


@pytest.mark.parametrize(
    ("text", "reference", "status"),
    [
        # The reference's author wrote no paper of that name (nor any the catalog holds).
        ("Wir nutzen xCOMET (Rei et al., 2020) für die Bewertung.\n", "Rei et al.", "unmatched"),
        # Another sentence.
        (
            "Wir nutzen xCOMET für die Bewertung. Guerreiro et al. (2024) zeigen mehr.\n",
            "Guerreiro et al.",
            "ambiguous",
        ),
        # The same sentence, but further from the name than name_author_max_gap.
        (
            "Wir nutzen xCOMET" + ", dazu viele andere Metriken" * 8 + " wie Guerreiro et al.\n",
            "Guerreiro et al.",
            "ambiguous",
        ),
    ],
)
def test_a_name_and_an_author_reference_that_do_not_pair(
    tmp_path: Path, text: str, reference: str, status: str
) -> None:
    mentions = _resolve(_author_named_matcher(tmp_path), text, "de").set_index("surface")
    assert mentions.loc["xCOMET", "method"] == "alias_mined_unconfirmed"
    assert mentions.loc[reference, "status"] == status


def test_a_title_near_several_is_the_one_its_name_before_the_colon_names(
    tmp_path: Path,
) -> None:
    rows = [
        (
            "arxiv:1707.06347",
            "1707.06347",
            "Proximal Policy Optimization Algorithms",
            "2017",
            "PPO",
        ),
        ("arxiv:2506.15050", "2506.15050", "Truncated Proximal Policy Optimization", "2025", ""),
    ]
    matcher = Matcher(load_catalog(_write_catalog(tmp_path / "catalog", rows)), POLICY)
    title = _resolve(matcher, "PPO : Proximal Policy Optimization 是一种策略梯度方法\n")
    title = title[title["kind"] == "english_title"].iloc[0]
    assert (title["status"], title["paper_id"], title["method"]) == (
        "matched",
        "arxiv:1707.06347",
        "title_near_its_name",
    )
    assert matcher.decide_title("PPO : Proximal Policy Optimization").status == "ambiguous"


@pytest.mark.parametrize("known", [3, 2])
def test_a_chinese_page_listing_catalog_titles_lists_papers(matcher: Matcher, known: int) -> None:
    """Lines that hold only English titles are a list of papers when the catalog knows at
    least three of them: then its titles no catalog holds are papers outside the catalog.
    With two known, they might be any English headings."""
    catalog_titles = [
        "Attention Is All You Need in Speech Separation",
        "OPT: Open Pre-trained Transformer Language Models",
        "Training Compute-Optimal Large Language Models",
    ][:known]
    unknown_titles = [
        "ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices",
        "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
    ]
    listed = [f"{i}、{title}" for i, title in enumerate(catalog_titles + unknown_titles, 1)]
    text = "\n".join(
        [
            "# 论文阅读笔记",
            "这几篇论文都在精度和速度之间寻找平衡，下面按顺序记录每篇论文的主要思路和实验结论。",
            *listed,
            "后两篇讨论了如何在移动设备上高效运行卷积网络，前几篇则讨论了注意力模型的应用。",
        ]
    )
    mentions = _resolve(matcher, text)
    outside = mentions[mentions["method"] == "title_listed_not_in_catalog"]
    expected = [t.split(":")[0] for t in unknown_titles] if known == 3 else []
    assert [surface.split(":")[0] for surface in outside["surface"]] == expected
