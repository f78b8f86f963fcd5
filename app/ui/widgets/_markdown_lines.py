"""Markdown laid out as lines of styled text, for one widget to show (no widget per block).

Textual's ``Markdown`` mounts a widget for every paragraph, list item, bullet and table cell,
and styling and laying out those widgets is most of what showing a reply costs: about 2 s of
CPU for a 16,000-character reply of 700 blocks. Here the same blocks are laid out as lines
(``layout_markdown``), with the look of Textual's ``Markdown``: its margins (collapsed between
neighbours, as Textual's vertical layout does), bullets, heading, quote, fence and table
styles. Styles are named, not resolved: a span's style is ``".md-h1"`` and the like, a
component class of the widget that shows the lines, so the theme and the CSS decide colours.

Model output is text: it never becomes markup here (``Content`` takes it as it is), and raw
HTML is shown as text (``safe_markdown_parser``).
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.content import Content, Span
from textual.style import Style

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# Textual's bullets, by depth of unordered lists.
BULLETS = ("• ", "▪ ", "‣ ", "⭑ ", "◦ ")
HR_CHAR = "─"
QUOTE_BORDER = "▌"
# Table keylines: top, header rule, between rows, bottom; each as (left, join, right).
TABLE_TOP = ("┌", "┬", "┐")
TABLE_RULE = ("├", "┼", "┤")
TABLE_BOTTOM = ("└", "┴", "┘")
TABLE_EDGE = "│"
# While a code block grows in a stream, it is highlighted in full at most this often; the lines
# that come in between are highlighted on their own (highlighting the whole block on every
# append was most of what an append cost).
HIGHLIGHT_EVERY = 0.25
# A table column is not squeezed narrower than this (it wraps instead).
MIN_COLUMN = 3
# (top, bottom) margins of top-level blocks, as in Textual's Markdown CSS.
MARGINS = {
    "h1": (2, 1),
    "h2": (2, 1),
    "h3": (1, 1),
    "h4": (1, 1),
    "h5": (1, 1),
    "h6": (1, 1),
    "hr": (0, 1),
    "paragraph": (0, 1),
    "blockquote": (1, 1),
    "bullet_list": (0, 1),
    "ordered_list": (0, 1),
    "fence": (1, 1),
    "table": (0, 1),
}
_SPACES = re.compile(r"\s+")


@functools.cache
def safe_markdown_parser() -> MarkdownIt:
    """A Markdown parser that shows raw HTML as text, so `List<String>` stays visible.

    One instance serves every chunk and every cut: parsing keeps no state in it.
    """
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like", {"html": False})


@dataclass(slots=True)
class Block:
    """A block of the document: its kind, and what it holds."""

    kind: str
    token: Token | None = None
    inline: Token | None = None
    children: list[Block] = field(default_factory=list)
    bullet: str = ""
    source: str = ""  # the Markdown of a top-level block


class BlockCache:
    """Top-level blocks laid out, by their Markdown and width, as the last layout used them.

    A streamed chunk is laid out again on every append, but only its last block or two change:
    the others are taken from here.
    """

    def __init__(self) -> None:
        self._boxes: dict[tuple[str, int], Box] = {}
        self._used: dict[tuple[str, int], Box] = {}
        # streaming: the last code block is highlighted in full only now and then; in between,
        # new lines are highlighted on their own (``stale``: a layout used such lines)
        self.streaming = False
        self.stale = False
        self._highlight: tuple[str, str, list[Content], float] | None = None

    def highlighted(self, code: str, language: str) -> list[Content]:
        """The lines of ``code``, highlighted (see ``streaming``)."""
        last = self._highlight
        if self.streaming and last is not None:
            last_code, last_language, last_lines, when = last
            fresh = time.monotonic() - when < HIGHLIGHT_EVERY
            if fresh and language == last_language and code.startswith(last_code):
                done = last_lines[:-1]  # the last line may have been cut short
                rest = code.split("\n")[len(done) :]
                self.stale = True
                # the new lines, highlighted on their own: right but for a construct that
                # spans them and the lines before (a docstring), put right by the next full pass
                lines = done + highlight_lines("\n".join(rest), language)
                self._highlight = (code, language, lines, when)
                return lines
        lines = highlight_lines(code, language)
        self._highlight = (code, language, lines, time.monotonic())
        return lines

    def get(self, key: tuple[str, int]) -> Box | None:
        box = self._boxes.get(key)
        if box is not None:
            self._used[key] = box
        return box

    def put(self, key: tuple[str, int], box: Box) -> None:
        self._used[key] = box

    def done(self) -> None:
        """Forget the blocks the layout just made did not use."""
        self._boxes, self._used = self._used, {}


@dataclass(slots=True)
class Box:
    """Laid-out lines of a block, with the margins it wants above and below."""

    lines: list[Content]
    top: int = 0
    bottom: int = 0


def highlight_lines(code: str, language: str) -> list[Content]:
    """``code`` highlighted as Textual's Markdown highlights a code block, one Content a line."""
    from textual.highlight import HighlightTheme, highlight

    content = highlight(code, language=language or None, theme=HighlightTheme)
    return content.split("\n", allow_blank=True)


