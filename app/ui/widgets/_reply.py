"""``ReplyView``: an assistant reply, which streams into its Markdown in batches."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Collapsible, Static

from app.text import display_safe, one_line
from app.ui.markdown import MarkdownBody
from app.ui.widgets._messages import (
    CUT_NOTE,
    DISPLAY_LIMIT,
    MessageView,
    local_clock,
    reply_footer,
    shown_text,
)
from app.ui.widgets._tool_call import ToolCallsNote, ToolCallView

if TYPE_CHECKING:
    from app.store import Message, ToolCall

# Deltas are gathered for this long before they are shown: a fast stream then costs about 20
# appends a second instead of one per token, and typing stays responsive.
FLUSH_INTERVAL = 0.05
# Each append lays out the tail of the reply again (see app.ui.markdown). The interval
# stretches (up to MAX_FLUSH_INTERVAL) to keep the app's CPU near RENDER_SHARE of a core while
# a long reply streams; the last delta is still shown at once when the stream ends. (Issue 18
# asks for under 12 % of a core at 200 tokens/s: 0.15 gave 15 %, so the interval grows sooner.)
MAX_FLUSH_INTERVAL = 1.0
RENDER_SHARE = 0.10
# One append takes at most FLUSH_CHARS characters: a burst is shown in slices that let keys
# through. The body is chunked (see app.ui.markdown), so an append costs about the same however
# long the reply already is.
FLUSH_CHARS = 6000
# The pause between the slices of a burst: long enough for a key or a frame to get in.
BURST_INTERVAL = 0.005


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
        self.versions_shown = True  # the footer says how many versions the reply has

    def header_text(self) -> str:
        """Header of a reply: which model wrote it (``asked → served``), and when."""
        model = self.message.model or "unknown model"
        if self.message.served_model:
            model = f"{model} → {one_line(self.message.served_model, 60)}"
        if self.message.endpoint:
            model = f"{model} @ {one_line(self.message.endpoint, 30)}"
        return f"{model}  {local_clock(self.message.created)}".rstrip()

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
        if not self.streaming and self.message.tool_calls:
            for call in self.message.tool_calls:
                yield ToolCallView(call)
            yield ToolCallsNote()
        # "-streaming" marks the footer, not the reply: a class change on the reply would restyle
        # everything under it.
        footer = "message-footer -streaming" if self.streaming else "message-footer"
        yield Static(
            Content(display_safe(reply_footer(self.message, versions=self.versions_shown))),
            classes=footer,
        )
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
        blocks = self.query_children(".reasoning")
        return blocks.first(Collapsible) if blocks else None

    @property
    def tool_call_views(self) -> list[ToolCallView]:
        """The views of the reply's tool calls, in order."""
        return list(self.query_children(ToolCallView))

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

    async def write_tool_call(self, call: ToolCall) -> None:
        """Show a tool call that started or grew (collapsed; the first one adds the note)."""
        for view in self.query_children(ToolCallView):
            if view.call is call:
                view.show_call()
                return
        notes = self.query_children(ToolCallsNote)
        if notes:
            note = notes.first()
        else:
            note = ToolCallsNote()
            await self.mount(note, before=self.query_one(".message-footer", Static))
        await self.mount(ToolCallView(call), before=note)

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
            Content(display_safe(reply_footer(self.message, versions=self.versions_shown)))
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
        if (block is None and message.reasoning) or message.tool_calls or self.tool_call_views:
            await self.recompose()  # this version needs other blocks than the one shown
            return
        await self.body.update(shown_text(message.content))
        if block is not None:
            await self.reasoning_body.update(shown_text(message.reasoning or ""))
