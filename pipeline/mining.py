"""Knowledge learned from the catalog itself: paper names (aliases) and key phrases.

Curated papers were given names and keywords by hand; imported papers have only a title, an
abstract and authors. This module mines what a reader would call a paper from those texts:

- **title** names: the part of a title before a colon or dash (``RoBERTa: A Robustly ...``,
  ``LLaMA: Open and ...``), a title that is itself a name (``Mistral 7B``), a name followed
  by ``Technical Report``, a capitalised word before a name there (``Faster R-CNN``); not
  when the title presents a library, toolkit or software package (a page names ``PyTorch``
  to say it used it, not to cite its paper);
- **abstract** names: ``we present|introduce|propose X``, ``called|dubbed|named X``, an
  appositive ``we propose a new method, X, ...`` and an acronym in brackets after ``we
  propose ...``.

A candidate is kept only when it looks like a name rather than a word of the language: it has
a digit, an inner capital (``RoBERTa``, ``LSeg``), is an acronym, or is a word that is rare in
English according to ``wordfreq`` (``Pythia``, ``Llemma``). Common words written with a capital
(``Falcon``, ``Adam``) are lost: precision before recall.

Several papers may claim one name. :func:`resolve_collisions` keeps the strongest claim
(curated over title over abstract); when that strongest level has at most
``MAX_CLAIMANTS`` papers they all keep the name (the linker then finds it ambiguous unless the
context separates them); past that bound the name is dropped from all of them (it is a
generic term or a popular baseline, not one paper's name). Curated claims are never dropped.
A weaker claim by a paper older than every strongest claimant (the first coiner) stays beside
them. With the whole corpus at hand, names in common use are left out first
(:func:`without_names_in_use`): words, terms written before the claimant, and acronyms that
several records define with the same long form, which belong only to the first of them.

Keywords for imported papers are key phrases of their abstract weighted by inverse document
frequency over the imported corpus (:class:`KeyphraseExtractor`): runs of words between
stop words and punctuation, scored by how often they occur in the abstract and how rare
their words are in the corpus, names first, as the curated keywords are written.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import pandas as pd
import stopwordsiso
from abbreviations import schwartz_hearst
from wordfreq import zipf_frequency

from pipeline.catalog import curated_sources
from pipeline.chunks import map_chunks
from pipeline.link.ids import arxiv_year_month
from pipeline.link.terms import english_stems
from schemas.models import ALIAS_SOURCES

SOURCE_RANK = {source: rank for rank, source in enumerate(ALIAS_SOURCES)}
ALIAS_SEPARATOR = "|"
KEYWORD_SEPARATOR = "; "
# A word at or above this Zipf frequency (about once per 10 million English words, e.g.
# "mistral" 2.6, "pythia" 1.9, "falcon" 3.7, "gemini" 3.4) is a word of the language, not a
# coined name, unless its spelling says otherwise (digits, inner capitals, acronym).
COMMON_WORD_ZIPF = 3.0
# A word of the language followed by a version number is a name below this frequency
# ("gemma" 3.3, "falcon" 3.7), a reference to a part of the text above it ("table", "section").
VERSIONED_WORD_ZIPF = 4.0
# A name written in this many records dated before its claimant's year predates the paper: a
# term of the field ("API", "SOTA", "LMs"), not the paper's coinage.
EARLIER_USES = 3
# A name whose uses (at least LATER_USES) are mostly this many years after its claimant was
# coined again by something else ("GPT" claimed by a 2006 paper).
LATER_YEARS = 5
LATER_USES = 10
# A name that is a common word of a language the pages are written in, or of English ("Anda",
# "NEAR", "MASK", "API" in Malay), is read as the word; "BERT" (3.5) and "Gemini" (3.9) stay.
WORD_LANGUAGES = ("en", "de", "ms", "id")
WORD_ZIPF = 4.0
# Names claimed (at their strongest level) by more papers than this are dropped.
MAX_CLAIMANTS = 3
# An acronym defined in an abstract names the paper when this share of its long form's words
# are words of the title.
ACRONYM_TITLE_SHARE = 2 / 3
# ... and its long form holds this share of the title's words: it stands for what the paper
# is ("Multi-Task Deep Neural Network" of "Multi-Task Deep Neural Networks for Natural
# Language Understanding"), not for its field ("natural language understanding (NLU)").
ACRONYM_TITLE_COVER = 1 / 2
# Words that present a paper's own contribution, looked for in the sentence before an
# acronym's definition (at most this many characters before its long form).
OWN_WORK_CUE = re.compile(
    r"\b(?:propos(?:e|es|ed|ing)|introduc(?:e|es|ed|ing)|present(?:s|ed|ing)?|novel|new(?:er)?"
    r"|call(?:s|ed)?|named?|namely|dub(?:bed)?|term(?:ed)?|coin(?:ed)?|our|develop(?:s|ed)?"
    r"|buil[dt]|formulate[sd]?|refer)\b",
    re.IGNORECASE,
)
OWN_WORK_WINDOW = 100
MAX_NAME_WORDS = 3
MAX_KEYWORDS = 8
# A word in more than this share of the corpus's abstracts ("proposed", "paper"; in a corpus
# of under 13 abstracts, in more than one) cannot start or end a key phrase.
COMMON_IN_CORPUS = 0.08

PART = r"[A-Za-z0-9](?:[A-Za-z0-9+]|\.(?=[A-Za-z0-9]))*"
TOKEN = rf"{PART}(?:-{PART})*"
NAME_TOKEN = re.compile(rf"^{TOKEN}$")
# A size or version that belongs to the name before it: "7B", "2", "1.5", "v2", "XL".
VERSION_TOKEN = re.compile(r"^(?:v?\d+(?:\.\d+)*[BMKbmk]?|[IVX]{1,4}|XL|XXL|[A-Z]\d*)$")
# In one part of a token (between "-" or "+"): a letter and a digit, or a capital after the
# part's first character.
NAME_SPELLING = re.compile(
    r"(?:^|[-+])(?:[^-+]*[A-Za-z][^-+]*\d|[^-+]*\d[^-+]*[A-Za-z]|[^-+]+[A-Z])"
)
DIMENSION = re.compile(r"^\d+(?:\.\d+)?[Dd]$")
NUMERIC_VERSION = re.compile(r"^[A-Za-z]?v?\d+(?:\.\d+)*[BMK]?$")
# A word joined to its version by a hyphen: "Phi-3", "Llama-2".
HYPHEN_VERSION = re.compile(r"^(?P<word>[A-Z][a-z]+)-v?\d+(?:\.\d+)*[BMK]?$")
# The word of a title's "<Word> <name>" name ("Faster R-CNN"): capitalised, letters only.
WORD_BEFORE_NAME = re.compile(r"^[A-Z][a-z]+$")
TITLE_PREFIX = re.compile(r"^(?P<name>[^:–—]{1,40}?)\s*(?::|\s[-–—]{1,2})\s+\S")
TITLE_SUFFIX = re.compile(
    r"\s+(?:Technical Report|Tech(?:nical)? Report|System Card|Model Card)$", re.I
)
# A title that presents software: "PyTorch: An Imperative Style, High-Performance Deep
# Learning Library".
SOFTWARE_TITLE = re.compile(r"\b(?:librar(?:y|ies)|toolkit|toolbox|software|package)\b", re.I)
CANDIDATE = rf"(?P<name>{TOKEN}(?:\s+{TOKEN}){{0,{MAX_NAME_WORDS - 1}}})"
VERBS = r"(?:present|introduce|propose|release|develop|describe|build|design|train)"
NAMING_WORDS = ("called", "dubbed", "named", "termed", "coined")
OWN_WORK_PATTERNS = (
    # "we present LLaMA, a collection of ...", "We introduce Gopher", "we release Pythia"
    re.compile(rf"[Ww]e\s+{VERBS}(?:\s+and\s+{VERBS})?\s+{CANDIDATE}"),
    # "we propose a simple framework, SimCLR, for ..."
    re.compile(rf"[Ww]e\s+{VERBS}\s[^.;:()]{{0,80}}?,\s+{CANDIDATE},"),
    # "we propose Deep Q-Networks (DQN)": an acronym defined by the object of the verb
    re.compile(
        rf"[Ww]e\s+{VERBS}\s+(?:(?:a|an|the|new|novel|simple)\s+)*"
        rf"(?P<expansion>[A-Za-z][^.;:()]{{2,60}}?)\s\((?P<name>{TOKEN})\)"
    ),
    # "We call our method R-CNN", "we name it DeepFoo", "which we term X"
    re.compile(
        rf"[Ww]e\s+(?:call|name|term|dub)\s+(?:[a-z]+\s+){{0,3}}?"
        rf"(?=[A-Z0-9]|[a-z]+[A-Z0-9]){CANDIDATE}"
    ),
)
# "a model called BERT", "dubbed Chinchilla", "which we name DeepFoo"
NAMING = re.compile(rf"\b(?:{'|'.join(NAMING_WORDS)})\s+{CANDIDATE}")
NEXT_WORD = re.compile(r"\s+([a-z][a-z-]*)\b")
# "-based", "-like", "-style": a hyphen into a common lowercase word makes an adjective.
ADJECTIVE_SUFFIX = re.compile(r"-[a-z]+$")
# ... always, when the word is a participle or makes adjectives ("GPT-based", "LLM-powered");
# before a title's colon, one other word makes a compound name ("SWE-bench", "MT-Bench"; not
# the phrase "AI-in-the-loop").
ADJECTIVE_WORD = re.compile(
    r"-[a-z]*(?:ed|ing|like|style|wise|free|aware|specific|level|only|ready|scale)$"
)
# TeX in an abstract: maths whole, commands and braces (for key phrases and word counts).
TEX = re.compile(r"\$[^$]*\$|\\[A-Za-z]+|[{}]")
# Only the markup around words, for acronym definitions: commands, braces, the dollars of
# maths and the unbreakable space. The letters of maths stay, as a long form may spell its
# acronym with them ("empirical $Q$-value iteration (EQVI)"; dropped whole with ``TEX``).
TEX_MARKUP = re.compile(r"\\[A-Za-z]+|[{}$~]")
WORD_PATTERN = r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
# A word, or punctuation that ends a phrase.
PHRASE_TOKEN = re.compile(rf"{WORD_PATTERN}|[.,;:!?()\[\]\"“”'`/]|\s[-–—]\s")
WORD = re.compile(WORD_PATTERN)
NAME_KEY_DROP = re.compile(r"[^0-9a-z]+")
BRACKET = re.compile(r"[()]")
EMPTY_BRACKETS = re.compile(r"\(\s*\)")


@lru_cache(maxsize=200_000)
def english_zipf(word: str) -> float:
    return zipf_frequency(word, "en")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(stopwordsiso.stopwords("en"))


def name_key(name: str) -> str:
    """The form two spellings of one name share: case-folded, only letters and digits
    (``LLaMA-2``, ``Llama 2`` and ``llama2`` are one key; ``GPT-3.5`` stays apart from
    ``GPT-3``)."""
    return NAME_KEY_DROP.sub("", unicodedata.normalize("NFKC", name).casefold())


def is_distinctive(token: str) -> bool:
    """A token whose spelling marks it as a name (:func:`has_name_spelling`), or a
    capitalised word rare in English (``Pythia``, ``Llemma``), with or without a version
    joined by a hyphen (``Kosmos-2``)."""
    if has_name_spelling(token):
        return True
    parts = [p for p in re.split(r"[-.+]", token) if p and not p.isdigit()]
    return (
        token[0].isupper()
        and bool(parts)
        and all(english_zipf(p.lower()) < COMMON_WORD_ZIPF for p in parts)
    )


def has_name_spelling(token: str) -> bool:
    """A part (between hyphens) with letters and a digit, a capital after its first letter
    (``RoBERTa``, ``LSeg``, ``BLIP``; not ``Multi-Query``); not a dimension (``3D``)."""
    return NAME_SPELLING.search(token) is not None and not DIMENSION.match(token)


def is_versioned_word(tokens: Sequence[str]) -> bool:
    """A capitalised word that is not too common followed by a version number: ``Gemma 3``,
    ``Gemini 1.5``, ``Kimi K2``, ``Phi-3`` (but not ``Table 3`` or ``Section 2``)."""
    joined = HYPHEN_VERSION.match(tokens[0])
    if joined:
        return english_zipf(joined["word"].lower()) < VERSIONED_WORD_ZIPF
    head = tokens[0]
    return (
        len(tokens) >= 2
        and head[0].isupper()
        and head[1:].islower()
        and english_zipf(head.lower()) < VERSIONED_WORD_ZIPF
        and NUMERIC_VERSION.match(tokens[1]) is not None
    )


def looks_like_name(candidate: str, before_colon: bool = False) -> bool:
    """One to three tokens: a distinctive head (or a versioned word, ``Gemma 3``) followed
    only by versions, sizes or name-spelled tokens (``Mistral 7B``, not ``NIPS 2016
    Tutorial``); not an adjective such as ``BERT-based``, unless it stands ``before_colon``
    of a title, where ``SWE-bench`` or ``MT-Bench`` is a name."""
    tokens = candidate.split()
    if not 1 <= len(tokens) <= MAX_NAME_WORDS:
        return False
    if not all(NAME_TOKEN.match(t) for t in tokens) or len(name_key(candidate)) < 2:
        return False
    head = tokens[0]
    compound = before_colon and head.count("-") == 1 and not ADJECTIVE_WORD.search(head)
    adjective = ADJECTIVE_SUFFIX.search(head) and not compound
    if adjective and english_zipf(head.rsplit("-", 1)[1]) >= COMMON_WORD_ZIPF:
        return False
    if not is_distinctive(head) and not is_versioned_word(tokens):
        return False
    return all(VERSION_TOKEN.match(t) or has_name_spelling(t) for t in tokens[1:])


def is_word_and_name(candidate: str) -> bool:
    """A capitalised word before a name (``Faster R-CNN``, ``Mask R-CNN``, ``Cascade
    R-CNN``): in a title, the pair is the name of a variant, whose head word alone is no
    name. Said only of titles; whether the pair is a term others wrote first is for
    :func:`without_names_in_use`."""
    tokens = candidate.split()
    return (
        len(tokens) == 2
        and WORD_BEFORE_NAME.match(tokens[0]) is not None
        and not tokens[0].endswith("ing")  # "Improving BERT", "Scaling LLMs": a topic
        and tokens[0].lower() not in stop_words()  # "Towards GPT-4", "The LLM"
        and has_name_spelling(tokens[1])
        and looks_like_name(tokens[1])
    )


def title_names(title: str) -> list[str]:
    """Names a title gives its paper: the part before a colon or dash, or the whole title
    when it is itself a name (``Mistral 7B``, ``DeepSeek-V3 Technical Report``), also when
    that part is a word before a name (``Faster R-CNN``)."""
    text = " ".join(title.split())
    if text.isupper():
        return []  # an all-capitals title says nothing about which words are names
    if SOFTWARE_TITLE.search(text):
        return []  # pages name a library to say they used it, not to cite its paper
    found = []
    prefix = TITLE_PREFIX.match(text)
    if prefix:
        name = TITLE_SUFFIX.sub("", prefix["name"].strip())
        if looks_like_name(name, before_colon=True) or is_word_and_name(name):
            found.append(name)
    whole = TITLE_SUFFIX.sub("", text)
    if looks_like_name(whole) or is_word_and_name(whole):
        found.append(whole)
    return list(dict.fromkeys(found))


def _trim_candidate(raw: str) -> str | None:
    """The name at the head of a candidate: its first token and the versions and sizes that
    follow it (``Llama 2`` from ``Llama 2 and Llama 2-Chat``). None when a capitalised word
    follows: the head is then part of a longer title-case phrase (``Stochastic Gradient
    Langevin Dynamics``), not a name."""
    tokens = [t.rstrip(".") for t in raw.split()]
    kept = [tokens[0]]
    for token in tokens[1:]:
        if VERSION_TOKEN.match(token) or has_name_spelling(token):
            kept.append(token)
            continue
        if token[:1].isupper():
            return None
        break
    return " ".join(kept)


def abbreviates(acronym: str, expansion: str) -> bool:
    """An acronym's first letter is the first letter of the words it stands for, and its
    other capitals appear in order among their initials and letters (``DQN`` for ``Deep
    Q-Networks``, not ``mAP`` for ``a detection algorithm that improves mean average
    precision``, whose expansion starts elsewhere)."""
    words = expansion.split()
    letters = [c.lower() for c in acronym if c.isalpha()]
    if not letters or len(words) > 2 * len(letters) + 1:
        return False
    if words[0][0].lower() != letters[0]:
        return False
    initials = iter("".join(words).lower())
    return all(letter in initials for letter in letters[1:])


def abstract_names(abstract: str) -> list[str]:
    """Names an abstract gives its own paper (``we introduce X``, ``called X``, ...)."""
    text = " ".join(abstract.split())
    matches = list(NAMING.finditer(text)) if any(w in text for w in NAMING_WORDS) else []
    lowered = text.lower()
    start = lowered.find("we ")
    while start != -1:  # str.find is far faster than a regex scan for a word boundary
        if start == 0 or not text[start - 1].isalnum():
            matches += [m for p in OWN_WORK_PATTERNS if (m := p.match(text, start))]
        start = lowered.find("we ", start + 1)
    found = []
    for match in sorted(matches, key=lambda m: m.start("name")):
        name = _trim_candidate(match["name"])
        expansion = match.groupdict().get("expansion")
        if expansion is not None and not abbreviates(name or "", expansion):
            continue
        if name is not None and looks_like_name(name) and _ends_there(text, match, name):
            found.append(name)
    return list(dict.fromkeys(found))


def without_unmatched_brackets(text: str) -> str:
    """The text without the brackets that close nothing or are never closed (``by i)
    modelling ... ii) employing``, a smiley), which are punctuation, not an aside."""
    opened: list[int] = []
    unmatched: list[int] = []
    for bracket in BRACKET.finditer(text):
        if bracket[0] == "(":
            opened.append(bracket.start())
        elif opened:
            opened.pop()
        else:
            unmatched.append(bracket.start())
    if not unmatched and not opened:
        return text
    kept, start = [], 0
    for at in sorted(unmatched + opened):
        kept.append(text[start:at])
        start = at + 1
    kept.append(text[start:])
    return "".join(kept)


def acronym_definitions(text: str) -> dict[str, str]:
    """Schwartz-Hearst's acronyms and their long forms, read from the text on one line,
    without TeX markup and without unmatched or empty brackets. The library reads each line
    alone and gives up on a line with an unbalanced or empty bracket: an abstract lost every
    definition to one enumeration "i)" or one "()" anywhere in it, and one broken across
    lines those that straddle a break; and a long form's first word must start with the
    acronym's letter, not with ``\\emph{``."""
    plain = " ".join(TEX_MARKUP.sub(" ", text).split())
    line = without_unmatched_brackets(EMPTY_BRACKETS.sub(" ", plain))
    return schwartz_hearst.extract_abbreviation_definition_pairs(doc_text=line)


