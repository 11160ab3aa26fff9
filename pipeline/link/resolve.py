"""Decide every candidate of a document: ids first, then titles, translated titles and
descriptions, names and author references.

A link is made only above a threshold and with a margin over the runner-up; otherwise the
mention is kept as ``ambiguous`` (with its candidates) or ``unmatched``: a wrong link poisons
every downstream user, an unmatched mention is honest. An explicit arXiv id is a fact: no title
nearby overrides it, and a fuzzy title on its line that points elsewhere takes the id's paper.
"""

from __future__ import annotations

import bisect
import hashlib
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pandas as pd

from pipeline.link.authors import (
    decide_from_reference_list,
    reference_parts,
    reference_sentence,
    sentence_ends,
)
from pipeline.link.candidates import BESIDE_PREFIX, SLUG_PREFIX
from pipeline.link.citekeys import CITE_PREFIX
from pipeline.link.decision import Decision
from pipeline.link.ids import arxiv_year_month, slug_titles
from pipeline.link.matcher import Matcher
from pipeline.link.names import evidence_parts, name_key, same_name, written_out_form
from pipeline.link.references import reference_entry
from pipeline.link.spans import Covering, Taken
from pipeline.link.terms import translate
from pipeline.link.title_index import compact_title
from pipeline.link.titles import (
    OTHER_WORDS,
    REFERENCE,
    TITLE_EVIDENCE,
    TITLE_LIST,
    dated_row,
    generic_title,
    listed_outside_title,
    outside_paper_id,
    outside_title,
    table_cell,
)

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
RUNNER_UP_COLUMNS = ["mention_id", "runner_up", "runner_up_score"]
FUZZY_TITLE_METHODS = ("title_fuzzy", "title_fuzzy_name_prefix")
MINED_NAME_METHODS = (
    "alias_mined",
    "alias_mined_paper",
    "alias_mined_document",
    "alias_mined_in_document",
)
# Mined names confirmed where they stand, which confirm the name's other mentions.
CONFIRMING_METHODS = ("alias_mined", "alias_mined_paper")
EXACT = 100.0
# The column of ``_listed_titles`` that a CJK page's lines of English titles make (a table's
# columns are keyed by their number of cells and place).
TITLE_LINES = (0, 0)


def mention_id(source_file: str, start: int, end: int, kind: str) -> str:
    key = f"{source_file}\x1f{start}\x1f{end}\x1f{kind}".encode()
    return hashlib.sha256(key).hexdigest()[:20]


# A candidate row (the columns of ``candidates.CANDIDATE_COLUMNS``).
Candidate = dict[str, Any]


