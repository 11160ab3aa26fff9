"""The alias miner and the keyword extractor, on real titles and abstract sentences."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from pipeline.mining import (
    KEYWORD_SEPARATOR,
    MAX_KEYWORDS,
    KeyphraseExtractor,
    MinedAlias,
    abstract_names,
    acronym_key,
    acronym_names,
    curated_only,
    in_common_use,
    is_common_word,
    join_aliases,
    looks_like_name,
    mine_aliases,
    mine_curated_csv,
    mine_rows,
    name_key,
    publication_time,
    resolve_collisions,
    title_names,
    with_curated,
    without_names_in_use,
    without_unmatched_brackets,
    word_frequencies,
)
from schemas.models import ALIAS_SOURCES
from tests.conftest import CATALOG


@pytest.mark.parametrize(
    ("title", "names"),
    [
        ("RoBERTa: A Robustly Optimized BERT Pretraining Approach", ["RoBERTa"]),
        ("LLaMA: Open and Efficient Foundation Language Models", ["LLaMA"]),
        ("Llama 2: Open Foundation and Fine-Tuned Chat Models", ["Llama 2"]),
        ("Mistral 7B", ["Mistral 7B"]),
        ("GPT-4 Technical Report", ["GPT-4"]),
        ("Gemma 2: Improving Open Language Models at a Practical Size", ["Gemma 2"]),
        (
            "Pythia: A Suite for Analyzing Large Language Models Across Training and Scaling",
            ["Pythia"],
        ),
        ("TLS Proxies: Friend or Foe?", []),  # an acronym and a common word
        ("Attention Is All You Need", []),
        ("Pointer Networks", []),
        ("Representation Learning: A Review and New Perspectives", []),
        ("Adam: A Method for Stochastic Optimization", []),  # a common word: lost, not guessed
        ("NIPS 2016 Tutorial: Generative Adversarial Networks", []),
        ("BERT-based Ranking: a study", []),
        # a version joined by a hyphen or after a name-like word; a report's name before a colon
        ("Kosmos-2: Grounding Multimodal Large Language Models to the World", ["Kosmos-2"]),
        (
            "Phi-3 Technical Report: A Highly Capable Language Model Locally on Your Phone",
            ["Phi-3"],
        ),
        ("Kimi K2: Open Agentic Intelligence", ["Kimi K2"]),
        # one common word after a hyphen before the colon makes a compound name ...
        ("SWE-bench: Can Language Models Resolve Real-World GitHub Issues?", ["SWE-bench"]),
        # ... not a phrase, nor an adjective
        (
            "AI-in-the-loop: The future of biomedical visual analytics applications",
            [],
        ),
        ("LLM-based Embeddings: Attention Values Encode Sentence Semantics", []),
        ("PyTorch: An Imperative Style, High-Performance Deep Learning Library", []),
        # a word before a name names a variant; a verb, a function word or a name alone not
        (
            "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks",
            ["Faster R-CNN"],
        ),
        ("Mask R-CNN", ["Mask R-CNN"]),
        ("Improving BERT: A Study of Fine-Tuning", []),
        ("Towards GPT-4: Steps Ahead", []),
        ("Deep Learning: A Critical Appraisal", []),
    ],
)
def test_title_names(title: str, names: list[str]) -> None:
    assert title_names(title) == names


@pytest.mark.parametrize(
    ("abstract", "names"),
    [
        (
            "We introduce LLaMA, a collection of foundation language models ranging from 7B to "
            "65B parameters.",
            ["LLaMA"],
        ),
        (
            "We introduce a new language representation model called BERT, which stands for "
            "Bidirectional Encoder Representations from Transformers.",
            ["BERT"],
        ),
        ("In this work, we develop and release Llama 2, a collection of pretrained", ["Llama 2"]),
        ("We call our method R-CNN: Regions with CNN features.", ["R-CNN"]),
        (
            "We propose Dual Attention Networks (DANs) which jointly leverage visual and textual "
            "attention mechanisms",
            ["DANs"],
        ),
        # the acronym of what the method improves, not of the method
        (
            "we propose a simple and scalable detection algorithm that improves mean average "
            "precision (mAP) by more than 30%",
            [],
        ),
        # a name that modifies a noun is not the paper's name
        ("We propose NM landscapes as a new class of tunably rugged benchmark problems.", []),
        ("Such representations are often called Faulhaber formulae.", []),
        ("we propose a hybrid collaborative filtering model named WUDiff_RMF, which", []),
        ("We present Table 3 and Section 2.", []),
        ("We propose Stochastic Gradient Langevin Dynamics for", []),
    ],
)
def test_abstract_names(abstract: str, names: list[str]) -> None:
    assert abstract_names(abstract) == names


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("RoBERTa", True),
        ("BLIP", True),
        ("T5", True),
        ("Gemma 3", True),
        ("Pythia", True),
        ("Falcon", False),
        ("Multi-Query", False),
        ("3D", False),
        ("BERT-based", False),
        ("Table 3", False),
        ("word2vec Explained", False),
    ],
)
def test_looks_like_name(candidate: str, expected: bool) -> None:
    assert looks_like_name(candidate) is expected


def test_name_key_joins_spellings_and_keeps_versions_apart() -> None:
    assert name_key("LLaMA-2") == name_key("Llama 2") == name_key("llama2")
    assert name_key("GPT-3.5") != name_key("GPT-3")


def test_mine_aliases_keeps_title_provenance_first() -> None:
    mined = mine_aliases(
        "LLaMA: Open and Efficient Foundation Language Models",
        "We introduce LLaMA, a collection of foundation language models.",
    )
    assert mined == [MinedAlias("LLaMA", "title")]


def test_collision_rule() -> None:
    claims = [
        ("arxiv:a", "Foo", "curated"),
        ("arxiv:b", "FOO", "title"),  # weaker than the curated claim: dropped
        ("arxiv:c", "Bar-1", "title"),
        ("arxiv:d", "bar 1", "abstract"),  # weaker than the title claim: dropped
        ("arxiv:e", "Baz", "abstract"),
        ("arxiv:f", "Baz", "abstract"),  # two papers, one name: kept by both
        *((f"arxiv:q{i}", "Qux", "title") for i in range(4)),  # more than 3: dropped
        *((f"arxiv:c{i}", "Cur", "curated") for i in range(5)),  # curated: never dropped
    ]
    table = resolve_collisions(claims)
    assert table.kept["foo"] == ("curated", ["arxiv:a"])
    assert table.kept["bar1"] == ("title", ["arxiv:c"])
    assert table.kept["baz"] == ("abstract", ["arxiv:e", "arxiv:f"])
    assert table.dropped["qux"] == [f"arxiv:q{i}" for i in range(4)]
    assert len(table.kept["cur"][1]) == 5
    assert set(table.shared()) == {"baz", "cur"}


def test_curated_spellings_are_all_kept_and_mined_duplicates_are_not() -> None:
    merged = with_curated(["DALL-E", "DALL·E"], [MinedAlias("Dall-E", "title")])
    assert join_aliases(merged) == ("DALL-E|DALL·E", "curated|curated")


def test_mine_rows_applies_the_collision_rule() -> None:
    fields, _ = mine_rows(
        [
            ("arxiv:1907.11692", "RoBERTa: A Robustly Optimized BERT Pretraining Approach", [], ""),
            ("ref:x", "Something else", ["RoBERTa"], ""),
        ]
    )
    assert fields["arxiv:1907.11692"] == ("", "")  # the curated claim wins
    assert fields["ref:x"] == ("RoBERTa", "curated")


@pytest.mark.parametrize(
    ("name", "year", "uses", "expected"),
    [
        ("Anda", None, [], True),  # Malay and Indonesian "you"
        ("NEAR", None, [], True),
        ("API", None, [], True),  # Malay "fire", and a term everywhere
        ("BERT", 2018, [2018, 2019, 2019], False),
        ("SOTA", 2025, [2019, 2020, 2021, 2025], True),  # written before the paper
        ("GPT", 2006, [2019] * 12, True),  # written mostly long after: coined again
        ("GroupReduce", 2018, [2018], False),
        ("GANs", 2016, [2016] * 30, True),  # the plural of "GAN", a common Malay word
        ("R-CNN", 2013, [2013, 2014, 2015], False),  # hyphenated: an acronym, not a word
    ],
)
def test_names_in_common_use(name: str, year: int | None, uses: list[int], expected: bool) -> None:
    assert in_common_use(name, year, uses) is expected


def test_curated_only_refuses_sources_that_do_not_fit() -> None:
    assert curated_only("A|B", "curated|title") == ["A"]
    with pytest.raises(ValueError, match="differ"):
        curated_only("A|B", "curated")


ABSTRACTS = [
    "We introduce a new language representation model called BERT. Unlike recent language "
    "representation models, BERT is designed to pre-train deep bidirectional representations "
    "from unlabeled text by jointly conditioning on both left and right context in all layers.",
    "The dominant sequence transduction models are based on complex recurrent or convolutional "
    "neural networks in an encoder-decoder configuration. We propose a new simple network "
    "architecture, the Transformer, based solely on attention mechanisms.",
    "We present a residual learning framework to ease the training of networks that are "
    "substantially deeper than those used previously. These residual networks are easier to "
    "optimize, and can gain accuracy from considerably increased depth.",
    "We propose a new framework for estimating generative models via an adversarial process, "
    "in which we simultaneously train two models: a generative model that captures the data "
    "distribution, and a discriminative model.",
]


def test_keywords_are_phrases_of_the_abstract_weighted_by_the_corpus() -> None:
    extractor = KeyphraseExtractor()
    extractor.add_counts(*word_frequencies(ABSTRACTS))
    keywords = extractor.keywords(ABSTRACTS[2])
    assert 1 <= len(keywords) <= MAX_KEYWORDS
    assert "residual" in keywords  # "networks" and "framework" are in two abstracts of four
    assert all(k.lower() in ABSTRACTS[2].lower() for k in keywords)
    words = [w.lower() for k in keywords for w in k.split()]
    assert len(words) == len(set(words))  # no two keywords share a word
    assert extractor.keywords_field(ABSTRACTS[2]) == KEYWORD_SEPARATOR.join(keywords)
    assert extractor.keywords_field("  ") == ""


def test_a_word_in_many_abstracts_neither_starts_nor_ends_a_keyword() -> None:
    extractor = KeyphraseExtractor()
    extractor.add_counts(*word_frequencies(ABSTRACTS))
    for abstract in ABSTRACTS:
        for keyword in extractor.keywords(abstract):
            words = keyword.lower().split()
            assert extractor.document_frequency[words[0]] <= 1
            assert extractor.document_frequency[words[-1]] <= 1


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_mine_curated_csv_keeps_curated_names_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text(
        "paper_id,arxiv_id,title,year,authors,aliases,keywords\n"
        "arxiv:1603.04467,1603.04467,TensorFlow: Large-Scale Machine Learning on Heterogeneous"
        " Distributed Systems,2016,Martín Abadi,,dataflow graphs\n"
        "arxiv:2102.12092,2102.12092,Zero-Shot Text-to-Image Generation,2021,Aditya Ramesh,"
        "DALL-E|DALL·E,\n",
        encoding="utf-8",
    )
    mine_curated_csv(path)
    first = path.read_bytes()
    rows = _rows(path)
    assert list(rows[0]) == [
        "paper_id", "arxiv_id", "title", "year", "authors", "aliases", "alias_sources", "keywords"
    ]  # fmt: skip
    assert (rows[0]["aliases"], rows[0]["alias_sources"]) == ("TensorFlow", "title")
    assert (rows[1]["aliases"], rows[1]["alias_sources"]) == ("DALL-E|DALL·E", "curated|curated")
    assert rows[0]["keywords"] == "dataflow graphs"
    mine_curated_csv(path)
    assert path.read_bytes() == first


# Lint of the shipped curated catalog: its alias_sources are generated, not typed.


def test_curated_catalog_alias_sources_are_parallel_and_known() -> None:
    for row in _rows(CATALOG / "papers.csv"):
        names = [a for a in row["aliases"].split("|") if a]
        sources = [s for s in row["alias_sources"].split("|") if s]
        assert len(names) == len(sources), row["paper_id"]
        assert set(sources) <= set(ALIAS_SOURCES) - {"abstract"}, row["paper_id"]


def test_curated_catalog_is_what_catalog_mine_generates(tmp_path: Path) -> None:
    copy = tmp_path / "papers.csv"
    shutil.copy(CATALOG / "papers.csv", copy)
    mine_curated_csv(copy)
    assert copy.read_bytes() == (CATALOG / "papers.csv").read_bytes()


def test_cli_catalog_mine_rewrites_the_csv(tmp_path: Path, capsys) -> None:
    from pipeline.cli import main

    path = tmp_path / "papers.csv"
    path.write_text(
        "paper_id,arxiv_id,title,year,authors,aliases\n"
        "arxiv:1704.04861,1704.04861,MobileNets: Efficient Convolutional Neural Networks for "
        "Mobile Vision Applications,2017,Andrew G. Howard,\n",
        encoding="utf-8",
    )
    assert main(["catalog", "mine", str(path)]) == 0
    assert "1 names kept" in capsys.readouterr().out
    assert _rows(path)[0]["alias_sources"] == "title"


@pytest.mark.parametrize(
    ("title", "abstract", "names"),
    [
        (
            "Counterfactual Multi-Agent Policy Gradients",
            "To this end, we propose a new multi-agent actor-critic method called "
            "counterfactual multi-agent (COMA) policy gradients. COMA uses a centralised critic.",
            ["COMA"],
        ),
        (
            "Multi-Task Deep Neural Networks for Natural Language Understanding",
            "In this paper, we present a Multi-Task Deep Neural Network (MT-DNN) for learning "
            "representations across multiple natural language understanding (NLU) tasks.",
            ["MT-DNN"],
        ),
        # The paper uses PSO: the acronym names its method, not the paper.
        (
            "Particle Swarm Optimization: An efficient method for tracing periodic orbits",
            "We use Particle Swarm Optimization (PSO) to trace the orbits of a system.",
            [],
        ),
        # TeX's unbreakable space before the bracket (arXiv 1809.03672's abstract).
        (
            "Deep Interest Evolution Network for Click-Through Rate Prediction",
            "In this paper, we propose a novel model, named Deep Interest Evolution "
            "Network~(DIEN), for CTR prediction.",
            ["DIEN"],
        ),
        # An enumeration bracket elsewhere in the abstract (arXiv 1804.07931's) ...
        (
            "Time-domain Audio Separation Network for Speech",
            "To overcome these limitations, we propose Time-domain Audio Separation Network "
            "(TasNet), which works by i) modelling the signal directly and ii) separating it.",
            ["TasNet"],
        ),
        # ... TeX around the long form (1009.0679), an empty bracket before it (1706.01755)
        (
            "Optimal Uncertainty Quantification",
            "This framework, which we call \\emph{Optimal Uncertainty Quantification} (OUQ), "
            "bounds $f$ ($x$).",
            ["OUQ"],
        ),
        (
            "Optimal Uncertainty Quantification",
            "The paper presents an extension () of our new Optimal Uncertainty\n"
            "Quantification (OUQ).",
            ["OUQ"],
        ),
        ("A Title", "No acronym is defined here.", []),
    ],
)
def test_acronyms_an_abstract_defines_from_its_own_title(
    title: str, abstract: str, names: list[str]
) -> None:
    assert acronym_names(title, abstract) == names
    assert [a.name for a in mine_aliases(title, abstract) if a.source == "abstract"] == names


def test_brackets_that_close_nothing_or_stay_open_are_dropped() -> None:
    text = "by i) modelling (MM) and ii) mapping (f(x)) :-( here"
    assert without_unmatched_brackets(text) == "by i modelling (MM) and ii mapping (f(x)) :- here"
    assert without_unmatched_brackets("(a) (b)") == "(a) (b)"


def test_an_acronym_the_abstract_only_uses_is_no_name() -> None:
    """Defined from the title's words, but presented as existing: no words of own work."""
    title = "Symbolic Transfer Entropy for Information Flow"
    used = "Symbolic transfer entropy (STE) is a measure of information flow found to work well."
    assert acronym_names(title, used) == []
    own = "We propose symbolic transfer entropy (STE), a new measure of information flow."
    assert acronym_names(title, own) == ["STE"]


