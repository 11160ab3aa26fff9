"""One run at a time per output folder.

The lock is an OS-level file lock (``flock`` via filelock): the kernel releases it when its
process ends, however it ends, so a run that was killed never blocks the next one. A small
JSON file beside it records who holds it, only to make the waiting run's message useful.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = ".pipeline.lock"
OWNER_NAME = ".pipeline.lock.owner.json"


class RunLockedError(RuntimeError):
    """Another run holds the output folder."""


def _holder(out_dir: Path) -> str:
    try:
        owner = json.loads((out_dir / OWNER_NAME).read_text("utf-8"))
        return f"process {owner['pid']} on {owner['host']}, started {owner['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def run_lock(out_dir: Path, wait_seconds: float) -> Iterator[None]:
    """Hold the output folder's lock for the duration of a run, waiting up to
    ``wait_seconds`` for a run already in progress to finish."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(out_dir / LOCK_NAME)
    try:
        lock.acquire(timeout=max(wait_seconds, 0.0), poll_interval=0.2)
    except Timeout:
        raise RunLockedError(
            f"another run is writing to {out_dir} ({_holder(out_dir)}); gave up after "
            f"{wait_seconds:g} s. Wait longer with --wait SECONDS or "
            "PAPER_MENTIONS_LOCK_WAIT_SECONDS."
        ) from None
    try:
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        (out_dir / OWNER_NAME).write_text(json.dumps(owner), "utf-8")
        yield
    finally:
        lock.release()
