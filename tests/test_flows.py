"""The Prefect flow runs the same stages as tasks (one harness for the whole session)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import CATALOG

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def test_flow_publishes_the_dataset(prefect_harness, small_raw: Path, tmp_path: Path) -> None:
    from pipeline.flows import build_dataset_flow

    out = tmp_path / "out"
    summary = build_dataset_flow(str(small_raw), str(out), str(CATALOG))
    assert summary["published"]
    assert "documents: 2 read" in summary["text"]
    papers = pd.read_parquet(out / "papers.parquet")
    assert "arxiv:1706.03762" in set(papers["paper_id"])
