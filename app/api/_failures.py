"""Turn httpx's transport exceptions into typed API errors with a readable cause."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from httpx_sse import SSEError

from app.api._errors import (
    APIError,
    ConnectError,
    ProtocolError,
    StreamInterrupted,
    TimeoutError,
)
from app.api._http_errors import shorten
from app.api._secrets import hide_userinfo


@dataclass(frozen=True, slots=True)
class Failure:
    """Why an attempt failed before its response was accepted, and whether to try again."""

    error: APIError
    retryable: bool = False
    retry_after: float | None = None
    cause: BaseException | None = None


def connect_failure(
    exc: httpx.HTTPError | httpx.InvalidURL,
    base_url: str,
    *,
    connect_timeout: float,
    read_timeout: float,
) -> Failure:
    """The failure for an exception raised before a response (status and headers) arrived.

    Only connection failures are retryable: after the request was sent, the model may have
    started (and billed) a reply.
    """
    # Name the host, never the user and password a URL may carry before it.
    host = urlsplit(base_url).netloc.rpartition("@")[2] or hide_userinfo(base_url)
    error: APIError
    retryable = False
    match exc:
        case httpx.ConnectTimeout():
            error = TimeoutError(f"Could not connect to {host} within {connect_timeout:g} s.")
            retryable = True
        case httpx.ConnectError():
            error = ConnectError(f"Could not connect to {host}: {connect_cause(exc)}.")
            retryable = True
        case httpx.ReadTimeout():
            error = TimeoutError(f"No answer from the server for {read_timeout:g} s.")
        case httpx.TimeoutException():
            error = TimeoutError(f"The request to {host} timed out ({type(exc).__name__}).")
        case httpx.UnsupportedProtocol() | httpx.InvalidURL():
            error = ConnectError(
                f"The base URL {hide_userinfo(base_url)!r} is not a valid http(s) URL: {exc}"
            )
        case httpx.ProxyError():
            error = ConnectError(f"The HTTP proxy failed: {_detail(exc)}")
        case httpx.NetworkError() | httpx.RemoteProtocolError():
            error = ConnectError(
                f"The connection to {host} failed before the server answered: {_detail(exc)}"
            )
        case _:
            error = ProtocolError(f"The request to {host} failed: {_detail(exc)}")
    return Failure(error, retryable, cause=exc)


def read_failure(exc: httpx.HTTPError, read_timeout: float) -> APIError:
    """The error for an exception raised while reading a response body."""
    match exc:
        case SSEError():
            return ProtocolError(f"The server's event stream is invalid: {_detail(exc)}")
        case httpx.ReadTimeout():
            return TimeoutError(f"No data from the server for {read_timeout:g} s.")
        case httpx.TimeoutException():
            return TimeoutError(f"The server stopped answering ({type(exc).__name__}).")
        case httpx.DecodingError():
            return ProtocolError(f"The server's answer could not be decoded: {_detail(exc)}")
        case _:
            return StreamInterrupted(
                f"The connection dropped before the reply finished ({_detail(exc)})."
            )


def connect_cause(exc: BaseException) -> str:
    """A readable reason a connection failed: refused, name resolution, TLS, unreachable."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        hint in text
        for hint in ("name or service not known", "nodename nor servname", "name resolution")
    ):
        return "the host name could not be resolved (check the base URL and your network)"
    if any(isinstance(e, ssl.SSLError) for e in chain) or any(
        hint in text for hint in ("certificate", "ssl", "tls")
    ):
        tls = next((e for e in chain if isinstance(e, ssl.SSLError)), exc)
        return f"the TLS handshake failed ({_detail(tls)}){_tls_hint(text)}"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return "the connection was refused (is the server running on that port?)"
    if "unreachable" in text:
        return "the network is unreachable"
    return _detail(exc)


def _tls_hint(text: str) -> str:
    """What a TLS failure usually means, for the two common causes."""
    if any(hint in text for hint in ("wrong version number", "packet length too long")):
        return "; that port does not seem to speak TLS (should the base URL start with http://?)"
    if "certificate verify failed" in text:
        return "; the server's certificate is not trusted (self-signed, expired or another name)"
    return ""


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _detail(exc: BaseException) -> str:
    return shorten(str(exc), 160) or type(exc).__name__
