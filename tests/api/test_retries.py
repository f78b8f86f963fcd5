"""Retries happen only before the first byte of a good response, and only for transient failures."""

from __future__ import annotations

import socket

import httpx
import pytest
from loopback import drop, error, reply, sse, stall

from app.api import (
    APIError,
    BadRequestError,
    ChatClient,
    ConnectError,
    RateLimitError,
    ServerError,
    StreamInterrupted,
    TimeoutError,
)

from .conftest import HELLO, KEY, collect, collect_until_error, content, socket_transport


def record_retries(client: ChatClient) -> list[tuple[int, float, APIError]]:
    calls: list[tuple[int, float, APIError]] = []
    client.on_retry = lambda attempt, wait, err: calls.append((attempt, wait, err))
    return calls


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_429_with_retry_after_is_retried_after_that_wait(loopback, client):
    calls = record_retries(client)
    loopback.enqueue(error(429, '{"error":{"message":"slow down"}}', headers={"Retry-After": "0"}))
    loopback.enqueue(reply("second time lucky"))
    assert content(await collect(client)) == "second time lucky"
    assert len(loopback.requests) == 2
    assert [(attempt, wait, type(err)) for attempt, wait, err in calls] == [
        (1, 0.0, RateLimitError)
    ]


async def test_429_with_retry_after_beyond_the_limit_is_raised_without_waiting(loopback, client):
    calls = record_retries(client)
    loopback.enqueue(error(429, "Too many requests", "text/plain", headers={"Retry-After": "61"}))
    _, raised = await collect_until_error(client)
    assert isinstance(raised, RateLimitError)
    assert raised.message == "Rate limited: try again in 61 s (Too many requests)"
    assert calls == []
    assert len(loopback.requests) == 1


async def test_retries_stop_after_max_tries_with_the_last_error(loopback, client):
    calls = record_retries(client)
    for n in range(1, 4):
        loopback.enqueue(error(429, f"busy {n}", "text/plain", headers={"Retry-After": "0.01"}))
    loopback.enqueue(reply("never reached"))
    _, raised = await collect_until_error(client)
    assert isinstance(raised, RateLimitError)
    assert raised.message == "Rate limited: try again in 1 s (busy 3)"
    assert len(loopback.requests) == 3
    assert [attempt for attempt, _, _ in calls] == [1, 2]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_then_succeed(loopback, client, status):
    loopback.enqueue(error(status, '{"error":"upstream hiccup"}'), reply("recovered"))
    assert content(await collect(client)) == "recovered"
    assert len(loopback.requests) == 2


async def test_backoff_doubles_with_a_little_jitter_when_no_retry_after_is_given(loopback):
    async with ChatClient(
        loopback.base_url, KEY, transport=socket_transport(), backoff=0.01, max_tries=4
    ) as chat:
        calls = record_retries(chat)
        loopback.enqueue(*[error(503, "down", "text/plain")] * 3, reply("up"))
        assert content(await collect(chat)) == "up"
    waits = [wait for _, wait, _ in calls]
    for expected, wait in zip([0.01, 0.02, 0.04], waits, strict=True):
        assert expected <= wait <= expected * 1.1


async def test_a_server_error_with_a_long_retry_after_is_raised_at_once(loopback, client):
    loopback.enqueue(error(503, "maintenance", "text/plain", headers={"Retry-After": "3600"}))
    _, raised = await collect_until_error(client)
    assert isinstance(raised, ServerError)
    assert len(loopback.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422, 501])
async def test_client_errors_and_501_are_not_retried(loopback, client, status):
    loopback.enqueue(error(status, '{"error":"no"}'), reply("must not be fetched"))
    await collect_until_error(client)
    assert len(loopback.requests) == 1


async def test_never_retried_after_the_first_event(loopback, client):
    loopback.enqueue(drop(['{"choices":[{"index":0,"delta":{"content":"half"}}]}']))
    loopback.enqueue(reply("a second request would be a bug"))
    events, raised = await collect_until_error(client)
    assert content(events) == "half"
    assert isinstance(raised, StreamInterrupted)
    assert len(loopback.requests) == 1


async def test_a_good_status_with_an_empty_stream_is_not_retried(loopback, client):
    loopback.enqueue(sse([]), reply("a second request would be a bug"))
    await collect_until_error(client)
    assert len(loopback.requests) == 1


async def test_read_timeout_after_headers_is_not_retried(loopback):
    async with ChatClient(
        loopback.base_url, KEY, transport=socket_transport(), read_timeout=0.2, backoff=0.001
    ) as chat:
        loopback.enqueue(stall([], seconds=5), reply("a second request would be a bug"))
        _, raised = await collect_until_error(chat)
    assert isinstance(raised, TimeoutError)
    assert len(loopback.requests) == 1


async def test_connection_refused_is_retried_then_reported():
    host = f"127.0.0.1:{free_port()}"
    url = f"http://{host}/v1"
    async with ChatClient(url, KEY, transport=socket_transport(), backoff=0.001) as chat:
        calls = record_retries(chat)
        _, raised = await collect_until_error(chat)
    assert isinstance(raised, ConnectError)
    assert "connection was refused" in raised.message
    assert raised.message.startswith(f"Could not connect to {host}: ")
    assert [attempt for attempt, _, _ in calls] == [1, 2]
    assert isinstance(raised.__cause__, httpx.ConnectError)


async def test_connection_refused_then_server_up_succeeds():
    attempts = []

    async def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream"},
            content=b'data: {"choices":[{"index":0,"delta":{"content":"up"},'
            b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
        )

    async with ChatClient(
        "http://mock/v1", KEY, transport=httpx.MockTransport(handler), backoff=0.001
    ) as chat:
        assert content(await collect(chat)) == "up"
    assert len(attempts) == 2


async def test_connect_timeout_is_retried_and_reported_as_a_timeout():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    async with ChatClient(
        "http://mock/v1", KEY, transport=httpx.MockTransport(handler), backoff=0.001, max_tries=2
    ) as chat:
        calls = record_retries(chat)
        with pytest.raises(TimeoutError, match="Could not connect to mock within 10 s"):
            await chat.complete("m", HELLO)
    assert len(calls) == 1


async def test_read_timeout_before_the_response_is_not_retried():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    async with ChatClient("http://mock/v1", KEY, transport=httpx.MockTransport(handler)) as chat:
        _, raised = await collect_until_error(chat)
    assert isinstance(raised, TimeoutError)
    assert raised.message == "No answer from the server for 120 s."
    assert len(seen) == 1


async def test_max_tries_one_means_no_retry(loopback):
    async with ChatClient(
        loopback.base_url, KEY, transport=socket_transport(), max_tries=1
    ) as chat:
        loopback.enqueue(error(503, "down", "text/plain"), reply("not fetched"))
        _, raised = await collect_until_error(chat)
    assert isinstance(raised, ServerError)
    assert len(loopback.requests) == 1


async def test_complete_and_list_models_are_retried_too(loopback, client):
    loopback.enqueue(error(502, "bad gateway", "text/plain"), reply("fine"))
    loopback.enqueue_models(error(503, "busy", "text/plain"))
    assert (await client.complete("test/model", HELLO)).content == "fine"
    assert (await client.list_models())[0].id == "qwen/qwen3-32b"
    assert len(loopback.requests) == 4


async def test_bad_request_after_a_retry_is_raised_as_is(loopback, client):
    loopback.enqueue(error(500, "oops", "text/plain"), error(400, '{"error":"bad"}'))
    _, raised = await collect_until_error(client)
    assert isinstance(raised, BadRequestError)
    assert len(loopback.requests) == 2
