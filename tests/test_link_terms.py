"""Terms: stems, translation through the term tables (CC-CEDICT behind them), the concept
index's ranking and reach, and its arrays."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from pipeline.catalog import load_catalog
from pipeline.config import DEFAULT_CATALOG, DEFAULT_TERMS
from pipeline.link import terms
from pipeline.link.matcher import Matcher
from pipeline.link.terms import (
    DENSE_COUNT_ENTRIES,
    ConceptIndex,
    _entry_counts,
    english_stems,
    keyword_stems,
    load_term_tables,
    translate,
)
from tests.linking_fixtures import _queries, catalog_matcher


@pytest.fixture
def matcher(tmp_path: Path) -> Matcher:
    return catalog_matcher(tmp_path)


def test_english_stems_drop_stopwords_and_single_letters() -> None:
    assert english_stems("Let's Evaluate the Engines of Pre-Training") == [
        "evalu",
        "engin",
        "pre",
        "train",
    ]


def test_translate_latin_uses_the_table_and_keeps_unknown_names(matcher: Matcher) -> None:
    units = translate("Graf Ekosistem: Jejak Sosial Model Asas", "ms", matcher.term_tables)
    stems = {s for u in units for s in u}
    assert {"graph", "ecosystem", "footprint", "social", "model", "foundat"} <= stems
    names = translate("Sprachmodelle wie PaLM", "de", matcher.term_tables)
    assert frozenset(["palm"]) in names and frozenset(["languag"]) in names


def test_translate_cjk_takes_the_longest_known_term(matcher: Matcher) -> None:
    units = translate("对生成式搜索引擎进行了人工评估", "zh", matcher.term_tables)
    stems = [s for u in units for s in u]
    assert stems == ["generat", "search", "engin", "human", "evalu"]


def test_rare_words_weigh_more() -> None:
    index = ConceptIndex(
        ["a", "b", "c"],
        ["Language Models", "Language Models of Code", "Verifiability of Language Models"],
    )
    assert index.weight("verifi") > index.weight("model")
    assert index.rank([frozenset(["verifi"]), frozenset(["model"])])[0].paper_id == "c"


def test_rank_reads_beyond_the_rarest_words() -> None:
    """A long passage holds many rare words of other titles; the paper it covers best must
    still be a candidate although none of its own words is among the query's rarest."""
    titles = [
        "Adam Instability Divergence Revisited: Theory",
        "Adam Instability Divergence Revisited",
    ]
    titles += [f"Study of {word}" for word in ("zebra", "yak", "xerus", "wombat", "vole")]
    index = ConceptIndex([f"p{i}" for i in range(len(titles))], titles)
    words = ["zebra", "yak", "xerus", "wombat", "vole", "adam", "instabl", "diverg", "revisit"]
    ranked = index.rank([frozenset([w]) for w in words], by_recall=True)
    assert ranked[0].paper_id == "p1"


def test_keyword_stems_also_hold_names_written_solid() -> None:
    stems = keyword_stems(["Bing Chat", "citation recall", "perplexity.ai", "GPT-3"])
    assert {"bing", "chat", "bingchat", "citat", "recal", "perplex", "ai", "gpt"} <= stems
    assert "citationrecal" not in stems and "citationrecall" not in stems


def test_traditional_chinese_is_read_as_simplified() -> None:
    tables = load_term_tables(DEFAULT_TERMS)
    traditional = translate("擴散模型", "zh", tables)
    assert traditional == translate("扩散模型", "zh", tables)
    assert traditional


