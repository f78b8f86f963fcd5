"""Broken connections, silent servers, garbage and wrong content types."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import pytest
from loopback import chunk, drop, error, raw, stall

from app.api import (
    ChatClient,
    ConnectError,
    ContentDelta,
    ProtocolError,
    RateLimitError,
    ServerError,
    StreamInterrupted,
    TimeoutError,
)

from .conftest import HELLO, KEY, collect, collect_until_error, content, socket_transport

WORDS = [chunk("", role=True), chunk("The beginning "), chunk("of a long answer")]


async def wait_for(predicate, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_dropped_connection_mid_stream_keeps_the_text_and_is_interrupted(loopback, client):
    loopback.enqueue(drop(WORDS))
    events, raised = await collect_until_error(client)
    assert content(events) == "The beginning of a long answer"
    assert isinstance(raised, StreamInterrupted)
    assert raised.message.startswith("The connection dropped before the reply finished")


async def test_silent_server_mid_stream_is_a_read_timeout(loopback):
    async with ChatClient(
        loopback.base_url, KEY, transport=socket_transport(), read_timeout=0.2
    ) as chat:
        loopback.enqueue(stall(WORDS, seconds=5))
        events, raised = await collect_until_error(chat)
    assert content(events) == "The beginning of a long answer"
    assert isinstance(raised, TimeoutError)
    assert raised.message == "No data from the server for 0.2 s."


async def test_text_arrives_before_the_stream_ends(loopback, client):
    loopback.enqueue(stall(WORDS, seconds=5))
    # the model the chunks name: no ServedModel event comes first
    async with aclosing(client.stream_chat("loopback/model", HELLO)) as stream:
        received = ""
        async for event in stream:
            assert isinstance(event, ContentDelta)
            received += event.text
            if received == "The beginning of a long answer":
                break
    await wait_for(lambda: loopback.requests[0].disconnected)


async def test_cancelling_the_consumer_closes_the_connection(loopback, client):
    loopback.enqueue(stall(WORDS, seconds=5))
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in client.stream_chat("m", HELLO):
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_for(lambda: loopback.requests[0].disconnected)


async def test_garbage_instead_of_http_is_a_connection_error_and_not_retried(loopback, client):
    loopback.enqueue(raw(b"SSH-2.0-OpenSSH_9.6\r\n"), raw(b"SSH-2.0-OpenSSH_9.6\r\n"))
    _, raised = await collect_until_error(client)
    assert isinstance(raised, ConnectError)
    assert "failed before the server answered" in raised.message
    assert len(loopback.requests) == 1


async def test_connection_closed_without_an_answer_is_a_connection_error(loopback, client):
    loopback.enqueue(raw(b""))
    _, raised = await collect_until_error(client)
    assert isinstance(raised, ConnectError)


async def test_html_answer_to_a_streaming_request_names_the_content_type(loopback, client):
    loopback.enqueue(error(200, "<html><body>Captive portal</body></html>", "text/html"))
    _, raised = await collect_until_error(client)
    assert isinstance(raised, ProtocolError)
    assert "'text/html' instead of an event stream" in raised.message


async def test_json_that_is_not_a_completion_is_a_protocol_error(loopback, client):
    loopback.enqueue(error(200, '{"object":"list","data":[]}'))
    _, raised = await collect_until_error(client)
    assert isinstance(raised, ProtocolError)
    assert "application/json" in raised.message


async def test_json_error_object_with_a_good_status_is_raised_by_its_code(loopback, client):
    loopback.enqueue(error(200, '{"error":{"message":"Rate limit exceeded","code":429}}'))
    _, raised = await collect_until_error(client)
    assert isinstance(raised, RateLimitError)
    assert "Rate limit exceeded" in raised.message


async def test_json_error_object_without_a_status_code_is_a_server_error(loopback, client):
    loopback.enqueue(error(200, '{"error":{"message":"upstream exploded","code":"boom"}}'))
    with pytest.raises(ServerError, match="upstream exploded"):
        await client.complete("m", HELLO)


async def test_complete_tolerates_keep_alive_spaces_before_the_json(loopback, client):
    body = (
        b"          "
        b'{"choices":[{"index":0,"message":{"role":"assistant","content":"late"},'
        b'"finish_reason":"stop"}]}'
    )
    loopback.enqueue(error(200, body))
    assert (await client.complete("m", HELLO)).content == "late"


async def test_complete_with_a_body_that_is_not_json_is_a_protocol_error(loopback, client):
    loopback.enqueue(error(200, "<html>oops</html>", "text/html"))
    with pytest.raises(ProtocolError, match=r"reply is not JSON \(text/html\): <html>oops"):
        await client.complete("m", HELLO)


async def test_complete_dropped_mid_body_is_interrupted(loopback, client):
    loopback.enqueue(
        raw(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
    )
    with pytest.raises(StreamInterrupted):
        await client.complete("m", HELLO)


async def test_list_models_that_is_not_json_is_a_protocol_error(loopback, client):
    loopback.enqueue_models(error(200, "not json", "text/plain"))
    with pytest.raises(ProtocolError, match="model list is not JSON"):
        await client.list_models()


async def test_unsupported_url_scheme_is_a_connection_error_without_retries():
    async with ChatClient("ftp://example.org/v1", KEY, backoff=0.001) as chat:
        calls = []
        chat.on_retry = lambda *args: calls.append(args)
        _, raised = await collect_until_error(chat)
    assert isinstance(raised, ConnectError)
    assert "'ftp://example.org/v1' is not a valid http(s) URL" in raised.message
    assert calls == []


async def test_one_client_serves_many_requests_over_kept_alive_connections(loopback, client):
    for n in range(5):
        events = await collect(client, messages=[{"role": "user", "content": f"n{n}"}])
        assert content(events) == f"Echo from test/model: n{n}"
    assert len(loopback.requests) == 5
