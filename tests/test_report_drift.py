from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.report import DriftPolicy, load_history
from pipeline.report.drift import drift_checks, report_summary, trends

POLICY = DriftPolicy(min_mentions=5, history_runs=3)


def _tables(per_source: dict[str, tuple[int, int]], papers: list[str]) -> dict[str, pd.DataFrame]:
    """Tables with ``matched, unmatched`` mentions per source (German text)."""
    rows = []
    for source, (matched, unmatched) in per_source.items():
        rows += [{"source_file": source, "language": "de", "status": "matched"}] * matched
        rows += [{"source_file": source, "language": "de", "status": "unmatched"}] * unmatched
    mentions = pd.DataFrame(rows, columns=["source_file", "language", "status"])
    documents = pd.DataFrame({"source_file": sorted(per_source)})
    return {
        "mentions": mentions,
        "documents": documents,
        "papers": pd.DataFrame({"paper_id": papers}),
    }


def _by_name(rows: list[dict]) -> dict[str, dict]:
    return {r["name"]: r for r in rows}


def test_a_removed_source_breaks_count_and_document_rules() -> None:
    before = _tables({"a.txt": (40, 0), "b.txt": (80, 0)}, ["p1", "p2", "p3"])
    now = _tables({"b.txt": (80, 0)}, ["p1", "p2", "p3"])
    checks = _by_name(drift_checks(now, before, [], POLICY))
    per_source = checks["mentions per source vs previous run"]
    assert per_source["status"] == "fail" and per_source["severity"] == "warn"
    assert per_source["failure_cases"] == [
        {"source": "a.txt", "before": 40, "now": 0, "change": "-100.0 %"}
    ]
    language = checks["mentions per language vs previous run"]
    assert language["status"] == "fail" and "120 → 80" in language["message"]
    assert checks["documents disappeared since previous run"]["message"] == "a.txt"
    assert checks["papers removed since previous run"]["status"] == "pass"


def test_an_unchanged_run_passes_every_rule() -> None:
    tables = _tables({"a.txt": (40, 2), "b.txt": (80, 5)}, ["p1", "p2"])
    checks = drift_checks(tables, tables, [], POLICY)
    assert {c["status"] for c in checks} == {"pass", "skipped"}


def test_falling_match_rate_and_rising_unmatched_share_warn() -> None:
    before = _tables({"a.txt": (40, 0)}, ["p1"])
    now = _tables({"a.txt": (36, 4)}, ["p1"])
    checks = _by_name(drift_checks(now, before, [], POLICY))
    assert checks["match rate per source vs previous run"]["status"] == "fail"
    assert checks["share of unmatched and ambiguous vs previous run"]["status"] == "fail"
    assert checks["mentions per source vs previous run"]["status"] == "pass"
    within = _tables({"a.txt": (39, 1)}, ["p1"])
    assert (
        _by_name(drift_checks(within, before, [], POLICY))["match rate per source vs previous run"][
            "status"
        ]
        == "pass"
    )


def test_small_groups_and_paper_changes_follow_their_thresholds() -> None:
    before = _tables({"tiny.txt": (4, 0), "a.txt": (40, 0)}, [f"p{i}" for i in range(20)])
    now = _tables({"a.txt": (40, 0)}, [f"p{i}" for i in range(3, 20)])
    checks = _by_name(drift_checks(now, before, [], POLICY))
    assert checks["mentions per source vs previous run"]["status"] == "pass"  # 4 < min_mentions
    removed = checks["papers removed since previous run"]
    assert removed["status"] == "fail" and removed["observed"] == "3 (15.0 %)"


def _summary(run_id: str, a: int) -> dict:
    return {
        "run_id": run_id,
        "created_at": None,
        "seconds": 1.0,
        "mentions": a,
        "papers": 1,
        "by_source": {"a.txt": {"mentions": a, "match_rate": 1.0}},
        "by_language": {"de": {"mentions": a, "match_rate": 1.0}},
        "status_share": {"matched": 1.0, "ambiguous": 0.0, "unmatched": 0.0},
    }


def test_median_of_recent_runs_is_a_second_baseline() -> None:
    history = [_summary("r1", 10), _summary("r2", 100), _summary("r3", 100), _summary("r4", 90)]
    now = _tables({"a.txt": (80, 0)}, ["p1"])
    checks = _by_name(drift_checks(now, now, history, POLICY))
    median = checks["mentions per source vs median of last 3 runs"]
    assert median["status"] == "fail" and median["failure_cases"][0]["before"] == 100
    assert checks["mentions per source vs previous run"]["status"] == "pass"
    short = _by_name(drift_checks(now, now, history[:1], POLICY))
    assert short["drift vs median of recent runs"]["status"] == "skipped"


def test_history_is_read_from_kept_reports_and_damaged_ones_are_left_out(tmp_path: Path) -> None:
    report = {
        "run": {"run_id": "r1", "created_at": "2026-12-01T02:00:00Z", "stage_seconds": {"x": 2}},
        "mentions": {
            "total": 4,
            "by_status": {"matched": 3, "unmatched": 1},
            "by_language_and_status": [{"language": "de", "mentions": 4, "match_rate": 0.75}],
        },
        "papers": {"total": 2},
    }
    for run_id, text in (("r1", json.dumps(report)), ("r2", "{not json"), ("r3", "[]")):
        (tmp_path / "runs" / run_id).mkdir(parents=True)
        (tmp_path / "runs" / run_id / "report.json").write_text(text)
    [summary] = load_history(tmp_path)
    assert summary == report_summary(report)
    assert summary["status_share"]["unmatched"] == 0.25 and summary["by_source"] == {}
    points = trends([summary], _summary("r9", 5))
    assert [p["run_id"] for p in points] == ["r1", "r9"]
    assert points[0]["match_rate_by_language"] == {"de": 0.75} and points[0]["seconds"] == 2
    assert load_history(tmp_path / "absent") == []
