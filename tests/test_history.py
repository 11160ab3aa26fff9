from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import write
from pipeline.history import format_history, run_history
from pipeline.write import CURRENT, PUBLISHED_LOG, publish, write_failed_run
from tests.test_write import _tables

METADATA = {
    "schema_version": "2",
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


def _killed_before_switch(monkeypatch: pytest.MonkeyPatch, out: Path, run_id: str) -> None:
    """Publish ``run_id`` but die (as a killed process would: no cleanup) just before
    ``current`` is switched to it."""
    real_replace_link = write._replace_link

    def die_at_current(link: Path, target: str) -> None:
        if link.name == CURRENT:
            raise SystemExit("killed")
        real_replace_link(link, target)

    monkeypatch.setattr(write, "_replace_link", die_at_current)
    with pytest.raises(SystemExit):
        publish(out, run_id, _tables(), _report(run_id, 4, 3), METADATA, keep_runs=5)
    monkeypatch.setattr(write, "_replace_link", real_replace_link)


def test_a_run_killed_before_current_switched_is_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = "20260101T020000Z-a", "20260102T020000Z-b", "20260103T020000Z-c"
    publish(tmp_path, a, _tables(), _report(a, 4, 3), METADATA, keep_runs=5)
    _killed_before_switch(monkeypatch, tmp_path, b)
    assert (tmp_path / "runs" / b / "report.json").is_file()
    statuses = {r["run_id"]: (r["status"], r[""]) for r in run_history(tmp_path)}
    assert statuses == {a: ("published", "*"), b: ("incomplete", "")}
    publish(tmp_path, c, _tables(), _report(c, 4, 3), METADATA, keep_runs=5)
    statuses = {r["run_id"]: r["status"] for r in run_history(tmp_path)}
    assert statuses == {a: "published", b: "incomplete", c: "published"}


def test_a_folder_older_than_the_log_counts_runs_after_current_as_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = "20260101T020000Z-a", "20260102T020000Z-b", "20260103T020000Z-c"
    publish(tmp_path, a, _tables(), _report(a, 4, 3), METADATA, keep_runs=5)
    _killed_before_switch(monkeypatch, tmp_path, b)
    (tmp_path / PUBLISHED_LOG).unlink()
    assert [r["status"] for r in run_history(tmp_path)] == ["incomplete", "published"]
    publish(tmp_path, c, _tables(), _report(c, 4, 3), METADATA, keep_runs=5)
    statuses = {r["run_id"]: r["status"] for r in run_history(tmp_path)}
    assert statuses == {a: "published", b: "incomplete", c: "published"}
