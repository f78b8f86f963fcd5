"""The multi-line prompt at the bottom of the chat screen."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import Location


class PromptArea(TextArea):
    """A TextArea where Enter sends, and Shift+Enter or Ctrl+J insert a newline.

    Most terminals cannot tell Shift+Enter from Enter, so Ctrl+J (a bare line feed) is the
    newline that always works. Up on the first line recalls earlier prompts (newest first) and
    Down on the last line goes back towards the draft that was being typed. The history is
    loaded on the first Up: the prompt asks for it (``HistoryWanted``) and the screen answers
    with ``set_history``.

    Tab asks ``completer`` (set by the screen) to complete the text before the cursor: it
    returns the new text, or None to let Tab move the focus as usual. A paste is inserted as
    text and then announced (``Pasted``), so the screen can offer to attach the files a
    dropped path names.
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

    class HistoryWanted(Message):
        """Up was pressed before the history was loaded: the screen should ``set_history``."""

    class Pasted(Message):
        """Text was pasted: it is in the prompt between ``start`` and ``end``."""

        def __init__(self, prompt: PromptArea, text: str, start: Location, end: Location) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text
            self.start = start
            self.end = end

        @property
        def control(self) -> PromptArea:
            """The prompt that was pasted into."""
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
        self.prompt_history: list[str] | None = None  # newest first, once loaded
        self._recalled = -1  # the history entry shown, -1 for the draft
        self._draft = ""
        self._wants_recall = False
        self.completer: Callable[[str], str | None] | None = None
        # keys the screen's bindings may take while the prompt is empty (picking a compared
        # reply); a binding that declines them lets them be typed
        self.free_keys: frozenset[str] = frozenset()

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        """Printable keys are the prompt's, but ``free_keys`` when it is empty."""
        if key in self.free_keys and not self.text:
            return False
        return super().check_consume_key(key, character)

    def set_history(self, prompts: list[str]) -> None:
        """Take the earlier prompts (newest first); recall the newest if Up is waiting for it."""
        self.prompt_history = list(prompts)
        if self._wants_recall:
            self._wants_recall = False
            self.recall(1)

    def remember(self, text: str) -> None:
        """Put a prompt just sent at the front of the history, and start from a new draft."""
        if self.prompt_history is not None and text.strip():
            if text in self.prompt_history:
                self.prompt_history.remove(text)
            self.prompt_history.insert(0, text)
        self._recalled, self._draft = -1, ""

    def recall(self, step: int) -> bool:
        """Show the prompt ``step`` older (1) or newer (-1) than the one shown; False at an end."""
        if self.prompt_history is None:
            self._wants_recall = step > 0
            self.post_message(self.HistoryWanted())
            return True
        position = self._recalled + step
        if position < -1 or position >= len(self.prompt_history):
            return False
        if self._recalled == -1:
            self._draft = self.text
        self._recalled = position
        self.load_text(self._draft if position == -1 else self.prompt_history[position])
        self.move_cursor((0, 0) if step > 0 else self.document.end)
        return True

    def give_back(self, text: str) -> None:
        """Put a submitted prompt that was not sent back in front of what was typed since."""
        typed = self.text
        self.load_text(text + typed)
        self.move_cursor(self.document.end)

    def use_text(self, text: str) -> None:
        """Replace the prompt's text (a search result, an editor's file) as a fresh draft."""
        self._recalled = -1
        self.load_text(text)
        self.move_cursor(self.document.end)

    def take_back(self, pasted: PromptArea.Pasted) -> bool:
        """Remove a paste's text from the prompt, if it is still where it was put."""
        there = self.get_text_range(pasted.start, pasted.end)
        if _lines(there) != _lines(pasted.text):  # the document keeps one kind of newline
            return False
        self.delete(pasted.start, pasted.end)
        return True

    async def _on_paste(self, event: events.Paste) -> None:
        start = min(self.selection.start, self.selection.end)
        await super()._on_paste(event)
        event.prevent_default()  # TextArea's own handler has run: not again
        if not self.read_only:
            self.post_message(self.Pasted(self, event.text, start, self.cursor_location))

    def _complete(self) -> bool:
        """Tab: let the completer rewrite the text before the cursor; False if it declines."""
        if self.completer is None or self.selection.start != self.selection.end:
            return False
        cursor = self.cursor_location
        before = self.get_text_range((0, 0), cursor)
        completed = self.completer(before)
        if completed is None:
            return False
        if completed != before:
            self.move_cursor(self.replace(completed, (0, 0), cursor).end_location)
        return True

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "tab" and self._complete():
            event.stop()
            event.prevent_default()
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            # Emptied now, not when the screen reads the message: keys typed right after Enter
            # are already queued behind it and would be wiped by a later clear.
            text = self.text
            if text.strip():
                self.clear()
            self.post_message(self.Submitted(self, text))
            return
        if event.key in ("shift+enter", "ctrl+j"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if event.key == "up" and self._can_recall(older=True) and self.recall(1):
            event.stop()
            event.prevent_default()
            return
        if event.key == "down" and self._can_recall(older=False) and self.recall(-1):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def _can_recall(self, *, older: bool) -> bool:
        """Whether Up (``older``) or Down moves through the history rather than the text."""
        if self.selection.start != self.selection.end:
            return False
        row = self.cursor_location[0]
        if older:
            return row == 0
        return self._recalled >= 0 and row == self.document.line_count - 1


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
