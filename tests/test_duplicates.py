from __future__ import annotations

import pandas as pd

from pipeline.duplicates import duplicate_of, jaccard, mark_duplicates

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
    assert jaccard(frozenset("ab"), frozenset("ab")) == 1.0


def test_documents_of_schema_two_get_the_column_filled() -> None:
    documents = pd.DataFrame({"source_file": ["a.txt", "b.txt", "bad.bin"], "duplicate_of": None})
    marked = mark_duplicates(documents, {"a.txt": ARTICLE, "b.txt": ARTICLE})
    assert marked["duplicate_of"].tolist() == [None, "a.txt", None]
    older = documents.drop(columns="duplicate_of")
    assert mark_duplicates(older, {}).equals(older)
