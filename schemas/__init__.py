"""Executable form of the dataset contract: pandera models for every table, and the Arrow
schemas and machine-readable schema derived from them."""

from schemas.arrow import TABLE_MODELS, arrow_schema, schema_json, typed_empty
from schemas.models import (
    ARXIV_ID_PATTERN,
    SCHEMA_VERSION,
    TABLE_LEVEL_CHECKS,
    CatalogModel,
    DocumentsModel,
    MentionsModel,
    PapersModel,
    QuarantineModel,
)

__all__ = [
    "ARXIV_ID_PATTERN",
    "SCHEMA_VERSION",
    "TABLE_LEVEL_CHECKS",
    "TABLE_MODELS",
    "CatalogModel",
    "DocumentsModel",
    "MentionsModel",
    "PapersModel",
    "QuarantineModel",
    "arrow_schema",
    "schema_json",
    "typed_empty",
]
