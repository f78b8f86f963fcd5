"""Sleeping messages: far from the viewport, a message gives up its widgets and keeps its place.

A sleeping message is hidden (``display: none``), and one ``SleepGap`` before each run of them
keeps their height. Knows messages only by two attributes (``hibernating``, ``sleep_height``),
so it is below both the message widgets and the conversation.
"""

from __future__ import annotations

from textual.widget import Widget

from app.ui._textual_private import anchor_released, is_anchored

# Rows between two messages: a message's top margin (styles/chat.tcss); a SleepGap has it too.
MESSAGE_MARGIN = 1


def is_sleeping(widget: Widget) -> bool:
    """Whether ``widget`` is a message that hibernates (hidden behind a gap)."""
    return bool(getattr(widget, "hibernating", False))


def sleep_height(widget: Widget) -> int:
    """The height a sleeping message had when it went to sleep."""
    height: int = getattr(widget, "sleep_height", 0)
    return height


class SleepGap(Widget):
    """The room a run of hibernating (hidden) messages takes, laid out as one widget.

    Textual lays out every displayed child of the conversation on each change of its layout:
    with 1,000 messages mounted, a hidden message instead of a sleeping one of fixed height
    took that from 59 ms to 1 ms.
    """


async def fit_gaps(container: Widget) -> None:
    """Put a ``SleepGap`` before each run of hibernating messages of ``container``, as tall as it.

    Each message has a top margin of ``MESSAGE_MARGIN`` rows, and so has the gap.
    """
    children = list(container.children)
    runs: list[tuple[int, int]] = []  # (where the run starts in children, the rows it takes)
    start, rows = -1, 0
    for position, child in enumerate(children):
        if is_sleeping(child):
            if start < 0:
                start, rows = position, -MESSAGE_MARGIN  # the first margin is the gap's own
            rows += sleep_height(child) + MESSAGE_MARGIN
        elif not isinstance(child, SleepGap) and start >= 0:
            runs.append((start, rows))
            start = -1
    if start >= 0:
        runs.append((start, rows))
    kept: set[SleepGap] = set()
    new: list[tuple[SleepGap, Widget]] = []
    for start, rows in runs:
        before = children[start - 1] if start else None
        gap = before if isinstance(before, SleepGap) and before not in kept else SleepGap()
        if gap.styles.height is None or gap.styles.height.value != rows:
            gap.styles.height = rows
        if gap is before:
            kept.add(gap)
        else:
            new.append((gap, children[start]))
    stale = [child for child in children if isinstance(child, SleepGap) and child not in kept]
    with container.app.batch_update():
        for gap, first in new:
            await container.mount(gap, before=first)
        if stale:
            await container.remove_children(stale)


def follows_bottom(pane: Widget) -> bool:
    """Whether a scrolling pane keeps to its bottom (anchored, and the reader has not scrolled up).

    Textual has no public test for an anchor the reader released by scrolling.
    """
    return is_anchored(pane) and not anchor_released(pane)
