"""Turn Chat Completions payloads (streamed chunks or a whole reply) into typed events."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from app.api._errors import ProtocolError, StreamInterrupted
from app.api._event_stream import MB, size_text
from app.api._events import (
    Completion,
    ContentDelta,
    ContentWasReasoning,
    Finish,
    ReasoningDelta,
    ServedModel,
    StreamEvent,
    ToolCallDelta,
    Usage,
)
from app.api._secrets import StreamMask
from app.api._think import Part, ThinkSplitter, split_think

DONE = "[DONE]"
MAX_REPLY_CHARS = 64 * MB
# A reply asking for more tool calls than this is not believed: the rest are dropped.
MAX_TOOL_CALLS = 128
# TOML integers are signed 64-bit: a count beyond that could not be saved.
MAX_COUNT = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_surrogates(text: str) -> str:
    """``text`` with surrogate pairs joined and lone surrogates replaced by U+FFFD.

    ``json.loads`` turns a ``\\ud83d`` escape without its second half into a lone surrogate,
    which cannot be encoded as UTF-8: sending it back as history or saving it would fail.
    """
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class _TextChannel:
    """One stream of text (content or reasoning) on its way out, whatever the chunks cut.

    It rejoins a surrogate pair that two chunks split and cleans what it lets through, then
    masks the API key, holding back an end that could be the key's beginning.
    """

    def __init__(self, secret: str | None) -> None:
        self._held = ""
        self._mask = StreamMask(secret) if secret else None

    def feed(self, text: str) -> str:
        if self._held:
            text, self._held = self._held + text, ""
        if "\ud800" <= text[-1] <= "\udbff":  # a high surrogate: its pair may follow
            text, self._held = text[:-1], text[-1]
        text = clean_surrogates(text)
        return self._mask.feed(text) if self._mask is not None and text else text

    def flush(self) -> str:
        held, self._held = clean_surrogates(self._held), ""
        if self._mask is None:
            return held
        return self._mask.feed(held) + self._mask.flush() if held else self._mask.flush()


class StreamDecoder:
    """Decodes the ``data:`` payloads of one streamed reply, keeping the state between chunks.

    ``feed`` returns the events of one payload. When the payload reports a failure (an error
    chunk, ``finish_reason: "error"``, an ``error`` event) it still returns the text that came
    before, and sets :attr:`error`, which the caller raises after yielding those events. A
    payload that is not a JSON object raises :class:`ProtocolError`. ``flush`` releases text the
    ``<think>`` splitter holds back (call it at the end and on failures).
    ``reasoning_first``: the model is known to omit ``<think>`` (see :mod:`app.api._think`).
    ``asked_model``: the model requested; the first chunk naming another one yields a
    :class:`ServedModel`.
    ``secret``: the API key, masked wherever a server repeats it in the reply.
    ``max_reply_chars``: past this much content and reasoning, :meth:`feed` raises
    :class:`StreamInterrupted` (the text before the chunk that crossed it has been returned).
    """

    def __init__(
        self,
        *,
        reasoning_first: bool = False,
        asked_model: str | None = None,
        secret: str | None = None,
        max_reply_chars: int = MAX_REPLY_CHARS,
    ) -> None:
        self.done = False
        self.asked_model = asked_model
        self.served_model: str | None = None
        self.finish_reason: str | None = None
        self.error: StreamInterrupted | None = None
        self.received_text = False
        self.reasoning_first = reasoning_first
        # content and reasoning characters received; how far the reply has progressed
        self.received_chars = 0
        self.max_reply_chars = max_reply_chars
        self._splitter = ThinkSplitter(reasoning_first=reasoning_first)
        self._content = _TextChannel(secret)
        self._reasoning = _TextChannel(secret)

    @property
    def saw_untagged_reasoning(self) -> bool:
        """True when the content had a bare ``</think>`` after text shown as content."""
        return self._splitter.saw_untagged_reasoning

    @property
    def closed_think(self) -> bool:
        """True when a ``</think>`` ended a reasoning block in the content."""
        return self._splitter.closed_think

    def feed(self, data: str, event: str = "message") -> list[StreamEvent]:
        """The events carried by one ``data:`` payload (of an SSE event named ``event``)."""
        text = data.strip()
        if event == "error":
            self._fail(_error_event_message(text))
            return self.flush()
        if not text:
            return []
        if text == DONE:
            self.done = True
            return self.flush()
        chunk = _parse_chunk(text)
        error = chunk.get("error")
        if error is not None:
            self._fail(describe_error(error), error_status(error))
        events: list[StreamEvent] = self._served(chunk.get("model"))
        choice = first_choice(chunk.get("choices"))
        if choice is not None:
            events.extend(self._choice_events(choice))
        usage = parse_usage(chunk.get("usage"))
        if usage is not None:
            events.append(usage)
        if self.error is not None:
            events.extend(self.flush())
        return events

    def flush(self) -> list[StreamEvent]:
        """Release whatever the ``<think>`` splitter (or a split surrogate pair) holds back."""
        events: list[StreamEvent] = []
        reasoning = self._reasoning.flush()
        if reasoning:
            events.append(ReasoningDelta(reasoning))
        content = self._content.flush()
        parts = self._splitter.feed(content) if content else []
        return events + _events_of([*parts, *self._splitter.flush()])

    def _served(self, model: object) -> list[StreamEvent]:
        """A :class:`ServedModel` the first time a chunk names a model other than the one asked."""
        if self.served_model is not None or not isinstance(model, str) or not model.strip():
            return []
        self.served_model = model = clean_surrogates(model.strip())
        if self.asked_model is None or model == self.asked_model:
            return []
        return [ServedModel(model)]

    def _fail(self, message: str, status: int | None = None) -> None:
        if self.error is None:
            self.error = StreamInterrupted(
                f"The server reported an error during the reply: {message}", status=status
            )

    def _choice_events(self, choice: Mapping[str, Any]) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        delta = choice.get("delta")
        if isinstance(delta, Mapping):
            reasoning = reasoning_text(delta)
            content = delta.get("content")
            if not isinstance(content, str):
                content = ""
            self._count(len(reasoning) + len(content))
            if reasoning:
                self.received_text = True
                reasoning = self._reasoning.feed(reasoning)
                if reasoning:
                    events.append(ReasoningDelta(reasoning))
            if content:
                self.received_text = True
                content = self._content.feed(content)
                if content:
                    events.extend(_events_of(self._splitter.feed(content)))
            calls = tool_call_fragments(delta.get("tool_calls"))
            if calls:
                self.received_text = True
                self._count(sum(len(call.name) + len(call.arguments) for call in calls))
                events.extend(calls)
        reason = choice.get("finish_reason")
        if not isinstance(reason, str) or not reason or self.finish_reason is not None:
            return events
        if reason == "error":
            if self.error is None:
                self.error = StreamInterrupted(
                    "The model's provider failed part way through the reply "
                    '(finish_reason "error").'
                )
            return events
        self.finish_reason = reason
        events.extend(self.flush())
        events.append(Finish(reason))
        return events

    def _count(self, chars: int) -> None:
        """Add ``chars`` to the reply's size; raise before it grows past the cap."""
        if self.received_chars + chars > self.max_reply_chars:
            raise StreamInterrupted(
                f"The reply grew larger than {size_text(self.max_reply_chars)}; "
                "it was stopped there."
            )
        self.received_chars += chars


