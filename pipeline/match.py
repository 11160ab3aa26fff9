"""Link candidate mentions to catalog papers: exact ids first, then fuzzy titles, then names.

A link is made only above a threshold and with a margin over the runner-up; otherwise the
mention is kept as ``ambiguous`` (with its candidates) or ``unmatched``: a wrong link poisons
every downstream user, an unmatched mention is honest.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz

from pipeline.catalog import Catalog, split_aliases, split_keywords
from pipeline.config import MatchThresholds
from pipeline.crosslingual import (
    ConceptIndex,
    TermTable,
    Unit,
    f_score,
    first_author_surnames,
    keyword_stems,
    translate,
)
from pipeline.extract import alias_lookup
from pipeline.title_index import TitleIndex, compact_title

MENTION_COLUMNS = [
    "mention_id",
    "source_file",
    "language",
    "start",
    "end",
    "surface",
    "kind",
    "status",
    "paper_id",
    "arxiv_id",
    "score",
    "method",
    "candidates",
]
NAME_SCORE = 95.0
# How many lines before an arXiv link count as "beside it" for the title-conflict check.
CONFLICT_WINDOW_LINES = 2
MIN_WORDS_FOR_FUZZY_TITLE = 4
# Translated titles and descriptions (scores are 0-1 F-scores / recalls of rare title words).
TRANSLATED_ACCEPT = 0.75
TRANSLATED_REVIEW = 0.7
TRANSLATED_MARGIN = 0.15
TRANSLATED_MIN_RECALL = 0.6
# Recall of a title all of whose words were found (floating point sums stay below 1.0).
WHOLE_TITLE = 0.999
DESCRIPTION_MIN_RECALL = 0.75
DESCRIPTION_MIN_STEMS = 3
DESCRIPTION_MIN_DISTINCTIVE = 2
# Descriptions against a paper's title and keywords (recall/precision of idf-weighted stems).
KEYWORDS_MIN_RECALL = 0.5
KEYWORDS_MIN_PRECISION = 0.3
KEYWORDS_MIN_STEMS = 5
KEYWORDS_MARGIN = 0.15
AUTHOR_SCORE = 80.0
# The words around "Surname et al." single out one of the author's papers when they weigh this
# many times more for it than for the next one.
AUTHOR_CONTEXT_RATIO = 1.5
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class Decision:
    status: str
    paper_id: str | None
    score: float
    method: str
    candidates: tuple[str, ...] = ()


def ambiguous(score: float, method: str, candidates: tuple[str, ...]) -> Decision:
    """Ambiguous between at least two papers; with fewer there is no choice to review, so the
    mention is unmatched (the contract requires two or more candidates)."""
    papers = tuple(dict.fromkeys(candidates))
    if len(papers) < 2:
        return Decision("unmatched", None, score, method)
    return Decision("ambiguous", None, score, method, papers)


def _name_prefix(title: str) -> str:
    """The model name before a title's colon ("ChatDoctor" in "ChatDoctor: A Medical ...")."""
    head, colon, _ = title.partition(":")
    return compact_title(head) if colon and len(head.split()) <= 3 else ""


def decide_title(
    surface: str,
    ranked: list[tuple[str, float]],
    titles: dict[str, str],
    thresholds: MatchThresholds,
) -> Decision:
    """Link when the best title is close enough and clearly ahead of the runner-up.

    A title in the review band is still linked when it starts with the same model name as the
    written one ("ChatDoctor: ..."), since titles are revised between arXiv versions but
    their model name rarely is. Spans of up to three words link only on an exact title ("Large
    Language Model" in running text is a term, not the paper "Large Language Models").
    """
    if not ranked:
        return Decision("unmatched", None, 0.0, "title_fuzzy")
    top_id, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    clear = top - runner_up >= thresholds.margin
    if len(surface.split()) < MIN_WORDS_FOR_FUZZY_TITLE and top < 100:
        return Decision("unmatched", None, top, "title_fuzzy")
    if top >= thresholds.accept and clear:
        return Decision("matched", top_id, top, "title_fuzzy")
    prefix = _name_prefix(surface)
    if top >= thresholds.review and clear and prefix and prefix == _name_prefix(titles[top_id]):
        return Decision("matched", top_id, top, "title_fuzzy_name_prefix")
    if top >= thresholds.review:
        close = tuple(pid for pid, score in ranked if score >= thresholds.review)
        method = "title_fuzzy_low_margin" if top >= thresholds.accept else "title_fuzzy_low_score"
        return ambiguous(top, method, close)
    return Decision("unmatched", None, top, "title_fuzzy")


