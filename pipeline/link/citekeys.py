"""Evidence from citation keys: ":cite:`schnabel2016recommendations`",
"\\cite{devlin-etal-2019-bert}", "[@vaswani2017attention]", ":cite:`Ren.He.Girshick.ea.2015`".

Pages written in Sphinx, LaTeX or Markdown with a bibliography cite by key, and the common
key styles spell the first author's surname, the year and often the title's first word
(Google Scholar, ACL Anthology) or the first authors' surnames (d2l's "First.Second.ea.2015").
That is a reference as specific as an author-year reference with its topic confirmed: a key
links when its surnames, year and title word leave one catalog paper. A key with a surname
and a year only is decided like "Surname et al. (2015)", by the words around it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# The keys of one citation command, in Sphinx (":cite:`a,b`", ":citep:"), LaTeX
# ("\cite{a,b}", "\citep[p. 3]{a}"; biblatex's "\textcite{a}", "\parencite{a}",
# "\autocite{a}") and Pandoc ("[@a; @b]") syntax.
CITE_COMMAND = re.compile(
    r":cite[a-z]*:`(?P<sphinx>[^`\n]{1,300})`"
    r"|\\(?:[Cc]ite|[Tt]extcite|[Pp]arencite|[Aa]utocite|[Ff]ootcite|[Ss]martcite|supercite)"
    r"[a-zA-Z]*\*?(?:\[[^\]\n]{0,60}\])*\{(?P<latex>[^}\n]{1,300})\}"
    r"|\[(?P<pandoc>-?@[^\]\n]{1,300})\]"
)
KEY_IN_LIST = re.compile(r"[^\s,;@{}`-][^\s,;{}`]*")
# "schnabel2016recommendations", "Vaswani2017": surname, year, title word.
SCHOLAR_KEY = re.compile(
    r"(?P<surname>[A-Za-z]{2,30})(?P<year>(?:19|20)\d{2})(?:(?P<word>[a-z]{2,})|[a-z])?"
)
# "devlin-etal-2019-bert", "kalchbrenner-blunsom-2013-recurrent".
ANTHOLOGY_KEY = re.compile(
    r"(?P<surname>[a-z]{2,30})(?:-etal|-(?P<second>[a-z]{2,30}))?-(?P<year>(?:19|20)\d{2})"
    r"-(?P<word>[a-z]+)"
)
# "Ren.He.Girshick.ea.2015", "Girshick.2015".
DOTTED_KEY = re.compile(
    r"(?P<surnames>[A-Z][A-Za-z'-]{1,30}(?:\.[A-Z][A-Za-z'-]{1,30})*)(?P<more>\.ea)?"
    r"\.(?P<year>(?:19|20)\d{2})[a-z]?"
)
# Words a title's first-word key may skip ("collins2018study": "A Study of ...").
LEADING_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "for", "to", "and", "with"})
CITE_PREFIX = "cite:"


@dataclass(frozen=True)
class CiteKey:
    """What a key says: the surnames of the first authors (case-folded, letters only), the
    year, the first word of the title ("" when not spelled) and whether more authors follow
    ("ea", "etal": else the surnames are all of them, when more than one is given)."""

    surnames: tuple[str, ...]
    year: int
    title_word: str = ""
    more_authors: bool = True


def letters_only(text: str) -> str:
    """Case-folded letters without accents: keys are written in ASCII ("Dollar": Dollár)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if c.isalpha() and not unicodedata.combining(c))


def parse_cite_key(key: str) -> CiteKey | None:
    """The parts of a key in one of the styles above (None for others: "DBLP:...", "ref12")."""
    if m := DOTTED_KEY.fullmatch(key):
        surnames = tuple(letters_only(s) for s in m["surnames"].split("."))
        return CiteKey(surnames, int(m["year"]), "", bool(m["more"]) or len(surnames) == 1)
    if m := ANTHOLOGY_KEY.fullmatch(key):
        second = m["second"]
        surnames = (m["surname"], second) if second else (m["surname"],)
        return CiteKey(surnames, int(m["year"]), m["word"], not second)
    if m := SCHOLAR_KEY.fullmatch(key):
        return CiteKey((m["surname"].casefold(),), int(m["year"]), m["word"] or "")
    return None


def find_cite_keys(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, CITE_PREFIX + key) for every key of a citation command in
    text[start:end] that ``parse_cite_key`` reads."""
    for command in CITE_COMMAND.finditer(text, start, end):
        group = next(g for g in ("sphinx", "latex", "pandoc") if command[g] is not None)
        for key in KEY_IN_LIST.finditer(text, command.start(group), command.end(group)):
            if parse_cite_key(key.group()) is not None:
                yield key.start(), key.end(), CITE_PREFIX + key.group()


def title_starts_with(title: str, word: str) -> bool:
    """Whether a key's title word is the title's first word (its letters, or its first part
    before a hyphen), counting from any of the leading words a key may skip."""
    for written in title.split():
        letters = letters_only(written)
        first_part = letters_only(written.split("-")[0])
        if word in (letters, first_part):
            return True
        if letters not in LEADING_WORDS:
            return False
    return False
