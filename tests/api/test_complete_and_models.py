"""complete() (stream false) and list_models() against the loopback server."""

from __future__ import annotations

import json

import pytest
from loopback import error, reply

from app.api import FALLBACK_MODELS, Completion, ModelInfo, ProtocolError, Usage

from .conftest import HELLO


async def test_complete_returns_content_finish_reason_and_usage(loopback, client):
    loopback.enqueue(reply("The whole answer.", finish="length"))
    completion = await client.complete("m/x", HELLO)
    assert completion.content == "The whole answer."
    assert completion.finish_reason == "length"
    assert isinstance(completion.usage, Usage)


async def test_complete_reads_reasoning_and_splits_think_tags(loopback, client):
    loopback.enqueue(reply("<think>\ninner\n</think>\n\nAnswer.", reasoning="field"))
    completion = await client.complete("m/x", HELLO)
    assert completion == Completion(
        content="Answer.", reasoning="field\n\ninner", finish_reason="stop", usage=completion.usage
    )


async def test_complete_treats_text_before_a_bare_closing_tag_as_reasoning(loopback, client):
    loopback.enqueue(reply("They said hi.\n</think>\n\nHello!"))
    completion = await client.complete("m/x", HELLO)
    assert (completion.reasoning, completion.content) == ("They said hi.", "Hello!")


async def test_complete_accepts_null_content_and_missing_usage(loopback, client):
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": None}}]}
    loopback.enqueue(error(200, json.dumps(body)))
    assert await client.complete("m/x", HELLO) == Completion(content="")


async def test_complete_rejects_json_without_a_message(loopback, client):
    loopback.enqueue(error(200, '{"choices": []}'))
    with pytest.raises(ProtocolError, match="not a chat completion"):
        await client.complete("m/x", HELLO)


async def test_models_are_listed_in_order_once_each(loopback, client):
    loopback.models = ["b/two", "a/one", "b/two", "c/three", "a/one"]
    models = await client.list_models()
    assert [m.id for m in models] == ["b/two", "a/one", "c/three"]
    assert models[0] == ModelInfo("b/two", "two", 32768)
    assert loopback.requests[0].method == "GET"


async def test_models_accept_the_openai_shape_and_skip_malformed_items(loopback, client):
    body = {
        "object": "list",
        "data": [
            {"id": "ok/1", "object": "model", "owned_by": "x"},
            {"id": ""},
            {"name": "no id"},
            "junk",
            {"id": "ok/2", "name": 7, "context_length": True},
            {"id": "ok/3", "name": "Three", "context_length": 4096},
        ],
    }
    loopback.enqueue_models(error(200, json.dumps(body)))
    assert await client.list_models() == [
        ModelInfo("ok/1"),
        ModelInfo("ok/2"),
        ModelInfo("ok/3", "Three", 4096),
    ]


async def test_models_accept_a_bare_list(loopback, client):
    loopback.enqueue_models(error(200, '[{"id": "solo"}]'))
    assert await client.list_models() == [ModelInfo("solo")]


async def test_models_without_a_data_array_are_a_protocol_error(loopback, client):
    loopback.enqueue_models(error(200, '{"models": []}'))
    with pytest.raises(ProtocolError, match="no `data` array"):
        await client.list_models()


async def test_empty_model_list_is_returned_empty(loopback, client):
    loopback.models = []
    assert await client.list_models() == []


def test_fallback_models_start_with_the_default_model_and_are_unique():
    ids = [m.id for m in FALLBACK_MODELS]
    assert ids[0] == "qwen/qwen3-32b"
    assert len(ids) == len(set(ids))
    for expected in ("moonshotai/kimi-k2-thinking", "openai/gpt-oss-120b", "z-ai/glm-4.6"):
        assert expected in ids
    assert all(m.name for m in FALLBACK_MODELS)