@functools.lru_cache(maxsize=4)
def parse(text: str) -> tuple[list[Token], dict[int, tuple[int, int]]]:
    """``text`` parsed, with where each top-level block starts and ends, by its token's index.

    Kept for a few texts: a streamed append parses its text to find where a chunk may be cut,
    then lays out the same text. The tokens are only read.
    """
    tokens = safe_markdown_parser().parse(text)
    line_starts = [0]
    for line in text.split("\n"):
        line_starts.append(line_starts[-1] + len(line) + 1)
    last = len(line_starts) - 1
    spans: dict[int, tuple[int, int]] = {}
    for index, token in enumerate(tokens):
        if token.level == 0 and token.nesting >= 0 and token.map is not None:
            start, end = token.map
            spans[index] = (line_starts[min(start, last)], line_starts[min(end, last)])
    return tokens, spans


def block_starts(text: str) -> list[int]:
    """Offsets in ``text`` where a top-level block starts, but the first."""
    return [start for start, _ in parse(text)[1].values() if 0 < start < len(text)]


def parse_blocks(text: str) -> list[Block]:
    """The top-level blocks of ``text``, each with its nested blocks."""
    root = Block("root")
    stack = [root]
    tokens, spans = parse(text)
    for index, token in enumerate(tokens):
        kind = token.type
        start, end = spans.get(index, (0, 0))
        source = text[start:end]
        if kind == "inline":
            stack[-1].inline = token
        elif kind in ("fence", "code_block"):
            stack[-1].children.append(Block("fence", token, source=source))
        elif kind == "hr":
            stack[-1].children.append(Block("hr", token, source=source))
        elif kind.endswith("_open"):
            name = token.tag if kind == "heading_open" else kind[: -len("_open")]
            block = Block(name, token, source=source)
            if name == "list_item":
                if token.info:  # ordered: the number given in the text
                    block.bullet = token.info
                else:
                    depth = sum(
                        1
                        for item in stack
                        if item.kind == "list_item" and not item.bullet[:1].isdigit()
                    )
                    block.bullet = BULLETS[depth % len(BULLETS)]
            stack[-1].children.append(block)
            stack.append(block)
        elif kind.endswith("_close") and len(stack) > 1:
            stack.pop()
    return root.children


def inline_content(token: Token | None) -> Content:
    """An inline token (the text of a paragraph, heading or cell) as styled text."""
    if token is None or token.children is None:
        return Content("")
    parts: list[str] = []
    spans: list[Span] = []
    opened: list[tuple[str | Style, int]] = []
    position = 0

    def add(text: str) -> None:
        nonlocal position
        parts.append(text)
        position += len(text)

    def close() -> None:
        if opened:
            style, start = opened.pop()
            spans.append(Span(start, position, style))

    for child in token.children:
        kind = child.type
        if kind == "text":
            add(_SPACES.sub(" ", child.content))
        elif kind == "hardbreak":
            add("\n")
        elif kind == "softbreak":
            add(" ")
        elif kind == "code_inline":
            start = position
            add(child.content)
            spans.append(Span(start, position, ".md-code-inline"))
        elif kind == "em_open":
            opened.append(("italic", position))
        elif kind == "strong_open":
            opened.append(("bold", position))
        elif kind == "s_open":
            opened.append(("strike", position))
        elif kind == "link_open":
            href = str(child.attrs.get("href", ""))
            opened.append((Style.from_meta({"@click": f"link({href!r})"}), position))
        elif kind == "image":
            start = position
            add("🖼  ")
            alt = str(child.attrs.get("alt", ""))
            if alt:
                add(f"({alt})")
            src = str(child.attrs.get("src", ""))
            spans.append(Span(start, position, Style.from_meta({"@click": f"link({src!r})"})))
        elif kind.endswith("_close"):
            close()
    while opened:
        close()
    return Content("".join(parts), spans=spans)


