"""The per-document stages on batches: contiguous batches in order, a worker that checks it
read the driver's catalog, and a process pool that gives the tables of one process."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from langdetect.detector_factory import DetectorFactory
from threadpoolctl import threadpool_info, threadpool_limits

from pipeline import catalog_store, fanout, language_profiles
from pipeline.build import build_dataset
from pipeline.catalog import load_catalog
from pipeline.config import DEFAULT_TERMS, MatchThresholds, load_settings
from pipeline.fanout import CatalogChangedError, LinkContext, batches, link_batch
from pipeline.write import TABLES
from tests.conftest import CATALOG


def _documents(count: int) -> pd.DataFrame:
    names = [f"doc{i:02}.txt" for i in range(count)]
    return pd.DataFrame({"source_file": names, "text": ["x"] * count}, index=range(5, 5 + count))


def test_batches_are_contiguous_in_order_and_cover_every_document_once() -> None:
    documents = _documents(80)
    work = batches(documents, workers=2)
    assert len(work) == 2 * fanout.BATCHES_PER_WORKER
    assert pd.concat(work).equals(documents)
    assert [len(b) for b in batches(_documents(3), workers=2)] == [1, 1, 1]
    assert batches(_documents(0), workers=2) == []


def test_batches_shrink_towards_the_end_by_text() -> None:
    """The first of eight holds about eight times the text of the last: the batches taken
    last are short, so no worker waits long for another at the end."""
    documents = _documents(720).assign(text=["x" * 99] * 720)
    assert [len(b) for b in batches(documents, workers=2)] == [160, 140, 120, 100, 80, 60, 40, 20]
    long_first = _documents(12).assign(text=["x" * 2000] + ["x" * 99] * 11)
    work = batches(long_first, workers=1)
    assert len(work[0]) == 1 and len(work) == fanout.BATCHES_PER_WORKER  # it fills one alone
    assert pd.concat(work).equals(long_first)


def test_a_batch_holds_on_average_the_least_text_the_run_allows() -> None:
    documents = _documents(12).assign(text=["x" * 99] * 12)  # 1,200 characters with ends
    assert len(batches(documents, workers=2, min_chars=1)) == 7  # 12 pages cannot make 8
    assert [len(b) for b in batches(documents, workers=2, min_chars=400)] == [6, 4, 2]
    assert [len(b) for b in batches(documents, workers=2, min_chars=5000)] == [12]


def test_a_small_run_stays_in_one_process_by_default(
    small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAPER_MENTIONS_BATCH_MIN_CHARS")
    logged: list[str] = []
    settings = load_settings(
        raw_dir=small_raw, out_dir=tmp_path / "out", incremental=False, workers=2
    )
    assert settings.batch_min_chars > sum(len(p.read_text("utf-8")) for p in small_raw.iterdir())
    build_dataset(settings, log=logged.append)
    assert any(line.startswith("documents: 2 documents in 1 batches, 1 workers") for line in logged)


def _context(tmp_path: Path, sha256: str) -> LinkContext:
    return LinkContext(CATALOG, sha256, DEFAULT_TERMS, tmp_path / "index", MatchThresholds())


def test_a_worker_refuses_a_catalog_other_than_the_drivers(tmp_path: Path) -> None:
    documents = pd.DataFrame({"source_file": ["a.txt"], "text": ["Attention Is All You Need"]})
    with pytest.raises(CatalogChangedError, match="on the driver"):
        link_batch(documents, _context(tmp_path, "0" * 64))


def test_a_worker_links_with_the_catalog_it_loads_from_the_path(tmp_path: Path) -> None:
    sha256 = load_catalog(CATALOG).sha256
    text = 'Wie in "Attention Is All You Need" beschrieben, nutzt der Transformer ...'
    documents = pd.DataFrame({"source_file": ["a.txt", "b.txt"], "text": [text, None]})
    result = link_batch(documents, _context(tmp_path, sha256))
    assert result.failures == []
    assert result.languages["language"].tolist() == ["de", None]
    (mentions,) = result.mentions  # none for a document without text
    assert "arxiv:1706.03762" in set(mentions["paper_id"])
    context = _context(tmp_path, sha256)
    assert fanout.worker_matcher(context) is fanout.worker_matcher(dataclasses.replace(context))


def test_a_new_worker_reads_the_stored_language_profiles_for_its_first_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool or Dask process detects its first document's language before it builds its
    matcher: the profiles stored beside the catalog structures are read even then."""
    sha256 = load_catalog(CATALOG).sha256
    documents = pd.DataFrame({"source_file": ["a.txt"], "text": ["Die Forscher schlugen vor."]})
    link_batch(documents, _context(tmp_path, sha256))  # stores them
    fanout._matchers.clear()  # as in a fresh process: no matcher, no folder, no profiles
    monkeypatch.setattr(catalog_store, "_process_tables_folder", None)
    language_profiles._factory.cache_clear()
    monkeypatch.setattr(DetectorFactory, "load_profile", lambda *_: pytest.fail("JSON read"))
    try:
        result = link_batch(documents, _context(tmp_path, sha256))
    finally:
        language_profiles._factory.cache_clear()  # no factory of a removed folder stays
    assert result.failures == [] and result.languages["language"].tolist() == ["de"]


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    """The published tables without the run id (the quarantine names its run in every row)."""
    return {
        table: pd.read_parquet(out / f"{table}.parquet").drop(columns=["run_id"], errors="ignore")
        for table in TABLES
    }


