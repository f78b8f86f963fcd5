"""``CompareView``: the replies of several models to one prompt, side by side or stacked.

Each column is a header (its number, its model and live statistics; a click picks it) over a
``ReplyView``, which streams as any reply does. The view only displays: the chat screen owns the
streams and says what each header shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message as UIMessage
from textual.reactive import reactive
from textual.widget import Widget

from app.text import display_safe
from app.ui.widgets._messages import MessageView

if TYPE_CHECKING:
    from app.store import Message

# Columns narrower than this many cells (about 35 characters of text) are hard to read: below
# it the replies are stacked. Between two columns is a gutter of one cell. A terminal of 120
# columns holds three side by side (the conversation leaves 116 cells); one of 80 stacks two.
MIN_COLUMN = 38
GUTTER = 1


class CompareHeader(Widget):
    """A column's header: its number, model and statistics; clicking it picks the column.

    One row whatever it says, as the status line: the statistics change four times a second
    while the replies stream, and a change repaints it without laying the screen out again.
    """

    text: reactive[str] = reactive("")

    def __init__(self, number: int) -> None:
        super().__init__(classes="compare-header")
        self.number = number

    def render(self) -> Content:
        return Content(display_safe(f"{self.number}  {self.text}"))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(CompareView.Picked(self.number))


class CompareColumn(Vertical):
    """One model's reply in a comparison.

    Its reply is not a message of the conversation until it is picked: Left and Right move to
    the column beside it (the versions to choose from), and regenerating or deleting it says
    how to keep it first.
    """

    def __init__(self, number: int, message: Message) -> None:
        super().__init__(classes="compare-column")
        self.number = number
        # the reply view and its Markdown are imported with the first comparison, not before
        # the first frame (the chat screen handles CompareView's messages)
        from app.ui.widgets._reply import ReplyView

        self.header = CompareHeader(number)
        self.reply = ReplyView(message, streaming=True)
        self.reply.versions_shown = False  # column 1's reply holds the others until a pick

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.reply

    def show_stats(self, text: str) -> None:
        """Show ``text`` (the model and its statistics) after the column's number."""
        self.header.text = text

    @on(MessageView.ChangeVersion)
    async def _beside(self, event: MessageView.ChangeVersion) -> None:
        event.stop()
        view = self.parent
        if isinstance(view, CompareView):
            number = self.number + event.step
            if 1 <= number <= len(view.columns):
                await view.columns[number - 1].reply.show()

    @on(MessageView.Regenerate)
    @on(MessageView.Delete)
    def _not_picked(self, event: MessageView.Action) -> None:
        event.stop()
        self.notify(
            f"Keep reply {self.number} first: press {self.number} in an empty prompt, or click "
            "its header.",
            markup=False,
        )


class CompareView(Vertical):
    """Columns of replies to one prompt; stacked when the width cannot give each
    ``MIN_COLUMN`` cells and a gutter. ``index``: where the replies are in the session's
    messages."""

    class Picked(UIMessage):
        """The user clicked column ``number``'s header (from 1)."""

        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def __init__(self, messages: list[Message], *, index: int) -> None:
        super().__init__(classes="compare")
        self.index = index
        self.columns = [CompareColumn(number, m) for number, m in enumerate(messages, 1)]

    def compose(self) -> ComposeResult:
        yield from self.columns

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        parent = self.parent
        if isinstance(parent, Widget) and parent.show_vertical_scrollbar:
            # the same layout with or without the scroll bar: replies growing past the screen
            # must not switch the columns to a stack half way
            width += parent.scrollbar_size_vertical
        count = len(self.columns)
        stacked = width < count * MIN_COLUMN + (count - 1) * GUTTER
        self.set_class(stacked, "-stacked")
        # Side by side, each column gets a whole number of cells. With ``1fr`` each (116 / 3
        # cells), a column's text was measured for its height at one width and drawn at one
        # cell more, so every frame laid every chunk out twice, once at each width.
        base, extra = divmod(event.size.width, count)
        for number, column in enumerate(self.columns):
            column.styles.width = None if stacked else base + (number < extra)
