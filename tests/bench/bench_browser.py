"""Session browser and ``hcchat sessions list`` with 10,000 sessions of 20 messages.

python tests/bench/bench_browser.py [--quick] [--runs N] [--folder DIR] [--list-only]

The sessions come from ``make_sessions.py`` (or ``--folder``, a folder it made; its
``.index.json`` is deleted and rebuilt). "Cold" means no ``.index.json`` (every file is parsed;
the OS file cache is warm), "warm" means the index is there and up to date.

- ``hcchat sessions list``: a fresh process each run, output to a pipe; the floor is a Python
  process that lists the folder (scandir, stat, sort, print the names): the least a listing does.
  CPU seconds are shown beside the walls (a loaded machine stretches the walls much more), and
  the load average at each run. ``--list-only`` measures only this.
- browser first paint: hcchat runs headless in this process; from pushing the browser to the
  first frame that shows the newest sessions (a fresh app each run, so a fresh store). With a
  warm index the whole list is loaded by then; with a cold one, the newest files are parsed
  first and shown while the index is built, and when the whole list is in is shown too. The
  rows past the first screen are added in batches; when the last is in is shown.
- filter as you type: ``scarecrow`` typed a key every 120 ms; for each key, from posting it to
  the first frame after the table was refilled. Then how long the full-text matches take to
  show once typing stops (the search starts after a 150 ms pause).

Targets (issue 5): first paint < 1 s, < 200 ms per keystroke; (issue 18) ``sessions list``
< 1 s without an index and < 0.3 s with one, at most 6x / 2x the time ``cat`` takes to read
every file (measured in the same run).
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _bench import BENCH, Targets, isolated_home, parser, run_count, sessions_folder, stat

WORD = "scarecrow"
KEY_INTERVAL = 0.12

FLOOR_LIST = """
import os, sys
entries = [(e.name, e.stat().st_mtime) for e in os.scandir(sys.argv[1]) if e.name.endswith(".toml")]
entries.sort(key=lambda item: item[1], reverse=True)
sys.stdout.write("".join(name + "\\n" for name, _ in entries))
"""


def time_process(command: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of running ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, check=False)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace"))
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu


def cli_runs(folder: Path, runs: int) -> dict[str, list[float]]:
    """Wall-clock seconds of each command (and ``NAME_cpu``: its CPU seconds), interleaved."""
    index = folder / ".index.json"
    result: dict[str, list[float]] = {"load": []}
    listing = [sys.executable, "-m", "app", "sessions", "list"]
    files = sorted(str(path) for path in folder.glob("*.toml"))
    commands = {
        "floor": [sys.executable, "-c", FLOOR_LIST, str(folder)],
        "cat": ["cat", *files],
        "cold": listing,
        "warm": listing,
    }
    for _ in range(runs):
        result["load"].append(os.getloadavg()[0])
        for name, command in commands.items():
            if name == "cold":
                index.unlink(missing_ok=True)
            wall, cpu = time_process(command)
            result.setdefault(name, []).append(wall)
            result.setdefault(f"{name}_cpu", []).append(cpu)
    return result


class Probe:
    """Frames and table fills of the app under test, with their times."""

    def __init__(self) -> None:
        self.frames: list[float] = []
        self.fills: list[tuple[float, int]] = []

    def install(self) -> None:
        from textual.app import App

        from app.ui.screens import SessionBrowser

        display, fill = App._display, SessionBrowser.fill
        frames, fills = self.frames, self.fills

        def recording_display(app: App[Any], screen: Any, renderable: Any) -> None:
            display(app, screen, renderable)
            if renderable is not None:
                frames.append(time.monotonic())

        def recording_fill(browser: SessionBrowser, entries: list[Any]) -> None:
            fill(browser, entries)
            fills.append((time.monotonic(), len(entries)))

        App._display = recording_display  # type: ignore[method-assign]
        SessionBrowser.fill = recording_fill  # type: ignore[method-assign]

    async def frame_after(self, moment: float, timeout: float = 60.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((t for t in self.frames if t >= moment), None)
            if found is not None:
                return found
            await asyncio.sleep(0.002)
        raise TimeoutError("no frame")

    async def fill_after(self, moment: float, timeout: float = 60.0) -> tuple[float, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((f for f in self.fills if f[0] >= moment), None)
            if found is not None:
                return found
            await asyncio.sleep(0.002)
        raise TimeoutError("no fill")


def make_app(home: Path) -> Any:
    from app.config import Settings
    from app.ui._app import HCChatApp

    settings = Settings(
        api_key="sk-bench-not-a-real-key-0123456789",
        base_url="http://127.0.0.1:9/v1",
        model="bench/model",
        theme=None,
        system_prompt=None,
        keys={},
        params={},
        config_path=home / ".config" / "hcchat" / "config.toml",
        sessions_dir=sessions_folder(home),
        cache_dir=home / ".cache" / "hcchat",
        demo=False,
    )
    return HCChatApp(settings, idle_gc=True)


async def browser_run(home: Path, probe: Probe, total: int, typing: bool) -> dict[str, Any]:
    """Open the browser once (first paint); with ``typing``, also type the filter word."""
    from textual import events

    app = make_app(home)
    result: dict[str, Any] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        probe.frames.clear()
        probe.fills.clear()
        started = time.monotonic()
        app.open_session_browser()
        result["first_frame"] = await probe.frame_after(started) - started
        first_fill, _ = await probe.fill_after(started)
        result["first_rows"] = await probe.frame_after(first_fill) - started
        while True:
            filled_at, rows = await probe.fill_after(started)
            if rows >= total:
                break
            started_next = filled_at + 1e-9
            probe.fills[:] = [f for f in probe.fills if f[0] >= started_next]
        result["paint"] = await probe.frame_after(filled_at) - started
        # the table is filled in batches after the first rows: when is the last one in?
        table = app.screen.query_one("DataTable")
        while table.row_count < total:
            await asyncio.sleep(0.005)
        result["all_rows"] = await probe.frame_after(time.monotonic()) - started
        if not typing:
            return result
        await asyncio.sleep(0.3)
        keys: list[float] = []
        shown: list[int] = []
        for char in WORD:
            posted = time.monotonic()
            app.post_message(events.Key(char, char))
            filled_at, rows = await probe.fill_after(posted)
            keys.append(await probe.frame_after(filled_at) - posted)
            shown.append(rows)
            await asyncio.sleep(max(0.0, posted + KEY_INTERVAL - time.monotonic()))
        last_key = posted
        # full-text matches: the fill that follows the search (after SEARCH_DELAY)
        probe.fills[:] = [f for f in probe.fills if f[0] > filled_at]
        searched_at, matched = await probe.fill_after(filled_at + 1e-9)
        result["search"] = await probe.frame_after(searched_at) - last_key
        result["keys"] = keys
        result["rows"] = shown
        result["matched"] = matched
    return result


def browser_runs(home: Path, runs: int, total: int) -> dict[str, list[Any]]:
    probe = Probe()
    probe.install()
    index = sessions_folder(home) / ".index.json"
    out: dict[str, list[Any]] = {"cold": [], "warm": [], "cold_frame": [], "warm_frame": []}
    out["cold_first"] = []
    out.update(keys=[], search=[], rows=[], all_rows=[])
    for run in range(runs):
        index.unlink(missing_ok=True)
        cold = asyncio.run(browser_run(home, probe, total, typing=False))
        out["cold"].append(cold["paint"])
        out["cold_first"].append(cold["first_rows"])
        out["cold_frame"].append(cold["first_frame"])
        warm = asyncio.run(browser_run(home, probe, total, typing=True))
        out["warm"].append(warm["paint"])
        out["warm_frame"].append(warm["first_frame"])
        out["all_rows"].append(warm["all_rows"])
        out["keys"] += warm["keys"]
        out["search"].append(warm["search"])
        if run == 0:
            out["rows"] = list(zip(WORD, warm["rows"], strict=True))
            out["matched"] = [warm["matched"]]
    return out


def main() -> int:
    args = parser(__doc__.splitlines()[0], runs=5, quick_runs=1)
    args.add_argument("--folder", type=Path, help="sessions made by make_sessions.py, to reuse")
    args.add_argument("--list-only", action="store_true", help="only `hcchat sessions list`")
    options = args.parse_args()
    runs = run_count(options)
    count = 1000 if options.quick else 10_000
    targets = Targets()
    with isolated_home() as home:
        folder = sessions_folder(home)
        if options.folder is not None:
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.symlink_to(options.folder.resolve())
            count = sum(1 for name in os.listdir(folder) if name.endswith(".toml"))
        else:
            print(f"writing {count} sessions of 20 messages…", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    str(BENCH / "make_sessions.py"),
                    str(folder),
                    "--count",
                    str(count),
                    "--messages",
                    "20",
                ],
                check=True,
            )
        os.chdir(BENCH.parents[1])
        cli = cli_runs(folder, runs)
        browser = None if options.list_only else browser_runs(home, runs, count)
        (folder / ".index.json").unlink(missing_ok=True)
        if options.folder is None:
            shutil.rmtree(folder)

    floor, cold, warm = stat(cli["floor"]), stat(cli["cold"]), stat(cli["warm"])
    loads = ", ".join(f"{load:.1f}" for load in cli["load"])
    print(f"\n`hcchat sessions list`, {count} sessions, {runs} runs (load average: {loads})")
    cpu = {name: stat(cli[f"{name}_cpu"]).median for name in ("floor", "cat", "cold", "warm")}
    print(f"  floor (scandir + stat + print): {floor.show()}, CPU {cpu['floor']:.3f} s")
    print(
        f"  cold index (summaries):         {cold.show()}  = {cold.median / floor.median:.1f}x,"
        f" CPU {cpu['cold']:.3f} s"
    )
    print(
        f"  warm index:                     {warm.show()}  = {warm.median / floor.median:.1f}x,"
        f" CPU {cpu['warm']:.3f} s"
    )
    cat = stat(cli["cat"])
    print(f"  cat of every file:              {cat.show()}, CPU {cpu['cat']:.3f} s")
    to_cat = cold.median / cat.median, warm.median / cat.median
    print(f"  cold / cat = {to_cat[0]:.1f}x; warm / cat = {to_cat[1]:.1f}x")
    targets.check("sessions list < 0.3 s (warm index)", warm.median < 0.3, f"{warm.median:.3f} s")
    targets.check("sessions list < 1 s (cold index)", cold.median < 1.0, f"{cold.median:.3f} s")
    targets.check(
        "sessions list <= 2x cat (warm) and <= 6x cat (cold)",
        warm.median <= 2 * cat.median and cold.median <= 6 * cat.median,
        f"{warm.median / cat.median:.1f}x and {cold.median / cat.median:.1f}x",
    )

    if browser is None:
        return targets.report(smoke=options.quick)
    print("\nsession browser")
    print(f"  first frame of the browser:     {stat(browser['warm_frame']).show('ms', 1000, 0)}")
    bcold, bwarm = stat(browser["cold_first"]), stat(browser["warm"])
    print(f"  first rows on screen, cold index: {bcold.show('ms', 1000, 0)} (the newest files")
    print(f"    first, while the index is built; the whole list: {stat(browser['cold']).show()})")
    print(f"  first rows on screen, warm index: {bwarm.show('ms', 1000, 0)}")
    print(f"  every row in the table (warm):    {stat(browser['all_rows']).show('ms', 1000, 0)}")
    keys = stat(browser["keys"])
    print(
        f"  per keystroke (key -> refilled table on screen): {keys.show('ms', 1000, 0)}, "
        f"p95 {keys.quantile(0.95) * 1000:.0f} ms"
    )
    print(
        "  rows shown after each key: "
        + " ".join(f"{char}:{rows}" for char, rows in browser["rows"])
    )
    print(
        f"  full-text matches on screen after the last key: "
        f"{stat(browser['search']).show('ms', 1000, 0)} ({browser['matched'][0]} sessions)"
    )
    targets.check(
        "browser first paint < 1 s (warm index)",
        bwarm.median < 1.0,
        f"{bwarm.median * 1000:.0f} ms",
    )
    targets.check(
        "browser first paint < 1 s (cold index)",
        bcold.median < 1.0,
        f"{bcold.median * 1000:.0f} ms",
    )
    targets.check(
        "filter < 200 ms per keystroke (median)",
        keys.median < 0.2,
        f"{keys.median * 1000:.0f} ms (p95 {keys.quantile(0.95) * 1000:.0f} ms)",
    )
    return targets.report(smoke=options.quick)


if __name__ == "__main__":
    sys.exit(main())
