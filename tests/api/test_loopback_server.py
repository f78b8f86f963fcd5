"""The loopback server itself: what the other tests rely on it to do."""

from __future__ import annotations

import asyncio

import httpx
from loopback import FIXTURES, LoopbackServer, fixture, reply, sse, stall


async def test_fixture_replay_keeps_status_and_headers_and_reframes_the_body(loopback):
    loopback.enqueue(fixture("stream-usage.txt"))
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{loopback.base_url}/chat/completions", json={})
    assert response.status_code == 200
    assert response.headers["x-litellm-version"] == "1.108.7"
    assert response.headers["transfer-encoding"] == "chunked"
    assert (
        response.content == (FIXTURES / "stream-usage.txt").read_bytes().partition(b"\r\n\r\n")[2]
    )


async def test_sse_sends_payloads_and_comments_exactly_as_given(loopback):
    loopback.enqueue(sse([": keep-alive", '{"a":1}', "[DONE]"], headers={"X-Extra": "1"}))
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{loopback.base_url}/chat/completions", json={})
    assert response.text == ': keep-alive\n\ndata: {"a":1}\n\ndata: [DONE]\n\n'
    assert response.headers["x-extra"] == "1"
    assert response.headers["content-type"].startswith("text/event-stream")


async def test_reply_answers_stream_false_with_one_completion_object(loopback):
    loopback.enqueue(reply("whole", model="named/model"))
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{loopback.base_url}/chat/completions", json={"model": "m", "stream": False}
        )
    body = response.json()
    assert body["model"] == "named/model"
    assert body["choices"][0]["message"]["content"] == "whole"


async def test_requests_are_recorded_with_lowercased_headers_and_parsed_json(loopback):
    async with httpx.AsyncClient() as http:
        await http.post(
            f"{loopback.base_url}/chat/completions?x=1",
            json={"model": "m", "messages": []},
            headers={"X-Test": "yes"},
        )
    (request,) = await loopback.wait_until_requests(1)
    assert (request.method, request.path) == ("POST", "/v1/chat/completions?x=1")
    assert request.headers["x-test"] == "yes"
    assert request.json == {"model": "m", "messages": []}


async def test_default_models_include_duplicates_like_the_hack_club_proxy(loopback):
    async with httpx.AsyncClient() as http:
        data = (await http.get(f"{loopback.base_url}/models")).json()["data"]
    ids = [item["id"] for item in data]
    assert len(ids) > len(set(ids))
    assert "object" not in data[0]


async def test_unknown_paths_get_404(loopback):
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{loopback.base_url}/embeddings", json={})
    assert response.status_code == 404


async def test_reset_drops_a_stalled_connection(loopback):
    loopback.enqueue(stall([], seconds=30))
    async with (
        httpx.AsyncClient() as http,
        http.stream("POST", f"{loopback.base_url}/chat/completions", json={}) as response,
    ):
        assert response.status_code == 200
        await asyncio.to_thread(loopback.reset)
        body = b""
        try:
            async for data in response.aiter_bytes():
                body += data
        except httpx.RemoteProtocolError:
            body = b"dropped"
    assert body == b"dropped"


def test_a_second_server_gets_its_own_port_and_stops_cleanly():
    server = LoopbackServer()
    server.start()
    try:
        response = httpx.post(f"{server.base_url}/chat/completions", json={"model": "m"})
        assert response.status_code == 200
        assert server.wait_until_requests_blocking(1)[0].json == {"model": "m"}
    finally:
        server.stop()
