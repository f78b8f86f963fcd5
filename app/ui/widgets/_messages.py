"""Widgets that show one message of the conversation; they display and never do I/O."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message as UIMessage
from textual.timer import Timer
from textual.widgets import Collapsible, Static

from app.store import Message
from app.text import display_safe

if TYPE_CHECKING:
    # Markdown (with markdown-it and Pygments) is imported when the first reply is shown, not
    # at start-up: an empty chat's first frame does not wait for it.
    from markdown_it import MarkdownIt
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

# Deltas are gathered for this long before they reach the Markdown widget: a fast stream then
# costs about 20 appends a second instead of one per token, and typing stays responsive.
FLUSH_INTERVAL = 0.05
# Each append re-lays out the whole reply, so its cost grows with the reply. The interval
# stretches (up to MAX_FLUSH_INTERVAL) to keep the app's CPU near RENDER_SHARE of a core while
# a long reply streams; the last delta is still shown at once when the stream ends.
MAX_FLUSH_INTERVAL = 1.0
RENDER_SHARE = 0.15
# One append takes at most FLUSH_CHARS characters, or half of what is shown already if that is
# more: a burst is mounted in slices that let keys through, and as the slices grow with the
# reply, the appends of an N-character reply cost O(N) layout in all, not O(N²).
FLUSH_CHARS = 1500
# Textual lays out every line and Markdown block of a message, so a multi-megabyte message would
# freeze the screen: only this many characters are shown. The session file keeps every one.
DISPLAY_LIMIT = 200_000
CUT_NOTE = "\n\n… (too long to show in full; the session file keeps every character)"


def shown_text(text: str) -> str:
    """``text`` made display-safe and cut to ``DISPLAY_LIMIT`` characters, with a note if cut."""
    if len(text) <= DISPLAY_LIMIT:
        return display_safe(text)
    return display_safe(text[:DISPLAY_LIMIT]) + CUT_NOTE


def safe_markdown_parser() -> MarkdownIt:
    """A Markdown parser that shows raw HTML as text, so `List<String>` stays visible."""
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like", {"html": False})


def _local_time(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%H:%M") if moment else ""


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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "command('copy')", "Copy", id="message.copy"),
        Binding("b", "command('code')", "Copy code", id="message.code"),
        Binding("left", "command('previous')", "Older version", id="message.previous"),
        Binding("right", "command('next')", "Newer version", id="message.next"),
        Binding("e", "command('edit')", "Edit", id="message.edit"),
        Binding("up", "focus_sibling(-1)", "Up", show=False),
        Binding("down", "focus_sibling(1)", "Down", show=False),
        Binding("escape", "command('leave')", "Back to prompt", id="message.leave"),
    ]

    class Command(UIMessage):
        """The user asked to act on this message (copy it, change version, edit...)."""

        def __init__(self, view: MessageView, command: str) -> None:
            super().__init__()
            self.view = view
            self.command = command

    def __init__(self, message: Message, *, index: int | None = None) -> None:
        super().__init__(classes=f"message -{message.role}")
        self.message = message
        self.index = index
        self.code_cursor = -1

    def action_command(self, command: str) -> None:
        """Ask the screen to run ``command`` on this message."""
        self.post_message(self.Command(self, command))

    def action_focus_sibling(self, step: int) -> None:
        """Move focus to the previous or next message."""
        parent = self.parent
        if parent is None:
            return
        views = [child for child in parent.children if isinstance(child, MessageView)]
        position = views.index(self) + step
        if 0 <= position < len(views):
            views[position].focus()
            views[position].scroll_visible(animate=False)

    def header_text(self) -> str:
        """What the header line says: the role, and who wrote it when."""
        when = _local_time(self.message.created)
        return f"{self.message.role.capitalize()}  {when}".rstrip()

    def compose(self) -> ComposeResult:
        yield Static(Content(self.header_text()), classes="message-header")
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        """The body: plain text, never Markdown or markup."""
        yield Static(Content(shown_text(self.message.content)), classes="message-body")


class UserMessage(MessageView):
    """Something the user typed, shown exactly as typed."""

    def header_text(self) -> str:
        """Header of a user message."""
        return f"You  {_local_time(self.message.created)}".rstrip()


class SystemMessage(MessageView):
    """The session's system prompt."""

    def header_text(self) -> str:
        """Header of the system prompt."""
        return "System prompt"


