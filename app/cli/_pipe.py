"""Pipe mode, ``hcchat -p``: one prompt, its reply streamed to stdout, the exchange saved.

Nothing is lost: the session (the prompt, and the reply marked incomplete) is saved before the
request goes out, checkpointed every couple of seconds while the reply streams, and saved on
every way out: the end of the reply, an API error, Ctrl+C, SIGTERM, SIGHUP, a closed stdout, an
unexpected exception. After ``kill -9`` the last checkpoint says the reply was still streaming.

This module is imported only when pipe mode runs, so it imports the client and the store at
the top. Tests give it another client by replacing :data:`make_client`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from types import FrameType
from typing import Any, TextIO

from app.api import (
    APIError,
    ChatClient,
    ContentDelta,
    ContentWasReasoning,
    Finish,
    ModelInfo,
    RateLimitError,
    ReasoningDelta,
    ServedModel,
    StreamEvent,
    ToolCallDelta,
    Usage,
    make_client,
    redact,
)
from app.cli._dispatch import load_role, load_session, read_stdin
from app.cli._errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    describe_os_error,
    say_error,
    silence_stdout,
)
from app.config import Settings
from app.endpoints import DEFAULT_ENDPOINT, Endpoint, UnknownEndpoint
from app.roles import apply_role
from app.store import (
    Attachment,
    AttachmentError,
    Checkpoints,
    Message,
    ReplyBuilder,
    Session,
    SessionStore,
    StoreError,
    image_refusal,
    read_attachment,
    title_from_prompt,
    tool_call_lines,
    utc_now,
)
from app.text import display_safe
from app.usage import overflow_message

__all__ = ["make_client", "pipe_mode"]

_Handler = Callable[[int, FrameType | None], Any] | int


@dataclass(frozen=True, slots=True)
class _Stop:
    """A way the user (or the system) stopped the reply: what the message keeps, what stderr
    says, and the exit code."""

    error: str
    said: str
    code: int


_CTRL_C = _Stop("cancelled", "cancelled", EXIT_INTERRUPTED)
# Signals that stop a reply cleanly, so the file says why it is partial.
_STOPS = {
    signal.SIGTERM: _Stop(
        "hcchat was stopped (SIGTERM) while the reply streamed",
        "stopped (SIGTERM)",
        128 + signal.SIGTERM,
    ),
    signal.SIGHUP: _Stop(
        "the terminal was closed (SIGHUP) while the reply streamed",
        "the terminal was closed (SIGHUP)",
        128 + signal.SIGHUP,
    ),
}
_OUTPUT_CLOSED = "output closed before the reply was complete"
_CANNOT_SHOW = "the terminal cannot show this text; set PYTHONIOENCODING=utf-8"


def pipe_mode(args: argparse.Namespace, settings: Settings) -> int:
    """Send one prompt, stream the reply to stdout, and save the exchange as a session."""
    if not args.prompt and (sys.stdin is None or sys.stdin.isatty()):
        raise CommandError("no prompt: give it as arguments or pipe it in", EXIT_USAGE)
    prompt = " ".join(args.prompt) if args.prompt else read_stdin()
    if not prompt.strip():
        raise CommandError("no prompt: give it as arguments or pipe it in", EXIT_USAGE)
    store = SessionStore(settings.sessions_dir)
    read = _read_attachments(args.attach or [])
    session = _pipe_session(args, settings, store)
    endpoint = _session_endpoint(settings, session)
    request_params = {**settings.params, **session.params}
    models, compare = [session.model], args.compare is not None
    if compare:
        from app.cli._pipe_compare import compare_models

        models = compare_models(args.compare)
    earlier = [a for message in session.sent_messages() for a in message.attachments]
    # a saved conversation can be compacted in the app; a new one has only the prompt
    saved = any(message.role != "system" for message in session.messages)
    compact = f"/compact in the app (hcchat --session {session.id})" if saved else None
    for model in dict.fromkeys(models):
        named = f"{model}: " if compare else ""
        listed = _listed_model(settings, endpoint, model)
        refused = image_refusal(
            model, listed.images if listed else None, [*earlier, *(a for a, _ in read)]
        )
        if refused is not None:
            raise CommandError(f"not sent: {named}{refused}", EXIT_ERROR)
        context = listed.context_length if listed else None
        too_long = overflow_message(session, context, prompt, compact=compact)
        if too_long is not None:
            raise CommandError(named + too_long, EXIT_ERROR)
    attachments = _keep_attachments(read, store)
    session.messages.append(
        Message(role="user", content=prompt, created=utc_now(), attachments=attachments)
    )
    try:
        history = session.api_messages(store.attachment_data)
    except AttachmentError as error:
        raise CommandError(f"cannot send the session again: {error}") from None
    if not session.title:
        session.title = title_from_prompt(prompt)
    client = make_client(endpoint.base_url, endpoint.api_key, demo=settings.demo)
    client.on_retry = _retry_notice(client.max_tries)
    exchange: _Exchange
    if compare:
        from app.cli._pipe_compare import CompareExchange

        exchange = CompareExchange(session, store, models, settings.secrets())
    else:
        reply = Message("assistant", "", utc_now(), model=session.model, endpoint=session.endpoint)
        session.messages.append(reply)
        secrets = settings.secrets()
        exchange = _Exchange(session, store, reply, secrets, show_reasoning=args.reasoning)
    asyncio.run(exchange.run(client, history, request_params))
    return exchange.report()


# A wait before the next attempt this long or longer (a server's Retry-After, say) is announced.
RETRY_NOTICE_AFTER = 1.0


def _retry_notice(tries: int) -> Callable[[int, float, Exception], None]:
    """What pipe mode says on stderr before it waits a while to try again (a Retry-After).

    Quick retries (a 502, backed off by a fraction of a second) go unsaid: a failure is still
    one line."""

    def notice(attempt: int, wait: float, error: Exception) -> None:
        if wait < RETRY_NOTICE_AFTER:
            return
        what = "rate limited" if isinstance(error, RateLimitError) else str(error).rstrip(".")
        say_error(f"{what}; retrying in {wait:.0f} s (attempt {attempt + 1} of {tries})")

    return notice


def _session_endpoint(settings: Settings, session: Session) -> Endpoint:
    """The endpoint the session's next turn uses (``--endpoint``, else the session's own);
    one the config does not have is a usage error listing the known ones."""
    try:
        return settings.endpoint_named(session.endpoint)
    except UnknownEndpoint as error:
        raise CommandError(f"session {session.id}: {error}", EXIT_USAGE) from None


def _listed_model(settings: Settings, endpoint: Endpoint, model: str) -> ModelInfo | None:
    """``model`` as the endpoint's cached model list has it (its context length, whether it
    takes images), however old; None if not cached. Pipe mode asks for no model list: one
    prompt should not wait for a catalogue of hundreds of models."""
    from app.store import ModelCache

    base_url = "demo" if settings.demo else endpoint.base_url
    cached = ModelCache(settings.cache_dir / "models.json").load(base_url, float("inf")) or []
    for item in cached:
        model_info = ModelInfo.from_dict(item)
        if model_info is not None and model_info.id == model:
            return model_info
    return None


def _read_attachments(paths: list[str]) -> list[tuple[Attachment, bytes]]:
    """Check each ``-a FILE``; any refusal stops here, before anything is sent."""
    read = []
    for path in paths:
        try:
            read.append(read_attachment(path))
        except AttachmentError as error:
            raise CommandError(f"cannot attach: {error}", EXIT_USAGE) from None
    return read


def _keep_attachments(
    read: list[tuple[Attachment, bytes]], store: SessionStore
) -> list[Attachment]:
    """Keep the checked files' bytes beside the sessions, for the session file to name."""
    for attachment, data in read:
        try:
            store.keep_attachment(attachment, data)
        except OSError as error:
            raise CommandError(
                f"cannot keep {attachment.name}: {describe_os_error(error)}"
            ) from None
    return [attachment for attachment, _ in read]


