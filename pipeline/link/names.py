"""Evidence from names: catalog aliases ("GPT-3", "LoRA", "Stable Diffusion") found in text.

Names match on a normalised key (case-folded; spaces, hyphens, underscores and dots between
parts ignored, so `Llama2`, `LLaMA-2` and `llama 2` are one name; a dot between two digits
stays: `3.1` is a version). Sizes and variants after a name (`-7B`, `-Instruct`, `-base`) are
the same paper; another version number (`Gemma 2` where the catalog knows only Gemma) is
another paper: the mention is unmatched and its method names the family, never the older
paper. A family no paper is named by alone is known from its versions that are (`GPT-2`,
`GPT-3`, `GPT-4`: `GPT-5` is an unknown version of `GPT`). A written form in another letter
case than the alias is a name only when it is not a common word (wordfreq): `roberta` and
`Llama` are names, `adam`, `Sam` and `transformer` are words.
"""

from __future__ import annotations

import bisect
import inspect
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.catalog import Catalog, rows_of_column, split_aliases
from pipeline.catalog_store import cached_arrays, store_key
from pipeline.language import Segment
from pipeline.link import packed
from pipeline.link.columns import READ_CHUNK
from pipeline.link.decision import Decision, ambiguous
from pipeline.link.expansions import written_out_beside
from pipeline.link.frequencies import zipf_frequency
from pipeline.link.packed import PackedStrings, pack_strings
from pipeline.link.policy import LinkPolicy
from pipeline.link.spans import Covering
from pipeline.link.terms import foreign_stopwords
from pipeline.link.text import (
    CJK_LANGUAGES,
    LATIN_ALNUM,
    LATIN_LETTERS,
    LINKED_TEXT,
    PAPER_WORDS_CJK,
    PAPER_WORDS_LATIN,
    web_address_spans,
)

CURATED = "curated"
ALIAS_SEPARATORS = re.compile(r"[\s_-]+")
# A separator between a letter and a digit, which a mined name may drop or add ("Llama 2",
# "Llama2"); between two words it is part of how the name is written ("DublinCity" is not
# "Dublin City").
LETTER_DIGIT_SEPARATOR = re.compile(r"(?<=[^\W\d_])[\s_-]+(?=\d)|(?<=\d)[\s_-]+(?=[^\W\d_])")
# Separators ignored in a name key; a dot only when not between two digits ("3.1").
KEY_SEPARATORS = re.compile(r"[\s_\-]+|\.(?!\d)|(?<!\d)\.")
# Where an alias may be written with or without a separator: between its parts and at every
# change between letters and digits ("Llama 2", "Word2Vec", "Phi-1"). Latin letters run
# together; other letters are one chunk each (Chinese has no spaces: "LoRA论文" holds "LoRA").
TEXT_CHUNKS = re.compile(rf"[{LATIN_LETTERS}]+|[^\W\d_{LATIN_LETTERS}]|\d+(?:\.\d+)*|[^\w\s.-]")
# First chunks of a text remembered per process, whether an alias may begin with them (a
# memory bound: the words of any number of documents).
MAX_REMEMBERED_CHUNKS = 200_000
# What may stand between two chunks of one alias (at most one of them).
CHUNK_SEPARATORS = frozenset(" \t_.-\u00a0")
LATIN_ALNUM_CHAR = re.compile(f"[{LATIN_ALNUM}]")
INNER_CAPITAL = re.compile(r".[A-Z]")
# A capitalised Latin word (a hyphenated compound whole: "Short-Term") right before a name,
# across one space or hyphen.
CAPITALISED_WORD_BEFORE = re.compile(
    rf"(?<![{LATIN_ALNUM}-])[A-Z][{LATIN_ALNUM}]*(?:-[{LATIN_ALNUM}]+)*[ -]$"
)
# A person's name in a list of authors ("..., Mihir Kale, Adam Roberts, Colin Raffel"): what
# stands before a given name, and the surname after it that a list separator follows.
LIST_SEPARATOR_BEFORE = re.compile(r"(?:[,;、]|\b(?:by|von|oleh))\s*$")
SURNAME_IN_LIST = re.compile(r" [A-Z][a-z'’-]+(?=\s*(?:[,;&]|\b(?:and|und|dan)\b))")
# Languages wordfreq knows without extra tokenisers (Chinese needs jieba): the English list
# always, the page's own when it is one of these.
WORDFREQ_LANGUAGES = frozenset({"de", "ms", "id", "nl", "fr", "es", "it", "pt"})

