"""``ReplyBuilder``: the one owner of a reply while it streams, and when to checkpoint it.

Plain data: no Textual, no HTTP. The chat screen and pipe mode feed it the client's events; the
``Message`` it builds holds every character from the first delta on, and until the reply ends
it is marked ``incomplete`` with an ``error`` saying it was still streaming. So a save at any
moment (a checkpoint, a ``/rename`` mid-stream, a signal) writes exactly what has arrived, and a
file left by ``kill -9`` says what happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from app.store._model import Message, ToolCall

# What a reply saved while it streams says, and what it keeps saying if hcchat never got to
# finish it (kill -9, a power cut).
STREAMING = "hcchat stopped before the reply finished (it was still streaming when last saved)"
CANCELLED = "cancelled"
CLOSED = "hcchat was closed while the reply streamed"
# A checkpoint is written at most this often while text arrives...
CHECKPOINT_EVERY = 2.0
# ...and saving may take at most this share of the time between two checkpoints (a slow disk,
# a long reply: the interval grows instead of the stream waiting on the disk).
CHECKPOINT_SHARE = 0.05


class ReplyBuilder:
    """Builds an assistant ``Message`` from a stream's events, as they arrive.

    ``fail`` records why a reply stopped (the first cause wins: a cancel that the app's closing
    follows stays a cancel); ``end`` settles the message once the stream is over: its statistics,
    and whether it is complete. A reply stopped by the user after the model's ``finish_reason``
    (only usage and ``[DONE]`` were left) is complete.
    """

    def __init__(self, message: Message, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.message = message
        self._clock = clock
        self.started = clock()
        self.first_token: float | None = None
        self.last_token: float | None = None
        self.ended: float | None = None
        self.deltas = 0
        self.revision = 0  # grows with every change a save would write
        self.error: str | None = None
        # the tool call each stream index builds (the message keeps them in arrival order)
        self._tool_calls: dict[int, ToolCall] = {}
        message.incomplete = True
        message.error = STREAMING

    # ----------------------------------------------------------------- events

    def add_content(self, text: str) -> None:
        """A piece of the answer."""
        self._delta()
        self.message.content += text

    def add_reasoning(self, text: str) -> None:
        """A piece of the reasoning (shown apart, never sent back)."""
        self._delta()
        self.message.reasoning = (self.message.reasoning or "") + text

    def add_tool_call(
        self, index: int, *, id: str = "", type: str = "", name: str = "", arguments: str = ""
    ) -> ToolCall:
        """A fragment of tool call ``index``: the first starts it, later ones extend it.

        The id, type and name are kept from the first fragment that has them (some servers
        repeat them, some send the name in pieces); the arguments are joined as received.
        Returns the call as it now stands.
        """
        self._delta()
        call = self._tool_calls.get(index)
        if call is None:
            call = ToolCall(id=id, name=name, arguments=arguments, type=type or "function")
            self._tool_calls[index] = call
            self.message.tool_calls.append(call)
            return call
        if id and not call.id:
            call.id = id
        if type and type != call.type:
            call.type = type
        if name and name != call.name:
            call.name = name if name.startswith(call.name) else call.name + name
        call.arguments += arguments
        return call

    def content_was_reasoning(self) -> str:
        """Everything received as the answer was reasoning: move it; returns what moved."""
        moved = self.message.content
        self.message.reasoning = (self.message.reasoning or "") + moved
        self.message.content = ""
        self.revision += 1
        return moved

    def usage(
        self,
        counts: Mapping[str, int | float],
        cost_details: Mapping[str, float] | None = None,
    ) -> None:
        """The server's token counts (and ``cost``, USD) for the whole request; the last wins."""
        self.message.usage = dict(counts)
        self.message.cost_details = dict(cost_details) if cost_details else None
        self.revision += 1

    def served_model(self, model: str) -> None:
        """The stream named ``model`` as the one answering: kept when it is not the one asked."""
        served = model if model != self.message.model else None
        if served != self.message.served_model:
            self.message.served_model = served
            self.revision += 1

    def finish(self, reason: str) -> None:
        """The model's ``finish_reason``: the first one is kept."""
        if self.message.finish_reason is None:
            self.message.finish_reason = reason
            self.revision += 1

    def fail(self, error: str, *, cancelled: bool = False) -> None:
        """The reply stopped: ``error`` says why. ``cancelled``: stopped on purpose (Escape,
        quitting, a signal), which leaves a reply the model had finished complete."""
        if self.error is not None or (cancelled and self.message.finish_reason is not None):
            return
        self.error = error
        self.message.error = error
        self.revision += 1

    def end(self) -> Message:
        """The stream is over: settle the message's state and statistics; safe to call twice."""
        if self.ended is not None:
            return self.message
        self.ended = self._clock()
        message = self.message
        if self.error is None and not (message.content or message.reasoning or message.tool_calls):
            reason = message.finish_reason or "none given"
            self.error = f"The model sent an empty reply (finish reason: {reason})."
        message.error = self.error
        message.incomplete = self.error is not None
        message.reasoning = message.reasoning or None
        if self.first_token is not None:
            message.ttft = round(self.first_token - self.started, 3)
            tokens = (message.usage or {}).get("completion_tokens") or self.deltas
            elapsed = self.ended - self.first_token
            if elapsed > 0.05 and tokens:
                message.tokens_per_second = round(tokens / elapsed, 1)
        self.revision += 1
        return message

    # ----------------------------------------------------------------- live statistics

    @property
    def streaming(self) -> bool:
        """True until ``end``."""
        return self.ended is None

    @property
    def received_text(self) -> bool:
        """Whether any answer, reasoning or tool call has arrived."""
        return bool(self.message.content or self.message.reasoning or self.message.tool_calls)

    def waiting(self) -> float:
        """Seconds since the request went out, while no token has come."""
        return self._clock() - self.started

    def quiet(self) -> float:
        """Seconds since the last token (or since the request, before the first)."""
        return self._clock() - (self.last_token or self.started)

    def rate(self) -> float | None:
        """Tokens a second so far (deltas counted), once there is enough to tell."""
        if self.first_token is None:
            return None
        elapsed = self._clock() - self.first_token
        return self.deltas / elapsed if elapsed > 0.5 else None

    def _delta(self) -> None:
        now = self._clock()
        if self.first_token is None:
            self.first_token = now
        self.last_token = now
        self.deltas += 1
        self.revision += 1


