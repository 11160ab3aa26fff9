"""The stages of a run, declared once.

``STAGES`` lists them in order: each reads named values of the run and adds its own.
``pipeline.build`` runs them (the local engine) and ``pipeline.flows`` makes each a Prefect
task, so both engines run the very same stages. The stage on batches of documents runs on
workers (a process pool, mapped Prefect tasks, a Dask cluster); every other stage runs once
on the driver. Publishing follows them on the driver, never as a task (``pipeline.build``).

Every function here is plain and typed: testable without either engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.catalog import Catalog, check_catalog_size, files_sha256, load_catalog
from pipeline.config import Settings
from pipeline.dedupe import dedupe
from pipeline.duplicates import mark_duplicates
from pipeline.fanout import LinkContext, link_batch
from pipeline.incremental import (
    CachedDocuments,
    load_cached,
    normalise_mentions,
    run_fingerprint,
    store,
)
from pipeline.ingest import documents_table, ingest, read_manifest
from pipeline.isolation import DocumentFailures
from pipeline.link import RUNNER_UP_COLUMNS, LinkPolicy, runner_up_scores, term_files
from pipeline.overrides import apply_overrides, read_overrides
from pipeline.validate import Screening, screen_tables


@dataclass(frozen=True)
class Stage:
    """One step of a run: ``function(*inputs)`` returns the values named by ``outputs``.

    A ``per_batch`` stage's inputs are documents and a ``LinkContext``: its function gets a
    batch of the documents and the context, on a worker, and the driver joins the batches'
    results into ``outputs`` (``pipeline.fanout``). A stage with ``only_if`` runs only when
    that value is not empty; else its outputs keep their values from ``initial_values``.
    """

    name: str
    function: Callable[..., Any]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    counts: Callable[..., str] | None = None  # the stage's log line, from its outputs
    per_batch: bool = False
    only_if: str | None = None

    def arguments(self, values: dict[str, Any]) -> list[Any]:
        return [values[name] for name in self.inputs]

    def named(self, result: Any) -> dict[str, Any]:
        """The stage's result as the values it adds to the run."""
        if len(self.outputs) == 1:
            return {self.outputs[0]: result}
        return dict(zip(self.outputs, result, strict=True))

    def describe(self, result: Any) -> str:
        """What a driver stage did, for its log line (a per-batch stage's driver logs its own)."""
        return self.counts(*self.named(result).values()) if self.counts else ""

    def should_run(self, values: dict[str, Any]) -> bool:
        return self.only_if is None or len(values[self.only_if]) > 0


def initial_values(settings: Settings, failures: DocumentFailures, run_id: str) -> dict[str, Any]:
    """What a run starts from, and the outputs of stages that may not run (``only_if``)."""
    return {
        "settings": settings,
        "failures": failures,
        "run_id": run_id,
        "fresh_mentions": normalise_mentions([]),
        "fresh_runner_up": pd.DataFrame(columns=RUNNER_UP_COLUMNS),
    }


def read_sources(settings: Settings, failures: DocumentFailures) -> pd.DataFrame:
    """Every source file under the raw folder, decoded, or rejected with its reason."""
    return ingest(settings.raw_dir, settings.max_file_bytes, failures.record)


def read_manifest_errors(settings: Settings) -> list[str]:
    return read_manifest(settings.raw_dir)[1]


