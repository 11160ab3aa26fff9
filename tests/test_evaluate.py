from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.evaluate import evaluate, format_scores, paper_key

GOLD_HEADER = "source_file,arxiv_id,canonical_title,year,kind,tier,surface,note\n"


def _write_output(out: Path, links: list[tuple[str, str, str | None, str]]) -> None:
    """Minimal published tables: matched mentions (source, paper_id, arxiv_id, title)."""
    out.mkdir()
    mentions = pd.DataFrame(
        {
            "source_file": [s for s, _, _, _ in links],
            "paper_id": [p for _, p, _, _ in links],
            "arxiv_id": [a for _, _, a, _ in links],
            "status": ["matched"] * len(links),
            "surface": ["x"] * len(links),
            "method": ["alias"] * len(links),
        }
    )
    papers = pd.DataFrame(
        {"paper_id": [p for _, p, _, _ in links], "title": [t for _, _, _, t in links]}
    ).drop_duplicates("paper_id")
    documents = pd.DataFrame({"source_file": ["a.txt", "b.txt"], "language": ["de", "zh"]})
    mentions.to_parquet(out / "mentions.parquet")
    papers.to_parquet(out / "papers.parquet")
    documents.to_parquet(out / "documents.parquet")


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / "a.csv").write_text(
        GOLD_HEADER
        + (
            "a.txt,1706.03762,Attention Is All You Need,2017,arxiv_link,A,x,\n"
            "a.txt,,Long Short-Term Memory,1997,name,B,LSTM,\n"
            "a.txt,2005.14165,Language Models are Few-Shot Learners,2020,name,P,GPT-3,\n"
        ),
        encoding="utf-8",
    )
    (folder / "b.csv").write_text(
        GOLD_HEADER
        + (
            "b.txt,2304.09848,Evaluating Verifiability in Generative Search Engines,2023,"
            "description,C,x,\n"
        ),
        encoding="utf-8",
    )
    return folder


def test_precision_and_recall_per_tier_language_and_kind(tmp_path: Path, gold: Path) -> None:
    out = tmp_path / "out"
    _write_output(
        out,
        [
            ("a.txt", "arxiv:1706.03762", "1706.03762", "Attention Is All You Need"),
            ("a.txt", "ref:hochreiter1997-lstm", None, "Long short-term memory"),
            ("a.txt", "arxiv:2005.14165", "2005.14165", "Language Models are Few-Shot Learners"),
            ("b.txt", "arxiv:1810.04805", "1810.04805", "BERT"),
            ("c.txt", "arxiv:1810.04805", "1810.04805", "BERT"),
        ],
    )
    scores = evaluate(out, gold)
    assert scores["links"] == 4 and scores["correct_links"] == 3
    assert scores["precision"] == 0.75
    assert scores["unjudged_links"] == 1
    assert scores["recall_by_tier"]["A"]["recall"] == 1.0
    assert scores["recall_by_tier"]["B"]["recall"] == 1.0
    assert scores["recall_by_tier"]["C"]["recall"] == 0.0
    assert scores["recall_by_language"]["zh"] == {"found": 0, "total": 1, "recall": 0.0}
    assert scores["recall_by_kind"]["arxiv_link"]["found"] == 1
    assert [f["paper_id"] for f in scores["false_links"]] == ["arxiv:1810.04805"]
    assert [m["key"] for m in scores["misses"]] == ["arxiv:2304.09848"]
    assert "precision: 0.75" in format_scores(scores)


def test_paper_key_uses_the_id_or_the_normalised_title() -> None:
    assert paper_key("1706.03762", "whatever") == "arxiv:1706.03762"
    assert paper_key("", "Long Short-Term Memory") == paper_key(None, "long short term memory")


def test_empty_gold_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        evaluate(tmp_path, tmp_path)
