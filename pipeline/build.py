"""The pipeline's stages in order, independent of Prefect.

``build_dataset`` takes a ``step`` callable that runs one stage; the plain default calls the
stage function, and the Prefect flow passes one that runs it as a task. So the order of the
stages is written once, and every stage stays testable as a plain function.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import __version__
from pipeline.catalog import check_catalog_size, files_sha256, load_catalog
from pipeline.config import Settings
from pipeline.dedupe import dedupe
from pipeline.duplicates import mark_duplicates
from pipeline.fanout import BatchResult, FanOut, LinkContext, batches, join_results, local_fan_out
from pipeline.incremental import load_cached, normalise_mentions, run_fingerprint, store
from pipeline.ingest import documents_table, ingest, read_manifest
from pipeline.isolation import INTERNAL_ERROR_PREFIX, DocumentFailures
from pipeline.link import RUNNER_UP_COLUMNS, LinkPolicy, runner_up_scores, term_files
from pipeline.lock import run_lock
from pipeline.overrides import apply_overrides, read_overrides
from pipeline.progress import StageProgress, show_progress
from pipeline.report import DriftPolicy, build_report, load_history, package_versions, render
from pipeline.validate import Screening, screen_tables
from pipeline.write import check_output_folder, publish, read_published, write_failed_run
from schemas import SCHEMA_VERSION

Step = Callable[..., Any]
LOGGER = logging.getLogger("pipeline")
# A fuzzy title link counts as narrow when its lead over the runner-up is below this multiple
# of the margin the matcher requires.
NARROW_MARGIN_FACTOR = 2.0


def call(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


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


def _published_catalog_entries(out_dir: Path) -> int | None:
    """The catalog size of the run published in ``out_dir`` (None when there is none)."""
    try:
        report = json.loads((out_dir / "report.json").read_text("utf-8"))
        return int(report["run"]["catalog_entries"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _source_counts(sources: pd.DataFrame) -> str:
    rejected = int(sources["error"].notna().sum())
    return f"{len(sources)} files, {len(sources) - rejected} readable, {rejected} rejected"


def _mention_counts(mentions: pd.DataFrame) -> str:
    by_status = mentions["status"].value_counts().sort_index().to_dict()
    return f"{len(mentions)} mentions {by_status}"


def _empty_mentions() -> pd.DataFrame:
    return normalise_mentions([])


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
    progress = StageProgress(show_progress(settings.quiet))

    def timed(
        name: str,
        counts: Callable[[Any], str],
        function: Callable[..., Any],
        *args: Any,
        runner: Step = step,
    ) -> Any:
        t0 = time.perf_counter()
        result = runner(function, *args)
        durations[name] = round(time.perf_counter() - t0, 3)
        log(f"{name}: {counts(result)} in {durations[name]:.2f} s")
        return result

    sources = timed(
        "ingest", _source_counts, ingest, settings.raw_dir, settings.max_file_bytes, failed.record
    )
    _, manifest_errors = timed(
        "manifest", lambda m: f"{len(m[1])} manifest errors", read_manifest, settings.raw_dir
    )
    catalog = timed(
        "catalog",
        lambda c: f"{len(c)} papers, {c.rejected_rows} rows rejected",
        load_catalog,
        settings.catalog_path,
    )
    check_catalog_size(
        len(catalog), _published_catalog_entries(settings.out_dir), settings.allow_catalog_shrink
    )
    terms_sha256 = files_sha256(term_files(settings.terms_dir))
    policy = LinkPolicy.from_thresholds(settings.thresholds)
    fingerprint = run_fingerprint(catalog.sha256, terms_sha256, policy)
    cached = timed(
        "cache",
        lambda c: f"{len(c.files)} unchanged documents reused",
        load_cached,
        sources,
        settings.cache_dir if settings.incremental else None,
        fingerprint,
    )
    fresh = sources[~sources["source_file"].isin(cached.files)]
    fresh_mentions = _empty_mentions()
    fresh_runner_up = pd.DataFrame(columns=RUNNER_UP_COLUMNS)
    context = LinkContext(  # absolute paths: a worker may start in another directory
        settings.catalog_path.resolve(),
        catalog.sha256,
        settings.terms_dir.resolve(),
        settings.index_cache_dir.resolve(),
        settings.thresholds,
    )
    work = batches(fresh, settings.workers)
    results: list[BatchResult] = []
    if work:
        with progress:
            results = timed(
                "documents",
                lambda r: f"{len(fresh)} documents in {len(r)} batches, {settings.workers} workers",
                fan_out or local_fan_out(settings.workers),
                work,
                context,
                catalog,
                progress.counter("documents", len(fresh)),
                runner=call,  # the fan-out makes its own tasks
            )
    fresh, pieces, failures = join_results(fresh, results)
    for source_file, reason, trace in failures:
        failed.add(source_file, reason, trace)
    if pieces:
        fresh_mentions = pd.concat(
            [p for p in pieces if not p.empty] or pieces[:1], ignore_index=True
        )
        detected = fresh["language"].value_counts().to_dict()
        log(f"languages {detected}, {_mention_counts(fresh_mentions)}")
        fresh_runner_up = timed(
            "margins", lambda r: f"{len(r)} fuzzy title links", runner_up_scores, fresh_mentions
        )
    # A document that failed in a stage has no trustworthy results: not cached, rejected.
    fresh = fresh[~fresh["source_file"].isin(failed.reasons)]
    timed(
        "cache_store",
        lambda n: f"{n} documents cached",
        store,
        settings.cache_dir,
        fingerprint,
        fresh,
        fresh_mentions,
        fresh_runner_up,
    )
    mentions = normalise_mentions([cached.mentions, fresh_mentions])
    overrides, override_errors = read_overrides(settings.raw_dir)
    mentions, not_applied = apply_overrides(mentions, overrides, catalog.papers)
    runner_up = pd.concat(
        [f for f in (cached.runner_up, fresh_runner_up) if not f.empty] or [cached.runner_up],
        ignore_index=True,
    )
    languages = {
        **cached.languages,
        **dict(zip(fresh["source_file"], fresh["language"], strict=True)),
    }
    sources = failed.reject(sources)
    sources = sources.assign(
        language=sources["source_file"].map(languages).where(sources["error"].isna(), None)
    )
    papers = timed("dedupe", lambda p: f"{len(p)} papers", dedupe, mentions, catalog)
    documents = documents_table(sources, mentions)
    texts = {r.source_file: r.text for r in sources.itertuples() if isinstance(r.text, str)}
    documents = mark_duplicates(documents, texts)
    screening = timed(
        "validate",
        lambda s: f"{len(s.quarantine)} rows quarantined, {len(s.failures)} blocking failures",
        screen_tables,
        documents,
        mentions,
        papers,
        texts,
        run_id,
    )
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
        "documents_reused": len(cached.files),
        "stage_seconds": durations,
        "link_policy": policy.as_dict(),
    }
    report = build_report(
        run_info,
        tables,
        texts,
        failures,
        catalog.errors,
        previous,
        previous_error,
        runner_up=runner_up,
        previous_report=previous_report,
        narrow_margin=NARROW_MARGIN_FACTOR * settings.thresholds.margin,
        manifest_errors=manifest_errors,
        titles=catalog.papers.set_index("paper_id")["title"],
        history=load_history(settings.out_dir),
        drift=DriftPolicy.from_settings(settings),
        override_errors=override_errors + not_applied,
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
        folder = write_failed_run(settings.out_dir, run_id, render(report))
        log(f"nothing published: {'; '.join(verdict['reasons'][:3])}; report in {folder}")
        return BuildResult(
            run_id, False, settings.out_dir, folder, report, verdict["reasons"], verdict
        )
    folder = timed(
        "write",
        lambda f: f"published {f}",
        publish,
        settings.out_dir,
        run_id,
        tables,
        render(report),
        metadata,
        settings.keep_runs,
        runner=call,  # not a Prefect task: an unwritable output is one line, not a traceback
    )
    log(verdict_line(verdict))
    return BuildResult(run_id, True, settings.out_dir, folder, report, [], verdict)
