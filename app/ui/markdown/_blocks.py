"""The blocks that take more than wrapping text: code blocks (highlighted) and tables.

Code is highlighted as Textual's ``MarkdownFence`` highlights it: with ``HighlightTheme``,
whose token styles are theme variables (``$text-accent``) resolved as rows are drawn, so dark
and light themes each get their colours; with an ANSI theme, with Textual's ANSI highlight
themes for a dark or a light terminal, whose styles are fixed ANSI colours. ``code_theme``
picks one, and the lines laid out with it are kept per code theme.

``textual.highlight`` imports Pygments, which hcchat does not load until code is shown (the
start-up benchmark checks): it is imported where code is highlighted, not here.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

from rich.cells import cell_len, get_character_cell_size
from textual.content import Content, Span

from app.ui.markdown._parse import MAX_TABLE_COLUMNS, Block, inline_content

if TYPE_CHECKING:
    from markdown_it.token import Token
    from textual.highlight import HighlightTheme

# Which of Textual's highlight themes code is highlighted with (see ``code_theme``).
CodeTheme = Literal["textual", "ansi-dark", "ansi-light"]

HR_CHAR = "─"
# Table keylines: top, header rule, between rows, bottom; each as (left, join, right).
TABLE_TOP = ("┌", "┬", "┐")
TABLE_RULE = ("├", "┼", "┤")
TABLE_BOTTOM = ("└", "┴", "┘")
TABLE_EDGE = "│"
# While a code block grows in a stream, a full pass over it starts at most this often, and
# is made in slices of SLICE seconds, one on each append; the lines that come in between are
# highlighted on their own. Highlighting the whole block on every append was most of what an
# append cost, and a full pass over a 200-line block took 70 ms: a key pressed meanwhile waited.
HIGHLIGHT_EVERY = 0.25
SLICE = 0.004
# When the stream into a block ends, a block of more characters than this is highlighted in
# full in slices too (a 9,000-character block took 70 ms at once); a smaller one at once.
SETTLE_AT_ONCE = 4000
# The mark at the start of a row that carries on a code line too long for the block, and the
# one at the right edge of a line cut instead (see ``fence_lines``).
WRAP_MARK = "↪ "
CUT_MARK = "→"
MARK_OF_WRAP = Content("  ") + Content.styled(WRAP_MARK, ".md-fence-mark")
MARK_OF_CUT = Content.styled(CUT_MARK, ".md-fence-mark")
# A table column is not squeezed narrower than this (it wraps instead).
MIN_COLUMN = 3
# A table shows the columns that fit this many cells wide (padding included), when not all
# of them do: a table of 2,000 columns took 51 s to lay out, in lines 8,000 cells wide that
# showed nothing past the edge, and columns squeezed to MIN_COLUMN show one letter a row. The
# columns left out (at most ``MAX_TABLE_COLUMNS`` are shown) are counted under the table.
SHOWN_COLUMN = 8
TABLE_CUT = "… {hidden:,} more {columns} not shown (copy the message for the whole table)"
# A cell's text is cut after this many characters, and its column sized as if it were at most
# this many cells wide, so one huge cell neither wraps into thousands of rows nor starves the
# others of room.
MAX_CELL_CHARS = 1000
MAX_CELL_WIDTH = 60


def code_theme(*, ansi: bool, dark: bool) -> CodeTheme:
    """The token styles for code under an app theme, as ``MarkdownFence.highlight`` picks them.

    ``ansi``: the app shows native ANSI colours (``App.native_ansi_color``); ``dark``: the
    theme is dark (``App.current_theme.dark``).
    """
    if not ansi:
        return "textual"
    return "ansi-dark" if dark else "ansi-light"


def _highlight_theme(theme: CodeTheme) -> type[HighlightTheme]:
    from textual import highlight

    if theme == "ansi-dark":
        return highlight.ANSIDarkHighlightTheme
    if theme == "ansi-light":
        return highlight.ANSILightHighlightTheme
    return highlight.HighlightTheme


def highlight_lines(code: str, language: str, theme: CodeTheme = "textual") -> list[Content]:
    """``code`` highlighted as Textual's Markdown highlights a code block, one Content a line."""
    highlighting = Highlighting(code, language, theme)
    highlighting.advance(float("inf"))
    assert highlighting.lines is not None
    return highlighting.lines


