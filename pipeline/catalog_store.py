"""Structures derived from a catalog, built once per catalog sha256 and loaded by any process.

Validating a 311k-row catalog and stemming its titles take tens of seconds; reading the result
back from an Arrow IPC file takes a tenth of a second. Every process of a run (the driver, a
process-pool worker, a Dask worker on another machine sharing the folder) loads the same files
instead of rebuilding them. Frames are Arrow tables; index structures are numpy arrays, stored
as ``.npy`` files in one folder per structure and opened memory-mapped, so the processes of a
machine share their pages instead of each holding its own copy. Nothing is pickled. Files are
written under a temporary name and renamed, named by what they were built from; the newest
few of each kind are kept and the rest pruned, so a changing catalog does not fill the disk.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import mmap
import os
import shutil
import sys
import tempfile
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
from filelock import FileLock, Timeout

from pipeline.files import write_atomically

LOG = logging.getLogger(__name__)
# Bump when what a file holds changes in a way its key does not show.
STORE_FORMAT = 2
# Files of one kind kept (the most recently used); older ones are removed.
KEEP_PER_KIND = 3
METADATA_KEY = b"paper_mentions"

# Where this process keeps the tables it derives from its libraries' data (word lists,
# language profiles): the folder of its matcher's catalog structures. None: none are stored.
_process_tables_folder: Path | None = None


def release_built_memory() -> None:
    """Give back what building a structure freed: Arrow's allocator keeps freed buffers for
    reuse, and pandas holds its strings in Arrow, so a process that has just validated a
    2.5M-row catalog held 1.7 GB of which 0.3 GB was in use."""
    pa.default_memory_pool().release_unused()


# The file maps this process reads stored structures through, and whether it has built (and
# written) one since their pages were last given back (``release_pages_after_builds``).
_maps: weakref.WeakSet[mmap.mmap] = weakref.WeakSet()
_built = False


def _mapped(path: Path) -> mmap.mmap:
    """``path`` mapped read-only, remembered so that its resident pages can be given back."""
    with open(path, "rb") as file:
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    _maps.add(mapped)
    return mapped


def release_pages_after_builds() -> None:
    """After this process built structures: give back the pages of the stored files that
    building read (the catalog's columns, the derived stems; 0.27 GB at 2.5M titles) and
    the heap it freed. The data stays in the files and the kernel's page cache: what
    linking reads is mapped in again, as in a run that found everything stored."""
    global _built
    if not _built:
        return
    _built = False
    if hasattr(mmap, "MADV_DONTNEED"):
        for mapped in list(_maps):
            with contextlib.suppress(ValueError, OSError):  # closed meanwhile
                mapped.madvise(mmap.MADV_DONTNEED)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc
            ctypes.CDLL(None).malloc_trim(0)


def store_process_tables_in(cache_dir: Path | None) -> None:
    """Set by each matcher to its structures folder; the tables answer as the libraries they
    are read from do, so where they live never changes an answer."""
    global _process_tables_folder
    _process_tables_folder = cache_dir


def process_tables_folder() -> Path | None:
    return _process_tables_folder


def store_key(*parts: str) -> str:
    """A short, stable key for the inputs a structure is built from."""
    digest = hashlib.sha256("\x1f".join((str(STORE_FORMAT), *parts)).encode())
    return digest.hexdigest()[:32]


def files_sha256(files: list[Path]) -> str:
    """One digest of the files' names and bytes, in the order given."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode())
        with file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def store_file(cache_dir: Path, kind: str, key: str) -> Path:
    return cache_dir / f"{kind}-{key}.arrow"


def read_frame(cache_dir: Path | None, kind: str, key: str) -> tuple[pd.DataFrame, dict] | None:
    """The stored frame and its metadata, or None when absent or unreadable (then it is
    rebuilt: a damaged cache file never stops a run)."""
    if cache_dir is None:
        return None
    path = store_file(cache_dir, kind, key)
    try:
        table = feather.read_table(pa.BufferReader(pa.py_buffer(_mapped(path))))
        metadata = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"{}"))
        frame = table.to_pandas()
    except (OSError, ValueError, pa.ArrowException):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept by pruning
    return frame, metadata


