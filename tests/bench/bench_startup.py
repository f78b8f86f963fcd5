"""Start-up: process start to the first full frame of the chat screen, against a minimal app.

python tests/bench/bench_startup.py [--quick] [--runs N]

Each run starts a fresh Python process on a pseudo-terminal (120x40, the real Linux driver, so
the frame is really rendered and written) and times it from just before ``fork`` to the moment
the first full frame has been written (``tests/bench/_launch.py`` reports it over a pipe). The
floor is a minimal Textual app showing one Static, started the same way, interleaved with hcchat
runs so both see the same machine noise. The sessions folder holds a few sessions, so reading
the session index before the first frame would show (and is reported).

Targets (issue 18; issue 5 before): median at most 1.25x the minimal app's, and under 0.6 s;
no model list, session index, Markdown parser or other module in ``_launch.WATCHED`` (what a
new chat's first frame does not show) loaded before the first frame.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time

from _bench import BENCH, Targets, isolated_home, parser, ratio, run_count, sessions_folder, stat

TIMEOUT = 30.0


def _drain(master: int) -> None:
    """Read the terminal's output so the child never blocks writing it."""
    while True:
        try:
            if not os.read(master, 65536):
                return
        except OSError:
            return


def launch(kind: str, *arguments: str) -> tuple[float, dict[str, object]]:
    """Run ``_launch.py kind`` on a new pseudo-terminal; seconds to its first frame, its report
    (with ``cpu``: the CPU seconds the process used, user and system; it ends at the frame)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    read_end, write_end = os.pipe()
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
    # the warm-up start writes hcchat's .pyc files, as installing it does (Textual's are in
    # site-packages already); without them every start compiles hcchat again (~0.1 s)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    drain = threading.Thread(target=_drain, args=(master,), daemon=True)
    drain.start()
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, str(BENCH / "_launch.py"), kind, str(write_end), *arguments],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        pass_fds=(write_end,),
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as report:
            line = report.readline()
        # it ends at once after reporting; wait4 also gives what it used
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
    if not line:
        raise RuntimeError(f"{kind}: the child ended without reporting a frame")
    data = json.loads(line)
    data["cpu"] = usage.ru_utime + usage.ru_stime
    return float(data["t"]) - started, data


def main() -> int:
    args = parser(__doc__.splitlines()[0], runs=15, quick_runs=3).parse_args()
    runs = run_count(args)
    targets = Targets()
    with isolated_home() as home:
        folder = sessions_folder(home)
        subprocess.run(
            [sys.executable, str(BENCH / "make_sessions.py"), str(folder), "--count", "50"],
            check=True,
        )
        os.environ["HCCHAT_BASE_URL"] = "http://127.0.0.1:9/v1"  # nothing listens: no request
        # one unmeasured start of each warms the OS file cache and the .pyc files
        launch("minimal")
        launch("chat")
        minimal: list[float] = []
        chat: list[float] = []
        minimal_cpu: list[float] = []
        chat_cpu: list[float] = []
        reports: list[dict[str, object]] = []
        for _ in range(runs):
            elapsed, report = launch("minimal")
            minimal.append(elapsed)
            minimal_cpu.append(float(report["cpu"]))  # type: ignore[arg-type]
            elapsed, report = launch("chat")
            chat.append(elapsed)
            chat_cpu.append(float(report["cpu"]))  # type: ignore[arg-type]
            reports.append(report)
            if (folder / ".index.json").exists():
                (folder / ".index.json").unlink()
    floor, app = stat(minimal), stat(chat)
    ratios = stat([c / m for c, m in zip(chat, minimal, strict=True)])
    print(f"minimal Textual app (floor): {floor.show('ms', 1000, 0)}")
    print(f"hcchat chat screen:          {app.show('ms', 1000, 0)}")
    print(f"ratio of medians: {ratio(app.median, floor.median)}; per-pair ratio {ratios.show('x')}")
    # CPU seconds to the frame change much less with the machine's load than the wall does
    floor_cpu, app_cpu = stat(minimal_cpu), stat(chat_cpu)
    print(f"CPU to the first frame: minimal {floor_cpu.show('ms', 1000, 0)}")
    print(f"                        hcchat  {app_cpu.show('ms', 1000, 0)}")
    print(f"CPU ratio of medians: {ratio(app_cpu.median, floor_cpu.median)}")
    loaded = sorted({name for r in reports for name in r.get("loaded", [])})  # type: ignore[attr-defined]
    index_read = any(r.get("index_read") for r in reports)
    client_made = any(r.get("client_made") for r in reports)
    print(f"loaded before the first frame: {', '.join(loaded) or 'none of the watched modules'}")
    print(f"session index read: {index_read}; HTTP client (model list) made: {client_made}")
    targets.check(
        "at most 1.25x the minimal app",
        app.median <= 1.25 * floor.median,
        f"{ratio(app.median, floor.median)} "
        f"({app.median * 1000:.0f} / {floor.median * 1000:.0f} ms)",
    )
    targets.check("under 0.6 s median", app.median < 0.6, f"{app.median * 1000:.0f} ms")
    targets.check(
        "nothing deferred is loaded before the first frame",
        not index_read and not client_made and not loaded,
        f"loaded: {', '.join(loaded) or 'none'}; index read: {index_read}; "
        f"client made: {client_made}",
    )
    return targets.report(smoke=args.quick)


if __name__ == "__main__":
    sys.exit(main())
