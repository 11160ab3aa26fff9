"""The per-document stages (language, extract, match) run on batches of documents, in this
process, in a process pool, or on Prefect task runners (threads, a Dask cluster).

A batch carries its documents and a small ``LinkContext`` (paths and thresholds), never a
matcher: each process loads the catalog from its path once, checks it is the catalog the run
read (same sha256), builds its matcher and keeps it for the next batches. A document whose
processing raises is reported back with its reason and traceback (as text: tracebacks do not
cross processes) and rejected by the driver, as in a one-process run; the others go on.
Results are joined in document order, so the tables are those of a one-process run.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from pipeline.catalog import Catalog, load_catalog
from pipeline.catalog_store import store_process_tables_in
from pipeline.chunks import START_METHOD
from pipeline.config import MatchThresholds
from pipeline.isolation import internal_error
from pipeline.language import document_language, segment_lines
from pipeline.link import (
    CANDIDATE_COLUMNS,
    LinkPolicy,
    Matcher,
    build_matcher,
    candidate_rows,
    cedict,
    mentions_table,
    resolve_rows,
)

if TYPE_CHECKING:
    from pipeline.stages import Stage

# Batches per worker: enough to even out documents of unequal length, few enough that the
# per-task overhead (pickling, a Prefect task run) stays small.
BATCHES_PER_WORKER = 4
LANGUAGE_COLUMNS = ["language", "segments"]


class CatalogChangedError(RuntimeError):
    """A worker read another catalog than the driver did (the file changed during the run, or
    the path means another file on that machine)."""


@dataclass(frozen=True)
class LinkContext:
    """What a worker needs to link documents, small enough to travel with every batch."""

    catalog_path: Path
    catalog_sha256: str
    terms_dir: Path
    index_cache_dir: Path
    thresholds: MatchThresholds

    @property
    def policy(self) -> LinkPolicy:
        return LinkPolicy.from_thresholds(self.thresholds)


@dataclass
class BatchResult:
    """Languages and segments (indexed as the batch), the mentions of each document that did
    not fail, in the batch's order, and ``(source_file, reason, traceback)`` of those that did."""

    languages: pd.DataFrame
    mentions: list[pd.DataFrame] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)


# This process's matcher, for the context of the latest run only: a long-lived Dask worker
# serves many runs, and a matcher of a large catalog takes gigabytes.
_matchers: dict[LinkContext, Matcher] = {}
_matchers_lock = threading.Lock()


def _keep(context: LinkContext, matcher: Matcher) -> Matcher:
    _matchers.clear()
    _matchers[context] = matcher
    return matcher


def _one_blas_thread() -> None:
    """Linking multiplies small matrices (at most 64 candidate papers by a passage's stems):
    the BLAS library's threads cost more than they save there (the descriptions of 500
    documents took twice as long with two threads), and a run's workers use the cores."""
    threadpool_limits(limits=1, user_api="blas")


def remember_catalog(context: LinkContext, catalog: Catalog) -> None:
    """Give this process's matcher the catalog the driver already loaded (in-process runs)."""
    with _matchers_lock:
        if context not in _matchers:
            _one_blas_thread()
            cedict.use_store(context.index_cache_dir)
            _keep(
                context,
                build_matcher(catalog, context.policy, context.terms_dir, context.index_cache_dir),
            )


def worker_matcher(context: LinkContext) -> Matcher:
    """This process's matcher for ``context``: built on first use from the catalog's path
    (the title index and CC-CEDICT come from the structures cache when present), then
    reused."""
    with _matchers_lock:
        matcher = _matchers.get(context)
        if matcher is None:
            _one_blas_thread()
            cedict.use_store(context.index_cache_dir)
            catalog = load_catalog(context.catalog_path, context.index_cache_dir)
            if catalog.sha256 != context.catalog_sha256:
                raise CatalogChangedError(
                    f"catalog {context.catalog_path} has sha256 {catalog.sha256[:12]} here, "
                    f"{context.catalog_sha256[:12]} on the driver"
                )
            matcher = _keep(
                context,
                build_matcher(catalog, context.policy, context.terms_dir, context.index_cache_dir),
            )
        return matcher


