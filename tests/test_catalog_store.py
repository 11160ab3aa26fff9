"""Catalog structures stored once per catalog and loaded by every later process."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from filelock import Timeout

from pipeline import catalog as catalog_module
from pipeline import catalog_store
from pipeline.catalog import load_catalog
from pipeline.catalog_store import (
    cached_arrays,
    cached_frame,
    memory_map,
    prune,
    prune_folders,
    read_arrays,
    read_frame,
    store_file,
    store_folder,
    write_arrays,
    write_frame,
)
from pipeline.link.matcher import catalog_derived, derive_columns
from tests.conftest import CATALOG


def test_a_stored_frame_comes_back_with_its_metadata(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    write_frame(tmp_path, "kind", "key", frame, {"errors": ["one"]})
    stored, metadata = read_frame(tmp_path, "kind", "key")
    pd.testing.assert_frame_equal(stored, frame)
    assert metadata == {"errors": ["one"]}
    assert read_frame(tmp_path, "kind", "other") is None
    assert read_frame(None, "kind", "key") is None


def test_a_damaged_file_is_rebuilt(tmp_path: Path) -> None:
    store_file(tmp_path, "kind", "key").write_bytes(b"not arrow")
    built = []

    def build() -> tuple[pd.DataFrame, dict]:
        built.append(1)
        return pd.DataFrame({"a": [1]}), {}

    frame, _ = cached_frame(tmp_path, "kind", "key", build)
    assert built == [1] and list(frame["a"]) == [1]
    cached_frame(tmp_path, "kind", "key", build)
    assert built == [1]  # the rebuilt file is read the second time


def test_only_the_newest_files_of_a_kind_are_kept(tmp_path: Path) -> None:
    for number in range(5):
        path = store_file(tmp_path, "kind", f"key{number}")
        path.write_bytes(b"x")
        os.utime(path, (1_000 + number, 1_000 + number))
    (tmp_path / "other-key.arrow").write_bytes(b"x")
    prune(tmp_path, "kind", keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "kind-key2.arrow",
        "kind-key3.arrow",
        "kind-key4.arrow",
        "other-key.arrow",
    ]


def test_an_unwritable_folder_is_a_warning(tmp_path: Path, caplog) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    write_frame(blocked, "kind", "key", pd.DataFrame({"a": [1]}), {})
    assert "not cached" in caplog.text


def test_the_validated_catalog_is_stored_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_catalog(CATALOG, tmp_path)

    def no_validation(*args: object) -> None:
        raise AssertionError("validated again")

    monkeypatch.setattr(catalog_module, "_validated", no_validation)
    again = load_catalog(CATALOG, tmp_path)
    pd.testing.assert_frame_equal(again.papers, first.papers)
    assert (again.sha256, again.errors, again.rejected_rows) == (
        first.sha256,
        first.errors,
        first.rejected_rows,
    )


def test_an_edited_catalog_is_validated_again(tmp_path: Path) -> None:
    folder = tmp_path / "catalog"
    folder.mkdir()
    rows = (CATALOG / "papers.csv").read_text("utf-8").splitlines()
    (folder / "papers.csv").write_text("\n".join(rows[:4]) + "\n", "utf-8")
    assert len(load_catalog(folder, tmp_path / "store")) == 3
    (folder / "papers.csv").write_text("\n".join(rows[:6]) + "\n", "utf-8")
    assert len(load_catalog(folder, tmp_path / "store")) == 5


def test_derived_columns_are_stored_per_catalog(tmp_path: Path) -> None:
    catalog = load_catalog(CATALOG)
    derived = catalog_derived(catalog, tmp_path)
    pd.testing.assert_frame_equal(derived, derive_columns(catalog.papers))
    assert len(list(tmp_path.glob("derived-*.arrow"))) == 1
    pd.testing.assert_frame_equal(catalog_derived(catalog, tmp_path), derived)


def test_stored_arrays_come_back_memory_mapped(tmp_path: Path) -> None:
    built = []

    def build() -> dict[str, np.ndarray]:
        built.append(1)
        return {"postings": np.arange(5, dtype=np.int32), "weights": np.ones(3)}

    first = cached_arrays(tmp_path, "kind", "key", build)
    again = cached_arrays(tmp_path, "kind", "key", build)
    assert built == [1]
    assert memory_map(again["postings"]) is not None and not again["postings"].flags.writeable
    np.testing.assert_array_equal(first["postings"], np.arange(5))
    assert read_arrays(tmp_path, "kind", "other") is None
    assert read_arrays(None, "kind", "key") is None


def test_damaged_arrays_are_rebuilt_and_old_folders_pruned(tmp_path: Path) -> None:
    write_arrays(tmp_path, "kind", "key", {"a": np.zeros(2)})
    (store_folder(tmp_path, "kind", "key") / "a.npy").write_bytes(b"not numpy")
    assert read_arrays(tmp_path, "kind", "key") is None
    os.utime(store_folder(tmp_path, "kind", "key") / "manifest.json", (1_000, 1_000))
    for number in range(5):
        write_arrays(tmp_path, "kind", f"key{number}", {"a": np.zeros(1)})
        manifest = store_folder(tmp_path, "kind", f"key{number}") / "manifest.json"
        os.utime(manifest, (2_000 + number, 2_000 + number))
    prune_folders(tmp_path, "kind", keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"kind-key{n}.arrays" for n in (2, 3, 4)]


def test_object_arrays_are_never_stored(tmp_path: Path, caplog) -> None:
    write_arrays(tmp_path, "kind", "key", {"a": np.array(["x", None], dtype=object)})
    assert "not cached" in caplog.text
    assert read_arrays(tmp_path, "kind", "key") is None
    assert list(tmp_path.iterdir()) == []


def _build_slowly(cache_dir: Path, builds: Path) -> list[int]:
    """cached_arrays in another process, with a build that takes a while and leaves a mark."""

    def build() -> dict[str, np.ndarray]:
        (builds / f"{os.getpid()}").touch()
        time.sleep(1.0)
        return {"postings": np.arange(7)}

    return cached_arrays(cache_dir, "kind", "key", build)["postings"].tolist()


def test_processes_starting_together_build_a_structure_once(tmp_path: Path) -> None:
    builds = tmp_path / "builds"
    builds.mkdir()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        results = list(pool.map(_build_slowly, [tmp_path / "cache"] * 2, [builds] * 2))
    assert results == [list(range(7))] * 2
    assert len(list(builds.iterdir())) == 1


def test_a_pruned_structure_takes_its_lock_file_along(tmp_path: Path) -> None:
    for key in ("a", "b", "c", "d"):
        cached_arrays(tmp_path, "kind", key, lambda: {"x": np.arange(3)})
        time.sleep(0.01)  # distinct modification times
    locks = sorted(p.name for p in (tmp_path / ".locks").iterdir())
    folders = sorted(p.name for p in tmp_path.glob("kind-*.arrays"))
    assert len(folders) == 3
    assert locks == [f.removesuffix(".arrays") + ".lock" for f in folders]


def test_a_lock_that_cannot_be_taken_only_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A builder that hangs (the wait runs out) must not stop the run: this process builds."""

    def time_out(self: object, *args: object, **kwargs: object) -> None:
        raise Timeout("held elsewhere")

    monkeypatch.setattr(catalog_store.FileLock, "acquire", time_out)
    arrays = cached_arrays(tmp_path, "kind", "key", lambda: {"x": np.arange(4)})
    assert arrays["x"].tolist() == [0, 1, 2, 3]
    assert "without waiting for another process" in caplog.text