def test_an_acronym_and_its_plural_are_one_name() -> None:
    assert acronym_key("GANs") == acronym_key("GAN") == "gan"
    assert acronym_key("Pythias") == "pythias"  # a word's plural is not an acronym's
    assert is_common_word("GANs") and not is_common_word("LLMs")


# Real snippets (title and abstract) of arXiv 1412.6515, 1511.05644 and 1611.01455: three
# records define "generative adversarial networks (GANs)"; the last presents it as its own
# work ("We propose novel methods of conditioning generative adversarial networks (GANs)").
GAN_RECORDS = [
    (
        "arxiv:1412.6515",
        2014,
        "On distinguishability criteria for estimating generative models. Generative "
        "adversarial networks (GANs) are pairs of generator and discriminator networks.",
    ),
    (
        "arxiv:1511.05644",
        2015,
        'Adversarial Autoencoders. In this paper, we propose the "adversarial autoencoder" '
        "(AAE), which is a probabilistic autoencoder that uses the recently proposed "
        "generative adversarial networks (GAN) to perform variational inference.",
    ),
    (
        "arxiv:1611.01455",
        2016,
        "Ways of Conditioning Generative Adversarial Networks. We propose novel methods of "
        "conditioning generative adversarial networks (GANs) that achieve state-of-the-art "
        "results on MNIST and CIFAR-10.",
    ),
]


