"""Comparing models: three replies streaming at once at 200 tokens/s each, against one.

python tests/bench/bench_compare.py [--quick] [--runs N]

The server process (``_stream_server.py``) streams the 4,000-token Markdown reply of
bench_stream to each of three models at once (``/compare on`` mode: one request per model), at
200 tokens/s each; hcchat (``_stream_app.py``) shows the three columns side by side on a real
120x40 pseudo-terminal, while this script types a key into the terminal every
30-70 ms, as bench_keys does. The floor, in the same run and alternating with it: the same
reply from one model, typed into the same way.

- lag per column: from the server writing that model's last byte to the first frame after
  the append that completed its column's Markdown;
- keystroke: from writing a key to the prompt's text changing (keys written while streaming);
- CPU: seconds of the app's process from sending the prompt to the final frame, as a share of
  one core.

Targets (issue 14): lag < 150 ms for every column, keystroke p95 < 150 ms, CPU < 60 % of a core.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from typing import Any

from _bench import Targets, isolated_home, parser, run_count, stat
from _stream_rig import Rig
from bench_keys import _latencies

TOKENS = 4000
RATE = 200.0
MODELS = ["bench-alpha", "bench-beta", "bench-gamma"]


def _typed_run(rig: Rig, tokens: int, models: list[str] | None, seed: int) -> dict[str, Any]:
    """One paced run (compared when ``models``), typed into; its result and key latencies."""
    stop = threading.Event()
    typed: list[float] = []
    rng = random.Random(seed)

    def typist() -> None:
        while not stop.is_set() and len(typed) < 2000:
            typed.append(rig.type("x"))
            time.sleep(rng.uniform(0.03, 0.07))

    thread = threading.Thread(target=typist)
    result = rig.app(tokens, RATE, while_streaming=thread.start, models=models)
    stop.set()
    thread.join()
    result["keys"] = _latencies(result, typed)[0]
    return result


def _column_lags(result: dict[str, Any]) -> dict[str, float]:
    lags = {}
    for column in result["columns"]:
        if column["error"]:
            raise RuntimeError(f"{column['model']} failed: {column['error']}")
        shown = column["t_last_delta_frame"] or result["t_final_frame"]
        lags[column["model"]] = shown - result["servers"][column["model"]]["last"]
    return lags


def _single_lag(result: dict[str, Any]) -> float:
    if result.get("error"):
        raise RuntimeError(f"the reply failed: {result['error']}")
    shown = result["t_last_delta_frame"] or result["t_final_frame"]
    return float(shown - result["server"]["last"])


def _share(result: dict[str, Any]) -> float:
    return float(result["cpu"] / (result["t_final_frame"] - result["t0"]))


def main() -> int:
    args = parser(__doc__.splitlines()[0], runs=3, quick_runs=1).parse_args()
    runs = run_count(args)
    tokens = 400 if args.quick else TOKENS
    targets = Targets()
    lags: dict[str, list[float]] = {model: [] for model in MODELS}
    shares, keys = [], []
    one_lags, one_shares, one_keys = [], [], []
    with isolated_home(), Rig() as rig:
        rig.app(200, 0, models=MODELS)  # warm up: connections, parsers, code paths
        for run in range(runs):
            single = _typed_run(rig, tokens, None, seed=run)
            one_lags.append(_single_lag(single))
            one_shares.append(_share(single))
            one_keys += single["keys"]
            compared = _typed_run(rig, tokens, MODELS, seed=100 + run)
            for model, lag in _column_lags(compared).items():
                lags[model].append(lag)
            shares.append(_share(compared))
            keys += compared["keys"]

    print(f"{len(MODELS)} models x {tokens} tokens at {RATE:.0f} tokens/s each, {runs} runs")
    for model in MODELS:
        print(f"  lag, {model}:  {stat(lags[model]).show('ms', 1000, 1)}")
    one = stat(one_lags)
    print(f"  floor: one model's lag:     {one.show('ms', 1000, 1)}")
    share, one_share = stat(shares), stat(one_shares)
    print(f"  CPU share of a core:        {share.show('%', 100, 1)}")
    print(f"  floor: one model's CPU:     {one_share.show('%', 100, 1)}")
    print(f"  CPU ratio three / one:      {share.median / one_share.median:.2f}x")
    if not keys:
        print("no key was typed while the replies streamed")
        return 1
    typed, one_typed = stat(keys), stat(one_keys)
    p95, one_p95 = typed.quantile(0.95), one_typed.quantile(0.95)
    print(f"  keys while streaming:       {typed.show('ms', 1000, 1)}, p95 {p95 * 1000:.1f} ms")
    print(
        f"  floor: keys, one model:     {one_typed.show('ms', 1000, 1)}, "
        f"p95 {one_p95 * 1000:.1f} ms"
    )
    worst = max(stat(lags[model]).median for model in MODELS)
    targets.check("lag < 150 ms per column", worst < 0.15, f"worst median {worst * 1000:.0f} ms")
    targets.check("keystroke p95 < 150 ms", p95 < 0.15, f"{p95 * 1000:.1f} ms")
    targets.check("CPU < 60 % of a core", share.median < 0.6, f"{share.median * 100:.0f} %")
    return targets.report(smoke=args.quick)


if __name__ == "__main__":
    sys.exit(main())
