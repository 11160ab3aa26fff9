"""Progress of the per-document stages (documents done), shown only on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress


def show_progress(quiet: bool) -> bool:
    """Bars are for people watching a terminal, not for cron mail or log files."""
    return not quiet and sys.stderr.isatty()


def _bars() -> Progress:
    """rich's progress display, imported only when it is shown (a scheduled run without a
    terminal does not load it)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("documents"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )


class StageProgress:
    def __init__(self, enabled: bool) -> None:
        self._progress = _bars() if enabled else None

    def __enter__(self) -> StageProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def counter(self, label: str, total: int) -> Callable[[int], None]:
        """A bar of ``total`` documents; the function returned advances it by some done."""
        if self._progress is None:
            return lambda documents: None
        progress = self._progress
        bar = progress.add_task(label, total=total)
        return lambda documents: progress.advance(bar, documents)