class Matcher:
    def __init__(
        self,
        catalog: Catalog,
        thresholds: MatchThresholds,
        term_tables: dict[str, TermTable] | None = None,
        titles: TitleIndex | None = None,
    ) -> None:
        """``titles`` is a ready (e.g. cached) index of the catalog's titles; built here when
        not given."""
        papers = catalog.papers
        # Plain lists: iterating pandas' Arrow-backed columns value by value is slow at scale.
        paper_ids = papers["paper_id"].tolist()
        paper_titles = papers["title"].tolist()
        arxiv_ids = [a if isinstance(a, str) else None for a in papers["arxiv_id"].tolist()]
        self.thresholds = thresholds
        self.term_tables = term_tables or {}
        self.paper_by_arxiv = {a: p for p, a in zip(paper_ids, arxiv_ids, strict=True) if a}
        self.arxiv_by_paper = dict(zip(paper_ids, arxiv_ids, strict=True))
        self.title_by_paper = dict(zip(paper_ids, paper_titles, strict=True))
        if titles is None:
            titles = TitleIndex(paper_ids, paper_titles)
        self.titles = titles
        self.aliases = {
            pid: split_aliases(aliases)
            for pid, aliases in zip(paper_ids, papers["aliases"].tolist(), strict=True)
        }
        self.papers_by_alias = alias_lookup(self.aliases)
        self.concepts = ConceptIndex(
            paper_ids,
            paper_titles,
            [(pid, alias) for pid, aliases in self.aliases.items() for alias in aliases],
        )
        described = papers[papers["keywords"] != ""]
        self.profiles = ConceptIndex(
            described["paper_id"].tolist(),
            described["title"].tolist(),
            extra_stems=[keyword_stems(split_keywords(k)) for k in described["keywords"]],
        )
        self.papers_by_surname: dict[str, list[str]] = {}
        surnames = first_author_surnames(papers["authors"].tolist())
        for paper_id, surname in zip(paper_ids, surnames, strict=True):
            if surname:
                self.papers_by_surname.setdefault(surname, []).append(paper_id)
        self.year_by_paper = dict(zip(paper_ids, papers["year"].tolist(), strict=True))

    def all_aliases(self) -> list[str]:
        return sorted({a for aliases in self.aliases.values() for a in aliases})

    def decide_arxiv(self, arxiv_id: str) -> Decision:
        paper_id = self.paper_by_arxiv.get(arxiv_id)
        if paper_id:
            return Decision("matched", paper_id, 100.0, "arxiv_id")
        return Decision("matched", f"arxiv:{arxiv_id}", 100.0, "arxiv_id_not_in_catalog")

    def decide_name(self, alias_key: str) -> Decision:
        papers = self.papers_by_alias.get(alias_key) or self.papers_by_alias.get(
            alias_key.casefold(), []
        )
        if len(papers) == 1:
            return Decision("matched", papers[0], NAME_SCORE, "alias")
        return ambiguous(NAME_SCORE, "alias_shared", tuple(papers))

    def decide_translated(self, surface: str, language: str) -> Decision | None:
        """A title written in another language, through the term tables; None when it
        resembles no catalog title or alias (then it is not a mention). Two words link only to
        a whole title or alias ("Model Konsistensi"): a heading such as "Transformer 架構" is
        part of many titles."""
        ranked = self.concepts.rank(translate(surface, language, self.term_tables))
        if not ranked:
            return None
        top, f = ranked[0], f_score(ranked[0])
        runner_up = f_score(ranked[1]) if len(ranked) > 1 else 0.0
        if (
            f >= TRANSLATED_ACCEPT
            and f - runner_up >= TRANSLATED_MARGIN
            and top.matched >= 2
            and top.recall >= TRANSLATED_MIN_RECALL
            and (top.matched > 2 or top.recall >= WHOLE_TITLE)
        ):
            return Decision("matched", top.paper_id, 100 * f, "translated_title_terms")
        if f >= TRANSLATED_REVIEW and top.matched >= 2:
            close = tuple(m.paper_id for m in ranked if f_score(m) >= f - TRANSLATED_MARGIN)
            return ambiguous(100 * f, "translated_title_terms", close)
        return None

    def decide_description(self, surface: str, language: str) -> Decision | None:
        """A passage that describes one paper; None when it resembles no paper (most passages
        describe none).

        A paper with keywords is recognised by its title and keywords together, never by its
        title words alone: a passage with a title's words but nothing else the paper is about
        is on its topic, not about it ("Emergent Abilities of Large Language Models" in any
        text on emergence). A paper without keywords has only its title words; when they point
        to it and keywords to another paper, the two cannot be weighed: ambiguous."""
        units = translate(surface, language, self.term_tables)
        by_title = self._decide_by_title_words(units)
        if by_title is not None and by_title.paper_id in self.profiles.title_index:
            by_title = None
        by_keywords = self._decide_by_keywords(units)
        if by_title is None or by_keywords is None:
            return by_title or by_keywords
        if by_keywords.status != "matched":
            return by_title
        papers = tuple(sorted({by_title.paper_id, by_keywords.paper_id}))
        return ambiguous(by_keywords.score, "description_conflict", papers)

    def _decide_by_title_words(self, units: list[Unit]) -> Decision | None:
        """Most of one title's words, including two distinctive ones, and clearly more than any
        other title's (titles of common words cannot be recognised from a description)."""
        ranked = self.concepts.rank(units, limit=5, titles_only=True, by_recall=True)
        if not ranked:
            return None
        top = ranked[0]
        runner_up = ranked[1].recall if len(ranked) > 1 else 0.0
        if (
            top.recall >= DESCRIPTION_MIN_RECALL
            and top.matched >= DESCRIPTION_MIN_STEMS
            and top.title_stems > DESCRIPTION_MIN_STEMS
            and top.distinctive >= DESCRIPTION_MIN_DISTINCTIVE
            and top.recall - runner_up >= TRANSLATED_MARGIN
        ):
            return Decision("matched", top.paper_id, 100 * top.recall, "description_terms")
        return None

    def _decide_by_keywords(self, units: list[Unit]) -> Decision | None:
        """A passage that covers much of one paper's title and keywords, is mostly about them
        (few of its rare words are unexplained), and clearly more so than for any other paper.
        Close runners-up make it ``ambiguous``: a reviewer can tell, the pipeline cannot."""
        ranked = self.profiles.rank(units, limit=MAX_CANDIDATES, by_recall=True)
        if not ranked:
            return None
        top = ranked[0]
        if (
            top.recall < KEYWORDS_MIN_RECALL
            or top.precision < KEYWORDS_MIN_PRECISION
            or top.matched < KEYWORDS_MIN_STEMS
        ):
            return None
        close = tuple(m.paper_id for m in ranked if top.recall - m.recall < KEYWORDS_MARGIN)
        if len(close) == 1:
            return Decision("matched", top.paper_id, 100 * top.recall, "description_keywords")
        return ambiguous(100 * top.recall, "description_keywords", close)

    def decide_author(self, evidence: str, context: str, language: str) -> Decision:
        """ "Surname et al. (year)": the catalog's papers by that first author, narrowed by the
        year and then by the words around the reference."""
        surname, _, year = evidence.partition("|")
        papers = self.papers_by_surname.get(surname.casefold(), [])
        if year:
            papers = [p for p in papers if _year_close(self.year_by_paper.get(p), int(year))]
        if not papers:
            return Decision("unmatched", None, 0.0, "author_reference")
        if len(papers) == 1:
            method = "author_year" if year else "author"
            return Decision("matched", papers[0], AUTHOR_SCORE, method)
        units = [u for u in translate(context, language, self.term_tables) if not _numeric(u)]
        overlap = sorted(((*self._overlap(p, units), p) for p in papers), reverse=True)
        (top, top_words, top_paper), (runner_up, *_) = overlap[0], overlap[1]
        if top > 0 and (
            runner_up == 0 or (top_words >= 2 and top >= AUTHOR_CONTEXT_RATIO * runner_up)
        ):
            return Decision("matched", top_paper, AUTHOR_SCORE, "author_context")
        return ambiguous(AUTHOR_SCORE, "author_reference", tuple(sorted(papers)[:MAX_CANDIDATES]))

    def _overlap(self, paper_id: str, units: list[Unit]) -> tuple[float, int]:
        """Weight and number of the paper's title and keyword stems found in the units."""
        stems = self.concepts.title_stems(paper_id)
        if paper_id in self.profiles.title_index:
            stems |= self.profiles.title_stems(paper_id)
        found = [s for s in stems if any(s in u for u in units)]
        return math.fsum(self.concepts.weight(s) for s in found), len(found)

    def title_agrees(self, paper_id: str, written_title: str) -> bool:
        catalog_title = self.title_by_paper.get(paper_id)
        if catalog_title is None:
            return False
        score = fuzz.ratio(compact_title(catalog_title), compact_title(written_title))
        return score >= self.thresholds.review