def test_an_acronym_several_abstracts_define_is_a_term_of_the_field() -> None:
    title, abstract = GAN_RECORDS[2][2].split(". ", 1)
    claimed = mine_aliases(title, abstract)
    assert claimed == [MinedAlias("GANs", "abstract")]  # the acronym rule alone would keep it
    candidates = {"arxiv:1611.01455": claimed}
    years = {pid: year for pid, year, _ in GAN_RECORDS}
    assert without_names_in_use(candidates, years, GAN_RECORDS) == {"arxiv:1611.01455": []}


@pytest.mark.parametrize(
    ("arxiv_id", "year", "expected"),
    [
        ("1603.08029", 2016, 2016 + 2 / 12),
        ("1512.03385", 2015, 2015 + 11 / 12),
        ("cs/0101001", 2001, 2001.0),
        ("1603.08029", 2017, 2017.0),  # the id disagrees with the first version's year
        (None, 2016, 2016.0),
        ("1603.08029", None, None),
    ],
)
def test_publication_time_is_dated_to_the_month_by_the_arxiv_id(
    arxiv_id: str | None, year: int | None, expected: float | None
) -> None:
    assert publication_time(arxiv_id, year) == expected


def test_a_name_written_in_the_months_before_a_paper_is_not_its_coinage() -> None:
    """Three records of January and February 2016 write "ResNet"; a paper of March 2016 that
    calls itself so is a namesake. Dated by the year alone, nobody wrote it before."""
    records = [
        ("arxiv:1601.00001", publication_time("1601.00001", 2016), "Deep ResNet features."),
        ("arxiv:1601.00002", publication_time("1601.00002", 2016), "A ResNet for speech."),
        ("arxiv:1602.00003", publication_time("1602.00003", 2016), "ResNet on CIFAR-10."),
    ]
    candidates = {"arxiv:1603.08029": [MinedAlias("ResNet", "title")]}
    by_month = {"arxiv:1603.08029": publication_time("1603.08029", 2016)}
    assert without_names_in_use(candidates, by_month, records) == {"arxiv:1603.08029": []}
    by_year = [(pid, 2016, text) for pid, _, text in records]
    kept = without_names_in_use(candidates, {"arxiv:1603.08029": 2016}, by_year)
    assert kept == candidates


