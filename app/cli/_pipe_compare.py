"""``hcchat -p --compare M1,M2[,...]``: one prompt asked of several models at once.

Every reply streams at the same time, each into its own ``ReplyBuilder``; each is printed whole,
in the order the models were given, as soon as it and those before it are done, under a line
``==> MODEL <==`` (only when there is more than one model). The session is saved as the chat
screen saves a comparison: every reply a version of the message, the first one active, before
the requests go out, every couple of seconds while they stream, and at the end. A model that
fails is named on stderr with its error; the others are still printed and saved, and the exit
code is 1.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping, Sequence
from contextlib import aclosing
from typing import Any

from app.api import (
    APIError,
    ChatClient,
    redact,
)
from app.cli._errors import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CommandError, silence_stdout
from app.cli._pipe import (
    _CANNOT_SHOW,
    _CTRL_C,
    _OUTPUT_CLOSED,
    _Exchange,
    _Stop,
    feed_reply,
    write_tool_calls,
)
from app.store import (
    Checkpoints,
    Message,
    ReplyBuilder,
    ReplyGroup,
    Session,
    SessionStore,
    adopt_compare,
    utc_now,
)
from app.text import display_safe

# More would be a flood of requests for one prompt.
MAX_MODELS = 8


def compare_models(value: str) -> list[str]:
    """The models of ``--compare M1,M2[,...]``; a usage error says what is wrong."""
    models = [model.strip() for model in value.split(",")]
    if not all(models) or any(any(c.isspace() for c in m) for m in models):
        raise CommandError(f"--compare: not a list of model ids: {value!r}", EXIT_USAGE)
    if len(models) > MAX_MODELS:
        raise CommandError(f"--compare: at most {MAX_MODELS} models", EXIT_USAGE)
    return models


def header_line(model: str) -> str:
    """The line printed above a model's reply when several are compared."""
    return f"==> {display_safe(model)} <=="


class CompareExchange(_Exchange):
    """One prompt and each model's reply: streamed at once, printed in order, saved throughout."""

    def __init__(
        self, session: Session, store: SessionStore, models: list[str], secrets: Sequence[str]
    ) -> None:
        now, endpoint = utc_now(), session.endpoint
        replies = [Message("assistant", "", now, model=m, endpoint=endpoint) for m in models]
        session.messages.append(adopt_compare(replies, []))
        super().__init__(session, store, replies[0], secrets, show_reasoning=False)
        self.builders = [self.builder, *(ReplyBuilder(reply) for reply in replies[1:])]
        self._group = ReplyGroup(self.builders)
        self._checkpoints = Checkpoints()
        self._cut_short = False  # stopped, or the output failed: no failure listed per model

    async def _stream_or_fail(
        self,
        task: asyncio.Task[Any],
        client: ChatClient,
        history: Sequence[Mapping[str, object]],
        params: Mapping[str, float | int | str],
    ) -> None:
        """Stream every reply; however they stop, record why on each builder."""
        async with client:
            await self._stream_all(task, client, history, params)

    async def _stream_all(
        self,
        task: asyncio.Task[Any],
        client: ChatClient,
        history: Sequence[Mapping[str, object]],
        params: Mapping[str, float | int | str],
    ) -> None:
        """Start every stream; print each reply when it and those before it are done."""
        columns = [
            asyncio.create_task(self._column(builder, client, history, params))
            for builder in self.builders
        ]
        try:
            for number, column in enumerate(columns):
                await asyncio.wait([column])
                self._print(number)
        except asyncio.CancelledError:
            # Ctrl+C (asyncio.run cancels this task on SIGINT) or a signal caught by _Exchange
            task.uncancel()
            await self._stop_all(columns, self._stop or _CTRL_C)
        except BrokenPipeError:  # the reader went away (`| head`): save quietly
            silence_stdout()
            await self._stop_all(columns, None, _OUTPUT_CLOSED)
            self.code = EXIT_ERROR
        except UnicodeEncodeError:
            await self._stop_all(columns, None, _CANNOT_SHOW)
            self.code, self._said = EXIT_ERROR, _CANNOT_SHOW

    async def _column(
        self,
        builder: ReplyBuilder,
        client: ChatClient,
        history: Sequence[Mapping[str, object]],
        params: Mapping[str, float | int | str],
    ) -> None:
        """Stream one model's reply into its builder; a failure stays in that reply."""
        model = builder.message.model or self.session.model
        try:
            async with aclosing(client.stream_chat(model, history, params)) as events:
                async for event in events:
                    feed_reply(builder, event)
                    if self._checkpoints.due(self._group):
                        self._checkpoints.saving(self._group, self._save)
        except APIError as failure:
            builder.fail(redact(str(failure), None, others=self._secrets))
        except Exception as failure:
            detail = redact(f"{type(failure).__name__}: {failure}", None, others=self._secrets)
            builder.fail(f"hcchat failed while the reply streamed: {detail}")

    async def _stop_all(
        self, columns: list[asyncio.Task[None]], stop: _Stop | None, error: str = ""
    ) -> None:
        """Stop every stream still running, each reply keeping what arrived and why it stopped."""
        self._cut_short = True
        for builder in self.builders:
            if stop is not None:
                builder.fail(stop.error, cancelled=True)
            elif builder.streaming:
                builder.fail(error)
        for column in columns:
            column.cancel()
        await asyncio.gather(*columns, return_exceptions=True)
        if stop is not None:
            self.code = stop.code
            self._said = f"{stop.said}; the replies so far are saved"

    def _print(self, number: int) -> None:
        """Print reply ``number`` whole, under its header when there are several."""
        message = self.builders[number].message
        out = sys.stdout
        if len(self.builders) > 1:
            out.write(("\n" if number else "") + header_line(message.model or "") + "\n")
        text = display_safe(message.content)
        out.write(text + ("" if not text or text.endswith("\n") else "\n"))
        write_tool_calls(message)
        out.flush()

    def _settle(self) -> None:
        """End every reply, name each that failed, and save; a failed save is the line to report."""
        for builder in self.builders:
            message = builder.end()
            if message.error is not None and not self._cut_short:
                self._notes.append(f"{message.model}: {message.error}")
                self.code = EXIT_ERROR
        self._save()
        if self._unsaved is not None:
            self._said = f"the replies could not be saved: {self._unsaved}"
            if self.code == EXIT_OK:
                self.code = EXIT_ERROR
