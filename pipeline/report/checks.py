"""Every check a run went through, as rows of one table: like an expectation suite's result.

Schema checks are read from the pandera schemas themselves (each column's dtype, nullability,
uniqueness and checks, each dataframe-level check) and run lazily on the tables, so a failure
keeps pandera's ``failure_cases`` rows. Cross-table and offset checks come from the messages of
``pipeline.validate``; the quarantine share, duplicate documents and the drift rules add theirs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import pandera.errors as pa_errors
import pandera.pandas as pa

from schemas import DOCUMENTS_SCHEMA, MENTIONS_SCHEMA, PAPERS_SCHEMA

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "documents": DOCUMENTS_SCHEMA,
    "mentions": MENTIONS_SCHEMA,
    "papers": PAPERS_SCHEMA,
}
# Checks of pandera on the set of columns, reported as one "columns" check per table.
COLUMN_SET_CHECKS = ("column_in_schema", "column_in_dataframe", "column_ordered")
# Messages of pipeline.validate that are not per-schema, by the check they report.
VALIDATION_MESSAGES = (
    ("matched paper_ids exist in papers", "cross-table", "mentions: matched paper_ids missing"),
    ("papers.n_mentions equals matched mentions", "cross-table", "papers: n_mentions disagrees"),
    ("papers.n_sources equals distinct sources", "cross-table", "papers: n_sources disagrees"),
    ("mentions' source files are documents", "cross-table", "mentions: source_files missing"),
    ("documents.n_mentions equals mentions", "cross-table", "documents: n_mentions disagrees"),
    ("text[start:end] equals surface", "offsets", "mentions: text[start:end] != surface"),
)


def check(
    name: str,
    category: str,
    passed: bool,
    *,
    table: str | None = None,
    severity: str = "error",
    observed: Any = None,
    threshold: Any = None,
    message: str = "",
    failure_cases: list[dict] | None = None,
) -> dict:
    """One row of the checks table. ``severity`` ``warn`` never blocks publishing."""
    cases = failure_cases or []
    return {
        "name": name,
        "category": category,
        "table": table,
        "severity": severity,
        "status": "pass" if passed else "fail",
        "observed": observed,
        "threshold": threshold,
        "message": message,
        "n_failure_cases": len(cases),
        "failure_cases": cases,
    }


def _declared_checks(schema: pa.DataFrameSchema) -> list[tuple[str, str]]:
    """(column, pandera's name of the check) for every check the schema declares."""
    declared = [("", "columns")]
    for name, column in schema.columns.items():
        declared.append((name, f"dtype('{column.dtype}')"))
        if not column.nullable:
            declared.append((name, "not_nullable"))
        if column.unique:
            declared.append((name, "field_uniqueness"))
        declared += [(name, c.error or c.name) for c in column.checks]
    declared += [("", c.name) for c in schema.checks]
    return declared


def _case_key(row: Mapping[str, Any]) -> tuple[str, str]:
    if row["check"] in COLUMN_SET_CHECKS:
        return "", "columns"
    if row["schema_context"] == "Column":
        return str(row["column"]), str(row["check"])
    return "", str(row["check"])


def _cell(value: Any) -> Any:
    """A JSON-safe value of a failure case (pandera gives numpy scalars, lists, NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)


def schema_checks(table: str, frame: pd.DataFrame) -> list[dict]:
    """One check row per declared pandera check of ``table``'s schema, with its failure cases."""
    schema = SCHEMAS[table]
    failures: pd.DataFrame = pd.DataFrame(
        columns=["schema_context", "column", "check", "failure_case", "index"]
    )
    try:
        schema.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        failures = exc.failure_cases
    cases: dict[tuple[str, str], list[dict]] = {}
    for row in failures.to_dict("records"):
        case = {"index": _cell(row["index"]), "failure_case": _cell(row["failure_case"])}
        if row["check"] in COLUMN_SET_CHECKS:
            case["check"] = str(row["check"])
        cases.setdefault(_case_key(row), []).append(case)
    declared = _declared_checks(schema)
    undeclared = [key for key in cases if key not in declared]
    rows = []
    for column, name in declared + undeclared:
        found = cases.get((column, name), [])
        rows.append(
            check(
                f"{table}.{column}: {name}" if column else f"{table}: {name}",
                "schema",
                not found,
                table=table,
                observed=len(found),
                threshold=0,
                message=f"{len(found)} failing rows" if found else "",
                failure_cases=found,
            )
        )
    return rows


def validation_checks(messages: Iterable[str]) -> list[dict]:
    """Cross-table and offset checks from ``pipeline.validate``'s messages; a message of no
    known check becomes a failed check of its own, so nothing is hidden."""
    messages = [m for m in messages if " failed in column " not in m and "more failures" not in m]
    rows = []
    for name, category, prefix in VALIDATION_MESSAGES:
        found = [m for m in messages if m.startswith(prefix)]
        rows.append(
            check(
                name,
                category,
                not found,
                observed=len(found),
                threshold=0,
                message="; ".join(found),
            )
        )
    known = tuple(prefix for _, _, prefix in VALIDATION_MESSAGES)
    rows += [
        check("validation", "other", False, observed=1, threshold=0, message=m)
        for m in messages
        if not m.startswith(known)
    ]
    return rows


def quarantine_check(quarantined: int, mentions: int, max_share: float) -> dict:
    share = quarantined / mentions if mentions else 0.0
    return check(
        "quarantined rows share of mentions",
        "quarantine",
        quarantined == 0 or share <= max_share,
        observed=round(share, 4),
        threshold=max_share,
        message=f"{quarantined} rows quarantined" if quarantined else "",
    )


def duplicates_check(duplicates: list[dict]) -> dict:
    return check(
        "documents are not duplicates of each other",
        "duplicates",
        not duplicates,
        table="documents",
        severity="warn",
        observed=len(duplicates),
        threshold=0,
        message=", ".join(f"{d['source_file']} = {d['duplicate_of']}" for d in duplicates),
        failure_cases=duplicates,
    )


def overrides_check(applied: int, errors: list[str]) -> dict:
    return check(
        "reviewed decisions (overrides.csv) all applied",
        "overrides",
        not errors,
        severity="warn",
        observed=f"{applied} applied, {len(errors)} not",
        threshold="0 not applied",
        message="; ".join(errors[:5]) + (f" and {len(errors) - 5} more" if len(errors) > 5 else ""),
        failure_cases=[{"error": e} for e in errors],
    )


def all_failure_cases(checks: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Every failure case of every check, for the CSV beside the report."""
    return [
        {
            "check": c["name"],
            "table": c["table"] or "",
            "case": json.dumps(case, ensure_ascii=False, sort_keys=True),
        }
        for c in checks
        for case in c["failure_cases"]
    ]
