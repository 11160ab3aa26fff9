"""Fuzzy search over catalog titles."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz, process

NON_WORD = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """Unicode NFKC, case-folded, punctuation to spaces, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(NON_WORD.sub(" ", folded).split())


def compact_title(title: str) -> str:
    """Normalised title without spaces, so that "fromMulti-Head" equals "from Multi-Head"."""
    return normalize_title(title).replace(" ", "")


class TitleIndex:
    """Fuzzy search over catalog titles, scored with ``fuzz.ratio`` on compact titles.

    ``ratio`` was chosen by measurement: it tolerates case, typos and missing spaces but, unlike
    ``token_set_ratio`` or ``partial_ratio``, does not give 100 to a title that is only a part
    of a longer one ("Attention Is All You Need" vs "... in Speech Separation").
    """

    def __init__(self, paper_ids: list[str], titles: list[str]) -> None:
        self.paper_ids = paper_ids
        self.keys = [compact_title(t) for t in titles]

    def search(self, text: str, limit: int = 3) -> list[tuple[str, float]]:
        query = compact_title(text)
        if not query:
            return []
        hits = process.extract(query, self.keys, scorer=fuzz.ratio, limit=limit * 2)
        best: dict[str, float] = {}
        for _, score, index in hits:
            paper_id = self.paper_ids[index]
            best[paper_id] = max(best.get(paper_id, 0.0), float(score))
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:limit]
