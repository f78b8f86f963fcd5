"""Helpers for the client tests: a ChatClient on the loopback server and event collectors."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import aclosing
from functools import cache

import httpx
import pytest

from app.api import (
    APIError,
    ChatClient,
    ContentDelta,
    Finish,
    ReasoningDelta,
    StreamEvent,
    Usage,
)

KEY = "sk-hc-v1-0123456789abcdefghijklmnop"
HELLO: list[dict[str, str]] = [{"role": "user", "content": "hello"}]


@cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def socket_transport() -> httpx.AsyncHTTPTransport:
    """httpx's real socket transport, sharing one TLS context (loading CA files takes 50 ms)."""
    return httpx.AsyncHTTPTransport(verify=_tls_context())


@pytest.fixture
async def client(loopback) -> AsyncIterator[ChatClient]:
    """A client on the loopback server with retries that wait milliseconds, not seconds."""
    async with ChatClient(
        loopback.base_url, KEY, transport=socket_transport(), backoff=0.001, read_timeout=5.0
    ) as chat:
        yield chat


async def collect(
    client: ChatClient,
    messages: Sequence[Mapping[str, str]] = HELLO,
    params: Mapping[str, float | int] | None = None,
    model: str = "test/model",
) -> list[StreamEvent]:
    """Every event of one streamed reply."""
    async with aclosing(client.stream_chat(model, messages, params)) as stream:
        return [event async for event in stream]


async def collect_until_error(
    client: ChatClient,
    messages: Sequence[Mapping[str, str]] = HELLO,
    model: str = "test/model",
) -> tuple[list[StreamEvent], APIError]:
    """The events that arrived before the stream failed, and the error it failed with."""
    events: list[StreamEvent] = []
    try:
        async with aclosing(client.stream_chat(model, messages)) as stream:
            async for event in stream:
                events.append(event)
    except APIError as error:
        return events, error
    raise AssertionError(f"the stream ended without an error: {events}")


def content(events: Sequence[StreamEvent]) -> str:
    """The reply text of ``events``."""
    return "".join(e.text for e in events if isinstance(e, ContentDelta))


def reasoning(events: Sequence[StreamEvent]) -> str:
    """The reasoning text of ``events``."""
    return "".join(e.text for e in events if isinstance(e, ReasoningDelta))


def finishes(events: Sequence[StreamEvent]) -> list[str]:
    """The finish reasons among ``events``."""
    return [e.reason for e in events if isinstance(e, Finish)]


def usages(events: Sequence[StreamEvent]) -> list[Usage]:
    """The usage events among ``events``."""
    return [e for e in events if isinstance(e, Usage)]
