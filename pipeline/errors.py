"""Errors that end a run with one clear line and a documented exit code (no traceback).

Kept free of heavy imports so that the command line can catch them without loading pandas.
"""

from __future__ import annotations

# Exit codes of the command line (see the README).
EXIT_NOTHING_PUBLISHED = 1
EXIT_USAGE = 2


class OutputFolderError(Exception):
    """The output folder cannot be written: nothing was published, nothing half-written left.
    ``exit_code`` is 2 when the folder is unusable as given, 1 when writing failed midway."""

    def __init__(self, message: str, exit_code: int = EXIT_NOTHING_PUBLISHED) -> None:
        super().__init__(message, exit_code)
        self.exit_code = exit_code

    def __str__(self) -> str:
        return str(self.args[0])
