"""HTTP error responses of every shape become typed errors with short, readable messages."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from loopback import error

from app.api import (
    AuthenticationError,
    BadRequestError,
    BudgetError,
    ChatClient,
    RateLimitError,
    ServerError,
)
from app.api._http_errors import error_message, parse_retry_after

from .conftest import HELLO, collect_until_error, socket_transport

NGINX_502 = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
</body>
</html>
"""


async def failure(loopback, client, response):
    """The error stream_chat raises for ``response`` (sent once, before any event)."""
    loopback.enqueue(response)
    events, raised = await collect_until_error(client)
    assert events == []
    return raised


# ---------------------------------------------------------------- the Hack Club proxy trap


async def test_401_sent_as_event_stream_with_json_body_is_an_authentication_error(loopback, client):
    body = '{"error":{"message":"Incorrect API key provided.","code":401}}'
    raised = await failure(loopback, client, error(401, body, "text/event-stream"))
    assert isinstance(raised, AuthenticationError)
    assert raised.message == "The server rejected the API key: Incorrect API key provided."
    assert str(raised) == raised.message + " (HTTP 401)"


async def test_401_sent_as_event_stream_with_plain_text_is_an_authentication_error(
    loopback, client
):
    raised = await failure(
        loopback, client, error(401, "Authentication failed", "text/event-stream")
    )
    assert isinstance(raised, AuthenticationError)
    assert raised.message.endswith(": Authentication failed")


async def test_429_sent_as_event_stream_with_a_long_retry_after_fails_at_once(loopback, client):
    response = error(
        429,
        "Too many requests, please try again later.",
        "text/event-stream",
        headers={"Retry-After": "1800", "RateLimit-Policy": "750;w=1800"},
    )
    raised = await failure(loopback, client, response)
    assert isinstance(raised, RateLimitError)
    assert raised.retry_after == 1800
    assert raised.message.startswith("Rate limited: try again in 1800 s")
    assert "Too many requests" in raised.message
    assert len(loopback.requests) == 1


async def test_400_sent_as_event_stream_names_the_bad_model(loopback, client):
    body = '{"error":{"message":"x is not a valid model ID","code":400},"user_id":"user_1"}'
    raised = await failure(loopback, client, error(400, body, "text/event-stream"))
    assert isinstance(raised, BadRequestError)
    assert raised.message == "The server rejected the request: x is not a valid model ID"


# ---------------------------------------------------------------- body shapes


async def test_502_html_page_is_reduced_to_its_title(loopback, client):
    responses = [error(502, NGINX_502, "text/html")] * 3
    loopback.enqueue(*responses)
    _, raised = await collect_until_error(client)
    assert isinstance(raised, ServerError)
    assert raised.message == "The server failed: 502 Bad Gateway"
    assert "<" not in raised.message


async def test_detail_string_like_llama_cpp_is_the_message(loopback, client):
    raised = await failure(loopback, client, error(401, '{"detail": "Invalid API Key"}'))
    assert raised.message == "The server rejected the API key: Invalid API Key"


async def test_detail_list_of_validation_errors_is_joined(loopback, client):
    body = (
        '{"detail":[{"loc":["body","messages"],"msg":"Field required","type":"missing"},'
        '{"loc":["body","model"],"msg":"Input should be a string","type":"string_type"}]}'
    )
    raised = await failure(loopback, client, error(422, body))
    assert isinstance(raised, BadRequestError)
    assert raised.message == (
        "The server rejected the request: body.messages: Field required; "
        "body.model: Input should be a string"
    )


async def test_detail_object_uses_its_message(loopback, client):
    raised = await failure(loopback, client, error(400, '{"detail":{"message":"too long"}}'))
    assert raised.message.endswith(": too long")


async def test_error_string_is_the_message(loopback, client):
    raised = await failure(loopback, client, error(404, '{"error":"Not found"}'))
    assert isinstance(raised, BadRequestError)
    assert raised.message == "The server rejected the request: Not found"


@pytest.mark.parametrize("code", ["400", 400, "invalid_request_error"])
async def test_error_code_may_be_int_or_str(loopback, client, code):
    body = {"error": {"message": "bad params", "type": "invalid_request_error", "code": code}}
    raised = await failure(loopback, client, error(400, httpx.Response(200, json=body).content))
    assert raised.message == "The server rejected the request: bad params"


async def test_error_without_message_falls_back_to_its_code(loopback, client):
    raised = await failure(loopback, client, error(400, '{"error":{"code":"context_length"}}'))
    assert raised.message == "The server rejected the request: error code context_length"


