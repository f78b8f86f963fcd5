"""``MarkdownChunk``: one widget that shows a piece of a message's Markdown as lines."""

from __future__ import annotations

from typing import ClassVar

from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

from app.ui._textual_private import apply_link_style, format_line, is_selecting
from app.ui.markdown._blocks import CodeTheme, code_theme, continues
from app.ui.markdown._layout import BlockCache, layout_markdown

_SettledKey = tuple[str, int, bool, CodeTheme, bool]

# Lines of chunks that are not streaming, by text, width, ``continued``, code theme and wrap. A
# message that hibernates and wakes, or is shown again, gets new chunk widgets: they take their
# lines from here instead of parsing and highlighting the same Markdown again. The lines are
# only read (their styles are looked up as rows are drawn, so a theme change is fine). 256 is
# enough for the messages of a few screens above and below the viewport, at two widths.
_settled: LRUCache[_SettledKey, list[Content]] = LRUCache(256)
# How often a long code block whose stream ended gets a slice of its full highlighting.
SETTLE_EVERY = 0.01


class MarkdownChunk(Widget):
    """A piece of a message's Markdown, shown as lines laid out for the widget's width.

    The lines are laid out once per width, text and code theme (``lines``); only the rows on
    screen are drawn. Text can be selected with the mouse, and a link click asks the app to
    open it.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "md-h1", "md-h2", "md-h3", "md-h4", "md-h5", "md-h6",
        "md-h1-fill", "md-h2-fill", "md-h4-fill", "md-h5-fill", "md-h6-fill",
        "md-hr", "md-quote", "md-quote-border", "md-bullet", "md-fence", "md-code-inline",
        "md-table-header", "md-table-lines", "md-fence-mark", "md-math", "md-deep",
    }  # fmt: skip

    # What the widget needs to work anywhere; its look (the component classes' colours, those
    # of Textual's Markdown widget) is in styles/markdown.tcss.
    DEFAULT_CSS = """
    MarkdownChunk {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    class LinkClicked(Message):
        """A link in the Markdown was clicked."""

        def __init__(self, chunk: MarkdownChunk, href: str) -> None:
            super().__init__()
            self.chunk = chunk
            self.href = href

    def __init__(self, text: str = "", *, continued: bool = False, wrap_code: bool = True) -> None:
        """``continued``: not the first chunk of its message (see ``_body``'s notes);
        ``wrap_code``: long code lines wrap onto marked rows, else they are cut with a mark."""
        super().__init__(classes="chunk -continued" if continued else "chunk")
        self._text = text
        self.continued = continued
        self._wrap_code = wrap_code
        # lines by width, for the last two widths: Textual measures a column's height at one
        # width and draws it at another in some layouts (a horizontal one with margins)
        self._laid_out: dict[int, list[Content]] = {}
        self._blocks = BlockCache()
        self._themed = False  # whether the code theme was taken from the app yet
        self._strips: dict[int, Strip] = {}  # drawn rows, without a selection
        self._strips_width = 0  # the width they were drawn at

    @property
    def source(self) -> str:
        """The Markdown shown."""
        return self._text

    def _app_code_theme(self) -> CodeTheme:
        app = self.app
        return code_theme(ansi=app.native_ansi_color, dark=app.current_theme.dark)

    def lines(self, width: int) -> list[Content]:
        """The Markdown laid out ``width`` cells wide (kept until the text or width changes)."""
        lines = self._laid_out.get(width)
        if lines is None:
            blocks = self._blocks
            code = blocks.code
            if not self._themed:  # later, the theme is looked up only when styles change
                code.theme = self._app_code_theme()
                self._themed = True
            wrap_code = self._wrap_code
            key = (self._text, width, self.continued, code.theme, wrap_code)
            lines = None if code.streaming else _settled.get(key)
            if lines is None:
                lines = layout_markdown(
                    self._text, width, continued=self.continued, cache=blocks, wrap_code=wrap_code
                )
                if not code.streaming and not code.stale:
                    _settled.set(key, lines)
            if len(self._laid_out) > 1:
                del self._laid_out[next(iter(self._laid_out))]
            self._laid_out[width] = lines
        return lines

    @property
    def wrap_code(self) -> bool:
        """Whether long code lines wrap (else they are cut at the right edge, marked)."""
        return self._wrap_code

    @wrap_code.setter
    def wrap_code(self, wrap: bool) -> None:
        if wrap != self._wrap_code:
            self._wrap_code = wrap
            self._forget()
            self.refresh(layout=True)

    def update(self, text: str) -> None:
        """Show ``text`` instead."""
        if text == self._text:
            return
        width = self.content_size.width
        before = self.lines(width) if width else None
        drawn = self._strips.copy() if self._strips_width == width else {}
        self._text = text
        self._forget()
        if before is None:
            self.refresh(layout=True)
            return
        # A stream adds to the last lines: the rows above the first that changed are kept as
        # drawn, and when the height is the same, only the rows from there are drawn and
        # written to the terminal again.
        after = self.lines(width)
        first = next(
            (
                y
                for y, (old, new) in enumerate(zip(before, after, strict=False))
                if old is not new and (old.plain != new.plain or old.spans != new.spans)
            ),
            min(len(before), len(after)),
        )
        self._strips.update((y, strip) for y, strip in drawn.items() if y < first)
        if len(after) != len(before):
            self.refresh(layout=True)
            return
        top = self.styles.gutter.top
        # (an empty region when no row changed: the widget's cached sizes are still cleared)
        self.refresh(Region(0, top + first, self.outer_size.width, len(after) - first))

    def append(self, text: str) -> None:
        """Show ``text`` after what is shown, as a stream does (see ``stop``)."""
        self._blocks.code.streaming = True
        self.update(self._text + text)

    def stop(self) -> None:
        """The stream into this chunk ended: a code block it grew shows all its colours.

        A long block is highlighted in slices, one every ``SETTLE_EVERY`` seconds, keeping the
        colours it streamed with until then: all at once, a block of 200 lines held the keys for
        70 ms.
        """
        code = self._blocks.code
        code.streaming = False
        if code.stale:
            self._settle()

    def _settle(self) -> None:
        code = self._blocks.code
        if code.streaming:
            return  # streamed into again: the next stop settles it
        if not code.settle():
            self.set_timer(SETTLE_EVERY, self._settle)
            return
        self._forget()
        self.refresh()

    def _forget(self) -> None:
        """Lay the text out again, and draw it again, when next asked."""
        self._laid_out.clear()
        self._strips.clear()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render_line(self, y: int) -> Strip:
        """Row ``y``, drawn as Textual draws a ``Static`` (``Visual.to_strips``), on its own."""
        width = self.content_size.width
        lines = self.lines(width)
        base = self.visual_style
        if y >= len(lines):
            return Strip.blank(width, base.rich_style)
        selection = self.text_selection
        if width != self._strips_width:
            self._strips.clear()
            self._strips_width = width
        if selection is None and (strip := self._strips.get(y)) is not None:
            return strip
        line = lines[y]
        if selection is not None and (span := selection.get_span(y)) is not None:
            start, end = span
            end = len(line.plain) if end == -1 else end
            selected = self.screen.get_component_styles("screen--selection")
            line = line.stylize(VisualStyle.from_styles(selected), start, end)
        strip = format_line(self, line, width, y, base)
        if self.auto_links and not is_selecting(self.screen):
            strip = apply_link_style(strip, self.link_style)
        strip = strip.extend_cell_length(width, base.rich_style)
        if selection is None:
            self._strips[y] = strip
        return strip

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text, without the spaces that pad lines to the width.

        A code line wrapped onto several rows comes out as the one line it is.
        """
        lines = self.lines(self.content_size.width)
        if lines and not lines[-1].plain.strip():
            lines = lines[:-1]  # as ``Selection.extract`` reads lines: no last empty one
        if not lines:
            return "", "\n"
        start = selection.start or Offset(0, 0)
        end = selection.end or Offset(len(lines[-1].plain), len(lines) - 1)
        if end.y >= len(lines):
            end = Offset(end.x, len(lines) - 1)
        parts: list[str] = []
        for y in range(start.y, end.y + 1):
            line = lines[y]
            plain = line.plain.rstrip()
            begin = start.x if y == start.y else 0
            stop = end.x if y == end.y else len(plain)
            carried = continues(line)
            if carried is not None:
                begin = max(begin, carried)
            piece = plain[begin:stop]
            if carried is not None and parts:
                parts[-1] += piece
            else:
                parts.append(piece)
        return "\n".join(parts), "\n"

    def notify_style_update(self) -> None:
        # the theme changed, or a pseudo-class: styles are looked up again as rows are drawn,
        # and code is laid out again if the theme needs other token styles (an ANSI theme)
        super().notify_style_update()
        self._strips.clear()
        if self._themed and self.is_attached:
            code = self._blocks.code
            theme = self._app_code_theme()
            if theme != code.theme:
                code.theme = theme
                self._laid_out.clear()
        self.refresh()

    async def action_link(self, href: str) -> None:
        """A link was clicked: let the screen decide whether to open it."""
        self.post_message(self.LinkClicked(self, href))
