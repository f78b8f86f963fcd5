"""Widgets that show one message of the conversation; they display and never do I/O."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message as UIMessage
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from app.store import Message, version_label
from app.text import display_safe, local_time, one_line
from app.ui._bindings import bindings
from app.ui._textual_private import drop_children
from app.ui.markdown import MarkdownBody
from app.ui.widgets._sleep import fit_gaps
from app.usage import format_cost

# Deltas are gathered for this long before they are shown: a fast stream then costs about 20
# appends a second instead of one per token, and typing stays responsive.
FLUSH_INTERVAL = 0.05
# Each append lays out the tail of the reply again (see app.ui.markdown). The interval
# stretches (up to MAX_FLUSH_INTERVAL) to keep the app's CPU near RENDER_SHARE of a core while
# a long reply streams; the last delta is still shown at once when the stream ends.
MAX_FLUSH_INTERVAL = 1.0
RENDER_SHARE = 0.15
# One append takes at most FLUSH_CHARS characters: a burst is shown in slices that let keys
# through. The body is chunked (see app.ui.markdown), so an append costs about the same however
# long the reply already is.
FLUSH_CHARS = 6000
# The pause between the slices of a burst: long enough for a key or a frame to get in.
BURST_INTERVAL = 0.005
# Every line of a message is laid out when it is shown, so a multi-megabyte message would
# freeze the screen: only this many characters are shown. The session file keeps every one.
DISPLAY_LIMIT = 200_000
CUT_NOTE = "\n\n… (too long to show in full; the session file keeps every character)"


def shown_text(text: str) -> str:
    """``text`` made display-safe and cut to ``DISPLAY_LIMIT`` characters, with a note if cut."""
    if len(text) <= DISPLAY_LIMIT:
        return display_safe(text)
    return display_safe(text[:DISPLAY_LIMIT]) + CUT_NOTE


def _local_time(moment: datetime | None) -> str:
    return local_time(moment, "%H:%M") if moment else ""


def reply_footer(message: Message) -> str:
    """The stats line under a reply: finish, tokens, time to first token, speed, or the error."""
    parts: list[str] = []
    if message.error:
        label = "incomplete" if message.content else "failed"
        parts.append(f"⚠ {label}: {message.error}")
    elif message.incomplete:
        parts.append("⚠ incomplete")
    elif message.finish_reason and message.finish_reason != "stop":
        parts.append(f"finish: {message.finish_reason}")
    if message.usage:
        parts.append(
            f"{message.usage.get('completion_tokens', 0)} tokens out, "
            f"{message.usage.get('prompt_tokens', 0)} in"
        )
    if message.cost is not None:
        parts.append(format_cost(message.cost))
    if message.ttft is not None:
        parts.append(f"first token {message.ttft:.2f} s")
    if message.tokens_per_second is not None:
        parts.append(f"{message.tokens_per_second:.1f} tok/s")
    if message.alternatives:
        parts.append(f"{len(message.alternatives) + 1} versions")
    if len(message.content) > DISPLAY_LIMIT:
        parts.append(f"showing {DISPLAY_LIMIT:,} of {len(message.content):,} characters")
    return " · ".join(parts)


class MessageView(Vertical, can_focus=True):
    """One message: a header line and a body. Focus it (Ctrl+Up, or click) to act on it."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("message")

    class Action(UIMessage):
        """The user asked to act on this message; the screen handles each kind."""

        def __init__(self, view: MessageView) -> None:
            super().__init__()
            self.view = view

    class Copy(Action):
        """Copy the message."""

    class CopyCode(Action):
        """Copy the message's next code block."""

    class ChangeVersion(Action):
        """Show another version of the message (``step``: -1 older, 1 newer)."""

        def __init__(self, view: MessageView, step: int) -> None:
            super().__init__(view)
            self.step = step

    class Edit(Action):
        """Edit the message and ask again."""

    class Regenerate(Action):
        """Ask again for this reply: a new branch."""

    class Delete(Action):
        """Delete the turn this message is part of."""

    class Leave(Action):
        """Go back to the prompt."""

    def __init__(self, message: Message, *, index: int | None = None) -> None:
        super().__init__(classes=f"message -{message.role}")
        self.message = message
        self.index = index
        self.code_cursor = -1
        self.wrap_code = True  # long code lines wrap (``w`` cuts them instead)
        self.hibernating = False
        self.sleep_height = 0  # the height it had when it went to sleep

    @property
    def can_hibernate(self) -> bool:
        """Whether the message may give up its widgets now (not while focused)."""
        return not self.hibernating and not self.has_focus_within and bool(self.children)

    async def hibernate(self, *, fit: bool = True) -> None:
        """Drop this message's widgets but keep its place: it is far from what is on screen.

        Every mounted widget costs memory and takes part in every layout of the screen, so a
        long conversation keeps only the messages near the viewport whole. A sleeping message
        is hidden, and a ``SleepGap`` before each run of them keeps their height: the container
        then lays out one widget for the run (``fit``: fit the gaps now; the conversation
        fits them once after putting many messages to sleep).
        """
        if not self.can_hibernate or not self.size.height or not self.is_attached:
            return
        self.hibernating = True
        self.sleep_height = self.outer_size.height
        with self.app.batch_update():  # no layout until the gap takes the message's place
            await drop_children(self)
            self.display = False
            if fit and isinstance(self.parent, Widget):
                await fit_gaps(self.parent)

    async def wake(self, *, fit: bool = True) -> None:
        """Build this message's widgets again (it is coming into view)."""
        if not self.hibernating or not self.is_attached:
            return
        self.hibernating = False
        with self.app.batch_update():
            self.display = True
            await self.recompose()  # from self.message, which holds any change made meanwhile
            if fit and isinstance(self.parent, Widget):
                await fit_gaps(self.parent)

    def action_copy(self) -> None:
        """Ask the screen to copy this message."""
        self.post_message(self.Copy(self))

    def action_copy_code(self) -> None:
        """Ask the screen to copy this message's next code block."""
        self.post_message(self.CopyCode(self))

    def action_wrap(self) -> None:
        """Wrap this message's long code lines, or cut them at the right edge (a toggle)."""
        self.wrap_code = not self.wrap_code
        for body in self.query(MarkdownBody):
            body.wrap_code = self.wrap_code
        shown = "wrap" if self.wrap_code else "are cut at the edge (→)"
        self.notify(f"Long code lines {shown} in this message.", markup=False)

    def action_version(self, step: int) -> None:
        """Ask the screen to show an older (-1) or newer (1) version."""
        self.post_message(self.ChangeVersion(self, step))

    def action_edit(self) -> None:
        """Ask the screen to edit this message."""
        self.post_message(self.Edit(self))

    def action_regenerate(self) -> None:
        """Ask the screen to regenerate this reply."""
        self.post_message(self.Regenerate(self))

    def action_delete(self) -> None:
        """Ask the screen to delete this message's turn."""
        self.post_message(self.Delete(self))

    def action_leave(self) -> None:
        """Ask the screen to focus the prompt."""
        self.post_message(self.Leave(self))

    async def action_focus_sibling(self, step: int) -> None:
        """Move focus to the previous or next message."""
        parent = self.parent
        if parent is None:
            return
        views = [child for child in parent.children if isinstance(child, MessageView)]
        position = views.index(self) + step
        if 0 <= position < len(views):
            await views[position].show()

    async def show(self) -> None:
        """Focus this message and scroll it into view, waking it first if it sleeps."""
        await self.wake()
        self.focus()
        self.call_after_refresh(self.scroll_visible, animate=False)

    def header_text(self) -> str:
        """What the header line says: the role, and who wrote it when."""
        when = _local_time(self.message.created)
        return f"{self.message.role.capitalize()}  {when}".rstrip()

    def header_line(self) -> str:
        """The header, with ``2/3`` when the message has other versions."""
        label = version_label(self.message)
        return f"{self.header_text()}  {label}" if label else self.header_text()

    def compose(self) -> ComposeResult:
        yield Static(Content(display_safe(self.header_line())), classes="message-header")
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        """The body: plain text, never Markdown or markup."""
        yield Static(Content(shown_text(self.message.content)), classes="message-body")