def _parse_chunk(text: str) -> dict[str, Any]:
    try:
        chunk = json.loads(text)
    except ValueError:
        raise ProtocolError(f"The server sent a chunk that is not JSON: {text[:80]}") from None
    if not isinstance(chunk, dict):
        raise ProtocolError(f"The server sent a chunk that is not a JSON object: {text[:80]}")
    return chunk


def _error_event_message(text: str) -> str:
    """The message of an ``event: error`` payload: JSON with an ``error`` object, or text."""
    try:
        data = json.loads(text)
    except ValueError:
        return text[:200] or "no details given"
    if isinstance(data, Mapping) and data.get("error") is not None:
        return describe_error(data["error"])
    return describe_error(data)


def _events_of(parts: list[Part]) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    for kind, text in parts:
        if kind == "retract":
            events.append(ContentWasReasoning())
        elif kind == "reasoning":
            events.append(ReasoningDelta(text))
        else:
            events.append(ContentDelta(text))
    return events


def tool_call_fragments(value: object) -> list[ToolCallDelta]:
    """The tool call fragments of a delta's (or a message's) ``tool_calls`` list.

    Every field is untrusted: a string that is not one is taken as empty, and a fragment
    without a usable ``index`` takes its place in the list (some servers leave it out).
    """
    if not isinstance(value, list):
        return []
    fragments: list[ToolCallDelta] = []
    for position, item in enumerate(value[:MAX_TOOL_CALLS]):
        if not isinstance(item, Mapping):
            continue
        index = item.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < MAX_TOOL_CALLS:
            index = position
        function = item.get("function")
        if not isinstance(function, Mapping):
            function = {}
        fragments.append(
            ToolCallDelta(
                index,
                _text(item.get("id")),
                _text(item.get("type")),
                _text(function.get("name")),
                _text(function.get("arguments")),
            )
        )
    return fragments


def _text(value: object) -> str:
    return clean_surrogates(value) if isinstance(value, str) else ""


