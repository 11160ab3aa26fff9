"""Lexical helpers shared by the span finders: Latin runs, quotes, trimming, word counts.

Every pattern here is a single character class or a bounded alternation, so matching time is
linear in the text length (no catastrophic backtracking on long lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.language import URL_HINT, Segment, segment_language

# Runs of Latin-script text: letters, digits and the punctuation titles use.
LATIN_RUN = re.compile(r"[A-Za-z0-9\u00c0-\u024f'’.,:;!?&+/()\[\] \t-]+")
LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f'’-]*")
LATIN_ALNUM = "A-Za-z0-9\u00c0-\u024f"
LATIN_LETTERS = "A-Za-z\u00c0-\u024f"
TOKEN = re.compile(r"\S+")
QUOTES = re.compile(
    r"\"([^\"\r\n]{6,300})\"|“([^”\r\n]{6,300})”|„([^“”\r\n]{6,300})[“”]"
    r"|《([^》\r\n]{2,300})》|«([^»\r\n]{6,300})»|「([^」\r\n]{6,300})」"
    r"|『([^』\r\n]{6,300})』|‚([^‘’\r\n]{6,300})[‘’]"
    r"|(?<![\w'’])'([^'\r\n]{6,300})'(?![\w'’])"
)
QUOTE_GROUPS = range(1, 10)
# Words for a paper, Chinese and Latin-script (German, English), around a name or a title:
# "LoRA论文", "das LoRA-Paper", "das Paper „...“".
PAPER_WORDS_CJK = "论文|論文"
PAPER_WORDS_LATIN = "[Pp]apers?|Papiers?"
# Markdown emphasis ("* **使用神经网络进行序列到序列学习**：..."): how list entries set off a
# title from its gloss. Not title evidence for English (pages embolden terms), only a place
# where a translated title may stand.
EMPHASIS = re.compile(r"\*\*([^*\r\n]{2,300})\*\*|__([^_\r\n]{2,300})__")
LIST_MARKER = re.compile(r"^[\s\-*•·>#\d.)、]*")
TRIM = " \t.,;:-–—~'’\"()[]"
CJK_LANGUAGES = ("zh", "ja", "ko")


# A web address, up to the space, quote or bracket that ends it in running text or Markdown
# ("[RedPajama-INCITE](https://www.together.xyz/blog/redpajama-models-v1)"): with its scheme,
# "www." or a domain before its first "/" ("github.com/facebookresearch/llama"); and any
# Markdown link's target, relative paths included ("[🎫](./CNN/ImageNet%20Classification)").
# Narrower than ``url_tokens``, which takes any token with a "/" (right for cutting titles,
# wrong for names: "GPT-3/GPT-4" names two papers).
WEB_ADDRESS = re.compile(
    r"(?:https?://|www\.|(?<![\w.@-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|ai|co|edu|gov)/)"
    r"[^\s<>\"'()\[\]]*"
    r"|(?<=\]\()[^\s()]+(?=\))",
    re.IGNORECASE,
)


def web_address_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of every web address and Markdown link target between ``start`` and
    ``end``."""
    if "/" not in text[start:end] and "](" not in text[start:end]:
        return []
    return [m.span() for m in WEB_ADDRESS.finditer(text, start, end)]


def url_tokens(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """Whitespace-separated tokens that look like URLs or paths (linear: no backtracking)."""
    return (m for m in TOKEN.finditer(text, start, end) if URL_HINT.search(m.group()))


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``start, end`` without surrounding separators; a trailing "?" or a closing bracket the
    span opened stays."""
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    if end < len(text) and text[end] == "?":
        end += 1
    opened = text[start:end].count("(") > text[start:end].count(")")
    if end < len(text) and text[end] == ")" and opened:
        end += 1
    return start, end


def word_count(text: str) -> int:
    return len(LATIN_WORD.findall(text))


def cjk_count(text: str) -> int:
    return sum(1 for c in text if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff")


def is_english(text: str, segment: Segment) -> bool:
    return segment.language in CJK_LANGUAGES or segment_language(text, segment.language) == "en"


# A Markdown link: "[Taming Transformers for High-Resolution Image Synthesis](https://...pdf)".
# A Markdown link, its text and its address: "[Mehta et al. (2023)](https://arxiv.org/...)".
LINKED_TEXT = re.compile(r"\[([^\[\]\r\n]{1,300})\]\((https?://[^\s()]+)\)")
MARKDOWN_LINK = re.compile(r"\[([^\[\]\r\n]{6,300})\]\((https?://[^\s()]+)\)")


def link_anchor_spans(line_text: str, offset: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, url) of the text of every Markdown link of a line, offset into the text."""
    for m in MARKDOWN_LINK.finditer(line_text):
        yield offset + m.start(1), offset + m.end(1), m.group(2)


def emphasized_spans(line_text: str, offset: int) -> Iterator[tuple[int, int]]:
    """(start, end) of the inside of every bold phrase of a line, offset into the text."""
    for m in EMPHASIS.finditer(line_text):
        group = 1 if m.group(1) else 2
        yield offset + m.start(group), offset + m.end(group)


def quoted_spans(line_text: str, offset: int) -> Iterator[tuple[int, int]]:
    """(start, end) of the inside of every quoted phrase of a line, offset into the text."""
    for m in QUOTES.finditer(line_text):
        group = next(i for i in QUOTE_GROUPS if m.group(i))
        yield offset + m.start(group), offset + m.end(group)
