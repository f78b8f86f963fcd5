"""The ``hcchat`` command: flags, the ``sessions`` subcommands, pipe mode and the full-screen app.

``_dispatch`` holds the parsers and runs the command they name, ``_pipe`` is pipe mode
(``hcchat -p``), ``_sessions`` the ``sessions`` subcommands and ``_errors`` how a failure is
reported. The HTTP client, the session store and the Textual app are imported only by the code
that uses them, so ``hcchat --version`` and ``--help`` stay fast.
"""

from __future__ import annotations

import sys

from app.cli._dispatch import ParserExit, chat_command, sessions_command
from app.cli._errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    CommandError,
    describe_os_error,
    say_error,
    silence_stdout,
)

__all__ = ["CommandError", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run ``hcchat`` with ``argv`` (default: the process arguments); returns the exit code."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        if arguments[:1] == ["sessions"]:
            return sessions_command(arguments[1:])
        return chat_command(arguments)
    except ParserExit as stop:
        return stop.code
    except CommandError as error:
        say_error(str(error))
        return error.code
    except KeyboardInterrupt:
        say_error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return EXIT_ERROR
    except OSError as error:
        say_error(describe_os_error(error))
        return EXIT_ERROR
    except UnicodeEncodeError:
        say_error("the terminal cannot show this text; set PYTHONIOENCODING=utf-8")
        return EXIT_ERROR
