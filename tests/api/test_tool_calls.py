"""Streamed tool calls (OpenAI's ``delta.tool_calls``) become typed fragments, and a reply that
only asks for tools is no empty reply (issue 15)."""

from __future__ import annotations

import json

from loopback import HANDWRITTEN, error, fixture, sse

from app.api import Finish, ToolCallDelta, Usage
from app.api._sse import MAX_TOOL_CALLS, StreamDecoder
from app.store import Message, ReplyBuilder

from .conftest import collect, content


def payload(delta: dict, finish: str | None = None) -> str:
    return json.dumps(
        {
            "id": "c1",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


def call(index: int | None = None, *, id=None, name=None, arguments=None, type=None) -> dict:
    item: dict = {"function": {}}
    if index is not None:
        item["index"] = index
    if id is not None:
        item["id"] = id
    if type is not None:
        item["type"] = type
    if name is not None:
        item["function"]["name"] = name
    if arguments is not None:
        item["function"]["arguments"] = arguments
    return item


def built(events: list) -> Message:
    """The message a ReplyBuilder makes of ``events`` (as the chat screen and pipe mode do)."""
    builder = ReplyBuilder(Message(role="assistant", content="", model="m"))
    for event in events:
        if isinstance(event, ToolCallDelta):
            builder.add_tool_call(
                event.index,
                id=event.id,
                type=event.type,
                name=event.name,
                arguments=event.arguments,
            )
        elif isinstance(event, Finish):
            builder.finish(event.reason)
    return builder.end()


async def test_recorded_litellm_tool_stream_is_one_call_with_its_arguments_joined(loopback, client):
    loopback.enqueue(fixture("litellm-tool-stream.txt", folder=HANDWRITTEN, delay=0.001))
    events = await collect(client)
    fragments = [e for e in events if isinstance(e, ToolCallDelta)]
    assert len(fragments) == 5
    assert fragments[0] == ToolCallDelta(0, "call_mockpace_1", "function", "get_weather", "")
    assert [f.arguments for f in fragments[1:]] == [
        '{"city"',
        ': "Par',
        'is", "unit"',
        ': "celsius"}',
    ]
    assert any(isinstance(e, Finish) and e.reason == "tool_calls" for e in events)
    assert isinstance(events[-1], Usage)
    message = built(events)
    assert message.error is None and message.incomplete is False
    [tool] = message.tool_calls
    assert (tool.id, tool.type, tool.name) == ("call_mockpace_1", "function", "get_weather")
    assert tool.arguments == '{"city": "Paris", "unit": "celsius"}'
    assert message.finish_reason == "tool_calls"


async def test_several_calls_with_interleaved_indices_are_kept_apart_in_order(loopback, client):
    loopback.enqueue(
        sse(
            [
                payload({"role": "assistant", "content": "Let me look."}),
                payload({"tool_calls": [call(0, id="a", type="function", name="get_weather")]}),
                payload({"tool_calls": [call(1, id="b", type="function", name="get_time")]}),
                payload({"tool_calls": [call(0, arguments='{"city":')]}),
                payload({"tool_calls": [call(1, arguments='{"zone":')]}),
                # one chunk carrying fragments of both calls
                payload(
                    {"tool_calls": [call(1, arguments=' "UTC"}'), call(0, arguments=' "Oslo"}')]}
                ),
                payload({}, "tool_calls"),
                "[DONE]",
            ]
        )
    )
    events = await collect(client)
    assert content(events) == "Let me look."
    message = built(events)
    assert [(c.id, c.name, c.arguments) for c in message.tool_calls] == [
        ("a", "get_weather", '{"city": "Oslo"}'),
        ("b", "get_time", '{"zone": "UTC"}'),
    ]
    assert message.error is None


def test_arguments_are_kept_exactly_even_when_not_json_and_odd_fields_are_ignored():
    decoder = StreamDecoder()
    odd = [
        {
            "index": True,
            "id": 7,
            "type": None,
            "function": {"name": ["x"], "arguments": "{not json"},
        },
        "not a table",
        {"index": -1, "function": "nope"},
    ]
    events = decoder.feed(payload({"tool_calls": odd}))
    fragments = [e for e in events if isinstance(e, ToolCallDelta)]
    # a bad index takes the fragment's place in the list; strings that are not strings are empty
    assert fragments == [ToolCallDelta(0, "", "", "", "{not json"), ToolCallDelta(2)]
    assert decoder.received_text is True


def test_a_delta_with_more_calls_than_believable_is_cut():
    decoder = StreamDecoder()
    many = [call(n, id=f"c{n}", name="f") for n in range(MAX_TOOL_CALLS + 50)]
    events = decoder.feed(payload({"tool_calls": many}))
    assert len(events) == MAX_TOOL_CALLS


def test_builder_keeps_the_first_id_joins_a_name_sent_in_pieces_and_ignores_repeats():
    builder = ReplyBuilder(Message(role="assistant", content="", model="m"))
    builder.add_tool_call(0, id="call_1", type="function", name="get_")
    builder.add_tool_call(0, name="weather", arguments='{"a"')
    builder.add_tool_call(0, id="call_1", name="get_weather", arguments=": 1}")
    message = builder.end()
    [tool] = message.tool_calls
    assert (tool.id, tool.name, tool.arguments) == ("call_1", "get_weather", '{"a": 1}')
    assert builder.received_text


def test_a_reply_with_neither_text_nor_calls_is_still_an_empty_reply():
    message = built([Finish("stop")])
    assert message.error == "The model sent an empty reply (finish reason: stop)."


async def test_non_streamed_completion_with_tool_calls_gives_the_same_events(loopback, client):
    body = {
        "id": "c",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_mock_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                        }
                    ],
                },
            }
        ],
    }
    loopback.enqueue(error(200, json.dumps(body)))  # a server that ignores "stream": true
    message = built(await collect(client))
    [tool] = message.tool_calls
    assert (tool.id, tool.name, tool.arguments) == (
        "call_mock_1",
        "get_weather",
        '{"city": "Paris"}',
    )
    assert message.finish_reason == "tool_calls" and message.error is None
