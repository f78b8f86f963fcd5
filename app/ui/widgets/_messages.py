"""Widgets that show one message of the conversation; they display and never do I/O.

A reply, which streams, is ``ReplyView`` in ``_reply.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message as UIMessage
from textual.widget import Widget
from textual.widgets import Static

from app.store import Message, version_label
from app.text import display_safe, local_time
from app.ui._bindings import bindings
from app.ui._textual_private import drop_children
from app.ui.widgets._sleep import fit_gaps
from app.usage import format_cost

if TYPE_CHECKING:
    from app.ui.widgets._image import PictureSource

# Every line of a message is laid out when it is shown, so a multi-megabyte message would
# freeze the screen: only this many characters are shown. The session file keeps every one.
DISPLAY_LIMIT = 200_000
CUT_NOTE = "\n\n… (too long to show in full; the session file keeps every character)"


def shown_text(text: str) -> str:
    """``text`` made display-safe and cut to ``DISPLAY_LIMIT`` characters, with a note if cut."""
    if len(text) <= DISPLAY_LIMIT:
        return display_safe(text)
    return display_safe(text[:DISPLAY_LIMIT]) + CUT_NOTE


def local_clock(moment: datetime | None) -> str:
    """``moment`` as the hour and minute a message header shows (empty for none)."""
    return local_time(moment, "%H:%M") if moment else ""


def reply_footer(message: Message, *, versions: bool = True) -> str:
    """The stats line under a reply: finish, tokens, time to first token, speed, or the error.

    ``versions``: say how many versions the reply has (not in a comparison's column, where the
    first column's reply holds the others until one is picked).
    """
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
    if versions and message.alternatives:
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
        from app.ui.markdown import MarkdownBody  # with the first reply, not before

        self.wrap_code = not self.wrap_code
        for body in self.query(MarkdownBody):
            body.wrap_code = self.wrap_code
        shown = "wrap" if self.wrap_code else "are cut at the edge (→)"
        self.notify(f"Long code lines {shown} in this message.", markup=False)

    def action_toggle_blocks(self) -> None:
        """Open every closed block of this message (reasoning, tool calls), or close them all."""
        from textual.widgets import Collapsible

        blocks = [block for block in self.query(Collapsible) if block.display]
        if not blocks:
            self.notify("This message has no reasoning or tool calls to open.", markup=False)
            return
        collapse = not any(block.collapsed for block in blocks)
        for block in blocks:
            block.collapsed = collapse

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
        """Move focus to the previous or next message (compared replies in column order)."""
        views = list(self.screen.query(MessageView))
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
        when = local_clock(self.message.created)
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
    """Something the user typed, shown exactly as typed, with its attachments' chips.

    ``pictures``: how to show its images as small pictures (None: the chips only).
    """

    def __init__(
        self, message: Message, *, index: int | None = None, pictures: PictureSource | None = None
    ) -> None:
        super().__init__(message, index=index)
        self.pictures = pictures

    def compose_body(self) -> ComposeResult:
        """The text, then a small picture of each image where the terminal can show one."""
        yield from super().compose_body()
        images = [a for a in self.message.attachments if a.type.startswith("image/")]
        if self.pictures is not None and images:
            from app.ui.widgets._image import ImagePreview

            for attachment in images:
                yield ImagePreview(attachment, self.pictures)

    def header_text(self) -> str:
        """Header of a user message."""
        header = f"You  {local_clock(self.message.created)}".rstrip()
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


class SummaryMessage(MessageView):
    """A ``/compact`` summary: sent instead of the turns above it, which stay shown, dimmed."""

    def header_text(self) -> str:
        """The divider's header: what happened, and which model wrote the summary."""
        by = f" by {self.message.model}" if self.message.model else ""
        when = local_clock(self.message.created)
        return f"── Earlier turns compacted: summary{by} (sent instead of them)  {when}".rstrip()