# arXiv 1705.08926 coins COMA in 2017; 1909.00493 defines COMA again in 2019 for something else.
COMA_RECORDS = [
    (
        "arxiv:1705.08926",
        2017,
        "Counterfactual Multi-Agent Policy Gradients. To this end, we propose a new multi-agent "
        "actor-critic method called counterfactual multi-agent (COMA) policy gradients.",
    ),
    (
        "arxiv:1909.00493",
        2019,
        "COMA: Communication and Obfuscation Management Architecture. In this paper, we "
        "introduce a novel Communication and Obfuscation Management Architecture (COMA) to "
        "handle the storage of the obfuscation key.",
    ),
]


def test_the_first_coiner_of_a_defined_acronym_keeps_it() -> None:
    candidates = {pid: mine_aliases(*text.split(". ", 1)) for pid, _, text in COMA_RECORDS}
    assert candidates["arxiv:1909.00493"] == [MinedAlias("COMA", "title")]
    years = {pid: year for pid, year, _ in COMA_RECORDS}
    kept = without_names_in_use(candidates, years, COMA_RECORDS)
    assert kept["arxiv:1705.08926"] == [MinedAlias("COMA", "abstract")]
    # The later title claim does not take the name from its first coiner: both keep it (the
    # linker separates them by context or says ambiguous).
    claims = [(pid, a.name, a.source) for pid, aliases in kept.items() for a in aliases]
    table = resolve_collisions(claims, years=years)
    assert table.kept["coma"] == ("title", ["arxiv:1705.08926", "arxiv:1909.00493"])
    assert resolve_collisions(claims).kept["coma"] == ("title", ["arxiv:1909.00493"])


