"""The offline demo backend, driven through the real ChatClient."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from app.api import DEMO_BASE_URL, ChatClient, ContentDelta, ReasoningDelta, demo_transport

from .conftest import collect, content, finishes, reasoning, usages


@pytest.fixture
async def demo() -> AsyncIterator[ChatClient]:
    async with ChatClient(DEMO_BASE_URL, None, transport=demo_transport(chunk_delay=0)) as chat:
        yield chat


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Be nice."}, {"role": "user", "content": text}]


async def test_greeting_streams_a_markdown_reply_in_many_chunks(demo):
    events = await collect(demo, ask("Hello!"), model="demo/fast")
    assert "hcchat demo" in content(events)
    assert sum(isinstance(e, ContentDelta) for e in events) > 10
    assert finishes(events) == ["stop"]
    (usage,) = usages(events)
    assert usage.completion_tokens > 10
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


async def test_code_question_gets_a_fenced_python_block(demo):
    text = content(await collect(demo, ask("Can you show me some Python code?")))
    assert "```python\n" in text
    assert text.count("```") == 2


async def test_list_and_table_requests_get_a_list_and_a_table(demo):
    listed = content(await collect(demo, ask("Give me a list of project ideas")))
    table = content(await collect(demo, ask("Compare them in a table")))
    assert "\n1. " in listed and "\n5. " in listed
    assert "| --- |" in table


async def test_default_reply_names_the_model_and_explains_the_demo(demo):
    text = content(await collect(demo, ask("What is the airspeed of a swallow?"), model="x/y"))
    assert "`x/y`" in text
    assert "offline demo" in text
    assert "HCCHAT_API_KEY" in text
    assert "What is the airspeed of a swallow?" in text


async def test_thinker_streams_reasoning_before_the_answer(demo):
    events = await collect(demo, ask("hi"), model="demo/thinker")
    first_content = next(i for i, e in enumerate(events) if isinstance(e, ContentDelta))
    assert reasoning(events).startswith("The user wrote “hi”")
    assert any(isinstance(e, ReasoningDelta) for e in events[:first_content])
    assert not any(isinstance(e, ReasoningDelta) for e in events[first_content:])


async def test_max_tokens_cuts_the_reply_with_finish_reason_length(demo):
    full = await collect(demo, ask("hello"))
    cut = await collect(demo, ask("hello"), params={"max_tokens": 5})
    assert finishes(cut) == ["length"]
    assert usages(cut)[0].completion_tokens == 5
    assert content(full).startswith(content(cut))
    assert len(content(cut)) < len(content(full))


async def test_stream_false_returns_the_same_reply(demo):
    completion = await demo.complete("demo/thinker", ask("a table please"))
    assert "| --- |" in completion.content
    assert completion.reasoning.startswith("The user wrote")
    assert completion.finish_reason == "stop"
    assert completion.usage is not None


async def test_models_are_listed(demo):
    ids = [m.id for m in await demo.list_models()]
    assert ids == ["demo/fast", "demo/thinker", "qwen/qwen3-32b"]


async def test_chunks_are_paced_by_the_chunk_delay():
    async with ChatClient(DEMO_BASE_URL, None, transport=demo_transport(chunk_delay=0.01)) as chat:
        started = time.monotonic()
        events = await collect(chat, ask("hello"))
        elapsed = time.monotonic() - started
    assert elapsed >= 0.01 * sum(isinstance(e, ContentDelta) for e in events)


async def test_unknown_paths_and_bad_bodies_are_errors():
    async with httpx.AsyncClient(transport=demo_transport()) as http:
        missing = await http.get(f"{DEMO_BASE_URL}/embeddings")
        bad = await http.post(f"{DEMO_BASE_URL}/chat/completions", content=b"nope")
    assert missing.status_code == 404
    assert bad.status_code == 400


async def test_usage_chunk_is_sent_only_when_asked_for():
    body = {"model": "demo/fast", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with httpx.AsyncClient(transport=demo_transport(chunk_delay=0)) as http:
        plain = await http.post(f"{DEMO_BASE_URL}/chat/completions", json=body)
        body["stream_options"] = {"include_usage": True}
        counted = await http.post(f"{DEMO_BASE_URL}/chat/completions", json=body)
    assert b'"usage"' not in plain.content
    assert b'"usage"' in counted.content
    assert plain.content.endswith(b"data: [DONE]\n\n")
