"""How the command ends: exit codes, and a failure as one ``hcchat: ...`` line on stderr."""

from __future__ import annotations

import sys

from app.text import one_line

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A failure to report as one ``hcchat: ...`` line on stderr, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def say_error(message: str) -> None:
    """Print ``hcchat: <message>`` to stderr as one terminal-safe line (if stderr still works)."""
    try:
        sys.stderr.write(f"hcchat: {one_line(message, 2000)}\n")
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):  # AttributeError: stderr was closed (None)
        pass


def describe_os_error(error: OSError) -> str:
    """An OSError as a short sentence, naming the file when there is one."""
    reason = error.strerror or str(error)
    return f"{error.filename}: {reason}" if error.filename else reason


def silence_stdout() -> None:
    """Point stdout at /dev/null after the reader went away, so exiting does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # AttributeError: stdout was None
        pass