def test_a_later_abstract_claim_still_yields_to_a_title() -> None:
    claims = [("arxiv:b", "Swish", "abstract"), ("arxiv:a", "Swish", "title")]
    table = resolve_collisions(claims, years={"arxiv:a": 2015, "arxiv:b": 2017})
    assert table.kept["swish"] == ("title", ["arxiv:a"])


def test_an_acronym_one_abstract_defines_stays_with_its_paper() -> None:
    """R-CNN (arXiv 1311.2524) is named, not defined in brackets; one later definition of
    it elsewhere does not make it a term."""
    title = "Rich feature hierarchies for accurate object detection and semantic segmentation"
    abstract = (
        "Since we combine region proposals with CNNs, we call our method R-CNN: Regions with "
        "CNN features. We also compare R-CNN to OverFeat."
    )
    candidates = {"arxiv:1311.2524": mine_aliases(title, abstract)}
    texts = [
        ("arxiv:1311.2524", 2013, f"{title} {abstract}"),
        ("arxiv:x", 2015, "We build on regions with CNN features (R-CNN) for detection."),
    ]
    kept = without_names_in_use(candidates, {"arxiv:1311.2524": 2013}, texts)
    assert kept == {"arxiv:1311.2524": [MinedAlias("R-CNN", "abstract")]}


