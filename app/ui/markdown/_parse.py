"""Markdown parsed into a tree of blocks, and inline text into styled ``Content``.

Model output is text: it never becomes markup here (``Content`` takes it as it is), and raw
HTML is shown as text (``safe_markdown_parser``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.content import Content, Span
from textual.style import Style

if TYPE_CHECKING:
    from collections.abc import Callable

    from markdown_it import MarkdownIt
    from markdown_it.parser_block import RuleFuncBlockType as BlockRule
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

# Textual's bullets, by depth of unordered lists.
BULLETS = ("• ", "▪ ", "‣ ", "⭑ ", "◦ ")
# The columns of a table past this many are not read (see ``_few_columns``).
MAX_TABLE_COLUMNS = 100
# What the parser makes of blocks nested deeper than markdown-it goes (``maxNesting``, 20
# levels: about 19 quotes, or 9 lists): their lines, as text, where markdown-it drops them.
TOO_DEEP = "nesting_cut"
_SPACES = re.compile(r"\s+")


@functools.cache
def safe_markdown_parser() -> MarkdownIt:
    """A Markdown parser that shows raw HTML as text, so `List<String>` stays visible.

    It finds LaTeX math: ``$...$`` and ``\\(...\\)`` inline, ``$$...$$`` and ``\\[...\\]``
    as a block (``_inline_dollar_math`` says which ``$`` pairs are math). One instance serves
    every chunk and every cut: parsing keeps no state in it.
    """
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import table as markdown_table
    from mdit_py_plugins.dollarmath.index import math_block_dollar
    from mdit_py_plugins.texmath import texmath_plugin

    parser = MarkdownIt("gfm-like", {"html": False})
    _keep_too_deep(parser)
    # "at" would also drop the rule's alt list: a table could no longer end a paragraph
    parser.block.ruler.at(
        "table", _few_columns(markdown_table), {"alt": ["paragraph", "reference"]}
    )
    parser.inline.ruler.before("escape", "math_inline", _inline_dollar_math())
    parser.block.ruler.before(
        "fence",
        "math_block",
        math_block_dollar(allow_labels=False, label_normalizer=None, allow_blank_lines=False),
    )
    return parser.use(texmath_plugin, delimiters="brackets")


def _keep_too_deep(parser: MarkdownIt) -> None:
    """Make ``parser`` keep, as a ``TOO_DEEP`` token, the blocks nested past its limit.

    markdown-it skips them ("not an ordinary situation"): a reply nested 20 deep lost its
    end silently. No block rule runs at that depth, so the tokenizer itself is wrapped; nested
    blocks call it through ``state.md.block``, which is this instance.
    """
    block = parser.block
    tokenize = block.tokenize
    limit = parser.options["maxNesting"]

    def keeping(state: StateBlock, start: int, end: int) -> None:
        line = state.skipEmptyLines(start) if state.level >= limit else end
        if line >= end or state.sCount[line] < state.blkIndent:
            tokenize(state, start, end)
            return
        # the lines this call would have read: to where the indentation drops, as there
        stop = line
        while stop < end and (state.isEmpty(stop) or state.sCount[stop] >= state.blkIndent):
            stop += 1
        while state.isEmpty(stop - 1):
            stop -= 1
        token = state.push(TOO_DEEP, "", 0)
        token.map = [line, stop]
        token.content = state.getLines(line, stop, state.blkIndent, False)
        token.block = True
        state.line = stop

    block.tokenize = keeping  # type: ignore[method-assign,assignment]


def _few_columns(rule: BlockRule) -> BlockRule:
    """markdown-it's table rule, reading at most ``MAX_TABLE_COLUMNS`` columns of a table.

    The rule makes tokens for every column of every row: for a table of 2,000 columns that
    took most of a second, on every append of a streamed reply. The table's lines are read as
    if they ended after their ``MAX_TABLE_COLUMNS``-th cell, and ``table_open.meta["cut"]``
    counts the columns left out. A table the shortened lines do not make is read whole.
    """

    def table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        rule_line = start + 1
        if rule_line >= end:
            return rule(state, start, end, silent)
        marks = state.bMarks[rule_line] + state.tShift[rule_line], state.eMarks[rule_line]
        if state.src.count("|", *marks) <= MAX_TABLE_COLUMNS + 1:
            return rule(state, start, end, silent)
        ends: dict[int, int] = {}
        line = start
        while line < end and not state.isEmpty(line):
            cut = _cell_end(state.src, state.bMarks[line] + state.tShift[line], state.eMarks[line])
            if cut is not None:
                ends[line], state.eMarks[line] = state.eMarks[line], cut
            line += 1
        first = len(state.tokens)
        try:
            found = rule(state, start, end, silent)
        finally:
            for line, mark in ends.items():
                state.eMarks[line] = mark
        if not found:
            return rule(state, start, end, silent)
        if not silent:
            cells = state.src[marks[0] : marks[1]].strip().split("|")
            columns = len(cells) - (cells[0] == "") - (len(cells) > 1 and cells[-1] == "")
            state.tokens[first].meta["cut"] = max(0, columns - MAX_TABLE_COLUMNS)
        return True

    return table


def _cell_end(text: str, start: int, end: int) -> int | None:
    """Where a table line ends after ``MAX_TABLE_COLUMNS`` cells, if it has more."""
    pipes = MAX_TABLE_COLUMNS + (text[start : start + 1] == "|")
    position = start - 1
    for _ in range(pipes):
        position = text.find("|", position + 1, end)
        if position < 0:
            return None
    return position + 1 if text.find("|", position + 1, end) >= 0 else None


def _inline_dollar_math() -> Callable[[StateInline, bool], bool]:
    """The ``$...$`` rule of mdit-py-plugins' dollarmath, stricter about what is math.

    A ``$`` next to a space or a digit (``$5 and $10``, ``$ x $``) does not open or close math,
    as there; nor does a pair whose closing ``$`` comes right before a letter or a digit
    (``$HOME/$PATH``), or with a backtick between (``$10 and `$HOME` ``): the text is then read
    as if the first ``$`` were a plain character, so code spans after it stay code.
    """
    from mdit_py_plugins.dollarmath.index import math_inline_dollar

    rule = math_inline_dollar(allow_space=False, allow_digits=False, allow_double=True)

    def checked(state: StateInline, silent: bool) -> bool:
        start, tokens, pending, level = state.pos, len(state.tokens), state.pending, state.level
        if not rule(state, silent):
            return False
        matched = state.src[start : state.pos]
        after = state.src[state.pos : state.pos + 1]
        if "`" not in matched and not after.isalnum():
            return True
        state.pos, state.pending, state.pendingLevel = start, pending, level
        del state.tokens[tokens:]
        del state.tokens_meta[tokens:]
        return False

    return checked


@dataclass(slots=True)
class Block:
    """A block of the document: its kind, and what it holds."""

    kind: str
    token: Token | None = None
    inline: Token | None = None
    children: list[Block] = field(default_factory=list)
    bullet: str = ""
    source: str = ""  # the Markdown of a top-level block
    cut: int = 0  # a table: how many of its columns the parser left out


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
        elif kind in ("math_block", "math_block_eqno"):
            stack[-1].children.append(Block("math", token, source=source))
        elif kind == "hr":
            stack[-1].children.append(Block("hr", token, source=source))
        elif kind == TOO_DEEP:
            stack[-1].children.append(Block("deep", token, source=source))
        elif kind.endswith("_open"):
            name = token.tag if kind == "heading_open" else kind[: -len("_open")]
            block = Block(name, token, source=source)
            if name == "table":
                block.cut = int(token.meta.get("cut", 0))
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
        if kind in ("math_inline", "math_inline_double"):
            from app.ui.markdown._math import latex_to_text

            start = position
            add(latex_to_text(child.content))
            spans.append(Span(start, position, ".md-math"))
        elif kind == "text":
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