def published_catalog_entries(out_dir: Path) -> int | None:
    """The catalog size of the run published in ``out_dir`` (None when there is none)."""
    try:
        report = json.loads((out_dir / "report.json").read_text("utf-8"))
        return int(report["run"]["catalog_entries"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_run_catalog(settings: Settings) -> tuple[Catalog, LinkContext]:
    """The catalog (refused when it shrank by more than half since the last published run)
    and what a worker needs to load the same one: absolute paths, since a worker may start in
    another directory, and the catalog's sha256, which the worker checks."""
    catalog = load_catalog(settings.catalog_path, settings.index_cache_dir)
    check_catalog_size(
        len(catalog), published_catalog_entries(settings.out_dir), settings.allow_catalog_shrink
    )
    context = LinkContext(
        settings.catalog_path.resolve(),
        catalog.sha256,
        settings.terms_dir.resolve(),
        settings.index_cache_dir.resolve(),
        settings.thresholds,
    )
    return catalog, context


def reuse_unchanged(
    settings: Settings, sources: pd.DataFrame, catalog: Catalog
) -> tuple[CachedDocuments, str, pd.DataFrame]:
    """The documents the cache holds for this catalog, term tables and policy, that
    fingerprint, and the documents left to link."""
    policy = LinkPolicy.from_thresholds(settings.thresholds)
    terms_sha256 = files_sha256(term_files(settings.terms_dir))
    fingerprint = run_fingerprint(catalog.sha256, terms_sha256, policy)
    cached = load_cached(sources, settings.cache_dir if settings.incremental else None, fingerprint)
    return cached, fingerprint, sources[~sources["source_file"].isin(cached.files)]


def score_margins(linked: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The mentions of the documents just linked (``linked``: one frame per batch), and
    the runner-up of each fuzzy title link, for the report's narrow matches."""
    mentions = pd.concat([m for m in linked if not m.empty] or linked[:1], ignore_index=True)
    return mentions, runner_up_scores(mentions)


def store_linked(
    settings: Settings,
    fingerprint: str,
    fresh: pd.DataFrame,
    failures: DocumentFailures,
    fresh_mentions: pd.DataFrame,
    fresh_runner_up: pd.DataFrame,
) -> int:
    """Cache the documents just linked, except those that failed in a stage: their results
    cannot be trusted, so the next run links them again."""
    linked = fresh[~fresh["source_file"].isin(failures.reasons)]
    return store(settings.cache_dir, fingerprint, linked, fresh_mentions, fresh_runner_up)


def dedupe_run(
    settings: Settings,
    catalog: Catalog,
    failures: DocumentFailures,
    sources: pd.DataFrame,
    cached: CachedDocuments,
    fresh: pd.DataFrame,
    fresh_mentions: pd.DataFrame,
    fresh_runner_up: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str], pd.DataFrame]:
    """The run's sources (failed documents rejected), its mentions (reused and new, the
    overrides in the raw folder applied), their runner-ups, the overrides' errors, and one
    row per paper."""
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
    sources = failures.reject(sources)
    sources = sources.assign(
        language=sources["source_file"].map(languages).where(sources["error"].isna(), None)
    )
    papers = dedupe(mentions, catalog)
    return sources, mentions, runner_up, override_errors + not_applied, papers


def validate_run(
    sources: pd.DataFrame, mentions: pd.DataFrame, papers: pd.DataFrame, run_id: str
) -> tuple[Screening, dict[str, str]]:
    """The tables screened against their schemas and each other (duplicate documents
    marked first), and the readable texts the offsets refer to."""
    texts = {r.source_file: r.text for r in sources.itertuples() if isinstance(r.text, str)}
    documents = mark_duplicates(documents_table(sources, mentions), texts)
    return screen_tables(documents, mentions, papers, texts, run_id), texts


def _source_counts(sources: pd.DataFrame) -> str:
    rejected = int(sources["error"].notna().sum())
    return f"{len(sources)} files, {len(sources) - rejected} readable, {rejected} rejected"


def _mention_counts(mentions: pd.DataFrame, runner_up: pd.DataFrame) -> str:
    by_status = mentions["status"].value_counts().sort_index().to_dict()
    return f"{len(mentions)} mentions {by_status}, {len(runner_up)} fuzzy title links"


STAGES: tuple[Stage, ...] = (
    Stage("ingest", read_sources, ("settings", "failures"), ("sources",), _source_counts),
    Stage(
        "manifest",
        read_manifest_errors,
        ("settings",),
        ("manifest_errors",),
        lambda errors: f"{len(errors)} manifest errors",
    ),
    Stage(
        "catalog",
        load_run_catalog,
        ("settings",),
        ("catalog", "context"),
        lambda catalog, _: f"{len(catalog)} papers, {catalog.rejected_rows} rows rejected",
    ),
    Stage(
        "cache",
        reuse_unchanged,
        ("settings", "sources", "catalog"),
        ("cached", "fingerprint", "fresh"),
        lambda cached, *_: f"{len(cached.files)} unchanged documents reused",
    ),
    # Language, candidates and decisions of each document (``pipeline.fanout``); the driver
    # joins the batches into the documents with their languages and one frame of mentions
    # per document linked.
    Stage("documents", link_batch, ("fresh", "context"), ("fresh", "linked"), per_batch=True),
    Stage(
        "margins",
        score_margins,
        ("linked",),
        ("fresh_mentions", "fresh_runner_up"),
        _mention_counts,
        only_if="linked",
    ),
    Stage(
        "cache_store",
        store_linked,
        ("settings", "fingerprint", "fresh", "failures", "fresh_mentions", "fresh_runner_up"),
        ("stored",),
        lambda stored: f"{stored} documents cached",
    ),
    Stage(
        "dedupe",
        dedupe_run,
        (
            "settings",
            "catalog",
            "failures",
            "sources",
            "cached",
            "fresh",
            "fresh_mentions",
            "fresh_runner_up",
        ),
        ("sources", "mentions", "runner_up", "override_errors", "papers"),
        lambda *outputs: f"{len(outputs[-1])} papers",
    ),
    Stage(
        "validate",
        validate_run,
        ("sources", "mentions", "papers", "run_id"),
        ("screening", "texts"),
        lambda s, _: f"{len(s.quarantine)} rows quarantined, {len(s.failures)} blocking failures",
    ),
)
