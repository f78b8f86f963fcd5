"""A scriptable HTTP/1.1 server on 127.0.0.1 that streams SSE over a real socket.

It runs its own event loop in a background thread, so async tests (Pilot) and sync tests
(snapshots) can both use it. Queue responses with :meth:`LoopbackServer.enqueue` and the
builders below; with the queue empty, ``POST /v1/chat/completions`` echoes the last user message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "litellm-1.108.7"
# Written by hand in the shape OpenRouter (through the Hack Club proxy) streams: see README.md.
HANDWRITTEN = FIXTURES.parent / "handwritten"
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "litellm-1.108.7"
DEFAULT_MODELS = (
    "qwen/qwen3-32b",
    "openai/gpt-oss-120b",
    "moonshotai/kimi-k2-thinking",
    "qwen/qwen3-32b",
    "openai/gpt-oss-120b",
)
SSE_HEADERS = (("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"))

Framing = Literal["chunked", "length", "close"]
Ending = Literal["complete", "drop", "stall"]


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    disconnected: bool = False  # the client went away before the response was complete
    # time.monotonic() when the request had arrived, and when its response was written whole
    # (or the connection ended): concurrent requests all arrive before any of them finishes
    arrived: float = 0.0
    finished: float | None = None

    @property
    def model(self) -> str:
        """The model a chat request asks for ("" for any other request)."""
        return str(self.json.get("model", "")) if isinstance(self.json, dict) else ""


@dataclass(frozen=True)
class Response:
    """A scripted response: status, headers, body parts and how the connection ends.

    ``build`` makes the response from the request when it arrives (used by :func:`reply`).
    """

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    parts: tuple[bytes, ...] = ()
    framing: Framing = "chunked"
    delay: float = 0.0  # between parts
    first_delay: float = 0.0  # after the headers, before the first part
    ending: Ending = "complete"
    stall_seconds: float = 0.0
    raw: bytes | None = None
    build: Callable[[RecordedRequest], Response] | None = None
    # parts made while the response is written (chunked), for bodies too big to hold
    source: Callable[[], Iterable[bytes]] | None = None


# ---------------------------------------------------------------------------- builders


def sse(
    events: Sequence[str],
    delay: float = 0.0,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """An event stream of ``data:`` payloads (or ``:`` comment lines) exactly as given."""
    return Response(
        status=status,
        headers=_merge_headers(SSE_HEADERS, headers),
        parts=tuple(_sse_event(event) for event in events),
        delay=delay,
    )


def error(
    status: int,
    body: str | bytes,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Response:
    """An error response with a Content-Length body."""
    data = body.encode() if isinstance(body, str) else body
    return Response(
        status=status,
        headers=_merge_headers((("Content-Type", content_type),), headers),
        parts=(data,),
        framing="length",
    )


def drop(after_events: Sequence[str]) -> Response:
    """Send these events, then close the socket in the middle of the chunked body."""
    return replace(sse(after_events), ending="drop")


def stall(after_events: Sequence[str], seconds: float) -> Response:
    """Send these events, then hold the connection open without sending anything."""
    return replace(sse(after_events), ending="stall", stall_seconds=seconds)


def keepalives(
    before: Sequence[str],
    seconds: float,
    *,
    every: float = 0.02,
    comment: str = ": OPENROUTER PROCESSING",
) -> Response:
    """Send ``before``, then only keep-alives for about ``seconds``, one every ``every`` s.

    A keep-alive is ``comment`` (``""``: an empty ``data:`` event). The stream then ends
    without a finish.
    """
    count = max(1, round(seconds / every))
    return replace(sse([*before, *[comment] * count]), delay=every)


def generated(
    parts: Callable[[], Iterable[bytes]],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A chunked event stream whose body parts ``parts()`` makes while it is being sent."""
    return Response(status=status, headers=_merge_headers(SSE_HEADERS, headers), source=parts)


def raw(data: bytes) -> Response:
    """Write ``data`` verbatim (status line included, if any), then close."""
    return Response(raw=data)


def fixture(
    name: str, delay: float = 0.0, first_delay: float = 0.0, *, folder: Path = FIXTURES
) -> Response:
    """Replay a recorded response: its status line and headers, its body re-framed per event."""
    path = folder / name
    data = path.read_bytes()
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    headers: list[tuple[str, str]] = []
    chunked = False
    for line in header_lines:
        key, _, value = line.partition(":")
        if key.lower() == "transfer-encoding":
            chunked = "chunked" in value.lower()
        elif key.lower() != "content-length":
            headers.append((key, value.strip()))
    if chunked:
        parts = tuple(part for part in re.split(rb"(?<=\n\n)", body) if part)
        return Response(status, tuple(headers), parts, "chunked", delay, first_delay)
    return Response(status, tuple(headers), (body,), "length", delay, first_delay)