def test_stored_term_tables_are_those_of_the_files_and_follow_their_changes(
    tmp_path: Path,
) -> None:
    """Read from the structures store they are the parsed tables; a changed file is parsed
    again (its own key), and a damaged stored file is rebuilt."""
    store = tmp_path / "store"
    assert load_term_tables(DEFAULT_TERMS, store) == load_term_tables(DEFAULT_TERMS)
    [stored] = store.glob("terms-*.arrow")
    assert load_term_tables(DEFAULT_TERMS, store) == load_term_tables(DEFAULT_TERMS)
    (tmp_path / "terms").mkdir()
    table = tmp_path / "terms" / "ms.csv"
    table.write_text("term,english\nkedudukan,position\n", "utf-8")
    (tmp_path / "terms" / "de.csv").write_text("term,english\n", "utf-8")
    first = load_term_tables(tmp_path / "terms", store)
    assert first["ms"].terms == {"kedudukan": (("posit",),)} and first["de"].terms == {}
    table.write_text("term,english\nkedudukan,position|place\n", "utf-8")
    changed = load_term_tables(tmp_path / "terms", store)
    assert changed["ms"].terms == {"kedudukan": (("posit",), ("place",))}
    stored.unlink()  # a new file: the stored one may still be mapped
    stored.write_bytes(b"not arrow")
    assert load_term_tables(DEFAULT_TERMS, store) == load_term_tables(DEFAULT_TERMS)


def test_cc_cedict_fills_in_behind_the_term_table() -> None:
    """A word no term table has ("惩罚", penalty) is found in CC-CEDICT when asked."""
    without = translate("梯度惩罚", "zh", {})
    with_dictionary = translate("梯度惩罚", "zh", {}, dictionary=True)
    assert without == []
    assert any("penalti" in unit for unit in with_dictionary)


def test_concept_index_of_no_entries_finds_nothing() -> None:
    empty = ConceptIndex([], [])
    assert empty.rank([frozenset(["model"])]) == []
    assert empty.weight("model") == empty.unseen_idf and empty.frequency("model") == 0


def test_reach_bounds_every_match_rank_can_find() -> None:
    """Passages are decided without ranking when their reach is below a rule's minimums: that
    is exact only if no ranked match ever exceeds the reach."""
    catalog = load_catalog(DEFAULT_CATALOG)
    index = ConceptIndex(catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist())
    titles = catalog.papers["title"].tolist()
    queries = _queries(titles[::7])
    queries += [q + r for q, r in zip(queries[::2], queries[1::4], strict=False)]
    checked = 0
    for query in queries:
        reach = index.reach(query)
        for match in index.rank(query, limit=50):
            assert match.matched <= reach.stems
            assert match.distinctive <= reach.distinctive
            assert match.precision <= reach.precision + terms.REACH_SLACK
            checked += 1
    assert checked > 1000
    assert index.reach([frozenset(["zzunknown"])]) == terms.Reach(0, 0, 0.0)