def write_frame(
    cache_dir: Path | None, kind: str, key: str, frame: pd.DataFrame, metadata: dict
) -> None:
    """Store ``frame`` for later runs; a folder that cannot be written is only a warning."""
    if cache_dir is None:
        return
    path = store_file(cache_dir, kind, key)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        kept = dict(table.schema.metadata or {})  # pandas' own: dtypes such as Int64 survive
        kept[METADATA_KEY] = json.dumps(metadata).encode()
        table = table.replace_schema_metadata(kept)
        write_atomically(
            path, lambda sink: feather.write_feather(table, sink, compression="uncompressed")
        )
        _note_built()
        prune(cache_dir, kind)
    except OSError as exc:
        LOG.warning("catalog structures not cached in %s: %s", cache_dir, exc)


# How long a process waits for another one building the same structure before it builds it
# too: a builder that died released its lock at once; one that hangs must not stop the run.
BUILD_WAIT_SECONDS = 1800.0
LOCKS = ".locks"


def _note_built() -> None:
    global _built
    _built = True


def _lock_file(cache_dir: Path, kind: str, key: str) -> Path:
    return cache_dir / LOCKS / f"{kind}-{key}.lock"


@contextlib.contextmanager
def building(cache_dir: Path | None, kind: str, key: str) -> Iterator[None]:
    """One process at a time builds a structure; the others wait for it and read what it
    stored (two workers that started on a cold cache each built every structure of a
    2.5M-title catalog, at 3 GB apiece). An OS file lock: released when its holder ends,
    however it ends. Without a folder (or a lock that cannot be taken) nothing waits."""
    lock = None if cache_dir is None else FileLock(_lock_file(cache_dir, kind, key))
    if lock is not None and cache_dir is not None:
        try:
            (cache_dir / LOCKS).mkdir(parents=True, exist_ok=True)
            lock.acquire(timeout=BUILD_WAIT_SECONDS)
        except (OSError, Timeout) as exc:
            LOG.warning("building %s without waiting for another process: %s", kind, exc)
            lock = None
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


def cached_frame(
    cache_dir: Path | None, kind: str, key: str, build: Callable[[], tuple[pd.DataFrame, dict]]
) -> tuple[pd.DataFrame, dict]:
    """The stored frame for ``key``, else ``build()``'s, stored for the next process."""
    stored = read_frame(cache_dir, kind, key)
    if stored is not None:
        return stored
    with building(cache_dir, kind, key):
        stored = read_frame(cache_dir, kind, key)  # built while this process waited
        if stored is not None:
            return stored
        frame, metadata = build()
        write_frame(cache_dir, kind, key, frame, metadata)
    stored = read_frame(cache_dir, kind, key)  # mapped, as every later process reads it
    if stored is not None:
        frame, metadata = stored  # the built copy goes
    release_built_memory()
    return frame, metadata


def prune(cache_dir: Path, kind: str, keep: int = KEEP_PER_KIND, suffix: str = ".arrow") -> None:
    """Remove all but the ``keep`` most recently used files of ``kind``."""
    files = sorted(
        cache_dir.glob(f"{kind}-*{suffix}"), key=lambda p: (p.stat().st_mtime, p.name), reverse=True
    )
    for old in files[keep:]:
        old.unlink(missing_ok=True)
        _lock_file(cache_dir, kind, old.name[len(kind) + 1 : -len(suffix)]).unlink(missing_ok=True)


ARRAYS_MANIFEST = "manifest.json"


def store_folder(cache_dir: Path, kind: str, key: str) -> Path:
    return cache_dir / f"{kind}-{key}.arrays"


def memory_map(array: object) -> np.memmap | None:
    """The file map ``array`` reads (stored arrays are plain views of one), if any."""
    while isinstance(array, np.ndarray):
        if isinstance(array, np.memmap):
            return array
        array = array.base
    return None