class ReplyView(MessageView):
    """An assistant reply: Markdown body, optional reasoning block, stats footer.

    A reply being streamed starts with an empty Markdown widget that is only ever appended to
    (appending to a pre-filled Markdown corrupts the display), then gets one full render at the end.
    """

    def __init__(
        self, message: Message, *, index: int | None = None, streaming: bool = False
    ) -> None:
        super().__init__(message, index=index)
        self.streaming = streaming
        self._stream: MarkdownStream | None = None
        self._reasoning_stream: MarkdownStream | None = None
        self._pending: list[str] = []
        self._pending_reasoning: list[str] = []
        self._flush_timer: Timer | None = None
        self._flush_interval = FLUSH_INTERVAL
        self._flush_cpu: float | None = None
        self._shown = 0  # characters of the answer given to the Markdown widget so far
        self._wrote_content = False
        self._streamed = {"content": 0, "reasoning": 0}

    def header_text(self) -> str:
        """Header of a reply: which model wrote it, and when."""
        model = self.message.model or "unknown model"
        return f"{model}  {_local_time(self.message.created)}".rstrip()

    def compose_body(self) -> ComposeResult:
        """Reasoning (collapsed), the Markdown answer, and the footer."""
        from textual.widgets import Markdown

        reasoning = "" if self.streaming else (self.message.reasoning or "")
        with Collapsible(title="Reasoning", collapsed=True, classes="reasoning") as block:
            block.display = bool(reasoning)
            yield Markdown(
                shown_text(reasoning) or None,
                parser_factory=safe_markdown_parser,
                open_links=False,
                classes="reasoning-body",
            )
        body = "" if self.streaming else shown_text(self.message.content)
        yield Markdown(
            body or None,
            parser_factory=safe_markdown_parser,
            open_links=False,
            classes="message-body",
        )
        # "-streaming" marks the footer, not the reply: a class change on the reply would restyle
        # every Markdown block under it, which takes about a second for a long reply.
        footer = "message-footer -streaming" if self.streaming else "message-footer"
        yield Static(Content(reply_footer(self.message)), classes=footer)
        self.set_class(bool(self.message.failed_empty), "-failed")

    @property
    def body(self) -> Markdown:
        """The Markdown widget of the answer."""
        from textual.widgets import Markdown

        return self.query_one(".message-body", Markdown)

    @property
    def reasoning_body(self) -> Markdown:
        """The Markdown widget of the reasoning."""
        from textual.widgets import Markdown

        return self.query_one(".reasoning-body", Markdown)

    @property
    def reasoning_block(self) -> Collapsible:
        """The collapsible block that holds the reasoning."""
        return self.query_one(".reasoning", Collapsible)

    def on_mount(self) -> None:
        if self.streaming:
            body = self.body
            self._stream = body.get_stream(body)
            self.query_one(".message-footer", Static).update(Content("waiting for the model…"))

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
            reasoning = self.reasoning_body
            self._reasoning_stream = reasoning.get_stream(reasoning)
            self.query_one(".message-footer", Static).update(Content("thinking…"))
        self._pending_reasoning.append(self._fit("reasoning", text))
        self._schedule_flush()

    async def content_was_reasoning(self, text: str) -> None:
        """What streamed as the answer (``text``) was reasoning: move it to the reasoning block.

        The streamed Markdown can only be appended to, so it is replaced by a fresh one.
        """
        from textual.widgets import Markdown

        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self._pending.clear()
        if self._stream is not None:
            await self._stream.stop()
        old = self.body
        async with old.lock:
            pass
        fresh = Markdown(
            parser_factory=safe_markdown_parser, open_links=False, classes="message-body"
        )
        await self.mount(fresh, after=old)
        await old.remove()
        self._stream = fresh.get_stream(fresh)
        self._shown = 0
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

    def _schedule_flush(self) -> None:
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(self._flush_interval, self._flush)

    async def _flush(self) -> None:
        self._flush_timer = None
        # CPU the whole app spent since the last flush, mostly rendering that flush
        cpu = time.process_time()
        if self._flush_cpu is not None:
            wanted = (cpu - self._flush_cpu) / RENDER_SHARE
            self._flush_interval = min(MAX_FLUSH_INTERVAL, max(FLUSH_INTERVAL, wanted))
        self._flush_cpu = cpu
        if self._pending_reasoning and self._reasoning_stream is not None:
            text = "".join(self._pending_reasoning)
            self._pending_reasoning.clear()
            await self._reasoning_stream.write(text)
        if self._pending and self._stream is not None:
            text = "".join(self._pending)
            self._pending.clear()
            size = self._slice_size()
            if len(text) > size:
                # a burst is shown in slices: one append (parse and mount) then never holds
                # the screen, and the keyboard, for long
                self._pending.append(text[size:])
                text = text[:size]
                self._schedule_flush()
            self._shown += len(text)
            await self._stream.write(text)

    def _slice_size(self) -> int:
        return max(FLUSH_CHARS, self._shown // 2)

    async def finish(self) -> None:
        """End streaming: flush, stop the streams, render once in full, show the footer."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        rest = "".join(self._pending)
        self._pending.clear()
        await self._flush()
        streamed = self._stream is not None
        for stream in (self._stream, self._reasoning_stream):
            if stream is not None:
                await stream.stop()
        self._stream = self._reasoning_stream = None
        if streamed and rest:
            # stop() can return while its last append still runs, and an append works out
            # what to parse before it takes the lock: wait for that append to end first
            body = self.body
            await asyncio.sleep(0)
            async with body.lock:
                pass
            # what is left of a burst, in slices, with a turn for keys and frames after each
            while rest:
                size = self._slice_size()
                self._shown += min(size, len(rest))
                await body.append(rest[:size])
                rest = rest[size:]
                await asyncio.sleep(0.001)
        self.streaming = False
        self.query_one(".message-footer", Static).remove_class("-streaming")
        self.refresh_message()
        # The streamed document is already the final one (Textual 8.2.8 keeps streamed code
        # fences in sync, #6518), and a full render rebuilds every block: seconds for a long
        # reply. Render again only if what was shown differs from what is kept.
        content = shown_text(self.message.content)
        if self.body.source != content:
            await self.body.update(content)
        reasoning = self.reasoning_body
        if self.message.reasoning and reasoning.source != shown_text(self.message.reasoning):
            await reasoning.update(shown_text(self.message.reasoning))

    def refresh_message(self) -> None:
        """Redraw the header, footer and failure state from ``self.message``."""
        self.query_one(".message-header", Static).update(Content(self.header_text()))
        self.query_one(".message-footer", Static).update(Content(reply_footer(self.message)))
        self.set_class(self.message.failed_empty, "-failed")
        block = self.reasoning_block
        block.display = bool(self.message.reasoning)

    async def show_message(self, message: Message) -> None:
        """Show another version of this reply (after regenerate or when cycling versions)."""
        self.message = message
        self.refresh_message()
        await self.body.update(shown_text(message.content))
        await self.reasoning_body.update(shown_text(message.reasoning or ""))
