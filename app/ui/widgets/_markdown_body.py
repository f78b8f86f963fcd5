"""Markdown shown as a column of chunks, so that a long message costs little to grow or to lay out.

A chunk is one widget that shows its Markdown as lines (``_markdown_lines``), not a tree of
block widgets. The text is cut into chunks of about ``CHUNK_CHARS`` characters: only the last
chunk (the tail) grows while a reply streams, and is laid out again on each append; the finished
ones keep their lines, and only the rows on screen are drawn.

A cut is made only where a top-level block starts, found by parsing the text around it:

* a top-level block is final once the next one starts, so every chunk parses on its own into the
  blocks the whole text has;
* in one document the gap between two blocks is the larger of their margins; between two chunks
  the margins would add up. Every top-level block has a bottom margin of one row, so the first
  block of every chunk but the first gets one row less of top margin than usual, and the gap
  comes out the same. This also holds when that block changes kind while streaming (``Title``
  becomes a heading when a ``---`` line follows).

What does not cross a cut: a reference-style link whose ``[label]: url`` definition sits in
another chunk shows as text. Models write inline links.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content, _FormattedLine
from textual.geometry import Size
from textual.message import Message
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

from app.ui.widgets._markdown_lines import BlockCache, block_starts, layout_markdown

# A chunk is cut at the first block that starts after it has this many characters.
CHUNK_CHARS = 2000


def split_chunks(text: str, size: int | None = None) -> list[str]:
    """``text`` cut into chunks of at least ``size`` (``CHUNK_CHARS``) characters, but the last."""
    return split_appended("", text, size)


def split_appended(shown: str, new: str, size: int | None = None) -> list[str]:
    """``new`` cut for a body whose tail chunk shows ``shown``: what goes on the end of the tail,
    then the new chunks, each of at least ``size`` (``CHUNK_CHARS``) characters but the last.

    A new chunk starts only where a block starts within ``new``: what ``shown`` already put
    on screen stays where it is.
    """
    size = CHUNK_CHARS if size is None else size
    combined = shown + new
    if len(combined) < size:
        return [new]
    starts = [len(shown)]
    for point in block_starts(combined):
        if point >= len(shown) and point - (starts[-1] if len(starts) > 1 else 0) >= size:
            starts.append(point)
    starts.append(len(combined))
    return [combined[start:end] for start, end in itertools.pairwise(starts)]


class _Settled:
    """Lines of chunks that are not streaming, by text, width and ``continued``, for a while.

    A message that hibernates and wakes, or is shown again, gets new chunk widgets: they take
    their lines from here instead of parsing and highlighting the same Markdown again. The
    lines are only read (styles are looked up as rows are drawn, so a theme change is fine).
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._lines: OrderedDict[tuple[str, int, bool], list[Content]] = OrderedDict()

    def get(self, key: tuple[str, int, bool]) -> list[Content] | None:
        lines = self._lines.get(key)
        if lines is not None:
            self._lines.move_to_end(key)
        return lines

    def put(self, key: tuple[str, int, bool], lines: list[Content]) -> None:
        self._lines[key] = lines
        if len(self._lines) > self._size:
            self._lines.popitem(last=False)


# enough for the messages of a few screens above and below the viewport, at two widths
_settled = _Settled(256)


