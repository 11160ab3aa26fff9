"""Shared fixtures: the project's raw folder, the curated catalog, and ../shared when present."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.catalog import Catalog, load_catalog
from pipeline.config import DEFAULT_CATALOG

# The checkout these tests run from (the pipeline itself has no notion of one).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
RAW = PROJECT_ROOT / "raw"
CATALOG = DEFAULT_CATALOG


def run_command(
    *arguments: str, cwd: Path, python_flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``python [python_flags] -m pipeline arguments`` in a process of its own, from ``cwd``."""
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "pipeline", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def arxiv_catalog(folder: Path, rows: list[tuple[str, str, str, str]]) -> Catalog:
    """A catalog of arXiv papers without names: (arXiv id, title, year, authors) rows."""
    frame = pd.DataFrame(rows, columns=["arxiv_id", "title", "year", "authors"])
    frame.insert(0, "paper_id", "arxiv:" + frame["arxiv_id"])
    frame["aliases"] = ""
    folder.mkdir()
    frame.to_csv(folder / "papers.csv", index=False)
    return load_catalog(folder)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop this process's temporary Prefect server, if a test started one, while pytest's
    streams are open: stopped by Prefect at exit, its log line met a closed stream and
    printed a "Logging error" traceback after the summary."""
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    if server.running:
        server.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason="needs ../shared (seeds, gold, arXiv data), absent here")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs started through the environment (CLI, flows) cache into the test's own folder."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("PAPER_MENTIONS_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(autouse=True)
def one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs started through the environment work in the test's process (a pool costs seconds
    of process starts, and a stage replaced by a test lives only here); the tests of the pool
    and of Dask ask for workers explicitly."""
    monkeypatch.setenv("PAPER_MENTIONS_WORKERS", "1")
    # Small test corpora are still cut into batches, so the pool and Dask tests have work
    # to share; the default (a batch of at least 150,000 characters) has its own test.
    monkeypatch.setenv("PAPER_MENTIONS_BATCH_MIN_CHARS", "1")


@pytest.fixture
def small_raw(tmp_path: Path) -> Path:
    """A raw folder with two short real snippets (German and Chinese) of the seed articles."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "de_snippet.txt", raw)
    shutil.copy(Path(__file__).parent / "fixtures" / "zh_snippet.txt", raw)
    return raw
