"""The chat screen: conversation pane, prompt, status line; owns the worker that streams replies."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Region
from textual.message import Message as UIMessage
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Static

from app.params import PARAMS, parse_param
from app.store import Message, Session, title_from_prompt, utc_now
from app.text import code_blocks, one_line
from app.ui._commands import HELP, CommandError, parse_command, parse_set
from app.ui.widgets import MessageView, PromptArea, ReplyView, SystemMessage, UserMessage
from app.ui.widgets._markdown_body import MarkdownBody, MarkdownChunk
from app.ui.widgets._messages import MESSAGE_MARGIN, SleepGap, fit_gaps, follows_bottom

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from app.ui._app import HCChatApp

# Messages mounted when a session opens: ten fill the screen. Older ones are mounted PAGE at a
# time as the reader scrolls up: each page is built and laid out between two frames, and
# smaller pages keep the slowest PageUp quicker (p95 key to frame through 1,000 messages: 85 ms
# with pages of 5, 101-118 ms with pages of 10).
FIRST_PAGE = 10
PAGE = 5
# The longest the streaming worker runs without letting other tasks (keys, frames) in.
STREAM_SLICE = 0.015
# Messages within WAKE_SCREENS screens of the viewport are woken;
# those more than KEEP_SCREENS screens away hibernate. A gap between the two would keep what was
# just scrolled past from going back and forth, but it keeps more widgets mounted while a long
# reply streams, and each layout then costs more: 561 ms of lag at the end of a 200 tokens/s
# reply with 3 screens kept, 317 ms with 1, and no smoother scrolling.
WAKE_SCREENS = 1
KEEP_SCREENS = 1
# How long scrolling or growth must pause before messages are hibernated or woken.
TIDY_DELAY = 0.1
# The most frames to wait for older messages mounted above the viewport to take their size.
SETTLE_FRAMES = 30
# ... and they have taken it when nothing has moved for this many frames.
STILL_FRAMES = 3


@dataclass(slots=True)
class _ActiveReply:
    """The reply being streamed: its message, the pieces received so far, and timings."""

    session: Session
    message: Message
    view: ReplyView
    started: float
    parts: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    first_token: float | None = None
    deltas: int = 0


class Conversation(VerticalScroll):
    """The scrolling pane of messages; asks for older messages when scrolled to the top.

    Only what is near the viewport is kept whole: messages more than ``KEEP_SCREENS`` screens
    away hibernate, keeping their height but not their widgets, and wake when they come near
    again. Each layout of the screen then costs the same however long the conversation, and so
    does its memory.
    """

    class NeedEarlier(UIMessage):
        """The user scrolled to the top and older messages are not mounted yet."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tidy_timer: Timer | None = None
        self._pin_timer: Timer | None = None
        self._tidying = self._tidy_again = False

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new <= 0 < old:
            self.post_message(self.NeedEarlier())
        self.schedule_tidy()

    def watch_virtual_size(self) -> None:
        self.schedule_tidy()

    def scroll_end(self, **kwargs: Any) -> None:
        super().scroll_end(**kwargs)
        # it anchors the pane to its end, and the layout then scrolls it without telling
        # ``watch_scroll_y``: tidy for the end now
        self.schedule_tidy()

    def anchor(self, anchor: bool = True) -> None:
        super().anchor(anchor)
        self.schedule_tidy()

    @property
    def tidy_top(self) -> int:
        """The top of the viewport in the content, or where the layout is about to put it."""
        if self._anchored and not self._anchor_released:
            return round(self.max_scroll_y)
        return round(self.scroll_y)

    def on_resize(self) -> None:
        self.schedule_tidy()

    def content_y(self, widget: Widget) -> int:
        """Where ``widget`` is in the conversation, from the top of its content, up to a constant.

        Made from laid-out positions relative to each parent, so it does not change when the
        reader scrolls, only when what is above ``widget`` changes size.
        """
        y = 0
        node: DOMNode | None = widget
        while isinstance(node, Widget) and node is not self:
            y += node.virtual_region.y
            node = node.parent
        return y

    def keep_in_place(self, widget: Widget) -> None:
        """Keep ``widget`` where the reader sees it while what is above it changes size.

        Messages mounted or woken above the viewport take their size over a few frames (their
        Markdown is parsed in the background): scroll by as much as they push ``widget`` down
        (or pull it up), until nothing has moved for a few frames. Scrolling by the reader is
        left alone.
        """
        if self._pin_timer is not None:
            self._pin_timer.stop()
        last = self.content_y(widget)
        still = 0

        def follow() -> None:
            nonlocal last, still
            y = self.content_y(widget)
            if y != last and widget.is_attached:
                self.scroll_to(y=self.scroll_y + y - last, animate=False, immediate=True)
                last, still = y, 0
            else:
                still += 1
            if still == STILL_FRAMES and self._pin_timer is not None:
                self._pin_timer.stop()
                self._pin_timer = None

        self._pin_timer = self.set_interval(1 / 60, follow, repeat=SETTLE_FRAMES)

    def schedule_tidy(self) -> None:
        """Hibernate and wake messages once scrolling or growing has paused."""
        if self._tidy_timer is None and self.is_mounted:
            self._tidy_timer = self.set_timer(TIDY_DELAY, self.tidy)

    async def tidy(self) -> None:
        """Wake what is near the viewport; let what is far from it sleep."""
        self._tidy_timer = None
        if self._tidying:  # one pass at a time: two would wake and drop the same widgets
            self._tidy_again = True
            return
        self._tidying = True
        try:
            await self._tidy()
        finally:
            self._tidying = False
            if self._tidy_again:
                self._tidy_again = False
                self.schedule_tidy()

    async def _tidy(self) -> None:
        viewport = self.content_region
        if not viewport:
            return
        height = viewport.height
        top = self.tidy_top
        bottom = top + height
        anchor = None if follows_bottom(self) else self._first_in_view(viewport)
        if anchor is not None:
            # what wakes above may differ in size from what slept (after a width change): keep
            # the reader's place
            self.keep_in_place(anchor)
        woken: list[MessageView] = []
        sleeping: list[MessageView] = []
        for view, y, rows in self._positions():
            near = y + rows > top - height * WAKE_SCREENS and y < bottom + height * WAKE_SCREENS
            far = y + rows <= top - height * KEEP_SCREENS or y >= bottom + height * KEEP_SCREENS
            if near and view.hibernating:
                woken.append(view)
            elif far and view.can_hibernate:
                sleeping.append(view)
        if woken or sleeping:
            # one layout for all of it, not one per message
            with self.app.batch_update():
                for view in sleeping:
                    await view.hibernate(fit=False)
                for view in woken:
                    await view.wake(fit=False)
                await fit_gaps(self)
        if not follows_bottom(self) and self.scroll_y < height:
            # near the top: older messages, if any, are wanted soon (a PageUp at the very top
            # changes nothing, so this does not wait for the scroll to reach it)
            self.post_message(self.NeedEarlier())

    def _positions(self) -> list[tuple[MessageView, int, int]]:
        """Each message with where it starts in the content and the rows it takes.

        A sleeping message is hidden: its place is worked out from the gap before its run.
        """
        positions: list[tuple[MessageView, int, int]] = []
        y = 0
        for child in self.children:
            if isinstance(child, SleepGap):
                y = child.virtual_region.y
            elif isinstance(child, MessageView):
                if child.hibernating:
                    positions.append((child, y, child.sleep_height))
                    y += child.sleep_height + MESSAGE_MARGIN  # and the next one's margin
                else:
                    region = child.virtual_region
                    positions.append((child, region.y, region.height))
        return positions

    def _first_in_view(self, viewport: Region) -> Widget | None:
        """The first message, or chunk of a long reply, on screen."""
        for view in self.query_children(MessageView):
            if view.hibernating or view.region.bottom <= viewport.y:
                continue
            for body in view.query_children(MarkdownBody):
                for chunk in body.chunks:
                    if chunk.region.bottom > viewport.y:
                        return chunk
            return view
        return None


