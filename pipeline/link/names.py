"""Evidence from names: catalog aliases ("GPT-3", "LoRA", "Stable Diffusion") found in text.

Names match on a normalised key (case-folded; spaces, hyphens, underscores and dots between
parts ignored, so `Llama2`, `LLaMA-2` and `llama 2` are one name; a dot between two digits
stays: `3.1` is a version). Sizes and variants after a name (`-7B`, `-Instruct`, `-base`) are
the same paper; another version number (`Gemma 2` where the catalog knows only Gemma) is
another paper: the mention is unmatched and its method names the family, never the older
paper. A written form in another letter case than the alias is a name only when it is not a
common word (wordfreq): `roberta` and `Llama` are names, `adam`, `Sam` and `transformer` are
words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property, lru_cache

from wordfreq import zipf_frequency

from pipeline.language import Segment
from pipeline.link.decision import Decision, ambiguous
from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import foreign_stopwords
from pipeline.link.text import LATIN_ALNUM

LATIN_LETTERS = "A-Za-z\u00c0-\u024f"

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
# What may stand between two chunks of one alias (at most one of them).
CHUNK_SEPARATORS = frozenset(" \t_.-\u00a0")
LATIN_ALNUM_CHAR = re.compile(f"[{LATIN_ALNUM}]")
INNER_CAPITAL = re.compile(r".[A-Z]")
# A capitalised Latin word right before a name, across one space or hyphen.
CAPITALISED_WORD_BEFORE = re.compile(rf"(?<![{LATIN_ALNUM}])[A-Z][{LATIN_ALNUM}]*[ -]$")
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
# A version number right after a name: "Gemma 2", "Llama 3.1", "Phi-3" (not a size "7B", not
# a year "2023", not part of a longer number or word).
VERSION_AFTER = re.compile(
    rf"[ \-]?(?P<version>\d{{1,2}}(?:\.\d{{1,2}})?)(?![{LATIN_ALNUM}_.%]|\.\d)"
)


def name_key(name: str) -> str:
    """The form names are compared in: case-folded, separators between parts removed."""
    return KEY_SEPARATORS.sub("", name.casefold())


def mined_form(name: str) -> str:
    """How a mined name must be written: as in its source, but for the separators between
    letters and digits; words stay apart or together, hyphen or space alike."""
    return ALIAS_SEPARATORS.sub(" ", LETTER_DIGIT_SEPARATOR.sub("", name))


def _phrase_like(alias: str, policy: LinkPolicy) -> bool:
    """Multi-part names ("Self-Consistency") are phrases and match in any letter case."""
    parts = [p for p in ALIAS_SEPARATORS.split(alias) if p]
    return len(parts) > 1 and sum(c.isalpha() for c in alias) >= policy.min_phrase_alias_letters


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

    def __init__(self, aliases: Iterable[str]) -> None:
        self.priority: dict[str, int] = {}
        for alias in aliases:
            joined = "".join(c.casefold() for c in TEXT_CHUNKS.findall(alias))
            key_length = len(name_key(alias))
            if joined and key_length:
                self.priority[joined] = max(self.priority.get(joined, 0), key_length)
        self.longest = max(map(len, self.priority), default=0)

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
                self._longest_at(text, chunks, i, end) if _free_before(text, chunks[i][0]) else None
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
            if len(joined) > self.longest:
                break
            priority = self.priority.get(joined)
            found = priority is not None and _free_after(text, chunks[j][1], end)
            if found and (best is None or priority >= best[0]):
                best = (priority, j)
        return None if best is None else best[1]


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


def name_continues(text: str, end: int, language: str) -> bool:
    """True when a hyphen after an alias leads into a different name ("Transformer-XL",
    "LoRA-drop") rather than a use or variant of it ("LoRA-based", "Llama-2-7B", German
    "BERT-Modelle"); a middle dot before a letter always does ("DALL·E" is not "DALL")."""
    if end + 1 < len(text) and text[end] in NAME_JOINERS and text[end + 1].isalnum():
        return True
    if end >= len(text) or text[end] != "-":
        return False
    following = FOLLOWING_WORD.match(text, end + 1)
    if not following:
        return False
    word = following.group()
    if MODEL_SIZE.fullmatch(word) or VERSION_AFTER.fullmatch(word):
        return False
    if language == "de" and NAME_SUFFIX_WORD.fullmatch(word):
        return False
    return not USAGE_SUFFIX.fullmatch(word.lower())


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


def head_of_longer_name(
    text: str, start: int, end: int, language: str, policy: LinkPolicy, mined: bool = False
) -> bool:
    """A name that is a capitalised common word ("Transformer", "Gym"), or any name mined
    from a catalog rather than curated ("R-CNN"), after another capitalised word is the head
    of a longer name ("Vision Transformer", "Generative Pre-Trained Transformer", "Mask
    R-CNN"): another paper or none. Function words ("The Transformer") and common words of
    the page's own language (Malay "Model Transformer") are not names."""
    written = text[start:end]
    if not mined and not (written.isalpha() and written.istitle()):
        return False
    if not mined and common_word(written.casefold(), language) < policy.common_word_zipf:
        return False
    before = CAPITALISED_WORD_BEFORE.search(text, max(0, start - 40), start)
    if before is None:
        return False
    word = before.group()[:-1].casefold()
    if word in foreign_stopwords("en") or word in foreign_stopwords(language):
        return False
    own_language = language in WORDFREQ_LANGUAGES and language != "en"
    return not (own_language and zipf_frequency(word, language) >= policy.common_word_zipf)


def name_evidence(key: str, version: str | None) -> str:
    """A found name as the candidate table carries it: its key, and "|" and the version
    written after it, if any."""
    return key if version is None else f"{key}|{version}"


class NameTable:
    """Which papers each name key stands for, and how each alias was obtained."""

    def __init__(
        self,
        aliases: Mapping[str, list[str]],
        sources: Mapping[str, list[str]] | None = None,
        policy: LinkPolicy | None = None,
    ) -> None:
        """``aliases``: paper id -> its aliases; ``sources``: paper id -> one provenance per
        alias (``curated``, ``title``, ``abstract``); every alias is curated without it."""
        self.policy = policy or LinkPolicy()
        papers: dict[str, set[str]] = {}
        curated: dict[str, set[str]] = {}
        self.written: dict[str, set[str]] = {}
        self.mined_written: dict[str, set[str]] = {}
        self.phrases: set[str] = set()
        self.display: dict[str, str] = {}
        self.spellings: dict[str, set[str]] = {}
        for paper_id, names in aliases.items():
            kinds = list((sources or {}).get(paper_id, []))
            for position, alias in enumerate(names):
                key = name_key(alias)
                if not key:
                    continue
                source = kinds[position] if position < len(kinds) and kinds[position] else CURATED
                papers.setdefault(key, set()).add(paper_id)
                self.written.setdefault(key, set()).add(ALIAS_SEPARATORS.sub("", alias))
                self.mined_written.setdefault(key, set()).add(mined_form(alias))
                self.display.setdefault(key, alias)
                self.spellings.setdefault(key, set()).add(alias)
                if source == CURATED:
                    curated.setdefault(key, set()).add(paper_id)
                    if _phrase_like(alias, self.policy):
                        self.phrases.add(key)
        # A curated alias wins over names mined for other papers from titles or abstracts.
        self.papers = {k: sorted(curated.get(k) or ids) for k, ids in papers.items()}
        self.mined_only = frozenset(k for k in papers if k not in curated)

    def all_aliases(self) -> list[str]:
        return sorted({a for written in self.spellings.values() for a in written})

    @cached_property
    def finder(self) -> AliasFinder:
        """Where aliases are written, built once per table."""
        return AliasFinder(self.all_aliases())

    def accepts(self, surface: str, language: str) -> bool:
        """Whether a written form found by the alias pattern is meant as the name.

        As an alias is written (separators aside): yes for curated aliases; mined aliases
        only when they are not common words and their words are joined or apart as in the
        source (separators between letters and digits aside). In another letter case: a
        phrase, a form with an inner capital ("StableDiffusion") or with a digit and a capital
        ("Llama2"), or a word that is not common ("roberta"; not "adam", "Sam",
        "transformer")."""
        key = name_key(surface)
        written = ALIAS_SEPARATORS.sub("", surface)
        mined = key in self.mined_only
        if mined and common_word(key, language) >= self.policy.common_word_zipf:
            return False
        if mined and self.policy.mined_alias_exact_case:
            return mined_form(surface) in self.mined_written.get(key, ())
        if written in self.written.get(key, ()):
            return True
        if key in self.phrases or INNER_CAPITAL.search(surface.replace(" ", "")):
            return True
        if any(c.isdigit() for c in surface):
            # "Llama2", "Phi-1"; all in lower case ("seq2seq-Modell", "word2vec") it names
            # a technique or a tool as often as the paper.
            return not surface.islower()
        return common_word(key, language) < self.policy.common_word_zipf

    def decide(self, evidence: str) -> Decision:
        key, _, version = evidence.partition("|")
        papers = self.papers.get(key, [])
        if version:
            family = self.display.get(key, key)
            return Decision("unmatched", None, 0.0, f"name_unknown_version:{family}")
        if len(papers) == 1:
            return Decision("matched", papers[0], self.policy.name_score, "alias")
        return ambiguous(self.policy.name_score, "alias_shared", tuple(papers))


def name_spans(text: str, segment: Segment, names: NameTable) -> Iterator[tuple[int, int, str]]:
    """(start, end, evidence) for every catalog name written in a line and meant as one."""
    for start, end in names.finder.finditer(text, segment.start, segment.end):
        if name_continues(text, end, segment.language):
            continue
        written = text[start:end]
        if not names.accepts(written, segment.language):
            continue
        mined = name_key(written) in names.mined_only
        if head_of_longer_name(text, start, end, segment.language, names.policy, mined):
            continue
        yield start, end, name_evidence(name_key(written), version_after(text, end))
