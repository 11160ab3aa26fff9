from __future__ import annotations

from random import Random

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.duplicates import (
    NEAR_DUPLICATE_JACCARD,
    SHINGLE_CHARS,
    _bitmap,
    _bitmaps_allow,
    _folded,
    _normalised,
    duplicate_of,
    mark_duplicates,
    shingle_hashes,
)

ARTICLE = (
    "Die Transformer-Architektur wurde 2017 in dem Aufsatz Attention Is All You Need "
    "vorgestellt. Sie verzichtet auf rekurrente Netze und setzt ganz auf Aufmerksamkeit. "
) * 6
CHINESE = "".join(
    f"第{i}节讨论参数量为{i * 7}亿的模型在任务{i % 9}上的涌现能力。" for i in range(40)
)


def test_equal_texts_under_other_names_point_at_the_first() -> None:
    found = duplicate_of({"b.txt": ARTICLE, "a.txt": ARTICLE, "c.txt": ARTICLE.upper()})
    assert found.to_dict() == {"a.txt": None, "b.txt": "a.txt", "c.txt": "a.txt"}


def test_near_duplicates_are_found_and_different_texts_are_not() -> None:
    edited = ARTICLE.replace("2017", "2018", 1)
    found = duplicate_of({"a.txt": ARTICLE, "b.txt": edited, "c.txt": CHINESE, "d.txt": ""})
    assert found["b.txt"] == "a.txt"
    assert found[["a.txt", "c.txt", "d.txt"]].isna().all()


def test_threshold_is_on_jaccard_of_character_shingles() -> None:
    half = CHINESE[: len(CHINESE) // 2]
    assert duplicate_of({"a.txt": CHINESE, "b.txt": half})["b.txt"] is None


def test_each_shingle_has_its_own_hash() -> None:
    for text in (ARTICLE, CHINESE, "abc", "abcde", "abcdef", "x"):
        text = _normalised(text)
        assert len(shingle_hashes(text)) == len(_shingles(text))
    assert len(shingle_hashes("")) == 0


def test_documents_of_schema_two_get_the_column_filled() -> None:
    documents = pd.DataFrame({"source_file": ["a.txt", "b.txt", "bad.bin"], "duplicate_of": None})
    marked = mark_duplicates(documents, {"a.txt": ARTICLE, "b.txt": ARTICLE})
    assert marked["duplicate_of"].tolist() == [None, "a.txt", None]
    older = documents.drop(columns="duplicate_of")
    assert mark_duplicates(older, {}).equals(older)


def _shingles(text: str) -> frozenset[str]:
    if len(text) <= SHINGLE_CHARS:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i : i + SHINGLE_CHARS] for i in range(len(text) - SHINGLE_CHARS + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _first_similar_by_brute_force(texts: dict[str, str]) -> dict[str, str | None]:
    """Every document against every earlier distinct one, whole, on sets of the shingles
    themselves: what the hashes and the skipped pairs must equal."""
    found: dict[str, str | None] = {}
    originals: list[tuple[str, frozenset[str]]] = []
    for name in sorted(texts):
        shingles = _shingles(_normalised(texts[name]))
        found[name] = next(
            (o for o, s in originals if jaccard(shingles, s) >= NEAR_DUPLICATE_JACCARD), None
        )
        if found[name] is None:
            originals.append((name, shingles))
    return found


def test_skipped_pairs_are_never_near_duplicates() -> None:
    """Copies of an article with a few to most of its sentences left out: near ones and far
    ones of similar length, the pairs the shortcuts skip."""
    random = Random(7)
    sentences = [s + "。" for s in CHINESE.split("。") if s]
    texts = {}
    for i in range(40):
        dropped = random.choice([0.0, 0.03, 0.05, 0.07, 0.1, 0.5])
        kept = [s for s in sentences if random.random() >= dropped]
        texts[f"{i:02}.txt"] = " ".join(kept) or "x"
    found = duplicate_of(texts)
    expected = _first_similar_by_brute_force(texts)
    assert found.to_dict() == expected
    assert 0 < sum(v is not None for v in expected.values()) < len(texts) - 1


def test_copies_of_near_duplicates_name_the_first_original() -> None:
    """Exact copies, near copies and copies of near copies, in shuffled name order, of texts
    of several lengths: the answers of comparing every pair whole."""
    random = Random(11)
    sentences = [s + "." for s in ARTICLE.split(".") if s.strip()] + [
        s + "。" for s in CHINESE.split("。") if s
    ]
    bases = [" ".join(random.sample(sentences, k)) for k in (3, 8, 20, 40, 46)]
    texts = {}
    for i in range(60):
        base = random.choice(bases)
        words = base.split(" ")
        if random.random() < 0.5:  # a near copy: one word in a hundred changed
            words = [w if random.random() > 0.01 else w.upper() + "x" for w in words]
        texts[f"{random.randrange(10**6):06}-{i}.txt"] = " ".join(words)
    expected = _first_similar_by_brute_force(texts)
    assert duplicate_of(texts).to_dict() == expected
    assert sum(v is not None for v in expected.values()) > 30


# Distinct letters, so that a random text's shingles are nearly all distinct, and an edit of
# one character changes about SHINGLE_CHARS of them.
ALPHABET = "abcdefghijklmnopqrstuvwxyz 模型数据"
EDITS = st.lists(
    st.tuples(st.floats(0, 1), st.sampled_from("replace insert delete"), st.sampled_from(ALPHABET)),
    min_size=1,
    max_size=3,
)


def _edited(text: str, edits: list[tuple[float, str, str]]) -> str:
    for where, kind, letter in edits:
        at = int(where * len(text))
        if kind == "insert":
            text = text[:at] + letter + text[at:]
        else:
            text = text[:at] + (letter if kind == "replace" else "") + text[at + 1 :]
    return text


@st.composite
def near_threshold_corpora(draw: st.DrawFn) -> dict[str, str]:
    """A text and copies of it a few characters apart, each edited from an earlier one: at
    40 to 200 characters, an edit or two puts a pair's Jaccard around the threshold, and
    sets of a few dozen shingles straddle the widths of their bitmaps."""
    texts = [draw(st.text(alphabet=ALPHABET, min_size=40, max_size=200))]
    for _ in range(draw(st.integers(1, 7))):
        parent = texts[draw(st.integers(0, len(texts) - 1))]
        texts.append(_edited(parent, draw(EDITS)))
    order = draw(st.permutations(range(len(texts))))  # names not in the order of the edits
    return {f"{rank:02}.txt": text for rank, text in zip(order, texts, strict=True)}


@settings(max_examples=400, deadline=None)
@given(near_threshold_corpora())
def test_answers_are_those_of_comparing_every_pair_near_the_threshold(
    texts: dict[str, str],
) -> None:
    """Where a bound that skips pairs is wrong by even a tenth, a pair at the threshold is
    skipped and a near duplicate lost."""
    assert duplicate_of(texts).to_dict() == _first_similar_by_brute_force(texts)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 600), st.integers(0, 80), st.integers(0, 80), st.integers(0, 2**32 - 1))
