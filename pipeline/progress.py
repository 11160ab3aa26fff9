"""Progress of the per-document stages (documents done), shown only on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)


def show_progress(quiet: bool) -> bool:
    """Bars are for people watching a terminal, not for cron mail or log files."""
    return not quiet and sys.stderr.isatty()


class StageProgress:
    def __init__(self, enabled: bool) -> None:
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

    def counter(self, label: str, total: int) -> Callable[[int], None]:
        """A bar of ``total`` documents; the function returned advances it by some done."""
        bar = self._progress.add_task(label, total=total)
        return lambda documents: self._progress.advance(bar, documents)