def _absent(value: object) -> bool:
    """A missing value of a candidate's column (None, or NaN from pandas)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _slug_decision(matcher: Matcher, slug: str) -> Decision:
    """A Papers with Code link names the paper whose title its slug spells, exactly."""
    for title in slug_titles(slug):
        paper_id = matcher.exact_title(title)
        if paper_id is not None:
            return Decision("matched", paper_id, EXACT, "paperswithcode_slug_title")
    return Decision("unmatched", None, 0.0, "paperswithcode_slug_title")


def _beside_id(decision: Decision, ids_on_line: list[Decision], standalone: bool) -> Decision:
    """A title guess on the line of one explicit id that names another paper, or a title
    there that names none while standing alone or near titles of other works only: the id
    wins, unless the title is written exactly (then the line names two papers)."""
    papers = {d.paper_id for d in ids_on_line}
    if len(papers) != 1 or decision.paper_id in papers:
        return decision
    if decision.status == "matched" and decision.score >= EXACT:
        return decision
    if decision.status == "unmatched" and not standalone and decision.method != OTHER_WORDS:
        return decision
    (paper_id,) = papers
    return Decision("matched", paper_id, decision.score, "title_beside_arxiv_id")


def _soft_decisions(
    candidates: dict[int, Candidate],
    matcher: Matcher,
    taken: Taken,
    title_spans: list[tuple[int, int]],
) -> dict[int, Decision]:
    """Translated titles and descriptions: only those that resemble a catalog paper are
    mentions. Of overlapping ones a matched one is kept, a title before a description (the
    paragraph around a title is vaguer evidence than the title), then the longest (it holds
    all the evidence of the shorter: "QLoRA: ..." rather than the part after the colon)."""
    soft = {
        index: row
        for index, row in candidates.items()
        if row["kind"] in ("translated_title", "description") and _absent(row["evidence"])
    }
    found = []
    for index, row in soft.items():
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
        start, end = candidates[index]["start"], candidates[index]["end"]
        if taken.overlaps(start, end):
            continue
        taken.add(start, end)
        decisions[index] = decision
        if candidates[index]["kind"] == "translated_title":
            title_spans.append((start, end))
    return decisions


def _title_decision(row: Candidate, matcher: Matcher, ids_on_line: list[Decision]) -> Decision:
    """A written English title: a catalog paper's, the paper of an id beside it, or a paper
    outside the catalog (only in quotes or a reference list). A short title of common words
    needs evidence that it is written as a title, not as a phrase."""
    evidence = row["evidence"]
    if isinstance(evidence, str) and evidence.startswith(SLUG_PREFIX):
        return _slug_decision(matcher, evidence.removeprefix(SLUG_PREFIX))
    ranked = matcher.titles.search(row["surface"])
    decision = matcher.decide_title(
        row["surface"], evidence == REFERENCE and bool(row["standalone"]), ranked
    )
    if (
        decision.status == "matched"
        and evidence not in TITLE_EVIDENCE
        and generic_title(matcher.title_by_paper[decision.paper_id], matcher.policy)
    ):
        decision = Decision("unmatched", None, decision.score, "title_generic_phrase")
    if decision.status == "matched" and decision.score < 100 and evidence == REFERENCE:
        decision = _cited_before(decision, row["context"], matcher)
    if decision.status == "ambiguous":
        decision = _named_before_colon(row["surface"], decision, matcher)
    decision = _beside_id(decision, ids_on_line, bool(row["standalone"]))
    if (
        decision.status == "unmatched"
        and outside_title(row["surface"], evidence, bool(row["standalone"]), matcher.policy)
        and not _names_a_catalog_paper(row["surface"], matcher)
        and not _begins_a_catalog_title(row["surface"], ranked, matcher)
    ):
        paper_id = outside_paper_id(row["surface"])
        return Decision("matched", paper_id, decision.score, "title_not_in_catalog")
    return decision


def _name_before_colon(surface: str, matcher: Matcher) -> str | None:
    """The name key of the words before a written title's colon ("PPO" in "PPO: Proximal
    ..."), when they are few enough to be a name."""
    head, colon, _ = surface.partition(":")
    if not colon or len(head.split()) > matcher.policy.name_prefix_max_words:
        return None
    return name_key(head)


def _named_before_colon(surface: str, decision: Decision, matcher: Matcher) -> Decision:
    """A title near several catalog titles, written after a name that one of those papers
    holds ("PPO: Proximal Policy Optimization" near "Proximal Policy Optimization
    Algorithms" and "Truncated Proximal Policy Optimization"), is that paper's."""
    key = _name_before_colon(surface, matcher)
    if key is None:
        return decision
    named = set(matcher.names.papers(key)).intersection(decision.candidates)
    if len(named) != 1:
        return decision
    (paper_id,) = named
    return Decision("matched", paper_id, decision.score, "title_near_its_name")