def test_bitmaps_differ_in_no_more_bits_than_the_sets(
    size: int, dropped: int, added: int, seed: int
) -> None:
    """A set and another with some of its hashes dropped and others added: bitmaps of 64 to
    4,096 bits, two of different widths compared after folding."""
    hashes = np.random.default_rng(seed).integers(0, 2**63, size + added, dtype=np.int64)
    a = np.unique(hashes[:size].astype(np.uint64))
    b = np.unique(hashes[min(dropped, size - 1) :].astype(np.uint64))
    words = min(len(_bitmap(a)), len(_bitmap(b)))
    differing = int(np.bitwise_count(_folded(_bitmap(a), words) ^ _folded(_bitmap(b), words)).sum())
    assert differing <= len(np.setxor1d(a, b))


def test_bitmaps_skip_pairs_far_below_the_threshold_and_keep_near_ones() -> None:
    random = np.random.default_rng(3)
    own = np.unique(random.integers(0, 2**63, 2000).astype(np.uint64))
    fresh = random.integers(0, 2**63, 2000).astype(np.uint64)
    near = np.unique(np.concatenate([own[50:], fresh[:50]]))  # Jaccard ~0.95
    far = np.unique(np.concatenate([own[500:], fresh[:500]]))  # Jaccard ~0.6
    allowed = _bitmaps_allow(
        _bitmap(own),
        [_bitmap(near), _bitmap(far)],
        np.array([len(own) + len(near), len(own) + len(far)]),
        NEAR_DUPLICATE_JACCARD,
    )
    assert allowed.tolist() == [True, False]
