"""Per-document isolation: an unexpected exception while one document is decoded, its language
detected, or its mentions extracted or matched rejects that document, never the run.

The document's row says ``internal error: <ExceptionType>: <message>`` (the report calls such a
run degraded), the traceback goes to the run's log, and the other documents are published.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

INTERNAL_ERROR_PREFIX = "internal error: "
# An exception's message can be anything (a whole input line): the table keeps its start.
MAX_MESSAGE_CHARS = 300
LOGGER = logging.getLogger("pipeline")


def internal_error(error: BaseException) -> str:
    """The reason recorded for a document whose processing raised ``error``, on one line."""
    message = " ".join(str(error).split())
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 3] + "..."
    kind = type(error).__name__
    return f"{INTERNAL_ERROR_PREFIX}{kind}: {message}" if message else INTERNAL_ERROR_PREFIX + kind


def _log_line(source_file: str, reason: str, error: BaseException) -> str:
    trace = "".join(traceback.format_exception(error)).rstrip()
    return f"{source_file}: rejected, {reason}\n{trace}"


def log_internal_error(source_file: str, error: BaseException) -> str:
    """Log the traceback of a document's failure; return the reason for its row."""
    reason = internal_error(error)
    LOGGER.error("%s", _log_line(source_file, reason, error))
    return reason


@dataclass
class DocumentFailures:
    """The documents of one run whose processing raised, with the reason for each."""

    log: Callable[[str], None] = LOGGER.error
    reasons: dict[str, str] = field(default_factory=dict)

    def record(self, source_file: str, error: BaseException) -> str:
        """Remember the first failure of ``source_file``, log its traceback, return the reason."""
        reason = internal_error(error)
        self.reasons.setdefault(source_file, reason)
        self.log(_log_line(source_file, reason, error))
        return reason

    def add(self, source_file: str, reason: str, trace: str) -> None:
        """Record a failure that happened in another process (its traceback as text)."""
        self.reasons.setdefault(source_file, reason)
        self.log(f"{source_file}: rejected, {reason}\n{trace}")

    def reject(self, sources: pd.DataFrame) -> pd.DataFrame:
        """``sources`` with every failed document turned into a rejected one (no text)."""
        failed = sources["source_file"].isin(self.reasons)
        if not failed.any():
            return sources
        sources = sources.copy()
        sources["error"] = sources["error"].astype(object)
        sources.loc[failed, "error"] = sources.loc[failed, "source_file"].map(self.reasons)
        sources.loc[failed, "text"] = None
        return sources