class UserMessage(MessageView):
    """Something the user typed, shown exactly as typed."""

    def header_text(self) -> str:
        """Header of a user message."""
        header = f"You  {_local_time(self.message.created)}".rstrip()
        if self.message.attachments:
            from app.store import describe_attachment

            chips = "  ".join(f"[{describe_attachment(a)}]" for a in self.message.attachments)
            header += f"  {chips}"
        return header


class SystemMessage(MessageView):
    """The session's system prompt."""

    def header_text(self) -> str:
        """Header of the system prompt."""
        return "System prompt"


class ReplyView(MessageView):
    """An assistant reply: Markdown body, optional reasoning block, stats footer.

    A reply being streamed starts with an empty Markdown body that is appended to, then is
    shown again in full at the end only if what was shown differs from what is kept.
    """

    def __init__(
        self, message: Message, *, index: int | None = None, streaming: bool = False
    ) -> None:
        super().__init__(message, index=index)
        self.streaming = streaming
        self._pending: list[str] = []
        self._pending_reasoning: list[str] = []
        self._flush_timer: Timer | None = None
        self._flush_interval = FLUSH_INTERVAL
        self._flush_cpu: float | None = None
        self._wrote_content = False
        self._streamed = {"content": 0, "reasoning": 0}
        self._reasoning_open = False  # kept while hibernating
        self._quiet = False  # the footer says how long the stream has had no text
        self._flush_lock = asyncio.Lock()

    def header_text(self) -> str:
        """Header of a reply: which model wrote it (``asked → served``), and when."""
        model = self.message.model or "unknown model"
        if self.message.served_model:
            model = f"{model} → {one_line(self.message.served_model, 60)}"
        if self.message.endpoint:
            model = f"{model} @ {one_line(self.message.endpoint, 30)}"
        return f"{model}  {_local_time(self.message.created)}".rstrip()

    def compose_body(self) -> ComposeResult:
        """Reasoning (collapsed), the Markdown answer, and the footer."""
        reasoning = "" if self.streaming else (self.message.reasoning or "")
        if self.streaming or reasoning:  # four widgets fewer for a reply without reasoning
            collapsed = not self._reasoning_open
            with Collapsible(title="Reasoning", collapsed=collapsed, classes="reasoning") as block:
                block.display = bool(reasoning)
                yield MarkdownBody(
                    shown_text(reasoning), classes="reasoning-body", wrap_code=self.wrap_code
                )
        body = "" if self.streaming else shown_text(self.message.content)
        yield MarkdownBody(body, classes="message-body", wrap_code=self.wrap_code)
        # "-streaming" marks the footer, not the reply: a class change on the reply would restyle
        # everything under it.
        footer = "message-footer -streaming" if self.streaming else "message-footer"
        yield Static(Content(display_safe(reply_footer(self.message))), classes=footer)
        self.set_class(not self.streaming and self.message.failed_empty, "-failed")

    @property
    def can_hibernate(self) -> bool:
        """A reply that is streaming keeps its widgets."""
        return not self.streaming and super().can_hibernate

    async def hibernate(self, *, fit: bool = True) -> None:
        """Hibernate, remembering whether the reasoning block was open."""
        if self.can_hibernate and (block := self._reasoning_block()) is not None:
            self._reasoning_open = not block.collapsed
        await super().hibernate(fit=fit)

    @property
    def body(self) -> MarkdownBody:
        """The Markdown of the answer."""
        return self.query_one(".message-body", MarkdownBody)

    @property
    def reasoning_body(self) -> MarkdownBody:
        """The Markdown of the reasoning."""
        return self.query_one(".reasoning-body", MarkdownBody)

    def _reasoning_block(self) -> Collapsible | None:
        """The reasoning block, if any: a finished reply without reasoning has none."""
        blocks = self.query_children(Collapsible)
        return blocks.first() if blocks else None

    @property
    def reasoning_block(self) -> Collapsible:
        """The collapsible block that holds the reasoning."""
        return self.query_one(".reasoning", Collapsible)

    async def on_mount(self) -> None:
        if self.streaming:
            self.query_one(".message-footer", Static).update(Content("waiting for the model…"))

    def show_quiet(self, seconds: float | None) -> None:
        """Say in the footer how long the stream has had no text (None: it has some again)."""
        if not self.streaming or self.hibernating:
            return
        footer = self.query_one(".message-footer", Static)
        footer.set_class(seconds is not None, "-quiet")
        if seconds is not None:
            self._quiet = True
            footer.update(Content(f"waiting for the server · {seconds:.0f} s"))
        elif self._quiet:
            self._quiet = False
            reasoning = self.reasoning_block.display
            text = "…" if self._wrote_content else "thinking…" if reasoning else "waiting…"
            footer.update(Content(text))

    def write(self, text: str) -> None:
        """Queue a piece of the answer for display."""
        if not self._wrote_content:
            self._wrote_content = True
            if self._pending_reasoning or self.reasoning_block.display:
                self.reasoning_block.collapsed = True
            self.query_one(".message-footer", Static).update(Content("…"))
        self._pending.append(self._fit("content", text))
        self._schedule_flush()

    def write_reasoning(self, text: str) -> None:
        """Queue a piece of the reasoning for display; the block opens while it streams."""
        block = self.reasoning_block
        if not block.display:
            block.display = True
            block.collapsed = False
            self.query_one(".message-footer", Static).update(Content("thinking…"))
        self._pending_reasoning.append(self._fit("reasoning", text))
        self._schedule_flush()

    async def content_was_reasoning(self, text: str) -> None:
        """What streamed as the answer (``text``) was reasoning: move it to the reasoning block.

        The answer starts again, empty.
        """
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        async with self._flush_lock:
            self._pending.clear()
            await self.body.update("")
        self._streamed["content"] = 0
        self._wrote_content = False
        self.write_reasoning(text)

    def _fit(self, kind: str, text: str) -> str:
        """The display-safe part of a streamed piece that still fits under ``DISPLAY_LIMIT``."""
        room = DISPLAY_LIMIT - self._streamed[kind]
        self._streamed[kind] += len(text)
        if room <= 0:
            return ""
        if len(text) <= room:
            return display_safe(text)
        return display_safe(text[:room]) + CUT_NOTE

    def _schedule_flush(self, delay: float | None = None) -> None:
        if self._flush_timer is None:
            delay = self._flush_interval if delay is None else delay
            self._flush_timer = self.set_timer(delay, self._flush)

    async def _flush(self) -> None:
        self._flush_timer = None
        # one flush at a time: each takes the pending text in order and writes it in order
        async with self._flush_lock:
            await self._flush_pending()

    async def _flush_pending(self) -> None:
        if not self.streaming:
            return
        # CPU the whole app spent since the last flush, mostly rendering that flush
        cpu = time.process_time()
        if self._flush_cpu is not None:
            wanted = (cpu - self._flush_cpu) / RENDER_SHARE
            self._flush_interval = min(MAX_FLUSH_INTERVAL, max(FLUSH_INTERVAL, wanted))
        self._flush_cpu = cpu
        if self._pending_reasoning:
            text = "".join(self._pending_reasoning)
            self._pending_reasoning.clear()
            await self.reasoning_body.write(text)
        if self._pending:
            text = "".join(self._pending)
            self._pending.clear()
            if len(text) > FLUSH_CHARS:
                # a burst is shown in slices: one append (parse and mount) then never holds
                # the screen, and the keyboard, for long. What came meanwhile goes after it.
                self._pending.insert(0, text[FLUSH_CHARS:])
                text = text[:FLUSH_CHARS]
                self._schedule_flush(BURST_INTERVAL)
            await self.body.write(text)

    async def finish(self) -> None:
        """End streaming: show what is left, stop the streams, show the footer."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        async with self._flush_lock:
            await self._finish()

    async def _finish(self) -> None:
        # what is left, in the slices a flush makes, with a turn for keys and frames after each
        await self._flush_pending()
        while self._pending:
            await asyncio.sleep(0.001)
            await self._flush_pending()
        if self._flush_timer is not None:  # set for the next slice, and there is none
            self._flush_timer.stop()
            self._flush_timer = None
        body = self.body
        await body.stop()
        await self.reasoning_body.stop()
        self.streaming = False
        self.query_one(".message-footer", Static).remove_class("-streaming")
        self.refresh_message()
        # What was streamed is normally what is kept: then nothing is laid out again.
        await body.update(shown_text(self.message.content))
        if self.message.reasoning:
            await self.reasoning_body.update(shown_text(self.message.reasoning))

    def refresh_message(self) -> None:
        """Redraw the header, footer and failure state from ``self.message``."""
        self.set_class(self.message.failed_empty, "-failed")
        if self.hibernating:
            return
        self.query_one(".message-header", Static).update(Content(display_safe(self.header_line())))
        self.query_one(".message-footer", Static).update(
            Content(display_safe(reply_footer(self.message)))
        )
        if (block := self._reasoning_block()) is not None:
            block.display = bool(self.message.reasoning)

    async def show_message(self, message: Message) -> None:
        """Show another version of this reply (after regenerate or when cycling versions)."""
        self.message = message
        self.refresh_message()
        if self.hibernating:
            return
        block = self._reasoning_block()
        if block is None and message.reasoning:
            await self.recompose()  # this version has reasoning: the block is needed now
            return
        await self.body.update(shown_text(message.content))
        if block is not None:
            await self.reasoning_body.update(shown_text(message.reasoning or ""))
