from __future__ import annotations

import json

import pandas as pd
import pandera.pandas as pa
import pytest

from pipeline.validate import FOLLOWED_PAPER, screen_tables, validate_tables
from schemas import QUARANTINE_SCHEMA

TEXT = "Attention Is All You Need and BERT and GPT-9 here"
TEXTS = {"a.txt": TEXT, "b.txt": "See BERT."}


def _mention(mention_id: str, source: str, start: int, surface: str, paper: str | None) -> dict:
    return {
        "mention_id": mention_id,
        "source_file": source,
        "language": "en",
        "start": start,
        "end": start + len(surface),
        "surface": surface,
        "kind": "name",
        "status": "matched" if paper else "unmatched",
        "paper_id": paper,
        "arxiv_id": paper.removeprefix("arxiv:") if paper else None,
        "score": 100.0 if paper else 0.0,
        "method": "alias" if paper else "none",
        "candidates": [],
    }


def _tables() -> dict[str, pd.DataFrame]:
    """Three consistent tables: two papers, one of them mentioned in two documents."""
    mentions = pd.DataFrame(
        [
            _mention("m1", "a.txt", 0, "Attention Is All You Need", "arxiv:1706.03762"),
            _mention("m2", "a.txt", 30, "BERT", "arxiv:1810.04805"),
            _mention("m3", "a.txt", 39, "GPT-9", None),
            _mention("m4", "b.txt", 4, "BERT", "arxiv:1810.04805"),
        ]
    )
    papers = pd.DataFrame(
        {
            "paper_id": ["arxiv:1706.03762", "arxiv:1810.04805"],
            "arxiv_id": ["1706.03762", "1810.04805"],
            "title": ["Attention Is All You Need", "BERT"],
            "in_catalog": [True, True],
            "year": pd.array([2017, 2018], dtype="Int64"),
            "n_mentions": [1, 2],
            "n_sources": [1, 2],
            "languages": [["en"], ["en"]],
            "source_files": [["a.txt"], ["a.txt", "b.txt"]],
        }
    )
    documents = pd.DataFrame(
        {
            "source_file": ["a.txt", "b.txt", "c.txt"],
            "language": ["en", "en", None],
            "sha256": ["0" * 64, "1" * 64, "2" * 64],
            "n_chars": [len(TEXT), 9, 0],
            "n_mentions": [3, 1, 0],
            "status": ["ok", "ok", "rejected"],
            "duplicate_of": [None, None, None],
            "error": [None, None, "binary content: NUL byte at offset 3"],
        }
    )
    return {"documents": documents, "mentions": mentions, "papers": papers}


def _screen(tables: dict[str, pd.DataFrame], texts: dict[str, str] = TEXTS):
    return screen_tables(
        tables["documents"], tables["mentions"], tables["papers"], texts, run_id="r1"
    )


def test_valid_tables_pass_untouched() -> None:
    tables = _tables()
    assert validate_tables(*tables.values(), TEXTS) == []
    screening = _screen(tables)
    assert screening.failures == [] and screening.quarantine.empty
    QUARANTINE_SCHEMA.validate(screening.quarantine)
    pd.testing.assert_frame_equal(screening.mentions, tables["mentions"])
    pd.testing.assert_frame_equal(screening.papers, tables["papers"])


def test_clean_tables_are_validated_against_each_schema_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validated = []
    validate = pa.DataFrameSchema.validate

    def counting(schema: pa.DataFrameSchema, frame: pd.DataFrame, **kwargs):
        validated.append(schema.name)
        return validate(schema, frame, **kwargs)

    monkeypatch.setattr(pa.DataFrameSchema, "validate", counting)
    assert _screen(_tables()).failures == []
    assert sorted(validated) == ["documents", "mentions", "papers"]


def test_a_disagreement_no_row_check_sees_blocks_without_quarantine() -> None:
    tables = _tables()
    tables["documents"].loc[1, "n_mentions"] = 2  # b.txt has one mention
    screening = _screen(tables)
    assert screening.quarantine.empty
    assert screening.failures == [
        "after quarantine: documents: n_mentions disagrees with mentions for ['b.txt']"
    ]


def test_every_failure_is_reported_at_once() -> None:
    tables = _tables()
    mentions = tables["mentions"].assign(status="matched", score=[40.0, 140.0, 50.0, 60.0])
    papers = tables["papers"].assign(n_mentions=[5, 2], languages=[["zh", "de"], ["en"]])
    failures = validate_tables(tables["documents"], mentions, papers, {"a.txt": "short"})
    text = "\n".join(failures)
    assert "paper_id_exactly_when_matched" in text
    assert "less_than_or_equal_to(100)" in text
    assert "languages_sorted_unique" in text
    assert "n_mentions disagrees" in text
    assert "text[start:end] != surface" in text