def reply(
    text: str,
    *,
    chunk_size: int = 4,
    delay: float = 0.0,
    first_delay: float = 0.0,
    reasoning: str = "",
    usage: bool = True,
    finish: str = "stop",
    model: str | None = None,
    comments: bool = False,
) -> Response:
    """A realistic OpenAI/OpenRouter reply (role chunk, deltas, finish, usage, ``[DONE]``).

    ``model`` defaults to the requested model; a ``stream: false`` request gets the same reply
    as one ``chat.completion`` object. ``first_delay``: seconds before the first event.
    """

    def build(request: RecordedRequest) -> Response:
        body = request.json if isinstance(request.json, dict) else {}
        name = model or str(body.get("model", "loopback/model"))
        counts = _usage(body, reasoning + text, chunk_size)
        if body.get("stream") is False:
            return _completion(name, text, reasoning, finish, counts if usage else None)
        events = _chunk_events(name, text, reasoning, chunk_size, finish)
        if usage:
            events.append(_usage_chunk(name, counts))
        events.append("[DONE]")
        if comments:
            events = _with_comments(events)
        return replace(sse(events, delay=delay), first_delay=first_delay)

    return Response(build=build)


def echo() -> Response:
    """The default reply: ``Echo from <model>: <last user message>`` in small chunks."""

    def build(request: RecordedRequest) -> Response:
        body = request.json if isinstance(request.json, dict) else {}
        messages = body.get("messages") if isinstance(body.get("messages"), list) else []
        last = next(
            (
                str(m.get("content", ""))
                for m in reversed(messages)
                if isinstance(m, dict) and m.get("role") == "user"
            ),
            "",
        )
        model = str(body.get("model", "loopback/model"))
        built = reply(f"Echo from {model}: {last}", chunk_size=4).build
        assert built is not None
        return built(request)

    return Response(build=build)


def chunk(
    content: str | None = None,
    *,
    reasoning: str | None = None,
    finish: str | None = None,
    role: bool = False,
    model: str = "loopback/model",
) -> str:
    """One ``chat.completion.chunk`` payload, for hand-written event lists."""
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = "assistant"
    if content is not None:
        delta["content"] = content
    if reasoning is not None:
        delta["reasoning"] = reasoning
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return json.dumps({**_chunk_base(model), "choices": [choice]})


def _chunk_base(model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion.chunk",
        "created": 1795553318,
        "model": model,
    }