def _listed_titles(
    candidates: dict[int, Candidate],
    decisions: dict[int, Decision],
    unmatched: dict[int, Decision],
    matcher: Matcher,
) -> dict[int, Decision]:
    """Cells of a Markdown table column that holds paper titles (``min_listed_titles`` of
    its cells, and ``listed_title_share`` of its title-like ones, are catalog titles; or as
    many of its rows, and ``listed_title_cover`` of them, have a cell that is a year: a
    reference list written as a table): a cell that resembles no catalog title is a paper
    outside the catalog, as in a reference list. Only where the column splits cleanly
    (``listed_title_cover`` of its cells are catalog titles or resemble none): cells near a
    catalog title without reaching it mean the list shortens or rewrites its titles, and its
    other cells would be reported under titles no paper has. Columns are told apart by the
    row's number of cells and the cell's place. The lines of a CJK page that hold only an
    English title (``TITLE_LIST``) are one more column, by the same rule."""
    policy = matcher.policy
    columns: dict[tuple[int, int], list[int]] = {}
    for index, row in candidates.items():
        if row["kind"] == "english_title":
            cell = table_cell(row["surface"], row["context"])
            if cell is not None:
                columns.setdefault(cell, []).append(index)
            elif row["evidence"] == TITLE_LIST and row["standalone"]:
                columns.setdefault(TITLE_LINES, []).append(index)
    found: dict[int, Decision] = {}
    for cells in columns.values():
        titled = [
            i
            for i in cells
            if i in decisions
            and decisions[i].status == "matched"
            and decisions[i].method in FUZZY_TITLE_METHODS
        ]
        dated = sum(dated_row(candidates[i]["context"]) for i in cells)
        # A column of titles beside a column of their years is a reference list in a table.
        listing = dated >= max(policy.min_listed_titles, policy.listed_title_cover * len(cells))
        if len(titled) < policy.min_listed_titles and not listing:
            continue
        outside = [
            i
            for i in cells
            if i in unmatched
            and unmatched[i].method in ("title_fuzzy", OTHER_WORDS)
            and listed_outside_title(candidates[i]["surface"], policy)
            and not _names_a_catalog_paper(candidates[i]["surface"], matcher)
        ]
        if len(titled) < policy.listed_title_share * (len(titled) + len(outside)) and not listing:
            continue
        if len(titled) + len(outside) < policy.listed_title_cover * len(cells):
            continue  # many cells near a catalog title: a column of shortened titles
        for i in outside:
            surface = candidates[i]["surface"]
            found[i] = Decision(
                "matched",
                outside_paper_id(surface),
                unmatched[i].score,
                "title_listed_not_in_catalog",
            )
    return found


def _cited_before(decision: Decision, line: Any, matcher: Matcher) -> Decision:
    """A near title in a reference entry dated years before the paper was written is
    another work of a similar title ("Long Short-Term Memory (1997)" is not "Grid Long
    Short-Term Memory", 2015). A later year is no conflict: venues publish after arXiv."""
    entry = reference_entry(line) if isinstance(line, str) else None
    year = entry.year[:4] if entry is not None else ""
    if not year.isdigit():
        return decision
    if matcher.written_after(decision.paper_id, int(year)):
        return Decision("unmatched", None, decision.score, "title_other_year")
    return decision


def _id_in(paper_id: str) -> str | None:
    """The arXiv id an ``arxiv:`` paper id holds (a paper outside the catalog has one too)."""
    return paper_id.removeprefix("arxiv:") if paper_id.startswith("arxiv:") else None


def _arxiv_date(paper_id: str, matcher: Matcher) -> tuple[int, int] | None:
    return arxiv_year_month(matcher.arxiv_by_paper.get(paper_id) or _id_in(paper_id))


def _later_namesake(decision: Decision, ids_on_line: list[Decision], matcher: Matcher) -> Decision:
    """A mined name on a line that links only older papers explicitly, none of them the
    name's: the name is one of theirs, coined before the paper that claims it in the catalog
    ("[ALIGN](...) released with the paper [...](arxiv.org/abs/2102.05918)", where a 2025
    paper also calls itself ALIGN). The first coiner keeps a name, as when mining."""
    own = _arxiv_date(decision.paper_id, matcher)
    linked = {d.paper_id for d in ids_on_line if d.status == "matched"}
    if own is None or not linked or decision.paper_id in linked:
        return decision
    dates = [_arxiv_date(paper_id, matcher) for paper_id in linked]
    if all(date is not None and date < own for date in dates):
        return Decision("unmatched", None, 0.0, "alias_mined_later_namesake")
    return decision


def _later_namesakes(
    names: list[tuple[int, Candidate]],
    decisions: dict[int, Decision],
    ids_by_line: dict[int, list[Decision]],
    matcher: Matcher,
) -> dict[int, Decision]:
    """Mined names a line ties to an older linked paper (``_later_namesake``), and every
    other mention of the same name that links the later paper: a page uses a name in one
    sense throughout (a model list's "| CTRL |" row is the CTRL its other line links)."""
    found: dict[int, Decision] = {}
    namesakes: set[tuple[str, str]] = set()  # (name, the later paper that claims it)
    for index, row in names:
        decision = decisions.get(index)
        if decision is None or decision.method not in MINED_NAME_METHODS:
            continue
        judged = _later_namesake(decision, ids_by_line.get(row["line"], []), matcher)
        if judged.status == "unmatched":
            found[index] = judged
            namesakes.add((evidence_parts(row["evidence"])[0], str(decision.paper_id)))
    for index, row in names:
        decision = decisions.get(index)
        if (
            index not in found
            and decision is not None
            and decision.method in MINED_NAME_METHODS
            and (evidence_parts(row["evidence"])[0], str(decision.paper_id)) in namesakes
        ):
            found[index] = Decision("unmatched", None, 0.0, "alias_mined_later_namesake")
    return found