def _pad(line: Content, width: int) -> Content:
    """``line`` with spaces after it to ``width`` cells (so a background fills the width)."""
    short = width - line.cell_length
    return line.pad_right(short) if short > 0 else line


def _wrap(content: Content, width: int) -> list[Content]:
    return content.wrap(max(1, width)) if content.plain else [Content("")]


def stack(boxes: list[Box]) -> Box:
    """Boxes one above the other: the gap between two is the larger of their margins."""
    lines: list[Content] = []
    top = bottom = 0
    for number, box in enumerate(boxes):
        if number == 0:
            top = box.top
        else:
            lines.extend(Content("") for _ in range(max(bottom, box.top)))
        lines.extend(box.lines)
        bottom = box.bottom
    return Box(lines, top, bottom)


def layout_blocks(
    blocks: list[Block],
    width: int,
    *,
    top_level: bool = False,
    in_list: bool = False,
    cache: BlockCache | None = None,
) -> Box:
    """``blocks`` laid out ``width`` cells wide, stacked.

    ``top_level``: the document's own blocks (only those paragraphs have a margin);
    ``in_list``: blocks inside a list item (a list there has no margins).
    """
    return stack(
        [
            layout_block(block, width, top_level=top_level, in_list=in_list, cache=cache)
            for block in blocks
        ]
    )


def layout_block(
    block: Block, width: int, *, top_level: bool, in_list: bool, cache: BlockCache | None = None
) -> Box:
    """One block (and what it holds) laid out ``width`` cells wide."""
    kind = block.kind
    top, bottom = MARGINS.get(kind, (0, 0))
    if (kind == "paragraph" and not top_level) or (kind.endswith("_list") and in_list):
        top = bottom = 0
    if kind == "paragraph":
        return Box(_wrap(inline_content(block.inline), width), top, bottom)
    if kind in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return Box(_heading(block, width), *MARGINS[kind])
    if kind == "hr":
        return Box([Content(""), Content.styled(HR_CHAR * width, ".md-hr")], top, bottom)
    if kind == "fence":
        return Box(_fence(block, width, cache), top, bottom)
    if kind == "blockquote":
        return Box(_quote(block, width, in_list, cache), top, bottom)
    if kind in ("bullet_list", "ordered_list"):
        return Box(_list(block, width, cache), top, bottom)
    if kind == "table":
        return Box(_table(block, width), top, bottom)
    # anything else (none with the parser used) shows what it holds
    return _boxed(layout_blocks(block.children, width, in_list=in_list, cache=cache))


def _heading(block: Block, width: int) -> list[Content]:
    style = f".md-{block.kind}"
    lines = [line.stylize_before(style) for line in _wrap(inline_content(block.inline), width)]
    if block.kind == "h3":  # an H3 is as wide as its text
        return lines
    if block.kind == "h1":
        lines = [line.center(width) for line in lines]
    # the others fill the width with their background (but not their text style)
    return [_pad(line, width).stylize_before(f"{style}-fill") for line in lines]


def _fence(block: Block, width: int, cache: BlockCache | None) -> list[Content]:
    token = block.token
    assert token is not None
    code = token.content.rstrip()
    language = token.info.strip().split(" ")[0] if token.info else ""
    highlighted = cache.highlighted(code, language) if cache else highlight_lines(code, language)
    room = max(1, width - 4)  # two columns of padding each side
    lines = [Content("")]
    for line in highlighted:
        line = line.expand_tabs(4)
        if line.cell_length > room:
            line = line.truncate(room)  # scrolled out of view in Textual; `b` copies it whole
        lines.append(line.pad_left(2))
    lines.append(Content(""))
    return [_pad(line, width).stylize_before(".md-fence") for line in lines]


def _boxed(box: Box) -> Box:
    """The lines of ``box`` with its margins as blank lines: what a container of it shows."""
    return Box([Content("")] * box.top + box.lines + [Content("")] * box.bottom)


def _quote(block: Block, width: int, in_list: bool, cache: BlockCache | None) -> list[Content]:
    inner = layout_blocks(block.children, max(1, width - 3), in_list=in_list, cache=cache)
    body = _boxed(inner).lines
    border = Content.styled(QUOTE_BORDER, ".md-quote-border")
    return [
        (border + " " + _pad(line, width - 3) + " ").stylize_before(".md-quote")
        for line in body or [Content("")]
    ]