def acronym_names(title: str, abstract: str) -> list[str]:
    """Acronyms the abstract defines (Schwartz-Hearst) from words of the paper's own title:
    "a method called counterfactual multi-agent (COMA) policy gradients" in the abstract of
    "Counterfactual Multi-Agent Policy Gradients". An acronym of words the title lacks names
    something the paper uses, and one of a few of its words names its field: neither is the
    paper's name."""
    if "(" not in abstract:
        return []
    title_stems = set(english_stems(title))
    found = []
    for short, long in sorted(acronym_definitions(abstract).items()):
        if not _presented_as_own(abstract, short, long):
            continue
        stems = english_stems(long)
        in_title = sum(1 for s in stems if s in title_stems)
        covers = len(title_stems.intersection(stems)) >= ACRONYM_TITLE_COVER * len(title_stems)
        own = len(stems) >= 2 and in_title >= ACRONYM_TITLE_SHARE * len(stems) and covers
        if own and looks_like_name(short) and abbreviates(short, long):
            found.append(short)
    return found


def _presented_as_own(abstract: str, short: str, long: str) -> bool:
    """Words of presenting one's own work ("we propose", "a novel", "called", "our") in the
    sentence before the definition: without them an acronym is mostly something the paper
    uses or studies ("Symbolic transfer entropy (STE)")."""
    at = abstract.find(f"({short}")
    if at == -1:
        return False
    before = abstract[max(0, at - len(long) - OWN_WORK_WINDOW) : at]
    sentence = re.split(r"[.;:!?]\s", before)[-1]
    return OWN_WORK_CUE.search(sentence) is not None


