"""One run at a time per output folder; a killed run's lock does not block."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.build import build_dataset
from pipeline.cli import EXIT_LOCKED, main
from pipeline.config import load_settings
from pipeline.lock import RunLockedError, run_lock
from tests.conftest import CATALOG, PROJECT_ROOT


def _hold_lock(out: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the folder's lock for ``seconds``; returns once it holds it."""
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from pipeline.lock import run_lock
        with run_lock(Path({str(out)!r}), 0):
            print("held", flush=True)
            time.sleep({seconds})
            print("releasing", flush=True)
    """)
    holder = subprocess.Popen(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_run_gives_up_with_a_clear_message(tmp_path: Path) -> None:
    holder = _hold_lock(tmp_path, 60)
    try:
        with pytest.raises(RunLockedError) as error, run_lock(tmp_path, 0.3):
            pass
        assert f"another run is writing to {tmp_path}" in str(error.value)
        assert f"process {holder.pid}" in str(error.value)
        assert "--wait" in str(error.value)
    finally:
        holder.kill()
        holder.wait()


def test_a_second_run_waits_for_the_first(tmp_path: Path) -> None:
    holder = _hold_lock(tmp_path, 1)
    try:
        with run_lock(tmp_path, 60):
            assert holder.stdout.readline().strip() == "releasing"
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_of_a_killed_run_does_not_block(tmp_path: Path) -> None:
    holder = _hold_lock(tmp_path, 60)
    holder.kill()
    holder.wait()
    with run_lock(tmp_path, 0):
        pass


def test_build_and_cli_refuse_a_held_folder(
    small_raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    holder = _hold_lock(out, 60)
    try:
        settings = load_settings(
            environ={},
            raw_dir=small_raw,
            out_dir=out,
            catalog_path=CATALOG,
            cache_dir=tmp_path / "cache",
        )
        with pytest.raises(RunLockedError):
            build_dataset(settings)
        code = main(
            [
                "run",
                "--engine",
                "local",
                "--raw",
                str(small_raw),
                "--out",
                str(out),
                "--catalog",
                str(CATALOG),
                "--wait",
                "0.2",
            ]
        )
        assert code == EXIT_LOCKED
        assert "another run is writing" in capsys.readouterr().err
        assert not (out / "papers.parquet").exists()
    finally:
        holder.kill()
        holder.wait()
