"""The scrolling pane of messages: keeps what is near the viewport whole, lets the rest sleep."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.message import Message as UIMessage
from textual.timer import Timer
from textual.widget import Widget

from app.ui.widgets._sleep import MESSAGE_MARGIN, SleepGap, fit_gaps, follows_bottom

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from app.ui.widgets._messages import MessageView

# Messages within WAKE_SCREENS screens of the viewport are woken;
# those more than KEEP_SCREENS screens away hibernate. A gap between the two would keep what was
# just scrolled past from going back and forth, but it keeps more widgets mounted while a long
# reply streams, and each layout then costs more: 561 ms of lag at the end of a 200 tokens/s
# reply with 3 screens kept, 317 ms with 1, and no smoother scrolling.
WAKE_SCREENS = 1
KEEP_SCREENS = 1
# How long scrolling or growth must pause before messages are hibernated or woken.
TIDY_DELAY = 0.1
# The most frames to wait for older messages mounted above the viewport to take their size.
SETTLE_FRAMES = 30
# ... and they have taken it when nothing has moved for this many frames.
STILL_FRAMES = 3


class Conversation(VerticalScroll):
    """The scrolling pane of messages; asks for older messages when scrolled to the top.

    Only what is near the viewport is kept whole: messages more than ``KEEP_SCREENS`` screens
    away hibernate, keeping their height but not their widgets, and wake when they come near
    again. Each layout of the screen then costs the same however long the conversation, and so
    does its memory.
    """

    class NeedEarlier(UIMessage):
        """The user scrolled to the top and older messages are not mounted yet."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tidy_timer: Timer | None = None
        self._pin_timer: Timer | None = None
        self._tidying = self._tidy_again = False

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new <= 0 < old:
            self.post_message(self.NeedEarlier())
        self.schedule_tidy()

    def watch_virtual_size(self) -> None:
        self.schedule_tidy()

    def scroll_end(self, **kwargs: Any) -> None:
        super().scroll_end(**kwargs)
        # it anchors the pane to its end, and the layout then scrolls it without telling
        # ``watch_scroll_y``: tidy for the end now
        self.schedule_tidy()

    def anchor(self, anchor: bool = True) -> None:
        super().anchor(anchor)
        self.schedule_tidy()

    @property
    def tidy_top(self) -> int:
        """The top of the viewport in the content, or where the layout is about to put it."""
        if follows_bottom(self):
            return round(self.max_scroll_y)
        return round(self.scroll_y)

    def on_resize(self) -> None:
        self.schedule_tidy()

    def content_y(self, widget: Widget) -> int:
        """Where ``widget`` is in the conversation, from the top of its content, up to a constant.

        Made from laid-out positions relative to each parent, so it does not change when the
        reader scrolls, only when what is above ``widget`` changes size.
        """
        y = 0
        node: DOMNode | None = widget
        while isinstance(node, Widget) and node is not self:
            y += node.virtual_region.y
            node = node.parent
        return y

    def keep_in_place(self, widget: Widget) -> None:
        """Keep ``widget`` where the reader sees it while what is above it changes size.

        Messages mounted or woken above the viewport take their size over a few frames (their
        Markdown is parsed in the background): scroll by as much as they push ``widget`` down
        (or pull it up), until nothing has moved for a few frames. Scrolling by the reader is
        left alone.
        """
        if self._pin_timer is not None:
            self._pin_timer.stop()
        last = self.content_y(widget)
        still = 0

        def follow() -> None:
            nonlocal last, still
            y = self.content_y(widget)
            if y != last and widget.is_attached:
                self.scroll_to(y=self.scroll_y + y - last, animate=False, immediate=True)
                last, still = y, 0
            else:
                still += 1
            if still == STILL_FRAMES and self._pin_timer is not None:
                self._pin_timer.stop()
                self._pin_timer = None

        self._pin_timer = self.set_interval(1 / 60, follow, repeat=SETTLE_FRAMES)

    def schedule_tidy(self) -> None:
        """Hibernate and wake messages once scrolling or growing has paused."""
        if self._tidy_timer is None and self.is_mounted:
            self._tidy_timer = self.set_timer(TIDY_DELAY, self.tidy)

    async def tidy(self) -> None:
        """Wake what is near the viewport; let what is far from it sleep."""
        self._tidy_timer = None
        if self._tidying:  # one pass at a time: two would wake and drop the same widgets
            self._tidy_again = True
            return
        self._tidying = True
        try:
            await self._tidy()
        finally:
            self._tidying = False
            if self._tidy_again:
                self._tidy_again = False
                self.schedule_tidy()

    async def _tidy(self) -> None:
        viewport = self.content_region
        if not viewport:
            return
        height = viewport.height
        top = self.tidy_top
        bottom = top + height
        anchor = None if follows_bottom(self) else self._first_in_view(viewport)
        if anchor is not None:
            # what wakes above may differ in size from what slept (after a width change): keep
            # the reader's place
            self.keep_in_place(anchor)
        woken: list[MessageView] = []
        sleeping: list[MessageView] = []
        for view, y, rows in self._positions():
            near = y + rows > top - height * WAKE_SCREENS and y < bottom + height * WAKE_SCREENS
            far = y + rows <= top - height * KEEP_SCREENS or y >= bottom + height * KEEP_SCREENS
            if near and view.hibernating:
                woken.append(view)
            elif far and view.can_hibernate:
                sleeping.append(view)
        if woken or sleeping:
            # one layout for all of it, not one per message
            with self.app.batch_update():
                for view in sleeping:
                    await view.hibernate(fit=False)
                for view in woken:
                    await view.wake(fit=False)
                await fit_gaps(self)
        if not follows_bottom(self) and self.scroll_y < height:
            # near the top: older messages, if any, are wanted soon (a PageUp at the very top
            # changes nothing, so this does not wait for the scroll to reach it)
            self.post_message(self.NeedEarlier())

    def _positions(self) -> list[tuple[MessageView, int, int]]:
        """Each message with where it starts in the content and the rows it takes.

        A sleeping message is hidden: its place is worked out from the gap before its run.
        """
        # the message views and their Markdown are imported with the first message, not before
        # a new chat's first frame
        from app.ui.widgets._messages import MessageView

        positions: list[tuple[MessageView, int, int]] = []
        y = 0
        for child in self.children:
            if isinstance(child, SleepGap):
                y = child.virtual_region.y
            elif isinstance(child, MessageView):
                if child.hibernating:
                    positions.append((child, y, child.sleep_height))
                    y += child.sleep_height + MESSAGE_MARGIN  # and the next one's margin
                else:
                    region = child.virtual_region
                    positions.append((child, region.y, region.height))
        return positions

    def _first_in_view(self, viewport: Region) -> Widget | None:
        """The first message, or chunk of a long reply, on screen."""
        from app.ui.markdown import MarkdownBody
        from app.ui.widgets._messages import MessageView

        for view in self.query_children(MessageView):
            if view.hibernating or view.region.bottom <= viewport.y:
                continue
            for body in view.query_children(MarkdownBody):
                for chunk in body.chunks:
                    if chunk.region.bottom > viewport.y:
                        return chunk
            return view
        return None
