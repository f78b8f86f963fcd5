"""Plain data for a conversation: ``Session`` and ``Message`` (schema 1 of DESIGN.md)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app.text import one_line

SCHEMA = 1
# What a ``/compact`` summary is introduced by in the system message sent.
SUMMARY_HEADING = "A summary of the earlier part of this conversation, which is not repeated:"
# A session's title, until the user renames it, is the start of its first prompt.
TITLE_LENGTH = 60


def utc_now() -> datetime:
    """Now, in UTC, to the second (what the session file stores)."""
    return datetime.now(UTC).replace(microsecond=0)


def title_from_prompt(text: str) -> str:
    """The title a session takes from its first prompt: one line, at most ``TITLE_LENGTH``."""
    return one_line(text, TITLE_LENGTH)


def new_session_id(now: datetime | None = None) -> str:
    """An id that sorts by creation time, e.g. ``20261124-193005-3f9a``."""
    stamp = (now or utc_now()).strftime("%Y%m%d-%H%M%S")
    # what secrets.token_hex does, without importing hashlib and OpenSSL before the first frame
    return f"{stamp}-{os.urandom(2).hex()}"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message: its bytes are kept apart, named by their sha256."""

    name: str
    type: str  # a MIME type: text/plain, image/png, image/jpeg, image/gif or image/webp
    size: int
    sha256: str


@dataclass(slots=True)
class ToolCall:
    """A tool call a reply asked for; hcchat does not run tools, it shows and keeps them.

    ``arguments`` is the model's JSON text exactly as received (it may not even be JSON).
    """

    id: str
    name: str
    arguments: str = ""
    type: str = "function"

    def as_text(self) -> str:
        """One line for a reader or a model: ``get_weather {"city": "Paris"}``."""
        return f"{self.name or 'unnamed tool'} {self.arguments}".rstrip()


# What the history says in place of tool calls that got no result: an assistant message with
# ``tool_calls`` and no ``tool`` message after it is refused by OpenAI-compatible servers.
TOOL_CALLS_NOT_RUN = "[hcchat does not run tools; this reply asked for: {calls}]"


TOOLS_NOT_RUN = "hcchat does not run tools: the calls above were shown and saved, not run."


def tool_call_lines(calls: list[ToolCall]) -> list[str]:
    """The calls as a reader sees them outside the app: one line each, then a note."""
    if not calls:
        return []
    return [f"⚙ tool call: {call.as_text()}" for call in calls] + [f"({TOOLS_NOT_RUN})"]


def tool_calls_as_text(calls: list[ToolCall]) -> str:
    """The note the history carries for ``calls`` (empty for none)."""
    if not calls:
        return ""
    return TOOL_CALLS_NOT_RUN.format(calls="; ".join(call.as_text() for call in calls))


@dataclass(slots=True)
class Message:
    """One message of a conversation, as sent to the API plus metadata.

    ``alternatives`` holds the other versions of this message (a regenerated reply, an edited
    prompt), each a complete ``Message`` whose ``branch`` is the conversation that followed it;
    the message itself is the one shown and sent as history, and what follows it in its list is
    its own continuation. ``version`` is its place (from 1) among all its versions, when it has
    alternatives; see ``app.store._tree``.
    """

    role: str
    content: str
    created: datetime | None = None
    model: str | None = None
    finish_reason: str | None = None
    reasoning: str | None = None
    usage: dict[str, int | float] | None = None  # token counts; ``cost`` (USD) is a float
    incomplete: bool = False
    error: str | None = None
    ttft: float | None = None
    tokens_per_second: float | None = None
    alternatives: list[Message] = field(default_factory=list)
    branch: list[Message] = field(default_factory=list)
    version: int | None = None
    served_model: str | None = None  # the model the stream named, when not ``model``
    endpoint: str | None = None  # the endpoint that answered, when not ``default``
    cost_details: dict[str, float] | None = None  # the endpoint's ``usage.cost_details``
    # a system message written by ``/compact``: a summary sent instead of every turn before it
    summary: bool = False

    @property
    def cost(self) -> float | None:
        """What the reply cost in USD, when the endpoint said."""
        cost = (self.usage or {}).get("cost")
        return float(cost) if cost is not None else None

    attachments: list[Attachment] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)  # asked for by a reply, never run

    @property
    def failed_empty(self) -> bool:
        """A reply that failed before any text arrived: shown as an error, never sent back."""
        return (
            self.role == "assistant"
            and self.error is not None
            and not self.content
            and not self.tool_calls
        )

    def sent_content(self) -> str:
        """The text the history sends: the content, then a note of any tool calls not run."""
        note = tool_calls_as_text(self.tool_calls)
        if not note:
            return self.content
        return f"{self.content}\n\n{note}" if self.content else note


@dataclass(frozen=True, slots=True)
class ForkOrigin:
    """Where a forked session came from: the session's id and how many messages it copied."""

    id: str
    message: int


