from __future__ import annotations

import pandas as pd

from pipeline.validate import validate_tables
from tests.test_report import _tables


def test_valid_tables_pass() -> None:
    tables = _tables()
    text = tables["mentions"]["surface"][0] + " " * 5
    text = text[:40] + "GPT-9"
    assert (
        validate_tables(
            tables["documents"], tables["mentions"], tables["papers"], {"doc.txt": text}
        )
        == []
    )


def test_every_failure_is_reported_at_once() -> None:
    tables = _tables()
    mentions = tables["mentions"].assign(status=["matched", "matched"], score=[40.0, 140.0])
    papers = tables["papers"].assign(n_mentions=[5], languages=[["zh", "de"]])
    failures = validate_tables(tables["documents"], mentions, papers, {"doc.txt": "short"})
    text = "\n".join(failures)
    assert "paper_id_exactly_when_matched" in text
    assert "less_than_or_equal_to(100)" in text
    assert "languages_sorted_unique" in text
    assert "n_mentions disagrees" in text
    assert "text[start:end] != surface" in text


def test_documents_must_agree_with_mentions() -> None:
    tables = _tables()
    documents = tables["documents"].assign(n_mentions=[1, 0])
    failures = validate_tables(documents, tables["mentions"], tables["papers"], {})
    assert any("documents: n_mentions disagrees" in f for f in failures)
    assert isinstance(documents, pd.DataFrame)
