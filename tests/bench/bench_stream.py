"""Streaming: a long Markdown reply, as fast as possible and at 200 tokens/s, against httpx-sse.

python tests/bench/bench_stream.py [--quick] [--runs N]

A server process (``_stream_server.py``) streams a 4,000-token Markdown reply (headings,
paragraphs, lists, three fenced code blocks, one of 200 lines), one token per SSE event,
(a) as fast as the socket takes it and (b) at 200 tokens/s. hcchat (``_stream_app.py``) shows it
on a real pseudo-terminal; the floor is a raw httpx-sse consumer (``_stream_floor.py``) of the
same stream. Floor and app runs alternate. All three are separate processes, so the CPU seconds
of each are its own.

- wall: from sending the request to the first frame after the reply is complete (app), or to
  the last event read (floor);
- lag: from the server writing the last byte to the frame that shows the last delta (app), or
  to the floor reading the last event; and to the last byte of that frame read from the
  terminal (what a user sees: a frame is on screen when all of it has arrived);
- bytes: what the app wrote to its terminal over a reply, and per frame;
- CPU: seconds of the process over the same span, and as a share of one core; RSS: the app's
  resident memory after the 16,000-token reply.

Targets (issue 18): (a) last delta on screen <= floor wall + 0.4 s; (b) lag to the last byte
< 50 ms and app CPU < 12 % of a core; 16,000 tokens (fast) cost at most 4x the CPU of 4,000;
RSS after the 16,000-token reply < 120 MB.
"""

from __future__ import annotations

import sys
from typing import Any

from _bench import Targets, isolated_home, parser, run_count, stat
from _stream_rig import Rig

TOKENS = 4000
LONG = 16000
RATE = 200.0


def _app_numbers(result: dict[str, Any]) -> dict[str, float]:
    if result.get("error"):
        raise RuntimeError(f"the reply failed: {result['error']}")
    last = result["server"]["last"]
    final = result["t_final_frame"]
    delta = result["t_last_delta_frame"] or final
    last_byte = result.get("t_last_byte") or delta
    return {
        "wall": final - result["t0"],
        "wall_delta": delta - result["t0"],
        "lag": delta - last,
        "lag_byte": last_byte - last,
        "lag_final": final - last,
        "bytes": result["bytes"],
        "bytes_per_frame": result["bytes"] / max(1, result["frame_count"]),
        "rss": result["rss"] / 2**20,
        "cpu": result["cpu"],
        "cpu_share": result["cpu"] / (final - result["t0"]),
        "appends": result["appends"],
    }


def _floor_numbers(result: dict[str, Any]) -> dict[str, float]:
    wall = result["end"] - result["start"]
    return {
        "wall": wall,
        "lag": result["end"] - result["server"]["last"],
        "cpu": result["cpu"],
        "cpu_share": result["cpu"] / wall,
    }


def _series(rows: list[dict[str, float]], key: str) -> list[float]:
    return [row[key] for row in rows]


def measure(rig: Rig, tokens: int, rate: float, runs: int) -> tuple[list[dict[str, float]], ...]:
    """Alternate floor and app runs; the numbers of each."""
    floor, app = [], []
    for _ in range(runs):
        floor.append(_floor_numbers(rig.floor(tokens, rate)))
        app.append(_app_numbers(rig.app(tokens, rate)))
    return floor, app


