"""Server process of bench_peers.py: one loopback server that speaks OpenAI's and Ollama's API.

python tests/bench/_peers_server.py     (prints its root URL, serves until stdin closes)

Every chat request whose last user message holds ``PROMPT_MARK`` is answered with the same
4,000-token reply (``reply_text()``), one token per HTTP chunk, as fast as the socket takes it:

- ``POST /v1/chat/completions`` (hcchat, Elia through litellm): ``chat.completion.chunk``
  server-sent events, ending with a usage chunk and ``[DONE]``;
- ``POST /api/chat`` (oterm, parllama): Ollama's NDJSON stream, one ``message.content`` per line,
  then a ``done`` line with the counts.

Other chat requests (a title, say) get a one-word reply. The rest of what the peers ask at
start-up is answered as a local Ollama with one model would: ``GET /api/version``, ``/api/tags``,
``/api/ps``, ``POST /api/show``; ``GET /v1/models`` lists the same model. ``GET /bench/log``
returns every request seen (method, path, and for chat replies when the first and the last byte
were written, ``time.monotonic()``); ``POST /bench/log`` clears it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _reply_text import reply_tokens
from loopback import (
    SSE_HEADERS,
    LoopbackServer,
    RecordedRequest,
    Response,
    _frame,
    _head,
    _sse_event,
    _usage_chunk,
    chunk,
    error,
)

TOKENS = 4000
PROMPT_MARK = "peers-bench-prompt"
# The last token: one word in a paragraph of its own, so a screen shows it whole, unstyled.
END_MARK = "zqxbenchend"
OLLAMA_MODEL = "bench:latest"
NDJSON_HEADERS = (("Content-Type", "application/x-ndjson"),)
CREATED = "2026-01-01T00:00:00.000000Z"
DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": "llama",
    "families": ["llama"],
    "parameter_size": "8.0B",
    "quantization_level": "Q4_0",
}


@cache
def reply_text() -> tuple[str, ...]:
    """The reply's 4,000 tokens: bench_stream's reply with its last token a lone word."""
    return (*reply_tokens(TOKENS - 1), f"\n\n{END_MARK}")


def _json(body: object) -> Response:
    return error(200, json.dumps(body))


@cache
def _openai_frames(model: str) -> tuple[bytes, ...]:
    events = [chunk("", role=True, model=model)]
    events += [chunk(piece, model=model) for piece in reply_text()]
    events.append(chunk(finish="stop", model=model))
    usage = {"prompt_tokens": 10, "completion_tokens": TOKENS, "total_tokens": TOKENS + 10}
    events.append(_usage_chunk(model, usage))
    events.append("[DONE]")
    return tuple(_frame(_sse_event(event), "chunked") for event in events)


def _ollama_line(model: str, content: str, done: bool) -> bytes:
    line: dict[str, Any] = {
        "model": model,
        "created_at": CREATED,
        "message": {"role": "assistant", "content": content},
        "done": done,
    }
    if done:
        line.update(
            done_reason="stop",
            total_duration=1_000_000_000,
            load_duration=1_000_000,
            prompt_eval_count=10,
            prompt_eval_duration=1_000_000,
            eval_count=TOKENS,
            eval_duration=900_000_000,
        )
    return _frame(json.dumps(line).encode() + b"\n", "chunked")


@cache
def _ollama_frames(model: str, pieces: tuple[str, ...]) -> tuple[bytes, ...]:
    return (*(_ollama_line(model, p, False) for p in pieces), _ollama_line(model, "", True))


def _model_entry() -> dict[str, Any]:
    return {
        "name": OLLAMA_MODEL,
        "model": OLLAMA_MODEL,
        "modified_at": CREATED,
        "size": 4_000_000_000,
        "digest": "0" * 64,
        "details": DETAILS,
    }


def _show() -> dict[str, Any]:
    return {
        "license": "",
        "modelfile": f"FROM {OLLAMA_MODEL}\n",
        "parameters": "num_ctx 8192",
        "template": "{{ .Prompt }}",
        "details": DETAILS,
        "model_info": {
            "general.architecture": "llama",
            "general.parameter_count": 8_000_000_000,
            "llama.context_length": 8192,
        },
        "capabilities": ["completion"],
        "modified_at": CREATED,
    }


def _last_user(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content", "")
            if isinstance(content, list):  # OpenAI content parts
                return " ".join(str(part.get("text", "")) for part in content)
            return str(content)
    return ""


class PeersServer(LoopbackServer):
    """``LoopbackServer`` plus Ollama's endpoints and the benchmark reply, with a request log."""

    def __init__(self) -> None:
        super().__init__()
        self.models = ["bench/model"]
        self.log: list[dict[str, Any]] = []

    async def _send(
        self, writer: asyncio.StreamWriter, head: Response, frames: tuple[bytes, ...]
    ) -> tuple[float, float]:
        writer.write(_head(head))
        await writer.drain()
        first = time.monotonic()
        for frame in frames:
            writer.write(frame)
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return first, time.monotonic()

    async def _respond(
        self, request: RecordedRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        path = request.path.split("?", 1)[0].rstrip("/")
        entry: dict[str, Any] = {"method": request.method, "path": path, "t": time.monotonic()}
        if path == "/bench/log":
            if request.method == "POST":
                self.log.clear()
            listing = json.dumps(self.log)
            writer.write(_head(error(200, listing)) + listing.encode())
            await writer.drain()
            return True
        self.log.append(entry)
        body: dict[str, Any] = request.json if isinstance(request.json, dict) else {}
        full = PROMPT_MARK in _last_user(body)
        try:
            if request.method == "POST" and path.endswith("/chat/completions"):
                model = str(body.get("model", "bench/model"))
                pieces = reply_text() if full else ("Bench",)
                if not body.get("stream", False):
                    text = "".join(pieces)
                    message = {"role": "assistant", "content": text}
                    choice = {"index": 0, "message": message, "finish_reason": "stop"}
                    return await self._respond_with(
                        writer,
                        _json(
                            {
                                "id": "x",
                                "object": "chat.completion",
                                "model": model,
                                "created": 0,
                                "choices": [choice],
                            }
                        ),
                    )
                frames = _openai_frames(model) if full else _short_openai(model)
                entry["first"], entry["last"] = await self._send(
                    writer, Response(headers=SSE_HEADERS), frames
                )
                entry["tokens"] = len(pieces)
                return True
            if request.method == "POST" and path == "/api/chat":
                model = str(body.get("model", OLLAMA_MODEL))
                pieces = reply_text() if full else ("Bench",)
                if body.get("stream", True) is False:
                    line = json.loads(_ollama_line(model, "".join(pieces), True).split(b"\r\n")[1])
                    return await self._respond_with(writer, _json(line))
                entry["first"], entry["last"] = await self._send(
                    writer, Response(headers=NDJSON_HEADERS), _ollama_frames(model, pieces)
                )
                entry["tokens"] = len(pieces)
                return True
            if request.method == "POST" and path == "/api/generate":
                reply = {
                    "model": OLLAMA_MODEL,
                    "created_at": CREATED,
                    "response": "Bench",
                    "done": True,
                }
                return await self._respond_with(writer, _json(reply))
            if path == "/api/version":
                return await self._respond_with(writer, _json({"version": "0.12.6"}))
            if path == "/api/tags":
                return await self._respond_with(writer, _json({"models": [_model_entry()]}))
            if path == "/api/ps":
                return await self._respond_with(writer, _json({"models": []}))
            if path == "/api/show":
                return await self._respond_with(writer, _json(_show()))
        except ConnectionError:
            request.disconnected = True
            return False
        return await super()._respond(request, reader, writer)

    async def _respond_with(self, writer: asyncio.StreamWriter, response: Response) -> bool:
        writer.write(_head(response) + b"".join(response.parts))
        await writer.drain()
        return True


@cache
def _short_openai(model: str) -> tuple[bytes, ...]:
    events = [chunk("", role=True, model=model), chunk("Bench", model=model)]
    events += [chunk(finish="stop", model=model), "[DONE]"]
    return tuple(_frame(_sse_event(event), "chunked") for event in events)


def main() -> None:
    server = PeersServer()
    server.start()
    _openai_frames("bench/model")  # build the frames before any clock starts
    _ollama_frames(OLLAMA_MODEL, reply_text())
    print(server.base_url.removesuffix("/v1"), flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
