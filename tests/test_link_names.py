"""Names: normalised keys, letter case judged by word frequency, sizes kept, versions apart,
curated aliases over mined ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.catalog import load_catalog
from pipeline.catalog_store import cached_arrays, memory_map
from pipeline.config import DEFAULT_CATALOG
from pipeline.language import Segment
from pipeline.link import names as names_module
from pipeline.link.decision import Decision
from pipeline.link.names import (
    AliasFinder,
    NameTable,
    catalog_names,
    evidence_parts,
    name_arrays,
    name_key,
    name_spans,
    named_as_paper,
    same_name,
    written_out_form,
)
from pipeline.link.packed import PackedStrings
from pipeline.link.policy import LinkPolicy
from tests.conftest import RAW


def _table(aliases: list[str], sources: list[str] | None = None) -> NameTable:
    """One paper per alias ("p0", "p1", ...)."""
    return NameTable.from_aliases(
        {f"p{i}": [a] for i, a in enumerate(aliases)},
        {f"p{i}": [s] for i, s in enumerate(sources)} if sources else None,
    )


def _names(text: str, aliases: list[str], language: str = "zh") -> list[tuple[str, str]]:
    segment = Segment(0, len(text), language)
    return [(text[s:e], evidence) for s, e, evidence in name_spans(text, segment, _table(aliases))]


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("- [AgentVerse](https://github.com/OpenBMB/AgentVerse)", True),
        ("[AgentVerse](https://huggingface.co/OpenBMB/agent-verse/)", True),
        ("[AgentVerse](https://github.com/OpenBMB/BMTools)", False),
        ("[AgentVerse](https://example.org/OpenBMB/AgentVerse)", False),
        ("[AgentVerse framework](https://github.com/OpenBMB/AgentVerse)", False),
    ],
)
def test_a_name_linked_to_its_own_repository_names_the_artifact_of_a_paper(
    text: str, linked: bool
) -> None:
    ((written, evidence),) = _names(text, ["AgentVerse"], "de")
    assert written == "AgentVerse" and named_as_paper(evidence) is linked


def test_alias_next_to_han_characters() -> None:
    assert _names("LoRA的论文 - Prefix-Tuning论文", ["LoRA"]) == [("LoRA", "lora")]


@pytest.mark.parametrize(
    ("text", "language", "paper"),
    [
        ("LoRA论文", "zh", True),
        ("LoRA 論文", "zh", True),
        ("the LoRA paper", "en", True),
        ("das LoRA-Paper", "de", True),
        ("`LoRA` papers", "en", True),
        ("LoRA paperclip", "en", False),
        ("LoRA model", "en", False),
        ("LoRA的论文", "zh", False),
    ],
)
def test_a_word_for_paper_after_a_name_is_part_of_its_evidence(
    text: str, language: str, paper: bool
) -> None:
    ((written, evidence),) = _names(text, ["LoRA"], language)
    assert written == "LoRA" and named_as_paper(evidence) is paper
    assert evidence_parts(evidence)[0] == "lora"


def test_alias_version_is_not_the_alias() -> None:
    assert _names("我们用GPT-3.5做实验", ["GPT-3"]) == []
    assert _names("我们用GPT-3做实验", ["GPT-3"]) == [("GPT-3", "gpt3")]


@pytest.mark.parametrize("written", ["GPT3", "GPT 3", "GPT-3", "GPT_3"])
def test_alias_separator_variants(written: str) -> None:
    assert _names(f"原始论文 {written} 模型", ["GPT-3"]) == [(written, "gpt3")]


def test_alias_not_inside_lit_prefix() -> None:
    assert _names("Lit-LLaMA is a fork of nanoGPT", ["LLaMA"], "en") == []
    assert _names("LLaMA is open", ["LLaMA"], "en") == [("LLaMA", "llama")]


def test_alias_not_inside_longer_word() -> None:
    assert _names("RoBERTa and BERTology", ["BERT"], "en") == []


def test_a_middle_dot_joins_another_name() -> None:
    assert _names("DALL·E 2 erzeugt Bilder", ["DALL"], "de") == []
    assert _names("DALL・E 和 DALL 不同", ["DALL"], "zh") == [("DALL", "dall")]


def test_a_dot_before_one_capital_joins_another_name() -> None:
    assert _names("dikenali sebagai CLIP dan DALL.E.", ["DALL"], "ms") == []
    assert _names("antara DALL.E 1 dan 2", ["DALL"], "ms") == []
    assert _names("CLIP dan DALL. Einstein", ["DALL"], "ms") == [("DALL", "dall")]


def test_a_program_named_after_a_model_is_not_its_paper() -> None:
    assert _names("mit llama.cpp und whisper.cpp", ["LLaMA", "Whisper"], "de") == []
    assert _names("Skrip train_yolo.py melatih model", ["YOLO"], "id") == []
    assert _names("LLaMA. Danach", ["LLaMA"], "de") == [("LLaMA", "llama")]


def test_words_of_grammar_written_apart_are_no_name() -> None:
    """German "es im" ("it in") is not ESIM; content words apart still are a name."""
    assert _names("so gibt es im Vergleich wenige Daten", ["ESIM"], "de") == []
    assert _names("we use flash attention here", ["FlashAttention"], "en") == [
        ("flash attention", "flashattention")
    ]


def test_a_given_name_in_a_list_of_authors_is_a_person() -> None:
    authors = "released with the paper by Linting Xue, Mihir Kale, Adam Roberts, Colin Raffel."
    assert _names(authors, ["Adam"], "en") == []
    assert _names("Adam Roberts and Colin Raffel wrote it", ["Adam"], "en") == [("Adam", "adam")]
    assert _names("optimisers such as SGD, Adam, and RMSProp", ["Adam"], "en") == [("Adam", "adam")]
    assert _names("trained with SGD and Adam Optimizer", ["Adam"], "en") == [("Adam", "adam")]


def test_alias_followed_by_a_different_name() -> None:
    assert _names("Transformer-XL handles long context", ["Transformer"], "en") == []
    assert _names("LoRA-drop prunes adapters", ["LoRA"], "en") == []


@pytest.mark.parametrize("written", ["LoRA-based tuning", "LoRA-style adapters", "LoRA-nya"])
def test_alias_used_with_a_suffix(written: str) -> None:
    assert _names(written, ["LoRA"], "en") == [("LoRA", "lora")]


def test_alias_with_german_compound_suffix() -> None:
    text = (
        "Daher können vortrainierte BERT-Modelle durch einfaches Hinzufügen feinabgestimmt werden."
    )
    assert _names(text, ["BERT"], "de") == [("BERT", "bert")]


@pytest.mark.parametrize(
    "written", ["Chinchilla-70B", "Chinchilla 70B", "Chinchilla-Instruct", "Chinchilla-base"]
)
def test_sizes_and_variants_are_the_same_paper(written: str) -> None:
    assert _names(f"{written} übertrifft Gopher", ["Chinchilla"], "de") == [
        ("Chinchilla", "chinchilla")
    ]


@pytest.mark.parametrize("written", ["Self-consistency", "self consistency", "SELF-CONSISTENCY"])
def test_phrase_alias_any_case(written: str) -> None:
    assert _names(f"the {written} method", ["Self-Consistency"], "en") == [
        (written, "selfconsistency")
    ]


@pytest.mark.parametrize(
    ("written", "alias"),
    [
        ("Llama", "LLaMA"),
        ("LLaMA-2", "Llama 2"),
        ("Llama2", "Llama 2"),
        ("roberta", "RoBERTa"),
        ("Word2Vec", "word2vec"),
        ("Phi-1", "phi-1"),
        ("StableDiffusion", "Stable Diffusion"),
    ],
)
def test_spellings_of_a_name(written: str, alias: str) -> None:
    assert _names(f"Kami guna {written} untuk ujian.", [alias], "ms") == [
        (written, name_key(alias))
    ]


@pytest.mark.parametrize(
    ("text", "alias"),
    [
        ("we use adam here", "Adam"),
        ("Sam said so", "SAM"),
        ("a transformer block", "Transformer"),
        ("ein vortrainiertes seq2seq-Modell", "Seq2Seq"),
    ],
)
def test_common_words_in_another_case_are_not_names(text: str, alias: str) -> None:
    assert _names(text, [alias], "en") == []


def test_alias_as_written_is_always_a_name() -> None:
    assert _names("we use Adam here", ["Adam"], "en") == [("Adam", "adam")]


def test_a_new_version_is_another_paper() -> None:
    table = _table(["Gemma"])
    text = "Gemma 2 lebih baik daripada Gemma."
    found = list(name_spans(text, Segment(0, len(text), "ms"), table))
    assert [(text[s:e], ev) for s, e, ev in found] == [("Gemma", "gemma|2"), ("Gemma", "gemma")]
    unknown = table.decide(found[0][2])
    assert (unknown.status, unknown.paper_id, unknown.method) == (
        "unmatched",
        None,
        "name_unknown_version:Gemma",
    )
    assert table.decide(found[1][2]).paper_id == "p0"


@pytest.mark.parametrize("end", [".", "!", ";", ""])
def test_a_version_ending_a_sentence_is_a_version(end: str) -> None:
    """ "Wir testen Gemma 2." is the second Gemma, not the first; "2.cpp" is a program."""
    table = _table(["Gemma"])
    found = _decided(table, f"Wir testen Gemma 2{end}", "de")
    assert [(w, d.method) for w, d in found] == [("Gemma", "name_unknown_version:Gemma")]
    assert _decided(table, "wir bauen gemma-2.cpp", "de") == []


def test_the_versions_of_a_family_make_its_name_known() -> None:
    """No paper is named "GPT", but three are named by its versions: another version is an
    unknown version of that family, spelled as the catalog spells it, and the family without
    a version is no mention."""
    table = _table(["GPT-2", "GPT-3", "GPT-4", "phi-1", "Phi-3"])
    found = _decided(table, "GPT-5, GPT-3.5, GPT-4 und Phi-4. GPT-Modelle und GPT4All.", "de")
    assert [(w, d.status, d.paper_id, d.method) for w, d in found] == [
        ("GPT", "unmatched", None, "name_unknown_version:GPT"),
        ("GPT", "unmatched", None, "name_unknown_version:GPT"),
        ("GPT-4", "matched", "p2", "alias"),
        ("Phi", "unmatched", None, "name_unknown_version:phi"),
    ]
    assert table.papers("gpt") == []


@pytest.mark.parametrize(
    "aliases",
    [
        ["GPT-2"],  # one version
        ["GPT-2", "GPT 2"],  # one version, twice
        ["SS-2", "SS-3"],  # a family of two letters
    ],
)
def test_a_family_needs_two_versions_of_two_papers(aliases: list[str]) -> None:
    family = aliases[0].split("-")[0]
    assert _decided(_table(aliases), f"dan {family}-7 juga", "ms") == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Daten wie GPT4-Alpaca und Dolly", ["Dolly"]),  # a dataset built from both
        ("die GPT4-Modelle und der GPT4-Hype", ["GPT4", "GPT4"]),  # German words
    ],
)
def test_a_name_joined_by_a_hyphen_to_another_name_is_a_third_work(
    text: str, found: list[str]
) -> None:
    """A German compound's second part is a word, unless it is a name of its own that is
    no common word ("Hype" is some paper's name too)."""
    aliases = ["GPT4", "Alpaca", "Dolly", "Hype"]
    assert [written for written, _ in _names(text, aliases, "de")] == found


def _decided(table: NameTable, text: str, language: str) -> list[tuple[str, Decision]]:
    """Every name found in ``text`` (one line) with the table's decision on it."""
    spans = name_spans(text, Segment(0, len(text), language), table)
    return [(text[s:e], table.decide(evidence)) for s, e, evidence in spans]


def test_a_version_the_catalog_knows_is_its_paper() -> None:
    table = _table(["LLaMA", "Llama 3", "Llama 3.1"])
    found = _decided(table, "Llama 3.1 dan Llama 3 serta LLaMA-13B dan Llama 4", "ms")
    assert [(w, d.paper_id) for w, d in found] == [
        ("Llama 3.1", "p2"),
        ("Llama 3", "p1"),
        ("LLaMA", "p0"),
        ("Llama", None),
    ]


def test_a_version_written_with_a_v() -> None:
    """ "V2" is a version as "2" is: the catalog's paper of that name, the family's own for
    a first version, else no paper of the family."""
    table = _table(["LLaMA", "Llama 2", "FLAN"])
    found = _decided(table, "LLaMA v2 und LLaMA V1, dann FLAN V2 und FLAN-v1.0", "de")
    assert [(w, d.paper_id) for w, d in found] == [
        ("LLaMA", "p1"),
        ("LLaMA", "p0"),
        ("FLAN", None),
        ("FLAN", "p2"),
    ]
    assert found[2][1].method == "name_unknown_version:FLAN"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ResNet-50 dan ResNet-18/34 serta ResNet 101", ["resnet", "resnet", "resnet"]),
        ("VGG-19）、AlexNet 和 DenseNet-121", ["vgg", "densenet"]),
        ("ResNet-2 dan ResNet v10", ["resnet|2", "resnet|10"]),
        ("pengekod visual beku BLIP-27 dan BLIP-2", ["blip|27", "blip2"]),
    ],
)
def test_a_depth_after_a_name_is_a_variant_of_its_paper_not_a_version(
    text: str, found: list[str]
) -> None:
    """Two or three digits without a "v" count a model's layers ("ResNet-50", "VGG-19"):
    a variant its paper describes, where a version ("ResNet-2", "v10") is another work; so
    are two digits after a name the catalog knows numbered versions of ("BLIP-2" and a
    footnote)."""
    aliases = ["ResNet", "VGG", "DenseNet", "BLIP", "BLIP-2"]
    assert [e for _, e in _names(text, aliases, "ms")] == found