# Words that make a name into a description of a use or a size ("BERT-based", "LoRA-tuned",
# "T5-base", Malay "Transformer-nya"); any other word after a hyphen makes another name
# ("LoRA-drop", "Transformer-XL").
USAGE_SUFFIX = re.compile(
    r"based|style|like|type|sized|scale|level|specific|only|free|compatible|tuned|finetuned"
    r"|trained|pretrained|enhanced|powered|driven|guided|inspired|aware|augmented|generated"
    r"|derived|family|series|base|large|small|tiny|mini|medium|nya|instruct|chat"
)
FOLLOWING_WORD = re.compile(rf"[{LATIN_ALNUM}_.]+")
NAME_SUFFIX_WORD = re.compile(r"[a-zäöüß]{3,}|[A-ZÄÖÜ][a-zäöüß]{3,}")
MODEL_SIZE = re.compile(r"\d+(?:\.\d+)?[BMKTbmkt]|\d+x\d+(?:\.\d+)?[BMbm]")
# A year in brackets right after a name, past its closing quote or emphasis, perhaps with its
# month and itself emphasised: "`GAN-TTS` (2019)", "BERT(**2018.10**)", "GPT（2018年6月）".
YEAR_AFTER = re.compile(
    r"[`'\"*_]{0,2}\s?[(\[（【]\s?[*_]{0,2}(?P<year>(?:19|20)\d{2})"
    r"(?:[./-](?:1[0-2]|0?[1-9])|年(?:(?:1[0-2]|0?[1-9])月)?)?[*_]{0,2}\s?[)\]）】]"
)
# A word for "paper" right after a name ("LoRA论文", "the Pythia paper", "das LoRA-Paper"):
# the page names a paper by it.
PAPER_AFTER = re.compile(rf"[`'\"*_»”]{{0,2}}\s?(?:{PAPER_WORDS_CJK}|-?(?:{PAPER_WORDS_LATIN})\b)")
PAPER_FLAG = "paper"
# A repository on a code or model hub, and its name.
REPOSITORY_URL = re.compile(
    r"https?://(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co)/[\w.-]+/(?P<name>[\w.-]+)/?"
)
# A name in capitals (digits and hyphens allowed): "BERT", "COMA", "GPT-3".
ACRONYM = re.compile(r"(?=[^a-z]*[A-Z][^a-z]*[A-Z])[A-Z0-9\-]+")
# "GATs", "DCGANs", "FuNs": capitals, then a plural s.
PLURAL_ACRONYM = re.compile(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Za-z0-9\-]*[A-Z]s")
# A version number right after a name: "Gemma 2", "Llama 3.1", "Phi-3", "FLAN V2", "Gemma 2."
# ending a sentence (not a size "7B", not a year "2023", not part of a longer number, word
# or file name: "2.0.1", "2.cpp").
FIRST_VERSIONS = ("1", "1.0")
NUMBER_ENDS = rf"(?![{LATIN_ALNUM}_%]|\.[{LATIN_ALNUM}])"
VERSION_AFTER = re.compile(
    rf"[ \-]?(?:[vV](?=\d))?(?P<version>\d{{1,2}}(?:\.\d{{1,2}})?){NUMBER_ENDS}"
)
# A model's depth after its name: "ResNet-50", "VGG-19", "DenseNet-121" are variants the named
# paper describes, not versions of it, when the catalog knows no numbered version of the name
# (two digits after "BLIP", which has a "BLIP-2", are a version and a footnote: "BLIP-27").
DEPTH_AFTER = re.compile(rf"[ \-]?[1-9]\d{{1,2}}{NUMBER_ENDS}")
# A name made of a family and its version, written as a page writes a version after a name:
# "GPT-4", "Kosmos 2", "Inception-v3", "phi-1.5".
VERSIONED_NAME = re.compile(r"(?P<family>[A-Za-z][A-Za-z\-]*?[A-Za-z])" + VERSION_AFTER.pattern)
# A family is known from the versions of it that name papers: at least this many, of as many
# papers ("GPT-2", "GPT-3", "GPT-4": "GPT-5" is a version the catalog does not know).
FAMILY_MIN_VERSIONS = 2
FAMILY_MIN_LETTERS = 3
NO_PAPER_ROW = -1


def name_key(name: str) -> str:
    """The form names are compared in: case-folded, separators between parts removed."""
    return KEY_SEPARATORS.sub("", name.casefold())


def written_by_hand(alias_sources: list[str], position: int) -> bool:
    """Whether the alias at ``position`` was curated (the default without a provenance)."""
    return position >= len(alias_sources) or alias_sources[position] in ("", CURATED)


def mined_form(name: str) -> str:
    """How a mined name must be written: as in its source, but for the separators between
    letters and digits; words stay apart or together, hyphen or space alike."""
    return ALIAS_SEPARATORS.sub(" ", LETTER_DIGIT_SEPARATOR.sub("", name))