def _pieces(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


def _chunk_events(model: str, text: str, reasoning: str, size: int, finish: str) -> list[str]:
    events = [chunk("", role=True, model=model)]
    events += [chunk("", reasoning=piece, model=model) for piece in _pieces(reasoning, size)]
    events += [chunk(piece, model=model) for piece in _pieces(text, size)]
    events.append(chunk(finish=finish, model=model))
    return events


def _usage(body: dict[str, Any], completion: str, size: int) -> dict[str, int]:
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    prompt = sum(
        len(str(m.get("content", "")).split()) + 3 for m in messages if isinstance(m, dict)
    )
    done = len(_pieces(completion, size))
    return {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}


def _usage_chunk(model: str, counts: dict[str, int]) -> str:
    return json.dumps({**_chunk_base(model), "choices": [], "usage": counts})


def _with_comments(events: list[str]) -> list[str]:
    """OpenRouter's keep-alive comments: before the first event and between some events."""
    result: list[str] = []
    for index, event in enumerate(events):
        if index % 3 == 0:
            result.append(": OPENROUTER PROCESSING")
        result.append(event)
    return result


def _completion(
    model: str, text: str, reasoning: str, finish: str, counts: dict[str, int] | None
) -> Response:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if reasoning:
        message["reasoning"] = reasoning
    body: dict[str, Any] = {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": 1795553318,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }
    if counts is not None:
        body["usage"] = counts
    return error(200, json.dumps(body))


def _sse_event(event: str) -> bytes:
    line = event if event.startswith(":") else f"data: {event}"
    return f"{line}\n\n".encode()


def _merge_headers(
    base: Iterable[tuple[str, str]], extra: dict[str, str] | None
) -> tuple[tuple[str, str], ...]:
    merged = {key.lower(): (key, value) for key, value in base}
    for key, value in (extra or {}).items():
        merged[key.lower()] = (key, value)
    return tuple(merged.values())


# ---------------------------------------------------------------------------- server


class LoopbackServer:
    """A real HTTP/1.1 server for tests: scripted chat replies, a model list, recorded requests."""

    def __init__(self) -> None:
        self.base_url = ""
        self.requests: list[RecordedRequest] = []
        self.models: list[str] = list(DEFAULT_MODELS)
        self._queue: deque[Response] = deque()
        self._by_model: dict[str, deque[Response]] = {}
        self._model_queue: deque[Response] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------ control (any thread)

    def start(self) -> None:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="loopback", daemon=True)
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._serve, "127.0.0.1", 0))
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}/v1"

    def stop(self) -> None:
        """Close every connection, stop listening and end the thread."""
        if self._loop is None:
            return
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop.close()
        self._loop = None

    def reset(self) -> None:
        """Forget queued responses and recorded requests, restore the models, drop connections."""
        if self._loop is not None:
            self._call(self._drop_connections())
        self._queue.clear()
        self._by_model.clear()
        self._model_queue.clear()
        self.requests.clear()
        self.models = list(DEFAULT_MODELS)

    def enqueue(self, *responses: Response) -> None:
        """Answer the next ``POST .../chat/completions`` requests with these, in order."""
        self._queue.extend(responses)

    def enqueue_for(self, model: str, *responses: Response) -> None:
        """Answer the next chat requests for ``model`` with these, in order (before the queue
        of :meth:`enqueue`): requests sent at once, in any order, each get their own."""
        self._by_model.setdefault(model, deque()).extend(responses)

    def enqueue_models(self, *responses: Response) -> None:
        """Answer the next ``GET .../models`` requests with these instead of :attr:`models`."""
        self._model_queue.extend(responses)

    async def wait_until_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Wait (without blocking the caller's loop) until ``count`` requests have arrived."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
            await asyncio.sleep(0.005)
        return list(self.requests)

    def wait_until_requests_blocking(
        self, count: int, timeout: float = 5.0
    ) -> list[RecordedRequest]:
        """:meth:`wait_until_requests` for sync tests."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
            time.sleep(0.005)
        return list(self.requests)

    def _call(self, coroutine: Any) -> Any:
        assert self._loop is not None, "the server is not started"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._drop_connections()
        if self._server is not None:
            await self._server.wait_closed()

    async def _drop_connections(self) -> None:
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------ serving (server thread)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                try:
                    if not await self._respond(request, reader, writer):
                        break
                finally:
                    request.finished = time.monotonic()
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,  # a malformed request: just hang up
            asyncio.CancelledError,
        ):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _response_for(self, request: RecordedRequest) -> Response:
        path = request.path.split("?", 1)[0].rstrip("/")
        if request.method == "POST" and path.endswith("/chat/completions"):
            for_model = self._by_model.get(request.model)
            if for_model:
                return for_model.popleft()
            return self._queue.popleft() if self._queue else echo()
        if request.method == "GET" and path.endswith("/models"):
            if self._model_queue:
                return self._model_queue.popleft()
            data = [
                {"id": m, "name": m.split("/")[-1], "context_length": 32768} for m in self.models
            ]
            return error(200, json.dumps({"data": data}))
        return error(404, json.dumps({"error": "Not found"}))

    async def _respond(
        self, request: RecordedRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Write the response; True when the connection may serve another request."""
        response = self._response_for(request)
        while response.build is not None:
            response = response.build(request)
        try:
            if response.raw is not None:
                writer.write(response.raw)
                await writer.drain()
                return False
            writer.write(_head(response))
            await writer.drain()
            parts = response.parts if response.source is None else response.source()
            for index, part in enumerate(parts):
                wait = response.first_delay if index == 0 else response.delay
                if wait:
                    await asyncio.sleep(wait)
                writer.write(_frame(part, response.framing))
                await writer.drain()
            if response.ending == "stall":
                request.disconnected = await _client_left(reader, response.stall_seconds)
                return False
            if response.ending == "drop":
                return False
            if response.framing == "chunked":
                writer.write(b"0\r\n\r\n")
                await writer.drain()
            return response.framing != "close"
        except ConnectionError:
            request.disconnected = True
            return False


async def _client_left(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Stay silent for ``seconds``; True if the client closed the connection meanwhile."""
    try:
        return await asyncio.wait_for(reader.read(1), seconds) == b""
    except ConnectionError:  # a reset: the client closed with our data still unread
        return True
    except TimeoutError:
        return False


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    request_line, *lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    method, target, _version = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    return RecordedRequest(method, target, headers, body, parsed, arrived=time.monotonic())


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return body
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def _head(response: Response) -> bytes:
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = "Unknown"
    headers = list(response.headers)
    if response.framing == "chunked":
        headers.append(("Transfer-Encoding", "chunked"))
    elif response.framing == "length":
        headers.append(("Content-Length", str(sum(len(p) for p in response.parts))))
    if response.framing == "close" or response.ending != "complete":
        headers.append(("Connection", "close"))
    lines = [f"HTTP/1.1 {response.status} {phrase}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _frame(part: bytes, framing: Framing) -> bytes:
    if framing != "chunked" or not part:
        return part
    return f"{len(part):x}\r\n".encode() + part + b"\r\n"