def _ends_there(text: str, match: re.Match[str], name: str) -> bool:
    """The name is a whole noun phrase: not cut at ``_`` (``WUDiff_RMF``) nor the modifier
    of a noun after it (``called Faulhaber formulae``, ``we propose NM landscapes``)."""
    end = match.start("name") + len(name)
    if end < len(text) and (text[end].isalnum() or text[end] in "_'"):
        return False
    following = NEXT_WORD.match(text, end)
    return following is None or following[1] in stop_words()


USAGE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*[A-Za-z0-9+]|[A-Za-z0-9]")
# An acronym's plural: "GANs", "LLMs", "CNNs" (a capital or digit before a lower-case "s").
ACRONYM_PLURAL = re.compile(r"^(?P<singular>.*[A-Z0-9])s$")
# A token in brackets, where abstracts define acronyms: "generative adversarial networks (GANs)".
BRACKETED = re.compile(r"\(([A-Za-z][A-Za-z0-9.+-]*)\)")
# An acronym defined with the same long form in brackets in at least this many records is a
# term of the field: it belongs only to the first of them (by year, then id), and only if that
# one claims it ("generative adversarial networks (GANs)").
DEFINERS_OF_A_TERM = 2
# An acronym's key and the stems of its long form: "GANs" for "generative adversarial
# networks" and "GAN" for "generative adversarial network" are one definition.
Definition = tuple[str, tuple[str, ...]]


