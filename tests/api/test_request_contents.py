"""What the client sends: the body, only the params given, and safe headers."""

from __future__ import annotations

import pytest
from loopback import reply

from app import __version__
from app.api import DEFAULT_BASE_URL, ChatClient

from .conftest import HELLO, KEY, collect, socket_transport

HISTORY = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello.", "reasoning": "greet back", "model": "a/b"},
    {"role": "user", "content": "Again"},
]


async def test_stream_body_has_model_messages_stream_and_usage_option_only(loopback, client):
    await collect(client, model="qwen/qwen3-32b")
    request = loopback.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.json == {
        "model": "qwen/qwen3-32b",
        "messages": HELLO,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


async def test_only_the_params_given_are_sent(loopback, client):
    await collect(client, params={"temperature": 0.5, "max_tokens": 100})
    body = loopback.requests[0].json
    assert body["temperature"] == 0.5
    assert body["max_tokens"] == 100
    assert "top_p" not in body


async def test_messages_carry_only_role_and_content_not_session_metadata(loopback, client):
    await collect(client, messages=HISTORY)
    assert loopback.requests[0].json["messages"] == [
        {"role": m["role"], "content": m["content"]} for m in HISTORY
    ]


async def test_complete_sends_stream_false_without_stream_options(loopback, client):
    loopback.enqueue(reply("whole"))
    completion = await client.complete("m/x", HELLO, {"top_p": 0.9})
    assert completion.content == "whole"
    body = loopback.requests[0].json
    assert body == {"model": "m/x", "messages": HELLO, "stream": False, "top_p": 0.9}
    assert loopback.requests[0].headers["accept"] == "application/json"


async def test_headers_carry_the_key_and_our_user_agent_and_nothing_that_gets_blocked(
    loopback, client
):
    await collect(client)
    headers = loopback.requests[0].headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["user-agent"] == f"hcchat/{__version__}"
    assert headers["accept"] == "text/event-stream"
    for blocked in ("referer", "http-referer", "x-title"):
        assert blocked not in headers


async def test_no_authorization_header_without_a_key(loopback):
    for key in (None, "", "   "):
        async with ChatClient(loopback.base_url, key, transport=socket_transport()) as keyless:
            await collect(keyless)
        assert "authorization" not in loopback.requests[-1].headers


async def test_each_request_gets_fresh_headers(loopback, client):
    await collect(client)
    await client.list_models()
    await collect(client)
    stream_1, models, stream_2 = loopback.requests
    assert models.headers["accept"] == "application/json"
    assert "cache-control" not in models.headers
    assert stream_1.headers == {
        **stream_2.headers,
        "content-length": stream_1.headers["content-length"],
    }


@pytest.mark.parametrize("suffix", ["", "/", "//"])
async def test_trailing_slashes_of_the_base_url_are_ignored(loopback, suffix):
    async with ChatClient(loopback.base_url + suffix, KEY, transport=socket_transport()) as chat:
        await collect(chat)
        await chat.list_models()
    assert [r.path for r in loopback.requests] == ["/v1/chat/completions", "/v1/models"]


def test_default_base_url_is_the_hack_club_proxy():
    assert DEFAULT_BASE_URL == "https://ai.hackclub.com/proxy/v1"


async def test_the_default_transport_reaches_the_loopback_server(loopback):
    async with ChatClient(loopback.base_url, KEY) as chat:
        assert (await chat.complete("m", HELLO)).content == "Echo from m: hello"
