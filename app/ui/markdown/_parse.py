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
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# Textual's bullets, by depth of unordered lists.
BULLETS = ("• ", "▪ ", "‣ ", "⭑ ", "◦ ")
_SPACES = re.compile(r"\s+")


@functools.cache
def safe_markdown_parser() -> MarkdownIt:
    """A Markdown parser that shows raw HTML as text, so `List<String>` stays visible.

    It finds LaTeX math: ``$...$`` and ``\\(...\\)`` inline, ``$$...$$`` and ``\\[...\\]``
    as a block. A ``$`` next to a space or a digit does not open or close math, so prices
    (``$5 and $10``) and ``$ HOME`` stay text (``inline_content`` leaves out more). One
    instance serves every chunk and every cut: parsing keeps no state in it.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.texmath import texmath_plugin

    parser = MarkdownIt("gfm-like", {"html": False})
    parser.use(
        dollarmath_plugin,
        allow_space=False,
        allow_digits=False,
        allow_labels=False,
        allow_blank_lines=False,
        double_inline=True,
    )
    return parser.use(texmath_plugin, delimiters="brackets")


@dataclass(slots=True)
class Block:
    """A block of the document: its kind, and what it holds."""

    kind: str
    token: Token | None = None
    inline: Token | None = None
    children: list[Block] = field(default_factory=list)
    bullet: str = ""
    source: str = ""  # the Markdown of a top-level block


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


_CLOSING = {"\\(": "\\)", "\\[": "\\]"}


def _closing(markup: str) -> str:
    return _CLOSING.get(markup, markup)


def _looks_like_math(token: Token, following: Token | None) -> bool:
    """Whether a ``$...$`` the parser found is a formula, not shell text (``$HOME/$PATH``):
    its closing ``$`` is not right before a letter or a digit."""
    if token.markup != "$":
        return True
    after = following.content[:1] if following is not None and following.type == "text" else ""
    return not after.isalnum()


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

    children = token.children
    for number, child in enumerate(children):
        kind = child.type
        if kind in ("math_inline", "math_inline_double"):
            following = children[number + 1] if number + 1 < len(children) else None
            if _looks_like_math(child, following):
                from app.ui.markdown._math import latex_to_text

                start = position
                add(latex_to_text(child.content))
                spans.append(Span(start, position, ".md-math"))
            else:
                add(_SPACES.sub(" ", f"{child.markup}{child.content}{_closing(child.markup)}"))
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