def _confirmed_elsewhere(
    candidates: dict[int, Candidate], decisions: dict[int, Decision]
) -> dict[int, Decision]:
    """A mined name left unconfirmed where its sentence says too little, but confirmed by
    another sentence of the document for one paper, names that paper here too: a page uses
    a name in one sense throughout. (The page's topic alone, which confirms a name in a
    table cell, does not reach into sentences.)"""
    confirmed: dict[str, dict[str, float]] = {}  # name evidence -> paper -> best score
    for index, decision in decisions.items():
        if decision.method in CONFIRMING_METHODS and candidates[index]["kind"] == "name":
            papers = confirmed.setdefault(same_name(candidates[index]["evidence"]), {})
            papers[decision.paper_id] = max(decision.score, papers.get(decision.paper_id, 0.0))
    found = {}
    for index, decision in decisions.items():
        if decision.method != "alias_mined_unconfirmed":
            continue
        papers = confirmed.get(same_name(candidates[index]["evidence"]), {})
        if len(papers) == 1:
            ((paper_id, score),) = papers.items()
            found[index] = Decision("matched", paper_id, score, "alias_mined_in_document")
    return found


def _spelled_out_elsewhere(
    names: list[tuple[int, Candidate]], decisions: dict[int, Decision], matcher: Matcher
) -> dict[int, Decision]:
    """A name the page spells out once in other words than its paper's title does
    (``Matcher.spelled_out``) names that other work at its other mentions too: a page uses
    a name in one sense throughout ("Graph Attention Network (GAN)", later "GAN")."""
    written: dict[str, list[str]] = {}  # name key -> its written-out forms on the page
    for _, row in names:
        form = written_out_form(row["evidence"])
        if form:
            written.setdefault(evidence_parts(row["evidence"])[0], []).append(form)
    found = {}
    for index, row in names:
        key = evidence_parts(row["evidence"])[0]
        decision = decisions.get(index)
        if key not in written or decision is None or decision.status != "matched":
            continue
        for form in written[key]:
            judged = matcher.spelled_out(decision, key, form)
            if judged.status == "unmatched":
                found[index] = judged
                break
    return found


def _names_a_catalog_paper(surface: str, matcher: Matcher) -> bool:
    """A written title that starts with a curated paper's name and a colon, yet matches no
    catalog title, is no paper of its own: it is that paper under a variant title or a page
    about it ("CLIP: Connecting Text and Images", a blog post). Mined names are too often
    another paper's namesake ("GloVe: Global Vectors ..." is a paper of its own)."""
    key = _name_before_colon(surface, matcher)
    if key is None:
        return False
    return key not in matcher.names.mined_only and bool(matcher.names.papers(key))


def _begins_a_catalog_title(
    surface: str, ranked: list[tuple[str, float]], matcher: Matcher
) -> bool:
    """A written title that a near catalog title (``ranked``: the title search's) begins
    with ("Deep Learning over Multi-field Categorical Data" of "...: A Case Study on User
    Response Prediction"): the catalog's title shortened, or another work's holding it;
    either way no paper of its own."""
    written = compact_title(surface)
    return any(
        compact_title(matcher.title_by_paper.get(paper_id) or "").startswith(written)
        for paper_id, _ in ranked
    )


def _reference_list(
    candidates: dict[int, Candidate], decisions: dict[int, Decision]
) -> dict[tuple[str, str], list[Decision]]:
    """The document's reference-list entries by (first author's surname, year), each with the
    decision on its title (unmatched when it was no mention)."""
    listed: dict[tuple[str, str], list[Decision]] = {}
    for index, row in candidates.items():
        if row["kind"] != "english_title" or row["evidence"] != REFERENCE:
            continue
        line = row["context"]
        entry = reference_entry(line) if isinstance(line, str) else None
        if entry is None or line[entry.title_start : entry.title_end] != row["surface"]:
            continue
        decision = decisions.get(index, Decision("unmatched", None, 0.0, "title_fuzzy"))
        listed.setdefault((entry.first_author, entry.year), []).append(decision)
    return listed