def singular(name: str) -> str:
    """An acronym without its plural ``s`` (``GANs`` -> ``GAN``); other names unchanged."""
    plural = ACRONYM_PLURAL.match(name)
    return plural["singular"] if plural else name


def acronym_key(name: str) -> str:
    """The name key shared by an acronym and its plural (``GAN``, ``GANs``, ``gans``)."""
    return name_key(singular(name))


def is_common_word(name: str) -> bool:
    """A single token without digits, hyphens or mixed case whose lower-case form (singular, for an
    acronym's plural) is a common word in a language of the pages or in English."""
    name = singular(name)
    if any(c in name for c in " -") or any(c.isdigit() for c in name):
        return False  # several words, or parts joined by a hyphen (``R-CNN``)
    if NAME_SPELLING.search(name.lower()):
        return False
    if any(c.islower() for c in name[1:]) and any(c.isupper() for c in name[1:]):
        return False  # RoBERTa, LLaMA: mixed case is a spelling, not a word
    lower = name.lower()
    return any(zipf_frequency(lower, lang) >= WORD_ZIPF for lang in WORD_LANGUAGES)


def spellings(name: str) -> set[str]:
    """The forms of a name counted as its uses: as written and, for an acronym (or a name
    ending in one), its singular and plural (``GAN`` and ``GANs`` are one term)."""
    one = singular(name)
    return {name, one, f"{one}s"} if one[-1:].isupper() or one[-1:].isdigit() else {name}