def link_batch(batch: pd.DataFrame, context: LinkContext) -> BatchResult:
    """Language, candidates and decisions of each document of ``batch`` (one row each).
    Documents are handled as plain values and the batch's mentions made one table at the
    end: a few pandas operations per document cost as much as linking a short one."""
    languages: list[tuple[str | None, list]] = []
    labels = []
    mentions: list[tuple] = []
    result = BatchResult(languages=pd.DataFrame(columns=LANGUAGE_COLUMNS))
    # langdetect's profiles are read from there, for the first document too (a new pool or
    # Dask process detects its language before it builds its matcher).
    store_process_tables_in(context.index_cache_dir)
    documents = zip(batch.index, batch["source_file"].tolist(), batch["text"].tolist(), strict=True)
    for label, source_file, text in documents:
        try:
            if not isinstance(text, str):  # a rejected file: no language, no segments
                labels.append(label)
                languages.append((None, []))
                continue
            language = document_language(text)
            segments = segment_lines(text, language)
            labels.append(label)
            languages.append((language, segments))
            matcher = worker_matcher(context)
            found = candidate_rows(
                str(source_file),
                text,
                segments,
                matcher.names,
                context.policy,
                matcher.title_keys,
                document_language=language,
            )
            mentions += resolve_rows(CANDIDATE_COLUMNS, found, matcher)
        except CatalogChangedError:
            raise
        except Exception as exc:  # one document must not stop the run
            trace = "".join(traceback.format_exception(exc)).rstrip()
            result.failures.append((str(source_file), internal_error(exc), trace))
    if languages:
        result.languages = pd.DataFrame(
            languages, index=labels, columns=LANGUAGE_COLUMNS, dtype=object
        )
    if mentions:
        result.mentions.append(mentions_table(mentions))
    return result


