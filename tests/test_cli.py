from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from tests.conftest import CATALOG


def test_help_explains_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for flag in ("--raw", "--out", "--catalog", "--engine", "PAPER_MENTIONS_RAW_DIR"):
        assert flag in help_text


def test_local_run_prints_a_summary(
    small_raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            "--engine",
            "local",
            "--raw",
            str(small_raw),
            "--out",
            str(tmp_path / "out"),
            "--catalog",
            str(CATALOG),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "documents: 2 read, 0 rejected" in printed
    assert "mentions by language" in printed and "report:" in printed


def test_missing_raw_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            "--engine",
            "local",
            "--raw",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path / "out"),
            "--catalog",
            str(CATALOG),
        ]
    )
    assert code == 2
    assert "raw folder not found" in capsys.readouterr().err


def test_nothing_published_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "raw").mkdir()
    code = main(
        [
            "run",
            "--engine",
            "local",
            "--raw",
            str(tmp_path / "raw"),
            "--out",
            str(tmp_path / "out"),
            "--catalog",
            str(CATALOG),
        ]
    )
    assert code == 1
    assert "NOTHING PUBLISHED" in capsys.readouterr().out
