from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.evaluate import catalog_keys, evaluate, format_scores, paper_key

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


def test_a_gold_row_without_an_id_is_found_by_its_title(tmp_path: Path) -> None:
    """An annotator who could not verify an id leaves it empty: a link to the paper of that
    title is correct, and one to another paper is not."""
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / "a.csv").write_text(
        GOLD_HEADER
        + "a.txt,,GPT-4 Technical Report,2023,name,P,GPT-4,UNVERIFIED: 2303.08774\n"
        + "a.txt,,Deep Learning,2015,english_title,A,Deep learning,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    _write_output(
        out,
        [
            ("a.txt", "arxiv:2303.08774", "2303.08774", "GPT-4 Technical Report"),
            ("a.txt", "arxiv:1512.03385", "1512.03385", "Deep Residual Learning"),
        ],
    )
    scores = evaluate(out, folder)
    assert (scores["links"], scores["correct_links"]) == (2, 1)
    assert [f["paper_id"] for f in scores["false_links"]] == ["arxiv:1512.03385"]


def test_recall_over_the_papers_the_catalog_holds(tmp_path: Path, gold: Path) -> None:
    """A miss whose paper no catalog row names is the catalog's gap: it is flagged, and the
    in-catalog recall counts only the gold papers found by arXiv id or by title."""
    out = tmp_path / "out"
    _write_output(out, [("a.txt", "arxiv:1706.03762", "1706.03762", "Attention Is All You Need")])
    catalog = pd.DataFrame(
        {
            "arxiv_id": ["1706.03762", None],
            "title": ["Attention Is All You Need", "Long short-term memory."],
        }
    )
    scores = evaluate(out, gold, catalog_keys(catalog))
    in_catalog = scores["recall_in_catalog_by_tier"]
    assert in_catalog["A"] == {"found": 1, "total": 1, "recall": 1.0}
    assert in_catalog["B"] == {"found": 0, "total": 1, "recall": 0.0}
    assert "C" not in in_catalog and "P" not in in_catalog
    assert {m["key"]: m["in_catalog"] for m in scores["misses"]} == {
        paper_key(None, "Long Short-Term Memory"): True,
        "arxiv:2304.09848": False,
    }
    text = format_scores(scores)
    assert "| tier B, paper in the catalog | 0 | 1 | 0.0 |" in text
    assert "arxiv:2304.09848 (not in the catalog)" in text
    assert "recall_in_catalog_by_tier" not in evaluate(out, gold)


def test_the_command_reads_the_catalog_it_is_given(
    tmp_path: Path, gold: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    _write_output(out, [("a.txt", "arxiv:1706.03762", "1706.03762", "Attention Is All You Need")])
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "papers.csv").write_text(
        "paper_id,arxiv_id,title,year,authors,aliases\n"
        "arxiv:2304.09848,2304.09848,Evaluating Verifiability in Generative Search Engines,"
        "2023,Nelson F. Liu,\n",
        encoding="utf-8",
    )
    args = ["evaluate", "--gold", str(gold), "--out", str(out), "--json", str(tmp_path / "s.json")]
    assert main([*args, "--catalog", str(catalog), "--index-cache", str(tmp_path / "ic")]) == 0
    assert "| tier C, paper in the catalog | 0 | 1 | 0.0 |" in capsys.readouterr().out
    assert main([*args, "--catalog", str(tmp_path / "missing")]) == 2
    assert "catalog not found" in capsys.readouterr().err


def test_paper_key_uses_the_id_or_the_normalised_title() -> None:
    assert paper_key("1706.03762", "whatever") == "arxiv:1706.03762"
    assert paper_key("", "Long Short-Term Memory") == paper_key(None, "long short term memory")


def test_empty_gold_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        evaluate(tmp_path, tmp_path)
