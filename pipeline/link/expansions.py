"""A name's written-out form beside it: "CTRL (Conditional Transformer Language Model)",
"task adaptive pretraining (TAPT)". When a paper's own title spells the same letters out in
other words ("Control-Tutored Reinforcement Learning", "Test-Time Adversarial Prompt
Tuning"), the page means another work of that name.

The page side follows Schwartz and Hearst (2003, "A simple algorithm for identifying
abbreviation definitions in biomedical text"): the name's letters are found, right to left,
in the words in brackets after it or before it, its first letter at the start of a word.
(The ``abbreviations`` package implements it for the written-out form before the brackets
only, and configures the root logger when imported.) The title side asks more: a run of the
title's words whose first letters are the name's letters, one word each.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import foreign_stopwords
from pipeline.link.text import LATIN_ALNUM, LATIN_LETTERS

# "CTRL (Conditional Transformer Language Model)": the words in brackets after a name.
BRACKETED_AFTER = re.compile(r"[*_`]{0,2}\s?[(（]\s?(?P<words>[^()（）\n|]{3,150}?)\s?[)）]")
# "task adaptive pretraining (TAPT)": the words before the brackets around a name.
WORDS_BEFORE_BRACKET = re.compile(
    rf"(?<![{LATIN_ALNUM}])(?P<words>[{LATIN_LETTERS}][{LATIN_ALNUM}\- ]{{2,150}}?)"
    r"\s?[(（]\s?[*_`]{0,2}$"
)
CLOSING_BRACKET = re.compile(r"[*_`]{0,2}\s?[)）]")
# Words of a written-out form: cut at spaces and hyphens ("Pre-trained" is two words).
WORD = re.compile(r"[^\s\-‐–/:,]+")
NAME_LETTERS = re.compile(r"[^0-9a-z]")
# A written-out form is words of Latin letters and numbers ("Generative Pre-trained
# Transformer 3"), not a file name or a call's argument (YOLO("yolov11s.pt")).
WRITTEN_OUT = re.compile(rf"[{LATIN_ALNUM}]+(?: [{LATIN_ALNUM}]+)+")
LETTERS = re.compile(r"[^\W_]+")
# Words shorter than this ("by", "of") say nothing about which work is meant.
MIN_CONTENT_LETTERS = 3


def name_letters(name: str) -> str:
    """A name's letters and digits, case-folded ("GPT-3" -> "gpt3")."""
    return NAME_LETTERS.sub("", name.casefold())


def spells(letters: str, words: str) -> bool:
    """Schwartz-Hearst: every letter of the name, right to left, found in ``words`` in
    order; the first one at the start of a word. Words that hold the name itself are a
    longer name ("R-CNN (Fast R-CNN)"), not its written-out form."""
    if letters in name_letters(words):
        return False
    text = words.casefold()
    position = len(text) - 1
    for index in range(len(letters) - 1, -1, -1):
        letter = letters[index]
        while position >= 0 and (
            text[position] != letter
            or (index == 0 and position > 0 and text[position - 1].isalnum())
        ):
            position -= 1
        if position < 0:
            return False
        position -= 1
    return True


class WrittenOut(NamedTuple):
    """A name's written-out form and where the page writes it."""

    start: int
    end: int
    form: str


def _words(text: str, start: int, end: int) -> list[re.Match[str]]:
    return list(WORD.finditer(text, start, end))


def _written_out(letters: str, words: list[re.Match[str]], policy: LinkPolicy) -> WrittenOut | None:
    """The shortest run of ``words`` ending at the last that spells the name, within
    the number of words a written-out form may have."""
    most = len(letters) + policy.expansion_extra_words
    for count in range(2, min(most, len(words)) + 1):
        run = " ".join(word.group() for word in words[-count:])
        if spells(letters, run):
            return WrittenOut(words[-count].start(), words[-1].end(), run)
    return None


def written_out_beside(text: str, start: int, end: int, policy: LinkPolicy) -> WrittenOut | None:
    """The written-out form of the name at ``text[start:end]``, in brackets right after it
    or right before brackets around it; None when there is none."""
    letters = name_letters(text[start:end])
    if len(letters) < 2:
        return None
    after = BRACKETED_AFTER.match(text, end)
    if after:
        words = _words(text, *after.span("words"))
        form = " ".join(word.group() for word in words)
        if (
            len(words) <= len(letters) + policy.expansion_extra_words
            and WRITTEN_OUT.fullmatch(form)
            and spells(letters, form)
        ):
            return WrittenOut(words[0].start(), words[-1].end(), form)
    if not CLOSING_BRACKET.match(text, end):  # first the cheap test: most names have none
        return None
    before = WORDS_BEFORE_BRACKET.search(text, max(0, start - 160), start)
    if before is None:
        return None
    return _written_out(letters, _words(text, *before.span("words")), policy)


def title_expansion(letters: str, title: str) -> list[str] | None:
    """The run of a title's words whose first letters are the name's letters, one word
    each ("Control-Tutored Reinforcement Learning" for "ctrl"), if the title has one."""
    words = WORD.findall(title)
    initials = "".join(w[0].casefold() for w in words)
    found = initials.find(letters)
    return None if found < 0 else words[found : found + len(letters)]


def _agree(word: str, other: str, root: int) -> bool:
    """One word in two spellings: the same first ``root`` letters, or the shorter all of
    the longer's beginning ("Inverser" and "Inverse", "Network" and "Networks")."""
    a, b = word.casefold(), other.casefold()
    if min(len(a), len(b)) >= root:
        return a[:root] == b[:root]
    return a.startswith(b) or b.startswith(a)


def spelled_out_otherwise(name: str, written_out: str, title: str, policy: LinkPolicy) -> bool:
    """Whether a paper's title spells ``name`` out in words other than the page's
    ``written_out`` form: fewer than ``expansion_agreement`` of the page's words agree
    with a word of the title's form. False when the title does not spell the name out."""
    own = title_expansion(name_letters(name), title)
    if own is None:
        return False
    page_words = [
        word
        for word in LETTERS.findall(written_out)
        if len(word) >= MIN_CONTENT_LETTERS and word.casefold() not in foreign_stopwords("en")
    ]
    if not page_words:
        return False
    agreeing = sum(
        any(_agree(word, theirs, policy.expansion_word_root) for theirs in own)
        for word in page_words
    )
    return agreeing < policy.expansion_agreement * len(page_words)