def read_arrays(cache_dir: Path | None, kind: str, key: str) -> dict[str, np.ndarray] | None:
    """The stored arrays of ``key``, memory-mapped read-only, or None when absent or damaged
    (then they are rebuilt)."""
    if cache_dir is None:
        return None
    folder = store_folder(cache_dir, kind, key)
    try:
        names = json.loads((folder / ARRAYS_MANIFEST).read_text(encoding="utf-8"))["arrays"]
        arrays = {name: _mapped_array(folder / f"{name}.npy") for name in names}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    with contextlib.suppress(OSError):
        os.utime(folder / ARRAYS_MANIFEST)  # recently used: kept by pruning
    return arrays


def _mapped_array(path: Path) -> np.ndarray:
    """A stored array, memory-mapped read-only, as a plain view of its map (indexing a
    np.memmap makes a memmap object each time, which the matcher's lookups, hundreds of
    thousands per run, pay for)."""
    array = np.load(path, mmap_mode="r")
    mapped = getattr(array, "_mmap", None)  # numpy's map of the file (none when empty)
    if isinstance(mapped, mmap.mmap):
        _maps.add(mapped)
    return np.asarray(array)


def write_arrays(
    cache_dir: Path | None, kind: str, key: str, arrays: Mapping[str, np.ndarray]
) -> None:
    """Store ``arrays`` (numeric or fixed-width, never objects: no pickle) as one folder,
    written beside its final name and renamed into place, so a reader sees all or nothing;
    a folder that cannot be written is only a warning."""
    if cache_dir is None:
        return
    folder = store_folder(cache_dir, kind, key)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache_dir, prefix=f".{folder.name}."))
        try:
            for name, array in arrays.items():
                np.save(tmp / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
            _note_built()
            manifest = {"arrays": sorted(arrays), "format": STORE_FORMAT}
            (tmp / ARRAYS_MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
            try:
                tmp.rename(folder)
            except OSError:  # stored by another process first (kept), or damaged (replaced)
                if read_arrays(cache_dir, kind, key) is None:
                    shutil.rmtree(folder, ignore_errors=True)
                    with contextlib.suppress(OSError):
                        tmp.rename(folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        prune_folders(cache_dir, kind)
    except (OSError, ValueError) as exc:
        LOG.warning("catalog structures not cached in %s: %s", cache_dir, exc)


def cached_arrays(
    cache_dir: Path | None,
    kind: str,
    key: str,
    build: Callable[[], Mapping[str, np.ndarray]],
    fits: Callable[[Mapping[str, np.ndarray]], bool] = lambda arrays: True,
) -> Mapping[str, np.ndarray]:
    """The stored arrays for ``key`` (memory-mapped), else ``build()``'s, stored for the next
    process and read back mapped, so that the builder holds no more than a reader. A stored
    folder that cannot be read or does not ``fit`` (damaged) is replaced."""
    stored = read_arrays(cache_dir, kind, key)
    if stored is not None and fits(stored):
        return stored
    with building(cache_dir, kind, key):
        stored = read_arrays(cache_dir, kind, key)  # built while this process waited
        if stored is not None and fits(stored):
            return stored
        if cache_dir is not None and store_folder(cache_dir, kind, key).exists():
            shutil.rmtree(store_folder(cache_dir, kind, key), ignore_errors=True)
        built = build()
        write_arrays(cache_dir, kind, key, built)
    stored = read_arrays(cache_dir, kind, key)  # mapped, as every later process reads it
    if stored is not None:
        built = stored  # the built copy goes
    release_built_memory()
    return built


def prune_folders(cache_dir: Path, kind: str, keep: int = KEEP_PER_KIND) -> None:
    """Remove all but the ``keep`` most recently used array folders of ``kind``."""

    def used(folder: Path) -> float:
        try:
            return (folder / ARRAYS_MANIFEST).stat().st_mtime
        except OSError:
            return 0.0

    folders = sorted(
        cache_dir.glob(f"{kind}-*.arrays"), key=lambda p: (used(p), p.name), reverse=True
    )
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)
        _lock_file(cache_dir, kind, old.name[len(kind) + 1 : -len(".arrays")]).unlink(
            missing_ok=True
        )
