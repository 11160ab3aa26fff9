from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import write
from pipeline.write import current_run, publish, published_runs, read_published

METADATA = {
    "schema_version": "1",
    "run_id": "r1",
    "pipeline_version": "0",
    "catalog_sha256": "x",
    "created_at": "2026-01-01T00:00:00Z",
}


def _tables(n: int) -> dict[str, pd.DataFrame]:
    frame = pd.DataFrame({"value": list(range(n))})
    return {"documents": frame, "mentions": frame, "papers": frame}


REPORTS = {"report.json": "{}", "report.md": "# r", "report.html": "<html></html>"}


def test_publish_switches_all_tables_through_one_link(tmp_path: Path) -> None:
    publish(tmp_path, "r1", _tables(1), REPORTS, METADATA, keep_runs=5)
    publish(tmp_path, "r2", _tables(2), REPORTS, {**METADATA, "run_id": "r2"}, keep_runs=5)
    assert current_run(tmp_path) == "r2"
    for name in ("documents", "mentions", "papers"):
        path = tmp_path / f"{name}.parquet"
        assert path.is_symlink() and os.readlink(path) == f"current/{name}.parquet"
        assert len(pd.read_parquet(path)) == 2
        assert pq.read_schema(path).metadata[b"run_id"] == b"r2"
    assert published_runs(tmp_path) == ["r1", "r2"]


def test_old_runs_are_pruned_but_never_the_current(tmp_path: Path) -> None:
    for i in range(5):
        publish(tmp_path, f"r{i}", _tables(i + 1), REPORTS, METADATA, keep_runs=2)
    assert published_runs(tmp_path) == ["r3", "r4"]
    assert current_run(tmp_path) == "r4"


def test_leftovers_of_an_interrupted_run_are_removed(tmp_path: Path) -> None:
    (tmp_path / "runs" / ".staging-dead").mkdir(parents=True)
    publish(tmp_path, "r1", _tables(1), REPORTS, METADATA, keep_runs=5)
    assert not (tmp_path / "runs" / ".staging-dead").exists()


def test_read_published_reports_an_unreadable_dataset(tmp_path: Path) -> None:
    assert read_published(tmp_path) == ({}, None, None)
    publish(tmp_path, "r1", _tables(1), REPORTS, METADATA, keep_runs=5)
    tables, _, error = read_published(tmp_path)
    assert error is None and set(tables) == {"documents", "mentions", "papers"}
    (tmp_path / "runs" / "r1" / "papers.parquet").write_bytes(b"garbage")
    tables, _, error = read_published(tmp_path)
    assert tables == {} and "unreadable" in error


def test_a_crash_while_linking_never_shows_part_of_a_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever link the crash interrupts, the folder shows all three tables or none."""
    real_replace = os.replace
    for step in ["documents.parquet", "mentions.parquet", "papers.parquet", "current"]:
        out = tmp_path / step

        def crash_at(src, dst, step=step):
            if Path(dst).name == step:
                raise OSError("simulated crash")
            real_replace(src, dst)

        monkeypatch.setattr(write.os, "replace", crash_at)
        with pytest.raises(OSError, match="simulated crash"):
            publish(out, "r1", _tables(1), REPORTS, METADATA, keep_runs=5)
        monkeypatch.setattr(write.os, "replace", real_replace)
        readable = [t for t in ("documents", "mentions", "papers") if _readable(out, t)]
        assert readable == [], f"crash at {step} left {readable} visible"


def _readable(out: Path, table: str) -> bool:
    try:
        pd.read_parquet(out / f"{table}.parquet")
    except (OSError, ValueError):
        return False
    return True
