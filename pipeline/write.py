"""Publish a run's tables and reports atomically.

Layout of the output folder::

    runs/<run_id>/        every published run, complete (tables + reports)
    current -> runs/<run_id>
    papers.parquet -> current/papers.parquet   (likewise the other tables and reports)

A run is written in full under a temporary name, renamed into ``runs/``, and then published by
replacing the ``current`` link in one atomic rename. The top-level names are links through
``current``, so they switch together: a reader or a crash never sees tables from two runs.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TABLES = ("documents", "mentions", "papers")
REPORTS = ("report.json", "report.md", "report.html")
CURRENT = "current"
RUNS = "runs"
FAILED = "failed"
STAGING_PREFIX = ".staging-"


def table_to_arrow(frame: pd.DataFrame, metadata: Mapping[str, str]) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    merged = dict(table.schema.metadata or {})
    merged.update({k.encode(): v.encode() for k, v in metadata.items()})
    return table.replace_schema_metadata(merged)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_run_folder(
    folder: Path,
    tables: Mapping[str, pd.DataFrame],
    reports: Mapping[str, str],
    metadata: Mapping[str, str],
) -> None:
    """Write every table and report of one run into ``folder`` (created fresh)."""
    folder.mkdir(parents=True)
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        pq.write_table(table_to_arrow(frame, metadata), path)
        with path.open("rb") as fh:
            os.fsync(fh.fileno())
    for name, text in reports.items():
        _write_bytes(folder / name, text.encode("utf-8"))
    _fsync_dir(folder)


def _replace_link(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` with one atomic rename (replacing whatever was there)."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    temporary = link.with_name(f".{link.name}.new")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(target)
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    os.replace(temporary, link)


def publish(
    out_dir: Path,
    run_id: str,
    tables: Mapping[str, pd.DataFrame],
    reports: Mapping[str, str],
    metadata: Mapping[str, str],
    keep_runs: int,
) -> Path:
    """Write the run, switch ``current`` to it, and prune old runs. Returns the run folder."""
    runs = out_dir / RUNS
    runs.mkdir(parents=True, exist_ok=True)
    staging = runs / f"{STAGING_PREFIX}{run_id}"
    if staging.exists():
        shutil.rmtree(staging)
    write_run_folder(staging, tables, reports, metadata)
    final = runs / run_id
    os.replace(staging, final)
    _fsync_dir(runs)
    # The top-level names always point through ``current``: they are put in place first, so
    # that switching ``current`` is the one step that publishes, on a first run too.
    for name in [f"{t}.parquet" for t in TABLES] + list(REPORTS):
        _replace_link(out_dir / name, f"{CURRENT}/{name}")
    _fsync_dir(out_dir)
    _replace_link(out_dir / CURRENT, f"{RUNS}/{run_id}")
    _fsync_dir(out_dir)
    prune_runs(out_dir, keep_runs)
    return final


def write_failed_run(out_dir: Path, run_id: str, reports: Mapping[str, str]) -> Path:
    """Keep the report of a run that could not be published, away from the dataset."""
    folder = out_dir / FAILED / run_id
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in reports.items():
        _write_bytes(folder / name, text.encode("utf-8"))
    return folder


def published_runs(out_dir: Path) -> list[str]:
    runs = out_dir / RUNS
    if not runs.is_dir():
        return []
    return sorted(p.name for p in runs.iterdir() if p.is_dir() and not p.name.startswith("."))


def current_run(out_dir: Path) -> str | None:
    link = out_dir / CURRENT
    return Path(os.readlink(link)).name if link.is_symlink() else None


def prune_runs(out_dir: Path, keep: int) -> None:
    """Delete the oldest runs beyond ``keep`` (likewise the reports of failed runs) and
    leftovers of interrupted runs."""
    current = current_run(out_dir)
    runs = out_dir / RUNS
    for leftover in runs.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    old = [r for r in published_runs(out_dir) if r != current]
    for run_id in old[: max(0, len(old) - max(keep - 1, 0))]:
        shutil.rmtree(runs / run_id, ignore_errors=True)
    failed = out_dir / FAILED
    if failed.is_dir():
        reports = sorted(p for p in failed.iterdir() if p.is_dir())
        for folder in reports[: max(0, len(reports) - keep)]:
            shutil.rmtree(folder, ignore_errors=True)


def read_published(out_dir: Path) -> tuple[dict[str, pd.DataFrame], dict | None, str | None]:
    """The dataset currently published in ``out_dir`` (tables, report), or the reason it
    cannot be read. An empty folder gives ({}, None, None)."""
    names = [out_dir / f"{t}.parquet" for t in TABLES]
    if not any(p.exists() or p.is_symlink() for p in names):
        return {}, None, None
    try:
        tables = {t: pd.read_parquet(out_dir / f"{t}.parquet") for t in TABLES}
        report_path = out_dir / "report.json"
        report = json.loads(report_path.read_text("utf-8")) if report_path.exists() else None
    except Exception as exc:  # any unreadable previous dataset is reported, then replaced
        return {}, None, f"previous dataset unreadable: {type(exc).__name__}: {exc}"
    return tables, report, None