def publication_time(arxiv_id: object, year: int | None) -> float | None:
    """When a record appeared, in years, its arXiv id's month as a fraction (2016.167 for
    March 2016), or its year alone. Names are dated to the month: "ResNet", written in
    January 2016, is no coinage of a paper of March 2016."""
    if year is None:
        return None
    dated = arxiv_year_month(arxiv_id)
    if dated is None or dated[0] != year:
        return float(year)
    return year + (dated[1] - 1) / 12


def name_uses(written: dict[str, list[float]], names: set[str]) -> dict[str, list[float]]:
    """For each name of one or two tokens, the dates of the records that write it as written
    or as the same acronym in the singular or plural; ``written`` holds the dates of each
    form."""
    uses: dict[str, list[float]] = {}
    for name in names:
        years = [y for form in sorted(spellings(name)) for y in written.get(form, [])]
        if years:
            uses[name] = years
    return uses


def in_common_use(name: str, date: float | None, uses: Sequence[float]) -> bool:
    """The name is a term others wrote before the paper (``EARLIER_USES``), or others write it
    mostly long after the paper (coined again), or it is a common word. Dates are years, to
    the month where known (:func:`publication_time`)."""
    if is_common_word(name):
        return True
    if date is None or not uses:
        return False
    if sum(1 for used in uses if used < date) >= EARLIER_USES:
        return True
    later = sorted(uses)
    return len(later) >= LATER_USES and later[len(later) // 2] - date > LATER_YEARS


def defined_acronyms(text: str, keys: AbstractSet[str]) -> set[Definition]:
    """The definitions in brackets after a long form (Schwartz-Hearst) that the text gives of
    the acronyms among ``keys``, singular and plural alike."""
    if "(" not in text or keys.isdisjoint(acronym_key(t) for t in BRACKETED.findall(text)):
        return set()
    return {
        (acronym_key(short), tuple(english_stems(long)))
        for short, long in acronym_definitions(text).items()
        if acronym_key(short) in keys
    }


def later_definers(definers: dict[Definition, list[tuple[float, str]]]) -> set[tuple[str, str]]:
    """``(paper_id, acronym key)`` of the records that define an acronym, with a long form
    ``DEFINERS_OF_A_TERM`` or more records give it, after its first definer (by year, then
    id): the acronym is that first paper's name if it claims it, and never theirs."""
    barred = set()
    for (key, _), defined in definers.items():
        records = sorted(set(defined))
        if len(records) >= DEFINERS_OF_A_TERM:
            barred.update((paper_id, key) for _, paper_id in records[1:])
    return barred


@dataclass(frozen=True)
class NamesLookedFor:
    """What a read of the corpus looks for in each record: the spellings of the one- and
    two-token mined names (the last tokens of the two-token ones apart, to find them fast),
    and definitions of the acronyms claimed from abstracts."""

    spellings: frozenset[str]
    from_abstracts: frozenset[str]
    pair_ends: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        ends = frozenset(s.split()[-1] for s in self.spellings if " " in s)
        object.__setattr__(self, "pair_ends", ends)


# A record as read for names: its id, date, the name spellings it writes and the acronym
# definitions it gives.
NameReading = tuple[str, float, set[str], set[Definition]]


def read_for_names(
    looked_for: NamesLookedFor, texts: list[tuple[str, float | None, str]]
) -> list[NameReading]:
    """The readings of the dated ``texts`` (id, date, title plus abstract); on its own, so
    that ``map_chunks`` can run it on a pool."""
    return [
        (
            record_id,
            date,
            written_names(looked_for, USAGE_TOKEN.findall(text)),
            defined_acronyms(text, looked_for.from_abstracts),
        )
        for record_id, date, text in texts
        if date is not None
    ]


def written_names(looked_for: NamesLookedFor, tokens: list[str]) -> set[str]:
    """The spellings looked for that ``tokens`` write: single tokens, and two in a row."""
    found = set(looked_for.spellings.intersection(tokens))
    for position in range(1, len(tokens)):
        if tokens[position] in looked_for.pair_ends:
            pair = f"{tokens[position - 1]} {tokens[position]}"
            if pair in looked_for.spellings:
                found.add(pair)
    return found


def without_names_in_use(
    candidates: dict[str, list[MinedAlias]],
    dates: Mapping[str, float | None],
    texts: Iterable[tuple[str, float | None, str]],
    workers: int = 1,
) -> dict[str, list[MinedAlias]]:
    """The candidates without mined names in common use (curated names always stay):
    ``dates`` are the claimants' (:func:`publication_time`), ``texts`` every record's id,
    date and title plus abstract, read once (by ``workers`` processes). A name of one or two tokens
    written in earlier records or coined again later is left out (:func:`in_common_use`); an
    acronym claimed from an abstract that several records define with the same long form is
    kept only by the first of them (:func:`later_definers`)."""
    mined = {a.name for aliases in candidates.values() for a in aliases if a.source != "curated"}
    from_abstracts = {
        acronym_key(a.name)
        for aliases in candidates.values()
        for a in aliases
        if a.source == "abstract" and " " not in a.name
    }
    names = {n for n in mined if n.count(" ") <= 1}
    forms = frozenset().union(*map(spellings, names)) if names else frozenset()
    looked_for = NamesLookedFor(forms, frozenset(from_abstracts))
    written: dict[str, list[float]] = {}
    definers: dict[Definition, list[tuple[float, str]]] = {}
    for readings in map_chunks(read_for_names, looked_for, texts, workers):
        for record_id, date, tokens, definitions in readings:
            for token in tokens:
                written.setdefault(token, []).append(date)
            for definition in definitions:
                definers.setdefault(definition, []).append((date, record_id))
    uses = name_uses(written, names)
    barred = later_definers(definers)

    def kept(paper_id: str, alias: MinedAlias) -> bool:
        if alias.source == "curated":
            return True
        if alias.source == "abstract" and (paper_id, acronym_key(alias.name)) in barred:
            return False
        used = uses.get(alias.name, [])
        return not in_common_use(alias.name, dates.get(paper_id), used)

    return {pid: [a for a in aliases if kept(pid, a)] for pid, aliases in candidates.items()}


@dataclass(frozen=True)
class MinedAlias:
    name: str
    source: str


def mine_aliases(title: str, abstract: str = "") -> list[MinedAlias]:
    """Names of one paper with their provenance, title names first, one per name key."""
    mined: dict[str, MinedAlias] = {}
    from_abstract = abstract_names(abstract) + acronym_names(title, abstract)
    for source, names in (("title", title_names(title)), ("abstract", from_abstract)):
        for name in names:
            mined.setdefault(name_key(name), MinedAlias(name, source))
    return list(mined.values())


def split_field(value: str, separator: str = ALIAS_SEPARATOR) -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip()]