def test_mined_alias_needs_its_written_form_and_no_common_word() -> None:
    table = _table(["Mamba", "Position"], ["title", "title"])
    text = "Mamba and mamba; Position matters"
    found = [text[s:e] for s, e, _ in name_spans(text, Segment(0, len(text), "en"), table)]
    assert found == ["Mamba"]


def test_curated_alias_wins_over_a_mined_one() -> None:
    table = NameTable.from_aliases(
        {"a": ["BERT"], "b": ["BERT"], "c": ["BERT"]},
        {"a": ["curated"], "b": ["title"], "c": ["abstract"]},
    )
    assert table.decide("bert").paper_id == "a"
    mined = NameTable.from_aliases(
        {"b": ["Orca"], "c": ["Orca"]}, {"b": ["title"], "c": ["abstract"]}
    )
    shared = mined.decide("orca")
    assert (shared.status, shared.candidates) == ("ambiguous", ("b", "c"))


def test_name_key() -> None:
    assert name_key("GPT-3") == name_key("GPT 3") == name_key("gpt3") == "gpt3"
    assert name_key("Llama 3.1") == "llama3.1"
    assert name_key("Self-Consistency") == name_key("self consistency") == "selfconsistency"


def test_longest_alias_wins() -> None:
    assert _names("GPT-3 and GPT-3 Turbo", ["GPT-3", "GPT-3 Turbo"], "en") == [
        ("GPT-3", "gpt3"),
        ("GPT-3 Turbo", "gpt3turbo"),
    ]