def main() -> int:
    args = parser(__doc__.splitlines()[0], runs=5, quick_runs=1).parse_args()
    runs = run_count(args)
    paced_tokens = 400 if args.quick else TOKENS
    targets = Targets()
    with isolated_home(), Rig() as rig:
        rig.app(200, 0)  # warm up: connection, first Markdown parser, code paths
        fast_floor, fast_app = measure(rig, TOKENS, 0, runs)
        paced_floor, paced_app = measure(rig, paced_tokens, RATE, max(1, (runs + 1) // 2))
        long_app: list[dict[str, float]] = []
        if not args.quick:
            long_app = measure(rig, LONG, 0, max(1, (runs + 1) // 2))[1]

    print(f"(a) {TOKENS} tokens as fast as possible, {runs} runs")
    floor_wall, app_wall = stat(_series(fast_floor, "wall")), stat(_series(fast_app, "wall"))
    print(f"  floor (httpx-sse) wall:       {floor_wall.show()}")
    print(f"  floor CPU:                    {stat(_series(fast_floor, 'cpu')).show()}")
    print(f"  hcchat wall to full render:   {app_wall.show()}")
    print(f"  hcchat wall to last delta:    {stat(_series(fast_app, 'wall_delta')).show()}")
    fast_cpu = stat(_series(fast_app, "cpu"))
    print(f"  hcchat CPU:                   {fast_cpu.show()}")
    print(f"  Markdown appends per reply:   {stat(_series(fast_app, 'appends')).show('', 1, 0)}")
    print(
        f"  bytes written to the terminal:  {stat(_series(fast_app, 'bytes')).show('KB', 1e-3, 0)}"
    )
    delta_wall = stat(_series(fast_app, "wall_delta"))
    budget = floor_wall.median + 0.4
    print(
        f"  budget floor + 0.4 s = {budget:.3f} s; hcchat/floor wall = "
        f"{delta_wall.median / floor_wall.median:.1f}x"
    )
    targets.check(
        "(a) last delta on screen <= floor + 0.4 s",
        delta_wall.median <= budget,
        f"{delta_wall.median:.3f} s vs {budget:.3f} s",
    )

    print(f"\n(b) {paced_tokens} tokens at {RATE:.0f} tokens/s")
    lag, floor_lag = stat(_series(paced_app, "lag")), stat(_series(paced_floor, "lag"))
    share = stat(_series(paced_app, "cpu_share"))
    print(f"  floor lag (last byte -> read):  {floor_lag.show('ms', 1000, 1)}")
    print(f"  hcchat lag (last byte -> frame): {lag.show('ms', 1000, 1)}")
    lag_byte = stat(_series(paced_app, "lag_byte"))
    print(f"  hcchat lag to that frame's last byte on the terminal: {lag_byte.show('ms', 1000, 1)}")
    print(
        f"  bytes written over the reply:  {stat(_series(paced_app, 'bytes')).show('KB', 1e-3, 0)}"
    )
    per_frame = stat(_series(paced_app, "bytes_per_frame"))
    print(f"  bytes per frame:               {per_frame.show('B', 1, 0)}")
    lag_final = stat(_series(paced_app, "lag_final"))
    floor_share = stat(_series(paced_floor, "cpu_share"))
    print(f"  hcchat lag to final frame:     {lag_final.show('ms', 1000, 1)}")
    print(f"  floor CPU share of a core:     {floor_share.show('%', 100, 1)}")
    print(f"  hcchat CPU share of a core:    {share.show('%', 100, 1)}")
    print(f"  hcchat CPU seconds:            {stat(_series(paced_app, 'cpu')).show()}")
    print(f"  Markdown appends per reply:    {stat(_series(paced_app, 'appends')).show('', 1, 0)}")
    targets.check(
        "(b) lag to the last byte < 50 ms",
        lag_byte.median < 0.05,
        f"{lag_byte.median * 1000:.0f} ms",
    )
    targets.check("(b) CPU < 12 % of a core", share.median < 0.12, f"{share.median * 100:.1f} %")

    if long_app:
        long_cpu = stat(_series(long_app, "cpu"))
        long_wall = stat(_series(long_app, "wall"))
        print(f"\n{LONG} tokens as fast as possible")
        print(f"  hcchat wall to full render:   {long_wall.show()}")
        print(f"  hcchat CPU:                   {long_cpu.show()}")
        cost = long_cpu.median / fast_cpu.median
        walls = long_wall.median / app_wall.median
        print(f"  CPU {LONG} / {TOKENS} = {cost:.2f}x (wall {walls:.2f}x)")
        rss = stat(_series(long_app, "rss"))
        print(f"  RSS after the reply:          {rss.show('MB', 1, 1)}")
        targets.check("16,000 tokens cost <= 4x 4,000", cost <= 4.0, f"{cost:.2f}x CPU")
        targets.check("RSS after 16,000 tokens < 120 MB", rss.median < 120, f"{rss.median:.0f} MB")
    return targets.report(smoke=args.quick)


if __name__ == "__main__":
    sys.exit(main())
