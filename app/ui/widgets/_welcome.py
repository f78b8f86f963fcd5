"""The welcome view of a new, empty session: what to type, the main keys, the backend, and the
latest sessions to reopen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from app.commands import BY_ID
from app.text import fit, local_time, one_line

# The keys the welcome view names, by command id (``None``: not a command of the registry).
MAIN_KEYS: tuple[tuple[str | None, str, str], ...] = (
    (None, "enter", "send"),
    (None, "ctrl+j", "new line"),
    ("model", "", "pick a model"),
    ("sessions", "", "browse sessions"),
    ("settings", "", "system prompt and parameters"),
    ("help", "", "help: every key and slash command"),
)
RECENT = 5


@dataclass(frozen=True, slots=True)
class RecentEntry:
    """What the welcome view shows of a recent session."""

    id: str
    title: str
    updated: datetime
    message_count: int  # not counting the system prompt


def key_label(key: str) -> str:
    """A key as people write it: ``ctrl+l`` as ``Ctrl+L``, ``f1`` as ``F1``."""
    first = key.split(",")[0]
    return "+".join(
        part.capitalize() if len(part) > 1 else part.upper() for part in first.split("+")
    )


def backend_line(base_url: str, *, demo: bool) -> str:
    """Which backend replies come from: the demo, or the base URL's host."""
    if demo:
        return "Backend: DEMO — the built-in offline backend (no key, no network; canned replies)"
    from urllib.parse import urlsplit

    host = urlsplit(base_url).netloc or base_url
    return f"Backend: {one_line(host, 80)}"


class RecentSession(Static):
    """One recent session; a click opens it."""

    class Chosen(Message):
        """The user clicked a recent session."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, summary: RecentEntry, width: int) -> None:
        when = local_time(summary.updated)
        count = f"{summary.message_count} message{'s' if summary.message_count != 1 else ''}"
        tail = f"  {when} · {count}"
        title = fit(one_line(summary.title or "Untitled", 200), max(10, width - len(tail) - 2))
        super().__init__(Content(f"• {title}{tail}"), classes="recent-session")
        self.session_id = summary.id

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Chosen(self.session_id))


class WelcomeView(Vertical):
    """Shown above an empty conversation; the chat screen hides it when a message is sent."""

    def __init__(self, *, backend: str, keys: Mapping[str, str], id: str | None = None) -> None:
        """``backend``: the line that names the backend; ``keys``: the user's ``[keys]``."""
        super().__init__(id=id)
        self.backend = backend
        self.keys = keys

    def compose(self) -> ComposeResult:
        yield Static(Content("Type a message below and press Enter."), classes="welcome-title")
        yield Static(Content(self.backend), classes="welcome-backend")
        yield Static(Content(self._keys_text()), classes="welcome-keys")
        yield Vertical(classes="welcome-recent")

    def _keys_text(self) -> str:
        cells = []
        for command_id, default, what in MAIN_KEYS:
            key = default
            if command_id is not None:
                key = self.keys.get(command_id) or BY_ID[command_id].key or ""
            cells.append(f"{key_label(key):<7} {what}")
        # two columns: six keys in three rows, to leave room for the sessions at 80x24
        half = (len(cells) + 1) // 2
        left, right = cells[:half], cells[half:]
        width = max(len(cell) for cell in left) + 3
        return "\n".join(
            f"{one:<{width}}{other}".rstrip()
            for one, other in zip(left, [*right, ""], strict=False)
        )

    async def show_recent(self, sessions: Sequence[RecentEntry]) -> None:
        """List the latest sessions (up to ``RECENT``), each one click away."""
        box = self.query_one(".welcome-recent", Vertical)
        await box.remove_children()
        if not sessions:
            return
        width = self.content_size.width or 76
        await box.mount_all(
            [
                Static(Content("Recent sessions (click to reopen; Ctrl+O for all)")),
                *(RecentSession(summary, width) for summary in sessions[:RECENT]),
            ]
        )