def first_choice(choices: object) -> Mapping[str, Any] | None:
    """The choice with index 0 (or the first one), if ``choices`` holds any."""
    if not isinstance(choices, list):
        return None
    candidates = [c for c in choices if isinstance(c, Mapping)]
    for choice in candidates:
        if choice.get("index", 0) == 0:
            return choice
    return candidates[0] if candidates else None


def reasoning_text(part: Mapping[str, Any]) -> str:
    """Reasoning of a delta or message: ``reasoning``, ``reasoning_content`` or its details."""
    for key in ("reasoning", "reasoning_content"):
        value = part.get(key)
        if isinstance(value, str) and value:
            return value
    details = part.get("reasoning_details")
    if not isinstance(details, list):
        return ""
    pieces: list[str] = []
    for item in details:
        if not isinstance(item, Mapping):
            continue
        if item.get("type") == "reasoning.summary":
            value = item.get("summary")
        elif item.get("type") == "reasoning.encrypted":
            continue
        else:
            value = item.get("text")
        if isinstance(value, str):
            pieces.append(value)
    return "".join(pieces)


def parse_usage(value: object) -> Usage | None:
    """Token counts from a ``usage`` object, or None when it holds none.

    A count that is negative or too large for a 64-bit integer (which TOML, and so the session
    file, cannot hold) is left out as if the server had not sent it.
    """
    if not isinstance(value, Mapping):
        return None
    counts = {
        key: count
        for key in ("prompt_tokens", "completion_tokens", "total_tokens")
        if isinstance(count := value.get(key), int)
        and not isinstance(count, bool)
        and 0 <= count <= MAX_COUNT
    }
    if not counts:
        return None
    prompt = counts.get("prompt_tokens", 0)
    completion = counts.get("completion_tokens", 0)
    cost = _usd(value.get("cost"))
    details = value.get("cost_details")
    cost_details = None
    if isinstance(details, Mapping):
        cost_details = {
            str(key): number for key, item in details.items() if (number := _usd(item)) is not None
        } or None
    total = counts.get("total_tokens", min(prompt + completion, MAX_COUNT))
    return Usage(prompt, completion, total, cost=cost, cost_details=cost_details)


def _usd(value: object) -> float | None:
    """An amount of USD given as a finite, non-negative number, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    amount = float(value)
    return amount if 0 <= amount < float("inf") else None


def describe_error(error: object) -> str:
    """The message of an ``error`` value: an object with ``message`` (or ``code``), or a string."""
    if isinstance(error, Mapping):
        message = error.get("message")
        if isinstance(message, str) and message.strip():
            return message.strip()
        code = error.get("code")
        if code is not None:
            return f"error code {code}"
        return json.dumps(error)[:200]
    return str(error).strip() or "no details given"


def error_status(error: object) -> int | None:
    """``error.code`` as an HTTP status if it is one (OpenRouter sends an int, LiteLLM a str)."""
    if not isinstance(error, Mapping):
        return None
    code = error.get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        status = code
    elif isinstance(code, str) and code.isdigit():
        status = int(code)
    else:
        return None
    return status if 100 <= status <= 599 else None


def _completion_parts(data: object) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    """``(choice, message)`` of a ``chat.completion`` object, or None if it is not one."""
    if not isinstance(data, Mapping):
        return None
    choice = first_choice(data.get("choices"))
    if choice is None:
        return None
    message = choice.get("message")
    return (choice, message) if isinstance(message, Mapping) else None


def is_completion(data: object) -> bool:
    """True when ``data`` looks like a non-streamed ``chat.completion`` object."""
    return _completion_parts(data) is not None


def parse_completion(data: object) -> Completion:
    """A :class:`Completion` from a ``chat.completion`` object, with ``<think>`` split out."""
    parts = _completion_parts(data)
    if parts is None or not isinstance(data, Mapping):
        raise ProtocolError("The server's reply is not a chat completion (no choices[0].message).")
    choice, message = parts
    content = message.get("content")
    think, answer = split_think(clean_surrogates(content) if isinstance(content, str) else "")
    reasoning = "\n\n".join(
        part for part in (clean_surrogates(reasoning_text(message)), think) if part
    )
    reason = choice.get("finish_reason")
    return Completion(
        content=answer,
        reasoning=reasoning,
        finish_reason=reason if isinstance(reason, str) and reason else None,
        usage=parse_usage(data.get("usage")),
        tool_calls=tuple(tool_call_fragments(message.get("tool_calls"))),
    )


def completion_events(completion: Completion) -> list[StreamEvent]:
    """The events a stream would have carried for ``completion``."""
    events: list[StreamEvent] = []
    if completion.reasoning:
        events.append(ReasoningDelta(completion.reasoning))
    if completion.content:
        events.append(ContentDelta(completion.content))
    events.extend(completion.tool_calls)
    events.append(Finish(completion.finish_reason or "stop"))
    if completion.usage is not None:
        events.append(completion.usage)
    return events
