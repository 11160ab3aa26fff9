"""Executable form of the dataset contract: pandera schemas for every table, and the Arrow
schemas and machine-readable schema derived from them."""

from schemas.arrow import TABLE_SCHEMAS, arrow_schema, schema_json, typed_empty
from schemas.models import (
    ARXIV_ID_PATTERN,
    CATALOG_SCHEMA,
    DOCUMENTS_SCHEMA,
    MENTIONS_SCHEMA,
    PAPERS_SCHEMA,
    QUARANTINE_SCHEMA,
    SCHEMA_VERSION,
    TABLE_LEVEL_CHECKS,
)

__all__ = [
    "ARXIV_ID_PATTERN",
    "CATALOG_SCHEMA",
    "DOCUMENTS_SCHEMA",
    "MENTIONS_SCHEMA",
    "PAPERS_SCHEMA",
    "QUARANTINE_SCHEMA",
    "SCHEMA_VERSION",
    "TABLE_LEVEL_CHECKS",
    "TABLE_SCHEMAS",
    "arrow_schema",
    "schema_json",
    "typed_empty",
]