class MarkdownChunk(Widget):
    """A piece of a message's Markdown, shown as lines laid out for the widget's width.

    The lines are laid out once per width and text (``lines``); only the rows on screen are
    drawn. Text can be selected with the mouse, and a link click asks the app to open it.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "md-h1", "md-h2", "md-h3", "md-h4", "md-h5", "md-h6",
        "md-h1-fill", "md-h2-fill", "md-h4-fill", "md-h5-fill", "md-h6-fill",
        "md-hr", "md-quote", "md-quote-border", "md-bullet", "md-fence", "md-code-inline",
        "md-table-header", "md-table-lines",
    }  # fmt: skip

    # The look of Textual's Markdown widget (textual/widgets/_markdown.py), block by block.
    DEFAULT_CSS = """
    MarkdownChunk {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
        & > .md-h1 {
            color: $markdown-h1-color;
            background: $markdown-h1-background;
            text-style: $markdown-h1-text-style;
        }
        & > .md-h1-fill {
            background: $markdown-h1-background;
        }
        & > .md-h2 {
            color: $markdown-h2-color;
            background: $markdown-h2-background;
            text-style: $markdown-h2-text-style;
        }
        & > .md-h2-fill {
            background: $markdown-h2-background;
        }
        & > .md-h3 {
            color: $markdown-h3-color;
            background: $markdown-h3-background;
            text-style: $markdown-h3-text-style;
        }
        & > .md-h4 {
            color: $markdown-h4-color;
            background: $markdown-h4-background;
            text-style: $markdown-h4-text-style;
        }
        & > .md-h4-fill {
            background: $markdown-h4-background;
        }
        & > .md-h5 {
            color: $markdown-h5-color;
            background: $markdown-h5-background;
            text-style: $markdown-h5-text-style;
        }
        & > .md-h5-fill {
            background: $markdown-h5-background;
        }
        & > .md-h6 {
            color: $markdown-h6-color;
            background: $markdown-h6-background;
            text-style: $markdown-h6-text-style;
        }
        & > .md-h6-fill {
            background: $markdown-h6-background;
        }
        & > .md-hr {
            color: $secondary;
        }
        & > .md-quote {
            background: $boost;
        }
        & > .md-quote-border {
            color: $text-primary 50%;
        }
        &:light > .md-quote-border {
            color: $text-secondary;
        }
        & > .md-bullet {
            color: $text-primary;
        }
        &:light > .md-bullet {
            color: $text-secondary;
        }
        & > .md-fence {
            color: rgb(210, 210, 210);
            background: black 10%;
        }
        &:light > .md-fence {
            background: white 30%;
        }
        &:dark > .md-code-inline {
            background: $warning 10%;
            color: $text-warning 95%;
        }
        &:light > .md-code-inline {
            background: $error 5%;
            color: $text-error 95%;
        }
        & > .md-table-header {
            color: $primary;
        }
        & > .md-table-lines {
            color: $foreground 20%;
        }
    }
    """

    class LinkClicked(Message):
        """A link in the Markdown was clicked."""

        def __init__(self, chunk: MarkdownChunk, href: str) -> None:
            super().__init__()
            self.chunk = chunk
            self.href = href

    def __init__(self, text: str = "", *, continued: bool = False) -> None:
        """``continued``: not the first chunk of its message (see the module's notes)."""
        super().__init__(classes="chunk -continued" if continued else "chunk")
        self._text = text
        self.continued = continued
        self._laid_out: tuple[int, list[Content]] | None = None
        self._blocks = BlockCache()
        self._strips: dict[int, Strip] = {}  # drawn rows, without a selection

    @property
    def source(self) -> str:
        """The Markdown shown."""
        return self._text

    def lines(self, width: int) -> list[Content]:
        """The Markdown laid out ``width`` cells wide (kept until the text or width changes)."""
        if self._laid_out is None or self._laid_out[0] != width:
            blocks, key = self._blocks, (self._text, width, self.continued)
            lines = None if blocks.streaming else _settled.get(key)
            if lines is None:
                lines = layout_markdown(self._text, width, continued=self.continued, cache=blocks)
                if not blocks.streaming and not blocks.stale:
                    _settled.put(key, lines)
            self._laid_out = (width, lines)
            self._strips.clear()
        return self._laid_out[1]

    def update(self, text: str) -> None:
        """Show ``text`` instead."""
        if text == self._text:
            return
        width = self.content_size.width
        rows = len(self.lines(width)) if width else None
        self._text = text
        self._laid_out = None
        # the height is known now: when it did not change, only the chunk is drawn again
        self.refresh(layout=not width or len(self.lines(width)) != rows)

    def append(self, text: str) -> None:
        """Show ``text`` after what is shown, as a stream does (see ``settle``)."""
        self._blocks.streaming = True
        self.update(self._text + text)

    def settle(self) -> None:
        """The stream into this chunk ended: a code block it grew shows all its colours."""
        self._blocks.streaming = False
        if self._blocks.stale:
            self._laid_out = None
            self.refresh()

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
        if selection is None and (strip := self._strips.get(y)) is not None:
            return strip
        line = lines[y]
        if selection is not None and (span := selection.get_span(y)) is not None:
            start, end = span
            end = len(line.plain) if end == -1 else end
            selected = self.screen.get_component_styles("screen--selection")
            line = line.stylize(VisualStyle.from_styles(selected), start, end)
        segments, length = _FormattedLine(self._get_style, line, width, y=y).to_strip(base)
        strip = Strip(segments, length)
        if self.auto_links and not self.screen._selecting:
            strip = strip._apply_link_style(self.link_style)
        strip = strip.extend_cell_length(width, base.rich_style)
        if selection is None:
            self._strips[y] = strip
        return strip

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text, without the spaces that pad lines to the width."""
        width = self.content_size.width
        text = "\n".join(line.plain.rstrip() for line in self.lines(width))
        return selection.extract(text), "\n"

    def notify_style_update(self) -> None:
        # the theme changed, or a pseudo-class: styles are looked up again as rows are drawn
        super().notify_style_update()
        self._strips.clear()
        self.refresh()

    async def action_link(self, href: str) -> None:
        """A link was clicked: let the screen decide whether to open it."""
        self.post_message(self.LinkClicked(self, href))


async def drop_children(widget: Widget) -> None:
    """Remove ``widget``'s children and let them be freed.

    Textual keeps a parent's last arrangement, its list of displayed children and its
    ``query_one`` results (up to 1,024, keyed by a counter that only grows) after the children
    are removed: left alone, those caches keep every removed widget alive.
    """
    await widget.remove_children()
    widget._clear_arrangement_cache()
    widget._query_one_cache.clear()
    _ = widget.displayed_children  # recomputes Textual's cached list, now empty


class MarkdownBody(Vertical):
    """A message's Markdown: shown whole (``update``), or streamed (``write``).

    While streaming, text is appended to the tail chunk; when the tail has ``CHUNK_CHARS``
    characters and a block starts in the new text, a new tail begins there.
    """

    DEFAULT_CSS = """
    MarkdownBody {
        height: auto;
        & > .chunk {
            margin: 0;
            padding: 0;
        }
    }
    """

    def __init__(self, text: str = "", *, classes: str = "") -> None:
        super().__init__(classes=classes)
        self._initial = text

    def compose(self) -> ComposeResult:
        for number, chunk in enumerate(split_chunks(self._initial)):
            yield MarkdownChunk(chunk, continued=number > 0)
        self._initial = ""

    @property
    def chunks(self) -> list[MarkdownChunk]:
        """The chunk widgets, in order."""
        return [child for child in self.children if isinstance(child, MarkdownChunk)]

    @property
    def source(self) -> str:
        """The Markdown shown (every chunk's source, joined)."""
        return "".join(chunk.source for chunk in self.chunks)

    def settle(self) -> None:
        """A stream into the body ended (see ``MarkdownChunk.settle``)."""
        if chunks := self.chunks:
            chunks[-1].settle()

    async def update(self, text: str) -> None:
        """Show ``text`` in place of what is shown."""
        if self.source == text:
            return
        chunks = self.chunks
        pieces = split_chunks(text)
        if len(pieces) == len(chunks):  # the same cut, as after a stream: no widget changes
            for chunk, piece in zip(chunks, pieces, strict=True):
                chunk.update(piece)
            return
        with self.app.batch_update():
            await drop_children(self)
            await self.mount_all(
                [MarkdownChunk(piece, continued=number > 0) for number, piece in enumerate(pieces)]
            )

    async def write(self, text: str) -> None:
        """Append ``text`` to what is shown."""
        if not text:
            return
        chunks = self.chunks
        tail = chunks[-1] if chunks else None
        first, *new = split_appended(tail.source if tail else "", text)
        if tail is None:
            new.insert(0, first)
        elif first:
            tail.append(first)
        if new:
            if tail is not None:
                tail.settle()
            await self.mount_all(
                MarkdownChunk(piece, continued=bool(chunks) or number > 0)
                for number, piece in enumerate(new)
            )
