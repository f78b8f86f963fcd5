"""An offline demo backend: an ``httpx.MockTransport`` that speaks the Chat Completions API.

``ChatClient(DEMO_BASE_URL, None, transport=demo_transport())`` goes through exactly the code
that talks to a real server: the replies are real SSE bytes, paced like a fast model.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

DEMO_BASE_URL = "https://demo.hcchat.invalid/v1"
DEMO_CHUNK_DELAY = 0.008
THINKER = "demo/thinker"

DEMO_MODELS: tuple[dict[str, Any], ...] = (
    {"id": "demo/fast", "name": "Demo: Fast", "context_length": 8192},
    {"id": THINKER, "name": "Demo: Thinker (shows its reasoning)", "context_length": 8192},
    {"id": "qwen/qwen3-32b", "name": "Qwen: Qwen3 32B (demo stand-in)", "context_length": 40960},
)

_GREETING = """Hello! 👋 I'm the **hcchat demo**, running entirely offline: no network, no API key.

Try asking me for:

- some **code** ("show me a Python function")
- a **list** of ideas
- a **table** that compares things

Press **Ctrl+P** for the command palette, or type `/help` to see the slash commands."""

_CODE = '''Here's a small, self-contained Python example: a function that finds the most \
common words in a piece of text.

```python
import re
from collections import Counter


def word_counts(text: str, top: int = 3) -> list[tuple[str, int]]:
    """Return the `top` most common words in `text`."""
    words = re.findall(r"[a-z']+", text.lower())
    return Counter(words).most_common(top)


print(word_counts("the cat and the hat and the bat"))
# [('the', 3), ('and', 2), ('cat', 1)]
```

How it works:

1. `re.findall` pulls out the words, ignoring case and punctuation.
2. `Counter` tallies them.
3. `most_common(top)` returns the winners, highest count first.'''

_LIST = """Here are five ideas for a weekend project:

1. **Terminal weather**: fetch a forecast and draw it with Unicode blocks.
2. **Habit tracker**: a tiny TOML file and a command to tick off the day.
3. **Markdown linter**: flag long lines, broken links and images without alt text.
4. **Pixel art editor**: arrow keys to move, space to paint, export to PNG.
5. **Chat bot**: like this one, but talking to a real model.

Pick the one you would *use* yourself: that is the best predictor of finishing it."""

_TABLE = """Here is a quick comparison of Python's three everyday containers:

| Type | Ordered | Mutable | Typical use |
| --- | --- | --- | --- |
| `list` | yes | yes | a sequence you append to |
| `tuple` | yes | no | a fixed record, a dict key |
| `set` | no | yes | membership tests, removing duplicates |

Rule of thumb: a `tuple` when the size is fixed, a `set` when you only ask "is it in there?", \
and a `list` for everything else."""

_DEFAULT = """You said: “{quote}”

This is the **offline demo** of hcchat, so this reply comes from the built-in backend, \
not from a real model. It was written by `{model}`.

To chat with a real model, set your API key and start hcchat without `--demo`:

```sh
export HCCHAT_API_KEY=sk-hc-v1-...
hcchat
```

