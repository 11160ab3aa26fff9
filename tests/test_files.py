"""Atomic file writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.files import write_atomically


def test_a_write_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "data.json"
    write_atomically(path, lambda sink: sink.write(b"first"))
    write_atomically(path, lambda sink: sink.write(b"second"))
    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["data.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_bytes(b"old")

    def half_then_fail(sink) -> None:
        sink.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(path, half_then_fail)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.json"]
