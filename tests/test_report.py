from __future__ import annotations

import json

import pandas as pd

from pipeline.report import build_report, render

HOSTILE = "<script>alert('x')</script> Attention"


def _tables() -> dict[str, pd.DataFrame]:
    mentions = pd.DataFrame(
        {
            "mention_id": ["a", "b"],
            "source_file": ["doc.txt", "doc.txt"],
            "language": ["zh", "zh"],
            "start": [0, 40],
            "end": [len(HOSTILE), 45],
            "surface": [HOSTILE, "GPT-9"],
            "kind": ["english_title", "name"],
            "status": ["unmatched", "matched"],
            "paper_id": [None, "arxiv:2005.14165"],
            "arxiv_id": [None, "2005.14165"],
            "score": [40.0, 95.0],
            "method": ["title_fuzzy", "alias"],
            "candidates": [[], []],
        }
    )
    documents = pd.DataFrame(
        {
            "source_file": ["doc.txt", "bad.txt"],
            "language": ["zh", "und"],
            "sha256": ["0" * 64] * 2,
            "n_chars": [50, 0],
            "n_mentions": [2, 0],
            "status": ["ok", "rejected"],
            "error": [None, "binary content: NUL byte at offset 3"],
        }
    )
    papers = pd.DataFrame(
        {
            "paper_id": ["arxiv:2005.14165"],
            "arxiv_id": ["2005.14165"],
            "title": ["T"],
            "in_catalog": [True],
            "year": [2020],
            "n_mentions": [1],
            "n_sources": [1],
            "languages": [["zh"]],
            "source_files": [["doc.txt"]],
        }
    )
    return {"documents": documents, "mentions": mentions, "papers": papers}


def _report() -> dict:
    texts = {"doc.txt": HOSTILE + " " * 10 + "GPT-9 is here"}
    return build_report(
        {"run_id": "r1"}, _tables(), texts, [], ["papers.csv line 3: bad"], {}, None
    )


def test_report_counts_and_review_lists() -> None:
    report = _report()
    assert report["mentions"]["by_status"] == {"matched": 1, "unmatched": 1}
    assert report["documents"]["rejected"][0]["source_file"] == "bad.txt"
    assert report["review"]["unmatched"][0]["surface"] == HOSTILE
    assert "[[" in report["review"]["unmatched"][0]["context"]
    assert report["changes"] == {"previous": None}
    assert report["catalog_errors"] == ["papers.csv line 3: bad"]


def test_html_escapes_text_from_sources_and_is_self_contained() -> None:
    rendered = render(_report())
    page = rendered["report.html"]
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<svg" in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert json.loads(rendered["report.json"])["run"]["run_id"] == "r1"
    assert "## To review: unmatched" in rendered["report.md"]


def test_changes_against_a_previous_run() -> None:
    tables = _tables()
    previous = {k: v.copy() for k, v in tables.items()}
    previous["papers"] = previous["papers"].assign(paper_id=["arxiv:1706.03762"])
    report = build_report({"run_id": "r2"}, tables, {}, [], [], previous, None)
    assert report["changes"]["papers_added"] == ["arxiv:2005.14165"]
    assert report["changes"]["papers_removed"] == ["arxiv:1706.03762"]


def test_narrow_matches_show_the_runner_up() -> None:
    tables = _tables()
    tables["mentions"].loc[1, ["method", "kind", "score"]] = ["title_fuzzy", "english_title", 96.0]
    runner_up = pd.DataFrame(
        {"mention_id": ["b"], "runner_up": ["arxiv:1706.03762"], "runner_up_score": [91.5]}
    )
    report = build_report(
        {"run_id": "r1"}, tables, {}, [], [], {}, None, runner_up=runner_up, narrow_margin=10.0
    )
    [narrow] = report["narrow_matches"]
    assert narrow["runner_up"] == "arxiv:1706.03762" and narrow["lead"] == 4.5
    wide = build_report(
        {"run_id": "r1"}, tables, {}, [], [], {}, None, runner_up=runner_up, narrow_margin=3.0
    )
    assert wide["narrow_matches"] == []


def test_changes_name_the_previous_run_and_changed_documents() -> None:
    tables = _tables()
    previous = {k: v.copy() for k, v in tables.items()}
    previous["documents"].loc[0, "sha256"] = "1" * 64
    previous["mentions"] = previous["mentions"].iloc[:1]
    report = build_report(
        {"run_id": "r2"},
        tables,
        {},
        [],
        [],
        previous,
        None,
        previous_report={"run": {"run_id": "r1"}},
    )
    changes = report["changes"]
    assert changes["previous_run_id"] == "r1"
    assert changes["documents"] == {"added": [], "removed": [], "changed": ["doc.txt"]}
    assert changes["totals"]["mentions"] == {"before": 1, "now": 2}
    assert changes["mentions_per_source"] == {"doc.txt": {"before": 1, "now": 2}}
    page = render(report)
    assert "Compared with run r1" in page["report.md"]
    assert "changed: doc.txt" in page["report.html"]


def test_report_covers_versions_stages_languages_and_rejections() -> None:
    run = {"run_id": "r1", "versions": {"pandas": "3.1.1"}, "stage_seconds": {"<b>": 1.5}}
    report = build_report(run, _tables(), {}, [], [], {}, None)
    assert report["documents"]["rejected_by_reason"] == {"binary content": 1}
    assert report["mentions"]["by_language_and_status"] == [
        {
            "language": "zh",
            "mentions": 2,
            "matched": 1,
            "ambiguous": 0,
            "unmatched": 1,
            "match_rate": 0.5,
        }
    ]
    page = render(report)["report.html"]
    assert "&lt;b&gt;" in page and "<b>" not in page
    assert page.count("<svg") >= 2
    assert "| pandas | 3.1.1 |" in render(report)["report.md"]
