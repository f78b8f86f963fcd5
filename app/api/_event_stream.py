"""Read a Server-Sent Events body with bounded memory, and give up on a stream that stalls.

httpx-sse's line decoder keeps a line until its newline arrives, so a server that sends
hundreds of megabytes without one fills memory; and since keep-alive comments keep bytes
arriving, httpx's read timeout never fires on a stream that sends nothing else. This reader
caps a line and an event at ``max_event_chars``, strips a byte order mark before the first
event (the SSE spec asks for it; httpx-sse does not), and measures the time spent waiting for
the server since the owner last called :meth:`EventReader.alive`.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncGenerator, AsyncIterator
from typing import NamedTuple

from app.api._errors import ProtocolError, TimeoutError

MB = 1024 * 1024
MAX_EVENT_CHARS = 8 * MB
BOM = "\ufeff"


class ServerEvent(NamedTuple):
    """One dispatched event: its type (``message`` unless named) and its data lines joined."""

    event: str
    data: str


def size_text(chars: int) -> str:
    """A cap for a message: ``8 MB``."""
    return f"{chars / MB:g} MB" if chars >= MB else f"{chars:,} characters"


class EventReader:
    """Turns the text chunks of an event stream into :class:`ServerEvent` s.

    ``stall_timeout``: seconds of waiting for the server, counted from the last
    :meth:`alive`, after which :meth:`events` raises :class:`TimeoutError` (None: never).
    """

    def __init__(
        self,
        chunks: AsyncIterator[str],
        *,
        max_event_chars: int = MAX_EVENT_CHARS,
        stall_timeout: float | None = None,
    ) -> None:
        self._chunks = chunks
        self._max_event = max_event_chars
        self._stall_timeout = stall_timeout
        self._waited = 0.0
        self._kept_alive = False  # keep-alives came since the last alive()
        # the line being received, in pieces (joined once its end arrives)
        self._pending: list[str] = []
        self._pending_chars = 0
        self._trailing_cr = False
        self._event = ""
        self._data: list[str] = []
        self._data_chars = 0

    def alive(self) -> None:
        """The stream just carried something real: restart the stall clock."""
        self._waited = 0.0
        self._kept_alive = False

    async def events(self) -> AsyncGenerator[ServerEvent, None]:
        """The stream's events, the last one dispatched even without its closing blank line."""
        first = True
        while True:
            text = await self._next_chunk()
            if text is None:
                break
            if first and text:
                first = False
                if text[0] == BOM:
                    text = text[1:]
            for line in self._lines(text):
                event = self._line(line)
                if event is not None:
                    yield event
        if self._trailing_cr or self._pending:  # the last line, ended by a CR or by nothing
            event = self._line(self._take_pending())
            if event is not None:
                yield event
        event = self._line("")
        if event is not None:
            yield event

    async def _next_chunk(self) -> str | None:
        """The next text chunk, or None at the end; raises when the stall budget is spent."""
        if self._stall_timeout is None:
            return await anext(self._chunks, None)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(max(0.0, self._stall_timeout - self._waited)):
                return await anext(self._chunks, None)
        except builtins.TimeoutError:
            raise TimeoutError(self._stall_message()) from None
        finally:
            self._waited += loop.time() - started

    def _stall_message(self) -> str:
        seconds = f"{self._stall_timeout:g}"
        if self._kept_alive:
            return f"No text from the server for {seconds} s (only keep-alive messages)."
        return f"No text from the server for {seconds} s."

    def _lines(self, text: str) -> list[str]:
        """The lines ``text`` completes; keeps the unfinished end for the next chunk."""
        if self._trailing_cr:  # a CR that ended the last chunk may pair with an LF here
            self._trailing_cr = False
            text = "\r" + text
        if "\r" in text:
            if text[-1] == "\r":
                self._trailing_cr = True
                text = text[:-1]
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        pieces = text.split("\n")
        last = pieces.pop()
        if pieces and self._pending:
            pieces[0] = self._take_pending() + pieces[0]
        if last:
            self._hold(last)
        return pieces

    def _hold(self, piece: str) -> None:
        self._pending_chars += len(piece)
        if self._pending_chars > self._max_event:
            self._pending.clear()
            raise self._too_large()
        self._pending.append(piece)

    def _take_pending(self) -> str:
        line = "".join(self._pending)
        self._pending.clear()
        self._pending_chars = 0
        return line

    def _line(self, line: str) -> ServerEvent | None:
        """Interpret one line; the event it completes, if any."""
        if not line:
            return self._dispatch()
        if line[0] == ":":
            self._kept_alive = True
            return None
        name, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data_chars += len(value) + 1
            if self._data_chars > self._max_event:
                raise self._too_large()
            self._data.append(value)
        elif name == "event":
            self._event = value
        return None  # id and retry mean nothing to a POST that cannot be resumed

    def _dispatch(self) -> ServerEvent | None:
        if not self._data and not self._event:
            return None
        event = ServerEvent(self._event or "message", "\n".join(self._data))
        self._event = ""
        self._data = []
        self._data_chars = 0
        if not event.data.strip() and event.event == "message":
            self._kept_alive = True
        return event

    def _too_large(self) -> ProtocolError:
        return ProtocolError(
            f"The server sent an event larger than {size_text(self._max_event)}; "
            "the reply was stopped there."
        )
