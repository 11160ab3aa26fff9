from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.history import format_history, run_history
from pipeline.write import publish, write_failed_run

METADATA = {
    "schema_version": "1",
    "run_id": "r",
    "pipeline_version": "0",
    "catalog_sha256": "x",
    "created_at": "2026-01-01T00:00:00Z",
}


def _report(run_id: str, mentions: int, matched: int) -> dict[str, str]:
    report = {
        "run": {"run_id": run_id, "created_at": f"{run_id[:8]}T02:00:00Z"},
        "documents": {"read": 5},
        "mentions": {"total": mentions, "by_status": {"matched": matched}},
        "papers": {"total": 7},
    }
    return {"report.json": json.dumps(report)}


def _tables() -> dict[str, pd.DataFrame]:
    frame = pd.DataFrame({"value": [1]})
    return {"documents": frame, "mentions": frame, "papers": frame}


def test_runs_are_listed_newest_first_with_the_current_marked(tmp_path: Path) -> None:
    publish(
        tmp_path,
        "20260101T020000Z-a",
        _tables(),
        _report("20260101T020000Z-a", 10, 5),
        METADATA,
        keep_runs=5,
    )
    publish(
        tmp_path,
        "20260102T020000Z-b",
        _tables(),
        _report("20260102T020000Z-b", 8, 8),
        METADATA,
        keep_runs=5,
    )
    write_failed_run(tmp_path, "20260103T020000Z-c", {"report.json": "{broken"})
    rows = run_history(tmp_path)
    assert [r["run_id"] for r in rows] == [
        "20260103T020000Z-c",
        "20260102T020000Z-b",
        "20260101T020000Z-a",
    ]
    assert [r["status"] for r in rows] == ["failed", "published", "published"]
    assert [r[""] for r in rows] == ["", "*", ""]
    assert rows[1]["matched"] == "100.0 %" and rows[2]["matched"] == "50.0 %"
    assert "report unreadable" in rows[0]["created_at"]
    text = format_history(rows)
    assert text.splitlines()[2].startswith("*  20260102T020000Z-b")


def test_an_empty_folder_has_no_history(tmp_path: Path) -> None:
    assert format_history(run_history(tmp_path)) == "no runs yet"