Meanwhile, ask for *code*, a *list* or a *table* to see how replies render."""

_REASONING = """The user wrote “{quote}”. That reads like {kind}. \
I should answer in Markdown, put the useful part first and keep it short. \
An example will help more than a long explanation."""

_TOPICS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("a request for code", re.compile(r"\b(code|python|function|script|program|snippet)\b"), _CODE),
    ("a request for a comparison", re.compile(r"\b(table|compare|comparison|versus|vs)\b"), _TABLE),
    ("a request for a list", re.compile(r"\b(list|ideas?|steps|tips|suggestions?)\b"), _LIST),
    (
        "a greeting",
        re.compile(r"\b(hi|hello|hey|howdy|greetings|good (morning|evening))\b"),
        _GREETING,
    ),
)


@dataclass(frozen=True, slots=True)
class _Reply:
    """What the demo model says to one request, cut into tokens."""

    model: str
    reasoning: list[str]
    content: list[str]
    finish_reason: str
    prompt_tokens: int

    @property
    def completion_tokens(self) -> int:
        return len(self.reasoning) + len(self.content)


def demo_transport(*, chunk_delay: float = DEMO_CHUNK_DELAY) -> httpx.MockTransport:
    """A transport that answers ``GET /models`` and ``POST /chat/completions`` offline."""

    async def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path.rstrip("/")
        if request.method == "GET" and path.endswith("/models"):
            return httpx.Response(200, json={"object": "list", "data": list(DEMO_MODELS)})
        if request.method == "POST" and path.endswith("/chat/completions"):
            return _chat_response(request, chunk_delay)
        return httpx.Response(404, json={"error": {"message": f"Not found: {path}", "code": 404}})

    return httpx.MockTransport(handle)


def _chat_response(request: httpx.Request, chunk_delay: float) -> httpx.Response:
    try:
        body = json.loads(request.content)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        message = "The request body must be a JSON object with a messages array."
        return httpx.Response(400, json={"error": {"message": message, "code": 400}})
    reply = _compose(body)
    if not body.get("stream"):
        return httpx.Response(200, json=_completion(reply))
    options = body.get("stream_options")
    usage = isinstance(options, dict) and options.get("include_usage") is True
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"},
        stream=_EventStream(_stream(reply, usage=usage, delay=chunk_delay)),
    )


class _EventStream(httpx.AsyncByteStream):
    """A response body that stops generating when the client closes the response (cancel)."""

    def __init__(self, chunks: AsyncGenerator[bytes, None]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for data in self._chunks:
            yield data

    async def aclose(self) -> None:
        await self._chunks.aclose()


def _compose(body: Mapping[str, Any]) -> _Reply:
    """Pick the canned reply for the last user message and apply ``max_tokens``."""
    model = str(body.get("model") or "demo/fast")
    messages = [m for m in body["messages"] if isinstance(m, dict)]
    last = next(
        (str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    quote = " ".join(last.split())
    quote = quote if len(quote) <= 80 else quote[:79] + "…"
    kind, text = "a question for the demo", _DEFAULT.format(quote=quote or "(nothing)", model=model)
    for topic, pattern, canned in _TOPICS:
        if pattern.search(last.lower()):
            kind, text = topic, canned
            break
    reasoning = _tokens(_REASONING.format(quote=quote, kind=kind)) if model == THINKER else []
    content = _tokens(text)
    finish = "stop"
    limit = _token_limit(body.get("max_tokens"))
    if limit is not None and len(reasoning) + len(content) > limit:
        finish = "length"
        reasoning = reasoning[:limit]
        content = content[: max(0, limit - len(reasoning))]
    prompt = sum(len(_tokens(str(m.get("content", "")))) + 3 for m in messages)
    return _Reply(model, reasoning, content, finish, prompt)


def _token_limit(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _tokens(text: str) -> list[str]:
    """Word-sized pieces whose concatenation is exactly ``text``."""
    return re.findall(r"\S+\s*|\s+", text)


def _chunks(tokens: Sequence[str], seed: int) -> list[str]:
    """Group tokens 1 to 4 at a time, the way a fast model's deltas look."""
    rng = random.Random(seed)
    pieces: list[str] = []
    index = 0
    while index < len(tokens):
        size = rng.randint(1, 4)
        pieces.append("".join(tokens[index : index + size]))
        index += size
    return pieces


async def _stream(reply: _Reply, *, usage: bool, delay: float) -> AsyncGenerator[bytes, None]:
    """The reply as SSE: role chunk, reasoning, content, finish chunk, usage chunk, ``[DONE]``."""
    base = {
        "id": f"chatcmpl-demo-{random.getrandbits(48):012x}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": reply.model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return _event({**base, "choices": [choice]})

    yield chunk({"role": "assistant", "content": ""})
    for piece in _chunks(reply.reasoning, seed=len(reply.reasoning)):
        await asyncio.sleep(delay)
        yield chunk({"content": "", "reasoning": piece})
    for piece in _chunks(reply.content, seed=len(reply.content)):
        await asyncio.sleep(delay)
        yield chunk({"content": piece})
    await asyncio.sleep(delay)
    yield chunk({}, reply.finish_reason)
    if usage:
        yield _event({**base, "choices": [], "usage": _usage(reply)})
    yield b"data: [DONE]\n\n"


def _completion(reply: _Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": "".join(reply.content)}
    if reply.reasoning:
        message["reasoning"] = "".join(reply.reasoning)
    return {
        "id": f"chatcmpl-demo-{random.getrandbits(48):012x}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": reply.model,
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
        "usage": _usage(reply),
    }


def _usage(reply: _Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


def _event(data: Mapping[str, Any]) -> bytes:
    return b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n"
