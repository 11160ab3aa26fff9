from __future__ import annotations

from pipeline.progress import StageProgress, show_progress


def test_quiet_or_no_terminal_means_no_bar() -> None:
    assert not show_progress(quiet=True)
    assert not show_progress(quiet=False)  # pytest captures stderr: not a terminal


def test_a_counter_advances_its_bar_by_the_documents_done() -> None:
    with StageProgress(enabled=True) as progress:
        advance = progress.counter("documents", total=5)
        advance(2)
        advance(3)
        (task,) = progress._progress.tasks
    assert task.completed == 5 and task.finished


def test_without_bars_a_counter_does_nothing() -> None:
    with StageProgress(enabled=False) as progress:
        advance = progress.counter("documents", total=5)
        advance(5)
    assert progress._progress is None
