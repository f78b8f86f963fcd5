"""stream_chat against the loopback server: every event kind and every way a stream can end."""

from __future__ import annotations

import json

import pytest
from loopback import chunk, raw, reply, sse

from app.api import (
    ContentDelta,
    ContentWasReasoning,
    Finish,
    ProtocolError,
    ReasoningDelta,
    StreamInterrupted,
    Usage,
)

from .conftest import collect, collect_until_error, content, finishes, reasoning, usages


def payload(delta: dict | None = None, finish: str | None = None, **top: object) -> str:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return json.dumps({"id": "c1", "object": "chat.completion.chunk", "choices": choices, **top})


async def test_reply_streams_content_then_finish_then_usage(loopback, client):
    loopback.enqueue(reply("Hello **there**, friend.", chunk_size=3))
    events = await collect(client)
    assert content(events) == "Hello **there**, friend."
    assert sum(isinstance(e, ContentDelta) for e in events) > 3
    assert isinstance(events[-2], Finish) and events[-2].reason == "stop"
    assert isinstance(events[-1], Usage)
    assert events[-1].total_tokens == events[-1].prompt_tokens + events[-1].completion_tokens


async def test_delta_reasoning_becomes_reasoning_events_before_the_answer(loopback, client):
    loopback.enqueue(reply("42.", reasoning="Six times seven.", chunk_size=5))
    events = await collect(client)
    assert reasoning(events) == "Six times seven."
    assert content(events) == "42."
    first_content = next(i for i, e in enumerate(events) if isinstance(e, ContentDelta))
    assert all(not isinstance(e, ReasoningDelta) for e in events[first_content:])


async def test_reasoning_content_field_is_read_when_reasoning_is_absent(loopback, client):
    loopback.enqueue(
        sse(
            [
                payload({"role": "assistant", "reasoning_content": "vLLM thinks"}),
                payload({"content": "done"}, "stop"),
                "[DONE]",
            ]
        )
    )
    events = await collect(client)
    assert (reasoning(events), content(events)) == ("vLLM thinks", "done")


async def test_reasoning_details_text_is_used_and_encrypted_details_are_skipped(loopback, client):
    details = [
        {"type": "reasoning.text", "text": "plain ", "index": 0},
        {"type": "reasoning.encrypted", "data": "opaque", "index": 1},
        {"type": "reasoning.summary", "summary": "summary", "index": 2},
    ]
    loopback.enqueue(
        sse(
            [
                payload({"content": "", "reasoning": None, "reasoning_details": details}),
                payload({"content": "answer"}, "stop"),
                "[DONE]",
            ]
        )
    )
    events = await collect(client)
    assert reasoning(events) == "plain summary"
    assert content(events) == "answer"


async def test_openrouter_style_null_reasoning_and_empty_content_yield_nothing(loopback, client):
    null_fields = {"role": "assistant", "content": "", "reasoning": None, "reasoning_details": []}
    loopback.enqueue(
        sse([payload(null_fields), payload({"content": "x"}), payload({}, "stop"), "[DONE]"])
    )
    assert await collect(client) == [ContentDelta("x"), Finish("stop")]


async def test_sse_comments_before_and_between_events_are_ignored(loopback, client):
    loopback.enqueue(reply("kept intact", comments=True))
    assert content(await collect(client)) == "kept intact"


async def test_chunks_with_empty_or_missing_choices_are_skipped(loopback, client):
    loopback.enqueue(
        sse(
            [
                json.dumps({"id": "c1", "object": "chat.completion.chunk"}),
                payload(None),
                json.dumps({"choices": [None, "junk"]}),
                payload({"content": "ok"}, "stop"),
                "[DONE]",
            ]
        )
    )
    assert await collect(client) == [ContentDelta("ok"), Finish("stop")]


async def test_only_the_first_finish_reason_counts(loopback, client):
    loopback.enqueue(
        sse(
            [
                payload({"content": "a"}),
                payload({}, "stop"),
                payload({"role": "assistant", "content": ""}, None),
                payload({}, "length"),
                "[DONE]",
            ]
        )
    )
    assert finishes(await collect(client)) == ["stop"]


async def test_usage_on_a_chunk_with_a_dummy_choice_after_finish_is_reported(loopback, client):
    # OpenRouter (and LiteLLM) put the usage on a chunk whose choices are not empty.
    usage = {"prompt_tokens": 12, "completion_tokens": 1280, "total_tokens": 1292}
    loopback.enqueue(
        sse(
            [
                payload({"content": "x"}),
                payload({}, "stop"),
                payload({"role": "assistant", "content": ""}, None, usage=usage),
                "[DONE]",
            ]
        )
    )
    events = await collect(client)
    assert usages(events) == [Usage(12, 1280, 1292)]
    assert finishes(events) == ["stop"]


