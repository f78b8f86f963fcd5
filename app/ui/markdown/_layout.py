"""Markdown laid out as lines of styled text, for one widget to show (no widget per block).

Textual's ``Markdown`` mounts a widget for every paragraph, list item, bullet and table cell,
and styling and laying out those widgets is most of what showing a reply costs: about 2 s of
CPU for a 16,000-character reply of 700 blocks. Here the same blocks are laid out as lines
(``layout_markdown``), with the look of Textual's ``Markdown``: its margins (collapsed between
neighbours, as Textual's vertical layout does), bullets, heading, quote, fence and table
styles. Styles are named, not resolved: a span's style is ``".md-h1"`` and the like, a
component class of the widget that shows the lines, so the theme and the CSS decide colours.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content

from app.ui.markdown._blocks import (
    HR_CHAR,
    CodeHighlighter,
    CodeTheme,
    fence_lines,
    pad,
    table_lines,
    wrap,
)
from app.ui.markdown._parse import Block, inline_content, parse_blocks

QUOTE_BORDER = "▌"
# Above the lines of blocks nested deeper than the parser goes, shown as plain text.
TOO_DEEP_MARK = "… nested deeper than shown; as written:"
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
    "math": (1, 1),
    "table": (0, 1),
}
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))

_BoxKey = tuple[str, int, CodeTheme, bool]


@dataclass(slots=True)
class Box:
    """Laid-out lines of a block, with the margins it wants above and below."""

    lines: list[Content]
    top: int = 0
    bottom: int = 0


class BlockCache:
    """Top-level blocks laid out, by their Markdown, width, code theme and code wrap, as last used.

    A streamed chunk is laid out again on every append, but only its last block or two change:
    the others are taken from here. ``code`` highlights the code blocks (in ``code.theme``);
    ``wrap_code``: long code lines wrap (else they are cut), as the layout asked.
    """

    def __init__(self, code_theme: CodeTheme = "textual") -> None:
        self.code = CodeHighlighter(code_theme)
        self.wrap_code = True
        self._boxes: dict[_BoxKey, Box] = {}
        self._used: dict[_BoxKey, Box] = {}

    def get(self, key: _BoxKey) -> Box | None:
        """The box laid out for ``key`` by the last layout, if any (kept for the next one)."""
        box = self._boxes.get(key)
        if box is not None:
            self._used[key] = box
        return box

    def put(self, key: _BoxKey, box: Box) -> None:
        """Keep ``box``, laid out for ``key``, for the next layout."""
        self._used[key] = box

    def done(self) -> None:
        """Forget the blocks the layout just made did not use."""
        self._boxes, self._used = self._used, {}


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
    blocks: list[Block], width: int, cache: BlockCache, *, in_list: bool = False
) -> Box:
    """Nested ``blocks`` laid out ``width`` cells wide, stacked.

    ``in_list``: blocks inside a list item (a list there has no margins).
    """
    return stack(
        [layout_block(block, width, cache, top_level=False, in_list=in_list) for block in blocks]
    )


def layout_block(
    block: Block, width: int, cache: BlockCache, *, top_level: bool, in_list: bool
) -> Box:
    """One block (and what it holds) laid out ``width`` cells wide.

    ``top_level``: one of the document's own blocks (only those paragraphs have a margin).
    """
    kind = block.kind
    top, bottom = MARGINS.get(kind, (0, 0))
    if (kind == "paragraph" and not top_level) or (kind.endswith("_list") and in_list):
        top = bottom = 0
    if kind == "paragraph":
        return Box(wrap(inline_content(block.inline), width), top, bottom)
    if kind in _HEADINGS:
        return Box(_heading(block, width), top, bottom)
    if kind == "hr":
        return Box([Content(""), Content.styled(HR_CHAR * width, ".md-hr")], top, bottom)
    if kind == "fence":
        assert block.token is not None
        return Box(
            fence_lines(block.token, width, cache.code, wrap_code=cache.wrap_code), top, bottom
        )
    if kind == "math":
        assert block.token is not None
        return Box(_math(block.token.content, width), top, bottom)
    if kind == "blockquote":
        return Box(_quote(block, width, cache, in_list), top, bottom)
    if kind in ("bullet_list", "ordered_list"):
        return Box(_list(block, width, cache), top, bottom)
    if kind == "table":
        return Box(table_lines(block, width), top, bottom)
    if kind == "deep":
        assert block.token is not None
        return Box(_too_deep(block.token.content, width), top, bottom)
    # anything else (none with the parser used) shows what it holds
    return _boxed(layout_blocks(block.children, width, cache, in_list=in_list))


def _heading(block: Block, width: int) -> list[Content]:
    style = f".md-{block.kind}"
    lines = [line.stylize_before(style) for line in wrap(inline_content(block.inline), width)]
    if block.kind == "h3":  # an H3 is as wide as its text
        return lines
    if block.kind == "h1":
        lines = [line.center(width) for line in lines]
    # the others fill the width with their background (but not their text style)
    return [pad(line, width).stylize_before(f"{style}-fill") for line in lines]


def _math(source: str, width: int) -> list[Content]:
    """Display math: each line of the formula as text, centred."""
    from app.ui.markdown._math import latex_to_text

    lines: list[Content] = []
    for part in source.strip().split("\\\\") if "\\\\" in source else [source]:
        formula = Content.styled(latex_to_text(part), ".md-math")
        lines.extend(line.center(width) for line in wrap(formula, width))
    return lines


def _too_deep(source: str, width: int) -> list[Content]:
    """Blocks nested deeper than the parser goes: a mark, then their lines as plain text."""
    lines = wrap(Content.styled(TOO_DEEP_MARK, ".md-deep"), width)
    for line in source.rstrip("\n").split("\n"):
        lines.extend(wrap(Content(line), width))
    return lines


def _boxed(box: Box) -> Box:
    """The lines of ``box`` with its margins as blank lines: what a container of it shows."""
    return Box([Content("")] * box.top + box.lines + [Content("")] * box.bottom)


def _quote(block: Block, width: int, cache: BlockCache, in_list: bool) -> list[Content]:
    inner = layout_blocks(block.children, max(1, width - 3), cache, in_list=in_list)
    body = _boxed(inner).lines
    border = Content.styled(QUOTE_BORDER, ".md-quote-border")
    return [
        (border + " " + pad(line, width - 3) + " ").stylize_before(".md-quote")
        for line in body or [Content("")]
    ]


def _list(block: Block, width: int, cache: BlockCache) -> list[Content]:
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
        inner = layout_blocks(item.children, max(1, width - indent), cache, in_list=True)
        body = _boxed(inner).lines
        for number, line in enumerate(body or [Content("")]):
            prefix = Content.styled(symbol, ".md-bullet") if number == 0 else Content(" " * indent)
            lines.append(prefix + line)
    return lines


def layout_markdown(
    text: str,
    width: int,
    *,
    continued: bool = False,
    cache: BlockCache | None = None,
    wrap_code: bool = True,
) -> list[Content]:
    """``text`` as lines ``width`` cells wide, with the top margin of its first block and the
    bottom margin of its last.

    ``continued``: the text follows another chunk of the same document, whose last block left a
    bottom margin of one row (every top-level block has one): the first block gets one row
    less of top margin, so the gap is what one document would have. ``cache`` keeps blocks
    for the next layout of the same chunk, and says which code theme to highlight with.
    ``wrap_code``: code lines too long for the width wrap onto marked rows, else they are cut.
    """
    width = max(1, width)
    cache = BlockCache() if cache is None else cache
    cache.wrap_code = wrap_code
    code = cache.code
    boxes = []
    stale = False
    for block in parse_blocks(text):
        key = (block.source, width, code.theme, wrap_code)
        if not block.source or (laid_out := cache.get(key)) is None:
            code.stale = False
            laid_out = layout_block(block, width, cache, top_level=True, in_list=False)
            if code.stale:
                stale = True  # laid out again next time, highlighted
            else:
                cache.put(key, laid_out)
        boxes.append(laid_out)
    code.stale = stale
    cache.done()
    box = stack(boxes)
    if continued:
        box.top = max(0, box.top - 1)
    return _boxed(box).lines
