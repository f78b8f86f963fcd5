"""Every HTTP error status is a specific message; the next message works; nothing is lost."""

from __future__ import annotations

import json

import pytest
from loopback import Response, error, reply

from app.ui.widgets import ReplyView

from .conftest import (
    MODEL,
    assert_kept,
    chat,
    send_and_wait,
    still_works,
    told,
)

ECHO = f"Echo from {MODEL}: are you still there"
NGINX_502 = """<html>
<head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.25.3</center></body>
</html>
"""


def openrouter(status: int, message: str, content_type: str = "application/json") -> Response:
    """An OpenRouter-style JSON error, as the proxy passes it through."""
    body = json.dumps({"error": {"message": message, "code": status}, "user_id": "user_42"})
    return error(status, body, content_type)


# (responses to queue, fragments the message must contain); 5xx are queued once per try.
CASES = [
    pytest.param(
        [openrouter(400, "temperature: must be at most 2")],
        ("rejected the request", "temperature: must be at most 2"),
        id="400-bad-request",
    ),
    pytest.param(
        [error(401, "Authentication failed", "text/plain;charset=UTF-8")],
        ("rejected the API key", "Authentication failed"),
        id="401-bad-key",
    ),
    pytest.param(
        [openrouter(402, "Insufficient credits. Add more using https://openrouter.ai/credits")],
        ("budget is used up", "Insufficient credits"),
        id="402-no-credit",
    ),
    pytest.param(
        [error(403, "You are banned from using this service.", "text/plain;charset=UTF-8")],
        ("refused access", "You are banned from using this service."),
        id="403-plain-text",
    ),
    pytest.param(
        [openrouter(403, "Key limit exceeded (daily limit)")],
        ("budget is used up", "Key limit exceeded"),
        id="403-key-limit",
    ),
    pytest.param(
        [openrouter(404, "No endpoints found for nosuch/model.")],
        ("rejected the request", "No endpoints found for nosuch/model."),
        id="404-unknown-model",
    ),
    pytest.param(
        [error(413, "<html><title>413 Request Entity Too Large</title></html>", "text/html")],
        ("rejected the request", "413 Request Entity Too Large"),
        id="413-too-large",
    ),
    pytest.param(
        [
            error(
                422,
                json.dumps({"detail": [{"loc": ["body", "messages"], "msg": "field required"}]}),
            )
        ],
        ("rejected the request", "body.messages: field required"),
        id="422-validation",
    ),
    pytest.param(
        [error(500, "Internal server error", "text/plain")] * 3,
        ("server failed", "Internal server error"),
        id="500-after-retries",
    ),
    pytest.param(
        [error(502, NGINX_502, "text/html")] * 3,
        ("server failed", "502 Bad Gateway"),
        id="502-html-page",
    ),
    pytest.param(
        [openrouter(503, "Service temporarily unavailable")] * 3,
        ("server failed", "Service temporarily unavailable"),
        id="503-unavailable",
    ),
    pytest.param(
        [openrouter(400, "nosuch/model is not a valid model ID", "text/event-stream")],
        ("rejected the request", "nosuch/model is not a valid model ID"),
        id="event-stream-type-with-json-error",
    ),
    pytest.param(
        [error(500, "Internal server error", "text/event-stream")] * 3,
        ("server failed", "Internal server error"),
        id="event-stream-type-with-plain-text-error",
    ),
]


@pytest.mark.parametrize(("responses", "fragments"), CASES)
async def test_http_error_is_explained_then_the_next_message_works_and_all_is_saved(
    make_app, loopback, store, responses, fragments
):
    loopback.enqueue(*responses)
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "hello")
        message = told(app, *fragments, "(HTTP ")
        failed = chat(app).query(ReplyView).last()
        assert failed.has_class("-failed")
        assert fragments[-1] in str(failed.query_one(".message-footer").render())
        await still_works(pilot)
        session_id = chat(app).session.id
    assert len(loopback.requests) == len(responses) + 1
    messages = assert_kept(store, session_id, ["hello", "are you still there"], ["", ECHO])
    assert messages[1]["error"] in message


async def test_429_with_retry_after_is_retried_and_the_reply_arrives(make_app, loopback, store):
    limited = error(
        429, "Too many requests, please try again later.", "text/plain", {"Retry-After": "0.05"}
    )
    loopback.enqueue(limited, reply("Made it on the second try."))
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "hello")
        told(app, "Rate limited", "Too many requests", "retrying in 0 s (try 2)")
        assert chat(app).session.messages[-1].error is None
        await still_works(pilot)
        session_id = chat(app).session.id
    assert len(loopback.requests) == 3
    assert_kept(
        store, session_id, ["hello", "are you still there"], ["Made it on the second try.", ECHO]
    )


async def test_429_retried_past_the_limit_says_how_long_to_wait(make_app, loopback, store):
    limited = error(
        429, "Too many requests, please try again later.", "text/plain", {"Retry-After": "0.05"}
    )
    loopback.enqueue(limited, limited, limited)
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "hello")
        told(app, "Rate limited: try again in 1 s", "Too many requests", "Ctrl+R")
        await still_works(pilot)
        session_id = chat(app).session.id
    assert len(loopback.requests) == 4
    assert_kept(store, session_id, ["hello", "are you still there"], ["", ECHO])


async def test_429_with_a_wait_longer_than_a_minute_is_not_retried_and_says_the_wait(
    make_app, loopback, store
):
    limited = error(
        429,
        "Too many requests, please try again later.",
        "text/plain",
        {"Retry-After": "1800", "RateLimit-Policy": "750;w=1800"},
    )
    loopback.enqueue(limited)
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "hello")
        told(app, "Rate limited: try again in 1800 s")
        await still_works(pilot)
        session_id = chat(app).session.id
    assert len(loopback.requests) == 2
    assert_kept(store, session_id, ["hello", "are you still there"], ["", ECHO])
