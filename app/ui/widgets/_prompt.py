"""The multi-line prompt at the bottom of the chat screen."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea


class PromptArea(TextArea):
    """A TextArea where Enter sends, and Shift+Enter or Ctrl+J insert a newline.

    Most terminals cannot tell Shift+Enter from Enter, so Ctrl+J (a bare line feed) is the
    newline that always works.
    """

    class Submitted(Message):
        """The user pressed Enter to send the prompt."""

        def __init__(self, prompt: PromptArea, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

        @property
        def control(self) -> PromptArea:
            """The prompt that was submitted."""
            return self.prompt

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            compact=True,
            highlight_cursor_line=False,
            placeholder="Message  (Enter sends · Ctrl+J newline · /help)",
        )

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self, self.text))
            return
        if event.key in ("shift+enter", "ctrl+j"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        await super()._on_key(event)
