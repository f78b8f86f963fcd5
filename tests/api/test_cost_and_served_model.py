"""Usage cost (OpenRouter's ``usage.cost``) and the served model named by the stream's chunks."""

from __future__ import annotations

from loopback import HANDWRITTEN, fixture, sse

from app.api import ServedModel, Usage
from app.api._sse import StreamDecoder, parse_usage

from .conftest import collect, content, usages


async def test_handwritten_openrouter_stream_keeps_cost_and_served_model(loopback, client):
    loopback.enqueue(fixture("openrouter-cost-stream.txt", folder=HANDWRITTEN))
    events = await collect(client, model="qwen/qwen3-32b")
    assert content(events) == "Why did the scarecrow win an award?"
    assert [e for e in events if isinstance(e, ServedModel)] == [
        ServedModel("qwen/qwen3-32b-04-28")
    ]
    [usage] = usages(events)
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (20, 15, 35)
    assert usage.cost == 5.5e-05
    assert usage.cost_details == {
        "upstream_inference_prompt_cost": 2e-06,
        "upstream_inference_completions_cost": 5.3e-05,
    }
    assert usage.as_dict()["cost"] == 5.5e-05


async def test_no_served_model_event_when_the_stream_names_the_model_asked(loopback, client):
    loopback.enqueue(
        sse(
            [
                '{"model":"test/model","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}',
                "[DONE]",
            ]
        )
    )
    events = await collect(client, model="test/model")
    assert not [e for e in events if isinstance(e, ServedModel)]


def test_served_model_is_reported_once():
    decoder = StreamDecoder(asked_model="a/b")
    first = decoder.feed('{"model":"a/b-fp8","choices":[{"delta":{"content":"x"}}]}')
    second = decoder.feed('{"model":"a/b-fp8","choices":[{"delta":{"content":"y"}}]}')
    assert first[0] == ServedModel("a/b-fp8")
    assert not [e for e in second if isinstance(e, ServedModel)]


def test_usage_without_cost_has_none_and_bad_costs_are_ignored():
    assert parse_usage({"prompt_tokens": 1, "completion_tokens": 2}) == Usage(1, 2, 3)
    assert parse_usage({"prompt_tokens": 1, "cost": "0.1"}).cost is None  # type: ignore[union-attr]
    assert parse_usage({"prompt_tokens": 1, "cost": True}).cost is None  # type: ignore[union-attr]
    assert parse_usage({"prompt_tokens": 1, "cost": -1.0}).cost is None  # type: ignore[union-attr]
    assert parse_usage({"prompt_tokens": 1, "cost": 0}).cost == 0.0  # type: ignore[union-attr]
    assert "cost" not in Usage(1, 2, 3).as_dict()