class ReplyGroup:
    """Replies that stream at once (models compared): one revision for all, one checkpoint."""

    def __init__(self, builders: Sequence[ReplyBuilder]) -> None:
        self.builders = tuple(builders)

    @property
    def revision(self) -> int:
        """Grows with every change to any of the replies."""
        return sum(builder.revision for builder in self.builders)

    @property
    def streaming(self) -> bool:
        """True while any of the replies streams."""
        return any(builder.streaming for builder in self.builders)


class _Revised(Protocol):
    """What a checkpoint watches: a reply, or a group of them."""

    @property
    def revision(self) -> int: ...


class Checkpoints:
    """When to save a reply that streams: after ``CHECKPOINT_EVERY`` seconds with something new
    to write, and never so often that saving takes more than ``CHECKPOINT_SHARE`` of the time.

    The clock starts at the save made before the request (the prompt), so ``kill -9`` loses at
    most the last couple of seconds of a reply. A save runs either here (``saving``), or
    elsewhere (a thread) between ``started`` and ``finished``; while one is being written, no
    other is due.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last = clock()
        self._cost = 0.0
        self._revision = -1
        self._since: float | None = None  # when the checkpoint being written started

    def due(self, builder: _Revised) -> bool:
        """Whether a checkpoint should be written now."""
        if self._since is not None or builder.revision == self._revision:
            return False
        wait = max(CHECKPOINT_EVERY, self._cost / CHECKPOINT_SHARE)
        return self._clock() - self._last >= wait

    def saving(self, builder: _Revised, save: Callable[[], object]) -> None:
        """Run ``save`` as a checkpoint of ``builder``, timing it."""
        self.started(builder)
        try:
            save()
        finally:
            self.finished()

    def started(self, builder: _Revised) -> None:
        """A checkpoint of ``builder`` as it is now is being written (until ``finished``)."""
        self._since = self._clock()
        self._revision = builder.revision

    def finished(self) -> None:
        """The checkpoint ``started`` is written (or failed): time it."""
        if self._since is not None:
            self._last = self._clock()
            self._cost = self._last - self._since
            self._since = None

    @property
    def writing(self) -> bool:
        """Whether a checkpoint is being written."""
        return self._since is not None
