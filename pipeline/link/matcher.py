"""The catalog as the linker reads it: one index per kind of evidence, built once per run."""

from __future__ import annotations

import importlib.metadata
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.catalog import Catalog, split_aliases, split_keywords
from pipeline.catalog_store import (
    cached_arrays,
    cached_frame,
    release_pages_after_builds,
    store_key,
    store_process_tables_in,
)
from pipeline.language import URL_HINT
from pipeline.link.authors import (
    catalog_authors,
    context_overlap,
    context_words,
    first_author_surnames,
    sentence_confirms,
    singled_out,
)
from pipeline.link.citekeys import parse_cite_key
from pipeline.link.columns import CatalogColumns, ColumnValues, arrow_column
from pipeline.link.decision import Decision, ambiguous
from pipeline.link.descriptions import decide_description
from pipeline.link.expansions import spelled_out_otherwise
from pipeline.link.ids import decide_arxiv
from pipeline.link.names import (
    catalog_names,
    common_word,
    evidence_parts,
    named_as_paper,
    named_rows,
    written_by_hand,
    written_out_form,
)
from pipeline.link.policy import DEFAULT_POLICY, LinkPolicy
from pipeline.link.terms import (
    CONCEPT_ARRAYS_SOURCE,
    ConceptIndex,
    TermTable,
    concept_arrays,
    english_stems,
    keyword_stems,
    load_term_tables,
    stems_text,
    translate,
    unit_words,
)
from pipeline.link.text import TOKEN
from pipeline.link.title_index import TitleIndex, compact_title, normalize_title
from pipeline.link.titles import (
    TitleKeys,
    decide_title,
    title_key_arrays,
    title_key_hash,
    title_words,
)
from pipeline.link.translated import decide_translated

# Passages whose words a matcher keeps for the author references in them: a document's
# references share their sentences and lines.
CONTEXTS_KEPT = 64


