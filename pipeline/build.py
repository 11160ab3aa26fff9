"""The pipeline's stages in order, independent of Prefect.

``build_dataset`` takes a ``step`` callable that runs one stage; the plain default calls the
stage function, and the Prefect flow passes one that runs it as a task. So the order of the
stages is written once, and every stage stays testable as a plain function.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import __version__
from pipeline.catalog import load_catalog
from pipeline.config import Settings
from pipeline.dedupe import dedupe
from pipeline.extract import extract_all
from pipeline.ingest import documents_table, ingest, read_manifest
from pipeline.language import detect_languages
from pipeline.match import Matcher, match_all
from pipeline.report import build_report, render
from pipeline.validate import validate_tables
from pipeline.write import publish, read_published, write_failed_run
from schemas import SCHEMA_VERSION

Step = Callable[..., Any]
KEEP_RUNS = 30


def call(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable by time, unique across machines."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:8]}"


@dataclass
class BuildResult:
    run_id: str
    published: bool
    out_dir: Path
    run_folder: Path | None
    report: dict
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for the terminal: what was read, linked and published where."""
        report = self.report
        mentions = report["mentions"]
        lines = [
            f"run {self.run_id}",
            f"documents: {report['documents']['read']} read, "
            f"{len(report['documents']['rejected'])} rejected",
            *(
                f"  rejected {r['source_file']}: {r['error']}"
                for r in report["documents"]["rejected"]
            ),
            f"mentions: {mentions['total']}, by status {mentions['by_status']}",
            f"mentions by language: {mentions['by_language']}",
            f"papers: {report['papers']['total']} ({report['papers']['in_catalog']} in catalog)",
        ]
        if self.published:
            lines.append(f"dataset: {self.out_dir} (run folder {self.run_folder})")
            lines.append(f"report: {self.out_dir / 'report.html'}")
        else:
            lines.append(f"NOTHING PUBLISHED; the previous dataset in {self.out_dir} is kept")
            lines += [f"  {failure}" for failure in self.failures[:20]]
            lines.append(f"report of the failed run: {self.run_folder}")
        return "\n".join(lines)


def build_matcher(catalog: Any, settings: Settings) -> Matcher:
    return Matcher(catalog, settings.thresholds)


def build_dataset(settings: Settings, step: Step = call) -> BuildResult:
    """Read, link, validate and publish; never replaces a good dataset with a bad one."""
    run_id = new_run_id()
    started = dt.datetime.now(dt.UTC)
    durations: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any], *args: Any) -> Any:
        t0 = time.perf_counter()
        result = step(function, *args)
        durations[name] = round(time.perf_counter() - t0, 3)
        return result

    sources = timed("ingest", ingest, settings.raw_dir, settings.max_file_bytes)
    _, manifest_errors = timed("manifest", read_manifest, settings.raw_dir)
    catalog = timed("catalog", load_catalog, settings.catalog_path)
    sources = timed("language", detect_languages, sources)
    matcher = timed("index", build_matcher, catalog, settings)
    candidates = timed("extract", extract_all, sources, matcher.all_aliases())
    mentions = timed("match", match_all, candidates, matcher)
    papers = timed("dedupe", dedupe, mentions, catalog)
    documents = documents_table(sources, mentions)
    texts = {r.source_file: r.text for r in sources.itertuples() if isinstance(r.text, str)}
    failures = timed("validate", validate_tables, documents, mentions, papers, texts)
    if not texts:
        failures = [*failures, f"no readable source documents under {settings.raw_dir}"]

    tables = {"documents": documents, "mentions": mentions, "papers": papers}
    previous, _, previous_error = read_published(settings.out_dir)
    metadata = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "pipeline_version": __version__,
        "catalog_sha256": catalog.sha256,
        "created_at": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    run_info = {
        **metadata,
        "raw_dir": str(settings.raw_dir),
        "catalog_path": str(settings.catalog_path),
        "catalog_entries": len(catalog),
        "pandas_version": pd.__version__,
        "stage_seconds": durations,
    }
    report = build_report(
        run_info,
        tables,
        texts,
        failures,
        catalog.errors,
        previous,
        previous_error,
        manifest_errors=manifest_errors,
    )
    if failures:
        folder = write_failed_run(settings.out_dir, run_id, render(report))
        return BuildResult(run_id, False, settings.out_dir, folder, report, failures)
    folder = timed(
        "write", publish, settings.out_dir, run_id, tables, render(report), metadata, KEEP_RUNS
    )
    return BuildResult(run_id, True, settings.out_dir, folder, report)
