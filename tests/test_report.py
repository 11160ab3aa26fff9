from __future__ import annotations

import csv
import importlib
import io
import json
import re
from importlib.resources import files
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from pipeline.report import build_report, render, to_markdown
from pipeline.report.render import md

HOSTILE = "<script>alert('x')</script> Attention"
TITLES = pd.Series(
    {
        "arxiv:2005.14165": "Language Models are Few-Shot Learners",
        "arxiv:1706.03762": "Attention Is All You Need",
        "arxiv:1810.04805": "BERT: Pre-training of Deep Bidirectional Transformers",
    }
)
SCHEMA = json.loads(files("pipeline.report").joinpath("report.schema.json").read_text("utf-8"))


def _review_tables() -> dict[str, pd.DataFrame]:
    mentions = pd.DataFrame(
        {
            "mention_id": ["a", "b", "c"],
            "source_file": ["doc.txt", "doc.txt", "doc.txt"],
            "language": ["zh", "zh", "zh"],
            "start": [0, 47, 60],
            "end": [len(HOSTILE), 52, 64],
            "surface": [HOSTILE, "GPT-9", "BERT"],
            "kind": ["english_title", "name", "name"],
            "status": ["unmatched", "matched", "ambiguous"],
            "paper_id": [None, "arxiv:2005.14165", None],
            "arxiv_id": [None, "2005.14165", None],
            "score": [40.0, 95.0, 95.0],
            "method": ["title_fuzzy", "alias", "alias_shared"],
            "candidates": [[], [], ["arxiv:1706.03762", "arxiv:1810.04805"]],
        }
    )
    documents = pd.DataFrame(
        {
            "source_file": ["doc.txt", "bad.txt"],
            "language": ["zh", "und"],
            "sha256": ["0" * 64] * 2,
            "n_chars": [70, 0],
            "n_mentions": [3, 0],
            "status": ["ok", "rejected"],
            "duplicate_of": [None, None],
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


def _tables() -> dict[str, pd.DataFrame]:
    """Two mentions (one hostile) in one document."""
    tables = _review_tables()
    mentions = tables["mentions"].iloc[:2].copy()
    mentions.loc[1, ["start", "end"]] = [40, 45]
    documents = tables["documents"].assign(n_mentions=[2, 0], n_chars=[50, 0])
    return {"documents": documents, "mentions": mentions, "papers": tables["papers"]}


TEXT = HOSTILE + " " * 10 + "GPT-9 is here, BERT too"


def _report(**kwargs) -> dict:
    return build_report(
        {"run_id": "r1"},
        _review_tables(),
        {"doc.txt": TEXT},
        [],
        ["papers.csv line 3: bad"],
        {},
        None,
        titles=TITLES,
        **kwargs,
    )


def _json(report: dict) -> dict:
    return json.loads(render(report)["report.json"])


def test_review_rows_lead_to_the_mention_and_name_candidate_titles() -> None:
    report = _report()
    [unmatched] = report["review"]["unmatched"]
    assert unmatched["mention_id"] == "a" and (unmatched["start"], unmatched["end"]) == (0, 37)
    assert unmatched["surface"] == HOSTILE and unmatched["context_after"].startswith(" GPT-9")
    [ambiguous] = report["review"]["ambiguous"]
    assert ambiguous["candidates"] == [
        {"paper_id": "arxiv:1706.03762", "title": "Attention Is All You Need"},
        {"paper_id": "arxiv:1810.04805", "title": TITLES["arxiv:1810.04805"]},
    ]
    page = render(report)["report.html"]
    assert 'id="m-c"' in page and "Attention Is All You Need" in page
    assert "<mark>BERT</mark>" in page


def test_compiled_templates_kept_in_the_structures_folder_render_the_same_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages' compiled code is stored, and a new environment (as in the next process)
    renders from it without compiling."""
    from jinja2 import Environment

    report = _report()
    expected = render(report)
    assert render(report, tmp_path) == expected
    assert list((tmp_path / "templates").iterdir()), "no compiled template was kept"
    compiled = []
    original = Environment.compile

    def counting(self: Environment, *args: object, **kwargs: object) -> object:
        compiled.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counting)
    environment = importlib.import_module("pipeline.report.render")._environment
    environment.cache_clear()
    try:
        assert render(report, tmp_path) == expected
        assert compiled == []
        render(report, tmp_path / "elsewhere")
        assert compiled, "the counter sees no compilation"
    finally:
        environment.cache_clear()


def test_a_structures_folder_that_cannot_keep_templates_renders_the_same_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A folder that cannot be made, or written, is a warning: the pages are the same."""
    import jinja2.bccache

    report = _report()
    expected = render(report)
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("a file where the structures folder should be")
    assert render(report, not_a_folder) == expected

    def unwritable(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(jinja2.bccache.tempfile, "NamedTemporaryFile", unwritable)
    environment = importlib.import_module("pipeline.report.render")._environment
    environment.cache_clear()
    try:
        assert render(report, tmp_path / "read-only") == expected
    finally:
        environment.cache_clear()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("not kept" in w and "file" in w for w in warnings)
    assert any("not kept" in w and "read-only file system" in w for w in warnings)


def test_a_clean_run_is_published_and_says_so_first() -> None:
    rendered = render(_report())
    data = json.loads(rendered["report.json"])
    assert data["verdict"]["status"] == "published" and data["success"] is True
    assert rendered["report.md"].startswith("# PUBLISHED")
    page = rendered["report.html"]
    assert page.index('class="verdict v-published') < page.index('id="checks"')
    failed = [c for c in data["checks"] if c["status"] == "fail"]
    assert failed == []
    names = {c["name"] for c in data["checks"]}
    assert {"mentions.score: less_than_or_equal_to(100)", "papers: columns"} <= names
    assert "text[start:end] equals surface" in names


def test_validation_failures_give_not_published_and_failed_checks() -> None:
    tables = _review_tables()
    tables["mentions"].loc[1, "score"] = 150.0
    messages = ["mentions: text[start:end] != surface for ['b']", "something new broke"]
    report = build_report({"run_id": "r1"}, tables, {"doc.txt": TEXT}, messages, [], {}, None)
    data = _json(report)
    assert data["verdict"]["status"] == "not published" and data["success"] is False
    assert data["links"]["run_folder"] == "failed/r1" and data["links"]["tables"] == []
    by_name = {c["name"]: c for c in data["checks"]}
    score = by_name["mentions.score: less_than_or_equal_to(100)"]
    assert score["status"] == "fail" and score["severity"] == "error"
    assert score["failure_cases"] == [{"index": 1, "failure_case": 150.0}]
    assert by_name["text[start:end] equals surface"]["status"] == "fail"
    assert any(c["message"] == "something new broke" for c in data["checks"])
    cases = list(csv.DictReader(io.StringIO(render(report)["failure-cases.csv"])))
    assert any(row["check"] == score["name"] and "150" in row["case"] for row in cases)
    assert render(report)["report.md"].startswith("# NOT PUBLISHED")


def test_the_builds_verdict_and_quarantine_are_shown_as_given() -> None:
    report = _report()
    report["verdict"] = {
        "status": "published, degraded",
        "success": True,
        "reasons": ["1 mention row quarantined"],
        "warnings": ["catalog shrank"],
    }
    report["quarantine"] = [{"table": "mentions", "row": '{"x": "<b>"}', "checks": ["isin"]}]
    data = _json(report)
    assert data["verdict"]["status"] == "published, degraded"
    assert data["verdict"]["reasons"] == ["1 mention row quarantined"]
    assert data["verdict"]["warnings"][0] == "catalog shrank"
    [quarantine] = [c for c in data["checks"] if c["category"] == "quarantine"]
    assert quarantine["observed"] == round(1 / 3, 4) and quarantine["status"] == "fail"
    page = render(report)["report.html"]
    assert "published, degraded" in page and "&lt;b&gt;" in page and '<b>"' not in page


def test_html_escapes_text_from_sources_and_fetches_nothing() -> None:
    tables = _review_tables()
    tables["documents"].loc[1, "source_file"] = "<img src=x onerror=alert(1)>.txt"
    run = {"run_id": "r1", "stage_seconds": {"<b>": 1.5}}
    report = build_report(run, tables, {"doc.txt": TEXT}, [], [], {}, None)
    page = render(report)["report.html"]
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<img" not in page and "&lt;img src=x" in page
    assert "<b>: 1.5" not in page and "&lt;b&gt;: 1.5" in page
    without_namespace = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in without_namespace and "https://" not in without_namespace
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"<[a-z]+[^>]*\s(src|srcset)=", page)


def test_markdown_escapes_raw_html_and_markdown_syntax() -> None:
    report = build_report({"run_id": "r1"}, _tables(), {"doc.txt": TEXT}, [], [], {}, None)
    report["catalog_errors"] = ["<img src=x onerror=alert(1)> | [link](javascript:x)"]
    markdown = to_markdown(report)
    assert "<script>" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;" in markdown
    assert "\\[link\\](javascript:x)" in markdown and "\\|" in markdown
    assert "latin1-\\xe9.txt" in md("latin1-\\xe9.txt") and md("a\\*b") == "a\\\\\\*b"


def test_no_nan_or_none_cells_and_empty_sections_say_what_is_empty() -> None:
    tables = _review_tables()
    tables["mentions"].loc[1, ["method", "kind", "score"]] = ["title_fuzzy", "english_title", 91.0]
    report = build_report({"run_id": "r1"}, tables, {}, [], [], {}, None)
    [narrow] = report["review"]["narrow"]
    assert narrow["runner_up"] is None and narrow["lead"] is None
    for text in (render(report)["report.html"], render(report)["report.md"]):
        assert not any(bad in text for bad in (">nan<", "| nan |", ">None<", "| None |"))
    assert "No two documents hold the same text." in render(report)["report.html"]
    assert "_none_" not in render(report)["report.md"]


def test_long_surfaces_are_shortened_in_the_pages_but_whole_in_csv() -> None:
    passage = "检索增强" * 100
    text = "前文" + passage + "后文"
    tables = _review_tables()
    tables["mentions"].loc[0, ["surface", "start", "end", "kind"]] = [
        passage,
        2,
        2 + len(passage),
        "description",
    ]
    report = build_report({"run_id": "r1"}, tables, {"doc.txt": text}, [], [], {}, None)
    rendered = render(report)
    assert passage not in rendered["report.html"] and "(400 characters)" in rendered["report.html"]
    [row] = csv.DictReader(io.StringIO(rendered["review/unmatched.csv"]))
    assert row["surface"] == passage and row["mention_id"] == "a" and row["decision"] == ""


def test_review_csvs_hold_every_row_and_neutralise_formulas() -> None:
    tables = _review_tables()
    tables["mentions"].loc[0, "surface"] = "=HYPERLINK(1)"
    report = build_report({"run_id": "r1"}, tables, {}, [], [], {}, None)
    rendered = render(report)
    assert set(rendered) >= {f"review/{q}.csv" for q in ("ambiguous", "unmatched", "narrow")}
    [row] = csv.DictReader(io.StringIO(rendered["review/unmatched.csv"]))
    assert row["surface"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("with_previous", [False, True])
def test_report_json_follows_its_schema(with_previous: bool) -> None:
    tables = _review_tables()
    previous = {k: v.copy() for k, v in tables.items()} if with_previous else {}
    report = build_report(
        {"run_id": "r2", "stage_seconds": {"ingest": 0.5}, "versions": {"pandas": "3"}},
        tables,
        {"doc.txt": TEXT},
        [],
        [],
        previous,
        None,
        titles=TITLES,
    )
    jsonschema.validate(_json(report), SCHEMA)
    broken = _json(report) | {"verdict": {"status": "published with warnings"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_changes_against_a_previous_run() -> None:
    tables = _review_tables()
    previous = {k: v.copy() for k, v in tables.items()}
    previous["papers"] = previous["papers"].assign(paper_id=["arxiv:1706.03762"])
    previous["documents"].loc[0, "sha256"] = "1" * 64
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
    assert changes["papers_added"] == ["arxiv:2005.14165"]
    assert changes["papers_removed"] == ["arxiv:1706.03762"]
    assert changes["documents"] == {"added": [], "removed": [], "changed": ["doc.txt"]}
    assert report["links"]["previous_report"] == "runs/r1/report.html"
    page = render(report)
    assert "Compared with run r1" in page["report.md"]
    assert 'href="runs/r1/report.html"' in page["report.html"]


def test_narrow_matches_show_the_runner_up_and_its_title() -> None:
    tables = _review_tables()
    tables["mentions"].loc[1, ["method", "kind", "score"]] = ["title_fuzzy", "english_title", 96.0]
    runner_up = pd.DataFrame(
        {"mention_id": ["b"], "runner_up": ["arxiv:1706.03762"], "runner_up_score": [91.5]}
    )
    report = build_report(
        {"run_id": "r1"},
        tables,
        {},
        [],
        [],
        {},
        None,
        runner_up=runner_up,
        narrow_margin=10.0,
        titles=TITLES,
    )
    [narrow] = report["review"]["narrow"]
    assert narrow["runner_up"] == "arxiv:1706.03762" and narrow["lead"] == 4.5
    assert narrow["runner_up_title"] == "Attention Is All You Need"
    wide = build_report(
        {"run_id": "r1"}, tables, {}, [], [], {}, None, runner_up=runner_up, narrow_margin=3.0
    )
    assert wide["review"]["narrow"] == []


def test_score_histogram_gives_exact_scores_a_bin_of_their_own() -> None:
    report = _report()
    matched = report["mentions"]["score_histogram_by_status"]["matched"]
    assert matched[-1] == {"from": 100.0, "to": 100.0, "count": 0}
    assert sum(b["count"] for b in matched) == 1 and matched[-2]["to"] == 100.0
    by_method = {r["method"]: r for r in report["mentions"]["score_by_method"]}
    assert by_method["alias"] == {
        "method": "alias",
        "mentions": 1,
        "min": 95.0,
        "median": 95.0,
        "max": 95.0,
    }
    # One fixed score (alias) is left out of the chart of varying scores.
    assert sum(b["count"] for b in report["mentions"]["varying_score_histogram"]) == 0


def test_report_covers_versions_languages_sources_and_rejections() -> None:
    report = _report()
    assert report["documents"]["rejected_by_reason"] == {"binary content": 1}
    assert report["mentions"]["by_source"] == [
        {
            "source_file": "doc.txt",
            "mentions": 3,
            "matched": 1,
            "ambiguous": 1,
            "unmatched": 1,
            "match_rate": round(1 / 3, 4),
        }
    ]
    report["run"]["versions"] = {"pandas": "3.1.1"}
    assert "| pandas | 3.1.1 |" in render(report)["report.md"]


def test_a_run_without_mentions_is_reported() -> None:
    tables = _review_tables()
    tables["mentions"] = tables["mentions"].iloc[0:0]
    tables["papers"] = tables["papers"].iloc[0:0].astype({"in_catalog": object})
    report = build_report({"run_id": "r1"}, tables, {"doc.txt": TEXT}, [], [], {}, None)
    rendered = render(report)
    assert report["papers"]["not_in_catalog"] == [] and report["review"]["unmatched"] == []
    assert "mentions: 0, – matched" in rendered["report.md"]
    jsonschema.validate(json.loads(rendered["report.json"]), SCHEMA)