def _resident_kb(path: Path) -> int:
    """Resident KB of this process's maps of ``path`` (Linux: /proc/self/smaps)."""
    resident, current = 0, ""
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:
            current = fields[5] if len(fields) > 5 else ""
        elif fields[0] == "Rss:" and current == str(path):
            resident += int(fields[1])
    return resident


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs Linux's /proc")
def test_pages_read_while_building_are_given_back_and_read_again(tmp_path: Path) -> None:
    """After a process built structures, the pages of the stored files it read leave its
    RSS; the data is read again from the file, unchanged."""
    values = np.arange(2_000_000, dtype=np.int64)
    frame = pd.DataFrame({"text": pd.array([f"t{i}" for i in range(200_000)], dtype="str")})
    arrays = cached_arrays(tmp_path, "numbers", "k", lambda: {"values": values})
    stored, _ = cached_frame(tmp_path, "texts", "k", lambda: (frame, {}))
    assert int(arrays["values"].sum()) == int(values.sum())  # every page read
    assert stored["text"].str.len().sum() > 0
    array_file = store_folder(tmp_path, "numbers", "k") / "values.npy"
    frame_file = store_file(tmp_path, "texts", "k")
    assert _resident_kb(array_file) > 10_000 and _resident_kb(frame_file) > 1_000
    catalog_store.release_pages_after_builds()
    assert _resident_kb(array_file) < 1_000 and _resident_kb(frame_file) < 1_000
    np.testing.assert_array_equal(arrays["values"], values)
    pd.testing.assert_frame_equal(stored, frame)
    int(arrays["values"].sum())
    catalog_store.release_pages_after_builds()  # nothing built since: the pages stay
    assert _resident_kb(array_file) > 10_000
