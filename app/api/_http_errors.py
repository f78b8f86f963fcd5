"""Turn an HTTP error response into a typed :class:`APIError` with a readable message."""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus

import httpx

from app.api._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BudgetError,
    RateLimitError,
    ServerError,
    TimeoutError,
)
from app.api._sse import describe_error

MAX_MESSAGE = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_SCRIPT = re.compile(r"<(script|style)[^>]*>.*?</\1>", re.IGNORECASE | re.DOTALL)


def error_from_response(
    status: int, headers: httpx.Headers, body: bytes, *, has_key: bool
) -> APIError:
    """The typed error for an HTTP response with status >= 300."""
    message = error_message(body, headers.get("content-type", "")) or _reason(status)
    if status == 401:
        if has_key:
            return AuthenticationError(f"The server rejected the API key: {message}", status=status)
        return AuthenticationError(
            f"The server needs an API key (set HCCHAT_API_KEY): {message}", status=status
        )
    if status == 402 or (status == 403 and "key limit exceeded" in message.lower()):
        return BudgetError(f"The account's budget is used up: {message}", status=status)
    if status == 403:
        return AuthenticationError(f"The server refused access: {message}", status=status)
    if status == 429:
        retry_after = parse_retry_after(headers.get("retry-after"))
        if retry_after is None:
            return RateLimitError(f"Rate limited: {message}", status=status)
        return RateLimitError(
            f"Rate limited: try again in {format_wait(retry_after)} ({message})",
            status=status,
            retry_after=retry_after,
        )
    if status == 408:
        return TimeoutError(
            f"The server timed out waiting for the request: {message}", status=status
        )
    if status >= 500:
        return ServerError(f"The server failed: {message}", status=status)
    if status >= 400:
        return BadRequestError(f"The server rejected the request: {message}", status=status)
    location = headers.get("location")
    where = f" to {location}" if location else ""
    return BadRequestError(
        f"The server redirected the request{where}; set the base URL to the new address.",
        status=status,
    )


def error_message(body: bytes, content_type: str = "") -> str:
    """A short, readable message from an error body: JSON of any common shape, text or HTML."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    if text[0] in '{["':
        try:
            return shorten(_json_message(json.loads(text)))
        except ValueError:
            pass
    if "html" in content_type.lower() or text[:1] == "<":
        return shorten(_html_message(text))
    return shorten(text)


def _json_message(data: object) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, Mapping):
        if data.get("error") is not None:
            return _error_object_message(data["error"])
        if data.get("detail") is not None:
            return _detail_message(data["detail"])
        message = data.get("message")
        if isinstance(message, str) and message.strip():
            return message
    return json.dumps(data, ensure_ascii=False)


def _error_object_message(error: object) -> str:
    message = describe_error(error)
    if not isinstance(error, Mapping):
        return message
    # OpenRouter wraps a provider's own error as metadata.raw under a generic message.
    metadata = error.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("raw"), str):
        provider = metadata.get("provider_name")
        source = f"{provider}: " if isinstance(provider, str) and provider else ""
        return f"{message} ({source}{metadata['raw']})"
    return message


def _detail_message(detail: object) -> str:
    """A FastAPI or llama.cpp ``detail``: a string, a list of validation errors or an object."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        items = []
        for item in detail:
            if isinstance(item, Mapping) and isinstance(item.get("msg"), str):
                loc = item.get("loc")
                where = ".".join(str(p) for p in loc) + ": " if isinstance(loc, list) else ""
                items.append(where + item["msg"])
            else:
                items.append(str(item))
        return "; ".join(items)
    if isinstance(detail, Mapping):
        for key in ("message", "msg", "error"):
            if isinstance(detail.get(key), str):
                return str(detail[key])
    return json.dumps(detail, ensure_ascii=False)


def _html_message(text: str) -> str:
    """The title (or first heading, or first line of text) of an HTML error page."""
    for pattern in (_TITLE, _H1):
        found = pattern.search(text)
        if found and _TAG.sub("", found.group(1)).strip():
            return html.unescape(_TAG.sub("", found.group(1)))
    visible = html.unescape(_TAG.sub("\n", _SCRIPT.sub("", text)))
    lines = (line.strip() for line in visible.splitlines())
    return next((line for line in lines if line), "an HTML error page")


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` on one line, without control characters, cut to ``limit`` characters."""
    flat = _WHITESPACE.sub(" ", _CONTROL.sub("", text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP status {status}"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP-date."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def format_wait(seconds: float) -> str:
    """A wait for a message: whole seconds, rounded up (``"1800 s"``)."""
    return f"{math.ceil(seconds)} s"
