"""Markdown shown as a column of chunks, so that a long message costs little to grow or to lay out.

Textual's ``Markdown`` widget is one container of blocks. Appending to it re-lays out every
block in it, and its height changes on every append, which makes every list and code block
below it lay itself out again: a long streamed reply gets slower with every delta. Here the
text is cut into chunks of about ``CHUNK_CHARS`` characters, each its own ``Markdown`` widget.
Only the last chunk (the tail) grows; the finished ones keep their layout, and the compositor
skips the ones off screen.

A cut is made only where a top-level block starts, found by parsing the text around it:

* a top-level block is final once the next one starts, so every chunk parses on its own into the
  blocks the whole text has (Textual's own streaming re-parses from the last block start too);
* in one widget the gap between two blocks is the larger of their margins; between two chunks
  the margins would add up. Every top-level block has a bottom margin of one row, so the first
  block of every chunk but the first gets one row less of top margin than usual (see
  ``DEFAULT_CSS``), and the gap comes out the same. This also holds when that block changes
  kind while streaming (``Title`` becomes a heading when a ``---`` line follows).

What does not cross a cut: a reference-style link whose ``[label]: url`` definition sits in
another chunk shows as text. Models write inline links.
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from textual.geometry import Region, Size
    from textual.layout import DockArrangeResult
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

# A chunk is cut at the first block that starts after it has this many characters.
CHUNK_CHARS = 2000
# How long to wait for a chunk to show what was written to it (it is normally milliseconds).
SETTLE_TIMEOUT = 5.0


@functools.cache
def safe_markdown_parser() -> MarkdownIt:
    """A Markdown parser that shows raw HTML as text, so `List<String>` stays visible.

    One instance serves every chunk and every cut: parsing keeps no state in it.
    """
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like", {"html": False})


def cut_points(text: str) -> list[int]:
    """Offsets in ``text`` where a top-level block starts (where a chunk may start)."""
    line_starts = [0]
    for line in text.split("\n")[:-1]:
        line_starts.append(line_starts[-1] + len(line) + 1)
    points: list[int] = []
    for token in safe_markdown_parser().parse(text):
        if token.level == 0 and token.nesting >= 0 and token.map is not None:
            start = token.map[0]
            if 0 < start < len(line_starts):
                points.append(line_starts[start])
    return points


def split_chunks(text: str, size: int | None = None) -> list[str]:
    """``text`` cut into chunks of at least ``size`` (``CHUNK_CHARS``) characters, but the last."""
    size = CHUNK_CHARS if size is None else size
    if len(text) <= size:
        return [text]
    chunks: list[str] = []
    start = 0
    for point in cut_points(text):
        if point - start >= size:
            chunks.append(text[start:point])
            start = point
    chunks.append(text[start:])
    return chunks


def estimate_height(text: str, width: int) -> int:
    """About how many rows ``text`` takes as Markdown ``width`` columns wide, without laying it out.

    Each line wraps, and each blank line stands for the margin between two blocks. A chunk
    that sleeps with this height gets its true one when it wakes.
    """
    return max(1, sum(max(1, -(-len(line) // width)) for line in text.split("\n")))


def _rows_overlap(region: Region, rows: Region) -> bool:
    return region.bottom > rows.y and region.y < rows.bottom


def next_cut(shown: str, new: str) -> int | None:
    """Where in ``new`` a new chunk may start, given that the tail chunk shows ``shown``.

    Only a block that starts within ``new`` qualifies: what ``shown`` already put on screen
    stays where it is.
    """
    combined = shown + new
    for point in cut_points(combined):
        if len(shown) <= point < len(combined):
            return point - len(shown)
    return None


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


@functools.cache
def _chunk_type() -> type[Markdown]:
    """The Markdown widget of one chunk (made on first use: Markdown loads markdown-it)."""
    from textual.geometry import Size
    from textual.widgets import Markdown

    class MarkdownChunk(Markdown):
        """A Markdown widget whose layout does not depend on the height of what holds it.

        A chunk far from the viewport can hibernate: see ``MarkdownBody.hibernate_outside``.
        """

        def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
            # Blocks have auto heights, so the height given changes nothing but the cache key;
            # with it fixed, a chunk that did not change keeps its layout when the message
            # around it grows, instead of laying out every list and code block in it again.
            return super().arrange(Size(size.width, 0), optimal)

    return MarkdownChunk


def _new_chunk(text: str = "", *, continued: bool = True) -> Markdown:
    """A chunk; ``continued``: not the first of its body."""
    return _chunk_type()(
        text or None,
        parser_factory=safe_markdown_parser,
        open_links=False,
        classes="chunk -continued" if continued else "chunk",
    )


class MarkdownBody(Vertical):
    """A message's Markdown: shown whole (``update``), or streamed (``start_stream``, ``write``).

    While streaming, text goes through Textual's ``MarkdownStream`` into the tail chunk; when
    the tail has ``CHUNK_CHARS`` characters and a block starts in the new text, the
    tail is finished and a new one begins there.
    """

    DEFAULT_CSS = """
    MarkdownBody {
        height: auto;
        & > .chunk {
            height: auto;
            margin: 0;
            padding: 0;
        }
        /* The gap between two chunks is the bottom margin of the last block of the first (1)
           plus the top margin of the first block of the next: one less than its own, so that
           the gap is what one widget would make of the two (the larger of the two margins). */
        & > .chunk.-continued > MarkdownBlock:first-child {
            margin: 0 0 1 0;
        }
        & > .chunk.-continued > MarkdownH1:first-child,
        & > .chunk.-continued > MarkdownH2:first-child {
            margin: 1 0 1 0;
        }
    }
    """

    def __init__(self, text: str = "", *, classes: str = "") -> None:
        super().__init__(classes=classes)
        self._initial = text
        self._stream: MarkdownStream | None = None
        self._tail_text = ""  # what has been written to the tail chunk while streaming
        self._write_lock = asyncio.Lock()
        # chunks without blocks, and their text: scrolled far away, or never shown yet
        self._sleeping: dict[Markdown, str] = {}

    def compose(self) -> ComposeResult:
        for number, chunk in enumerate(split_chunks(self._initial)):
            yield _new_chunk(chunk, continued=number > 0)
        self._initial = ""

    @property
    def chunks(self) -> list[Markdown]:
        """The chunk widgets, in order."""
        from textual.widgets import Markdown

        return [child for child in self.children if isinstance(child, Markdown)]

    @property
    def source(self) -> str:
        """The Markdown shown (every chunk's source, joined)."""
        return "".join(self._sleeping.get(chunk, chunk.source) for chunk in self.chunks)

    async def update(self, text: str) -> None:
        """Show ``text`` in place of what is shown (ends a stream first)."""
        async with self._write_lock:
            await self._close_tail()
            self._stream = None
            await self._replace(text)

    async def start_stream(self) -> None:
        """Start streaming into an empty body (streamed Markdown can only be appended to).

        ``write`` and ``write_offscreen`` start one too if none is open.
        """
        async with self._write_lock:
            await self._start_stream()

    async def write(self, text: str) -> None:
        """Append ``text`` to the stream; writes are shown in order."""
        async with self._write_lock:
            if not text:
                return
            stream = await self._start_stream()
            if len(self._tail_text) >= CHUNK_CHARS:
                cut = next_cut(self._tail_text, text)
                if cut is not None:
                    if cut:
                        await stream.write(text[:cut])
                        self._tail_text += text[:cut]
                    await self._close_tail()
                    stream = await self._open_tail()
                    text = text[cut:]
            self._tail_text += text
            await stream.write(text)

    async def write_offscreen(self, text: str, keep: int) -> str:
        """Append all of ``text`` but about its last ``keep`` characters without rendering it.

        For a burst that would scroll out of view at once: it goes into chunks that sleep with
        an estimated height and are rendered only if the reader scrolls back to them. The block
        the tail chunk was growing (a long code block, say) goes with it: the tail is cut back
        to where that block starts. Returns the end of ``text`` still to be written (from where
        a block starts), which is all of it when there is nothing to skip.
        """
        async with self._write_lock:
            stream = await self._start_stream()
            shown = self._tail_text
            combined = shown + text
            cuts = cut_points(combined)
            after = [p for p in cuts if p >= len(shown)]
            before = max((p for p in cuts if p < len(shown)), default=0)
            # Where the sleeping part starts: after the block the tail is growing, which is
            # written to it first; or, when that block is long (or the tail's only one), at
            # its start, cutting the tail back (a cost that grows with the tail).
            grown_block_is_short = bool(after) and after[0] - len(shown) < keep and before > 0
            base = after[0] if grown_block_is_short else before
            ends = [p for p in cuts if p > base and len(combined) - p >= keep]
            if not ends:
                return text
            last = ends[-1]
            if base > len(shown):
                await stream.write(combined[len(shown) : base])
                self._tail_text = combined[:base]
            await self._close_tail()
            tail = self.chunks[-1]
            if base == 0:
                await tail.remove()  # its one block sleeps instead
            elif base < len(shown):
                await tail.update(shown[:base])
            width = max(1, self.content_region.width or self.size.width)
            asleep: list[Markdown] = []
            for piece in split_chunks(combined[base:last]):
                chunk = _new_chunk(continued=bool(self.chunks) or bool(asleep))
                chunk.styles.height = estimate_height(piece, width)
                self._sleeping[chunk] = piece
                asleep.append(chunk)
            await self.mount_all(asleep)
            await self._open_tail()
            return combined[last:]

    async def settled(self) -> None:
        """Wait until the tail shows everything written to it."""
        stream = self._stream
        if stream is None:
            return
        tail = stream.markdown_widget
        deadline = time.monotonic() + SETTLE_TIMEOUT
        # MarkdownStream has no "done" signal: its task takes the text on its next turn.
        while tail.source != self._tail_text and tail.is_attached and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0)  # let the append that took the text start and take the lock
        async with tail.lock:
            pass

    async def stop_stream(self) -> None:
        """End the stream once everything written to it is shown."""
        async with self._write_lock:
            if self._stream is not None:
                await self._close_tail()
                self._stream = None
                self._tail_text = ""

    async def hibernate_outside(self, near: Region, keep: Region) -> None:
        """Wake sleeping chunks that overlap the screen rows of ``near``; let those outside the
        rows of ``keep`` (which holds ``near``) drop their blocks.

        The tail of a stream is never put to sleep: it is being written to.
        """
        async with self._write_lock:
            tail = self._stream.markdown_widget if self._stream is not None else None
            for chunk in self.chunks:
                if chunk is tail:
                    continue
                region = chunk.region
                if not region:
                    continue  # not laid out (hidden): leave it as it is
                if _rows_overlap(region, near) and chunk in self._sleeping:
                    text = self._sleeping.pop(chunk)
                    chunk.styles.height = None  # back to auto
                    await chunk.update(text)
                elif not _rows_overlap(region, keep) and chunk not in self._sleeping:
                    # the same height, without the blocks
                    self._sleeping[chunk] = chunk.source
                    chunk.styles.height = region.height
                    await drop_children(chunk)

    async def _start_stream(self) -> MarkdownStream:
        """The open stream, or a new one into a body emptied first."""
        if self._stream is not None:
            return self._stream
        if self.source:
            await self._replace("")
        chunks = self.chunks
        if chunks:
            from textual.widgets import Markdown

            self._stream = Markdown.get_stream(chunks[-1])
            self._tail_text = ""
            return self._stream
        return await self._open_tail()

    async def _replace(self, text: str) -> None:
        if self.source == text:
            return
        self._sleeping.clear()
        with self.app.batch_update():
            await drop_children(self)
            chunks = split_chunks(text)
            await self.mount_all(
                [_new_chunk(chunk, continued=number > 0) for number, chunk in enumerate(chunks)]
            )

    async def _open_tail(self) -> MarkdownStream:
        from textual.widgets import Markdown

        tail = _new_chunk(continued=bool(self.chunks))
        await self.mount(tail)
        self._stream = Markdown.get_stream(tail)
        self._tail_text = ""
        return self._stream

    async def _close_tail(self) -> None:
        """Stop the tail's stream once it shows all that was written to it.

        ``MarkdownStream.stop()`` during an append starts another append that works out what
        to parse before the first one has finished (and shows blocks twice): so wait first.
        """
        if self._stream is not None:
            await self.settled()
            await self._stream.stop()
