from __future__ import annotations

from random import Random

import pandas as pd

from pipeline.duplicates import (
    NEAR_DUPLICATE_JACCARD,
    SHINGLE_CHARS,
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
