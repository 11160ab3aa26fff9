from __future__ import annotations

import pandas as pd

from pipeline.isolation import DocumentFailures
from pipeline.progress import StageProgress, show_progress


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"source_file": ["b", "a", "b", "c"], "value": [1, 2, 3, 4]}, index=[10, 11, 12, 13]
    )


def _double(frame: pd.DataFrame, factor: int) -> pd.DataFrame:
    return frame.assign(value=frame["value"] * factor)


def _rows(frame: pd.DataFrame, factor: int) -> pd.DataFrame:
    return frame.assign(value=frame["value"] * factor).reset_index(drop=True)


def test_a_stage_run_document_by_document_gives_the_same_rows() -> None:
    with StageProgress(enabled=False) as progress:
        kept = progress.by_document(_double, "double", keep_index=True)(_frame(), 2)
        renumbered = progress.by_document(_rows, "rows", keep_index=False)(_frame(), 2)
    expected = _double(_frame(), 2)
    pd.testing.assert_frame_equal(kept.sort_index(), expected)
    assert renumbered.index.tolist() == [0, 1, 2, 3]
    assert sorted(renumbered["value"]) == sorted(expected["value"])
    assert progress.by_document(_double, "x", keep_index=True).__name__ == "_double"


def test_quiet_or_no_terminal_means_no_bar() -> None:
    assert not show_progress(quiet=True)
    assert not show_progress(quiet=False)  # pytest captures stderr: not a terminal


def _fails_on_b(frame: pd.DataFrame, factor: int) -> pd.DataFrame:
    if "b" in set(frame["source_file"]):
        raise ValueError("cannot handle b")
    return _double(frame, factor)


def test_a_document_whose_call_raises_is_left_out_and_recorded() -> None:
    logged: list[str] = []
    with StageProgress(enabled=False, failures=DocumentFailures(logged.append)) as progress:
        result = progress.by_document(_fails_on_b, "double", keep_index=True)(_frame(), 2)
        nothing = progress.by_document(_fails_on_b, "double", keep_index=True)(
            _frame()[_frame()["source_file"] == "b"], 2
        )
    assert sorted(result["source_file"]) == ["a", "c"]
    assert result["value"].tolist() == [4, 8]
    assert progress.failures.reasons == {"b": "internal error: ValueError: cannot handle b"}
    assert nothing.empty and list(nothing.columns) == ["source_file", "value"]
    assert len(logged) == 2 and "Traceback" in logged[0]
