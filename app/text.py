"""Make untrusted text (model output, titles, file contents) safe to put on screen."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from functools import cache

# C0 controls other than tab and newline, DEL, C1 controls, and the bidi embedding/override/isolate
# characters that can make text display in a different order than it is stored.
_UNSAFE = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]
_UNSAFE += [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_STRIP_TABLE: dict[int, None] = dict.fromkeys(_UNSAFE)


@cache
def _unsafe_pattern() -> re.Pattern[str]:
    """Any character ``display_safe`` strips (compiled on first use, not at start-up)."""
    return re.compile("[" + "".join(f"\\u{code:04x}" for code in _UNSAFE) + "]")


def display_safe(text: str) -> str:
    """``text`` without terminal control characters (newline and tab are kept).

    An escape sequence such as ``ESC[2J`` loses its ESC and shows as the harmless text ``[2J``.
    The session file keeps the text exactly as received; only what is displayed is cleaned.
    """
    return text.translate(_STRIP_TABLE)


def one_line(text: str, limit: int = 80) -> str:
    """A display-safe single line of at most ``limit`` characters, for titles and list rows."""
    if not (text.isascii() and text.isprintable()) and _unsafe_pattern().search(text):
        text = display_safe(text)  # most text has nothing to strip (10,000 rows listed)
    line = " ".join(text.split())
    if len(line) > limit:
        return line[: limit - 1] + "…"
    return line


def local_time(moment: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``moment`` in local time; in UTC (marked so) when local time would leave the date range.

    ``9999-12-31T23:59Z`` is valid in a file but past the year 9999 east of Greenwich, where
    ``astimezone()`` raises ``OverflowError``.
    """
    try:
        # what astimezone() does, a third of its time (a listing formats 10,000 of them);
        # outside 1000-9999 the local date is left to datetime, which refuses past 9999
        local = time.localtime(moment.timestamp())
        if 1000 <= local.tm_year <= 9999:
            return time.strftime(fmt, local)
    except (OverflowError, ValueError, OSError):
        pass
    try:
        return moment.astimezone().strftime(fmt)
    except (OverflowError, ValueError, OSError):
        return moment.astimezone(UTC).strftime(fmt) + " UTC"


def code_blocks(markdown: str) -> list[str]:
    """The contents of the fenced and indented code blocks in ``markdown``, in order."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark", {"html": False}).parse(markdown)
    return [token.content for token in tokens if token.type in ("fence", "code_block")]


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes (wide characters take two)."""
    if text.isascii() and text.isprintable():
        return len(text)  # the common case, without a call into Rich (a long listing measures
        # each of its 10,000 rows' cells several times)
    if "\u200d" not in text and "\ufe0f" not in text:
        # without a joiner or an emoji selector, Rich adds up each character's cells: so does
        # this, with the sizes it gave kept in a dict (a quarter of the time)
        return sum(map(_CHARACTER_CELLS.__getitem__, text))
    from rich.cells import cell_len

    return cell_len(text)


class _CellsOf(dict[str, int]):
    """Each character's cells as Rich measures it, asked of Rich once."""

    def __missing__(self, character: str) -> int:
        from rich.cells import get_character_cell_size

        size = self[character] = get_character_cell_size(character)
        return size


_CHARACTER_CELLS = _CellsOf()


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending with an ellipsis if it was cut."""
    if cells(text) <= width:
        return text
    return cut(text, width)


def cut(text: str, width: int) -> str:
    """``text``, known to be wider than ``width`` cells, cut to ``width`` with an ellipsis."""
    if width <= 0:
        return ""
    head = text[:width]
    if head.isascii() and head.isprintable():
        # the first ``width`` characters take a cell each: the cut is after ``width - 1``
        return text[: width - 1].rstrip() + "…"
    if "\u200d" not in text and "\ufe0f" not in text:
        # no joiner and no emoji selector: each character is its own cell or two, as Rich
        # measures it, unless one takes none (a combining mark): Rich then decides
        room = width - 1
        for index, character in enumerate(text):
            size = _CHARACTER_CELLS[character]
            if size == 0:
                break
            room -= size
            if room < 0:
                # a wide character that does not fit is left out, as Rich pads it
                return text[:index].rstrip() + "…"
    from rich.cells import set_cell_size

    return set_cell_size(text, width - 1).rstrip() + "…"


def fit_words(text: str, width: int) -> str:
    """``text`` cut at a word boundary (a space, or after a comma) to at most ``width`` cells,
    ending with an ellipsis if it was cut; a first word that does not fit is cut inside."""
    if cells(text) <= width:
        return text
    cut = fit(text, width)[:-1]
    boundary = cut.rfind(" ")
    if boundary > 0 and text[len(cut) : len(cut) + 1] != " ":
        cut = cut[:boundary]
    cut = cut.rstrip(" ,")
    return cut + "…" if cut else fit(text, width)
