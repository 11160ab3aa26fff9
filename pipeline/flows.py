"""Prefect wiring: the pipeline's stages as tasks of one flow.

Prefect's task cache keys on inputs and cannot hash DataFrames usefully, so caching is off;
nothing is persisted between tasks either (they pass small frames in memory).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipeline.build import BuildResult, build_dataset
from pipeline.config import load_settings


def run_as_task(function: Callable[..., Any], *args: Any) -> Any:
    name = function.__name__.replace("_", "-")
    return task(function, name=name, cache_policy=NO_CACHE, persist_result=False)(*args)


@flow(name="build-dataset", log_prints=False)
def build_dataset_flow(
    raw_dir: str | None = None, out_dir: str | None = None, catalog_path: str | None = None
) -> dict:
    """Build and publish the dataset; returns the run's summary (``published`` false when
    validation failed and the previous dataset was kept)."""
    settings = load_settings(
        raw_dir=Path(raw_dir) if raw_dir else None,
        out_dir=Path(out_dir) if out_dir else None,
        catalog_path=Path(catalog_path) if catalog_path else None,
    )
    result: BuildResult = build_dataset(settings, step=run_as_task)
    logger = get_run_logger()
    mentions = result.report["mentions"]
    logger.info(
        "run %s: %d documents, %d mentions %s, %d papers",
        result.run_id,
        result.report["documents"]["read"],
        mentions["total"],
        mentions["by_status"],
        result.report["papers"]["total"],
    )
    if not result.published:
        logger.error("nothing published: %s", "; ".join(result.failures[:5]))
    return {"run_id": result.run_id, "published": result.published, "text": result.summary()}