def test_no_aliases_no_names() -> None:
    assert not AliasFinder({})
    text = "GPT-3"
    assert list(name_spans(text, Segment(0, len(text), "en"), _table([]))) == []


@pytest.mark.parametrize(
    ("text", "evidence"),
    [("Gemma 2是新模型", "gemma|2"), ("Gemma 2B 很小", "gemma"), ("Gemma-7B-Instruct", "gemma")],
)
def test_versions_and_sizes_next_to_han_characters(text: str, evidence: str) -> None:
    assert [e for _, e in _names(text, ["Gemma"])] == [evidence]


def test_a_chinese_word_after_a_hyphen_is_a_use_of_the_name() -> None:
    assert _names("基于BERT-模型的方法", ["BERT"]) == [("BERT", "bert")]


def test_mined_name_keeps_its_words_joined_or_apart() -> None:
    table = _table(["DublinCity", "Llama 2", "Self-Consistency"], ["title"] * 3)
    text = "Dublin City; DublinCity; Llama2; Self Consistency; SelfConsistency"
    found = [text[s:e] for s, e, _ in name_spans(text, Segment(0, len(text), "en"), table)]
    assert found == ["DublinCity", "Llama2", "Self Consistency"]


@pytest.mark.parametrize(
    ("text", "language", "name", "found"),
    [
        ("dipanggil GPT: Generative Pre-Trained Transformer.", "ms", "Transformer", []),
        ("the Swin Transformer backbone", "en", "Transformer", []),
        ("The Transformer uses attention", "en", "Transformer", ["Transformer"]),
        ("## Model Transformer", "ms", "Transformer", ["Transformer"]),
        ("Der Transformer nutzt Attention", "de", "Transformer", ["Transformer"]),
        ("基于 Transformer 的模型", "zh", "Transformer", ["Transformer"]),
        # A hyphenated compound is judged whole ("Term" alone is a German word).
        ("namens Long Short-Term Memory Networks, kurz LSTMs", "de", "Memory Networks", []),
        ("Memory Networks speichern Fakten", "de", "Memory Networks", ["Memory Networks"]),
        ("the End-To-End Memory Networks of 2015", "en", "Memory Networks", []),
        ("die Memory Networks von Weston", "de", "Memory Networks", ["Memory Networks"]),
    ],
)
def test_a_name_of_common_words_after_a_capitalised_word_heads_a_longer_name(
    text: str, language: str, name: str, found: list[str]
) -> None:
    assert [w for w, _ in _names(text, [name], language)] == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("[Prompt Chaining](https://www.promptingguide.ai/techniques/cot) und mehr", []),
        ("| [RedPajama](https://www.together.xyz/blog/redpajama-models-v1) |", ["RedPajama"]),
        ("Code: github.com/microsoft/cot-tools, siehe CoT", ["CoT"]),
        ("www.example.org/cot/", []),
        ("| [🎫](./CoT/Chain%20of%20Thought.md) | [CoT](cot.md) |", ["CoT"]),
        ("cot/redpajama", ["cot", "redpajama"]),
    ],
)
def test_no_name_is_read_inside_a_web_address(text: str, found: list[str]) -> None:
    assert [w for w, _ in _names(text, ["CoT", "RedPajama"], "de")] == found


