"""Network faults and broken streams: a specific message, the app goes on, nothing is lost."""

from __future__ import annotations

import json

import pytest
from loopback import chunk, drop, error, raw, reply, sse, stall

from app.ui.widgets import ReplyView

from .conftest import (
    CONNECT_TIMEOUT,
    MODEL,
    READ_TIMEOUT,
    assert_kept,
    chat,
    free_port,
    send_and_wait,
    still_works,
    told,
)

ECHO = f"Echo from {MODEL}: are you still there"
BEGINNING = [chunk("", role=True), chunk("The beginning "), chunk("of a long answer")]
PARTIAL = "The beginning of a long answer"


def footer(app) -> str:
    """The footer line of the last reply."""
    return str(chat(app).query(ReplyView).last().query_one(".message-footer").render())


# --------------------------------------------------------------------------- cannot connect


async def fails_then_heals(make_app, store, reroute, base_url: str, *notices: tuple[str, ...]):
    """Send to ``base_url``, which fails: the user gets a notification holding each tuple of
    fragments in ``notices``; once ``reroute`` heals, the next message works, and the session
    file keeps both prompts and the answer."""
    app = make_app(base_url=base_url, transport=reroute)
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "hello")
        for fragments in notices:
            told(app, *fragments)
        reroute.healed = True
        await still_works(pilot)
        session_id = chat(app).session.id
    assert_kept(store, session_id, ["hello", "are you still there"], ["", ECHO])


async def test_connection_refused_is_explained_and_works_once_the_server_is_back(
    make_app, loopback, store, reroute
):
    port = free_port()
    await fails_then_heals(
        make_app,
        store,
        reroute,
        f"http://127.0.0.1:{port}/v1",
        (f"Could not connect to 127.0.0.1:{port}", "connection was refused", "Ctrl+R"),
        ("retrying",),
    )


async def test_unknown_host_is_explained_and_works_once_the_name_resolves(
    make_app, loopback, store, reroute
):
    await fails_then_heals(
        make_app,
        store,
        reroute,
        "http://hcchat-faults.invalid/v1",
        ("Could not connect to hcchat-faults.invalid", "host name could not be resolved"),
    )


async def test_tls_handshake_failure_is_explained_and_works_once_fixed(
    make_app, loopback, store, reroute, plain_http_endpoint
):
    await fails_then_heals(
        make_app,
        store,
        reroute,
        plain_http_endpoint,
        ("Could not connect to 127.0.0.1", "TLS handshake failed", "start with http://"),
    )


async def test_connect_timeout_is_explained_and_works_once_the_server_accepts(
    make_app, loopback, store, reroute, unaccepting_endpoint
):
    await fails_then_heals(
        make_app,
        store,
        reroute,
        unaccepting_endpoint,
        ("Could not connect to 127.0.0.1", f"within {CONNECT_TIMEOUT:g} s"),
    )


async def test_server_that_never_answers_times_out_with_a_message(
    make_app, loopback, store, reroute, unanswering_endpoint
):
    await fails_then_heals(
        make_app,
        store,
        reroute,
        unanswering_endpoint,
        (f"No answer from the server for {READ_TIMEOUT:g} s",),
    )


# --------------------------------------------------------------------------- broken streams


STREAM_FAULTS = [
    pytest.param(
        stall(BEGINNING, seconds=5),
        (f"No data from the server for {READ_TIMEOUT:g} s",),
        id="stall-past-read-timeout",
    ),
    pytest.param(
        drop(BEGINNING),
        ("The connection dropped before the reply finished",),
        id="dropped-without-done",
    ),
    pytest.param(
        sse(
            [
                *BEGINNING,
                json.dumps(
                    {
                        "id": "gen-1",
                        "object": "chat.completion.chunk",
                        "error": {"code": 502, "message": "Upstream provider disconnected"},
                        "choices": [
                            {"index": 0, "delta": {"content": ""}, "finish_reason": "error"}
                        ],
                    }
                ),
                "[DONE]",
            ]
        ),
        ("error during the reply", "Upstream provider disconnected"),
        id="error-chunk-with-finish-reason-error",
    ),
    pytest.param(
        sse([*BEGINNING, chunk(finish="error"), "[DONE]"]),
        ("provider failed part way", 'finish_reason "error"'),
        id="finish-reason-error-alone",
    ),
    pytest.param(
        sse([*BEGINNING, '{"choices": [{"delta": {"content": "more', "[DONE]"]),
        ("chunk that is not JSON",),
        id="invalid-json-chunk",
    ),
]


@pytest.mark.parametrize(("response", "fragments"), STREAM_FAULTS)
async def test_broken_stream_keeps_the_partial_reply_marked_incomplete(
    make_app, loopback, store, response, fragments
):
    loopback.enqueue(response)
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "tell me")
        told(app, *fragments)
        assert "incomplete" in footer(app) and fragments[0] in footer(app)
        await still_works(pilot)
        session_id = chat(app).session.id
        history = [m["content"] for m in loopback.requests[-1].json["messages"]]
    assert history == ["tell me", PARTIAL, "are you still there"]
    messages = assert_kept(store, session_id, ["tell me", "are you still there"], [PARTIAL, ECHO])
    assert messages[1]["incomplete"] is True
    assert fragments[0] in messages[1]["error"]
    assert "incomplete" not in messages[3]


EMPTY_REPLIES = [
    pytest.param(sse([]), ("closed the stream without sending a reply",), id="empty-event-stream"),
    pytest.param(
        error(200, b"", "application/json"),
        ("sent an empty answer (application/json) instead of an event stream",),
        id="empty-json",
    ),
    pytest.param(
        raw(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        ("sent an empty answer (no content type)",),
        id="empty-body-no-type",
    ),
    pytest.param(
        sse([chunk("", role=True), chunk(finish="stop"), "[DONE]"]),
        ("empty reply",),
        id="stream-without-content",
    ),
    pytest.param(sse(["[DONE]"]), ("empty reply",), id="only-done"),
]


@pytest.mark.parametrize(("response", "fragments"), EMPTY_REPLIES)
async def test_reply_without_any_text_is_a_failure_that_can_be_retried(
    make_app, loopback, store, response, fragments
):
    loopback.enqueue(response)
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "hello")
        told(app, *fragments, "Ctrl+R")
        assert chat(app).query(ReplyView).last().has_class("-failed")
        await still_works(pilot)
        session_id = chat(app).session.id
        history = [m["content"] for m in loopback.requests[-1].json["messages"]]
    assert history == ["hello", "are you still there"]
    assert_kept(store, session_id, ["hello", "are you still there"], ["", ECHO])


async def test_ten_megabyte_reply_is_shown_in_part_and_saved_whole(make_app, loopback, store):
    paragraph = ("lorem ipsum dolor sit amet " * 36).strip() + "\n\n"
    text = paragraph * (10_000_000 // len(paragraph)) + "THE END"
    loopback.enqueue(reply(text, chunk_size=65536))
    # the next request carries the 10 MB reply as history: the loopback server, sharing the
    # interpreter, takes about 0.47 s to read it and answer, over the suite's 0.4 s read timeout
    app = make_app(read_timeout=5.0)
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "write a lot", timeout=30)
        assert chat(app).session.messages[-1].content == text
        assert f"of {len(text):,} characters" in footer(app)
        body = chat(app).query(ReplyView).last().query_one(".message-body").source
        assert len(body) < 250_000 and "too long to show in full" in body
        await still_works(pilot)
        session_id = chat(app).session.id
    assert_kept(store, session_id, ["write a lot", "are you still there"], [text, ECHO])