class Highlighting:
    """``code`` highlighted as ``textual.highlight.highlight`` does it, a slice at a time.

    ``advance`` lexes for about as long as it is given; ``lines`` is the result once done. A
    200-line block took 70 ms in one go: while it streams, it is highlighted in slices between
    appends, so that no key waits for all of it.
    """

    def __init__(self, code: str, language: str, theme: CodeTheme) -> None:
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound
        from textual.highlight import guess_language

        self.code = code
        self.language = language
        self.theme = theme
        self.lines: list[Content] | None = None
        self._text = "\n".join(code.splitlines())
        name = language or guess_language(code, None)
        try:
            lexer = get_lexer_by_name(name, stripnl=False, ensurenl=True, tabsize=8)
        except ClassNotFound:
            lexer = get_lexer_by_name("text", stripnl=False, ensurenl=True, tabsize=8)
        self._tokens = lexer.get_tokens(self._text)
        self._styles = _highlight_theme(theme).STYLES
        self._spans: list[Span] = []
        self._at = 0

    def advance(self, seconds: float) -> bool:
        """Lex for about ``seconds``; True when ``lines`` is ready."""
        if self.lines is not None:
            return True
        deadline = time.perf_counter() + seconds
        styles, spans, at = self._styles, self._spans, self._at
        for count, (kind, token) in enumerate(self._tokens, 1):
            end = at + len(token)
            while True:
                if style := styles.get(kind):
                    spans.append(Span(at, end, style))
                    break
                if (kind := kind.parent) is None:
                    break
            at = end
            if not count % 100 and time.perf_counter() > deadline:
                self._at = at
                return False
        highlighted = Content(self._text, spans=spans).stylize_before("$text")
        self.lines = highlighted.split("\n", allow_blank=True)
        return True


_Highlighted = tuple[str, str, CodeTheme, list[Content]]
# A line of code as ``fence_lines`` lays it out: its text and spans, the width, wrapped or cut.
_RowKey = tuple[str, tuple[Span, ...], int, bool]


class CodeHighlighter:
    """Highlights the code blocks of one chunk in one code theme, cheaply while it streams.

    While ``streaming``, the last code block is highlighted in full only now and then, in
    slices of ``SLICE`` seconds, one on each layout, and taken when it is done; in between, new
    lines are highlighted on their own, and ``stale`` says a layout used such lines. Not
    streaming, a block is highlighted in full. ``rows`` keeps the rows each line was laid out
    as (see ``fence_lines``).
    """

    def __init__(self, theme: CodeTheme = "textual") -> None:
        self.theme = theme
        self.streaming = False
        self.stale = False
        self.rows: dict[_RowKey, list[Content]] = {}
        self._last: _Highlighted | None = None
        self._whole = False  # the lines of ``_last`` are one highlight of its text
        self._when = 0.0  # when the full pass that ``_last`` builds on started
        self._pass: Highlighting | None = None

    def lines(self, code: str, language: str) -> list[Content]:
        """The lines of ``code``, highlighted (see the class's notes)."""
        theme = self.theme
        if self.streaming:
            lines = self._streamed(code, language, theme)
            if lines is not None:
                return lines
        last = self._last
        if self._whole and last is not None and last[:3] == (code, language, theme):
            return last[3]  # highlighted in full already (see ``settle``)
        self._pass = None
        self.stale = False
        lines = highlight_lines(code, language, theme)
        self._last = (code, language, theme, lines)
        self._whole = True
        self._when = time.monotonic()
        return lines

    def settle(self) -> bool:
        """The stream ended: highlight the last block in full, a slice at a time if it is long.

        True when done (or nothing was left to do): the next layout shows its lines.
        """
        last = self._last
        if last is None or self._whole or self.streaming:
            return True
        code, language, theme, _ = last
        running = self._pass
        if running is None or (running.code, running.language, running.theme) != last[:3]:
            running = self._pass = Highlighting(code, language, theme)
        if not running.advance(float("inf") if len(code) <= SETTLE_AT_ONCE else SLICE):
            return False
        assert running.lines is not None
        self._pass = None
        self._last = (code, language, theme, running.lines)
        self._whole = True
        self.stale = False
        return True

    def _streamed(self, code: str, language: str, theme: CodeTheme) -> list[Content] | None:
        """``code`` from the last full pass and its new lines on their own; None: in full."""
        last = self._last
        if last is None or (last[1], last[2]) != (language, theme) or not code.startswith(last[0]):
            return None
        running = self._pass
        if running is not None and (running.language, running.theme) != (language, theme):
            running = self._pass = None
        if running is None and time.monotonic() - self._when >= HIGHLIGHT_EVERY:
            running = self._pass = Highlighting(code, language, theme)
            self._when = time.monotonic()
        if running is not None and running.advance(SLICE):
            self._pass = None
            assert running.lines is not None
            # an older text, highlighted in full: its lines (but a last one that may have been
            # cut short) replace those that were highlighted on their own
            kept = running.lines[:-1]
            last = (last[0], language, theme, kept + last[3][len(kept) :])
        done = last[3][:-1]  # the last line may have been cut short
        rest = code.split("\n")[len(done) :]
        self.stale = True
        self._whole = False
        # the new lines, highlighted on their own: right but for a construct that spans them
        # and the lines before (a docstring), put right by the next full pass
        lines = done + highlight_lines("\n".join(rest), language, theme)
        self._last = (code, language, theme, lines)
        return lines


