"""The declared stages: each reads only what the run holds by then, with the arguments its
function takes, and the local engine runs them all, in the declared order."""

from __future__ import annotations

import inspect
from pathlib import Path

from pipeline.build import build_dataset
from pipeline.config import load_settings
from pipeline.isolation import DocumentFailures
from pipeline.stages import STAGES, initial_values
from tests.conftest import CATALOG

NAMES = [stage.name for stage in STAGES]


def test_every_stage_reads_values_that_the_run_holds_before_it() -> None:
    known = set(initial_values(load_settings(environ={}), DocumentFailures(print), "r1"))
    for stage in STAGES:
        missing = set(stage.inputs) - known
        assert not missing, f"{stage.name} reads {missing} before any stage makes them"
        known |= set(stage.outputs)
    assert len(set(NAMES)) == len(NAMES)


def test_each_stage_function_takes_its_declared_inputs() -> None:
    for stage in STAGES:
        parameters = list(inspect.signature(stage.function).parameters)
        assert len(parameters) == len(stage.inputs), stage.name
        if stage.per_batch:  # a batch of its documents and the run's context, on a worker
            assert parameters == ["batch", "context"]


def test_one_stage_runs_on_batches_of_documents_the_others_on_the_driver() -> None:
    assert [stage.name for stage in STAGES if stage.per_batch] == ["documents"]
    assert all(stage.counts is not None for stage in STAGES if not stage.per_batch)


def test_the_local_engine_runs_every_declared_stage_in_order(
    small_raw: Path, tmp_path: Path
) -> None:
    logged: list[str] = []
    settings = load_settings(
        environ={},
        raw_dir=small_raw,
        out_dir=tmp_path / "out",
        catalog_path=CATALOG,
        incremental=False,
        workers=1,
    )
    result = build_dataset(settings, log=logged.append)
    assert result.published
    assert list(result.report["run"]["stage_seconds"]) == [*NAMES, "write"]  # publishing last
    stage_lines = [line.split(":", 1)[0] for line in logged if ": " in line]
    assert stage_lines[: len(NAMES) + 1] == [*NAMES, "write"]
