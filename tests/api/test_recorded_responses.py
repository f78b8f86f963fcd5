"""Replays of responses recorded from a real LiteLLM 1.108.7 proxy, byte for byte over a socket."""

from __future__ import annotations

import json

import pytest
from loopback import FIXTURES, SHARED_FIXTURES, fixture

from app.api import (
    AuthenticationError,
    BadRequestError,
    ChatClient,
    Finish,
    RateLimitError,
    ServerError,
    StreamInterrupted,
    TimeoutError,
    Usage,
)

from .conftest import (
    HELLO,
    KEY,
    collect,
    collect_until_error,
    content,
    finishes,
    socket_transport,
    usages,
)

MOCK_ANSWER = (
    "Hello from the LiteLLM mock. This answer streams in small pieces so a client can "
    "render it token by token."
)


def recorded_text(name: str) -> str:
    """The content a recorded stream carries, read straight from its data lines."""
    body = (FIXTURES / name).read_bytes().decode().partition("\r\n\r\n")[2]
    pieces = []
    for line in body.splitlines():
        if line.startswith("data: {"):
            for choice in json.loads(line[6:]).get("choices", []):
                pieces.append(choice.get("delta", {}).get("content") or "")
    return "".join(pieces)


def test_every_recording_has_a_replay_test():
    tested = {
        "stream.txt",
        "stream-usage.txt",
        "words-stream.txt",
        "words-stream-usage.txt",
        "nonstream.txt",
        "echo-multiturn.txt",
        "midstream-error.txt",
        "err-429-stream.txt",
        "err-429-nonstream.txt",
        "err-500-stream.txt",
        "wrong-key-stream.txt",
        "no-key-stream.txt",
        "unknown-model-stream.txt",
        "models.txt",
        "slow-stream.txt",
    }
    assert {path.name for path in FIXTURES.glob("*.txt")} == tested


@pytest.mark.skipif(not SHARED_FIXTURES.is_dir(), reason="no ../shared checkout beside the repo")
def test_the_copied_recordings_match_the_shared_originals():
    for original in SHARED_FIXTURES.glob("*.txt"):
        assert (FIXTURES / original.name).read_bytes() == original.read_bytes(), original.name


async def test_stream_replays_as_content_and_stop(loopback, client):
    loopback.enqueue(fixture("stream.txt"))
    events = await collect(client)
    assert content(events) == MOCK_ANSWER
    assert finishes(events) == ["stop"]
    assert usages(events) == []


async def test_stream_usage_replays_with_the_usage_chunk_after_finish(loopback, client):
    loopback.enqueue(fixture("stream-usage.txt"))
    events = await collect(client)
    assert content(events) == MOCK_ANSWER
    assert events[-2:] == [Finish("stop"), Usage(9, 24, 33)]


@pytest.mark.parametrize("name", ["words-stream.txt", "words-stream-usage.txt"])
async def test_word_streams_keep_non_ascii_text_and_the_code_fence(loopback, client, name):
    loopback.enqueue(fixture(name, delay=0.001))
    text = content(await collect(client))
    assert text == recorded_text(name)
    assert "🙂" in text
    assert "```python\nprint('hello')\n```\n" in text


async def test_words_stream_usage_reports_its_counts(loopback, client):
    loopback.enqueue(fixture("words-stream-usage.txt"))
    assert usages(await collect(client)) == [Usage(2, 31, 33)]


async def test_nonstream_replays_through_complete(loopback, client):
    loopback.enqueue(fixture("nonstream.txt"))
    completion = await client.complete("mock-gpt", HELLO)
    assert completion.content == MOCK_ANSWER
    assert completion.finish_reason == "stop"
    assert completion.usage == Usage(10, 20, 30)


async def test_json_answer_to_a_streaming_request_is_accepted(loopback, client):
    loopback.enqueue(fixture("nonstream.txt"))
    events = await collect(client)
    assert content(events) == MOCK_ANSWER
    assert events[-2:] == [Finish("stop"), Usage(10, 20, 30)]


async def test_echo_multiturn_replays(loopback, client):
    loopback.enqueue(fixture("echo-multiturn.txt"))
    assert content(await collect(client)) == "You said: second question (4 messages)"


async def test_midstream_error_keeps_the_words_before_it(loopback, client):
    loopback.enqueue(fixture("midstream-error.txt"))
    events, raised = await collect_until_error(client)
    assert content(events) == "This answer will "
    assert isinstance(raised, StreamInterrupted)
    assert "simulated mid-stream failure" in raised.message
    assert raised.status == 500


@pytest.mark.parametrize("name", ["err-429-stream.txt", "err-429-nonstream.txt"])
async def test_429_recordings_are_retried_then_raised(loopback, client, name):
    loopback.enqueue(*[fixture(name)] * 3)
    _, raised = await collect_until_error(client)
    assert isinstance(raised, RateLimitError)
    assert raised.retry_after is None
    assert raised.message.startswith("Rate limited: litellm.RateLimitError: this is a mock rate")
    assert len(loopback.requests) == 3


async def test_err_429_nonstream_through_complete(loopback, client):
    loopback.enqueue(*[fixture("err-429-nonstream.txt")] * 3)
    with pytest.raises(RateLimitError, match="mock rate limit error"):
        await client.complete("mock-429", HELLO)


async def test_err_500_is_retried_then_raised_as_a_server_error(loopback, client):
    loopback.enqueue(*[fixture("err-500-stream.txt")] * 3)
    _, raised = await collect_until_error(client)
    assert isinstance(raised, ServerError)
    assert "mock internal server error" in raised.message
    assert raised.status == 500


async def test_wrong_key_is_an_authentication_error(loopback, client):
    loopback.enqueue(fixture("wrong-key-stream.txt"))
    _, raised = await collect_until_error(client)
    assert isinstance(raised, AuthenticationError)
    assert raised.message == "The server rejected the API key: Incorrect API key provided."


async def test_no_key_is_an_authentication_error_that_says_to_set_one(loopback):
    async with ChatClient(loopback.base_url, None, transport=socket_transport()) as keyless:
        loopback.enqueue(fixture("no-key-stream.txt"))
        _, raised = await collect_until_error(keyless)
    assert isinstance(raised, AuthenticationError)
    assert "HCCHAT_API_KEY" in raised.message
    assert "Missing API key" in raised.message


async def test_unknown_model_is_a_bad_request_naming_it(loopback, client):
    loopback.enqueue(fixture("unknown-model-stream.txt"))
    _, raised = await collect_until_error(client, model="no-such-model")
    assert isinstance(raised, BadRequestError)
    assert "Invalid model name passed in model=no-such-model" in raised.message


async def test_models_recording_lists_every_id_once(loopback, client):
    loopback.enqueue_models(fixture("models.txt"))
    models = await client.list_models()
    assert [m.id for m in models][:3] == ["mock-gpt", "mock-slow", "mock-429"]
    assert len(models) == 13
    assert models[0].name == "" and models[0].context_length is None


async def test_slow_stream_waits_for_its_first_event(loopback, client):
    loopback.enqueue(fixture("slow-stream.txt", first_delay=0.3))
    assert content(await collect(client)) == "Slow hello."


async def test_slow_stream_beyond_the_read_timeout_is_a_timeout(loopback):
    async with ChatClient(
        loopback.base_url, KEY, transport=socket_transport(), read_timeout=0.1
    ) as impatient:
        loopback.enqueue(fixture("slow-stream.txt", first_delay=0.5))
        _, raised = await collect_until_error(impatient)
    assert isinstance(raised, TimeoutError)
    assert raised.message == "No data from the server for 0.1 s."