def pad(line: Content, width: int) -> Content:
    """``line`` with spaces after it to ``width`` cells (so a background fills the width)."""
    short = width - line.cell_length
    return line.pad_right(short) if short > 0 else line


def wrap(content: Content, width: int) -> list[Content]:
    """``content`` wrapped to ``width`` cells; one blank line if it is empty."""
    return content.wrap(max(1, width)) if content.plain else [Content("")]


def fence_lines(
    token: Token, width: int, code: CodeHighlighter, *, wrap_code: bool = True
) -> list[Content]:
    """A code block ``width`` cells wide: padded, highlighted by ``code``.

    A line too long for the block wraps, each further row starting with ``WRAP_MARK``
    (``wrap_code``), or is cut with ``CUT_MARK`` at the right edge. Either mark is styled
    ``.md-fence-mark``, which is how ``continues`` finds the rows that carry on a line; `b` and
    a mouse selection copy the lines whole.
    """
    text = token.content.rstrip()
    language = token.info.strip().split(" ")[0] if token.info else ""
    room = max(2, width - 4)  # two columns of padding each side
    # A streamed block is laid out again on every append, most of its lines as before: their
    # rows are taken from the last layout (laying out every line again cost as much as
    # highlighting them). An empty line of code is a row as blank as the block's first and last.
    kept = code.rows
    used: dict[_RowKey, list[Content]] = {}
    rows: list[Content] = []
    blank = Content("")
    for line in (blank, *code.lines(text, language), blank):
        key = (line.plain, tuple(line.spans), width, wrap_code)
        laid_out = used.get(key) or kept.get(key)
        if laid_out is None:
            laid_out = _code_rows(line, width, room, wrap_code=wrap_code)
        used[key] = laid_out
        rows.extend(laid_out)
    code.rows = used
    return rows


def _code_rows(line: Content, width: int, room: int, *, wrap_code: bool) -> list[Content]:
    """One line of code as the rows of a block ``width`` cells wide (``room`` for the code)."""
    line = line.expand_tabs(4)
    if line.cell_length <= room:
        rows = [line.pad_left(2)]
    elif wrap_code:
        first, *rest = cut_cells(line, room, max(1, room - len(WRAP_MARK)))
        rows = [first.pad_left(2), *(MARK_OF_WRAP + piece for piece in rest)]
    else:
        cut = line.truncate(room - len(CUT_MARK))
        rows = [pad(cut, room - len(CUT_MARK)).pad_left(2) + MARK_OF_CUT]
    return [pad(row, width).stylize_before(".md-fence") for row in rows]