def _document_stems(
    candidates: dict[int, Candidate], matcher: Matcher
) -> Callable[[], frozenset[str]]:
    """The English stems of every line that holds a candidate, worked out once and only when
    asked for (most documents have no mined name to confirm)."""

    @lru_cache(maxsize=1)
    def stems() -> frozenset[str]:
        lines: dict[int, tuple[str, str]] = {}
        for row in candidates.values():
            if not _absent(row["context"]):
                lines.setdefault(row["line"], (row["context"], row["language"]))
        found: set[str] = set()
        for text, language in lines.values():
            for unit in translate(text, language, matcher.term_tables):
                found.update(unit)
        return frozenset(found)

    return stems


def _name_papers(row: Candidate, decision: Decision, matcher: Matcher) -> tuple[str, ...]:
    """The papers a name may stand for: its link or candidates, or, for a mined name its
    sentence did not confirm, the papers that claim it (other rejections stand)."""
    if decision.status == "matched":
        return (str(decision.paper_id),)
    if decision.status == "ambiguous":
        return decision.candidates
    if decision.method == "alias_mined_unconfirmed":
        named = matcher.names.decide(row["evidence"])
        return named.candidates or ((named.paper_id,) if named.paper_id else ())
    return ()


def _names_with_their_authors(
    candidates: dict[int, Candidate], decisions: dict[int, Decision], matcher: Matcher
) -> dict[int, Decision]:
    """A name and an author reference in one sentence that fit exactly one paper together
    ("xCOMET (Guerreiro et al., 2024)"): the author confirms the name, and the name picks
    the author's paper. A name or reference the sentence ties to several papers this way
    stays as it was. Each reference looks only at the names of its own sentence near it
    (a reference list on one line holds thousands of both)."""
    policy = matcher.policy
    by_line: dict[int, list[tuple[int, Candidate]]] = {}
    for index, row in candidates.items():
        if (
            index in decisions
            and not _absent(row["evidence"])
            and (
                row["kind"] == "description"
                or (row["kind"] == "name" and not row["evidence"].startswith(CITE_PREFIX))
            )
        ):
            by_line.setdefault(row["line"], []).append((index, row))
    agreed: dict[int, set[str]] = {}
    papers_named: dict[int, tuple[str, ...]] = {}  # by name: read once, near many references
    for mentions in by_line.values():
        names = sorted(
            ((int(r["start"]), i, r) for i, r in mentions if r["kind"] == "name"),
            key=lambda item: item[:2],
        )
        references = [(i, r) for i, r in mentions if r["kind"] == "description"]
        if not names or not references:
            continue
        _, first = mentions[0]
        ends = [int(first["line_start"]) + e for e in sentence_ends(str(first["context"]))]
        starts = [start for start, _, _ in names]
        longest = max(int(r["end"]) - start for start, _, r in names)
        for r_index, reference in references:
            # The sentence's bounds: the last end before the reference, the first after it.
            at = bisect.bisect_left(ends, reference["start"])
            before = ends[at - 1] if at else -1
            at = bisect.bisect_left(ends, reference["end"])
            after = ends[at] if at < len(ends) else math.inf
            gap = policy.name_author_max_gap
            low = bisect.bisect_left(starts, max(before, reference["start"] - gap - longest))
            high = bisect.bisect_right(starts, min(after, reference["end"] + gap))
            near = [
                (n_index, name)
                for _, n_index, name in names[low:high]
                if name["end"] >= reference["start"] - gap
            ]
            if not near:
                continue
            surname, year, second = reference_parts(reference["evidence"])
            written = set(
                matcher.authors.papers_of(surname, year, second, policy.author_year_tolerance)
            )
            for n_index, name in near:
                if n_index not in papers_named:
                    papers_named[n_index] = _name_papers(name, decisions[n_index], matcher)
                common = written.intersection(papers_named[n_index])
                if len(common) == 1:
                    agreed.setdefault(n_index, set()).update(common)
                    agreed.setdefault(r_index, set()).update(common)
    found = {}
    for index, papers in agreed.items():
        decision = decisions[index]
        if len(papers) != 1 or decision.status == "matched":
            continue
        (paper_id,) = papers
        kind = candidates[index]["kind"]
        method = "alias_author" if kind == "name" else "author_name"
        score = policy.name_score if kind == "name" else policy.author_score
        found[index] = Decision("matched", paper_id, score, method)
    return found


