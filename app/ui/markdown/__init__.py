"""Markdown for messages, laid out as lines in chunks: cheap to stream, to grow and to redraw.

``MarkdownBody`` is the widget to use: ``update(text)`` shows a whole text, ``write(fragment)``
and ``stop()`` stream one, as Textual's ``MarkdownStream`` does. ``MarkdownChunk`` is exported
for its ``LinkClicked`` message (handled as ``on_markdown_chunk_link_clicked``).

Modules: ``_parse`` (Markdown to blocks and styled inline text), ``_blocks`` (code blocks and
tables), ``_layout`` (blocks to lines), ``_chunk`` (the widget that shows a chunk's lines) and
``_body`` (the column of chunks).
"""

from app.ui.markdown._body import MarkdownBody
from app.ui.markdown._chunk import MarkdownChunk

__all__ = ["MarkdownBody", "MarkdownChunk"]
