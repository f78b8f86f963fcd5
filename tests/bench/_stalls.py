"""Where the event loop stalls: a watchdog thread that samples the main thread's stack.

``BENCH_STALLS=/path`` makes ``_stream_app.py`` start one. A callback on the loop notes the time
every 2 ms; while it is late by more than ``THRESHOLD`` the watchdog samples the main thread's
stack every 2 ms, and gc callbacks note each collection's generation and length. At the end of
a run it appends to the file every stall longer than ``THRESHOLD``, with its samples folded by
innermost frames (hcchat's and Textual's), the collections inside it, and a histogram.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import sys
import threading
import time
import traceback
from typing import Any

THRESHOLD = 0.05
INTERVAL = 0.002


class StallTracer:
    def __init__(self) -> None:
        self._tick = time.monotonic()
        self._main = threading.get_ident()
        self._stalls: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None
        self._gc: list[tuple[float, float, int]] = []
        self._gc_start = 0.0
        self._stop = threading.Event()
        self._timed: dict[str, list[float]] = {}
        self._layouts: collections.Counter[str] = collections.Counter()

    def time_calls(self, owner: Any, name: str) -> None:
        """Keep how long each call of ``owner.name`` (a function or a coroutine) took."""
        real = getattr(owner, name)
        spans = self._timed.setdefault(f"{owner.__name__}.{name}", [])
        if asyncio.iscoroutinefunction(real):

            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await real(*args, **kwargs)
                finally:
                    spans.append(time.perf_counter() - start)

            setattr(owner, name, timed_async)
        else:

            def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return real(*args, **kwargs)
                finally:
                    spans.append(time.perf_counter() - start)

            setattr(owner, name, timed)

    def count_layouts(self) -> None:
        """Count, by widget class, the refreshes that ask for a layout of the screen."""
        from textual.widget import Widget

        real = Widget.refresh
        counts = self._layouts

        def refresh(widget: Widget, *regions: Any, layout: bool = False, **kwargs: Any) -> Any:
            if layout:
                counts[type(widget).__name__] += 1
            return real(widget, *regions, layout=layout, **kwargs)

        Widget.refresh = refresh  # type: ignore[method-assign]

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        def beat() -> None:
            self._tick = time.monotonic()
            loop.call_later(INTERVAL, beat)

        loop.call_soon(beat)
        gc.callbacks.append(self._on_gc)
        threading.Thread(target=self._watch, daemon=True).start()

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.monotonic()
        else:
            self._gc.append((self._gc_start, time.monotonic(), info["generation"]))

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self._sample()
            except Exception as error:
                print(f"stall tracer: {error!r}", file=sys.stderr)

    def _sample(self) -> None:
        time.sleep(INTERVAL)
        now = time.monotonic()
        late = now - self._tick
        if late > THRESHOLD:
            if self._current is None or self._current["start"] != self._tick:
                self._current = {"start": self._tick, "end": now, "samples": []}
                self._stalls.append(self._current)
            self._current["end"] = now
            frame = sys._current_frames().get(self._main)
            try:
                stack = traceback.extract_stack(frame) if frame is not None else None
            except Exception as error:  # a frame that went away while read
                self._current["samples"].append(f"(unreadable: {error!r})")
            else:
                if stack is not None:
                    self._current["samples"].append(_fold(stack))

    def report(self, out: Any, label: str) -> None:
        stalls, self._stalls = self._stalls, []
        collections_, self._gc = self._gc, []
        self._current = None
        lengths = sorted(s["end"] - s["start"] for s in stalls)
        out.write(f"== {label}: {len(stalls)} stalls > {THRESHOLD * 1000:.0f} ms")
        if lengths:
            out.write(f", longest {lengths[-1] * 1000:.0f} ms, total {sum(lengths):.2f} s")
        out.write("\n")
        long_gc = [(a, b, g) for a, b, g in collections_ if b - a > 0.01]
        shown = [(g, round((b - a) * 1000)) for a, b, g in long_gc]
        out.write(f"   collections > 10 ms (generation, ms): {shown}\n")
        for name, spans in self._timed.items():
            if spans:
                ordered = sorted(spans)
                q = [ordered[int(f * (len(ordered) - 1))] * 1000 for f in (0.5, 0.95, 1.0)]
                out.write(
                    f"   {name}: n={len(spans)} total {sum(spans):.2f} s, median {q[0]:.1f} ms,"
                    f" p95 {q[1]:.1f} ms, max {q[2]:.1f} ms\n"
                )
                spans.clear()
        if self._layouts:
            out.write(f"   layout refreshes asked by: {dict(self._layouts.most_common(12))}\n")
            self._layouts.clear()
        folded: collections.Counter[str] = collections.Counter()
        for stall in stalls:
            for sample in stall["samples"]:
                folded[sample] += 1
        for stack, count in folded.most_common(25):
            out.write(f"  {count:5d}  {stack}\n")
        for stall in sorted(stalls, key=lambda s: s["start"] - s["end"])[:8]:
            inside = [
                (g, round((b - a) * 1000))
                for a, b, g in collections_
                if a >= stall["start"] - 0.01 and b <= stall["end"] + 0.01
            ]
            out.write(f"  stall {1000 * (stall['end'] - stall['start']):.0f} ms, gc {inside}\n")
            seen: collections.Counter[str] = collections.Counter(stall["samples"])
            for stack, count in seen.most_common(4):
                out.write(f"      {count:4d}  {stack}\n")


def _fold(stack: traceback.StackSummary) -> str:
    names = []
    for entry in stack:
        path = entry.filename
        if "/app/" in path or "textual/" in path or "rich/" in path or "markdown_it" in path:
            short = path.rsplit("/", 1)[-1].removesuffix(".py")
            names.append(f"{short}.{entry.name}")
    return " > ".join(names[-7:])