async def test_every_usage_seen_is_yielded_and_the_last_one_wins(loopback, client):
    loopback.enqueue(
        sse(
            [
                payload({"content": "x"}, usage={"prompt_tokens": 1, "completion_tokens": 1}),
                payload({}, "stop", usage=None),
                payload(
                    None, usage={"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}
                ),
                "[DONE]",
            ]
        )
    )
    assert usages(await collect(client)) == [Usage(1, 1, 2), Usage(5, 7, 12)]


async def test_role_only_first_event_and_unicode_escapes_like_llama_cpp(loopback, client):
    loopback.enqueue(
        sse(
            [
                '{"choices":[{"index":0,"delta":{"role":"assistant"}}]}',
                '{"choices":[{"index":0,"delta":{"content":"caf\\u00e9 \\ud83d\\ude42"}}]}',
                '{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
                "[DONE]",
            ]
        )
    )
    assert content(await collect(client)) == "café 🙂"


async def test_think_tags_inside_content_become_reasoning(loopback, client):
    loopback.enqueue(reply("<think>\nPonder.\n</think>\n\nAnswer.", chunk_size=3))
    events = await collect(client)
    assert (reasoning(events), content(events)) == ("Ponder.", "Answer.")


async def test_model_that_omits_the_opening_tag_is_remembered_for_its_next_reply(loopback, client):
    untagged = "The user greets me.\n</think>\n\nHello!"
    loopback.enqueue(reply(untagged, chunk_size=4), reply(untagged, chunk_size=4))
    first = await collect(client, model="cerebras/qwen-thinking")
    second = await collect(client, model="cerebras/qwen-thinking")
    # while streaming, the first reply's reasoning went out as content until the bare tag came;
    # then the client says so, and the caller moves that text into the reasoning
    turn = next(i for i, event in enumerate(first) if isinstance(event, ContentWasReasoning))
    assert content(first[:turn]) == "The user greets me."
    assert (reasoning(first[turn:]), content(first[turn:])) == ("", "Hello!")
    assert (reasoning(second), content(second)) == ("The user greets me.", "Hello!")


async def test_finish_reason_error_interrupts_the_stream_after_the_text_so_far(loopback, client):
    loopback.enqueue(
        sse([payload({"content": "partial"}), payload({"content": ""}, "error"), "[DONE]"])
    )
    events, error = await collect_until_error(client)
    assert content(events) == "partial"
    assert isinstance(error, StreamInterrupted)
    assert "failed part way" in error.message


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ({"code": "server_error", "message": "Provider disconnected unexpectedly"}, None),
        ({"code": 429, "message": "Provider disconnected unexpectedly"}, 429),
        ({"code": "502", "message": "Provider disconnected unexpectedly"}, 502),
    ],
)
async def test_midstream_error_chunk_interrupts_with_its_message(loopback, client, error, status):
    loopback.enqueue(
        sse(
            [
                payload({"content": "Some "}),
                payload({"content": ""}, "error", error=error, provider="openai"),
                "[DONE]",
            ]
        )
    )
    events, raised = await collect_until_error(client)
    assert content(events) == "Some "
    assert isinstance(raised, StreamInterrupted)
    assert "Provider disconnected unexpectedly" in raised.message
    assert raised.status == status


async def test_error_event_type_interrupts_the_stream(loopback, client):
    loopback.enqueue(
        raw(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
            b"event: error\ndata: upstream went away\n\n"
        )
    )
    _, error = await collect_until_error(client)
    assert isinstance(error, StreamInterrupted)
    assert "upstream went away" in error.message


async def test_a_chunk_that_is_not_json_is_a_protocol_error_quoting_it(loopback, client):
    loopback.enqueue(sse([payload({"content": "ok "}), "{not json" + "x" * 200]))
    events, error = await collect_until_error(client)
    assert content(events) == "ok "
    assert isinstance(error, ProtocolError)
    assert "not JSON: {not jsonxxx" in error.message
    assert len(error.message) < 140


async def test_done_ends_the_stream_and_later_events_are_not_read(loopback, client):
    loopback.enqueue(sse([payload({"content": "a"}, "stop"), "[DONE]", payload({"content": "b"})]))
    assert content(await collect(client)) == "a"


async def test_done_without_finish_reason_ends_cleanly(loopback, client):
    loopback.enqueue(sse([payload({"content": "a"}), "[DONE]"]))
    assert await collect(client) == [ContentDelta("a")]


async def test_clean_eof_after_finish_without_done_is_complete(loopback, client):
    loopback.enqueue(sse([payload({"content": "a"}), payload({}, "stop")]))
    assert await collect(client) == [ContentDelta("a"), Finish("stop")]


async def test_clean_eof_without_finish_after_content_is_interrupted(loopback, client):
    loopback.enqueue(sse([payload({"content": "half"})]))
    events, error = await collect_until_error(client)
    assert content(events) == "half"
    assert isinstance(error, StreamInterrupted)
    assert error.message == "The connection closed before the reply finished."


async def test_empty_stream_is_interrupted_without_a_reply(loopback, client):
    loopback.enqueue(sse([]))
    events, error = await collect_until_error(client)
    assert events == []
    assert isinstance(error, StreamInterrupted)
    assert "without sending a reply" in error.message


async def test_crlf_line_endings_and_multiline_data_are_parsed(loopback, client):
    body = (
        b'data: {"choices":[{"index":0,\r\ndata: "delta":{"content":"crlf"}}]}\r\n\r\n'
        b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r\n\r\n'
        b"data: [DONE]\r\n\r\n"
    )
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    loopback.enqueue(raw(head + b"Content-Length: %d\r\n\r\n" % len(body) + body))
    assert content(await collect(client)) == "crlf"


async def test_held_back_text_is_released_when_the_stream_fails(loopback, client):
    loopback.enqueue(sse([chunk("<think>reasoning so far</thi")]))
    events, error = await collect_until_error(client)
    assert reasoning(events) == "reasoning so far</thi"
    assert isinstance(error, StreamInterrupted)


async def test_text_in_the_same_chunk_as_a_failure_is_kept(loopback, client):
    loopback.enqueue(
        sse(
            [
                payload({"content": "first "}),
                payload({"content": "last words"}, "error", error={"message": "gone"}),
            ]
        )
    )
    events, error = await collect_until_error(client)
    assert content(events) == "first last words"
    assert isinstance(error, StreamInterrupted)
    assert error.message == "The server reported an error during the reply: gone"