async def test_openrouter_provider_error_includes_the_raw_provider_message(loopback, client):
    body = (
        '{"error":{"message":"Provider returned error","code":400,'
        '"metadata":{"raw":"max_tokens is too large","provider_name":"Groq"}}}'
    )
    raised = await failure(loopback, client, error(400, body))
    assert raised.message.endswith("Provider returned error (Groq: max_tokens is too large)")


async def test_long_plain_text_is_flattened_and_cut(loopback, client):
    raised = await failure(
        loopback, client, error(400, "line one\n\n" + "word " * 200, "text/plain")
    )
    assert "\n" not in raised.message
    assert len(raised.message) < 360
    assert raised.message.endswith("…")


async def test_empty_body_uses_the_status_phrase(loopback, client):
    raised = await failure(loopback, client, error(418, b"", "text/plain"))
    assert raised.message == "The server rejected the request: I'm a Teapot"


async def test_control_characters_in_the_body_are_removed(loopback, client):
    raised = await failure(loopback, client, error(400, "bad \x1b[31mred\x1b[0m\x07", "text/plain"))
    assert "\x1b" not in raised.message and "\x07" not in raised.message


# ---------------------------------------------------------------- status mapping


async def test_402_is_a_budget_error(loopback, client):
    body = '{"error":{"message":"Insufficient credits","code":402}}'
    raised = await failure(loopback, client, error(402, body))
    assert isinstance(raised, BudgetError)
    assert raised.message == "The account's budget is used up: Insufficient credits"


async def test_403_key_limit_exceeded_is_a_budget_error(loopback, client):
    body = '{"error":{"message":"Key limit exceeded (daily limit)","code":403}}'
    raised = await failure(loopback, client, error(403, body))
    assert isinstance(raised, BudgetError)


async def test_other_403_is_an_authentication_error_with_the_reason(loopback, client):
    raised = await failure(
        loopback, client, error(403, "You are banned from using this service.", "text/plain")
    )
    assert isinstance(raised, AuthenticationError)
    assert raised.message == "The server refused access: You are banned from using this service."


async def test_401_without_a_key_says_how_to_set_one(loopback):
    async with ChatClient(loopback.base_url, None, transport=socket_transport()) as keyless:
        loopback.enqueue(error(401, "Authentication required", "text/plain"))
        _, raised = await collect_until_error(keyless)
    assert isinstance(raised, AuthenticationError)
    assert "HCCHAT_API_KEY" in raised.message
    assert "authorization" not in loopback.requests[0].headers


async def test_redirect_is_an_error_that_names_the_new_address(loopback, client):
    response = error(301, b"", "text/plain", headers={"Location": "https://example.org/v1"})
    raised = await failure(loopback, client, response)
    assert isinstance(raised, BadRequestError)
    assert "https://example.org/v1" in raised.message


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequestError),
        (404, BadRequestError),
        (413, BadRequestError),
        (422, BadRequestError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (402, BudgetError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (520, ServerError),
    ],
)
async def test_status_maps_to_its_error_type(loopback, client, status, kind):
    loopback.enqueue(*[error(status, '{"error":{"message":"nope"}}')] * 3)
    _, raised = await collect_until_error(client)
    assert type(raised) is kind
    assert raised.status == status


async def test_complete_maps_errors_the_same_way(loopback, client):
    loopback.enqueue(error(401, '{"error":{"message":"Incorrect API key provided."}}'))
    with pytest.raises(AuthenticationError, match="rejected the API key: Incorrect API key"):
        await client.complete("test/model", HELLO)


async def test_list_models_maps_errors_the_same_way(loopback, client):
    loopback.enqueue_models(error(404, '{"error":"Not found"}'))
    with pytest.raises(BadRequestError, match="Not found"):
        await client.list_models()


# ---------------------------------------------------------------- pure helpers


def test_retry_after_in_seconds_and_as_http_date():
    now = datetime(2026, 11, 24, 20, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("Tue, 24 Nov 2026 20:00:30 GMT", now) == 30
    assert parse_retry_after("Tue, 24 Nov 2026 19:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("nan") is None


def test_error_message_of_a_json_string_and_of_unknown_json():
    assert error_message(b'"just a string"') == "just a string"
    assert error_message(b'{"status":"bad"}') == '{"status": "bad"}'
    assert error_message(b"{broken json", "application/json") == "{broken json"


def test_html_without_a_title_shows_its_first_line_of_text():
    page = b"<html><body><script>var x = 1;</script><p>Gateway timeout</p><p>more</p></body></html>"
    assert error_message(page, "text/html") == "Gateway timeout"