def test_the_same_acronym_with_another_long_form_is_another_name() -> None:
    """arXiv 1510.06916 defines SPU as "Single-Phase Update" in 2015; 1708.09366 coins SPU
    for "Secure Pick Up" in 2017 and keeps it."""
    title = "Secure Pick Up: Implicit Authentication When You Start Using the Smartphone"
    abstract = (
        "We propose Secure Pick Up (SPU), a convenient, lightweight, in-device, non-intrusive "
        "and automatic-learning system for smartphone user authentication."
    )
    candidates = {"arxiv:1708.09366": mine_aliases(title, abstract)}
    assert candidates["arxiv:1708.09366"] == [MinedAlias("SPU", "abstract")]
    texts = [
        (
            "arxiv:1510.06916",
            2015,
            "Then, three updating strategies, i.e., Single-Phase Update (SPU),",
        ),
        ("arxiv:1708.09366", 2017, f"{title} {abstract}"),
    ]
    kept = without_names_in_use(candidates, {"arxiv:1708.09366": 2017}, texts)
    assert kept == candidates


def test_a_word_and_a_name_others_wrote_first_is_a_term() -> None:
    """ "Explainable AI" before a colon is a word and a name, but three records wrote it
    before the paper: a term of the field, not the paper's name. "Faster R-CNN", written
    only after its paper, stays."""
    records = [
        ("arxiv:1501.00001", 2015.0, "Towards Explainable AI for robots."),
        ("arxiv:1502.00002", 2015.0, "We survey Explainable AI methods."),
        ("arxiv:1503.00003", 2015.0, "Explainable AI in medicine."),
        ("arxiv:1601.00004", 2016.0, "We compare with Faster R-CNN on COCO."),
    ]
    candidates = {
        "arxiv:1506.01497": [MinedAlias("Faster R-CNN", "title")],
        "arxiv:1801.00005": [MinedAlias("Explainable AI", "title")],
    }
    dates = {"arxiv:1506.01497": 2015.4, "arxiv:1801.00005": 2018.0}
    assert without_names_in_use(candidates, dates, records) == {
        "arxiv:1506.01497": [MinedAlias("Faster R-CNN", "title")],
        "arxiv:1801.00005": [],
    }
