"""Errors that end a run: the exit code an output folder error carries and the line it prints."""

from __future__ import annotations

import pytest

from pipeline.errors import EXIT_NOTHING_PUBLISHED, EXIT_USAGE, OutputFolderError


def test_an_output_folder_error_means_nothing_was_published_unless_told_otherwise() -> None:
    assert OutputFolderError("disk full").exit_code == EXIT_NOTHING_PUBLISHED == 1
    assert OutputFolderError("not a folder", EXIT_USAGE).exit_code == EXIT_USAGE == 2


def test_an_output_folder_error_prints_its_message_alone() -> None:
    """One clear line: the message, not the tuple of the exception's arguments."""
    error = OutputFolderError("out/ is not a folder", exit_code=EXIT_USAGE)
    assert str(error) == "out/ is not a folder"
    assert error.args == ("out/ is not a folder", EXIT_USAGE)
    with pytest.raises(OutputFolderError, match=r"^out/ is not a folder$"):
        raise error