def batches(documents: pd.DataFrame, workers: int, min_chars: int = 1) -> list[pd.DataFrame]:
    """``documents`` cut into contiguous batches, in order, by text length (the cost of
    linking grows with it), that shrink towards the end: of ``count`` batches the first holds
    about ``count`` times the text of the last, linearly in between. Workers take them in
    order, so the last ones, taken when most work is done, are short and no worker waits
    long for another (batches of equal text left one waiting for up to a batch's time). On
    average a batch holds at least ``min_chars`` characters where the text allows (a process
    costs its start, a task its overhead); never an empty batch."""
    if documents.empty:
        return []
    sizes = np.fromiter(
        (len(t) + 1 if isinstance(t, str) else 1 for t in documents["text"]),
        dtype=np.int64,
        count=len(documents),
    )
    ends = np.cumsum(sizes)
    by_text = max(1, int(ends[-1]) // min_chars)
    count = min(len(documents), workers * BATCHES_PER_WORKER, by_text)
    if count == len(documents):  # as many batches as documents: one each
        return [documents.iloc[[position]] for position in range(count)]
    shares = np.arange(count, 0, -1)  # count, count - 1, ..., 1
    targets = ends[-1] * np.cumsum(shares)[:-1] / shares.sum()
    cuts = np.unique(np.clip(np.searchsorted(ends, targets, side="left") + 1, 1, len(ends) - 1))
    return [documents.iloc[chunk] for chunk in np.split(np.arange(len(documents)), cuts)]


def _end_without_teardown() -> None:
    """Run in each pool process as it starts: once the pool stops it, the process ends without
    the interpreter's teardown, which the driver waited for (0.4-0.8 s per run). By then
    multiprocessing has run its own exit functions and flushed the output; the exit status
    of a pool process is not read."""

    def leave() -> None:
        logging.shutdown()
        os._exit(0)

    atexit.register(leave)


# Runs a per-batch stage on every batch: (stage, batches, context, the driver's catalog,
# a callback given the documents of each batch done) -> one result per batch, in order.
FanOut = Callable[
    ["Stage", list[pd.DataFrame], LinkContext, Catalog, Callable[[int], None]],
    list[BatchResult],
]


def local_fan_out(workers: int) -> FanOut:
    """Batches in this process and, for ``workers`` above 1, in a pool of ``workers`` - 1
    more: this process has the catalog loaded and would otherwise wait while the pool's
    processes start and load it. The pool's processes are started first, so that they start
    while this process builds its matcher."""

    def fan_out(
        stage: Stage,
        work: list[pd.DataFrame],
        context: LinkContext,
        catalog: Catalog,
        done: Callable[[int], None],
    ) -> list[BatchResult]:
        if workers == 1 or len(work) <= 1:
            remember_catalog(context, catalog)
            results = []
            for batch in work:
                results.append(stage.function(batch, context))
                done(len(batch))
            return results
        start = multiprocessing.get_context(START_METHOD)
        processes = min(workers, len(work)) - 1
        with ProcessPoolExecutor(
            processes, mp_context=start, initializer=_end_without_teardown
        ) as pool:
            queue = _SharedQueue(stage, work, context, pool)
            queue.feed(processes)  # the pool's processes start with their first batch
            remember_catalog(context, catalog)  # while they start, this one builds its matcher
            return queue.run(done)

    return fan_out


class _SharedQueue:
    """The pool's processes and this one take the batches in order, the next whenever one is
    free: a pool's process one at a time (a batch handed to a pool ahead of its turn cannot
    be taken back)."""

    def __init__(
        self,
        stage: Stage,
        work: list[pd.DataFrame],
        context: LinkContext,
        pool: ProcessPoolExecutor,
    ) -> None:
        self.stage, self.work, self.context, self.pool = stage, work, context, pool
        self.next = 0
        self.lock = threading.Lock()
        self.futures: dict[int, Future[BatchResult]] = {}

    def _next_position(self) -> int | None:
        """The next batch not taken yet, now taken (the lock held)."""
        if self.next >= len(self.work):
            return None
        self.next += 1
        return self.next - 1

    def _take(self) -> int | None:
        with self.lock:
            return self._next_position()

    def _feed(self, _finished: object = None) -> None:
        """Hand the pool the next batch (when a process is free); its future is recorded
        before anyone can see that no batch is left."""
        with self.lock:
            position = self._next_position()
            if position is None:
                return
            try:
                future = self.pool.submit(self.stage.function, self.work[position], self.context)
            except Exception as exc:  # a broken pool: its error is this batch's result
                future = Future()
                future.set_exception(exc)
            self.futures[position] = future
        future.add_done_callback(self._feed)

    def feed(self, processes: int) -> None:
        """A first batch for each of the pool's processes (which starts them)."""
        for _ in range(processes):
            self._feed()

    def run(self, done: Callable[[int], None]) -> list[BatchResult]:
        """This process's batches, then the pool's results, in order."""
        results: dict[int, BatchResult] = {}
        while (position := self._take()) is not None:
            results[position] = self.stage.function(self.work[position], self.context)
            done(len(self.work[position]))
        for position in sorted(self.futures):  # every batch is taken: no more are added
            results[position] = self.futures[position].result()
            done(len(self.work[position]))
        return [results[position] for position in range(len(self.work))]


def join_results(
    documents: pd.DataFrame, results: list[BatchResult]
) -> tuple[pd.DataFrame, list[pd.DataFrame], list[tuple[str, str, str]]]:
    """``documents`` with their languages and segments, the mentions of each document in
    order, and every failure."""
    detected = [r.languages for r in results if not r.languages.empty]
    languages = (
        pd.concat(detected) if detected else pd.DataFrame(columns=LANGUAGE_COLUMNS)
    ).reindex(documents.index)
    documents = documents.assign(
        language=languages["language"].astype(object).where(languages["language"].notna(), None),
        segments=[s if isinstance(s, list) else [] for s in languages["segments"]],
    )
    mentions = [frame for r in results for frame in r.mentions]
    failures = [failure for r in results for failure in r.failures]
    return documents, mentions, failures
