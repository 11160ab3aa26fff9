"""The contract page equals the schemas, and tables of different runs can be read as one."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.build import build_dataset
from pipeline.write import TABLES
from schemas import SCHEMA_VERSION, TABLE_SCHEMAS, arrow_schema
from schemas.arrow import schema_document, type_name
from tests.conftest import PROJECT_ROOT
from tests.test_build import _settings

CONTRACT = PROJECT_ROOT / "docs" / "CONTRACT.md"
FIXTURES = [Path(__file__).parent / "fixtures" / f for f in ("de_snippet.txt", "zh_snippet.txt")]
SECTION = re.compile(r"^### `(\w+)\.parquet`", re.MULTILINE)


def _documented_columns() -> dict[str, list[tuple[str, str, bool]]]:
    """Per table of docs/CONTRACT.md: (column, type, nullable) in the order written."""
    text = CONTRACT.read_text("utf-8")
    tables = {}
    for match in SECTION.finditer(text):
        rows = []
        for line in text[match.end() :].splitlines()[1:]:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip("|").split("|")]
            if cells[0] in ("column", "---"):
                continue
            assert cells[2] in ("yes", "no"), line
            rows.append((cells[0], cells[1], cells[2] == "yes"))
        tables[match.group(1)] = rows
    return tables


def test_the_contract_page_equals_the_schemas() -> None:
    documented = _documented_columns()
    assert set(documented) == set(TABLE_SCHEMAS)
    for table, schema in TABLE_SCHEMAS.items():
        expected = [(f.name, type_name(f.type), f.nullable) for f in arrow_schema(schema)]
        assert documented[table] == expected, table


def test_the_contract_page_states_the_schema_version_and_its_change() -> None:
    text = CONTRACT.read_text("utf-8")
    assert f"Schema version: **{SCHEMA_VERSION}**" in text
    assert f"- **{SCHEMA_VERSION}** — " in text.split("## Changelog", 1)[1]


def test_the_machine_readable_schema_lists_every_column() -> None:
    document = schema_document()
    for table, schema in TABLE_SCHEMAS.items():
        columns = document["tables"][table]["columns"]
        assert [c["name"] for c in columns] == arrow_schema(schema).names


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A run without rejected documents and one with a rejected document (its ``error`` all
    null in the first)."""
    root = tmp_path_factory.mktemp("runs")
    outs = []
    for name, extra in (("clean", None), ("rejected", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")):
        raw = root / f"raw-{name}"
        raw.mkdir()
        for fixture in FIXTURES:
            (raw / fixture.name).write_bytes(fixture.read_bytes())
        if extra:
            (raw / "image.txt").write_bytes(extra)
        result = build_dataset(_settings(raw, root / f"out-{name}"))
        assert result.published, result.failures
        outs.append(root / f"out-{name}")
    return outs[0], outs[1]


def test_tables_of_two_runs_concatenate_in_polars(two_runs) -> None:
    first, second = two_runs
    for table in TABLES:
        paths = [str(first / f"{table}.parquet"), str(second / f"{table}.parquet")]
        combined = pl.concat([pl.read_parquet(p) for p in paths])
        assert combined.height == sum(pl.read_parquet(p).height for p in paths)
        assert pl.scan_parquet(paths).collect().height == combined.height
    documents = pl.read_parquet(second / "documents.parquet")
    assert documents.schema["error"] == pl.String
    assert documents.filter(pl.col("status") == "rejected").height == 1


def test_tables_of_two_runs_concatenate_in_pyarrow(two_runs) -> None:
    first = two_runs[0]
    for table in TABLES:
        a, b = (pq.read_table(out / f"{table}.parquet") for out in two_runs)
        assert a.schema.equals(b.schema, check_metadata=False), table
        assert pa.concat_tables([a, b]).num_rows == a.num_rows + b.num_rows
    error = pq.read_schema(first / "documents.parquet").field("error")
    assert error.type == pa.string() and error.nullable
