"""Pipe mode (``hcchat -p``) under faults: one clear line, the session saved, the next run works."""

from __future__ import annotations

import io
import sys

import pytest
from loopback import chunk, drop, error, sse, stall

from app.store import SessionSummary

from .conftest import READ_TIMEOUT, assert_kept, free_port

WORDS = [chunk("", role=True), chunk("The beginning "), chunk("of a long answer")]
PARTIAL = "The beginning of a long answer"
ECHO = "Echo from qwen/qwen3-32b: again"

CASES = [
    pytest.param(
        [error(401, "Authentication failed", "text/plain")],
        "The server rejected the API key: Authentication failed (HTTP 401)",
        "",
        id="401",
    ),
    pytest.param(
        [error(403, "You are banned from using this service.", "text/event-stream")],
        "The server refused access: You are banned from using this service. (HTTP 403)",
        "",
        id="403-as-event-stream",
    ),
    pytest.param(
        [error(429, "Too many requests", "text/plain", {"Retry-After": "900"})],
        "Rate limited: try again in 900 s (Too many requests) (HTTP 429)",
        "",
        id="429-long-wait",
    ),
    pytest.param(
        [error(502, "<html><title>502 Bad Gateway</title></html>", "text/html")] * 3,
        "The server failed: 502 Bad Gateway (HTTP 502)",
        "",
        id="502-html",
    ),
    pytest.param(
        [drop(WORDS)], "The connection dropped before the reply finished", PARTIAL, id="drop"
    ),
    pytest.param(
        [stall(WORDS, seconds=5)],
        f"No data from the server for {READ_TIMEOUT:g} s.",
        PARTIAL,
        id="stall",
    ),
    pytest.param(
        [sse([*WORDS, "{not json"])], "The server sent a chunk that is not JSON", PARTIAL, id="json"
    ),
    pytest.param(
        [sse([chunk("", role=True), chunk(finish="stop"), "[DONE]"])],
        "The model sent an empty reply (finish reason: stop).",
        "",
        id="empty-reply",
    ),
]


@pytest.mark.parametrize(("responses", "message", "partial"), CASES)
def test_pipe_mode_fault_is_one_line_the_exchange_is_saved_and_the_next_run_works(
    hcchat, loopback, cli_sessions, responses, message, partial
):
    loopback.enqueue(*responses)
    failed = hcchat("-p", "hello")
    assert failed.code == 1
    assert message in failed.error_line
    assert failed.out == (partial + "\n" if partial else "")

    again = hcchat("-p", "--continue", "again")
    assert (again.code, again.err) == (0, "")
    assert again.out == ECHO + "\n"
    history = [m["content"] for m in loopback.requests[-1].json["messages"]]
    assert history == (["hello", partial, "again"] if partial else ["hello", "again"])
    [summary] = cli_sessions.list()
    assert isinstance(summary, SessionSummary)
    messages = assert_kept(cli_sessions, summary.id, ["hello", "again"], [partial, ECHO])
    assert message in messages[1]["error"]


def test_pipe_mode_connection_refused_names_the_address(hcchat, loopback, cli_sessions):
    port = free_port()
    failed = hcchat("-p", "--base-url", f"http://127.0.0.1:{port}/v1", "hello")
    assert failed.code == 1
    assert f"Could not connect to 127.0.0.1:{port}" in failed.error_line
    assert "connection was refused" in failed.error_line
    again = hcchat("-p", "--continue", "again")
    assert again.code == 0 and again.out == ECHO + "\n"
    [summary] = cli_sessions.list()
    assert isinstance(summary, SessionSummary)
    assert_kept(cli_sessions, summary.id, ["hello", "again"], ["", ECHO])


def test_pipe_mode_on_an_output_that_cannot_show_the_reply_still_saves_what_arrived(
    hcchat, loopback, cli_sessions, monkeypatch
):
    loopback.enqueue(sse([chunk("", role=True), chunk("plain "), chunk("café ☕"), "[DONE]"]))
    ascii_only = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", ascii_only)
    failed = hcchat("-p", "coffee")
    assert failed.code == 1
    assert "the terminal cannot show this text; set PYTHONIOENCODING=utf-8" in failed.error_line
    [summary] = cli_sessions.list()
    assert isinstance(summary, SessionSummary)
    messages = assert_kept(cli_sessions, summary.id, ["coffee"], ["plain café ☕"])
    assert messages[1]["incomplete"] is True
