"""``ToolCallView``: a tool call a reply asked for, collapsed to its name; hcchat runs none."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textual.content import Content
from textual.markup import escape
from textual.widgets import Collapsible, Static

from app.text import one_line
from app.ui.widgets._messages import shown_text

if TYPE_CHECKING:
    from app.store import ToolCall

# Under the calls of a reply: the model asked, and nothing was run.
NOT_RUN = "hcchat does not run tools: a tool call is shown and saved, never run."


def call_title(call: ToolCall) -> str:
    """The collapsed line: ``⚙ tool call: get_weather`` (as markup, the name escaped)."""
    return escape(f"⚙ tool call: {one_line(call.name, 80) or 'unnamed tool'}")


def shown_arguments(arguments: str) -> str:
    """The arguments for reading: JSON indented when they are JSON, else as they came."""
    try:
        parsed = json.loads(arguments)
    except ValueError:
        return shown_text(arguments) if arguments.strip() else "(no arguments)"
    return shown_text(json.dumps(parsed, indent=2, ensure_ascii=False))


class ToolCallView(Collapsible):
    """One tool call: its name on the title line; its arguments when opened (Enter, click)."""

    def __init__(self, call: ToolCall) -> None:
        self.call = call
        self._arguments = Static(
            Content(shown_arguments(call.arguments)), classes="tool-call-arguments"
        )
        super().__init__(self._arguments, title=call_title(call), classes="tool-call")

    def show_call(self) -> None:
        """Show the call as it is now (its arguments grow while the reply streams)."""
        self.title = call_title(self.call)
        self._arguments.update(Content(shown_arguments(self.call.arguments)))


class ToolCallsNote(Static):
    """The line under a reply's tool calls that says none was run."""

    def __init__(self) -> None:
        super().__init__(Content(NOT_RUN), classes="tool-call-note")