def _numeric(unit: Unit) -> bool:
    """Years and counts: "2019" beside "Huang et al." says nothing about the topic."""
    return all(stem.isdigit() for stem in unit)


def _year_close(year: object, written: int) -> bool:
    return not pd.isna(year) and abs(int(year) - written) <= 1


def mention_id(source_file: str, start: int, end: int, kind: str) -> str:
    key = f"{source_file}\x1f{start}\x1f{end}\x1f{kind}".encode()
    return hashlib.sha256(key).hexdigest()[:20]


def _covered(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _conflict(
    matcher: Matcher,
    decision: Decision,
    line: int,
    start: int,
    titles: list[tuple[int, int, str, str]],
) -> Decision:
    """An arXiv link whose written title (the nearest matched title before it, on its line or
    just above) names another paper is not trusted: the text means the title's paper."""
    before = [
        t
        for t in titles
        if line - CONFLICT_WINDOW_LINES <= t[0] <= line and (t[0], t[1]) < (line, start)
    ]
    if not before:
        return decision
    _, _, title_paper, surface = max(before)
    if title_paper == decision.paper_id or matcher.title_agrees(decision.paper_id, surface):
        return decision
    return ambiguous(
        decision.score, "arxiv_id_title_conflict", tuple(sorted({decision.paper_id, title_paper}))
    )


def _soft_decisions(
    candidates: pd.DataFrame,
    matcher: Matcher,
    taken: list[tuple[int, int]],
    title_spans: list[tuple[int, int]],
) -> dict[int, Decision]:
    """Translated titles and descriptions: only those that resemble a catalog paper are
    mentions. Of overlapping ones a matched one is kept, a title before a description (the
    paragraph around a title is vaguer evidence than the title), then the longest (it holds
    all the evidence of the shorter: "QLoRA: ..." rather than the part after the colon)."""
    soft = candidates[
        candidates["kind"].isin(["translated_title", "description"]) & candidates["evidence"].isna()
    ]
    found = []
    for index, row in soft.iterrows():
        decide = (
            matcher.decide_translated
            if row["kind"] == "translated_title"
            else matcher.decide_description
        )
        decision = decide(row["surface"], row["language"])
        if decision is not None:
            span = row["end"] - row["start"]
            found.append(
                (
                    decision.status != "matched",
                    row["kind"] == "description",
                    -span,
                    -decision.score,
                    row["start"],
                    index,
                    decision,
                )
            )
    decisions = {}
    for *_, index, decision in sorted(found):
        start, end = candidates.at[index, "start"], candidates.at[index, "end"]
        if any(s < end and start < e for s, e in taken):
            continue
        taken.append((start, end))
        decisions[index] = decision
        if candidates.at[index, "kind"] == "translated_title":
            title_spans.append((start, end))
    return decisions


def resolve_document(candidates: pd.DataFrame, matcher: Matcher) -> pd.DataFrame:
    """Decide every candidate of one document; inline title runs that resemble no catalog
    title are not mentions and are dropped here."""
    decisions: dict[int, Decision] = {}
    title_spans: list[tuple[int, int]] = []
    matched_titles: list[tuple[int, int, str, str]] = []
    for index, row in candidates[candidates["kind"] == "english_title"].iterrows():
        ranked = matcher.titles.search(row["surface"])
        decision = decide_title(row["surface"], ranked, matcher.title_by_paper, matcher.thresholds)
        if decision.status == "unmatched" and not row["standalone"]:
            continue
        decisions[index] = decision
        if decision.status != "unmatched":
            title_spans.append((row["start"], row["end"]))
        if decision.status == "matched":
            matched_titles.append((row["line"], row["start"], decision.paper_id, row["surface"]))
    titles_by_line: dict[int, list[tuple[int, int, str, str]]] = {}
    for title in matched_titles:
        titles_by_line.setdefault(title[0], []).append(title)
    for index, row in candidates[candidates["kind"] == "arxiv_id"].iterrows():
        decision = matcher.decide_arxiv(row["evidence"])
        line = row["line"]
        nearby = [
            t
            for n in range(line - CONFLICT_WINDOW_LINES, line + 1)
            for t in titles_by_line.get(n, [])
        ]
        decisions[index] = _conflict(matcher, decision, line, row["start"], nearby)
    decisions.update(_soft_decisions(candidates, matcher, list(title_spans), title_spans))
    for index, row in candidates[candidates["kind"] == "name"].iterrows():
        if not _covered(title_spans, row["start"], row["end"]):
            decisions[index] = matcher.decide_name(row["evidence"])
    authors = candidates[(candidates["kind"] == "description") & candidates["evidence"].notna()]
    sentences = candidates[(candidates["kind"] == "description") & candidates["evidence"].isna()]
    for index, row in authors.iterrows():
        around = sentences[(sentences["start"] <= row["start"]) & (sentences["end"] >= row["end"])]
        context = around["surface"].iloc[0] if len(around) else row["surface"]
        decisions[index] = matcher.decide_author(row["evidence"], context, row["language"])
    rows = []
    for index, decision in decisions.items():
        row = candidates.loc[index]
        arxiv_id = None
        if decision.status == "matched":
            arxiv_id = matcher.arxiv_by_paper.get(
                decision.paper_id, row["evidence"] if row["kind"] == "arxiv_id" else None
            )
        rows.append(
            (
                mention_id(row["source_file"], row["start"], row["end"], row["kind"]),
                row["source_file"],
                row["language"],
                int(row["start"]),
                int(row["end"]),
                row["surface"],
                row["kind"],
                decision.status,
                decision.paper_id,
                arxiv_id,
                round(float(decision.score), 2),
                decision.method,
                list(decision.candidates),
            )
        )
    return pd.DataFrame(rows, columns=MENTION_COLUMNS)


def match_all(candidates: pd.DataFrame, matcher: Matcher) -> pd.DataFrame:
    """The mentions table: every kept candidate with its decision, in a stable order."""
    frames = [
        resolve_document(group, matcher)
        for _, group in candidates.groupby("source_file", sort=True)
    ]
    frames = [f for f in frames if not f.empty]
    mentions = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=MENTION_COLUMNS)
    )
    mentions = mentions.astype({"start": "int64", "end": "int64", "score": "float64"})
    for column in ("paper_id", "arxiv_id"):
        mentions[column] = mentions[column].astype(object).where(mentions[column].notna(), None)
    return mentions.sort_values(
        ["source_file", "start", "end", "kind"], kind="stable", ignore_index=True
    )
