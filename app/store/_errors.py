"""Typed errors raised by the session store; every one has a readable ``str()``."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Base class for every failure of the session store."""


class SessionFormatError(StoreError):
    """Text that is not a valid session (bad UTF-8, bad TOML, missing keys, newer schema)."""

    def __init__(self, reason: str, *, source: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}" if self.source else self.reason


class SessionNotFound(StoreError):
    """No session file with that id exists."""

    def __init__(self, session_id: str, detail: str | None = None) -> None:
        super().__init__(session_id)
        self.session_id = session_id
        self.detail = detail

    def __str__(self) -> str:
        message = f"No saved session with id {self.session_id!r}"
        return f"{message} ({self.detail})" if self.detail else message


class InvalidSessionId(SessionNotFound, ValueError):
    """An id that cannot name a session file (path separators, ``..``, odd characters)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(
            session_id,
            "not a valid session id: use letters, digits, '.', '_' and '-', and no '..'",
        )


class SessionUnreadable(StoreError):
    """The session file exists but cannot be read; it is left untouched."""

    def __init__(self, session_id: str, path: Path, reason: str) -> None:
        super().__init__(reason)
        self.session_id = session_id
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"Session {self.session_id} cannot be read: {self.reason} ({self.path})"


class StoreWriteError(StoreError):
    """A session (or the model cache) could not be written; the old file is intact.

    ``reason`` is the system's short reason ("No space left on device"), when there is one.
    """

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