@dataclass(slots=True)
class Session:
    """A conversation and its settings; ``messages`` starts with the system message, if any."""

    id: str
    title: str = ""
    created: datetime = field(default_factory=utc_now)
    updated: datetime = field(default_factory=utc_now)
    model: str = ""
    params: dict[str, float | int | str] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    title_locked: bool = False
    role: str | None = None  # the [roles.NAME] the session started with, if any
    forked_from: ForkOrigin | None = None
    endpoint: str | None = None  # the endpoint the next turn uses, when not ``default``

    @classmethod
    def new(cls, model: str, system_prompt: str | None = None) -> Session:
        """A fresh, empty session that will use ``model`` for its first reply."""
        now = utc_now()
        session = cls(id=new_session_id(now), created=now, updated=now, model=model)
        if system_prompt:
            session.messages.append(Message(role="system", content=system_prompt))
        return session

    @property
    def system_prompt(self) -> str | None:
        """The system message's text, if the session has one."""
        if self.messages and self.messages[0].role == "system":
            return self.messages[0].content
        return None

    def set_system_prompt(self, text: str | None) -> None:
        """Replace, add or (with ``None``/empty) remove the leading system message."""
        has_system = bool(self.messages) and self.messages[0].role == "system"
        if text:
            if has_system:
                self.messages[0].content = text
            else:
                self.messages.insert(0, Message(role="system", content=text))
        elif has_system:
            del self.messages[0]

    @property
    def models_used(self) -> list[str]:
        """Models that wrote replies, in order of first use."""
        seen: dict[str, None] = {}
        for message in self.messages:
            if message.role == "assistant" and message.model:
                seen.setdefault(message.model, None)
        return list(seen)

    @property
    def total_tokens(self) -> int:
        """Sum of ``total_tokens`` over every reply that reported usage."""
        return sum(int((m.usage or {}).get("total_tokens", 0)) for m in self.messages)

    @property
    def total_cost(self) -> float | None:
        """Sum of the replies' costs in USD (every version), or None when none reported one."""
        costs = [
            cost
            for message in self.messages
            for version in (message, *message.alternatives)
            if (cost := version.cost) is not None
        ]
        return sum(costs) if costs else None

    def cost_by_day(self) -> dict[str, float]:
        """The replies' costs (every version) summed by the UTC day each was created."""
        days: dict[str, float] = {}
        for message in self.messages:
            for version in (message, *message.alternatives):
                cost = version.cost
                if cost is not None and version.created is not None:
                    day = version.created.astimezone(UTC).date().isoformat()
                    days[day] = days.get(day, 0.0) + cost
        return days

    @property
    def summary_index(self) -> int | None:
        """Where the last ``/compact`` summary is in ``messages``, if the session has one."""
        return next(
            (i for i in range(len(self.messages) - 1, -1, -1) if self.messages[i].summary), None
        )

    def sent_messages(self) -> list[Message]:
        """The messages a request carries: after a ``/compact``, the system prompt, the summary
        and what came after it (the turns it summarises stay in ``messages``, unsent); never a
        failed empty reply."""
        start = self.summary_index
        kept = self.messages if start is None else self.messages[start:]
        if start is not None and self.system_prompt is not None and start > 0:
            kept = [self.messages[0], *kept]
        return [m for m in kept if not m.failed_empty]

    def api_messages(
        self, attachment_data: Callable[[Attachment], bytes] | None = None
    ) -> list[dict[str, object]]:
        """The history in the API's shape: no metadata, no reasoning, no failed empty replies.

        A message with attachments is a content array (its text, then each file) when
        ``attachment_data`` gives their bytes; every other message's content is a string. A
        reply's tool calls are never sent as ``tool_calls`` (no tool ran, so no ``tool`` result
        follows them, and servers refuse that): its content says which calls it asked for.
        A ``/compact`` summary goes into the leading system message (after the system prompt):
        many chat templates refuse a system message anywhere else.
        """
        from app.store._attachments import content_parts

        sent = self.sent_messages()
        summary = next((m for m in sent if m.summary), None)
        body: list[dict[str, object]] = [
            {
                "role": m.role,
                "content": content_parts(m.content, m.attachments, attachment_data)
                if m.attachments and attachment_data is not None
                else m.sent_content(),
            }
            for m in sent
            if not m.summary
        ]
        if summary is not None:
            text = f"{SUMMARY_HEADING}\n\n{summary.content}"
            if body and body[0]["role"] == "system" and self.system_prompt is not None:
                body[0]["content"] = f"{body[0]['content']}\n\n{text}"
            else:
                body.insert(0, {"role": "system", "content": text})
        return body

    def touch(self) -> None:
        """Mark the session as changed now."""
        self.updated = utc_now()


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """What the session list shows about one readable session file."""

    id: str
    title: str
    created: datetime
    updated: datetime
    models: tuple[str, ...]
    message_count: int
    folder: Path  # the file is ``folder / f"{id}.toml"``: ``path`` (10,000 paths cost 30-70 ms)
    cost: float | None = None  # USD over every reply that reported one
    cost_by_day: dict[str, float] = field(default_factory=dict)  # UTC "YYYY-MM-DD" -> USD
    forked_from: str | None = None  # the id of the session it was forked from

    @property
    def path(self) -> Path:
        """The session's file."""
        return self.folder / f"{self.id}.toml"


@dataclass(frozen=True, slots=True)
class UnreadableSession:
    """A file in the sessions folder that could not be read; never overwritten or deleted."""

    id: str
    path: Path
    reason: str