def _list(block: Block, width: int, cache: BlockCache | None) -> list[Content]:
    items = [child for child in block.children if child.kind == "list_item"]
    symbols = [item.bullet for item in items]
    if block.kind == "ordered_list":
        start = 1
        if symbols and symbols[0].isdigit():
            start = int(symbols[0])
        numbers = [f"{number}. " for number in range(start, start + len(items))]
        size = max((len(number) for number in numbers), default=0)
        symbols = [number.rjust(size + 1) for number in numbers]
    lines: list[Content] = []
    for item, symbol in zip(items, symbols, strict=True):
        indent = len(symbol)
        inner = layout_blocks(item.children, max(1, width - indent), in_list=True, cache=cache)
        body = _boxed(inner).lines
        for number, line in enumerate(body or [Content("")]):
            prefix = Content.styled(symbol, ".md-bullet") if number == 0 else Content(" " * indent)
            lines.append(prefix + line)
    return lines


def _table(block: Block, width: int) -> list[Content]:
    rows: list[tuple[bool, list[Content]]] = []  # (is the header, cells)
    for part in block.children:
        for row in part.children:
            if row.kind == "tr":
                cells = [inline_content(cell.inline) for cell in row.children]
                rows.append((part.kind == "thead", cells))
    columns = max((len(cells) for _, cells in rows), default=0)
    if not columns:
        return []
    for _, cells in rows:
        cells.extend(Content("") for _ in range(columns - len(cells)))
    widths = _column_widths(
        [max(cells[column].cell_length for _, cells in rows) + 2 for column in range(columns)],
        width - columns - 1,
    )

    def rule(ends: tuple[str, str, str]) -> Content:
        left, join, right = ends
        rule = join.join(HR_CHAR * size for size in widths)
        return Content.styled(left + rule + right, ".md-table-lines")

    edge = Content.styled(TABLE_EDGE, ".md-table-lines")
    lines = [rule(TABLE_TOP)]
    for number, (header, cells) in enumerate(rows):
        if number:
            lines.append(rule(TABLE_RULE))
        wrapped = [_wrap(cell, size - 2) for cell, size in zip(cells, widths, strict=True)]
        for y in range(max(len(cell_lines) for cell_lines in wrapped)):
            line = edge
            for cell_lines, size in zip(wrapped, widths, strict=True):
                text = cell_lines[y] if y < len(cell_lines) else Content("")
                cell = _pad(text.pad_left(1), size)
                line += cell.stylize_before(".md-table-header") if header else cell
                line += edge
            lines.append(line)
    lines.append(rule(TABLE_BOTTOM))
    return lines


def _column_widths(natural: list[int], room: int) -> list[int]:
    """Column widths (with their padding) that fill ``room`` cells, or shrink to fit it."""
    total = sum(natural)
    if total <= room:
        extra, left = divmod(room - total, len(natural))
        first_wider = len(natural) - left  # what is left over goes to the last columns
        return [size + extra + (number >= first_wider) for number, size in enumerate(natural)]
    widths = [max(MIN_COLUMN, size * room // total) for size in natural]
    return widths


def layout_markdown(
    text: str, width: int, *, continued: bool = False, cache: BlockCache | None = None
) -> list[Content]:
    """``text`` as lines ``width`` cells wide, with the top margin of its first block and the
    bottom margin of its last.

    ``continued``: the text follows another chunk of the same document, whose last block left a
    bottom margin of one row (every top-level block has one): the first block gets one row
    less of top margin, so the gap is what one document would have.
    """
    width = max(1, width)
    blocks = parse_blocks(text)
    if cache is None:
        box = layout_blocks(blocks, width, top_level=True)
    else:
        boxes = []
        stale = False
        for block in blocks:
            key = (block.source, width)
            if not block.source or (laid_out := cache.get(key)) is None:
                cache.stale = False
                laid_out = layout_block(block, width, top_level=True, in_list=False, cache=cache)
                if cache.stale:
                    stale = True  # laid out again next time, highlighted
                else:
                    cache.put(key, laid_out)
            boxes.append(laid_out)
        cache.stale = stale
        cache.done()
        box = stack(boxes)
    if continued:
        box.top = max(0, box.top - 1)
    return _boxed(box).lines