def assert_same_tables(one: Path, other: Path) -> None:
    first, second = _tables(one), _tables(other)
    for table in TABLES:
        pd.testing.assert_frame_equal(first[table], second[table], obj=table)


def test_a_pool_of_two_processes_gives_the_tables_of_one_process(
    small_raw: Path, tmp_path: Path
) -> None:
    results, logged = {}, []
    for workers in (1, 2):
        settings = load_settings(
            raw_dir=small_raw,
            out_dir=tmp_path / f"out-{workers}",
            catalog_path=CATALOG,
            incremental=False,
            workers=workers,
        )
        results[workers] = build_dataset(settings, log=logged.append)
    assert results[2].report["documents"]["read"] == 2
    assert results[2].report["mentions"]["total"] > 0
    assert any(line.startswith("documents: 2 documents in 2 batches, 2 workers") for line in logged)
    assert_same_tables(tmp_path / "out-1", tmp_path / "out-2")


class _Finaliser:
    """Writes a file when freed: at the interpreter's teardown, if the process has one."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __del__(self) -> None:
        self.path.write_text("torn down")


_KEPT: list[_Finaliser] = []


def _keep_a_finaliser(batch: pd.DataFrame, folder: Path) -> int:
    _KEPT.append(_Finaliser(folder / f"{os.getpid()}.txt"))
    return len(batch)


def test_pool_processes_end_without_the_interpreters_teardown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver waits for its pool's processes to end; their teardown took 0.4-0.8 s."""
    monkeypatch.setattr(fanout, "remember_catalog", lambda context, catalog: None)
    stage = SimpleNamespace(function=_keep_a_finaliser)
    fan_out = fanout.local_fan_out(2)
    done = fan_out(stage, [_documents(1), _documents(2)], tmp_path, None, lambda n: None)
    assert done == [1, 2]
    assert list(tmp_path.iterdir()) == []


def _slow_pid(batch: pd.DataFrame, context: object) -> tuple[int, int]:
    time.sleep(0.3)
    return len(batch), os.getpid()


def test_the_driver_works_beside_its_pool_and_results_keep_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With two workers the driver (which has the catalog loaded) takes batches in turn with
    one pool process, the next whenever it is free."""
    monkeypatch.setattr(fanout, "remember_catalog", lambda context, catalog: None)
    done: list[int] = []
    stage = SimpleNamespace(function=_slow_pid)
    work = [_documents(n) for n in range(1, 9)]
    results = fanout.local_fan_out(2)(stage, work, None, None, done.append)
    assert [size for size, _ in results] == list(range(1, 9))
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == 2
    assert sorted(done) == list(range(1, 9))


def _slow_in_the_pool(batch: pd.DataFrame, driver: int) -> tuple[int, int]:
    time.sleep(0.02 if os.getpid() == driver else 0.5)
    return len(batch), os.getpid()


def test_the_pool_is_handed_one_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch handed to the pool ahead of its turn could not be taken back: a slow pool
    process runs one batch while the driver does all the others."""
    monkeypatch.setattr(fanout, "remember_catalog", lambda context, catalog: None)
    stage = SimpleNamespace(function=_slow_in_the_pool)
    work = [_documents(n) for n in range(1, 9)]
    results = fanout.local_fan_out(2)(stage, work, os.getpid(), None, lambda n: None)
    assert [size for size, _ in results] == list(range(1, 9))
    assert [pid != os.getpid() for _, pid in results] == [True] + [False] * 7


def test_a_linking_process_multiplies_with_one_blas_thread(tmp_path: Path) -> None:
    """Its matrices are small: BLAS threads cost more than they save there."""
    threadpool_limits(limits=2, user_api="blas")
    fanout.worker_matcher(_context(tmp_path, load_catalog(CATALOG).sha256))
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and set(blas) == {1}
