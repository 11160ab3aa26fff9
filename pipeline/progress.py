"""The stages that work document by document: one document at a time, each isolated from
the others, with a progress bar shown only on a terminal.

A stage is run one document at a time and its pieces joined again; every such stage treats
documents independently, so the result is the same as one call on the whole frame. A document
whose call raises is left out of the result and recorded in ``DocumentFailures`` (it is then
rejected with its reason, see ``pipeline.isolation``); the others go on.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from pipeline.isolation import DocumentFailures


def show_progress(quiet: bool) -> bool:
    """Bars are for people watching a terminal, not for cron mail or log files."""
    return not quiet and sys.stderr.isatty()


class StageProgress:
    def __init__(self, enabled: bool, failures: DocumentFailures | None = None) -> None:
        self.failures = failures or DocumentFailures()
        self._progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("documents"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )

    def __enter__(self) -> StageProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def by_document(
        self, function: Callable[..., pd.DataFrame], label: str, keep_index: bool
    ) -> Callable[..., pd.DataFrame]:
        """``function(frame, *args)`` applied to each document's rows of ``frame`` in turn
        (``keep_index``: whether ``function`` keeps its input's index or renumbers rows); a
        document whose call raises is recorded in ``self.failures`` and left out."""

        @functools.wraps(function)
        def run(frame: pd.DataFrame, *args: Any) -> pd.DataFrame:
            if frame.empty:
                return function(frame, *args)
            pieces = list(frame.groupby("source_file", sort=False))
            bar = self._progress.add_task(label, total=len(pieces))
            results = []
            for source_file, piece in pieces:
                try:
                    results.append(function(piece, *args))
                except Exception as exc:  # one document must not stop the run
                    self.failures.record(source_file, exc)
                self._progress.advance(bar)
            kept = [r for r in results if not r.empty] or results[:1]
            if not kept:  # every document failed: the stage's empty result, with its columns
                return function(frame.iloc[0:0], *args)
            return pd.concat(kept, ignore_index=not keep_index)

        return run
