from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import write
from pipeline.errors import OutputFolderError
from pipeline.validate import screen_tables
from pipeline.write import (
    RUNS,
    SCHEMA_FILE,
    STAGING_PREFIX,
    TABLES,
    check_output_folder,
    current_run,
    publish,
    published_runs,
    read_published,
)
from schemas import SCHEMA_VERSION, TABLE_SCHEMAS, arrow_schema
from tests.test_validate import TEXTS
from tests.test_validate import _tables as _valid_tables

METADATA = {
    "schema_version": SCHEMA_VERSION,
    "run_id": "r1",
    "pipeline_version": "0",
    "catalog_sha256": "x",
    "created_at": "2026-01-01T00:00:00Z",
}


def _tables(n_mentions: int = 4) -> dict[str, pd.DataFrame]:
    """Valid tables of one run (the first ``n_mentions`` mentions kept), with quarantine."""
    tables = _valid_tables()
    tables["mentions"].loc[n_mentions:, "score"] = 140.0  # the rest is quarantined
    return screen_tables(*tables.values(), TEXTS, run_id="r1").tables()


REPORTS = {"report.json": "{}", "report.md": "# r", "report.html": "<html></html>"}


def test_publish_switches_all_tables_through_one_link(tmp_path: Path) -> None:
    publish(tmp_path, "r1", _tables(4), REPORTS, METADATA, keep_runs=5)
    publish(tmp_path, "r2", _tables(3), REPORTS, {**METADATA, "run_id": "r2"}, keep_runs=5)
    assert current_run(tmp_path) == "r2"
    for name in TABLES:
        path = tmp_path / f"{name}.parquet"
        assert path.is_symlink() and os.readlink(path) == f"current/{name}.parquet"
        assert pq.read_schema(path).metadata[b"run_id"] == b"r2"
    assert len(pd.read_parquet(tmp_path / "mentions.parquet")) == 3
    assert len(pd.read_parquet(tmp_path / "quarantine.parquet")) == 1
    assert published_runs(tmp_path) == ["r1", "r2"]


def test_tables_are_written_with_the_schema_of_their_table(tmp_path: Path) -> None:
    """Same Arrow types in every run, even for a column that is all null or a table that is
    empty; keys non-nullable; one string type."""
    folder = publish(tmp_path, "r1", _tables(4), REPORTS, METADATA, keep_runs=5)
    for name, schema in TABLE_SCHEMAS.items():
        written = pq.read_schema(folder / f"{name}.parquet")
        expected = arrow_schema(schema)
        assert written.names == expected.names
        for field in expected:
            got = written.field(field.name)
            assert got.nullable == field.nullable, (name, field.name)
            if pa.types.is_list(field.type):
                assert pa.types.is_list(got.type) and got.type.value_type == pa.string()
            else:
                assert got.type == field.type, (name, field.name, got.type)
    documents = pq.read_schema(folder / "documents.parquet")
    assert documents.field("error").type == pa.string()  # all null in this run
    assert documents.field("duplicate_of").type == pa.string()
    assert not documents.field("source_file").nullable
    assert pq.read_table(folder / "quarantine.parquet").num_rows == 0
    fields = [f for n in TABLES for f in pq.read_schema(folder / f"{n}.parquet")]
    assert not any(pa.types.is_large_string(f.type) for f in fields)


def test_the_machine_readable_schema_is_published_beside_the_data(tmp_path: Path) -> None:
    folder = publish(tmp_path, "r1", _tables(), REPORTS, METADATA, keep_runs=5)
    schema = json.loads((folder / SCHEMA_FILE).read_text("utf-8"))
    assert os.readlink(tmp_path / SCHEMA_FILE) == f"current/{SCHEMA_FILE}"
    assert schema["schema_version"] == SCHEMA_VERSION
    assert set(schema["tables"]) == set(TABLES)
    columns = {c["name"]: c for c in schema["tables"]["mentions"]["columns"]}
    assert columns["candidates"]["type"] == "list<string>"
    assert columns["mention_id"] == {**columns["mention_id"], "nullable": False, "unique": True}


def test_old_runs_are_pruned_but_never_the_current(tmp_path: Path) -> None:
    for i in range(5):
        publish(tmp_path, f"r{i}", _tables(), REPORTS, METADATA, keep_runs=2)
    assert published_runs(tmp_path) == ["r3", "r4"]
    assert current_run(tmp_path) == "r4"


def test_leftovers_of_an_interrupted_run_are_removed(tmp_path: Path) -> None:
    (tmp_path / "runs" / ".staging-dead").mkdir(parents=True)
    publish(tmp_path, "r1", _tables(), REPORTS, METADATA, keep_runs=5)
    assert not (tmp_path / "runs" / ".staging-dead").exists()


