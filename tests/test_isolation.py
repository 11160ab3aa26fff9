"""Per-document isolation: one document whose processing raises is rejected with the reason,
its traceback is logged, and the run publishes the others (exit code 0)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from pipeline import fanout, ingest
from pipeline.cli import main
from pipeline.isolation import DocumentFailures, internal_error
from pipeline.write import TABLES
from tests.conftest import CATALOG

FAILING = "zh_snippet.txt"
FAILING_FIRST_LINE = "Attention Is All You Need"
HEALTHY = "de_snippet.txt"


def _run(raw: Path, out: Path, workers: int = 1) -> int:
    options = ["--raw", str(raw), "--out", str(out), "--catalog", str(CATALOG)]
    return main(["run", "--engine", "local", "--workers", str(workers), *options])


def _failing_for_one_document(function: Callable, concerns: Callable[..., bool]) -> Callable:
    """``function`` as the stage calls it, except that it raises on the FAILING document
    (``concerns``: whether the arguments are that document's)."""

    def stage(*args: object, **keywords: object) -> object:
        if concerns(*args):
            raise RuntimeError(f"boom in {function.__name__}\nsecond line")
        return function(*args, **keywords)

    return stage


def _is_failing_text(text: str, *_: object) -> bool:
    return text.startswith(FAILING_FIRST_LINE)


def _is_failing_file(source_file: str, *_: object) -> bool:
    return source_file == FAILING


def _are_failing_rows(_: list[str], rows: list[tuple], *__: object) -> bool:
    return any(row[0] == FAILING for row in rows)


def _failing_decode(data: bytes, suffix: str) -> tuple[str | None, str | None]:
    if data.startswith(FAILING_FIRST_LINE.encode()):
        raise RuntimeError("boom in decode_source\nsecond line")
    return ORIGINAL_DECODE(data, suffix)


ORIGINAL_DECODE = ingest.decode_source
STAGES = {
    "decode_source": (ingest, _failing_decode),
    "document_language": (
        fanout,
        _failing_for_one_document(fanout.document_language, _is_failing_text),
    ),
    "candidate_rows": (fanout, _failing_for_one_document(fanout.candidate_rows, _is_failing_file)),
    "resolve_rows": (fanout, _failing_for_one_document(fanout.resolve_rows, _are_failing_rows)),
}


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_document_that_raises_is_rejected_and_the_others_are_published(
    stage: str,
    workers: int,
    small_raw: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """In this process and in a pool of processes (forked here, so that they inherit the
    failing stage: spawned ones would import the real one)."""
    module, replacement = STAGES[stage]
    monkeypatch.setattr(module, stage, replacement)
    monkeypatch.setattr(fanout, "START_METHOD", "fork")
    out = tmp_path / "out"
    with caplog.at_level(logging.ERROR, logger="pipeline"):
        assert _run(small_raw, out, workers) == 0
    tables = {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}
    documents = tables["documents"].set_index("source_file")
    failed = documents.loc[FAILING]
    assert failed["status"] == "rejected"
    assert failed["error"] == f"internal error: RuntimeError: boom in {stage} second line"
    assert failed["sha256"] == hashlib.sha256((small_raw / FAILING).read_bytes()).hexdigest()
    assert pd.isna(failed["language"])
    assert failed["n_mentions"] == 0 and failed["n_chars"] == 0
    assert documents.loc[HEALTHY, "status"] == "ok"
    assert documents.loc[HEALTHY, "n_mentions"] > 0
    assert set(tables["mentions"]["source_file"]) == {HEALTHY}
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert {"source_file": FAILING, "error": failed["error"]} in report["documents"]["rejected"]
    assert report["verdict"]["status"] == "published, degraded"
    assert "1 documents rejected with an internal error" in report["verdict"]["reasons"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Traceback (most recent call last)" in logged and f"boom in {stage}" in logged


def test_a_failed_document_is_not_cached_and_is_processed_again(
    small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        failing = _failing_for_one_document(fanout.resolve_rows, _are_failing_rows)
        patch.setattr(fanout, "resolve_rows", failing)
        assert _run(small_raw, out) == 0
    assert _run(small_raw, out) == 0  # incremental: the cache must not hold the failure
    documents = pd.read_parquet(out / "documents.parquet").set_index("source_file")
    assert documents.loc[FAILING, "status"] == "ok"
    assert documents.loc[FAILING, "n_mentions"] > 0


def test_the_reason_is_one_bounded_line_naming_the_exception() -> None:
    assert internal_error(ValueError("bad\n  value")) == "internal error: ValueError: bad value"
    assert internal_error(KeyError()) == "internal error: KeyError"
    assert len(internal_error(RuntimeError("x" * 10_000))) < 400


def test_rejecting_failed_documents_drops_their_text_and_keeps_their_hash() -> None:
    failures = DocumentFailures(log=lambda _: None)
    failures.record("b.txt", RuntimeError("boom"))
    failures.record("b.txt", ValueError("later"))  # the first failure is the reason
    sources = pd.DataFrame(
        {
            "source_file": ["a.txt", "b.txt"],
            "sha256": ["1" * 64, "2" * 64],
            "text": ["alpha", "beta"],
            "error": [None, None],
        }
    )
    rejected = failures.reject(sources)
    assert rejected["error"].tolist()[1] == "internal error: RuntimeError: boom"
    assert pd.isna(rejected["error"].tolist()[0]) and rejected["text"].tolist()[0] == "alpha"
    assert pd.isna(rejected["text"].tolist()[1]) and rejected["sha256"].tolist()[1] == "2" * 64


@pytest.mark.prefect
def test_the_prefect_flow_rejects_the_failed_document_and_publishes_the_others(
    small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.testing.utilities import prefect_test_harness

    from pipeline.config import load_settings
    from pipeline.flows import build_dataset_flow

    failing = _failing_for_one_document(fanout.candidate_rows, _is_failing_file)
    monkeypatch.setattr(fanout, "candidate_rows", failing)
    out = tmp_path / "out"
    settings = load_settings(raw_dir=small_raw, out_dir=out, catalog_path=CATALOG)
    with prefect_test_harness(server_startup_timeout=180):
        state = build_dataset_flow(settings, return_state=True)
    assert state.is_completed()
    assert state.result()["published"]
    documents = pd.read_parquet(out / "documents.parquet").set_index("source_file")
    assert documents.loc[FAILING, "error"] == (
        "internal error: RuntimeError: boom in candidate_rows second line"
    )
    assert documents.loc[HEALTHY, "status"] == "ok"