class AliasFinder:
    """Where any alias is written, in any letter case, with or without a separator between
    its parts (the case is judged afterwards, by ``NameTable.accepts``).

    Text and aliases are cut into the same chunks (``TEXT_CHUNKS``), and an alias is looked up
    by its case-folded chunks run together ("StableDiffusion" is "Stable Diffusion") from each
    chunk of the line: a few dictionary lookups per chunk, whatever the number of aliases
    (one regex alternation of 50,000 mined names took most of a run). Boundaries are Latin
    letters and digits only ("LoRA论文" holds "LoRA"). Not inside a longer word, not a longer
    version of the alias ("GPT-3.5"), not after "Lit-". At one place the alias with the
    longest name key wins.
    """

    def __init__(self, priority: Mapping[str, int]) -> None:
        """``priority``: each alias's case-folded chunks run together -> the longest name key
        written so (``alias_priorities``)."""
        self.priority = dict(priority)
        self.longest = max(map(len, self.priority), default=0)
        self._sorted = sorted(self.priority)
        # Whether an alias may begin with a text's first chunk, remembered: a text's words
        # recur, and most begin no alias.
        self._may_start = lru_cache(maxsize=MAX_REMEMBERED_CHUNKS)(self._begins_some)

    def _begins_some(self, joined: str) -> bool:
        """Whether some alias's chunks run together begin with ``joined``: if none does, no
        longer run of chunks is an alias either (most chunks of a text begin none)."""
        position = bisect.bisect_left(self._sorted, joined)
        return position < len(self._sorted) and self._sorted[position].startswith(joined)

    def __bool__(self) -> bool:
        return bool(self.priority)

    def finditer(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        """(start, end) of every alias written in text[start:end], left to right."""
        chunks = [
            (m.start(), m.end(), m.group().casefold())
            for m in TEXT_CHUNKS.finditer(text, start, end)
        ]
        i = 0
        while i < len(chunks):
            found = (
                self._longest_at(text, chunks, i, end)
                if self._may_start(chunks[i][2]) and _free_before(text, chunks[i][0])
                else None
            )
            if found is None:
                i += 1
                continue
            yield chunks[i][0], chunks[found][1]
            i = found + 1

    def _longest_at(
        self, text: str, chunks: list[tuple[int, int, str]], first: int, end: int
    ) -> int | None:
        """The last chunk of the best alias starting at chunk ``first``, if any."""
        best: tuple[int, int] | None = None
        joined = ""
        for j in range(first, len(chunks)):
            if j > first:
                gap = chunks[j][0] - chunks[j - 1][1]
                if gap > 1 or (gap == 1 and text[chunks[j - 1][1]] not in CHUNK_SEPARATORS):
                    break
            joined += chunks[j][2]
            if len(joined) > self.longest or not self._begins_some(joined):
                break
            priority = self.priority.get(joined)
            found = priority is not None and _free_after(text, chunks[j][1], end)
            if found and (best is None or priority >= best[0]):
                best = (priority, j)
        return None if best is None else best[1]


def alias_priorities(aliases: Iterable[str]) -> dict[str, int]:
    """What ``AliasFinder`` looks up: each alias's chunks run together -> its name key's
    length (the longest when several aliases are written with the same chunks)."""
    priority: dict[str, int] = {}
    for alias in aliases:
        joined = "".join(c.casefold() for c in TEXT_CHUNKS.findall(alias))
        key_length = len(name_key(alias))
        if joined and key_length:
            priority[joined] = max(priority.get(joined, 0), key_length)
    return priority


def _free_before(text: str, start: int) -> bool:
    """No Latin letter or digit right before, nor one and a hyphen ("Lit-LLaMA")."""
    if start == 0:
        return True
    before = text[start - 1]
    if LATIN_ALNUM_CHAR.match(before):
        return False
    return not (before == "-" and start >= 2 and LATIN_ALNUM_CHAR.match(text[start - 2]))


def _free_after(text: str, end: int, limit: int) -> bool:
    """No Latin letter, digit or "+" right after, and no ".5" (a longer version)."""
    if end >= limit:
        return True
    after = text[end]
    if after == "+" or LATIN_ALNUM_CHAR.match(after):
        return False
    return not (after == "." and end + 1 < limit and text[end + 1].isdigit())


# Characters that join two parts into one name ("DALL·E", Japanese "ト・ニ").
NAME_JOINERS = "\u00b7\u30fb\u2027"
# A dot joined to one capital letter: how some pages write a middle dot ("DALL.E").
DOTTED_LETTER = re.compile(r"\.[A-Z](?![A-Za-z])")
# A source file's extension joined to a name: a program named after the model ("llama.cpp",
# "whisper.cpp", "transformers.js"), not the model's paper.
PROGRAM_SUFFIX = re.compile(
    r"\.(?:cpp|cc|c|h|hpp|py|js|ts|rs|go|java|jl|rb|swift|kt|mojo)(?![A-Za-z0-9])"
)


def name_continues(text: str, end: int, language: str, names: NameTable) -> bool:
    """True when a hyphen after an alias leads into a different name ("Transformer-XL",
    "LoRA-drop", German "GPT4-Alpaca": another catalog name that is no common word) rather
    than a use or variant of it ("LoRA-based", "Llama-2-7B", "ResNet-50", German
    "BERT-Modelle", "GPT-3-Hype"); a middle dot before a letter always does ("DALL·E" is
    not "DALL"), and so does a dot before one capital ("DALL.E") or a source file's
    extension ("llama.cpp")."""
    if end + 1 < len(text) and text[end] in NAME_JOINERS and text[end + 1].isalnum():
        return True
    if DOTTED_LETTER.match(text, end) or PROGRAM_SUFFIX.match(text, end):
        return True
    if end >= len(text) or text[end] != "-":
        return False
    following = FOLLOWING_WORD.match(text, end + 1)
    if not following:
        return False
    word = following.group().rstrip(".")  # a sentence may end after it
    if any(p.fullmatch(word) for p in (MODEL_SIZE, VERSION_AFTER, DEPTH_AFTER)):
        return False
    if language == "de" and NAME_SUFFIX_WORD.fullmatch(word):
        return _distinct_name(word, language, names)  # a compound's second part is a word
    return not USAGE_SUFFIX.fullmatch(word.lower())


def _distinct_name(word: str, language: str, names: NameTable) -> bool:
    """A catalog name, written as one, that is no common word ("Alpaca", not "Hype")."""
    key = name_key(word)
    return (
        bool(names.papers(key))
        and common_word(key, language) < names.policy.common_word_zipf
        and names.accepts(word, language)
    )


def version_after(text: str, end: int) -> str | None:
    """The version number written right after a name, if any ("2" in "Gemma 2 9B", "Gemma
    2是"; none in "Gemma 2B", a size)."""
    m = VERSION_AFTER.match(text, end)
    if not m:
        return None
    return m.group("version")


@lru_cache(maxsize=1 << 16)
def common_word(word: str, language: str) -> float:
    """Zipf frequency of ``word`` in English or, when wordfreq knows it, the page's language."""
    score = zipf_frequency(word, "en")
    if language in WORDFREQ_LANGUAGES:
        score = max(score, zipf_frequency(word, language))
    return score


def function_word(word: str, language: str) -> bool:
    """A word of grammar ("es", "im", "the") in English or the page's language."""
    word = word.casefold()
    return word in foreign_stopwords("en") or word in foreign_stopwords(language)


def head_of_longer_name(
    text: str, start: int, end: int, language: str, policy: LinkPolicy, mined: bool = False
) -> bool:
    """A name of capitalised common words ("Transformer", "Gym", "Memory Networks"), or any
    name mined from a catalog rather than curated ("R-CNN"), after another capitalised word
    is the head of a longer name ("Vision Transformer", "Generative Pre-Trained Transformer",
    "Long Short-Term Memory Networks", "Mask R-CNN"): another paper or none. Function words
    ("The Transformer") and common words of the page's own language (Malay "Model
    Transformer") are not names."""
    if not mined:
        words = text[start:end].split(" ")
        if not all(word.isalpha() and word.istitle() for word in words):
            return False
        if any(common_word(w.casefold(), language) < policy.common_word_zipf for w in words):
            return False
    before = CAPITALISED_WORD_BEFORE.search(text, max(0, start - 40), start)
    if before is None:
        return False
    word = before.group()[:-1].casefold()
    if function_word(word, language):
        return False
    own_language = language in WORDFREQ_LANGUAGES and language != "en"
    return not (own_language and zipf_frequency(word, language) >= policy.common_word_zipf)


def given_name_in_author_list(
    text: str, start: int, end: int, language: str, policy: LinkPolicy
) -> bool:
    """A name that is a common capitalised word ("Adam") written as a person's given name in
    a list of authors: a surname after it, list separators on both sides."""
    written = text[start:end]
    if not (written.isalpha() and written.istitle()):
        return False
    if not LIST_SEPARATOR_BEFORE.search(text, max(0, start - 8), start):
        return False
    if not SURNAME_IN_LIST.match(text, end):
        return False
    return common_word(written.casefold(), language) >= policy.common_word_zipf


def year_after(text: str, end: int) -> str | None:
    """The year written in brackets right after a name ("`GAN-TTS` (2019)", "LightGCN
    [2020]", "LeNet(1989)", "ELMo(2018.2)"): a timeline's or a list's date of the work."""
    m = YEAR_AFTER.match(text, end)
    return m.group("year") if m else None


def name_evidence(
    key: str,
    version: str | None,
    year: str | None = None,
    paper: bool = False,
    written_out: str | None = None,
) -> str:
    """A found name as the candidate table carries it: its key, then "|" and the version
    written after it (or nothing), then "|" and the year in brackets after it, if any, then
    "|paper" when a word for "paper" follows it or it links to its own repository
    (``linked_to_own_repository``), then "|" and its written-out form beside
    it (``written_out_beside``), if any."""
    parts = (key, version or "", year or "", PAPER_FLAG if paper else "", written_out or "")
    return "|".join(parts).rstrip("|")


def _evidence_fields(evidence: str) -> list[str]:
    return [*evidence.split("|"), "", "", "", ""][:5]


def evidence_parts(evidence: str) -> tuple[str, str, str]:
    """Key, version and year ("" when not written) of a name's evidence."""
    key, version, year, *_ = _evidence_fields(evidence)
    return key, version, year


def named_as_paper(evidence: str) -> bool:
    """Whether a word for "paper" follows the name, or it links to its own repository
    (``name_evidence``)."""
    return _evidence_fields(evidence)[3] == PAPER_FLAG


def written_out_form(evidence: str) -> str:
    """The name's written-out form beside it ("" when none; ``name_evidence``)."""
    return _evidence_fields(evidence)[4]


def same_name(evidence: str) -> str:
    """A name's evidence without its written-out form: what the name's other mentions in
    the document share with it."""
    return "|".join(_evidence_fields(evidence)[:4]).rstrip("|")


def paper_after(text: str, end: int) -> bool:
    """A word for "paper" right after a name: "LoRA论文", "the Pythia paper"."""
    return PAPER_AFTER.match(text, end) is not None


def linked_to_own_repository(text: str, start: int, end: int) -> bool:
    """The name is the whole text of a link to a code or model repository of that name
    ("[AgentVerse](https://github.com/OpenBMB/AgentVerse)"): the page names the artifact
    itself, which its paper presents."""
    link = LINKED_TEXT.match(text, start - 1) if start else None
    if link is None or link.end(1) != end:
        return False
    repository = REPOSITORY_URL.fullmatch(link.group(2))
    return repository is not None and name_key(repository["name"]) == name_key(text[start:end])


def mined_singular(alias: str) -> list[str]:
    """An acronym an abstract mined in the plural ("GATs", "DCGANs"): pages name the model
    in the singular."""
    return [alias[:-1]] if PLURAL_ACRONYM.fullmatch(alias) else []


def number_forms(alias: str) -> list[str]:
    """The other grammatical number of a curated name of several words ("Highway Network"
    for "Highway Networks", "Vision Transformers" for "Vision Transformer"): pages write
    both. Names of one word keep their form ("GANs" is not the paper's name)."""
    parts = [p for p in ALIAS_SEPARATORS.split(alias) if p]
    last = parts[-1] if parts else ""
    if len(parts) < 2 or len(last) < 4 or not last.isalpha():
        return []
    if last.endswith("s") and not last.endswith("ss"):
        return [alias[:-1]]
    if last[-1] in "sxyzh":
        return []
    return [alias + "s"]


# A stored name key that no curated multi-part alias spells: never a phrase.
NO_PHRASE = -1


def name_arrays(named: Iterable[tuple[int, str, list[str], list[str]]]) -> dict[str, np.ndarray]:
    """The arrays of a ``NameTable``, sorted by name key. ``named``: (row, paper id, aliases,
    provenance of each alias) of every paper with a name, in catalog order; an alias without
    a provenance (or ``curated``) was written by hand. Nothing here depends on the link
    policy: a phrase keeps its letter count, judged against the policy at lookup.

    Built as columns of one frame, grouped by name key (a dictionary and two sets per key
    took 0.6 GB for the 380,000 names of a 2.5M-title catalog)."""
    spelled = _spelled_names(named)
    keys = sorted(set(spelled["key"]))
    code = pd.Categorical(spelled["key"], categories=keys).codes.astype(np.int64)
    by_hand = spelled["by_hand"].to_numpy(dtype=bool)
    curated = np.bincount(code[by_hand], minlength=len(keys)) > 0
    # A curated alias wins over names mined for other papers from titles or abstracts.
    chosen = pd.DataFrame({"code": code, "row": spelled["row"], "paper": spelled["paper_id"]})
    named = chosen["row"].to_numpy() != NO_PAPER_ROW
    chosen = chosen[(by_hand | ~curated[code]) & named]
    chosen = _in_order(chosen.drop_duplicates(["code", "paper"], keep="last"), "paper")
    multi_part = spelled["alias"].map(_parts_count).to_numpy(dtype=np.int64) > 1
    letters = spelled["alias"].map(_letters).to_numpy(dtype=np.int32)
    phrase_letters = np.full(len(keys), NO_PHRASE, dtype=np.int32)
    np.maximum.at(phrase_letters, code[by_hand & multi_part], letters[by_hand & multi_part])
    first = np.unique(code, return_index=True)[1]  # the first spelling of each key shown
    priority = alias_priorities(sorted(set(spelled["alias"])))
    joined = sorted(priority)  # chunks run together hold no white space: "\n" separates them
    arrays = {
        "curated": curated,
        "phrase_letters": phrase_letters,
        "paper_offsets": _offsets(np.bincount(chosen["code"], minlength=len(keys))),
        "paper_rows": chosen["row"].to_numpy(dtype=np.int64),
        "finder_text": np.frombuffer("\n".join(joined).encode(), dtype=np.uint8),
        "finder_priority": np.array([priority[j] for j in joined], dtype=np.int32),
    }
    arrays["key_data"], arrays["key_offsets"] = pack_strings(keys)
    display = spelled["alias"].to_numpy()[first]
    arrays["display_data"], arrays["display_offsets"] = pack_strings(display)
    for column, form in (("written", _written_form), ("mined_written", mined_form)):
        forms = pd.DataFrame({"code": code, "form": spelled["alias"].map(form)})
        forms = _in_order(forms.drop_duplicates(), "form")
        arrays[f"{column}_lists"] = _offsets(np.bincount(forms["code"], minlength=len(keys)))
        arrays[f"{column}_data"], arrays[f"{column}_offsets"] = pack_strings(forms["form"])
    return arrays


def _spelled_names(named: Iterable[tuple[int, str, list[str], list[str]]]) -> pd.DataFrame:
    """One row per name a paper is spelled by (row, paper_id, alias, by_hand, key): its
    aliases, then the other number of a curated name and the singular of a mined acronym,
    unless that is some paper's own name; names without a key left out."""
    rows: list[int] = []
    paper_ids: list[str] = []
    aliases: list[str] = []
    by_hand: list[bool] = []
    for row, paper_id, names, sources in named:
        for position, alias in enumerate(names):
            rows.append(row)
            paper_ids.append(paper_id)
            aliases.append(alias)
            by_hand.append(written_by_hand(sources, position))
    keys = [name_key(alias) for alias in aliases]
    own = set(keys)
    for i in range(len(aliases)):
        for form in number_forms(aliases[i]) if by_hand[i] else mined_singular(aliases[i]):
            if (key := name_key(form)) not in own:
                rows.append(rows[i])
                paper_ids.append(paper_ids[i])
                aliases.append(form)
                by_hand.append(by_hand[i])
                keys.append(key)
    for family, curated in _families(aliases, paper_ids, by_hand, own):
        rows.append(NO_PAPER_ROW)
        paper_ids.append("")
        aliases.append(family)
        by_hand.append(curated)
        keys.append(name_key(family))
    spelled = pd.DataFrame(
        {
            "row": np.array(rows, dtype=np.int64),
            "paper_id": pd.array(paper_ids, dtype="str"),
            "alias": pd.array(aliases, dtype="str"),
            "by_hand": np.array(by_hand, dtype=bool),
            "key": pd.array(keys, dtype="str"),
        }
    )
    return spelled[spelled["key"] != ""].reset_index(drop=True)


def _families(
    aliases: list[str], paper_ids: list[str], by_hand: list[bool], own: set[str]
) -> list[tuple[str, bool]]:
    """(family, curated) for every spelling of every family of names that no paper is named
    by alone, known from at least FAMILY_MIN_VERSIONS versions of as many papers: a page's
    version of it that no paper has ("GPT-5", "GPT-3.5") is then an unknown version of the
    family, not no name at all. Curated when a curated name of it is; spelled as its
    versions are ("phi-1", "Phi-3": "phi" and "Phi")."""
    members: dict[str, list[tuple[str, str, str, bool]]] = {}
    for alias, paper_id, curated in zip(aliases, paper_ids, by_hand, strict=True):
        m = VERSIONED_NAME.fullmatch(alias)
        if m is None or sum(c.isalpha() for c in m["family"]) < FAMILY_MIN_LETTERS:
            continue
        key = name_key(m["family"])
        if key and key not in own:
            members.setdefault(key, []).append((m["family"], m["version"], paper_id, curated))
    families = []
    for key in sorted(members):
        spellings, versions, papers, curated_ones = zip(*members[key], strict=True)
        if min(len(set(versions)), len(set(papers))) >= FAMILY_MIN_VERSIONS:
            families += [(family, any(curated_ones)) for family in dict.fromkeys(spellings)]
    return families


def _in_order(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` sorted by ``code``, then by ``column`` as ``sorted`` orders strings."""
    ranks = pd.Categorical(frame[column], categories=sorted(set(frame[column]))).codes
    return frame.iloc[np.lexsort((ranks, frame["code"].to_numpy()))]


def _parts_count(alias: str) -> int:
    return len([p for p in ALIAS_SEPARATORS.split(alias) if p])


def _letters(alias: str) -> int:
    return sum(c.isalpha() for c in alias)


def _written_form(alias: str) -> str:
    return ALIAS_SEPARATORS.sub("", alias)


def _offsets(lengths: Iterable[int]) -> np.ndarray:
    """Where each of a run of lists starts in their concatenation, and where the last ends."""
    counts = np.fromiter(lengths, dtype=np.int64)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


class NameTable:
    """Which papers each name key stands for, and how each alias was obtained: arrays sorted
    by key (``name_arrays``), read in place (memory-mapped when stored) and searched by
    bisection; only the finder's lookup table is loaded into a dictionary."""

    def __init__(
        self,
        arrays: Mapping[str, np.ndarray],
        paper_ids: Sequence[str],
        policy: LinkPolicy | None = None,
    ) -> None:
        """``paper_ids``: the paper id of each row the arrays name (the catalog's column)."""
        self.policy = policy or LinkPolicy()
        self._arrays = arrays
        self._paper_ids = paper_ids
        self._keys = PackedStrings(arrays["key_data"], arrays["key_offsets"])
        self._curated = arrays["curated"]
        self.display = _DisplayForms(
            self._keys, PackedStrings(arrays["display_data"], arrays["display_offsets"])
        )
        self.mined_only = _MinedKeys(self._keys, self._curated)
        self._written = _StringLists(arrays, "written")
        self._mined_written = _StringLists(arrays, "mined_written")

    @classmethod
    def from_aliases(
        cls,
        aliases: Mapping[str, list[str]],
        sources: Mapping[str, list[str]] | None = None,
        policy: LinkPolicy | None = None,
    ) -> NameTable:
        """``aliases``: paper id -> its aliases; ``sources``: paper id -> one provenance per
        alias (``curated``, ``title``, ``abstract``); every alias is curated without it."""
        named = [
            (row, paper_id, names, list((sources or {}).get(paper_id, [])))
            for row, (paper_id, names) in enumerate(aliases.items())
        ]
        return cls(name_arrays(named), list(aliases), policy)

    @cached_property
    def finder(self) -> AliasFinder:
        """Where aliases are written, loaded once per table."""
        text = self._arrays["finder_text"].tobytes().decode()
        joined = text.split("\n") if text else []
        priority = self._arrays["finder_priority"].tolist()
        return AliasFinder(dict(zip(joined, priority, strict=True)))

    def _phrase(self, row: int | None) -> bool:
        """Multi-part curated names ("Self-Consistency") are phrases and match in any case."""
        if row is None:
            return False
        letters = int(self._arrays["phrase_letters"][row])
        return letters != NO_PHRASE and letters >= self.policy.min_phrase_alias_letters

    def accepts(self, surface: str, language: str) -> bool:
        """Whether a written form found by the alias pattern is meant as the name.

        As an alias is written (separators aside): yes for curated aliases; mined aliases
        only when they are not common words (an acronym in capitals is none: "BERT" is not
        the name Bert) and their words are joined or apart as in the source (separators
        between letters and digits aside). In another letter case: a phrase, a form with an
        inner capital ("StableDiffusion") or with a digit and a capital ("Llama2"), or a
        word that is not common ("roberta"; not "adam", "Sam", "transformer"; on a CJK line
        capitalised, "Bert", below a higher frequency), and not words of grammar written
        apart ("es im")."""
        key = name_key(surface)
        row = self._keys.find(key)
        written = ALIAS_SEPARATORS.sub("", surface)
        mined = row is not None and not self._curated[row]
        acronym = ACRONYM.fullmatch(surface) is not None  # "BERT", "COMA": not "Bert", "coma"
        if mined and not acronym and common_word(key, language) >= self.policy.common_word_zipf:
            return False
        if mined and self.policy.mined_alias_exact_case:
            return mined_form(surface) in self._mined_written.of(row)
        if written in self._written.of(row):
            return True
        if self._phrase(row) or INNER_CAPITAL.search(surface.replace(" ", "")):
            return True
        if any(c.isdigit() for c in surface):
            # "Llama2", "Phi-1"; all in lower case ("seq2seq-Modell", "word2vec") it names
            # a technique or a tool as often as the paper.
            return not surface.islower()
        words = surface.split()
        if len(words) > 1 and all(function_word(w, language) for w in words):
            return False  # "es im" is German for "it in", not "ESIM"
        limit = self.policy.common_word_zipf
        if language in CJK_LANGUAGES and surface[:1].isupper():
            limit = self.policy.cjk_capitalised_name_zipf
        return common_word(key, language) < limit

    def decide(self, evidence: str) -> Decision:
        key, version, _ = evidence_parts(evidence)
        if version:
            # "Llama v2" is "Llama 2" when the catalog knows that name, "LLaMA V1" the
            # family's own paper; another version is not the catalog's paper of the family.
            versioned = next(
                (k for k in (key + version, f"{key}v{version}") if self.papers(k)), None
            )
            if versioned is None and version in FIRST_VERSIONS:
                versioned = key
            if versioned is None:
                family = self.display.get(key, key)
                return Decision("unmatched", None, 0.0, f"name_unknown_version:{family}")
            key = versioned
        papers = self.papers(key)
        if len(papers) == 1:
            return Decision("matched", papers[0], self.policy.name_score, "alias")
        return ambiguous(self.policy.name_score, "alias_shared", tuple(papers))

    def numbered(self, key: str) -> bool:
        """Whether the catalog knows a version of the name with a number ("BLIP-2")."""
        return any(self.papers(f"{key}{digit}") for digit in "123456789")

    def papers(self, key: str) -> list[str]:
        """The papers a name key stands for, in id order (curated ones only, when any)."""
        row = self._keys.find(key)
        if row is None:
            return []
        start, end = self._arrays["paper_offsets"][row : row + 2].tolist()
        return [self._paper_ids[r] for r in self._arrays["paper_rows"][start:end].tolist()]


class _StringLists:
    """A list of strings per name key: ``{column}_lists`` offsets into packed strings."""

    def __init__(self, arrays: Mapping[str, np.ndarray], column: str) -> None:
        self._lists = arrays[f"{column}_lists"]
        self._strings = PackedStrings(arrays[f"{column}_data"], arrays[f"{column}_offsets"])

    def of(self, row: int | None) -> list[str]:
        if row is None:
            return []
        start, end = self._lists[row : row + 2].tolist()
        return self._strings.slice(start, end)


class _DisplayForms(Mapping[str, str]):
    """A name's display form by key: its first spelling in the catalog."""

    def __init__(self, keys: PackedStrings, display: PackedStrings) -> None:
        self._keys = keys
        self._display = display

    def __getitem__(self, key: str) -> str:
        row = self._keys.find(key)
        if row is None:
            raise KeyError(key)
        return self._display[row]

    def __iter__(self) -> Iterator[str]:
        return (self._keys[i] for i in range(len(self._keys)))

    def __len__(self) -> int:
        return len(self._keys)


class _MinedKeys(AbstractSet[str]):
    """Name keys that only names mined from titles or abstracts spell."""

    def __init__(self, keys: PackedStrings, curated: np.ndarray) -> None:
        self._keys = keys
        self._curated = curated

    def __contains__(self, key: object) -> bool:
        row = self._keys.find(key) if isinstance(key, str) else None
        return row is not None and not self._curated[row]

    def __iter__(self) -> Iterator[str]:
        return (self._keys[int(i)] for i in np.flatnonzero(~np.asarray(self._curated)))

    def __len__(self) -> int:
        return int(np.count_nonzero(~np.asarray(self._curated)))


def catalog_names(catalog: Catalog, policy: LinkPolicy, cache_dir: Path | None = None) -> NameTable:
    """The catalog's name table, built once per catalog and stored in ``cache_dir``."""
    papers = catalog.papers

    def build() -> dict[str, np.ndarray]:
        return {**name_arrays(named_rows(papers)), "catalog_rows": np.array([len(papers)])}

    arrays = cached_arrays(cache_dir, "names", store_key(catalog.sha256, NAME_STORE_SOURCE), build)
    if int(arrays["catalog_rows"][0]) != len(papers):  # another catalog's: never trusted
        arrays = build()
    return NameTable(arrays, papers["paper_id"].array, policy)


def named_rows(papers: pd.DataFrame) -> Iterator[tuple[int, str, list[str], list[str]]]:
    """(row, paper id, aliases, their provenances) of the papers with a name, in catalog
    order (most imported papers have none). Read ``READ_CHUNK`` rows at a time: Python lists
    of all the names of a 2.5M-title catalog took 0.15 GB."""
    named = np.flatnonzero((papers["aliases"] != "").to_numpy(dtype=bool))
    has_sources = "alias_sources" in papers.columns
    for start in range(0, len(named), READ_CHUNK):
        rows = named[start : start + READ_CHUNK]
        paper_ids = rows_of_column(papers["paper_id"], rows).tolist()
        aliases = rows_of_column(papers["aliases"], rows).tolist()
        sources = (
            rows_of_column(papers["alias_sources"], rows).tolist()
            if has_sources
            else [""] * len(rows)
        )
        for row, paper_id, names, kinds in zip(
            rows.tolist(), paper_ids, aliases, sources, strict=True
        ):
            yield (
                row,
                paper_id,
                split_aliases(names),
                split_aliases(kinds) if isinstance(kinds, str) else [],
            )


def name_spans(text: str, segment: Segment, names: NameTable) -> Iterator[tuple[int, int, str]]:
    """(start, end, evidence) for every catalog name written in a line and meant as one; not
    in a web address (".../techniques/cot", ".../blog/redpajama-models-v1" name pages, not
    papers; the link's own text is read), nor inside another name's written-out form
    ("Transformer" in "GPT-3 (Generative Pre-trained Transformer 3)")."""
    addresses = web_address_spans(text, segment.start, segment.end)
    found = []
    for start, end in names.finder.finditer(text, segment.start, segment.end):
        if addresses and any(a_start <= start < a_end for a_start, a_end in addresses):
            continue
        if name_continues(text, end, segment.language, names):
            continue
        written = text[start:end]
        if not names.accepts(written, segment.language):
            continue
        key = name_key(written)
        mined = key in names.mined_only
        if head_of_longer_name(text, start, end, segment.language, names.policy, mined):
            continue
        if given_name_in_author_list(text, start, end, segment.language, names.policy):
            continue
        found.append((start, end, key, written_out_beside(text, start, end, names.policy)))
    in_written_out_form = Covering((w.start, w.end) for *_, w in found if w)
    for start, end, key, written_out in found:
        if in_written_out_form(start, end):
            continue
        version = version_after(text, end)
        if version and DEPTH_AFTER.match(text, end) and not names.numbered(key):
            version = None
        if not version and not names.papers(key):
            continue  # a family written without a version ("GPT models") names no paper
        evidence = name_evidence(
            key,
            version,
            year_after(text, end),
            paper_after(text, end) or linked_to_own_repository(text, start, end),
            written_out.form if written_out else None,
        )
        yield start, end, evidence


# What the stored name arrays depend on besides the catalog: this module's code (keys, written
# forms, chunks) and the packing of strings.
NAME_STORE_SOURCE = "\x1f".join(
    (inspect.getsource(sys.modules[__name__]), inspect.getsource(packed))
)