class Matcher:
    def __init__(
        self,
        catalog: Catalog,
        policy: LinkPolicy = DEFAULT_POLICY,
        term_tables: dict[str, TermTable] | None = None,
        titles: TitleIndex | None = None,
        stored: pd.DataFrame | None = None,
        cache_dir: Path | None = None,
        columns: CatalogColumns | None = None,
    ) -> None:
        """``titles`` is a ready (e.g. cached) index of the catalog's titles; built here when
        not given. ``stored`` holds each paper's title stems and first author's surname
        (``catalog_derived``), worked out here when not given. ``cache_dir``: where the
        structures built once per catalog are stored (none: built in memory). ``columns``:
        the catalog's columns with their stored arXiv order (``CatalogColumns.of``)."""
        papers = catalog.papers
        # wordfreq's lists and langdetect's profiles, stored beside the catalog structures
        store_process_tables_in(cache_dir)
        self.policy = policy
        self.term_tables = term_tables or {}
        self.columns = columns or CatalogColumns.of(catalog)
        self.paper_by_arxiv = self.columns.paper_by_arxiv
        self.arxiv_by_paper = self.columns.arxiv_by_paper
        self.title_by_paper = self.columns.title_by_paper
        if titles is None:
            titles = TitleIndex(self.columns.paper_ids, self.columns.titles)
        self.titles = titles
        if stored is None:
            stored = derive_columns(papers)
        # The largest build first (on a catalog's first run): the others' memory is not yet
        # held beside it.
        self.concepts = catalog_concepts(catalog, stored, cache_dir, policy)
        self.title_keys = catalog_title_keys(catalog, stored, cache_dir, policy)
        self.names = catalog_names(catalog, policy, cache_dir)
        # Keywords written by hand describe a paper well enough to recognise it from a
        # description alone. Keywords derived from an abstract at import do not (on real
        # abstracts they linked 7.4 % of unrelated papers): they only confirm a mined name
        # (see ``decide_name_in``); they are read from the catalog row when asked for.
        profiles = catalog_profiles(catalog, cache_dir)
        self.abstract_keywords = profiles["abstract_keywords"]
        # Read row by row: a pandas take of a chunked Arrow column reads all of it.
        self.keywords = ColumnValues(arrow_column(papers["keywords"]))
        described = profiles["described_rows"].tolist()
        self.profiles = ConceptIndex(
            [self.columns.paper_ids[r] for r in described],
            [self.columns.titles[r] for r in described],
            extra_stems=[keyword_stems(split_keywords(self.keywords[r])) for r in described],
            policy=policy,
        )
        self.authors = catalog_authors(
            catalog, stored["first_author"].tolist, cache_dir, self.columns.titles
        )
        self.passage_words = lru_cache(maxsize=CONTEXTS_KEPT)(self._passage_words)
        self.entries_of = lru_cache(maxsize=CONTEXTS_KEPT)(self._entries_of)

    def decide_arxiv(self, arxiv_id: str) -> Decision:
        return decide_arxiv(arxiv_id, self.paper_by_arxiv)

    def decide_title(
        self,
        surface: str,
        whole_title: bool = False,
        ranked: list[tuple[str, float]] | None = None,
    ) -> Decision:
        """``ranked``: the title search's result for ``surface``, when the caller has it."""
        if ranked is None:
            ranked = self.titles.search(surface)
        return decide_title(surface, ranked, self.title_by_paper, self.policy, whole_title)

    def exact_title(self, title: str) -> str | None:
        """The paper whose title is ``title`` (compact forms equal), if exactly one is."""
        ranked = self.titles.search(title)
        exact = [pid for pid, score in ranked if score >= 100]
        return exact[0] if len(exact) == 1 else None

    def decide_name_in(
        self,
        evidence: str,
        context: str,
        language: str,
        document: Callable[[], frozenset[str]] | None = None,
    ) -> Decision:
        """A name in its sentence: a year in brackets beside it picks the paper of that year
        (none: another work of that name); else a mined name needs the support of the
        sentence (or of the whole document, ``document()``: its stems), and a name several
        papers claim is singled out by the sentence or stays ambiguous."""
        decision = self.names.decide(evidence)
        key, _, year = evidence_parts(evidence)
        written_out = written_out_form(evidence)
        if written_out and decision.status != "unmatched":
            decision = self.spelled_out(decision, key, written_out)
        if year and decision.status != "unmatched":
            named = decision.candidates or (decision.paper_id,)
            dated = [p for p in named if self._dated(p, year)]
            if len(dated) == 1:
                return Decision("matched", dated[0], decision.score, "alias_year")
            if not dated:  # "LeNet (1989)": another work of that name than the catalog's
                return Decision("unmatched", None, 0.0, "alias_other_year")
        if key in self.names.mined_only:
            # Several papers' mined name: the first version of one work, or the one the
            # sentence singles out; either if the sentence supports it as a mined name needs.
            chosen = self.separate(self._first_version(decision), context, language)
            if chosen.status == "matched" and named_as_paper(evidence):
                # "LoRA论文", "the Pythia paper": the page itself says it names a paper.
                return Decision("matched", chosen.paper_id, chosen.score, "alias_mined_paper")
            return self._confirm_mined(chosen, key, context, language, document)
        return self.separate(decision, context, language)

    def spelled_out(self, decision: Decision, key: str, written_out: str) -> Decision:
        """The papers a name stands for, less those whose title spells the name out in
        other words than the page ("CTRL (Conditional Transformer Language Model)" is not
        "Control-Tutored Reinforcement Learning"); none left: another work of that name."""
        papers = decision.candidates or (str(decision.paper_id),)
        kept = tuple(
            paper_id
            for paper_id in papers
            if not spelled_out_otherwise(
                key, written_out, self.title_by_paper.get(paper_id) or "", self.policy
            )
        )
        if len(kept) == len(papers):
            return decision
        if not kept:
            return Decision("unmatched", None, 0.0, "alias_spelled_out_otherwise")
        if len(kept) == 1:
            return Decision("matched", kept[0], decision.score, decision.method)
        return ambiguous(decision.score, decision.method, kept)

    def _first_version(self, decision: Decision) -> Decision:
        """Papers of one name and one first author are versions of one work (a conference
        paper and its journal extension, both titled "DeepFM: ..."): the earliest is the
        name's paper. Papers of other authors stay candidates."""
        if decision.status != "ambiguous":
            return decision
        earliest: dict[str, tuple[int, str]] = {}
        for paper_id in decision.candidates:
            row = self.title_by_paper.row(paper_id)
            if row is None:
                return decision
            author = self.authors.first_author(row)
            year = self.authors.year(row)
            if not author or year is None:
                return decision
            earliest[author] = min(earliest.get(author, (year, paper_id)), (year, paper_id))
        kept = tuple(sorted(paper_id for _, paper_id in earliest.values()))
        if len(kept) == 1:
            return Decision("matched", kept[0], decision.score, "alias_first_version")
        return ambiguous(decision.score, decision.method, kept)

    def _year(self, paper_id: str) -> int | None:
        row = self.title_by_paper.row(paper_id)
        return None if row is None else self.authors.year(row)

    def _dated(self, paper_id: str, year: str) -> bool:
        """Whether a paper's year is the one written beside its name (within the tolerance
        of author references: arXiv's year and the venue's)."""
        known = self._year(paper_id)
        return known is not None and abs(known - int(year)) <= self.policy.author_year_tolerance

    def written_after(self, paper_id: str, year: int) -> bool:
        """Whether the catalog dates a paper later than ``year`` (beyond the tolerance of
        author references), so that a work of that year cannot be it."""
        known = self._year(paper_id)
        return known is not None and known - year > self.policy.author_year_tolerance

    def _confirm_mined(
        self,
        decision: Decision,
        key: str,
        context: str,
        language: str,
        document: Callable[[], frozenset[str]] | None,
    ) -> Decision:
        if decision.status != "matched":
            return decision
        units = translate(context, language, self.term_tables)
        own = set(english_stems(self.names.display.get(key, key))) | {key}
        stems = self._evidence_stems(decision.paper_id) - own
        _, words = context_overlap(stems, unit_words(units), self.concepts.weight)
        needed = self.policy.mined_name_context_words
        if common_word(key, language) >= self.policy.common_word_zipf:
            needed += self.policy.word_like_name_extra_words
        if words >= needed:
            return Decision("matched", decision.paper_id, decision.score, "alias_mined")
        if document is not None and _bare_line(context, key, self.policy):
            found = stems & document()
            rare = [s for s in found if self.concepts.distinctive(s)]
            if len(found) >= self.policy.mined_name_document_words and rare:
                return Decision(
                    "matched", decision.paper_id, decision.score, "alias_mined_document"
                )
        return Decision("unmatched", None, 0.0, "alias_mined_unconfirmed")

    def _evidence_stems(self, paper_id: str) -> frozenset[str]:
        """The paper's title and keyword stems, derived keywords included."""
        stems = self.concepts.title_stems(paper_id)
        if paper_id in self.profiles.title_index:
            return stems | self.profiles.title_stems(paper_id)
        row = self.concepts.title_index[paper_id]  # title entries are the catalog's rows
        if self.abstract_keywords[row]:
            return stems | keyword_stems(split_keywords(self.keywords[row]))
        return stems

    def separate(self, decision: Decision, context: str, language: str) -> Decision:
        """A name several papers claim: the one the words around it single out (by the same
        rule as author references), else still ambiguous between them all."""
        if decision.status != "ambiguous":
            return decision
        words = unit_words(translate(context, language, self.term_tables))
        overlaps = self._overlaps(decision.candidates, words)
        top_paper = singled_out(decision.candidates, overlaps, self.policy)
        if top_paper is not None:
            return Decision("matched", top_paper, self.policy.name_score, "alias_context")
        return decision

    def decide_translated(self, surface: str, language: str) -> Decision | None:
        return decide_translated(
            surface,
            language,
            self.concepts,
            self.term_tables,
            self.policy,
            self.profiles.title_index,
        )

    def decide_description(self, surface: str, language: str) -> Decision | None:
        units = translate(surface, language, self.term_tables)
        return decide_description(units, self.concepts, self.profiles, self.policy)

    def decide_author(
        self, evidence: str, context: str, language: str, sentence: str | None = None
    ) -> Decision:
        """``sentence``: the reference's own sentence within ``context`` (default: all of it)."""
        words, rare = self.passage_words(context, language)
        own = rare if sentence is None else self.passage_words(sentence, language)[1]
        return self.authors.decide(evidence, words, self._overlaps, self.policy, own)

    def _passage_words(self, text: str, language: str) -> tuple[frozenset[str], frozenset[str]]:
        """``context_words`` of a passage, worked out once for all the references in it: a
        reference list written on one line holds thousands, each with the same passage."""
        units = translate(text, language, self.term_tables)
        return context_words(units, self.concepts, self.policy)

    def decide_cite(
        self, key: str, context: str, language: str, sentence: str | None = None
    ) -> Decision:
        """A citation key (``citekeys``): by its authors, year and title word, or like an
        author-year reference when it spells only a surname and a year."""
        parsed = parse_cite_key(key)
        if parsed is None:
            return Decision("unmatched", None, 0.0, "cite_key")

        def confirmed(paper_id: str) -> bool:  # asked only for a common surname
            _, rare = self.passage_words(context if sentence is None else sentence, language)
            return sentence_confirms(rare, self._overlaps, self.policy)(paper_id)

        decided = self.authors.decide_cite(parsed, self.policy, confirmed)
        if decided is not None:
            return decided
        evidence = f"{parsed.surnames[0]}|{parsed.year}"
        return self.decide_author(evidence, context, language, sentence)

    def _entries_of(self, papers: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The title and keyword entries of papers (-1: none), found once for each list of an
        author's papers that a page's references ask for again."""
        in_titles = self.concepts.title_index.entries(papers)
        in_profiles = self.profiles.title_index.entries(papers)
        if (in_titles < 0).any():
            raise KeyError(papers[int(np.argmax(in_titles < 0))])
        in_titles.setflags(write=False)
        in_profiles.setflags(write=False)
        return in_titles, in_profiles

    def _overlaps(self, papers: Sequence[str], words: frozenset[str]) -> list[tuple[float, int]]:
        """Weight and number of each paper's title and keyword stems found among ``words``
        (worked out only for the papers that hold one of them)."""
        in_titles, in_profiles = self.entries_of(tuple(papers))  # a tuple's is itself
        holding = self.concepts.holding_any(in_titles, words)
        holding |= self.profiles.holding_any(in_profiles, words)
        overlaps = [(0.0, 0)] * len(papers)
        for position in np.flatnonzero(holding).tolist():
            found = self.concepts.stems_among(int(in_titles[position]), words)
            if in_profiles[position] >= 0:
                found |= self.profiles.stems_among(int(in_profiles[position]), words)
            overlaps[position] = (math.fsum(map(self.concepts.weight, found)), len(found))
        return overlaps


def _bare_line(line: str, name: str, policy: LinkPolicy) -> bool:
    """A table cell, list item or heading: hardly any words beside the name and links. Only
    there does the page's topic stand in for the sentence a name would otherwise have."""
    words = [
        w for w in TOKEN.findall(line) if not URL_HINT.search(w) and any(c.isalpha() for c in w)
    ]
    return len(words) <= policy.bare_line_words + len(name.split())


# Catalog rows whose derived columns are worked out at a time (see ``derive_columns``).
DERIVE_CHUNK = 250_000


def derive_columns(papers: pd.DataFrame) -> pd.DataFrame:
    """Each paper's title stems (space-separated), first author's surname, compact title and
    number of title words: the costly parts of building a matcher for a large catalog.
    Worked out ``DERIVE_CHUNK`` rows at a time, each part kept as Arrow strings: the Python
    strings of all rows at once took a gigabyte at 2.5M rows."""
    parts: dict[str, list] = {"title_stems": [], "first_author": [], "title_key": []}
    words: list[np.ndarray] = []
    for start in range(0, len(papers), DERIVE_CHUNK):
        titles = papers["title"].iloc[start : start + DERIVE_CHUNK].tolist()
        authors = papers["authors"].iloc[start : start + DERIVE_CHUNK].tolist()
        parts["title_stems"].append(
            pa.array([" ".join(sorted(set(english_stems(t)))) for t in titles], pa.string())
        )
        parts["first_author"].append(pa.array(first_author_surnames(authors), pa.string()))
        parts["title_key"].append(pa.array([compact_title(t) for t in titles], pa.string()))
        words.append(np.array([title_words(t) for t in titles], dtype=np.int64))
    columns = {
        name: pd.Series(pa.chunked_array(chunks, pa.string()), dtype="str")
        for name, chunks in parts.items()
    }
    counts = np.concatenate(words) if words else np.zeros(0, dtype=np.int64)
    return pd.DataFrame({**columns, "title_words": counts})


# What the derived columns depend on besides the catalog: the code that derives them and the
# stemmer's version.
_DERIVATION_SOURCE = "\x1f".join(
    (
        inspect.getsource(english_stems),
        inspect.getsource(first_author_surnames),
        inspect.getsource(derive_columns),
        inspect.getsource(compact_title),
        inspect.getsource(normalize_title),
        inspect.getsource(title_words),
        importlib.metadata.version("snowballstemmer"),
    )
)


def catalog_derived(catalog: Catalog, cache_dir: Path | None) -> pd.DataFrame:
    """``derive_columns`` of the catalog, stored per catalog sha256 in ``cache_dir``."""
    key = store_key(catalog.sha256, _DERIVATION_SOURCE)
    frame, _ = cached_frame(cache_dir, "derived", key, lambda: (derive_columns(catalog.papers), {}))
    if len(frame) != len(catalog):  # another catalog under the same key: never trusted
        frame = derive_columns(catalog.papers)
    return frame


def curated_aliases(papers: pd.DataFrame) -> list[tuple[str, str]]:
    """(paper id, alias) of the aliases written by hand, in catalog order. A mined alias is a
    part of the title or abstract whose version number the stems lose ("OpenAI GPT-5" for
    "GPT-3 von OpenAI")."""
    return [
        (paper_id, alias)
        for _, paper_id, aliases, sources in named_rows(papers)
        for position, alias in enumerate(aliases)
        if written_by_hand(sources, position)
    ]


def _large_chunks(column: pd.Series) -> list[pa.Array]:
    """A column's Arrow chunks as large strings (the stored columns' own buffers)."""
    return [chunk.cast(pa.large_string()) for chunk in arrow_column(column).chunks]


def concept_columns(papers: pd.DataFrame, stored: pd.DataFrame) -> dict[str, np.ndarray]:
    """``concept_arrays`` of the catalog: one entry per paper (its stored title stems), in
    row order, then one per curated alias."""
    aliases = curated_aliases(papers)
    # The stored columns' own chunks (a chunked array made of a chunked array copies it).
    stems = pa.chunked_array(
        [
            *_large_chunks(stored["title_stems"]),
            pa.array([stems_text(english_stems(a)) for _, a in aliases], pa.large_string()),
        ],
        pa.large_string(),
    )
    entry_papers = pa.chunked_array(
        [
            *_large_chunks(papers["paper_id"]),
            pa.array([p for p, _ in aliases], pa.large_string()),
        ],
        pa.large_string(),
    )
    return concept_arrays(entry_papers, stems, len(papers))


# What the concept arrays depend on besides the catalog.
_CONCEPTS_SOURCE = "\x1f".join(
    (
        _DERIVATION_SOURCE,
        CONCEPT_ARRAYS_SOURCE,
        inspect.getsource(concept_columns),
        inspect.getsource(curated_aliases),
        inspect.getsource(named_rows),
        inspect.getsource(written_by_hand),
        inspect.getsource(split_aliases),
    )
)


def catalog_concepts(
    catalog: Catalog, stored: pd.DataFrame, cache_dir: Path | None, policy: LinkPolicy
) -> ConceptIndex:
    """The catalog's ``ConceptIndex``, its arrays stored per catalog sha256 in ``cache_dir``
    and opened memory-mapped (built in memory without one). ``stored``: ``catalog_derived``."""
    key = store_key(catalog.sha256, _CONCEPTS_SOURCE)
    arrays = cached_arrays(
        cache_dir, "concepts", key, lambda: concept_columns(catalog.papers, stored)
    )
    if int(arrays["n_titles"][0]) != len(catalog):  # another catalog under the same key
        arrays = concept_columns(catalog.papers, stored)
    pa.default_memory_pool().release_unused()  # the builder's Arrow buffers, kept otherwise
    return ConceptIndex.from_arrays(arrays, policy)


def profile_arrays(papers: pd.DataFrame) -> dict[str, np.ndarray]:
    """Which rows have keywords written by hand (``described_rows``) and which have keywords
    derived from an abstract (``abstract_keywords``, one flag per row)."""
    derived = papers.get("keywords_source", pd.Series("", index=papers.index)) == "abstract"
    described = (papers["keywords"] != "") & ~derived
    return {
        "described_rows": np.flatnonzero(described.to_numpy(dtype=bool)),
        "abstract_keywords": derived.to_numpy(dtype=bool),
    }


def catalog_profiles(catalog: Catalog, cache_dir: Path | None) -> Mapping[str, np.ndarray]:
    """``profile_arrays`` of the catalog, stored per catalog sha256: finding them reads two
    whole columns (at 2.5M rows, selecting them mapped all of the catalog file into each
    process)."""
    key = store_key(catalog.sha256, inspect.getsource(profile_arrays))
    arrays = cached_arrays(cache_dir, "profiles", key, lambda: profile_arrays(catalog.papers))
    if len(arrays["abstract_keywords"]) != len(catalog):  # another catalog's: never trusted
        arrays = profile_arrays(catalog.papers)
    return arrays


_TITLE_KEYS_SOURCE = "\x1f".join(
    (_DERIVATION_SOURCE, inspect.getsource(title_key_arrays), inspect.getsource(title_key_hash))
)


def catalog_title_keys(
    catalog: Catalog, stored: pd.DataFrame, cache_dir: Path | None, policy: LinkPolicy
) -> TitleKeys:
    """The catalog's ``TitleKeys``, stored per catalog sha256 in ``cache_dir`` and opened
    memory-mapped. ``stored``: ``catalog_derived``."""

    def build() -> dict[str, np.ndarray]:
        keys = title_key_arrays(stored["title_key"], stored["title_words"])
        return {**keys, "catalog_rows": np.array([len(catalog)])}

    key = store_key(catalog.sha256, _TITLE_KEYS_SOURCE)
    arrays = cached_arrays(cache_dir, "title-keys", key, build)
    if int(arrays["catalog_rows"][0]) != len(catalog):  # another catalog's: never trusted
        arrays = build()
    return TitleKeys(arrays, policy.embedded_title_min_words)


def build_matcher(
    catalog: Catalog, policy: LinkPolicy, terms_dir: Path, index_cache_dir: Path
) -> Matcher:
    """The matcher of a run: title index, arXiv order and derived columns stored per catalog
    sha256, term tables loaded."""
    columns = CatalogColumns.of(catalog, index_cache_dir)
    titles = TitleIndex(
        columns.paper_ids,
        columns.titles,
        catalog_sha256=catalog.sha256,
        cache_dir=index_cache_dir,
    )
    # Opened (on a catalog's first run, built and stored) before the other structures, so
    # that its build does not come on top of them at the first title search.
    titles.open()
    derived = catalog_derived(catalog, index_cache_dir)
    matcher = Matcher(
        catalog,
        policy,
        load_term_tables(terms_dir, index_cache_dir),
        titles,
        derived,
        cache_dir=index_cache_dir,
        columns=columns,
    )
    release_pages_after_builds()  # a catalog's first run: what building read goes
    return matcher
