"""Prefect wiring: the pipeline's stages as tasks of one flow, its report as artifacts, and
the flow served on a schedule.

Prefect's task cache keys on inputs and cannot hash DataFrames usefully, so caching is off
(unchanged documents are skipped by ``pipeline.incremental`` instead); nothing is persisted
between tasks either (they pass small frames in memory).

A run that publishes nothing ends in Prefect's ``Failed`` state (after its artifacts are
written), so automations and the UI see a failed night as one; a degraded run stays
``Completed`` and its artifacts say so. A run that finds the output folder locked or unusable
logs one line and ends ``Failed`` without a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.schedules import Cron
from prefect.states import Failed, State
from prefect.types.entrypoint import EntrypointType

from pipeline import __version__
from pipeline.build import BuildResult, build_dataset, verdict_line
from pipeline.config import Settings, load_settings
from pipeline.errors import OutputFolderError
from pipeline.lock import RunLockedError
from pipeline.report import to_markdown

DEPLOYMENT_NAME = "nightly"
# Prefect artifact keys: lowercase letters, digits and dashes.
REPORT_ARTIFACT_KEY = "data-quality-report"
LANGUAGE_ARTIFACT_KEY = "mentions-by-language"


class NothingPublishedError(RuntimeError):
    """The data of a flow run that published nothing: the run's summary, for the CLI."""

    def __init__(self, summary: dict) -> None:
        super().__init__(summary)
        self.summary = summary

    def __str__(self) -> str:
        return f"nothing published: {'; '.join(self.summary.get('reasons', []))}"


def run_as_task(function: Callable[..., Any], *args: Any) -> Any:
    name = function.__name__.replace("_", "-")
    return task(function, name=name, cache_policy=NO_CACHE, persist_result=False)(*args)


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


@flow(name="build-dataset", log_prints=False)
def build_dataset_flow(
    raw_dir: str | None = None,
    out_dir: str | None = None,
    catalog_path: str | None = None,
    keep_runs: int | None = None,
    cache_dir: str | None = None,
    lock_wait_seconds: float | None = None,
    full: bool = False,
) -> dict | State:
    """Build and publish the dataset; returns the run's summary. A run that published nothing
    (the previous dataset kept) ends ``Failed`` with a ``NothingPublishedError`` holding the
    summary; a locked or unusable output folder ends ``Failed`` with its error. ``full``
    re-processes every document instead of reusing unchanged ones."""
    settings = load_settings(
        raw_dir=_path(raw_dir),
        out_dir=_path(out_dir),
        catalog_path=_path(catalog_path),
        keep_runs=keep_runs,
        cache_dir=_path(cache_dir),
        lock_wait_seconds=lock_wait_seconds,
        incremental=False if full else None,
    )
    logger = get_run_logger()
    try:
        result: BuildResult = build_dataset(settings, step=run_as_task, log=logger.info)
    except (RunLockedError, OutputFolderError) as exc:
        logger.error("%s", exc)
        return Failed(message=str(exc), data=exc)
    report = result.report
    create_markdown_artifact(
        to_markdown(report),
        key=REPORT_ARTIFACT_KEY,
        description=f"Data-quality report of run {result.run_id}: {result.verdict['status']}",
    )
    create_table_artifact(
        report["mentions"]["by_language_and_status"],
        key=LANGUAGE_ARTIFACT_KEY,
        description=f"Mentions by language and status, run {result.run_id}",
    )
    mentions = report["mentions"]
    logger.info(
        "run %s: %d documents (%d reused), %d mentions %s, %d papers",
        result.run_id,
        report["documents"]["read"],
        report["run"]["documents_reused"],
        mentions["total"],
        mentions["by_status"],
        report["papers"]["total"],
    )
    summary = {
        "run_id": result.run_id,
        "published": result.published,
        "verdict": result.verdict,
        "reasons": result.verdict["reasons"],
        "text": result.summary(),
    }
    if not result.published:
        logger.error("%s", verdict_line(result.verdict))
        error = NothingPublishedError(summary)
        return Failed(message=str(error), data=error)
    if result.verdict["reasons"]:
        logger.warning("%s", verdict_line(result.verdict))
    return summary


def deployment_parameters(settings: Settings) -> dict[str, Any]:
    """The served deployment's parameters: absolute paths, since scheduled runs may start in
    another working directory."""
    return {
        "raw_dir": str(settings.raw_dir.resolve()),
        "out_dir": str(settings.out_dir.resolve()),
        "catalog_path": str(settings.catalog_path.resolve()),
        "keep_runs": settings.keep_runs,
        "cache_dir": str(settings.cache_dir.resolve()),
        "lock_wait_seconds": settings.lock_wait_seconds,
        "full": not settings.incremental,
    }


def serve(settings: Settings, name: str = DEPLOYMENT_NAME) -> None:
    """Register the deployment on the configured Prefect server and run its scheduled (and
    manually triggered) runs until stopped.

    ``pause_on_shutdown=False``: stopping ``serve`` (a restart, a reboot) must not leave the
    schedule paused for the next start; ``paused=False`` resumes a schedule that was paused.
    """
    build_dataset_flow.serve(
        name=name,
        schedules=[Cron(settings.schedule_cron, timezone=settings.schedule_timezone)],
        parameters=deployment_parameters(settings),
        paused=False,
        pause_on_shutdown=False,
        version=__version__,
        description="Build and publish the paper-mentions dataset.",
        tags=["paper-mentions"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
