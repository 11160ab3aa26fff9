"""Prefect wiring: the stages ``pipeline.stages`` declares as tasks of one flow (the
per-batch stage as mapped tasks), its report as artifacts, and the flow served on a schedule.

Prefect's task cache keys on inputs and cannot hash DataFrames usefully, so caching is off
(unchanged documents are skipped by ``pipeline.incremental`` instead); nothing is persisted
between tasks either (they pass small frames in memory).

A run that publishes nothing ends in Prefect's ``Failed`` state (after its artifacts are
written), so automations and the UI see a failed night as one; a degraded run stays
``Completed`` and its artifacts say so. A run that finds the output folder locked or unusable
logs one line and ends ``Failed`` without a traceback.
"""

# No ``from __future__ import annotations`` here: a served run builds the flow's parameter
# model from its annotations, which must be real classes (``Settings``), not strings.

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Failed, State
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner
from prefect.types.entrypoint import EntrypointType

from pipeline import __version__
from pipeline.build import BuildResult, build_dataset, verdict_line
from pipeline.config import Settings, load_settings
from pipeline.errors import OutputFolderError
from pipeline.fanout import BatchResult, FanOut, LinkContext, remember_catalog
from pipeline.lock import RunLockedError
from pipeline.report import finalize, to_markdown
from pipeline.stages import STAGES, Stage

DEPLOYMENT_NAME = "nightly"
# Prefect artifact keys: lowercase letters, digits and dashes.
REPORT_ARTIFACT_KEY = "data-quality-report"
LANGUAGE_ARTIFACT_KEY = "mentions-by-language"
# Emitted once per run whose report has warnings (drift rules), for Prefect automations.
WARNING_EVENT = "paper-mentions.report.warning"


class NothingPublishedError(RuntimeError):
    """The data of a flow run that published nothing: the run's summary, for the CLI."""

    def __init__(self, summary: dict) -> None:
        super().__init__(summary)
        self.summary = summary

    def __str__(self) -> str:
        return f"nothing published: {'; '.join(self.summary.get('reasons', []))}"


# One task per declared stage, named after it.
STAGE_TASKS = {
    stage.name: task(
        stage.function,
        name=stage.name.replace("_", "-"),
        cache_policy=NO_CACHE,
        persist_result=False,
    )
    for stage in STAGES
}


def run_as_task(stage: Stage, *args: Any) -> Any:
    """Run a stage on the driver as its task."""
    return STAGE_TASKS[stage.name](*args)


def dask_task_runner(address: str | None, workers: int) -> TaskRunner:
    """Prefect's Dask runner: on the cluster at ``address``, or on a local cluster of
    ``workers`` single-threaded processes (the stages are pure Python: threads would share
    one core)."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    cluster = {"n_workers": workers, "threads_per_worker": 1, "dashboard_address": None}
    return DaskTaskRunner(cluster_kwargs=cluster)


def task_runner(settings: Settings, batches: int) -> TaskRunner:
    """Dask, or on this machine a pool of ``workers`` processes. Not threads: langdetect is
    not thread-safe (with two threads a German seed came back ``und``), and pure Python
    would share one core anyway. One worker, or a run of one batch, stays in this process,
    as under the local engine: a pool process would load its imports, language models and
    matcher (about 3 s) for that one batch."""
    if settings.task_runner == "dask":
        return dask_task_runner(settings.dask_address, settings.workers)
    if settings.workers == 1 or batches <= 1:
        return ThreadPoolTaskRunner(max_workers=1)
    return ProcessPoolTaskRunner(max_workers=settings.workers)


@contextmanager
def driver_api() -> Iterator[None]:
    """Task runs report to the API this flow run uses. Without a configured server that is
    the temporary server this process started, whose address the settings do not hold: each
    worker process of a pool then started a temporary server of its own (3 s and 220 MB
    apiece, all writing to one database), and two workers were barely faster than one."""
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the temporary server of this process, if it runs
    if PREFECT_API_URL.value() or not server.running:
        yield
        return
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        yield


def prefect_fan_out(settings: Settings) -> FanOut:
    """The batches as mapped tasks of the per-batch stage, on the task runner the settings
    name.

    The runner is chosen here, at run time, rather than on the flow: a served deployment's
    runs then follow the settings stored with it, like every other setting."""

    def fan_out(
        stage: Stage,
        work: list[pd.DataFrame],
        context: LinkContext,
        catalog: Any,
        done: Callable[[int], None],
    ) -> list[BatchResult]:
        runner = task_runner(settings, len(work))
        if isinstance(runner, ThreadPoolTaskRunner):  # one thread of this process: its matcher
            remember_catalog(context, catalog)
        results = []
        with driver_api(), runner:
            parameters = {"batch": work, "context": unmapped(context)}
            futures = runner.map(STAGE_TASKS[stage.name], parameters)
            for batch, future in zip(work, futures, strict=True):
                results.append(future.result())
                done(len(batch))
        return results

    return fan_out


@flow(name="build-dataset", log_prints=False)
def build_dataset_flow(settings: Settings | None = None) -> dict | State:
    """Build and publish the dataset; returns the run's summary. A run that published nothing
    (the previous dataset kept) ends ``Failed`` with a ``NothingPublishedError`` holding the
    summary; a locked or unusable output folder ends ``Failed`` with its error, logged once.

    ``settings`` travel whole, as one validated object: from the CLI, or stored in the served
    deployment; without them the flow reads its process's environment.
    """
    settings = load_settings() if settings is None else settings
    logger = get_run_logger()
    info = logger.debug if settings.quiet else logger.info
    try:
        result: BuildResult = build_dataset(
            settings, step=run_as_task, log=info, fan_out=prefect_fan_out(settings)
        )
    except (RunLockedError, OutputFolderError) as exc:
        logger.error("%s", exc)
        return Failed(message=str(exc), data=exc)
    report = result.report
    verdict = finalize(report)["verdict"]
    create_markdown_artifact(
        to_markdown(report, settings.index_cache_dir),
        key=REPORT_ARTIFACT_KEY,
        description=f"{verdict['status']}: data-quality report of run {result.run_id}",
    )
    for warning in verdict["warnings"]:
        logger.warning("data-quality warning: %s", warning)
    if verdict["warnings"]:
        emit_event(
            event=WARNING_EVENT,
            resource={"prefect.resource.id": f"paper-mentions.{settings.out_dir.resolve()}"},
            payload={"run_id": result.run_id, "status": verdict["status"], **verdict},
        )
    create_table_artifact(
        report["mentions"]["by_language_and_status"],
        key=LANGUAGE_ARTIFACT_KEY,
        description=f"Mentions by language and status, run {result.run_id}",
    )
    mentions = report["mentions"]
    info(
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
    """The served deployment's parameters: every setting, with absolute paths, since scheduled
    runs may start in another working directory."""
    return {"settings": settings.resolved().model_dump(mode="json")}


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