def test_a_name_that_is_no_common_word_may_follow_a_capitalised_word() -> None:
    assert _names("Google BERT and Meta Llama", ["BERT", "Llama"], "en") == [
        ("BERT", "bert"),
        ("Llama", "llama"),
    ]


@pytest.mark.parametrize(
    ("text", "language", "found"),
    [
        # On a Chinese line a capitalised "Bert" is the model; in English prose a given name.
        ("Bert【1】的掩码语言模型", "zh", ["Bert"]),
        ("Bert and Ernie went home", "en", []),
        # Lower case, or a word common even on a CJK line ("Adam" 4.6), stays a word.
        ("bert的掩码语言模型", "zh", []),
        ("Adam说", "zh", []),
    ],
)
def test_a_capitalised_name_on_a_cjk_line_may_be_a_less_rare_word(
    text: str, language: str, found: list[str]
) -> None:
    assert [w for w, _ in _names(text, ["BERT", "ADAM"], language)] == found


def test_a_mined_name_after_a_capitalised_word_heads_a_longer_name() -> None:
    table = _table(["R-CNN"], ["title"])
    text = "Mask R-CNN and Faster R-CNN improve on R-CNN. The R-CNN detector"
    found = [text[s:e] for s, e, _ in name_spans(text, Segment(0, len(text), "en"), table)]
    assert found == ["R-CNN", "R-CNN"]


