"""The file schema of every published table, derived from the pandera schemas.

Writing with an explicit Arrow schema keeps each column's type the same in every run (a column
that happens to be all null is still ``string``, an empty table still has typed columns), so
readers can concatenate the tables of any two runs of one schema version. Columns the schema
declares non-nullable are non-nullable in the file schema too.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow

from schemas.models import (
    DOCUMENTS_SCHEMA,
    MENTIONS_SCHEMA,
    PAPERS_SCHEMA,
    QUARANTINE_SCHEMA,
    SCHEMA_VERSION,
)

# Published tables in the order they are written, each with its schema.
TABLE_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "documents": DOCUMENTS_SCHEMA,
    "mentions": MENTIONS_SCHEMA,
    "papers": PAPERS_SCHEMA,
    "quarantine": QUARANTINE_SCHEMA,
}
# One Arrow type per pandera dtype; one string type throughout (never large_string).
ARROW_TYPES: dict[str, pyarrow.DataType] = {
    "string[pyarrow]": pyarrow.string(),
    "str": pyarrow.string(),
    "int64": pyarrow.int64(),
    "Int64": pyarrow.int64(),
    "float64": pyarrow.float64(),
    "bool": pyarrow.bool_(),
    "list<string>": pyarrow.list_(pyarrow.string()),
}
# pandas dtype a column takes when a table is empty (object columns are lists).
PANDAS_DTYPES = {"string[pyarrow]": "str", "str": "str"}


def _column_type_key(column: Any) -> str:
    declared = (column.metadata or {}).get("arrow_type")
    return declared or str(column.dtype)


def arrow_type(column: Any) -> pyarrow.DataType:
    key = _column_type_key(column)
    if key not in ARROW_TYPES:
        raise TypeError(f"column {column.name}: no Arrow type for pandera dtype {key!r}")
    return ARROW_TYPES[key]


def arrow_schema(schema: pa.DataFrameSchema) -> pyarrow.Schema:
    """The Arrow schema a table of ``schema`` is written with (columns in schema order)."""
    columns = schema.columns
    return pyarrow.schema(
        [pyarrow.field(name, arrow_type(c), nullable=c.nullable) for name, c in columns.items()]
    )


def type_name(data_type: pyarrow.DataType) -> str:
    """The short type name used in docs/CONTRACT.md and schema.json."""
    if pyarrow.types.is_list(data_type):
        return f"list<{type_name(data_type.value_type)}>"
    return str(data_type)


def typed_empty(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """An empty table with the dtypes a non-empty one has (an empty frame's columns are
    ``object``, which the schemas reject); non-empty frames are returned unchanged."""
    if len(frame):
        return frame
    dtypes = {}
    for name, column in schema.columns.items():
        key = _column_type_key(column)
        if name in frame.columns and not key.startswith("list"):
            dtypes[name] = PANDAS_DTYPES.get(key, key)
    return frame.astype(dtypes)


def _check_description(check: Any) -> dict:
    statistics = {
        k: v if isinstance(v, str | int | float | bool | type(None)) else str(v)
        for k, v in (getattr(check, "statistics", None) or {}).items()
    }
    return {"name": check.name, **statistics}


def schema_document() -> dict:
    """The machine-readable schema published beside the data as ``schema.json``."""
    tables = {}
    for table, schema in TABLE_SCHEMAS.items():
        tables[table] = {
            "columns": [
                {
                    "name": name,
                    "type": type_name(arrow_type(column)),
                    "nullable": bool(column.nullable),
                    "unique": bool(column.unique),
                    "checks": [_check_description(c) for c in column.checks],
                }
                for name, column in schema.columns.items()
            ],
            "table_checks": [c.name for c in schema.checks],
        }
    return {"schema_version": SCHEMA_VERSION, "tables": tables}


def schema_json() -> str:
    return json.dumps(schema_document(), indent=2, sort_keys=True) + "\n"
