"""Full garbage collections while the user is idle, not in the middle of a scroll or a stream.

CPython's cyclic collector walks every tracked object in a full (generation 2) collection. With
a long session open that is several hundred thousand objects and 150-270 ms, during which no key
is handled and no frame is drawn: while PageUp was held through 1,000 messages, the 44 full
collections were the slowest presses. So:

* what exists once the first screen is drawn (modules, classes, the stylesheet, the session) is
  frozen (``gc.freeze``): the automatic collections made while the user scrolls or a reply
  streams walk only what was made since, and are short;
* while a reply streams, what survived since the last tick is frozen too: the replies keep
  what they lay out, so with three streaming at once (``/compare``) a full collection still came
  every few seconds and walked them all (270-290 ms, where a key waited);
* once the user has done nothing for ``IDLE_AFTER`` seconds and no reply is streaming, and the
  collector has run its older generations ``DUE_AFTER`` times since, everything is unfrozen,
  collected in full and frozen again. So a cycle that became garbage among frozen objects (a
  closed session's widgets) is still freed, at a moment nobody waits for.

Before that, while the app starts, the automatic collections are off (``pause_for_start``):
importing Textual and hcchat and building the first screen make objects that all live on, so
the collections run meanwhile (some 30 of them, one full, 60-80 ms of a 0.5 s start) find
nothing to free. ``resume_after_start`` (at the first frame) switches them on again.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

# Seconds without a key, click or scroll before a full collection may run.
IDLE_AFTER = 1.0
# Collections of generations 1 and 2 since the last full one before another is worth making:
# CPython makes a full one after 10 of generation 1 (its default threshold).
DUE_AFTER = 10
# While the user is busy, a full collection runs after this many of generation 1 (CPython: 10).
BUSY_THRESHOLD = 100


_paused = False  # the automatic collections were switched off by pause_for_start


def pause_for_start() -> None:
    """Switch the automatic collections off until ``resume_after_start`` (if they were on)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_after_start() -> None:
    """Switch the automatic collections on again if ``pause_for_start`` switched them off."""
    global _paused
    if _paused:
        gc.enable()
        _paused = False


class IdleCollector:
    """Decides when the full collections run; ``tick`` is called every half second or so."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_input = clock()
        self._older = 0  # collections of generation 1 or 2 since the last full one made here
        self.collections = 0  # full collections made here (for tests and benchmarks)
        self._thresholds = gc.get_threshold()

    def start(self) -> None:
        """Freeze what exists now (call once the first screen is drawn)."""
        gc.callbacks.append(self._count)
        gc.freeze()
        self._thresholds = gc.get_threshold()
        young, middle, _ = self._thresholds
        gc.set_threshold(young, middle, BUSY_THRESHOLD)

    def stop(self) -> None:
        """Unfreeze everything and stop counting (the app is closing)."""
        if self._count in gc.callbacks:
            gc.callbacks.remove(self._count)
            gc.set_threshold(*self._thresholds)
        gc.unfreeze()

    def input(self) -> None:
        """The user pressed a key, clicked or scrolled."""
        self._last_input = self._clock()

    def tick(self, *, busy: bool) -> bool:
        """Collect in full if the user is idle and one is due; True if it did.

        ``busy``: a reply is streaming; what exists now is frozen (see the module's notes).
        """
        if busy:
            gc.freeze()
            return False
        if self._older < DUE_AFTER or self._clock() - self._last_input < IDLE_AFTER:
            return False
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._older = 0
        self.collections += 1
        return True

    def _count(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info.get("generation", 0) >= 1:
            self._older += 1