def _linked_targets(
    candidates: dict[int, Candidate], decisions: dict[int, Decision], matcher: Matcher
) -> dict[int, Decision]:
    """A name or author reference that is the text of a link to an arXiv id names that
    paper, whatever the catalog's names or authors suggest ("Mehta et al." of 2023 linked
    to one paper is not the catalog's other Mehta et al."): an explicit id is a fact. An
    author reference right after such a link cites the linked paper if the authors agree."""
    found = {}
    for index, decision in decisions.items():
        target = candidates[index]["target"]
        if _absent(target):
            continue
        beside = target.startswith(BESIDE_PREFIX)
        linked = matcher.decide_arxiv(target.removeprefix(BESIDE_PREFIX))
        if linked.status != "matched" or linked.paper_id == decision.paper_id:
            continue
        if not beside:
            found[index] = Decision("matched", linked.paper_id, linked.score, "linked_arxiv_id")
            continue
        cited = _cites_linked(candidates[index]["evidence"], linked.paper_id, matcher)
        if cited is True:
            found[index] = Decision("matched", linked.paper_id, linked.score, "author_beside_link")
        elif cited is None:
            # The reference cites the linked paper, which the link already gives; no catalog
            # paper of that author is a better guess.
            found[index] = Decision("unmatched", None, 0.0, "author_beside_link")
    return found


def _cites_linked(evidence: str, paper_id: str, matcher: Matcher) -> bool | None:
    """Whether an author reference ("surname|year") beside a link cites the linked paper:
    its first author's surname and year agree with the catalog's (False when they do not:
    the reference cites another work), None when the catalog does not know the paper or its
    authors."""
    row = matcher.title_by_paper.row(paper_id)
    first = [] if row is None else matcher.authors.first_author(row).split()
    if not first:
        return None
    surname, year, _ = reference_parts(evidence)
    if first[-1] != surname.casefold():
        return False
    known = matcher.authors.year(row)
    tolerance = matcher.policy.author_year_tolerance
    return not year or known is None or abs(known - int(year)) <= tolerance


