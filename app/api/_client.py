"""The Chat Completions client: one ``httpx.AsyncClient``, early retries, typed events."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, aclosing, asynccontextmanager
from dataclasses import replace
from types import TracebackType
from typing import Self, TypeVar

import httpx
from httpx_sse import EventSource, aconnect_sse

from app import __version__
from app.api._bodies import json_body, model_list, request_body
from app.api._errors import (
    APIError,
    BadRequestError,
    ProtocolError,
    ServerError,
    StreamInterrupted,
)
from app.api._event_stream import MAX_EVENT_CHARS, EventReader, size_text
from app.api._events import Completion, ModelInfo, StreamEvent
from app.api._failures import Failure, connect_failure, read_failure
from app.api._http_errors import error_from_response, parse_retry_after, shorten
from app.api._secrets import mask_secret, url_secrets
from app.api._secrets import redact as redact  # re-exported: app.api.redact lives here
from app.api._sse import (
    MAX_REPLY_CHARS,
    StreamDecoder,
    completion_events,
    describe_error,
    error_status,
    is_completion,
    parse_completion,
)

DEFAULT_BASE_URL = "https://ai.hackclub.com/proxy/v1"
USER_AGENT = f"hcchat/{__version__}"
# 408 is the server giving up on a slow request: like a gateway timeout, worth another try.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Enough of an error body for its message; the rest is not read.
MAX_ERROR_BODY = 1024 * 1024
ENDPOINT_PATH = "/chat/completions"
ENDPOINT_HINT = f"the base URL should end before {ENDPOINT_PATH}"

FALLBACK_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo("qwen/qwen3-32b", "Qwen: Qwen3 32B"),
    ModelInfo("moonshotai/kimi-k2-thinking", "MoonshotAI: Kimi K2 Thinking"),
    ModelInfo("openai/gpt-oss-120b", "OpenAI: gpt-oss-120b"),
    ModelInfo("moonshotai/kimi-k2-0905", "MoonshotAI: Kimi K2 0905"),
    ModelInfo("google/gemini-2.5-flash", "Google: Gemini 2.5 Flash"),
    ModelInfo("openai/gpt-5-mini", "OpenAI: GPT-5 Mini"),
    ModelInfo("deepseek/deepseek-r1-0528", "DeepSeek: R1 0528"),
    ModelInfo("deepseek/deepseek-v3.2-exp", "DeepSeek: V3.2 Exp"),
    ModelInfo("z-ai/glm-4.6", "Z.AI: GLM 4.6"),
    ModelInfo("qwen/qwen3-vl-235b-a22b-instruct", "Qwen: Qwen3 VL 235B A22B Instruct"),
)

_T = TypeVar("_T")
RetryHook = Callable[[int, float, APIError], None]


class ChatClient:
    """A client for one OpenAI-compatible endpoint (``base_url`` ends before ``/chat/completions``).

    Attempts are retried only before the first byte of a successful response: on 408 and 429,
    on 500, 502, 503 and 504, and when the connection could not be made. ``on_retry`` is called
    with ``(attempt that failed, seconds to wait, error)`` before each wait.

    ``stall_timeout``: a stream that carries nothing but keep-alives (comments, empty events)
    for this many seconds of waiting is given up with a :class:`TimeoutError` (None: never);
    ``read_timeout`` cannot catch it because bytes keep arriving. ``max_event_chars`` caps one
    event and ``max_reply_chars`` a whole reply (content and reasoning) or response body; past
    a cap the reply fails, keeping the events already yielded.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 120.0,
        max_tries: int = 3,
        backoff: float = 1.0,
        max_retry_wait: float = 60.0,
        stall_timeout: float | None = 120.0,
        max_event_chars: int = MAX_EVENT_CHARS,
        max_reply_chars: int = MAX_REPLY_CHARS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_tries = max(1, max_tries)
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self.stall_timeout = stall_timeout
        self.max_event_chars = max_event_chars
        self.max_reply_chars = max_reply_chars
        self.on_retry: RetryHook | None = None
        self._api_key = api_key.strip() if api_key and api_key.strip() else None
        self._url_secrets = url_secrets(self.base_url)
        # Models seen to emit a bare </think>: their chat template opens the block in the prompt.
        self._reasoning_first_models: set[str] = set()
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._http = httpx.AsyncClient(
            transport=transport,
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=30.0, pool=10.0
            ),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # ------------------------------------------------------------------ requests

    async def stream_chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, object]],
        params: Mapping[str, float | int | str] | None = None,
    ) -> AsyncGenerator[StreamEvent, None]:
        """Stream a reply as typed events; raises an :class:`APIError` subclass on failure.

        Close the generator (``contextlib.aclosing``) to cancel: that closes the connection.
        """
        url = f"{self.base_url}/chat/completions"
        payload = request_body(model, messages, params, stream=True)

        def connect() -> AbstractAsyncContextManager[EventSource]:
            return aconnect_sse(self._http, "POST", url, json=payload, headers=self._headers())

        try:
            async with self._open(connect, lambda source: source.response) as source:
                if not _is_event_stream(source.response):
                    for event in await self._unstreamed_reply(source.response):
                        yield event
                    return
                decoder = StreamDecoder(
                    reasoning_first=model in self._reasoning_first_models,
                    asked_model=model,
                    secret=self._api_key,
                    max_reply_chars=self.max_reply_chars,
                )
                async with aclosing(self._read_events(source.response, decoder)) as events:
                    async for event in events:
                        yield event
                self._learn_think_style(model, decoder)
        except APIError as error:
            self._redacted(error)
            raise

    async def complete(
        self,
        model: str,
        messages: Sequence[Mapping[str, object]],
        params: Mapping[str, float | int | str] | None = None,
    ) -> Completion:
        """Ask for a whole reply at once (``stream: false``)."""
        url = f"{self.base_url}/chat/completions"
        payload = request_body(model, messages, params, stream=False)

        def connect() -> AbstractAsyncContextManager[httpx.Response]:
            return self._http.stream("POST", url, json=payload, headers=self._headers(json=True))

        try:
            async with self._open(connect, _same) as response:
                body = await self._read_body(response)
                data = json_body(body, response, what="reply")
                self._raise_for_error_object(data, response, body)
                return self._masked(parse_completion(data))
        except APIError as error:
            self._redacted(error)
            raise

    async def list_models(self) -> list[ModelInfo]:
        """The endpoint's models (``GET /models``), first occurrence of each id, in order."""
        url = f"{self.base_url}/models"

        def connect() -> AbstractAsyncContextManager[httpx.Response]:
            return self._http.stream("GET", url, headers=self._headers(json=True))

        try:
            async with self._open(connect, _same) as response:
                body = await self._read_body(response)
                data = json_body(body, response, what="model list")
                self._raise_for_error_object(data, response, body)
        except APIError as error:
            self._redacted(error)
            raise
        items = data.get("data") if isinstance(data, Mapping) else data
        if not isinstance(items, list):
            raise ProtocolError("The model list has no `data` array.")
        return model_list(items)

    # ------------------------------------------------------------------ request parts

    def _redacted(self, error: APIError) -> None:
        """Mask the key and the URL's credentials in ``error``'s message, and add a hint.

        Servers have been known to repeat the key in their error text, and an exception's
        text may name the URL it was for.
        """
        message = redact(error.message, self._api_key, others=self._url_secrets)
        if (
            self.base_url.endswith(ENDPOINT_PATH)
            and isinstance(error, (BadRequestError, ProtocolError))
            and ENDPOINT_HINT not in message
        ):
            message = f"{message.rstrip('.')} ({ENDPOINT_HINT})."
        error.message = message
        error.args = (message,)

    def _masked(self, completion: Completion) -> Completion:
        """``completion`` with the key masked where the server repeated it."""
        return replace(
            completion,
            content=mask_secret(completion.content, self._api_key),
            reasoning=mask_secret(completion.reasoning, self._api_key),
        )

    def _headers(self, *, json: bool = False) -> dict[str, str]:
        """Fresh headers for one request (aconnect_sse adds to the dict it is given)."""
        headers: dict[str, str] = {}
        if json:
            headers["Accept"] = "application/json"
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    # ------------------------------------------------------------------ attempts and retries

    @asynccontextmanager
    async def _open(
        self,
        connect: Callable[[], AbstractAsyncContextManager[_T]],
        response_of: Callable[[_T], httpx.Response],
    ) -> AsyncIterator[_T]:
        """Open a request whose response has a 2xx status, retrying what may be retried."""
        attempt = 1
        while True:
            stack = AsyncExitStack()
            try:
                opened = await stack.enter_async_context(connect())
                failure = await self._status_failure(response_of(opened))
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                failure = connect_failure(
                    exc,
                    self.base_url,
                    connect_timeout=self._connect_timeout,
                    read_timeout=self._read_timeout,
                )
            except BaseException:
                await stack.aclose()
                raise
            if failure is None:
                async with stack:
                    yield opened
                return
            await stack.aclose()
            await self._wait_or_raise(attempt, failure)
            attempt += 1

    async def _status_failure(self, response: httpx.Response) -> Failure | None:
        status = response.status_code
        if 200 <= status < 300:
            return None
        body = await self._read_body(response, MAX_ERROR_BODY, cut=True)
        error = error_from_response(
            status, response.headers, body, has_key=self._api_key is not None
        )
        retryable = status in RETRY_STATUSES
        retry_after = parse_retry_after(response.headers.get("retry-after")) if retryable else None
        return Failure(error, retryable, retry_after)

    async def _wait_or_raise(self, attempt: int, failure: Failure) -> None:
        """Sleep before the next attempt, or raise the failure's error when none should follow."""
        self._redacted(failure.error)  # before on_retry shows it
        if not failure.retryable or attempt >= self.max_tries:
            raise failure.error from failure.cause
        wait = failure.retry_after
        if wait is None:
            wait = self.backoff * 2 ** (attempt - 1) * random.uniform(1.0, 1.1)
        elif wait > self.max_retry_wait:
            raise failure.error from failure.cause
        if self.on_retry is not None:
            self.on_retry(attempt, wait, failure.error)
        await asyncio.sleep(wait)

    # ------------------------------------------------------------------ reading

    def _learn_think_style(self, model: str, decoder: StreamDecoder) -> None:
        """Remember whether ``model`` omits ``<think>``, from a reply that ended normally."""
        if decoder.saw_untagged_reasoning:
            self._reasoning_first_models.add(model)
        elif decoder.reasoning_first and not decoder.closed_think:
            self._reasoning_first_models.discard(model)

    async def _read_events(
        self, response: httpx.Response, decoder: StreamDecoder
    ) -> AsyncGenerator[StreamEvent, None]:
        reader = EventReader(
            response.aiter_text(),
            max_event_chars=self.max_event_chars,
            stall_timeout=self.stall_timeout,
        )
        try:
            async with aclosing(reader.events()) as sse_events:
                async for sse in sse_events:
                    progress = decoder.received_chars
                    events = decoder.feed(sse.data, sse.event)
                    # keep-alives (comments, empty events, chunks without text) don't count
                    if events or decoder.received_chars != progress:
                        reader.alive()
                    for event in events:
                        yield event
                    if decoder.error is not None:
                        raise decoder.error
                    if decoder.done:
                        return
        except APIError:
            for event in decoder.flush():
                yield event
            raise
        except httpx.HTTPError as exc:
            for event in decoder.flush():
                yield event
            raise read_failure(exc, self._read_timeout) from exc
        for event in decoder.flush():
            yield event
        if decoder.finish_reason is None:
            if decoder.received_text:
                raise StreamInterrupted("The connection closed before the reply finished.")
            raise StreamInterrupted("The server closed the stream without sending a reply.")

    async def _read_body(
        self, response: httpx.Response, limit: int | None = None, *, cut: bool = False
    ) -> bytes:
        """The body, decoded (gzip …), up to ``limit`` bytes (``max_reply_chars`` if None).

        Past the limit: the body cut there when ``cut``, else a :class:`ProtocolError`.
        """
        limit = self.max_reply_chars if limit is None else limit
        pieces: list[bytes] = []
        size = 0
        try:
            async for piece in response.aiter_bytes():
                if size + len(piece) > limit:
                    if cut:
                        pieces.append(piece[: limit - size])
                        break
                    raise ProtocolError(
                        f"The server's answer is larger than {size_text(limit)}; it was not read."
                    )
                size += len(piece)
                pieces.append(piece)
        except httpx.HTTPError as exc:
            raise read_failure(exc, self._read_timeout) from exc
        return b"".join(pieces)

    async def _unstreamed_reply(self, response: httpx.Response) -> list[StreamEvent]:
        """Events from a 2xx answer to a streaming request that is not an event stream."""
        body = await self._read_body(response)
        content_type = response.headers.get("content-type") or "no content type"
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if is_completion(data):
            # Some servers ignore "stream": true and answer with the whole completion.
            return completion_events(self._masked(parse_completion(data)))
        self._raise_for_error_object(data, response, body)
        if not body.strip():
            raise ProtocolError(
                f"The server sent an empty answer ({content_type}) instead of an event stream."
            )
        raise ProtocolError(
            f"The server answered with {content_type!r} instead of an event stream: "
            f"{shorten(body.decode('utf-8', 'replace'), 80)}"
        )

    def _raise_for_error_object(self, data: object, response: httpx.Response, body: bytes) -> None:
        """Raise the error a 2xx JSON body reports in an ``error`` key, if it has one."""
        if not isinstance(data, Mapping) or data.get("error") is None:
            return
        status = error_status(data["error"])
        if status is not None and status >= 400:
            raise error_from_response(
                status, response.headers, body, has_key=self._api_key is not None
            )
        raise ServerError(f"The server reported an error: {describe_error(data['error'])}")


def _same(response: httpx.Response) -> httpx.Response:
    return response


def _is_event_stream(response: httpx.Response) -> bool:
    # The same test httpx-sse applies before it parses events.
    content_type = response.headers.get("content-type", "")
    return "text/event-stream" in content_type.partition(";")[0]