class ChatScreen(Screen[None]):
    """Chat with a model: send prompts, stream replies, switch models, run slash commands."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+n", "new_session", "New", id="new", show=False),
        Binding("ctrl+o", "sessions", "Sessions", id="sessions"),
        Binding("ctrl+l", "pick_model", "Model", id="model"),
        Binding("ctrl+s", "settings", "Settings", id="settings", show=False),
        Binding("ctrl+r", "retry", "Retry", id="retry"),
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+up", "select_message", "Select message", id="select", show=False),
    ]

    streaming: reactive[bool] = reactive(False, init=False)
    # The clock behind the live stats; snapshot tests freeze it.
    clock = staticmethod(time.monotonic)

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._active: _ActiveReply | None = None
        self._first_mounted = len(session.messages)
        self._status_timer: Timer | None = None
        self._editing: int | None = None

    @property
    def hcchat(self) -> HCChatApp:
        """The app, typed."""
        from app.ui._app import HCChatApp

        assert isinstance(self.app, HCChatApp)
        return self.app

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Conversation(id="conversation")
        yield PromptArea(id="prompt")
        yield Footer()

    async def on_mount(self) -> None:
        await self.show_session()
        self.query_one(PromptArea).focus()

    # ----------------------------------------------------------------- display

    def update_status(self) -> None:
        """Redraw the status line: title, model, and the stats of the last or current reply."""
        session = self.session
        parts = [one_line(session.title or "New session", 40), session.model]
        active = self._active
        if active is not None:
            if active.first_token is None:
                parts.append(f"waiting {self.clock() - active.started:.1f} s")
            else:
                parts.append(f"~{active.deltas} tokens")
                elapsed = self.clock() - active.first_token
                if elapsed > 0.5:
                    parts.append(f"{active.deltas / elapsed:.0f} tok/s")
        else:
            last = next((m for m in reversed(session.messages) if m.role == "assistant"), None)
            if last is not None and last.ttft is not None:
                parts.append(f"TTFT {last.ttft:.2f} s")
            if last is not None and last.tokens_per_second is not None:
                parts.append(f"{last.tokens_per_second:.0f} tok/s")
            if session.total_tokens:
                parts.append(f"{session.total_tokens} tokens total")
        status = self.query("#status").results(Static)
        # The status line is one row high whatever it says: no layout pass (with a long reply
        # mounted, a layout pass costs tens of ms, and this runs four times a second).
        next(status, Static()).update(
            Content(" · ".join(one_line(p, 60) for p in parts)), layout=False
        )

    def _view_for(self, index: int) -> MessageView:
        message = self.session.messages[index]
        if message.role == "assistant":
            return ReplyView(message, index=index)
        if message.role == "system":
            return SystemMessage(message, index=index)
        return UserMessage(message, index=index)

    async def show_session(self) -> None:
        """Mount the last page of the session's messages and the status line."""
        conversation = self.query_one(Conversation)
        await conversation.remove_children()
        total = len(self.session.messages)
        self._first_mounted = max(0, total - FIRST_PAGE)
        views = [self._view_for(i) for i in range(self._first_mounted, total)]
        if views:
            await conversation.mount_all(views)
        conversation.anchor()
        self.update_status()

    async def open(self, session: Session, highlight: int | None = None) -> None:
        """Show ``session`` (cancelling any reply that streams); optionally mark one message."""
        self.action_cancel()
        self.session = session
        await self.show_session()
        if highlight is not None and 0 <= highlight < len(session.messages):
            while self._first_mounted > highlight:
                await self.mount_earlier()
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
        views = [self._view_for(i) for i in range(start, self._first_mounted)]
        self._first_mounted = start
        conversation = self.query_one(Conversation)
        first = conversation.children[0] if conversation.children else None
        await conversation.mount_all(views, before=first)
        if first is not None:
            conversation.keep_in_place(first)

    # ----------------------------------------------------------------- input

    @on(PromptArea.Submitted)
    async def on_prompt_submitted(self, event: PromptArea.Submitted) -> None:
        """Send the prompt, or run it as a slash command."""
        text = event.text
        if not text.strip():
            return
        try:
            command = parse_command(text)
        except CommandError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if command is not None:
            event.prompt.clear()
            await self.run_command(command.name, command.argument)
            return
        if self.streaming:
            self.notify(
                "A reply is still streaming: wait, or press Escape to cancel it.", markup=False
            )
            return
        if text.lstrip().startswith("//"):
            text = text.replace("/", "", 1)
        event.prompt.clear()
        if self._editing is not None:
            await self.resend_edited(self._editing, text)
        else:
            await self.send(text)

    async def send(self, text: str) -> None:
        """Add a user message, save, and stream the reply to it."""
        message = Message(role="user", content=text, created=utc_now())
        self.session.messages.append(message)
        if not self.session.title_locked and not self.session.title:
            self.session.title = title_from_prompt(text) or "Untitled"
        self.session.touch()
        self.hcchat.save_session(self.session)
        await self.query_one(Conversation).mount(
            UserMessage(message, index=len(self.session.messages) - 1)
        )
        await self.start_reply()

    async def start_reply(self, alternatives: list[Message] | None = None) -> None:
        """Mount an empty reply for the current model and start streaming into it.

        ``alternatives`` are earlier versions of this reply, kept when regenerating.
        """
        history = self.session.api_messages()
        reply = Message(role="assistant", content="", model=self.session.model, created=utc_now())
        reply.alternatives = alternatives or []
        self.session.messages.append(reply)
        view = ReplyView(reply, index=len(self.session.messages) - 1, streaming=True)
        conversation = self.query_one(Conversation)
        await conversation.mount(view)
        conversation.anchor()
        self._active = _ActiveReply(self.session, reply, view, self.clock())
        self.streaming = True
        self._stream_reply(self._active, history, self.session.model, dict(self.session.params))

    def watch_streaming(self, streaming: bool) -> None:
        if streaming:
            self._status_timer = self.set_interval(0.25, self.update_status)
        elif self._status_timer is not None:
            self._status_timer.stop()
            self._status_timer = None
        self.refresh_bindings()
        self.update_status()

    @work(exclusive=True, group="reply", exit_on_error=False)
    async def _stream_reply(
        self,
        active: _ActiveReply,
        history: list[dict[str, str]],
        model: str,
        params: dict[str, float | int],
    ) -> None:
        # imported with the first reply: httpx is not needed to draw the first frame
        from app.api import (
            APIError,
            ContentDelta,
            ContentWasReasoning,
            Finish,
            ReasoningDelta,
            Usage,
            redact,
        )

        reply, view = active.message, active.view
        client = self.hcchat.client
        busy_since = time.monotonic()
        try:
            async for event in client.stream_chat(model, history, params):
                # Events already buffered are read without a pause; a burst of thousands would
                # hold the event loop for a second, so keys and frames get a turn every frame.
                if time.monotonic() - busy_since > STREAM_SLICE:
                    await asyncio.sleep(0.001)
                    busy_since = time.monotonic()
                if isinstance(event, ContentDelta | ReasoningDelta):
                    if active.first_token is None:
                        active.first_token = self.clock()
                    active.deltas += 1
                if isinstance(event, ContentDelta):
                    active.parts.append(event.text)
                    view.write(event.text)
                elif isinstance(event, ReasoningDelta):
                    active.reasoning.append(event.text)
                    view.write_reasoning(event.text)
                elif isinstance(event, ContentWasReasoning):
                    moved = "".join(active.parts)
                    active.reasoning.append(moved)
                    active.parts.clear()
                    await view.content_was_reasoning(moved)
                elif isinstance(event, Usage):
                    reply.usage = event.as_dict()
                elif isinstance(event, Finish):
                    reply.finish_reason = event.reason
            if not active.parts and not active.reasoning:
                # Nothing to show or to send back as history: a failure the user can retry.
                reason = reply.finish_reason or "none given"
                reply.error = f"The model sent an empty reply (finish reason: {reason})."
        except asyncio.CancelledError:
            if reply.finish_reason is not None:
                reply.error = None  # the model had finished; only usage and [DONE] were left
            else:
                # Escape sets "cancelled" first; a cancel without it is the app closing.
                reply.error = reply.error or "hcchat was closed while the reply streamed"
                reply.incomplete = True
            raise
        except APIError as error:
            reply.error = redact(str(error), self.hcchat.settings.api_key)
            reply.incomplete = bool(active.parts)
        except Exception as error:
            reply.error = redact(f"unexpected error: {error!r}", self.hcchat.settings.api_key)
            reply.incomplete = True
        finally:
            self._finalize(active)
            if view.is_attached:
                await view.finish()
            if reply.error == "cancelled":
                kept = "the part that arrived is kept" if reply.content else "nothing had arrived"
                self.notify(f"Reply cancelled; {kept}. Ctrl+R asks again.", markup=False)
            elif reply.error:
                hint = " Press Ctrl+R to retry." if reply.failed_empty else ""
                message = reply.error if reply.error.endswith(".") else reply.error + "."
                self.notify(message + hint, severity="error", markup=False, timeout=8)

    def _finalize(self, active: _ActiveReply) -> None:
        """Put what was received into the session and save it; safe to call twice."""
        if self._active is not active:
            return
        self._active = None
        reply = active.message
        reply.content = "".join(active.parts)
        reply.reasoning = "".join(active.reasoning) or None
        now = self.clock()
        if active.first_token is not None:
            reply.ttft = round(active.first_token - active.started, 3)
            tokens = (reply.usage or {}).get("completion_tokens") or active.deltas
            elapsed = now - active.first_token
            if elapsed > 0.05 and tokens:
                reply.tokens_per_second = round(tokens / elapsed, 1)
        active.session.touch()
        self.hcchat.save_session(active.session)
        self.streaming = False

    def on_unmount(self) -> None:
        active = self._active
        if active is not None:
            active.message.error = (
                active.message.error or "hcchat was closed while the reply streamed"
            )
            active.message.incomplete = True
            self._finalize(active)

    # ----------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return True if self.streaming or self._editing is not None else None
        return True

    def action_copy_reply(self) -> None:
        """Copy the last reply to the clipboard."""
        reply = next((m for m in reversed(self.session.messages) if m.role == "assistant"), None)
        if reply is None or not reply.content:
            self.notify("There is no reply to copy yet.", markup=False)
            return
        self.app.copy_to_clipboard(reply.content)
        self.notify(f"Copied the last reply ({len(reply.content)} characters).", markup=False)

    async def action_select_message(self) -> None:
        """Focus the last message, to copy it, change its version or edit it."""
        views = self.query(MessageView)
        if views:
            await views.last().show()

    @on(MessageView.Command)
    async def message_command(self, event: MessageView.Command) -> None:
        """Run a command the user gave on a focused message."""
        view, message = event.view, event.view.message
        if event.command == "copy":
            self.app.copy_to_clipboard(message.content)
            self.notify(f"Copied the message ({len(message.content)} characters).", markup=False)
        elif event.command == "code":
            self.copy_code_block(view)
        elif event.command in ("previous", "next") and isinstance(view, ReplyView):
            await self.show_version(view, -1 if event.command == "previous" else 1)
        elif event.command == "edit":
            self.edit_message(view)
        elif event.command == "leave":
            self.query_one(PromptArea).focus()

    def copy_code_block(self, view: MessageView) -> None:
        """Copy the message's next code block (each press moves to the following one)."""
        blocks = code_blocks(view.message.content)
        if not blocks:
            self.notify("This message has no code block.", markup=False)
            return
        number = (view.code_cursor + 1) % len(blocks)
        view.code_cursor = number
        self.app.copy_to_clipboard(blocks[number])
        self.notify(f"Copied code block {number + 1} of {len(blocks)}.", markup=False)

    async def show_version(self, view: ReplyView, step: int) -> None:
        """Show an older or newer version of a reply; the one shown is what history sends."""
        if self.streaming:
            self.notify("Wait for the reply to finish first.", markup=False)
            return
        current = view.message
        if not current.alternatives or view.index is None:
            self.notify("This reply has only one version. Ctrl+R makes another.", markup=False)
            return
        versions = [*current.alternatives, current]
        versions.sort(key=lambda m: m.created.timestamp() if m.created else 0.0)
        chosen = versions[(versions.index(current) + step) % len(versions)]
        chosen.alternatives = [m for m in versions if m is not chosen]
        current.alternatives = []
        self.session.messages[view.index] = chosen
        await view.show_message(chosen)
        position = versions.index(chosen) + 1
        self.notify(f"Version {position} of {len(versions)}: {chosen.model}", markup=False)
        self.session.touch()
        self.hcchat.save_session(self.session)

    def edit_message(self, view: MessageView) -> None:
        """Load the last user message into the prompt; Enter resends it, Escape gives up."""
        last_user = max(
            (i for i, m in enumerate(self.session.messages) if m.role == "user"), default=None
        )
        if view.index is None or view.index != last_user or self.streaming:
            self.notify("Only your last message can be edited.", markup=False)
            return
        self._editing = view.index
        prompt = self.query_one(PromptArea)
        prompt.load_text(view.message.content)
        prompt.focus()
        self.refresh_bindings()
        self.notify("Editing your last message: Enter resends it, Escape cancels.", markup=False)

    async def resend_edited(self, index: int, text: str) -> None:
        """Replace the last user message with ``text`` and ask again; old versions are kept."""
        self._editing = None
        messages = self.session.messages
        user = messages[index]
        user.alternatives.append(Message("user", user.content, created=user.created))
        user.content = text
        user.created = utc_now()
        earlier: list[Message] = []
        if index + 1 < len(messages) and messages[index + 1].role == "assistant":
            old = messages.pop(index + 1)
            earlier = old.alternatives if old.failed_empty else [*old.alternatives, old]
            old.alternatives = []
        del messages[index + 1 :]
        self.session.touch()
        self.hcchat.save_session(self.session)
        await self.show_session()
        await self.start_reply(earlier)

    def action_cancel(self) -> None:
        """Cancel the reply that is streaming (what arrived is kept), or stop editing."""
        if self._editing is not None:
            self._editing = None
            self.query_one(PromptArea).clear()
            self.notify("Edit cancelled; nothing was changed.", markup=False)
        if self._active is not None:
            self._active.message.error = "cancelled"
            self.workers.cancel_group(self, "reply")

    async def action_new_session(self) -> None:
        """Start a new, empty session with the current model and settings."""
        self.action_cancel()
        self.session = self.hcchat.new_session(model=self.session.model)
        await self.show_session()

    def action_sessions(self) -> None:
        """Open the session browser."""
        self.hcchat.open_session_browser()

    def action_pick_model(self) -> None:
        """Open the model picker."""
        from app.ui.screens._model_picker import ModelPicker

        def chosen(model: str | None) -> None:
            if model:
                self.switch_model(model)

        self.app.push_screen(ModelPicker(self.session.model), chosen)

    def action_settings(self) -> None:
        """Open the session settings form."""
        from app.ui.screens._settings import SessionSettings, SettingsScreen

        def done(result: SessionSettings | None) -> None:
            if result is not None:
                self.apply_settings(result.system_prompt, result.params)

        self.app.push_screen(SettingsScreen(self.session.system_prompt, self.session.params), done)

    async def action_retry(self) -> None:
        """Retry a failed reply, or regenerate the last reply (the old one is kept as a version)."""
        if self.streaming:
            self.notify("Wait for the reply to finish, or press Escape first.", markup=False)
            return
        messages = self.session.messages
        if not messages or messages[-1].role != "assistant":
            if messages and messages[-1].role == "user":
                await self.start_reply()
                return
            self.notify("There is no reply to retry yet.", markup=False)
            return
        old = messages.pop()
        conversation = self.query_one(Conversation)
        views = conversation.query(ReplyView)
        if views:
            await views.last().remove()
            await fit_gaps(conversation)  # it may have been asleep, part of a gap
        if old.failed_empty:
            await self.start_reply(old.alternatives)
        else:
            earlier, old.alternatives = old.alternatives, []
            await self.start_reply([*earlier, old])

    def action_help(self) -> None:
        """Show the slash commands and keys."""
        from app.ui.screens._dialogs import HelpScreen

        keys = "\n".join(
            f"{self.app.get_key_display(binding):<12} {binding.description}"
            for binding in (b for _, b, _, _ in self.active_bindings.values())
            if binding.description
        )
        self.app.push_screen(HelpScreen(HELP, keys))

    # ----------------------------------------------------------------- commands

    async def run_command(self, name: str, argument: str) -> None:
        """Run a slash command typed into the prompt."""
        if name == "model":
            if argument:
                self.switch_model(argument)
            else:
                self.action_pick_model()
        elif name == "new":
            await self.action_new_session()
        elif name == "sessions":
            self.action_sessions()
        elif name == "system":
            self.apply_settings(argument or None, self.session.params)
        elif name == "set":
            self.set_param(argument)
        elif name == "settings":
            self.action_settings()
        elif name == "retry":
            await self.action_retry()
        elif name == "rename":
            self.rename(argument)
        elif name == "export":
            self.hcchat.export_session(self.session, argument or "md")
        elif name == "copy":
            self.action_copy_reply()
        elif name == "edit":
            views = [v for v in self.query(UserMessage)]
            if views:
                self.edit_message(views[-1])
        elif name == "help":
            self.action_help()

    def switch_model(self, model: str) -> None:
        """Use ``model`` for the next replies; the conversation is kept."""
        model = model.strip()
        if not model or any(c.isspace() for c in model):
            self.notify(f"Not a model id: {model!r}", severity="error", markup=False)
            return
        self.session.model = model
        self.session.touch()
        if self.session.messages:
            self.hcchat.save_session(self.session)
        self.update_status()
        self.notify(f"Next replies come from {model}.", markup=False)

    def set_param(self, argument: str) -> None:
        """Run ``/set NAME VALUE``."""
        try:
            name, raw = parse_set(argument)
            params = dict(self.session.params)
            if raw.lower() in ("default", "unset", "none"):
                if name not in PARAMS:
                    raise CommandError(
                        f"Unknown setting '{name}'. Settings are: {', '.join(PARAMS)}."
                    )
                params.pop(name, None)
            else:
                params[name] = parse_param(name, raw)
        except ValueError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.apply_settings(self.session.system_prompt, params)

    def apply_settings(self, system_prompt: str | None, params: dict[str, float | int]) -> None:
        """Set the system prompt and parameters, show them, and save."""
        had_system = self.session.system_prompt is not None
        self.session.set_system_prompt(system_prompt)
        self.session.params = dict(params)
        self.session.touch()
        if self.session.messages and any(m.role != "system" for m in self.session.messages):
            self.hcchat.save_session(self.session)
        if had_system or system_prompt:
            self.call_later(self.show_session)
        shown = ", ".join(f"{k} = {v}" for k, v in params.items()) or "defaults"
        self.notify(f"Settings: {shown}.", markup=False)

    def rename(self, title: str) -> None:
        """Give the session a title of the user's choosing."""
        title = one_line(title, 200)
        if not title:
            self.notify("Usage: /rename TITLE", severity="error", markup=False)
            return
        self.session.title = title
        self.session.title_locked = True
        self.session.touch()
        self.hcchat.save_session(self.session)
        self.update_status()

    def on_markdown_chunk_link_clicked(self, event: MarkdownChunk.LinkClicked) -> None:
        """Open a link from a reply only after the user confirms it."""
        event.stop()
        from app.ui.screens._dialogs import ConfirmScreen

        href = event.href

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.open_url(href)

        self.app.push_screen(ConfirmScreen(f"Open this link in your browser?\n\n{href}"), answer)
