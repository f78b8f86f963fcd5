"""Unit tests of the client over httpx.MockTransport: byte-level framing and error causes."""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from app.api import ChatClient, ConnectError, ContentDelta, RateLimitError

from .conftest import HELLO, KEY, collect, collect_until_error, content

STREAM = (
    'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\r\n\r\n'
    ": OPENROUTER PROCESSING\r\n\r\n"
    'data: {"choices":[{"index":0,"delta":{"content":"naïve café ✓ 日本語 🙂"}}]}\r\n\r\n'
    'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r\n\r\n'
    "data: [DONE]\r\n\r\n"
).encode()


def mock_client(handler: Callable[[httpx.Request], object], **options: float) -> ChatClient:
    return ChatClient(
        "http://mock.test/v1",
        KEY,
        transport=httpx.MockTransport(handler),
        **options,
    )


def sse_response(body: AsyncIterator[bytes]) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


async def one_byte_at_a_time(data: bytes) -> AsyncIterator[bytes]:
    for index in range(len(data)):
        yield data[index : index + 1]


async def test_stream_delivered_one_byte_at_a_time_decodes_exactly():
    async def handler(request: httpx.Request) -> httpx.Response:
        return sse_response(one_byte_at_a_time(STREAM))

    async with mock_client(handler) as chat:
        assert content(await collect(chat)) == "naïve café ✓ 日本語 🙂"


@pytest.mark.parametrize("cut", range(0, len(STREAM), 7))
async def test_stream_cut_anywhere_into_two_reads_decodes_exactly(cut):
    async def two_parts() -> AsyncIterator[bytes]:
        yield STREAM[:cut]
        yield STREAM[cut:]

    async def handler(request: httpx.Request) -> httpx.Response:
        return sse_response(two_parts())

    async with mock_client(handler) as chat:
        assert content(await collect(chat)) == "naïve café ✓ 日本語 🙂"


async def test_retry_after_as_http_date_is_honoured():
    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": later}, text="slow down")

    async with mock_client(handler) as chat:
        _, raised = await collect_until_error(chat)
    assert isinstance(raised, RateLimitError)
    assert raised.retry_after is not None and 3500 < raised.retry_after <= 3600


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (socket.gaierror(-2, "Name or service not known"), "host name could not be resolved"),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), "TLS handshake failed"),
        (ConnectionRefusedError(111, "Connect call failed"), "connection was refused"),
        (OSError(101, "Network is unreachable"), "network is unreachable"),
        (OSError(99, "Something odd"), "Something odd"),
    ],
)
async def test_connect_errors_name_their_cause(cause, expected):
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(str(cause), request=request) from cause

    async with mock_client(handler, backoff=0.001) as chat:
        _, raised = await collect_until_error(chat)
    assert isinstance(raised, ConnectError)
    assert raised.message.startswith("Could not connect to mock.test: ")
    assert expected in raised.message


async def test_closing_the_stream_early_closes_the_response():
    class Endless(httpx.AsyncByteStream):
        closed = False

        async def __aiter__(self) -> AsyncIterator[bytes]:
            while True:
                yield b'data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\n'

        async def aclose(self) -> None:
            Endless.closed = True

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Endless())

    async with mock_client(handler) as chat:
        async with aclosing(chat.stream_chat("m", HELLO)) as stream:
            async for event in stream:
                assert event == ContentDelta("x")
                break
        assert Endless.closed


async def test_on_retry_sees_each_failed_attempt_and_its_error():
    statuses = iter([503, 503, 200])
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        if status == 200:
            return httpx.Response(200, json={"data": [{"id": "ok"}]})
        return httpx.Response(status, text="busy")

    async with mock_client(handler, backoff=0.001) as chat:
        chat.on_retry = lambda attempt, wait, err: seen.append((attempt, err.status))
        assert [m.id for m in await chat.list_models()] == ["ok"]
    assert seen == [(1, 503), (2, 503)]


async def test_aclose_closes_the_http_client():
    chat = mock_client(lambda request: httpx.Response(200))
    await chat.aclose()
    with pytest.raises(RuntimeError):
        await chat._http.get("http://mock.test/")