def _answers(table: NameTable) -> tuple:
    """Everything the linker asks a name table, for every name it holds."""
    keys = list(table.display)
    forms = [f(table.display[k]) for k in keys for f in (str, str.lower, str.upper)]
    return (
        [(table.decide(k), table.decide(f"{k}|2"), k in table.mined_only) for k in keys],
        [(table.accepts(f, "en"), table.accepts(f, "de")) for f in forms],
        table.finder.priority,
    )


def test_a_stored_table_answers_as_the_one_built_in_memory(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    built = catalog_names(catalog, LinkPolicy())
    catalog_names(catalog, LinkPolicy(), tmp_path)  # builds and stores
    stored = catalog_names(catalog, LinkPolicy(), tmp_path)
    assert memory_map(stored._arrays["paper_rows"]) is not None
    assert len(stored.display) > 100
    assert _answers(stored) == _answers(built)


def test_a_damaged_store_is_rebuilt(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    expected = _answers(catalog_names(catalog, LinkPolicy(), tmp_path))
    (folder,) = tmp_path.glob("names-*")
    damaged = folder / "paper_rows.npy"
    damaged.unlink()  # replaced, not rewritten in place: a mapped file must never shrink
    damaged.write_bytes(b"\x93NUMPY damaged")
    assert _answers(catalog_names(catalog, LinkPolicy(), tmp_path)) == expected


def test_the_store_does_not_depend_on_the_policy(tmp_path: Path) -> None:
    """A phrase is judged against the policy when asked, so a changed threshold reads the
    same stored arrays: "short-cut" in lower case is a common word unless "Short-Cut" is a
    phrase long enough."""
    arrays = cached_arrays(
        tmp_path, "names", "key", lambda: name_arrays([(0, "p0", ["Short-Cut"], [])])
    )
    assert memory_map(arrays["phrase_letters"]) is not None
    lenient = NameTable(arrays, ["p0"], LinkPolicy(min_phrase_alias_letters=8))
    strict = NameTable(arrays, ["p0"], LinkPolicy(min_phrase_alias_letters=9))
    assert lenient.accepts("short-cut", "en")
    assert not strict.accepts("short-cut", "en")
    assert strict.accepts("Short-Cut", "en")


def test_a_curated_name_of_several_words_is_found_in_either_number() -> None:
    table = _table(["Highway Networks", "Vision Transformer", "GAN"])
    text = "Highway network 与 Vision Transformers，以及 GANs。"
    found = [
        (text[s:e], table.decide(ev).paper_id)
        for s, e, ev in name_spans(text, Segment(0, len(text), "zh"), table)
    ]
    assert found == [("Highway network", "p0"), ("Vision Transformers", "p1")]


def test_the_other_number_of_a_name_never_takes_another_papers_own_name() -> None:
    table = _table(["Vision Transformer", "Vision Transformers"])
    assert table.decide(name_key("Vision Transformers")).paper_id == "p1"
    assert table.decide(name_key("Vision Transformer")).paper_id == "p0"


def test_a_mined_acronym_is_no_common_word_in_capitals() -> None:
    """ "bert" and "coma" are common words; "BERT" and "COMA" are names."""
    table = _table(["BERT", "COMA"], ["title", "abstract"])
    text = "BERT 与 COMA 不是 Bert 或 coma。"
    spans = name_spans(text, Segment(0, len(text), "zh"), table)
    found = [text[start:end] for start, end, _ in spans]
    assert found == ["BERT", "COMA"]


def test_a_mined_plural_acronym_is_found_in_the_singular() -> None:
    table = _table(["GATs", "GAT"], ["abstract", "abstract"])
    assert table.decide(name_key("GAT")).paper_id == "p1"  # another paper's own name
    table = _table(["GATs", "DCGANs"], ["abstract", "abstract"])
    text = "GAT 与 DCGAN"
    spans = name_spans(text, Segment(0, len(text), "zh"), table)
    assert [(text[s:e], table.decide(ev).paper_id) for s, e, ev in spans] == [
        ("GAT", "p0"),
        ("DCGAN", "p1"),
    ]


def test_forgetting_first_chunks_changes_no_name_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The finder remembers which first chunks may begin an alias; a full memory is cleared,
    and the names found stay the same."""
    finder = catalog_names(load_catalog(DEFAULT_CATALOG), LinkPolicy()).finder
    lines = [
        line
        for path in sorted(RAW.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    remembered = [list(finder.finditer(line, 0, len(line))) for line in lines]
    monkeypatch.setattr(names_module, "MAX_REMEMBERED_CHUNKS", 3)
    fresh = catalog_names(load_catalog(DEFAULT_CATALOG), LinkPolicy()).finder
    assert [list(fresh.finditer(line, 0, len(line))) for line in lines] == remembered
    assert sum(map(len, remembered)) > 100


def test_name_arrays_group_spellings_by_key() -> None:
    """Per name key: the papers (those of a curated alias when there is one, else every
    paper mined with it), the first spelling shown, every written form once and sorted, the
    other number of a curated name and the singular of a mined acronym."""
    arrays = name_arrays(
        [
            (0, "p0", ["Style-GAN", "GATs"], ["abstract", "abstract"]),
            (1, "p1", ["StyleGAN", "Highway Networks"], ["title", "curated"]),
            (2, "p2", ["style gan"], ["title"]),
            (3, "p3", ["GAT"], ["curated"]),
        ]
    )
    keys = PackedStrings(arrays["key_data"], arrays["key_offsets"])
    display = PackedStrings(arrays["display_data"], arrays["display_offsets"])
    written = PackedStrings(arrays["written_data"], arrays["written_offsets"])
    table = {}
    for i in range(len(keys)):
        papers = arrays["paper_rows"][arrays["paper_offsets"][i] : arrays["paper_offsets"][i + 1]]
        forms = written.slice(*arrays["written_lists"][i : i + 2].tolist())
        table[keys[i]] = (bool(arrays["curated"][i]), papers.tolist(), display[i], forms)
    assert table == {
        "gat": (True, [3], "GAT", ["GAT"]),  # the mined plural's singular is p3's own name
        "gats": (False, [0], "GATs", ["GATs"]),
        "highwaynetwork": (True, [1], "Highway Network", ["HighwayNetwork"]),
        "highwaynetworks": (True, [1], "Highway Networks", ["HighwayNetworks"]),
        "stylegan": (False, [0, 1, 2], "Style-GAN", ["StyleGAN", "stylegan"]),
    }
    assert arrays["phrase_letters"].tolist() == [-1, -1, 14, 15, -1]


def test_a_name_inside_another_names_written_out_form_is_no_mention() -> None:
    text = "GPT-3 (Generative Pre-trained Transformer 3) nutzt den Transformer"
    segment = Segment(0, len(text), "de")
    found = list(name_spans(text, segment, _table(["GPT-3", "Transformer"])))
    assert [start for start, _, _ in found] == [0, text.rindex("Transformer")]
    written_out = found[0][2]
    assert evidence_parts(written_out) == ("gpt3", "", "")
    assert written_out_form(written_out) == "Generative Pre trained Transformer 3"
    assert same_name(written_out) == "gpt3"


def test_a_name_without_written_out_form_keeps_its_evidence() -> None:
    ((_, evidence),) = _names("LoRA论文", ["LoRA"])
    assert written_out_form(evidence) == "" and named_as_paper(evidence)
    assert same_name(evidence) == evidence
