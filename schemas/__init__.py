"""Executable form of the dataset contract: pandera models for every table."""

from schemas.models import (
    ARXIV_ID_PATTERN,
    SCHEMA_VERSION,
    CatalogModel,
    DocumentsModel,
    MentionsModel,
    PapersModel,
)

__all__ = [
    "ARXIV_ID_PATTERN",
    "SCHEMA_VERSION",
    "CatalogModel",
    "DocumentsModel",
    "MentionsModel",
    "PapersModel",
]