def curated_only(aliases: str, alias_sources: str) -> list[str]:
    """The aliases of a row marked ``curated`` (mined ones are mined again, not kept)."""
    names = split_field(aliases)
    sources = split_field(alias_sources)
    if len(sources) != len(names):
        raise ValueError(f"aliases {aliases!r} and alias_sources {alias_sources!r} differ")
    return [n for n, s in zip(names, sources, strict=True) if s == "curated"]


@dataclass
class CollisionTable:
    """Name key -> the papers claiming it, by provenance; and what the rule decided."""

    claims: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    kept: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    dropped: dict[str, list[str]] = field(default_factory=dict)

    def shared(self) -> dict[str, tuple[str, list[str]]]:
        """Names kept by more than one paper (the linker must separate them or say
        ambiguous)."""
        return {key: kept for key, kept in self.kept.items() if len(kept[1]) > 1}


def resolve_collisions(
    claims: Iterable[tuple[str, str, str]],
    max_claimants: int = MAX_CLAIMANTS,
    years: Mapping[str, int | None] | None = None,
) -> CollisionTable:
    """Decide who keeps each name, from ``(paper_id, name, source)`` claims.

    The strongest source present for a name wins (curated > title > abstract); weaker claims
    on it are dropped, except (given ``years``) those of papers dated before every paper of
    the strongest level: the first coiner of a name keeps it when later papers put it in
    their titles (``COMA`` of 2017 beside a 2019 title ``COMA: ...``). The name is kept by
    every claimant so chosen when they are at most ``max_claimants`` (or the level is
    curated), else dropped from all of them.
    """
    table = CollisionTable()
    for paper_id, name, source in claims:
        by_source = table.claims.setdefault(name_key(name), {})
        papers = by_source.setdefault(source, [])
        if paper_id not in papers:
            papers.append(paper_id)
    for key, by_source in table.claims.items():
        best = min(by_source, key=SOURCE_RANK.__getitem__)
        papers = sorted(by_source[best])
        if best == "curated" or len(papers) <= max_claimants:
            earlier = _earlier_weaker_claimants(by_source, best, years) if years else []
            if len(papers) + len(earlier) <= max_claimants:
                papers = sorted(papers + earlier)
            table.kept[key] = (best, papers)
        else:
            table.dropped[key] = papers
    return table


