"""Keystroke latency while a long reply streams, against the same keys typed into the idle app.

python tests/bench/bench_keys.py [--quick] [--runs N]

hcchat runs on a real pseudo-terminal (``_stream_app.py``, see bench_stream.py). While the
4,000-token reply of bench_stream (a) streams as fast as it can, this script writes a key into
the terminal every 30-70 ms, as a typist would. For each key: the time from writing it to the
prompt's text changing (``TextArea.edit`` returned), and to the first frame written after that
(the character on screen). The floor: the same typing into the idle app, in the same run.
Only keys written before the reply finished count.

Targets (issue 18; issue 5 before): typed characters appear in the prompt within 50 ms median,
and on screen (the next frame) within 100 ms p95.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from typing import Any

from _bench import Targets, isolated_home, parser, run_count, stat
from _stream_rig import Rig

TOKENS = 4000


def _latencies(result: dict[str, Any], typed: list[float]) -> tuple[list[float], list[float]]:
    """(to text change, to frame) for each typed key written before the run ended."""
    edits: list[list[float]] = result["edits"]
    frames: list[float] = result["frames"]
    to_text, to_frame = [], []
    for number, written in enumerate(typed, 1):
        if written >= result["t_done"]:
            break
        changed = next((t for t, length in edits if length >= number), None)
        if changed is None:
            continue
        to_text.append(changed - written)
        shown = next((t for t in frames if t >= changed), None)
        if shown is not None:
            to_frame.append(shown - written)
    return to_text, to_frame


def typed_during(rig: Rig, tokens: int, idle: float, seed: int) -> tuple[list[float], list[float]]:
    """Type into the app while it streams ``tokens`` (or idles ``idle`` s); the latencies."""
    stop = threading.Event()
    typed: list[float] = []
    rng = random.Random(seed)

    def typist() -> None:
        while not stop.is_set() and len(typed) < 500:
            typed.append(rig.type("x"))
            time.sleep(rng.uniform(0.03, 0.07))

    thread = threading.Thread(target=typist)
    result = rig.app(tokens, 0, while_streaming=thread.start, idle=idle)
    stop.set()
    thread.join()
    return _latencies(result, typed)


def main() -> int:
    args = parser(__doc__.splitlines()[0], runs=5, quick_runs=1).parse_args()
    runs = run_count(args)
    targets = Targets()
    idle_text: list[float] = []
    idle_frame: list[float] = []
    busy_text: list[float] = []
    busy_frame: list[float] = []
    with isolated_home(), Rig() as rig:
        rig.app(200, 0)  # warm up
        for run in range(runs):
            text, frame = typed_during(rig, 0, idle=1.5, seed=run)
            idle_text += text
            idle_frame += frame
            text, frame = typed_during(rig, TOKENS, idle=0.0, seed=100 + run)
            busy_text += text
            busy_frame += frame
    if not busy_text:
        print("no key was typed while the reply streamed")
        return 1
    floor, busy = stat(idle_text), stat(busy_text)
    print(
        f"{len(busy_text)} keys typed during {runs} streams of {TOKENS} tokens; "
        f"{len(idle_text)} into the idle app"
    )
    print(
        f"idle app (floor), key -> text:   {floor.show('ms', 1000, 1)}, p95 "
        f"{floor.quantile(0.95) * 1000:.1f} ms"
    )
    print(f"idle app (floor), key -> frame:  {stat(idle_frame).show('ms', 1000, 1)}")
    print(
        f"while streaming, key -> text:    {busy.show('ms', 1000, 1)}, p95 "
        f"{busy.quantile(0.95) * 1000:.1f} ms"
    )
    shown = stat(busy_frame)
    print(
        f"while streaming, key -> frame:   {shown.show('ms', 1000, 1)}, p95 "
        f"{shown.quantile(0.95) * 1000:.1f} ms"
    )
    print(f"median ratio to the floor: {busy.median / floor.median:.1f}x")
    targets.check("median < 50 ms", busy.median < 0.05, f"{busy.median * 1000:.1f} ms")
    p95 = shown.quantile(0.95)
    targets.check("p95 to the frame < 100 ms", p95 < 0.1, f"{p95 * 1000:.1f} ms")
    return targets.report(smoke=args.quick)


if __name__ == "__main__":
    sys.exit(main())
