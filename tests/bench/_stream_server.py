"""Server process of the streaming benchmarks: the loopback SSE server, paced, with timings.

python tests/bench/_stream_server.py     (prints its base URL, serves until stdin closes)

A chat request whose last user message is ``bench id=ID tokens=N rate=R`` is answered with the
N-token Markdown reply of ``_reply_text``, one token per ``chat.completion.chunk`` event, as fast
as the socket takes them (R=0) or at R tokens a second on a fixed schedule. The frames are built
before the clock starts. ``GET /v1/bench/timing?id=ID`` then returns when the first and the last
byte of that response were written (``time.monotonic()``, the same clock in every process);
``id=ID@MODEL``, those of the response to ``MODEL`` (models compared share one id).
Anything else is served by ``LoopbackServer`` as in the tests.
"""

from __future__ import annotations

import asyncio
import json
import re
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

_SPEC = re.compile(r"bench id=(\S+) tokens=(\d+) rate=([\d.]+)")


@cache
def _frames(count: int, model: str) -> tuple[bytes, ...]:
    events = [chunk("", role=True, model=model)]
    events += [chunk(piece, model=model) for piece in reply_tokens(count)]
    events.append(chunk(finish="stop", model=model))
    usage = {"prompt_tokens": 10, "completion_tokens": count, "total_tokens": count + 10}
    events.append(_usage_chunk(model, usage))
    events.append("[DONE]")
    return tuple(_frame(_sse_event(event), "chunked") for event in events)


def _spec(request: RecordedRequest) -> tuple[str, int, float] | None:
    body = request.json if isinstance(request.json, dict) else {}
    messages = body.get("messages") or []
    last = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
    match = _SPEC.search(str(last))
    if match is None:
        return None
    return match.group(1), int(match.group(2)), float(match.group(3))


class BenchServer(LoopbackServer):
    """``LoopbackServer`` plus paced benchmark replies and their send timings."""

    def __init__(self) -> None:
        super().__init__()
        self.timings: dict[str, dict[str, Any]] = {}

    async def _respond(
        self, request: RecordedRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        if request.method == "GET" and "/bench/timing" in request.path:
            run = request.path.rpartition("id=")[2]
            body = json.dumps(self.timings.get(run))
            writer.write(_head(error(200, body)) + body.encode())
            await writer.drain()
            return True
        spec = _spec(request) if request.method == "POST" else None
        if spec is None:
            return await super()._respond(request, reader, writer)
        run, count, rate = spec
        model = str((request.json or {}).get("model", "bench/model"))
        frames = _frames(count, model)
        writer.write(_head(Response(headers=SSE_HEADERS)))
        await writer.drain()
        first = time.monotonic()
        try:
            for index, frame in enumerate(frames):
                if rate > 0:
                    wait = first + index / rate - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                writer.write(frame)
                await writer.drain()
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except ConnectionError:
            request.disconnected = True
            return False
        last = time.monotonic()
        timing = {"first": first, "last": last, "tokens": count, "rate": rate}
        self.timings[run] = timing
        self.timings[f"{run}@{model}"] = timing  # models compared share the run's id
        return True


def main() -> None:
    server = BenchServer()
    server.start()
    for count in (4000, 16000):  # build the frames before any clock starts
        _frames(count, "bench/model")
    print(server.base_url, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
