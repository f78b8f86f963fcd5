"""The status line at the top of the chat screen."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from app.text import one_line


class StatusLine(Widget):
    """The session's title, the model the next reply will use, and live statistics.

    One row whatever it says: a change repaints it and never lays the screen out again (with a
    long reply mounted, a layout pass costs tens of ms, and the statistics change four times a
    second while a reply streams).
    """

    title: reactive[str] = reactive("")
    model: reactive[str] = reactive("")
    stats: reactive[tuple[str, ...]] = reactive(())

    def render(self) -> Content:
        parts = [one_line(self.title or "New session", 40), self.model, *self.stats]
        return Content(" · ".join(one_line(part, 60) for part in parts if part))

    @property
    def text(self) -> str:
        """What the line says (for tests and screen readers)."""
        return self.render().plain
