"""Typed errors raised by the chat client; every one carries a readable message."""

from __future__ import annotations


class APIError(Exception):
    """Base class for every failure of a request to the endpoint."""

    kind = "error"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        if self.status is not None:
            return f"{self.message} (HTTP {self.status})"
        return self.message


class AuthenticationError(APIError):
    """The key is missing, wrong or not allowed (401/403)."""

    kind = "authentication"


class BudgetError(APIError):
    """The account's credit or daily budget is used up (402, or 403 "Key limit exceeded")."""

    kind = "budget"


class RateLimitError(APIError):
    """Too many requests (429); ``retry_after`` is the server's wait in seconds, if it sent one."""

    kind = "rate limit"

    def __init__(
        self, message: str, *, status: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class BadRequestError(APIError):
    """The server rejected the request itself (400/404/413/422): unknown model, bad params."""

    kind = "bad request"


class ServerError(APIError):
    """The server or its upstream failed (5xx)."""

    kind = "server"


class ConnectError(APIError):
    """The endpoint could not be reached (refused, DNS, TLS)."""

    kind = "connection"


class TimeoutError(APIError):  # shadows the builtin on purpose, scoped to app.api
    """The endpoint did not connect or answer in time."""

    kind = "timeout"


class ProtocolError(APIError):
    """The server answered something that is not a valid completion (bad JSON, wrong type)."""

    kind = "protocol"


class StreamInterrupted(APIError):
    """The stream stopped before the reply was complete (dropped connection, mid-stream error)."""

    kind = "interrupted"