def _earlier_weaker_claimants(
    by_source: dict[str, list[str]], best: str, years: Mapping[str, int | None]
) -> list[str]:
    """Papers claiming a name at a level weaker than ``best`` (not curated) and dated before
    every paper claiming it at ``best``."""
    if best == "curated":
        return []
    strongest = [years.get(paper_id) for paper_id in by_source[best]]
    if any(year is None for year in strongest):
        return []
    first = min(year for year in strongest if year is not None)
    return [
        paper_id
        for source, papers in by_source.items()
        if SOURCE_RANK[source] > SOURCE_RANK[best]
        for paper_id in papers
        if (year := years.get(paper_id)) is not None and year < first
    ]


def kept_aliases(
    paper_id: str, aliases: Sequence[MinedAlias], table: CollisionTable
) -> list[MinedAlias]:
    """The paper's aliases that the collision rule lets it keep."""
    result = []
    for alias in aliases:
        kept = table.kept.get(name_key(alias.name))
        if kept is not None and paper_id in kept[1]:
            result.append(alias)
    return result


def join_aliases(aliases: Sequence[MinedAlias]) -> tuple[str, str]:
    """The catalog's ``aliases`` and parallel ``alias_sources`` fields."""
    return (
        ALIAS_SEPARATOR.join(a.name for a in aliases),
        ALIAS_SEPARATOR.join(a.source for a in aliases),
    )


def with_curated(curated: Sequence[str], mined: Sequence[MinedAlias]) -> list[MinedAlias]:
    """Curated names first, every spelling kept as written (``DALL-E`` and ``DALL·E``), then
    mined ones whose key no curated name has."""
    merged = [MinedAlias(name, "curated") for name in dict.fromkeys(curated)]
    keys = {name_key(a.name) for a in merged}
    for alias in mined:
        if name_key(alias.name) not in keys:
            merged.append(alias)
            keys.add(name_key(alias.name))
    return merged


def mine_rows(
    rows: Iterable[tuple[str, str, Sequence[str], str]],
    max_claimants: int = MAX_CLAIMANTS,
) -> tuple[dict[str, tuple[str, str]], CollisionTable]:
    """``aliases``/``alias_sources`` for ``(paper_id, title, curated aliases, abstract)``
    rows, after the collision rule; and the collision table."""
    candidates: dict[str, list[MinedAlias]] = {}
    for paper_id, title, curated, abstract in rows:
        candidates[paper_id] = with_curated(curated, mine_aliases(title, abstract))
    candidates = without_names_in_use(candidates, {}, ())  # no corpus: common words only
    table = resolve_collisions(
        (pid, a.name, a.source) for pid, aliases in candidates.items() for a in aliases
    )
    fields = {
        pid: join_aliases(kept_aliases(pid, aliases, table)) for pid, aliases in candidates.items()
    }
    return fields, table


def abstract_text(abstract: str) -> str:
    """An abstract without TeX commands and maths, spaces collapsed."""
    return " ".join(TEX.sub(" ", abstract).split())


