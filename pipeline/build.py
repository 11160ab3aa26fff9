"""The local engine: runs the stages ``pipeline.stages`` declares, in order, then publishes.

``build_dataset`` takes a ``step`` callable that runs one stage on the driver; the plain
default calls the stage's function, and the Prefect flow passes one that runs it as a task.
The per-batch stage goes to a ``fan_out`` (a local process pool by default, mapped Prefect
tasks under the flow). So the stages are declared once, for both engines, and every stage
stays testable as a plain function.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import __version__
from pipeline.catalog import Catalog
from pipeline.config import Settings
from pipeline.fanout import BatchResult, FanOut, batches, join_results, local_fan_out
from pipeline.isolation import INTERNAL_ERROR_PREFIX, DocumentFailures
from pipeline.lock import run_lock
from pipeline.progress import StageProgress, show_progress
from pipeline.report import DriftPolicy, build_report, load_history, package_versions, render
from pipeline.stages import STAGES, Stage, initial_values
from pipeline.validate import Screening
from pipeline.write import check_output_folder, publish, read_published, write_failed_run
from schemas import SCHEMA_VERSION

Step = Callable[..., Any]
LOGGER = logging.getLogger("pipeline")
# A fuzzy title link counts as narrow when its lead over the runner-up is below this multiple
# of the margin the matcher requires.
NARROW_MARGIN_FACTOR = 2.0


def call(stage: Stage, *args: Any) -> Any:
    """Run a stage here, as a plain function call."""
    return stage.function(*args)


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable by time (to the microsecond: runs of one folder sort in the order they ran,
    which history and pruning rely on), unique across machines."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S.%f}Z-{uuid.uuid4().hex[:8]}"


@dataclass
class BuildResult:
    run_id: str
    published: bool
    out_dir: Path
    run_folder: Path | None
    report: dict
    failures: list[str] = field(default_factory=list)
    verdict: dict = field(default_factory=dict)

    def summary(self) -> str:
        """A few lines for the terminal: what was read, linked and published where."""
        report = self.report
        mentions = report["mentions"]
        lines = [
            f"run {self.run_id}",
            verdict_line(self.verdict),
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


def decide_verdict(screening: Screening, blocking: list[str], max_quarantine_share: float) -> dict:
    """``published``, ``published, degraded`` (rows quarantined, or documents rejected by an
    internal error) or ``not published``, with the reasons."""
    quarantined, share = screening.quarantined_mentions, screening.quarantined_share
    rows = len(screening.quarantine)
    limit = f"limit {max_quarantine_share:.2%} (max_quarantine_share)"
    reasons = list(blocking)
    if share > max_quarantine_share:
        reasons.append(
            f"{quarantined} of {screening.mentions_screened} mentions quarantined "
            f"({share:.2%}), above the {limit}"
        )
    if reasons:
        return {"status": "not published", "success": False, "reasons": reasons, "warnings": []}
    errors = screening.documents["error"].dropna().astype(str)  # a bug, not bad input
    internal = int(errors.str.startswith(INTERNAL_ERROR_PREFIX).sum())
    if rows:
        reasons.append(
            f"{rows} rows quarantined ({quarantined} mentions, {share:.2%} of mentions; {limit})"
        )
    if internal:
        reasons.append(f"{internal} documents rejected with an internal error")
    status = "published, degraded" if reasons else "published"
    return {"status": status, "success": True, "reasons": reasons, "warnings": []}


def verdict_line(verdict: dict) -> str:
    reasons = "; ".join(verdict.get("reasons", []))
    return f"Verdict: {verdict.get('status', 'unknown')}" + (f": {reasons}" if reasons else "")


def build_dataset(
    settings: Settings,
    step: Step = call,
    log: Callable[[str], None] | None = None,
    fan_out: FanOut | None = None,
) -> BuildResult:
    """Read, link, validate and publish; never replaces a good dataset with a bad one.

    Only one run at a time writes to an output folder (``RunLockedError`` otherwise); an
    output folder that cannot be written raises ``OutputFolderError`` before any work. ``log``
    receives one line per stage with its counts, and the traceback of each document whose
    processing raised (that document is rejected, the others go on: ``pipeline.isolation``).
    ``fan_out`` runs the per-document stages on batches (default: ``settings.workers``
    processes on this machine, see ``pipeline.fanout``); everything else runs here.
    """
    check_output_folder(settings.out_dir)
    with run_lock(settings.out_dir, settings.lock_wait_seconds):
        failed = DocumentFailures(log or LOGGER.error)
        return _build(settings, step, log or LOGGER.info, failed, fan_out)


def _build(
    settings: Settings,
    step: Step,
    log: Callable[[str], None],
    failed: DocumentFailures,
    fan_out: FanOut | None,
) -> BuildResult:
    run_id = new_run_id()
    started = dt.datetime.now(dt.UTC)
    durations: dict[str, float] = {}
    values = initial_values(settings, failed, run_id)
    for stage in STAGES:
        if not stage.should_run(values):
            continue
        if stage.per_batch:
            values |= _run_on_batches(stage, values, fan_out, log, durations)
            continue
        t0 = time.perf_counter()
        result = step(stage, *stage.arguments(values))
        durations[stage.name] = round(time.perf_counter() - t0, 3)
        log(f"{stage.name}: {stage.describe(result)} in {durations[stage.name]:.2f} s")
        values |= stage.named(result)
    return _publish(settings, values, started, durations, log)


def _run_on_batches(
    stage: Stage,
    values: dict[str, Any],
    fan_out: FanOut | None,
    log: Callable[[str], None],
    durations: dict[str, float],
) -> dict[str, Any]:
    """A per-batch stage on the workers (``fan_out``, default a local process pool); its
    results joined in document order, each document that failed recorded."""
    settings: Settings = values["settings"]
    documents, context = stage.arguments(values)
    work = batches(documents, settings.workers, settings.batch_min_chars)
    results: list[BatchResult] = []
    if work:
        t0 = time.perf_counter()
        progress = StageProgress(show_progress(settings.quiet))
        with progress:
            results = (fan_out or local_fan_out(settings.workers))(
                stage,
                work,
                context,
                values["catalog"],  # a worker in this process uses it as loaded
                progress.counter(stage.name, len(documents)),
            )
        durations[stage.name] = round(time.perf_counter() - t0, 3)
    documents, linked, failures = join_results(documents, results)
    for source_file, reason, trace in failures:
        values["failures"].add(source_file, reason, trace)
    if work:
        languages = documents["language"].value_counts().to_dict()
        log(
            f"{stage.name}: {len(documents)} documents in {len(results)} batches, "
            f"{min(settings.workers, len(results))} workers, languages {languages} in "
            f"{durations[stage.name]:.2f} s"
        )
    return stage.named((documents, linked))


def _review_titles(
    catalog: Catalog, mentions: pd.DataFrame, runner_up: pd.DataFrame | None
) -> pd.Series:
    """Titles, by paper id, of the papers the report's review queues name (links, candidates,
    runner-ups)."""
    named = set(mentions["paper_id"].dropna())
    named.update(c for found in mentions["candidates"] if found is not None for c in found)
    if runner_up is not None:
        named.update(runner_up["runner_up"].dropna())
    return catalog.rows_of(named, ["title"])["title"]


def _publish(
    settings: Settings,
    values: dict[str, Any],
    started: dt.datetime,
    durations: dict[str, float],
    log: Callable[[str], None],
) -> BuildResult:
    """The verdict and the report; the tables published unless the verdict says no."""
    run_id, catalog, screening = values["run_id"], values["catalog"], values["screening"]
    texts = values["texts"]
    failures = list(screening.failures)
    if not texts:
        failures.append(f"no readable source documents under {settings.raw_dir}")
    verdict = decide_verdict(screening, failures, settings.max_quarantine_share)

    tables = screening.tables()
    previous, previous_report, previous_error = read_published(settings.out_dir)
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
        "out_dir": str(settings.out_dir),
        "catalog_entries": len(catalog),
        "versions": package_versions(),
        "documents_reused": len(values["cached"].files),
        "stage_seconds": durations,
        "link_policy": values["context"].policy.as_dict(),
    }
    report = build_report(
        run_info,
        tables,
        texts,
        failures,
        catalog.errors,
        previous,
        previous_error,
        runner_up=values["runner_up"],
        previous_report=previous_report,
        narrow_margin=NARROW_MARGIN_FACTOR * settings.thresholds.margin,
        manifest_errors=values["manifest_errors"],
        titles=_review_titles(catalog, tables["mentions"], values["runner_up"]),
        history=load_history(settings.out_dir),
        drift=DriftPolicy.from_settings(settings),
        override_errors=values["override_errors"],
    )
    report |= {
        "verdict": verdict,
        "quarantine": [
            {"table": r.table, "checks": list(r.checks), "row": r.row}
            for r in screening.quarantine.itertuples()
        ],
        "quarantine_max_share": settings.max_quarantine_share,
    }
    if not verdict["success"]:
        folder = write_failed_run(
            settings.out_dir, run_id, render(report, settings.index_cache_dir)
        )
        log(f"nothing published: {'; '.join(verdict['reasons'][:3])}; report in {folder}")
        return BuildResult(
            run_id, False, settings.out_dir, folder, report, verdict["reasons"], verdict
        )
    # Not a Prefect task: an unwritable output is one line, not a traceback.
    t0 = time.perf_counter()
    folder = publish(
        settings.out_dir,
        run_id,
        tables,
        render(report, settings.index_cache_dir),
        metadata,
        settings.keep_runs,
    )
    durations["write"] = round(time.perf_counter() - t0, 3)
    log(f"write: published {folder} in {durations['write']:.2f} s")
    log(verdict_line(verdict))
    return BuildResult(run_id, True, settings.out_dir, folder, report, [], verdict)
