"""The program: ``python -m pipeline`` and the ``paper-mentions`` command.

When the command is done, the process leaves without the interpreter's teardown: freeing the
millions of objects a run holds (the modules, the language models' tables, the catalog's
structures) one by one took 0.5 s of a 6 s seed run, and the kernel frees them at once. The
exit handlers of the libraries still run first (``atexit`` runs them in the reverse order of
registration, and this one is registered before any library is imported); a command that
ends in an uncaught exception or an interrupt exits as Python always does.
"""

import atexit
import contextlib
import os
import sys
from typing import NoReturn

_exit_status: int | None = None


def _leave_without_teardown() -> None:
    if _exit_status is None:
        return
    import logging

    logging.shutdown()  # a no-op when logging, imported after this was registered, ran its own
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe or stream: nothing more can be delivered.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(_exit_status)


def program() -> NoReturn:
    """Run the command line given to this process and end the process."""
    global _exit_status
    atexit.register(_leave_without_teardown)
    from pipeline.cli import main

    _exit_status = main()
    sys.exit(_exit_status)


if __name__ == "__main__":
    program()
