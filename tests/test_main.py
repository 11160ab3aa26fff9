"""The program's entry: the command's exit status, exit handlers and output kept, the
interpreter's teardown skipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import run_command

# A stand-in for the command: it registers an exit handler (as a library would), leaves
# output in the pipe's buffer and an object whose finaliser would print at teardown.
PROGRAM = """
import atexit, sys
import pipeline.cli

class Finalised:
    def __del__(self):
        print("torn down", flush=True)

def main():
    atexit.register(lambda: print("library exit handler ran", flush=True))
    sys.modules["__main__"].kept = Finalised()
    print("summary", end="")
    return int(sys.argv[1])

pipeline.cli.main = main
from pipeline.__main__ import program
program()
"""


def _program(status: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, str(status)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_program_exits_with_the_commands_status_after_the_exit_handlers() -> None:
    for status in (0, 1, 3):
        done = _program(status)
        assert done.returncode == status, done.stderr
        assert done.stdout.startswith("summary")  # buffered output is delivered
        assert "library exit handler ran" in done.stdout


def test_the_program_skips_the_interpreters_teardown() -> None:
    done = _program(0)
    assert "torn down" not in done.stdout


def test_a_command_that_raises_exits_as_python_does() -> None:
    program = PROGRAM.replace('print("summary", end="")', 'raise RuntimeError("broken")')
    done = subprocess.run(
        [sys.executable, "-c", program, "0"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "RuntimeError: broken" in done.stderr
    assert "library exit handler ran" in done.stdout


def test_the_module_runs_the_command_line(small_raw: Path, tmp_path: Path) -> None:
    done = run_command(
        *("run", "--engine", "local"),
        *("--raw", str(small_raw), "--out", str(tmp_path / "out")),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.rstrip().endswith("report.html")  # the summary's last line arrived
    assert (tmp_path / "out" / "mentions.parquet").is_file()
