"""The chat screen: conversation, prompt, status line; owns the worker that streams replies.

The reply that streams is owned by a ``ReplyBuilder`` (``app.store``): the worker feeds it and
the reply's view with the client's events, and saves a checkpoint when one is due, so whatever
saves the session at any moment (a command, a signal, quitting) writes what has arrived.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from app.endpoints import DEFAULT_ENDPOINT, UnknownEndpoint, choice_text
from app.store import Message, Session, title_from_prompt, utc_now
from app.ui._bindings import bindings
from app.ui.screens._chat_budget import budget_stats
from app.ui.screens._chat_compact import CompactCommands
from app.ui.screens._chat_compare import CompareCommands, Streaming
from app.ui.screens._chat_view import ViewCommands
from app.ui.screens._composer import ComposerCommands
from app.ui.widgets import Conversation, KeyFooter, PromptArea, StatusLine, WelcomeView
from app.ui.widgets._welcome import backend_line
from app.usage import context_meter, context_tokens, format_cost, overflow_message

# What only a reply, a message or a command needs (the stream's events, the reply builder, the
# message views and their Markdown) is imported where it is used: not before a new chat's first
# frame, which shows none of them.
if TYPE_CHECKING:
    from app.api import ChatClient, StreamEvent
    from app.store import ReplyBuilder
    from app.ui.widgets import MessageView, ReplyView

# Messages mounted when a session opens: ten fill the screen. Older ones are mounted PAGE at a
# time as the reader scrolls up: each page is built and laid out between two frames, and
# smaller pages keep the slowest PageUp quicker (p95 key to frame through 1,000 messages: 85 ms
# with pages of 5, 101-118 ms with pages of 10).
FIRST_PAGE = 10
PAGE = 5
# A reply that has had no text for this many seconds says so, with the count, in its footer and
# the status line: a stall shows long before the read timeout ends it.
QUIET_AFTER = 3.0
# The longest the streaming worker runs without letting other tasks (keys, frames) in.
STREAM_SLICE = 0.015


class ChatScreen(CompareCommands, ComposerCommands, ViewCommands, CompactCommands):
    """Chat with a model: send prompts, stream replies, switch models, run slash commands."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("chat")

    streaming: reactive[bool] = reactive(False, init=False)
    # The clock behind the live stats; snapshot tests freeze it.
    clock = staticmethod(time.monotonic)

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._streaming: Streaming | None = None
        self._first_mounted = len(session.messages)
        self._status_timer: Timer | None = None
        self.saved = True  # the last save worked

    @property
    def reply(self) -> ReplyBuilder | None:
        """The builder of the reply that is streaming, if one is (read it, don't feed it)."""
        return self._streaming.builder if self._streaming is not None else None

    @property
    def reply_view(self) -> ReplyView | None:
        """The view of the reply that is streaming, if one is."""
        return self._streaming.view if self._streaming is not None else None

    def compose(self) -> ComposeResult:
        settings = self.hcchat.settings
        yield StatusLine(id="status")
        backend = backend_line(settings.base_url, demo=settings.demo)
        yield WelcomeView(backend=backend, keys=settings.keys, id="welcome")
        yield Conversation(id="conversation")
        yield Static(id="attachments")
        yield PromptArea(id="prompt")
        yield KeyFooter()

    async def on_mount(self) -> None:
        self.show_attachments()
        await self.show_session()
        self.query_one(PromptArea).focus()

    # ----------------------------------------------------------------- display

    def update_status(self) -> None:
        """Redraw the status line: title, model, and the stats of the last or current reply."""
        session = self.session
        found = self.query_children(StatusLine)
        if not found:
            return
        status = found.first()
        model = choice_text(session.endpoint, session.model)
        status.title, status.model = session.title, self.compare_label() or model
        builder = self.reply
        stats: list[str] = self.compare_status() if builder is None else []
        if builder is not None:
            quiet = builder.quiet()
            if self.reply_view is not None:
                self.reply_view.show_quiet(quiet if quiet >= QUIET_AFTER else None)
            if quiet >= QUIET_AFTER:
                if builder.first_token is not None:
                    stats.append(f"~{builder.deltas} tokens")
                stats.append(f"waiting for the server · {quiet:.0f} s")
            elif builder.first_token is None:
                stats.append(f"waiting {builder.waiting():.1f} s")
            else:
                stats.append(f"~{builder.deltas} tokens")
                rate = builder.rate()
                if rate is not None:
                    stats.append(f"{rate:.0f} tok/s")
        elif not stats:
            last = next((m for m in reversed(session.messages) if m.role == "assistant"), None)
            if last is not None and last.ttft is not None:
                stats.append(f"TTFT {last.ttft:.2f} s")
            if last is not None and last.tokens_per_second is not None:
                stats.append(f"{last.tokens_per_second:.0f} tok/s")
            if session.total_tokens:
                stats.append(f"{session.total_tokens} tokens total")
        if session.total_cost is not None:
            stats.append(f"{format_cost(session.total_cost)} this session")
        context = self.hcchat.context_length(session.model, load=False)
        if context and builder is None:
            stats.append(context_meter(context_tokens(session), context))
        budget = self.hcchat.settings.daily_budget
        if budget is not None:
            stats.extend(budget_stats(self, budget))
        status.stats = tuple(stats)

    def overflow(self, extra: str = "") -> str | None:
        """Why the next request (with ``extra`` added) cannot fit the model's context, if so."""
        return overflow_message(self.session, self.hcchat.context_length(self.session.model), extra)

    def view_for(self, index: int) -> MessageView:
        """A new view of the session's message ``index``."""
        from app.ui.widgets import ReplyView, SummaryMessage, SystemMessage, UserMessage

        message = self.session.messages[index]
        view: MessageView
        if message.role == "assistant":
            view = ReplyView(message, index=index)
        elif message.summary:
            view = SummaryMessage(message, index=index)
        elif message.role == "system":
            view = SystemMessage(message, index=index)
        else:
            view = UserMessage(message, index=index, pictures=self.pictures)
        summary = self.session.summary_index
        if summary is not None and 0 < index < summary:  # not the system prompt: it is sent
            view.add_class("-compacted")
        return view

    async def show_session(self) -> None:
        """Mount the last page of the session's messages and the status line."""
        conversation = self.query_one(Conversation)
        await conversation.remove_children()
        self._compare = None  # its replies are saved; the first is the one shown
        total = len(self.session.messages)
        self._first_mounted = max(0, total - FIRST_PAGE)
        views = [self.view_for(i) for i in range(self._first_mounted, total)]
        if views:
            await conversation.mount_all(views)
        conversation.anchor()
        self.update_status()
        self.show_welcome(not any(m.role != "system" for m in self.session.messages))

    async def open(self, session: Session, highlight: int | None = None) -> None:
        """Show ``session`` (cancelling any reply that streams); optionally mark one message."""
        self.action_cancel()
        self.session = session
        self.selected = None
        await self.show_session()
        if highlight is not None and 0 <= highlight < len(session.messages):
            while self._first_mounted > highlight:
                await self.mount_earlier()
            from app.ui.widgets import MessageView

            for view in self.query(MessageView):
                if view.index == highlight:
                    view.add_class("-highlight")
                    self.query_one(Conversation).release_anchor()
                    self.call_after_refresh(view.scroll_visible, top=True, animate=False)
        self.query_one(PromptArea).focus()

    @on(Conversation.NeedEarlier)
    async def mount_earlier(self) -> None:
        """Mount the page of messages before the first one shown."""
        if self._first_mounted == 0:
            return
        start = max(0, self._first_mounted - PAGE)
        views = [self.view_for(i) for i in range(start, self._first_mounted)]
        self._first_mounted = start
        conversation = self.query_one(Conversation)
        first = conversation.children[0] if conversation.children else None
        await conversation.mount_all(views, before=first)
        if first is not None:
            conversation.keep_in_place(first)

    # ----------------------------------------------------------------- input

    @on(PromptArea.Submitted)
    async def on_prompt_submitted(self, event: PromptArea.Submitted) -> None:
        """Send the prompt, or run it as a slash command.

        The prompt emptied itself on Enter (keys typed since are its new text); a prompt that
        is not sent is given back to it.
        """
        text = event.text
        if not text.strip():
            return
        from app.ui.screens._chat_commands import CommandError, parse_command

        try:
            command = parse_command(text)
        except CommandError as error:
            event.prompt.give_back(text)
            self.notify(str(error), severity="error", markup=False)
            return
        if command is not None:
            await self.run_slash(command.name, command.argument)
            return
        if self.streaming:
            event.prompt.give_back(text)
            self.notify(
                "A reply is still streaming: wait, or press Escape to cancel it.", markup=False
            )
            return
        if text.lstrip().startswith("//"):
            text = text.replace("/", "", 1)
        too_long = self.overflow(text) if self.editing is None else None
        if too_long is not None:  # the prompt stays in the box
            event.prompt.give_back(event.text)
            self.notify(too_long, severity="error", timeout=15, markup=False)
            return
        if not self.keep_attachments():
            event.prompt.give_back(event.text)
            return
        event.prompt.remember(text)
        if self.editing is not None:
            await self.resend_edited(self.editing, text)
        else:
            await self.send(text)

    async def send(self, text: str) -> None:
        """Add a user message, save, and stream the reply to it (or each, in compare mode)."""
        from app.ui.widgets import UserMessage

        await self.leave_compare()
        message = Message(
            role="user", content=text, created=utc_now(), attachments=self.take_attachments()
        )
        self.session.messages.append(message)
        self.selected = None
        if not self.session.title_locked and not self.session.title:
            self.session.title = title_from_prompt(text) or "Untitled"
        self.save()
        self.show_welcome(False)
        await self.query_one(Conversation).mount(
            UserMessage(message, index=len(self.session.messages) - 1, pictures=self.pictures)
        )
        await self.answer()

    def save(self) -> bool:
        """Date the session and save it; a failure is shown, and everything stays in memory."""
        self.session.touch()
        self.saved = self.hcchat.save_session(self.session)
        return self.saved

    # ----------------------------------------------------------------- the reply

    async def start_reply(self, alternatives: list[Message] | None = None) -> None:
        """Mount an empty reply for the current model and start streaming into it.

        ``alternatives`` are earlier versions of this reply, kept when regenerating.
        """
        from app.store import AttachmentError, Checkpoints, ReplyBuilder, adopt_versions
        from app.ui.widgets import ReplyView

        session = self.session
        too_long = self.overflow()
        if too_long is not None:
            self.notify(too_long, severity="error", timeout=15, markup=False)
            return
        if self.refuse_images(a for m in session.sent_messages() for a in m.attachments):
            return
        try:
            history = session.api_messages(self.hcchat.store.attachment_data)
            client = self.hcchat.client_for(session.endpoint or DEFAULT_ENDPOINT)
        except (AttachmentError, UnknownEndpoint) as error:
            self.notify(f"Not sent: {str(error).rstrip('.')}.", severity="error", markup=False)
            return
        model, endpoint = session.model, session.endpoint
        message = Message("assistant", "", utc_now(), model=model, endpoint=endpoint)
        adopt_versions(message, alternatives or [])
        builder = ReplyBuilder(message, clock=self.clock)
        session.messages.append(message)
        view = ReplyView(message, index=len(session.messages) - 1, streaming=True)
        conversation = self.query_one(Conversation)
        await conversation.mount(view)
        conversation.anchor()
        self._streaming = Streaming(session, builder, view, Checkpoints())
        self.streaming = True
        feeding = self.feed(self._streaming, client, history, session.model, dict(session.params))
        self.run_worker(feeding, group="reply", exclusive=True, exit_on_error=False)

    def watch_streaming(self, streaming: bool) -> None:
        if streaming:
            self._status_timer = self.set_interval(0.25, self.update_status)
        elif self._status_timer is not None:
            self._status_timer.stop()
            self._status_timer = None
        self.refresh_bindings()
        self.update_status()

    async def feed(
        self,
        active: Streaming,
        client: ChatClient,
        history: list[dict[str, object]],
        model: str,
        params: dict[str, float | int | str],
    ) -> None:
        """Stream a reply (the one, or a compared model's) into its builder and view; a worker."""
        # imported with the first reply: httpx is not needed to draw the first frame
        from app.api import APIError, redact
        from app.store import CLOSED

        builder, view = active.builder, active.view
        secrets = self.hcchat.settings.secrets()  # every endpoint's key
        busy_since = time.monotonic()
        try:
            async for event in client.stream_chat(model, history, params):
                # Events already buffered are read without a pause; a burst of thousands would
                # hold the event loop for a second, so keys and frames get a turn every frame.
                if time.monotonic() - busy_since > STREAM_SLICE:
                    await asyncio.sleep(0.001)
                    busy_since = time.monotonic()
                await self._apply(event, builder, view)
                if active.checkpoints.due(active.watched):
                    self._checkpoint(active)
        except asyncio.CancelledError:
            builder.fail(CLOSED, cancelled=True)  # Escape and signals said why first
            raise
        except APIError as error:
            builder.fail(redact(str(error), None, others=secrets))
        except Exception as error:
            builder.fail(redact(f"unexpected error: {error!r}", None, others=secrets))
        finally:
            if active.compare is not None:
                await self.column_finished(active)
            else:
                self._finalize(active)
                if view.is_attached:
                    await view.finish()
                self._tell_outcome(builder.message)

    async def _apply(self, event: StreamEvent, builder: ReplyBuilder, view: ReplyView) -> None:
        """Put one event into the reply and its view."""
        # plain classes: importing them does not bring in httpx
        from app.api import (
            ContentDelta,
            ContentWasReasoning,
            Finish,
            ReasoningDelta,
            ServedModel,
            ToolCallDelta,
            Usage,
        )

        if isinstance(event, ContentDelta):
            builder.add_content(event.text)
            view.write(event.text)
        elif isinstance(event, ReasoningDelta):
            builder.add_reasoning(event.text)
            view.write_reasoning(event.text)
        elif isinstance(event, ContentWasReasoning):
            await view.content_was_reasoning(builder.content_was_reasoning())
        elif isinstance(event, ToolCallDelta):
            call = builder.add_tool_call(
                event.index,
                id=event.id,
                type=event.type,
                name=event.name,
                arguments=event.arguments,
            )
            await view.write_tool_call(call)
        elif isinstance(event, Usage):
            builder.usage(event.as_dict(), event.cost_details)
        elif isinstance(event, ServedModel):
            builder.served_model(event.model)
        elif isinstance(event, Finish):
            builder.finish(event.reason)

    def _checkpoint(self, active: Streaming) -> None:
        # written in a thread (no key or frame waits for the disk), dropped if it ends after the
        # final save; a full disk is not told again every two seconds, only by the final save
        active.session.touch()
        active.checkpoints.started(active.watched)

        def done(saved: bool | None) -> None:
            active.checkpoints.finished()
            live = self._streaming is active or (  # not over the final save's
                active.compare is not None and not active.compare.ended
            )
            if saved is not None and live:
                self.saved = saved

        self.hcchat.save_in_thread(active.session, done, quiet=not self.saved)

    def _tell_outcome(self, reply: Message) -> None:
        from app.store import CANCELLED

        if reply.error == CANCELLED:
            kept = "the part that arrived is kept" if reply.content else "nothing had arrived"
            self.notify(f"Reply cancelled; {kept}. Ctrl+R asks again.", markup=False)
        elif reply.error:
            hint = " Press Ctrl+R to retry." if reply.failed_empty else ""
            message = reply.error if reply.error.endswith(".") else reply.error + "."
            self.notify(message + hint, severity="error", markup=False, timeout=8)

    def _finalize(self, active: Streaming) -> None:
        """Settle the reply and save the session; safe to call twice."""
        if self._streaming is not active:
            return
        self._streaming = None
        active.builder.end()
        active.session.touch()
        self.saved = self.hcchat.save_session(active.session)
        self.streaming = False

    def stop_reply(self, reason: str) -> None:
        """Stop the reply that streams, if any, saving what arrived with ``reason`` as its error."""
        self.stop_compare(reason, settle=True)
        active = self._streaming
        if active is not None:
            active.builder.fail(reason, cancelled=True)
            self._finalize(active)
            self.workers.cancel_group(self, "reply")

    def on_unmount(self) -> None:
        from app.store import CLOSED

        self.stop_reply(CLOSED)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return True if self.streaming or self.editing is not None else None
        return self.can_pick() if action == "pick" else True

    def action_cancel(self) -> None:
        """Cancel the reply that is streaming (what arrived is kept), or stop editing."""
        from app.store import CANCELLED

        self.stop_editing()
        self.stop_compare(CANCELLED, settle=False)
        active = self._streaming
        if active is not None:
            active.builder.fail(CANCELLED, cancelled=True)
            self.workers.cancel_group(self, "reply")
