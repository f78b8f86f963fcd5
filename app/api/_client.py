"""The Chat Completions client: one ``httpx.AsyncClient``, early retries, typed events."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, aclosing, asynccontextmanager
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from httpx_sse import EventSource, SSEError, aconnect_sse

from app import __version__
from app.api._errors import APIError, ProtocolError, ServerError, StreamInterrupted
from app.api._events import Completion, ModelInfo, StreamEvent, model_from_listing
from app.api._failures import Failure, connect_failure, read_failure
from app.api._http_errors import error_from_response, parse_retry_after, shorten
from app.api._sse import (
    StreamDecoder,
    clean_surrogates,
    completion_events,
    describe_error,
    error_status,
    is_completion,
    parse_completion,
)

DEFAULT_BASE_URL = "https://ai.hackclub.com/proxy/v1"
USER_AGENT = f"hcchat/{__version__}"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MESSAGE_KEYS = ("role", "content", "name")
_NOT_PARAMS = frozenset({"model", "messages", "stream", "stream_options"})  # params never override

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

    Attempts are retried only before the first byte of a successful response: on 429, on 500,
    502, 503 and 504, and when the connection could not be made. ``on_retry`` is called with
    ``(attempt that failed, seconds to wait, error)`` before each wait.
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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_tries = max(1, max_tries)
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self.on_retry: RetryHook | None = None
        self._api_key = api_key.strip() if api_key and api_key.strip() else None
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
        payload = self._payload(model, messages, params, stream=True)

        def connect() -> AbstractAsyncContextManager[EventSource]:
            return aconnect_sse(self._http, "POST", url, json=payload, headers=self._headers())

        try:
            async with self._open(connect, lambda source: source.response) as source:
                if not _is_event_stream(source.response):
                    for event in await self._unstreamed_reply(source.response):
                        yield event
                    return
                decoder = StreamDecoder(
                    reasoning_first=model in self._reasoning_first_models, asked_model=model
                )
                async with aclosing(self._read_events(source, decoder)) as events:
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
        payload = self._payload(model, messages, params, stream=False)

        def connect() -> AbstractAsyncContextManager[httpx.Response]:
            return self._http.stream("POST", url, json=payload, headers=self._headers(json=True))

        try:
            async with self._open(connect, _same) as response:
                body = await self._read_body(response)
                data = _json_body(body, response, what="reply")
                self._raise_for_error_object(data, response, body)
                return parse_completion(data)
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
                data = _json_body(body, response, what="model list")
                self._raise_for_error_object(data, response, body)
        except APIError as error:
            self._redacted(error)
            raise
        items = data.get("data") if isinstance(data, Mapping) else data
        if not isinstance(items, list):
            raise ProtocolError("The model list has no `data` array.")
        return _models(items)

    # ------------------------------------------------------------------ request parts

    def _redacted(self, error: APIError) -> None:
        """Mask the key in ``error``'s message: servers have been known to repeat it there."""
        error.message = redact(error.message, self._api_key)
        error.args = (error.message,)

    def _headers(self, *, json: bool = False) -> dict[str, str]:
        """Fresh headers for one request (aconnect_sse adds to the dict it is given)."""
        headers: dict[str, str] = {}
        if json:
            headers["Accept"] = "application/json"
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    @staticmethod
    def _payload(
        model: str,
        messages: Sequence[Mapping[str, object]],
        params: Mapping[str, float | int | str] | None,
        *,
        stream: bool,
    ) -> dict[str, Any]:
        """The request body: only the message fields the API knows and only the params given."""
        payload: dict[str, Any] = {
            "model": model,
            "messages": [{k: _clean(m[k]) for k in MESSAGE_KEYS if k in m} for m in messages],
            "stream": stream,
        }
        params = {k: v for k, v in (params or {}).items() if k not in _NOT_PARAMS}
        effort = params.pop("reasoning_effort", None)
        payload.update(params)
        if isinstance(effort, str):
            # OpenRouter's shape; "none" turns reasoning off (never a top-level reasoning_effort)
            payload["reasoning"] = {"effort": effort}
        if stream:
            payload["stream_options"] = {"include_usage": True}
        return payload

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
        body = await response.aread()
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
        self, source: EventSource, decoder: StreamDecoder
    ) -> AsyncGenerator[StreamEvent, None]:
        try:
            async with aclosing(source.aiter_sse()) as sse_events:
                async for sse in sse_events:
                    for event in decoder.feed(sse.data, sse.event):
                        yield event
                    if decoder.error is not None:
                        raise decoder.error
                    if decoder.done:
                        return
        except APIError:
            for event in decoder.flush():
                yield event
            raise
        except (SSEError, httpx.HTTPError) as exc:
            for event in decoder.flush():
                yield event
            raise read_failure(exc, self._read_timeout) from exc
        for event in decoder.flush():
            yield event
        if decoder.finish_reason is None:
            if decoder.received_text:
                raise StreamInterrupted("The connection closed before the reply finished.")
            raise StreamInterrupted("The server closed the stream without sending a reply.")

    async def _read_body(self, response: httpx.Response) -> bytes:
        try:
            return await response.aread()
        except httpx.HTTPError as exc:
            raise read_failure(exc, self._read_timeout) from exc

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
            return completion_events(parse_completion(data))
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


def _json_body(body: bytes, response: httpx.Response, *, what: str) -> Any:
    """Parse a JSON body (leading whitespace, the Hack Club proxy's keep-alive, is fine)."""
    try:
        return json.loads(body)
    except ValueError:
        content_type = response.headers.get("content-type") or "no content type"
        snippet = shorten(body.decode("utf-8", "replace"), 80) or "(empty body)"
        raise ProtocolError(
            f"The server's {what} is not JSON ({content_type}): {snippet}"
        ) from None


def _models(items: list[Any]) -> list[ModelInfo]:
    models: list[ModelInfo] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping):
            continue
        model_id = item.get("id")
        if not isinstance(model_id, str) or not model_id.strip() or model_id in seen:
            continue
        seen.add(model_id)
        models.append(model_from_listing(item))
    return models


_TOKEN = re.compile(r"\bsk-[A-Za-z0-9][A-Za-z0-9_-]{7,}")


def redact(text: str, secret: str | None) -> str:
    """``text`` with the API key and anything that looks like one (``sk-…``) masked."""
    if secret and secret.strip():
        secret = secret.strip()
        text = text.replace(secret, _mask(secret))
    return _TOKEN.sub(lambda found: _mask(found.group()), text)


def _mask(token: str) -> str:
    """``sk-…<last 4>`` for a long ``sk-`` key, ``[redacted]`` for anything else."""
    if token.startswith("sk-") and len(token) >= 16:
        return f"sk-…{token[-4:]}"
    return "[redacted]"


def _clean(value: object) -> object:
    """A message field with lone surrogates replaced, in a string or a content array's parts."""
    if isinstance(value, str):
        return clean_surrogates(value)
    if isinstance(value, list):
        return [_clean(part) for part in value]
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    return value