def test_a_bad_mention_is_quarantined_and_its_paper_recounted() -> None:
    tables = _tables()
    tables["mentions"].loc[1, "score"] = 140.0  # m2: BERT in a.txt
    screening = _screen(tables)
    assert screening.failures == []
    assert list(screening.mentions["mention_id"]) == ["m1", "m3", "m4"]
    bert = screening.papers.set_index("paper_id").loc["arxiv:1810.04805"]
    assert bert["n_mentions"] == 1 and list(bert["source_files"]) == ["b.txt"]
    assert bert["n_sources"] == 1
    assert list(screening.documents["n_mentions"]) == [2, 1, 0]
    (row,) = screening.quarantine.itertuples()
    assert row.table == "mentions" and row.run_id == "r1"
    assert list(row.checks) == ["score: less_than_or_equal_to(100)"]
    assert json.loads(row.row)["mention_id"] == "m2" and json.loads(row.row)["score"] == 140.0
    assert screening.quarantined_mentions == 1 and screening.quarantined_share == 0.25


def test_a_paper_whose_only_mention_is_quarantined_goes_too() -> None:
    tables = _tables()
    tables["mentions"].loc[0, "start"] = 1  # m1's offsets no longer point at its surface
    tables["mentions"].loc[0, "end"] = 1 + len("Attention Is All You Need")
    screening = _screen(tables)
    assert screening.failures == []
    assert list(screening.papers["paper_id"]) == ["arxiv:1810.04805"]
    assert list(screening.quarantine["checks"].iloc[0]) == ["surface_at_offsets"]
    assert validate_tables(screening.documents, screening.mentions, screening.papers, TEXTS) == []


def test_ambiguous_without_candidates_is_quarantined_not_blocking() -> None:
    tables = _tables()
    tables["mentions"].loc[2, ["status", "score", "method"]] = ["ambiguous", 85.0, "title_fuzzy"]
    screening = _screen(tables)
    assert screening.failures == []
    assert list(screening.quarantine["checks"].iloc[0]) == [
        "at_least_two_candidates_when_ambiguous"
    ]
    assert "m3" not in set(screening.mentions["mention_id"])


def test_a_bad_paper_takes_its_mentions_with_it() -> None:
    tables = _tables()
    tables["papers"].loc[1, "year"] = 1800
    screening = _screen(tables)
    assert screening.failures == []
    assert list(screening.papers["paper_id"]) == ["arxiv:1706.03762"]
    assert list(screening.mentions["mention_id"]) == ["m1", "m3"]
    quarantine = screening.quarantine
    assert list(quarantine["table"]) == ["mentions", "mentions", "papers"]
    assert [list(c) for c in quarantine["checks"][:2]] == [[FOLLOWED_PAPER]] * 2
    assert list(quarantine["checks"].iloc[2]) == ["year: greater_than_or_equal_to(1990)"]
    assert list(screening.documents["n_mentions"]) == [2, 0, 0]


def test_a_paper_whose_counts_disagree_is_quarantined() -> None:
    tables = _tables()
    tables["papers"].loc[0, "n_mentions"] = 3
    screening = _screen(tables)
    assert "n_mentions_equals_matched_mentions" in list(screening.quarantine["checks"].iloc[-1])
    assert list(screening.papers["paper_id"]) == ["arxiv:1810.04805"]


@pytest.mark.parametrize(
    ("table", "change", "expected"),
    [
        ("mentions", lambda m: m.assign(mention_id=["m1", "m1", "m3", "m4"]), "field_uniqueness"),
        ("mentions", lambda m: m.assign(start=m["start"].astype(float)), "dtype('int64')"),
        ("papers", lambda p: p.assign(arxiv_id=["1810.04805"] * 2), "arxiv_id_unique"),
        ("documents", lambda d: d.assign(sha256=["x", "1" * 64, "2" * 64]), "str_matches"),
        ("documents", lambda d: d.drop(columns="duplicate_of"), "column_in_dataframe"),
    ],
)
def test_table_level_failures_block_and_quarantine_nothing(table, change, expected) -> None:
    tables = _tables()
    tables[table] = change(tables[table])
    screening = _screen(tables)
    assert any(expected in f for f in screening.failures), screening.failures
    assert screening.quarantine.empty


def test_empty_tables_are_typed_and_pass() -> None:
    tables = _tables()
    empty = {name: frame.iloc[0:0].astype(object) for name, frame in tables.items()}
    screening = _screen(empty, {})
    assert screening.failures == []
    assert screening.quarantined_share == 0.0
    assert screening.mentions["start"].dtype == "int64"