def abstract_words(abstract: str) -> set[str]:
    """The distinct lower-case words of an abstract (for document frequencies)."""
    return {w.lower() for w in WORD.findall(abstract_text(abstract))}


def word_frequencies(abstracts: Iterable[str]) -> tuple[Counter[str], int]:
    """In how many of the (non-empty) ``abstracts`` each word occurs, and how many there are."""
    frequencies: Counter[str] = Counter()
    documents = 0
    for abstract in abstracts:
        if abstract:
            frequencies.update(abstract_words(abstract))
            documents += 1
    return frequencies, documents


class KeyphraseExtractor:
    """Key phrases of abstracts, weighted by inverse document frequency over a corpus.

    Count the corpus first (:meth:`add_counts` of :func:`word_frequencies`), then call
    :meth:`keywords`.
    Candidates are runs of up to three words between stop words (``stopwordsiso``) and
    punctuation that neither start nor end with a word found in more than
    ``COMMON_IN_CORPUS`` of the abstracts (``proposed``, ``paper``); a candidate scores its
    count in the abstract times the summed idf of its words, so informative phrases beat
    their words alone. A single word must occur twice or be spelled as a name (``SDP``):
    one rare verb or adjective says little about a paper.
    """

    def __init__(self) -> None:
        self.document_frequency: Counter[str] = Counter()
        self.documents = 0
        self._words: dict[str, tuple[bool, float]] = {}

    def add_counts(self, frequencies: Counter[str], documents: int) -> None:
        """Count ``documents`` abstracts at once, whose words occur in ``frequencies`` of
        them (:func:`word_frequencies`)."""
        self.document_frequency.update(frequencies)
        self.documents += documents
        self._words.clear()

    def idf(self, word: str) -> float:
        return math.log((1 + self.documents) / (1 + self.document_frequency[word.lower()]))

    def _word(self, lower: str) -> tuple[bool, float]:
        """Whether the word may not start or end a phrase, and its idf (cached)."""
        frequency = self.document_frequency[lower]
        common = len(lower) < 3 or frequency > max(COMMON_IN_CORPUS * self.documents, 1)
        known = (common, math.log((1 + self.documents) / (1 + frequency)))
        self._words[lower] = known
        return known

    def keywords(self, abstract: str) -> list[str]:
        """Up to ``MAX_KEYWORDS`` key phrases, best first (count in the abstract times the
        summed idf of the words), none sharing a word with one already chosen (fewer when the
        abstract is short). A single word qualifies only when it occurs twice or is spelled
        as a name; each word keeps its first spelling."""
        stops = stop_words()
        spelling: dict[str, str] = {}
        grams: list[tuple[str, ...]] = []
        run: list[str] = []
        for token in [*PHRASE_TOKEN.findall(abstract_text(abstract)), "."]:
            if token[0].isalpha():
                lower = token.lower()
                if lower not in stops:
                    spelling.setdefault(lower, token)
                    run.append(lower)
                    continue
            if run:  # the n-grams of a run between stop words
                grams += zip(run)
                grams += pairwise(run)
                grams += zip(run, run[1:], run[2:], strict=False)
                run = []
        counts = Counter(grams)
        words_info = self._words
        info = {w: words_info.get(w) or self._word(w) for w in spelling}
        edge = {w for w, (common, _) in info.items() if not common}
        idf = {w: value for w, (_, value) in info.items()}.__getitem__
        ranked = sorted(
            (-count * sum(map(idf, words)), words)
            for words, count in counts.items()
            if words[0] in edge
            and words[-1] in edge
            and (len(words) > 1 or count > 1 or has_name_spelling(spelling[words[0]]))
        )
        chosen: list[str] = []
        taken: set[str] = set()
        for _, words in ranked:
            if taken.isdisjoint(words):
                chosen.append(" ".join(spelling[w] for w in words))
                taken.update(words)
                if len(chosen) == MAX_KEYWORDS:
                    break
        return chosen

    def keywords_field(self, abstract: str) -> str:
        """The ``keywords`` field (``; ``-separated), empty without an abstract."""
        return KEYWORD_SEPARATOR.join(self.keywords(abstract)) if abstract.strip() else ""


def mine_curated_csv(path: Path) -> CollisionTable:
    """Regenerate a curated catalog CSV's ``aliases`` and ``alias_sources`` in place.

    Aliases marked ``curated`` (all of them when the column is missing) are kept as written;
    the mined ones are mined again from the titles (the curated CSV has no abstracts), so
    running it twice changes nothing. Every other column is written back unchanged.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "alias_sources" not in frame.columns:
        frame.insert(
            frame.columns.get_loc("aliases") + 1,
            "alias_sources",
            frame["aliases"].map(curated_sources),
        )
    curated = [
        curated_only(a, s) for a, s in zip(frame["aliases"], frame["alias_sources"], strict=True)
    ]
    fields, table = mine_rows(
        zip(frame["paper_id"], frame["title"], curated, [""] * len(frame), strict=True)
    )
    frame["aliases"] = [fields[pid][0] for pid in frame["paper_id"]]
    frame["alias_sources"] = [fields[pid][1] for pid in frame["paper_id"]]
    frame.to_csv(path, index=False, lineterminator="\n")
    return table