def _pipe_session(args: argparse.Namespace, settings: Settings, store: SessionStore) -> Session:
    """The session the prompt goes into: the one asked for, the latest, or a new one.

    ``--role`` applies to it either way; ``--model`` still wins over the role's model.
    """
    role = load_role(settings, args.role)
    session: Session | None = None
    if args.session is not None:
        session = load_session(store, args.session)
    elif args.resume_latest:
        latest = store.latest()
        if latest is not None:
            session = load_session(store, latest.id)
    if session is None:
        session = Session.new(settings.model, settings.system_prompt)
        session.params = dict(settings.params)
    if role is not None:
        apply_role(session, role)
    if args.model is not None:
        session.model = settings.model
    if args.endpoint is not None or not (args.session or args.resume_latest):
        chosen = settings.endpoint
        session.endpoint = None if chosen == DEFAULT_ENDPOINT else chosen
    return session


class _Exchange:
    """One prompt and its reply: printed as it streams, saved before, during and after."""

    def __init__(
        self,
        session: Session,
        store: SessionStore,
        reply: Message,
        secrets: Sequence[str],
        *,
        show_reasoning: bool,
    ) -> None:
        self.session = session
        self.store = store
        self.builder = ReplyBuilder(reply)
        self.code = EXIT_OK
        self._secrets = tuple(secrets)  # every endpoint's key: none may show
        self._show_reasoning = show_reasoning
        self._wrote_reasoning = False
        self._stop: _Stop | None = None
        self._said: str | None = None  # the one line stderr gets at the end
        self._notes: list[str] = []
        self._unsaved: str | None = None  # why the last save failed

    async def run(
        self,
        client: ChatClient,
        history: Sequence[Mapping[str, object]],
        params: Mapping[str, float | int | str],
    ) -> None:
        """Save the prompt, stream the reply, then save it however the stream ended."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        caught = self._catch_stops(loop, task)
        try:
            self._save()  # before the request goes out
            await self._stream_or_fail(task, client, history, params)
            self._settle()
        finally:
            _release_stops(loop, caught)

    def report(self) -> int:
        """Print what the user should know (one line, after any notes); the exit code."""
        for note in dict.fromkeys(self._notes):
            say_error(note)
        if self._said is not None:
            say_error(self._said)
        return self.code

    # ----------------------------------------------------------------- streaming

    async def _stream_or_fail(
        self,
        task: asyncio.Task[Any],
        client: ChatClient,
        history: Sequence[Mapping[str, object]],
        params: Mapping[str, float | int | str],
    ) -> None:
        """Stream the reply; however it stops, record why on the builder."""
        try:
            await self._stream(client, history, params, Checkpoints())
        except asyncio.CancelledError:
            # Ctrl+C (asyncio.run cancels this task on SIGINT) or a signal caught above.
            task.uncancel()
            self._stopped(self._stop or _CTRL_C)
        except APIError as failure:
            self._failed(redact(str(failure), None, others=self._secrets))
        except BrokenPipeError:  # the reader went away (`| head`): save quietly
            silence_stdout()
            self.builder.fail(_OUTPUT_CLOSED)
            self.code = EXIT_ERROR
        except UnicodeEncodeError:  # what arrived is still saved
            self._failed(_CANNOT_SHOW)
        except OSError as failure:
            self._failed(f"the reply could not be printed: {describe_os_error(failure)}")
        except Exception as failure:
            detail = redact(f"{type(failure).__name__}: {failure}", None, others=self._secrets)
            self._failed(f"hcchat failed while the reply streamed: {detail}")

    async def _stream(
        self,
        client: ChatClient,
        history: Sequence[Mapping[str, object]],
        params: Mapping[str, float | int | str],
        checkpoints: Checkpoints,
    ) -> None:
        """Stream the reply into the builder, printing it, checkpointing the session."""
        model = self.session.model
        async with client, aclosing(client.stream_chat(model, history, params)) as events:
            async for event in events:
                self._take(event)
                if checkpoints.due(self.builder):
                    checkpoints.saving(self.builder, self._save)

    def _take(self, event: StreamEvent) -> None:
        """Feed ``event`` to the builder and print what it adds."""
        shown = isinstance(event, ReasoningDelta) and (
            self._show_reasoning and not self.builder.message.content
        )
        feed_reply(self.builder, event)
        if isinstance(event, ContentDelta):
            if self._wrote_reasoning:
                _write(sys.stderr, "\n")
                self._wrote_reasoning = False
            _write(sys.stdout, display_safe(event.text))
        elif isinstance(event, ReasoningDelta) and shown:
            _write(sys.stderr, display_safe(event.text))
            self._wrote_reasoning = True
        elif isinstance(event, ContentWasReasoning):
            # already printed, but saved as what it was: reasoning, never sent back
            _write(sys.stdout, "\n\n")
        # tool calls are printed whole at the end (_end_output): they come in pieces

    def _end_output(self) -> None:
        """End the printed reply (and any reasoning) with a newline."""
        try:
            if self._wrote_reasoning:
                _write(sys.stderr, "\n")
            text = self.builder.message.content
            if text and not text.endswith("\n"):
                _write(sys.stdout, "\n")
            write_tool_calls(self.builder.message)
        except (OSError, ValueError):  # the reader or the terminal is gone
            silence_stdout()

    # ----------------------------------------------------------------- ways out

    def _settle(self) -> None:
        """End the output and the reply, and save it; a failed save is the line to report."""
        self._end_output()
        message = self.builder.end()
        if self.code == EXIT_OK and message.error is not None:  # an empty reply
            self.code, self._said = EXIT_ERROR, message.error
        self._save()
        if self._unsaved is not None:  # the exit code still says how the reply ended
            self._said = f"the reply could not be saved: {self._unsaved}"
            if self.code == EXIT_OK:
                self.code = EXIT_ERROR

    def _failed(self, error: str) -> None:
        """The reply failed with ``error``: say it, exit 1."""
        self.builder.fail(error)
        self.code = EXIT_ERROR
        self._said = error

    def _stopped(self, stop: _Stop) -> None:
        """The reply was stopped on purpose (Ctrl+C, a signal): say what is kept."""
        self.builder.fail(stop.error, cancelled=True)
        self.code = stop.code
        if self.builder.error is None:  # the model had finished: the reply is whole
            kept = "the reply"
        elif self.builder.received_text:
            kept = "the partial reply"
        else:
            kept = "the prompt"
        self._said = f"{stop.said}; {kept} is saved"

    def _catch_stops(
        self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]
    ) -> list[tuple[signal.Signals, _Handler]]:
        """Make SIGTERM and SIGHUP cancel the stream (and say why), so the reply is saved."""
        caught: list[tuple[signal.Signals, _Handler]] = []
        for signum, stop in _STOPS.items():
            previous = signal.getsignal(signum)
            if previous == signal.SIG_IGN:  # e.g. SIGHUP under nohup: not meant to stop us
                continue
            try:
                loop.add_signal_handler(signum, self._on_signal, task, stop)
            except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
                continue
            caught.append((signum, signal.SIG_DFL if previous is None else previous))
        return caught

    def _on_signal(self, task: asyncio.Task[Any], stop: _Stop) -> None:
        """A stop signal arrived: remember which (the first one counts) and cancel the stream."""
        if self._stop is None and not task.done():
            self._stop = stop
            task.cancel()

    # ----------------------------------------------------------------- saving

    def _save(self) -> None:
        """Save the session as it is now; a failure is remembered, reported if the last fails."""
        self.session.touch()
        try:
            saved = self.store.save(self.session)
        except StoreError as failure:
            self._unsaved = str(failure)
            return
        self._unsaved = None
        if saved.note:
            self._notes.append(saved.note)


def _release_stops(
    loop: asyncio.AbstractEventLoop, caught: list[tuple[signal.Signals, _Handler]]
) -> None:
    """Give the signals back to whoever handled them before."""
    for signum, previous in caught:
        loop.remove_signal_handler(signum)
        signal.signal(signum, previous)


def _write(stream: TextIO, text: str) -> None:
    """Write and flush at once, so streamed text shows as it arrives."""
    stream.write(text)
    stream.flush()


def feed_reply(builder: ReplyBuilder, event: StreamEvent) -> None:
    """Put one stream event into the reply (what pipe mode prints of it is the caller's)."""
    if isinstance(event, ContentDelta):
        builder.add_content(event.text)
    elif isinstance(event, ReasoningDelta):
        builder.add_reasoning(event.text)
    elif isinstance(event, ContentWasReasoning):
        builder.content_was_reasoning()
    elif isinstance(event, ToolCallDelta):
        builder.add_tool_call(
            event.index, id=event.id, type=event.type, name=event.name, arguments=event.arguments
        )
    elif isinstance(event, Usage):
        builder.usage(event.as_dict(), event.cost_details)
    elif isinstance(event, ServedModel):
        builder.served_model(event.model)
    elif isinstance(event, Finish):
        builder.finish(event.reason)


def write_tool_calls(message: Message) -> None:
    """Print ``message``'s tool calls (on stdout) and that hcchat ran none (on stderr)."""
    if message.tool_calls:
        *lines, note = tool_call_lines(message.tool_calls)
        _write(sys.stdout, "".join(display_safe(line) + "\n" for line in lines))
        _write(sys.stderr, note + "\n")