@pytest.mark.parametrize("dense_count_entries", [terms.DENSE_COUNT_ENTRIES, 0])
def test_may_reach_never_rules_out_a_match_rank_finds(
    dense_count_entries: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rules skip ranking when no entry may reach their minimums: exact only if every match
    rank finds is allowed by ``may_reach``; and it must rule out most queries to be worth it.
    Entries counted per entry id, and (0) per distinct entry, as in a large catalog."""
    monkeypatch.setattr(terms, "DENSE_COUNT_ENTRIES", dense_count_entries)
    catalog = load_catalog(DEFAULT_CATALOG)
    index = ConceptIndex(catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist())
    queries = _queries(catalog.papers["title"].tolist()[::7])
    queries = [q[: len(q) // 2] + r[len(r) // 2 :] for q, r in itertools.pairwise(queries)]
    ruled_out = checked = 0
    for query in queries:
        for stems, recall, distinctive, titles_only in [
            (2, 0.0, True, True),
            (3, 0.0, False, False),
            (5, 0.5, False, False),
            (2, 0.75, False, True),
        ]:
            if index.may_reach(query, stems, recall, distinctive, titles_only):
                continue
            ruled_out += 1
            for match in index.rank(query, limit=50, titles_only=titles_only):
                held = match.distinctive if distinctive else match.matched
                assert held < stems or match.recall < recall
                checked += 1
    assert checked > 500
    assert ruled_out > len(queries)


@pytest.mark.parametrize("pool", [terms.CANDIDATE_POOL, 20])
def test_rank_gives_up_only_when_no_candidate_holds_the_least(
    pool: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``least``: the ranking is the same, or empty when no match it would give holds that
    many stems and that recall. A small pool makes some postings too long to read whole
    (searched for the pool's entries instead) and cuts the first one short."""
    monkeypatch.setattr(terms, "CANDIDATE_POOL", pool)
    catalog = load_catalog(DEFAULT_CATALOG)
    index = ConceptIndex(catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist())
    queries = _queries(catalog.papers["title"].tolist()[::5])
    queries = [q[: len(q) // 2] + r[len(r) // 2 :] for q, r in itertools.pairwise(queries)]
    empty = 0
    for query in queries:
        for least in [(2, 0.54), (3, 0.8), (4, 0.3)]:
            ranked = index.rank(query, limit=400)
            bounded = index.rank(query, limit=400, least=least)
            if bounded:
                assert bounded == ranked
            else:
                empty += 1
                assert all(m.matched < least[0] or m.recall < least[1] for m in ranked)
    assert 0 < empty < 3 * len(queries)


def test_the_longest_cjk_term_is_found_by_its_prefixes() -> None:
    table = load_term_tables(DEFAULT_TERMS)["zh"]
    text = "我们用人工评估和大型语言模型的预训练方法，检索增强生成（RAG）与知识蒸馏"

    def brute_force(start: int) -> int:
        sizes = range(min(table.longest, len(text) - start), 0, -1)
        return next((size for size in sizes if text[start : start + size] in table.terms), 0)

    found = [table.longest_cjk_term(text, start) for start in range(len(text))]
    assert found == [brute_force(start) for start in range(len(text))]
    assert sum(found) > 10


def test_latin_translation_tries_long_terms_only_where_one_begins() -> None:
    """Trying every length at every word finds the same units as trying only the lengths a
    term begins with the word: the shortcut changes no translation."""
    tables = load_term_tables(DEFAULT_TERMS)

    def every_length(text: str, language: str) -> list[frozenset[str]]:
        table = tables[language]
        words = [w.casefold() for w in terms.LATIN_TOKEN.findall(text)]
        units: list[frozenset[str]] = []
        i = 0
        while i < len(words):
            for size in range(min(table.longest_words, len(words) - i), 0, -1):
                found = terms._lookup(table, " ".join(words[i : i + size]), language)
                if found:
                    units += terms._units_for(found)
                    i += size
                    break
            else:
                word = words[i]
                stopwords = terms.foreign_stopwords(language)
                if word not in terms.STOPWORDS and word not in stopwords and len(word) > 1:
                    units.append(frozenset([terms.stem(word)]))
                i += 1
        return units

    for language in ("de", "ms"):
        phrases = sorted(t for t in tables[language].terms if " " in t)
        assert phrases, language
        text = " und ".join(f"{p} {p.split()[0]}en Modelle" for p in phrases[:200])
        tables[language].word_units.clear()
        assert translate(text, language, tables) == every_length(text, language)
        assert tables[language].word_units[language]  # the words met are remembered
        assert translate(text, language, tables) == every_length(text, language)


def test_paper_entries_are_found_for_many_ids_at_once_as_one_by_one() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    index = ConceptIndex(catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist())
    ids = [*catalog.papers["paper_id"].tolist()[::7], "arxiv:0000.00000", "x" * 500, ""]
    one_by_one = [index.title_index.get(p, -1) for p in ids]
    assert index.title_index.entries(ids).tolist() == one_by_one
    assert one_by_one[-3:] == [-1, -1, -1] and min(one_by_one[:-3]) >= 0
    assert index.title_index.entries([]).tolist() == []


def test_forgetting_the_weights_of_words_changes_no_reach_or_ranking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    papers, titles = catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist()
    queries = _queries(titles[::9])

    def answers() -> list:
        index = ConceptIndex(papers, titles)
        return [(index.reach(q), index.rank(q, limit=5)) for q in queries + queries]

    remembered = answers()
    monkeypatch.setattr(terms, "MAX_REMEMBERED_UNITS", 1)
    assert answers() == remembered
    assert sum(bool(ranked) for _, ranked in remembered) > 50


@pytest.mark.parametrize("pool", [terms.CANDIDATE_POOL, 20])
def test_ranked_recall_and_stems_are_those_of_the_titles(
    pool: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shared weight is read from the postings (a long list searched for the pool's
    entries when the pool is small): it is the weight of the title stems the query holds."""
    monkeypatch.setattr(terms, "CANDIDATE_POOL", pool)
    catalog = load_catalog(DEFAULT_CATALOG)
    index = ConceptIndex(catalog.papers["paper_id"].tolist(), catalog.papers["title"].tolist())
    checked = 0
    for query in _queries(catalog.papers["title"].tolist()[::11]):
        known = frozenset().union(*query)
        for match in index.rank(query, limit=5):
            stems = index.title_stems(match.paper_id)
            shared = math.fsum(index.weight(s) for s in stems & known)
            total = math.fsum(index.weight(s) for s in stems)
            assert match.recall == pytest.approx(shared / total, abs=1e-8)
            assert match.matched == len(stems & known)
            checked += 1
    assert checked > 200


def test_row_sums_are_scipys_sparse_row_sums() -> None:
    """Stored stem weights were summed by scipy's CSR matrices: the numpy sums give the same
    floats, bit for bit (rows of up to 60 stems, empty ones, a slice of the pointers)."""
    sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(7)
    lengths = rng.integers(0, 60, size=500) * (rng.random(500) < 0.9)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = rng.integers(0, 3000, size=int(indptr[-1]))
    idf = rng.random(3000) * 12
    pointers = indptr[3:]
    part = indices[pointers[0] : pointers[-1]]
    matrix = sparse.csr_matrix(
        (idf[part], part, pointers - pointers[0]), shape=(len(pointers) - 1, len(idf))
    )
    expected = np.asarray(matrix.sum(axis=1)).ravel()
    assert terms._row_sums(idf, indices, pointers).tobytes() == expected.tobytes()


@pytest.mark.parametrize(
    ("papers", "n_titles"),
    [
        (["a", "b", "c", "b", "a"], 3),  # titles in order, aliases among them
        (["a", "b", "c", "d"], 3),  # an alias's paper without a title
        (["b", "a", "c", "a"], 3),  # titles out of order
        (["a", "a", "b"], 2),  # a paper with two titles
        ([], 0),
    ],
)
def test_distinct_papers_are_numpys_unique(papers: list[str], n_titles: int) -> None:
    fixed = np.array([p.encode() for p in papers], dtype="S1") if papers else np.zeros(0, "S1")
    ids, inverse = terms._distinct_papers(fixed, n_titles)
    expected_ids, expected_inverse = np.unique(fixed, return_inverse=True)
    assert ids.tolist() == expected_ids.tolist()
    assert inverse.tolist() == expected_inverse.tolist()


def test_vocabulary_bytes_are_the_stems_joined_by_spaces() -> None:
    stems = ["äther", "zebra", "Ölbild", "中文", "a"]
    arrays = terms.concept_arrays(
        pa.array(["p"] * len(stems)), pa.array(stems, pa.large_string()), len(stems)
    )
    assert arrays["vocabulary"].tobytes() == " ".join(sorted(stems)).encode()
    sliced = pa.array(["x", *stems], pa.large_string()).slice(1)
    assert terms._joined(sliced).tobytes() == " ".join(stems).encode()
    assert terms._joined(pa.array([], pa.large_string())).tobytes() == b""


def test_entry_counts_past_the_dense_bound_equal_the_dense_counts() -> None:
    """Entry ids of a large catalog are counted by sorting, small ones per id: the same
    entries, counts and weight sums, bit for bit (postings lists of a few stems, each
    sorted, each stem's weight repeated)."""
    rng = np.random.default_rng(7)
    for _ in range(50):
        lists = [
            np.sort(rng.choice(DENSE_COUNT_ENTRIES, int(rng.integers(1, 900)), replace=False))
            for _ in range(int(rng.integers(1, 9)))
        ]
        small = np.concatenate(lists)
        weights = np.repeat(rng.random(len(lists)) * 10, [len(p) for p in lists])
        dense = _entry_counts(small, weights)
        sorted_ = _entry_counts(small + DENSE_COUNT_ENTRIES, weights)
        assert np.array_equal(sorted_[0], dense[0] + DENSE_COUNT_ENTRIES)
        assert np.array_equal(sorted_[1], dense[1])
        assert np.array_equal(sorted_[2], dense[2])