def test_read_published_reports_an_unreadable_dataset(tmp_path: Path) -> None:
    assert read_published(tmp_path) == ({}, None, None)
    publish(tmp_path, "r1", _tables(), REPORTS, METADATA, keep_runs=5)
    tables, _, error = read_published(tmp_path)
    assert error is None and set(tables) == {"documents", "mentions", "papers"}
    (tmp_path / "runs" / "r1" / "papers.parquet").write_bytes(b"garbage")
    tables, _, error = read_published(tmp_path)
    assert tables == {} and "unreadable" in error


def test_a_crash_while_linking_never_shows_part_of_a_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever link the crash interrupts, the folder shows all the tables or none, and the
    unpublished run folder is removed."""
    real_replace = os.replace
    for step in [*(f"{t}.parquet" for t in TABLES), "current"]:
        out = tmp_path / step

        def crash_at(src, dst, step=step):
            if Path(dst).name == step:
                raise OSError("simulated crash")
            real_replace(src, dst)

        monkeypatch.setattr(write.os, "replace", crash_at)
        with pytest.raises(OutputFolderError, match="simulated crash"):
            publish(out, "r1", _tables(), REPORTS, METADATA, keep_runs=5)
        monkeypatch.setattr(write.os, "replace", real_replace)
        readable = [t for t in TABLES if _readable(out, t)]
        assert readable == [], f"crash at {step} left {readable} visible"
        assert published_runs(out) == []


def _readable(out: Path, table: str) -> bool:
    try:
        pd.read_parquet(out / f"{table}.parquet")
    except (OSError, ValueError):
        return False
    return True


def test_a_full_disk_keeps_the_previous_dataset_and_removes_the_staging_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(tmp_path, "r1", _tables(), REPORTS, METADATA, keep_runs=5)
    real_write_table = pq.write_table

    def disk_full(table, where, **kwargs):
        if "mentions" in str(where):
            Path(where).write_bytes(b"PAR1 half a file")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(where))
        real_write_table(table, where, **kwargs)

    monkeypatch.setattr(write.pq, "write_table", disk_full)
    with pytest.raises(OutputFolderError) as error:
        publish(tmp_path, "r2", _tables(3), REPORTS, {**METADATA, "run_id": "r2"}, keep_runs=5)
    assert error.value.exit_code == 1
    assert "No space left on device" in str(error.value) and "\n" not in str(error.value)
    assert current_run(tmp_path) == "r1" and published_runs(tmp_path) == ["r1"]
    assert not list((tmp_path / RUNS).glob(f"{STAGING_PREFIX}*"))
    assert len(pd.read_parquet(tmp_path / "mentions.parquet")) == 4


def test_an_output_path_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder")
    with pytest.raises(OutputFolderError, match="not a folder") as error:
        check_output_folder(out)
    assert error.value.exit_code == 2
    with pytest.raises(OutputFolderError) as error:
        check_output_folder(out / "below")
    assert error.value.exit_code == 2


def test_an_output_folder_that_cannot_be_written_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _read_only(out, monkeypatch)
    try:
        with pytest.raises(OutputFolderError, match="cannot be written") as error:
            check_output_folder(out)
    finally:
        out.chmod(0o755)
    assert error.value.exit_code == 2
    assert list(out.iterdir()) == []


def _read_only(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out.mkdir()
    if os.geteuid() == 0:  # root writes through permissions: make the probe meet a read-only FS

        def read_only(*args, **kwargs):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(out))

        monkeypatch.setattr(write.tempfile, "TemporaryFile", read_only)
    else:
        out.chmod(0o555)


def _disk_full(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(table, where, **kwargs):
        Path(where).write_bytes(b"PAR1")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(where))

    monkeypatch.setattr(write.pq, "write_table", no_space)


@pytest.mark.parametrize(
    ("spoil", "exit_code", "message"),
    [
        (lambda out, mp: out.write_text("a file"), 2, "is not a folder"),
        (_read_only, 2, "cannot be written"),
        (_disk_full, 1, "No space left on device"),
    ],
    ids=["output-path-is-a-file", "read-only-output-folder", "full-output-filesystem"],
)
def test_an_unwritable_output_ends_the_run_in_one_line(
    spoil, exit_code, message, small_raw: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    from pipeline.cli import main
    from tests.conftest import CATALOG

    out = tmp_path / "out"
    spoil(out, monkeypatch)
    try:
        code = main(
            ["run", "--engine", "local", "--quiet", "--raw", str(small_raw), "--out", str(out),
             "--catalog", str(CATALOG)]
        )  # fmt: skip
    finally:
        if out.is_dir():
            out.chmod(0o755)
    captured = capsys.readouterr()
    assert code == exit_code
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert captured.out == ""
    if out.is_dir():
        assert not list(out.glob(f"{RUNS}/*")), "nothing may be left in runs/"
        assert not (out / "current").exists()
