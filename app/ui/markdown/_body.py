"""Markdown shown as a column of chunks, so that a long message costs little to grow or to lay out.

A chunk is one widget that shows its Markdown as lines (``_layout``), not a tree of block
widgets. The text is cut into chunks of about ``CHUNK_CHARS`` characters: only the last chunk
(the tail) grows while a reply streams, and is laid out again on each append; the finished
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

from textual.app import ComposeResult
from textual.containers import Vertical

from app.ui._textual_private import drop_children
from app.ui.markdown._chunk import MarkdownChunk
from app.ui.markdown._parse import block_starts

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
        base = starts[-1] if len(starts) > 1 else 0
        # a chunk of blank lines only would lay out as nothing, yet its follower would take one
        # row off its top margin as if a block had left one: such a chunk grows on instead
        if point >= len(shown) and point - base >= size and combined[base:point].strip():
            starts.append(point)
    starts.append(len(combined))
    return [combined[start:end] for start, end in itertools.pairwise(starts)]


class MarkdownBody(Vertical):
    """A message's Markdown: shown whole (``update``), or streamed (``write``, then ``stop``).

    Streaming has the shape of Textual's ``MarkdownStream``. While streaming, text is appended
    to the tail chunk; when the tail has ``CHUNK_CHARS`` characters and a block starts in the
    new text, a new tail begins there.
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

    def __init__(self, text: str = "", *, classes: str = "", wrap_code: bool = True) -> None:
        """``wrap_code``: long code lines wrap onto marked rows, else they are cut, marked."""
        super().__init__(classes=classes)
        self._initial = text
        self._wrap_code = wrap_code

    def compose(self) -> ComposeResult:
        for number, chunk in enumerate(split_chunks(self._initial)):
            yield self._chunk(chunk, continued=number > 0)
        self._initial = ""

    def _chunk(self, text: str, *, continued: bool) -> MarkdownChunk:
        return MarkdownChunk(text, continued=continued, wrap_code=self._wrap_code)

    @property
    def wrap_code(self) -> bool:
        """Whether long code lines wrap (else they are cut at the right edge, marked)."""
        return self._wrap_code

    @wrap_code.setter
    def wrap_code(self, wrap: bool) -> None:
        self._wrap_code = wrap
        for chunk in self.chunks:
            chunk.wrap_code = wrap

    @property
    def chunks(self) -> list[MarkdownChunk]:
        """The chunk widgets, in order."""
        return [child for child in self.children if isinstance(child, MarkdownChunk)]

    @property
    def source(self) -> str:
        """The Markdown shown (every chunk's source, joined)."""
        return "".join(chunk.source for chunk in self.chunks)

    async def stop(self) -> None:
        """End the stream into the body: a code block it grew shows all its colours.

        The body can be written to again after (a new stream, or a retry).
        """
        if chunks := self.chunks:
            chunks[-1].stop()

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
                [self._chunk(piece, continued=number > 0) for number, piece in enumerate(pieces)]
            )

    async def write(self, fragment: str) -> None:
        """Append ``fragment`` to what is shown."""
        if not fragment:
            return
        chunks = self.chunks
        tail = chunks[-1] if chunks else None
        first, *new = split_appended(tail.source if tail else "", fragment)
        if tail is None:
            new.insert(0, first)
        elif first:
            tail.append(first)
        if new:
            if tail is not None:
                tail.stop()
            await self.mount_all(
                self._chunk(piece, continued=bool(chunks) or number > 0)
                for number, piece in enumerate(new)
            )