def cut_cells(line: Content, first: int, rest: int) -> list[Content]:
    """``line`` cut into pieces of at most ``first`` cells, then ``rest`` cells.

    A cut that would leave spaces at the end of a piece moves before them, so that the spaces
    start the next piece: a piece can then lose its padding without losing text.
    """
    text = line.plain
    cuts: list[int] = []
    start = 0
    room = first
    while cell_len(text[start:]) > room:
        end, cells = start, 0
        while end < len(text) and cells + get_character_cell_size(text[end]) <= room:
            cells += get_character_cell_size(text[end])
            end += 1
        end = max(end, start + 1)
        while end > start + 1 and text[end - 1] == " ":
            end -= 1
        cuts.append(end)
        start, room = end, rest
    return line.divide(cuts)


def continues(line: Content) -> int | None:
    """Where the text of a row that carries on the row above starts, or None if it doesn't."""
    for span in line.spans:
        if span.style == ".md-fence-mark" and line.plain[span.start : span.end] == WRAP_MARK:
            return span.end
    return None


def table_lines(block: Block, width: int) -> list[Content]:
    """A table ``width`` cells wide, with Textual's keylines; cells wrap in narrow columns.

    Only the columns that fit (``shown_columns``) are laid out; a line under the table counts
    the others.
    """
    rows: list[tuple[bool, list[Block]]] = []  # (is the header, cells)
    for part in block.children:
        for row in part.children:
            if row.kind == "tr":
                rows.append((part.kind == "thead", row.children))
    total = max((len(cells) for _, cells in rows), default=0)
    if not total:
        return []
    total += block.cut
    columns = shown_columns(total, width)
    table = [(header, [_cell(cell) for cell in cells[:columns]]) for header, cells in rows]
    for _, cells in table:
        cells.extend(Content("") for _ in range(columns - len(cells)))
    natural = [
        min(MAX_CELL_WIDTH, max(cells[column].cell_length for _, cells in table)) + 2
        for column in range(columns)
    ]
    widths = _column_widths(natural, width - columns - 1)

    def rule(ends: tuple[str, str, str]) -> Content:
        left, join, right = ends
        rule = join.join(HR_CHAR * size for size in widths)
        return Content.styled(left + rule + right, ".md-table-lines")

    edge = Content.styled(TABLE_EDGE, ".md-table-lines")
    lines = [rule(TABLE_TOP)]
    for number, (header, cells) in enumerate(table):
        if number:
            lines.append(rule(TABLE_RULE))
        wrapped = [wrap(cell, size - 2) for cell, size in zip(cells, widths, strict=True)]
        for y in range(max(len(cell_lines) for cell_lines in wrapped)):
            parts = [edge]
            for cell_lines, size in zip(wrapped, widths, strict=True):
                text = cell_lines[y] if y < len(cell_lines) else Content("")
                cell = pad(text.pad_left(1), size)
                parts.append(cell.stylize_before(".md-table-header") if header else cell)
                parts.append(edge)
            lines.append(Content("").join(parts))
    lines.append(rule(TABLE_BOTTOM))
    if total > columns:
        hidden = total - columns
        note = TABLE_CUT.format(hidden=hidden, columns="column" if hidden == 1 else "columns")
        lines.extend(wrap(Content.styled(note, ".md-table-lines"), width))
    return lines


def shown_columns(columns: int, width: int) -> int:
    """How many of a table's ``columns`` are laid out ``width`` cells wide."""
    fit = max(1, (width - 1) // (SHOWN_COLUMN + 1))
    return min(columns, fit, MAX_TABLE_COLUMNS)


def _cell(cell: Block) -> Content:
    content = inline_content(cell.inline)
    if len(content.plain) > MAX_CELL_CHARS:
        content = content[:MAX_CELL_CHARS] + Content("…")
    return content


def _column_widths(natural: list[int], room: int) -> list[int]:
    """Column widths (with their padding) that fill ``room`` cells, or shrink to fit it."""
    total = sum(natural)
    if total <= room:
        extra, left = divmod(room - total, len(natural))
        first_wider = len(natural) - left  # what is left over goes to the last columns
        return [size + extra + (number >= first_wider) for number, size in enumerate(natural)]
    return [max(MIN_COLUMN, size * room // total) for size in natural]
