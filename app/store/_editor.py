"""Composing a prompt in an external editor: a private temp file the editor rewrites.

Plain files and a process, no Textual: the chat screen passes the context (its suspend) in
which the editor runs.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path

# Tried in order when neither $VISUAL nor $EDITOR is set.
FALLBACK_EDITORS = ("nano", "vi")


class EditorError(Exception):
    """The editor could not be run or failed; the message says why."""


def editor_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """``$VISUAL``, else ``$EDITOR`` (split like a shell would), else nano or vi if installed."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError as error:
                raise EditorError(f"${name} cannot be read as a command: {error}") from None
            if words:
                return words
    for name in FALLBACK_EDITORS:
        found = shutil.which(name)
        if found:
            return [found]
    raise EditorError("No editor found: set $VISUAL or $EDITOR (nano and vi are not installed).")


def edit_text(
    text: str,
    command: list[str],
    around: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
) -> str:
    """``text`` as the editor ``command`` left it (one final newline removed).

    The editor runs inside ``around()`` (the app's suspend). Raises ``EditorError`` if it is
    missing or exits with an error; the temp file is removed either way.
    """
    fd, name = tempfile.mkstemp(prefix="hcchat-prompt-", suffix=".md")
    path = Path(name)
    try:
        with open(fd, "w", encoding="utf-8") as file:
            file.write(text)
        try:
            with around():
                result = subprocess.run([*command, str(path)], check=False)
        except FileNotFoundError:
            raise EditorError(f"Editor {command[0]!r} was not found.") from None
        except OSError as error:
            raise EditorError(f"Editor {command[0]!r} could not start: {error}") from None
        if result.returncode != 0:
            raise EditorError(
                f"Editor {command[0]!r} failed (exit status {result.returncode}); "
                "the prompt is unchanged."
            )
        edited = path.read_text(encoding="utf-8", errors="replace")
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    return edited.removesuffix("\n")
