"""Publish a run's tables and reports atomically.

Layout of the output folder::

    runs/<run_id>/        every published run, complete (tables, schema.json, reports)
    current -> runs/<run_id>
    papers.parquet -> current/papers.parquet   (likewise the other tables and files)
    .published-runs       the runs ``current`` was switched to, one id a line

A run is written in full under a temporary name, renamed into ``runs/``, and then published by
replacing the ``current`` link in one atomic rename. The top-level names are links through
``current``, so they switch together: a reader or a crash never sees tables from two runs.
A run killed between the two renames stays in ``runs/`` without ever having been published;
``.published-runs`` tells it apart.

Every table is written with the Arrow schema derived from its pandera schema
(``schemas.arrow``), so its file schema is the same in every run.

An output folder that cannot be written ends the run with an ``OutputFolderError`` (one line,
no traceback), and nothing half-written is left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import EXIT_USAGE, OutputFolderError
from schemas import TABLE_SCHEMAS, arrow_schema, schema_json

TABLES = tuple(TABLE_SCHEMAS)
# The tables a run is compared with (the quarantine of the previous run is not).
COMPARED_TABLES = ("documents", "mentions", "papers")
REPORTS = ("report.json", "report.md", "report.html")
# The review queues' CSVs (``review/<queue>.csv``), linked at the top like the reports so that
# the links of ``OUT/report.html`` lead to them.
REVIEW_FOLDER = "review"
SCHEMA_FILE = "schema.json"
CURRENT = "current"
RUNS = "runs"
FAILED = "failed"
STAGING_PREFIX = ".staging-"
PUBLISHED_LOG = ".published-runs"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def check_output_folder(out_dir: Path) -> None:
    """Create ``out_dir`` and make sure a file can be created in it, before any work is done."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputFolderError(
            f"output folder {out_dir} is not a folder (a file is in the way)", EXIT_USAGE
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        raise OutputFolderError(
            f"output folder {out_dir} cannot be written: {_reason(exc)}", EXIT_USAGE
        ) from None


def table_to_arrow(name: str, frame: pd.DataFrame, metadata: Mapping[str, str]) -> pa.Table:
    """``frame`` as an Arrow table with its file schema and the run's metadata."""
    table = pa.Table.from_pandas(
        frame, schema=arrow_schema(TABLE_SCHEMAS[name]), preserve_index=False
    )
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
    """Write and flush to disk; a name with a folder part (``review/...``) makes its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
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
    """Write every table, the schema and the reports of one run into ``folder`` (created
    fresh)."""
    folder.mkdir(parents=True)
    for name in TABLES:
        path = folder / f"{name}.parquet"
        pq.write_table(table_to_arrow(name, tables[name], metadata), path)
        with path.open("rb") as fh:
            os.fsync(fh.fileno())
    for name, text in {**reports, SCHEMA_FILE: schema_json()}.items():
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
    """Write the run, switch ``current`` to it, and prune old runs. Returns the run folder.

    When writing fails (a full disk, a folder made read-only meanwhile), the staging folder and
    the unpublished run folder are removed and ``OutputFolderError`` says why in one line.
    """
    runs = out_dir / RUNS
    staging = runs / f"{STAGING_PREFIX}{run_id}"
    final = runs / run_id
    previous = current_run(out_dir)
    try:
        runs.mkdir(parents=True, exist_ok=True)
        if staging.exists():
            shutil.rmtree(staging)
        write_run_folder(staging, tables, reports, metadata)
        os.replace(staging, final)
        _fsync_dir(runs)
        # The top-level names always point through ``current``: they are put in place first,
        # so that switching ``current`` is the one step that publishes, on a first run too.
        for name in [f"{t}.parquet" for t in TABLES] + [SCHEMA_FILE, *REPORTS, REVIEW_FOLDER]:
            _replace_link(out_dir / name, f"{CURRENT}/{name}")
        _fsync_dir(out_dir)
        _replace_link(out_dir / CURRENT, f"{RUNS}/{run_id}")
        _fsync_dir(out_dir)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if current_run(out_dir) != run_id:
            shutil.rmtree(final, ignore_errors=True)
        raise OutputFolderError(
            f"could not publish to {out_dir}: {_reason(exc)}"
            f"{f' ({exc.filename})' if exc.filename else ''}; nothing published, the previous "
            "dataset is kept"
        ) from exc
    _record_published(out_dir, run_id, previous)
    prune_runs(out_dir, keep_runs)
    return final


def published_run_ids(out_dir: Path) -> set[str] | None:
    """The runs ``current`` was ever switched to, or None in a folder older than the log."""
    try:
        return set((out_dir / PUBLISHED_LOG).read_text("utf-8").split())
    except FileNotFoundError:
        return None


def _record_published(out_dir: Path, run_id: str, previous: str | None) -> None:
    """Append ``run_id`` to the log of published runs, with the run it replaced when that is
    missing (a run killed between its switch and this line). A folder written before the log
    existed is seeded with its runs up to the previous current one: runs are published in the
    order of their ids, so a newer one was never switched to."""
    log = out_dir / PUBLISHED_LOG
    recorded = published_run_ids(out_dir)
    if recorded is None:
        lines = [r for r in published_runs(out_dir) if previous and r <= previous]
    else:
        lines = [previous] if previous and previous not in recorded else []
    try:
        with log.open("a", encoding="utf-8") as fh:
            fh.write("".join(f"{r}\n" for r in [*lines, run_id]))
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        pass  # the run is published (current); the next publish records it as the previous


def write_failed_run(out_dir: Path, run_id: str, reports: Mapping[str, str]) -> Path:
    """Keep the report of a run that could not be published, away from the dataset."""
    folder = out_dir / FAILED / run_id
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in reports.items():
            _write_bytes(folder / name, text.encode("utf-8"))
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise OutputFolderError(
            f"nothing published, and the report of the failed run could not be written to "
            f"{folder}: {_reason(exc)}"
        ) from exc
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
    names = [out_dir / f"{t}.parquet" for t in COMPARED_TABLES]
    if not any(p.exists() or p.is_symlink() for p in names):
        return {}, None, None
    try:
        tables = {t: pd.read_parquet(out_dir / f"{t}.parquet") for t in COMPARED_TABLES}
        report_path = out_dir / "report.json"
        report = json.loads(report_path.read_text("utf-8")) if report_path.exists() else None
    except Exception as exc:  # any unreadable previous dataset is reported, then replaced
        return {}, None, f"previous dataset unreadable: {type(exc).__name__}: {exc}"
    return tables, report, None
