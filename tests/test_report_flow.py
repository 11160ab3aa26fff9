"""The flow's part of the report: the artifact leads with the verdict, and a drift warning is
logged at warning level and emitted as a Prefect event (Prefect's calls replaced by
recorders, so no server is needed)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import pipeline.flows as flows
from pipeline.build import call
from pipeline.config import load_settings
from tests.conftest import CATALOG


def test_a_drift_warning_is_logged_and_emitted_as_an_event(
    small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    events, artifacts = [], []
    monkeypatch.setattr(flows, "run_as_task", call)
    monkeypatch.setattr(flows, "prefect_fan_out", lambda settings: None)  # no tasks either
    monkeypatch.setattr(flows, "get_run_logger", lambda: logging.getLogger("flow-under-test"))
    monkeypatch.setattr(
        flows, "create_markdown_artifact", lambda text, **kw: artifacts.append((text, kw))
    )
    monkeypatch.setattr(flows, "create_table_artifact", lambda rows, **kw: None)
    monkeypatch.setattr(flows, "emit_event", lambda **kw: events.append(kw))
    settings = load_settings(raw_dir=small_raw, out_dir=tmp_path / "out", catalog_path=CATALOG)
    flows.build_dataset_flow.fn(settings)
    assert events == []
    (small_raw / "zh_snippet.txt").unlink()
    with caplog.at_level(logging.WARNING, logger="flow-under-test"):
        summary = flows.build_dataset_flow.fn(settings)
    [event] = events
    assert event["event"] == flows.WARNING_EVENT
    assert event["payload"]["run_id"] == summary["run_id"]
    assert event["payload"]["status"] == "published"
    assert any("documents disappeared" in w for w in event["payload"]["warnings"])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("zh_snippet.txt" in w for w in warnings)
    text, options = artifacts[-1]
    assert text.startswith("# PUBLISHED") and options["description"].startswith("published:")