def resolve_rows(names: list[str], rows: list[tuple], matcher: Matcher) -> list[tuple]:
    """Decide every candidate of one document (``rows`` of the columns ``names``, in order):
    rows of MENTION_COLUMNS and the runner-up's columns. Inline title runs that resemble no
    catalog title are not mentions and are dropped here."""
    # Plain records: a document has thousands of candidates, and a pandas row per access
    # cost more than the decisions.
    candidates: dict[int, Candidate] = {
        index: dict(zip(names, values, strict=True)) for index, values in enumerate(rows)
    }

    def of_kind(kind: str) -> list[tuple[int, Candidate]]:
        return [(index, row) for index, row in candidates.items() if row["kind"] == kind]

    decisions: dict[int, Decision] = {}
    ids_by_line: dict[int, list[Decision]] = {}
    for index, row in of_kind("arxiv_id"):
        decisions[index] = matcher.decide_arxiv(row["evidence"])
        ids_by_line.setdefault(row["line"], []).append(decisions[index])
    title_spans: list[tuple[int, int]] = []
    unmatched_titles: dict[int, Decision] = {}
    for index, row in of_kind("english_title"):
        decision = _title_decision(row, matcher, ids_by_line.get(row["line"], []))
        if decision.status == "unmatched":
            unmatched_titles[index] = decision
            if not row["standalone"]:
                continue
        decisions[index] = decision
        if decision.status != "unmatched":
            title_spans.append((row["start"], row["end"]))
    for index, decision in _listed_titles(candidates, decisions, unmatched_titles, matcher).items():
        decisions[index] = decision
        title_spans.append((candidates[index]["start"], candidates[index]["end"]))
    decisions.update(_soft_decisions(candidates, matcher, Taken(title_spans), title_spans))
    in_a_title = Covering(title_spans)
    descriptions = of_kind("description")
    sentences: dict[int, list[Candidate]] = {}  # by line: a sentence holds only its line's
    for _, row in descriptions:
        if _absent(row["evidence"]):
            sentences.setdefault(row["line"], []).append(row)

    def around(row: Candidate) -> list[Candidate]:
        return [
            s
            for s in sentences.get(row["line"], ())
            if s["start"] <= row["start"] and s["end"] >= row["end"]
        ]

    def context(row: Candidate) -> str:
        """The sentence around a mention, else its line, else its own text."""
        found = around(row)
        if found:
            return found[0]["surface"]
        return row["context"] if isinstance(row["context"], str) else row["surface"]

    def own_sentence(row: Candidate) -> str | None:
        """An author reference's own sentence, cut from the widest passage around it."""
        found = around(row)
        if not found:
            return None
        widest = max(found, key=lambda s: s["end"] - s["start"])  # the first of equal ones
        offset = int(widest["start"])
        return reference_sentence(widest["surface"], row["start"] - offset, row["end"] - offset)

    document = _document_stems(candidates, matcher)
    for index, row in of_kind("name"):
        if row["evidence"].startswith(CITE_PREFIX):
            decisions[index] = matcher.decide_cite(
                row["evidence"].removeprefix(CITE_PREFIX),
                context(row),
                row["language"],
                own_sentence(row),
            )
        elif not in_a_title(row["start"], row["end"]):
            decisions[index] = matcher.decide_name_in(
                row["evidence"], context(row), row["language"], document
            )
    decisions.update(_confirmed_elsewhere(candidates, decisions))
    decisions.update(_later_namesakes(of_kind("name"), decisions, ids_by_line, matcher))
    decisions.update(_spelled_out_elsewhere(of_kind("name"), decisions, matcher))
    listed = _reference_list(candidates, decisions)
    for index, row in descriptions:
        if _absent(row["evidence"]):
            continue
        if in_a_title(row["start"], row["end"]):
            continue  # "word2vec Explained: Deriving Mikolov et al.'s ...": part of a title
        decisions[index] = decide_from_reference_list(
            row["evidence"], listed, matcher.policy
        ) or matcher.decide_author(
            row["evidence"], context(row), row["language"], own_sentence(row)
        )
    decisions.update(_names_with_their_authors(candidates, decisions, matcher))
    decisions.update(_linked_targets(candidates, decisions, matcher))
    mentions = []
    for index, decision in decisions.items():
        row = candidates[index]
        arxiv_id = None
        if decision.status == "matched":
            arxiv_id = matcher.arxiv_by_paper.get(
                decision.paper_id, row["evidence"] if row["kind"] == "arxiv_id" else None
            )
            if arxiv_id is None:
                arxiv_id = _id_in(decision.paper_id)
        mentions.append(
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
                decision.runner_up,
                round(float(decision.runner_up_score), 2),
            )
        )
    return mentions


def mentions_table(rows: list[tuple]) -> pd.DataFrame:
    """Rows of ``resolve_rows`` (of any documents) as the mentions table, in a stable order."""
    mentions = pd.DataFrame(rows, columns=MENTION_COLUMNS + RUNNER_UP_COLUMNS[1:])
    mentions = mentions.astype({"start": "int64", "end": "int64", "score": "float64"})
    for column in ("paper_id", "arxiv_id"):
        mentions[column] = mentions[column].astype(object).where(mentions[column].notna(), None)
    return mentions.sort_values(
        ["source_file", "start", "end", "kind"], kind="stable", ignore_index=True
    )


def runner_up_scores(mentions: pd.DataFrame) -> pd.DataFrame:
    """mention_id, runner_up (paper id or None) and its score, for every fuzzy title link:
    a link that only narrowly beat another title is the one most worth a reviewer's look."""
    if "runner_up" not in mentions.columns:
        return pd.DataFrame(columns=RUNNER_UP_COLUMNS)
    linked = mentions[
        (mentions["status"] == "matched") & mentions["method"].isin(FUZZY_TITLE_METHODS)
    ]
    frame = linked[RUNNER_UP_COLUMNS].copy()
    frame["runner_up"] = frame["runner_up"].astype(object).where(frame["runner_up"].notna(), None)
    frame["runner_up_score"] = frame["runner_up_score"].astype("float64")
    return frame.reset_index(drop=True)
