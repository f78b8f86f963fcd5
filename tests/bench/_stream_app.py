"""App process of bench_stream.py and bench_keys.py: hcchat on a real terminal, instrumented.

python tests/bench/_stream_app.py BASE_URL COMMAND_FD REPORT_FD   (stdin/stdout: a pseudo-terminal)

The app runs with Textual's real Linux driver on the terminal it is given, so every frame is
rendered and written, and keys typed into the terminal arrive as a user's would. For each JSON
command (``{"id", "tokens", "rate"}``) it opens a new session, sends ``bench id=… tokens=…
rate=…`` through ``ChatScreen.send`` (to each of ``"models"`` at once, in compare mode, when the
command names them: then ``columns`` reports each one's last delta) and waits for the reply to
finish (``{"idle": S}``
instead just waits S seconds, for keys typed into the idle app), then reports:

- ``t0``: when the prompt was sent; ``t_done``: when the streaming worker ended (after the
  final full render of the reply); ``t_final_frame``: the first frame written after that;
- ``t_last_append``: when the append that completed the reply's Markdown finished, and
  ``t_last_delta_frame``: the first frame written after it (the last delta on screen);
- ``cpu`` and ``cpu_stream``: CPU seconds of this process from ``t0`` to the final frame, and
  to the last-delta frame;
- ``edits``: ``[time, prompt length]`` after each edit of the prompt (typed keys), and
  ``frames``: the times of every frame written, for latency to screen.

All times are ``time.monotonic()``, one clock for every process of the machine.

``BENCH_PROFILE=FILE`` appends a pyinstrument profile of each run to FILE; ``BENCH_STALLS=FILE``
appends where the event loop stalled in each run (``_stalls.py``): the stacks sampled while it
was stuck, the long garbage collections, how long flushes and layouts took, and which widgets
asked for layouts.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from _proc import rss
from textual.app import App
from textual.drivers.linux_driver import LinuxDriver

from app.config import Settings
from app.ui._app import HCChatApp
from app.ui.markdown import MarkdownBody
from app.ui.widgets import PromptArea, ReplyView

frames: list[float] = []
frame_bytes: list[int] = []  # bytes written to the terminal by the end of each frame
written = [0]  # bytes written to the terminal so far (as the terminal gets them)
appends: list[tuple[float, int, int]] = []
edits: list[tuple[float, int]] = []

_display = App._display


def _recording_display(self: App[Any], screen: Any, renderable: Any) -> None:
    _display(self, screen, renderable)
    if renderable is not None:
        frames.append(time.monotonic())
        frame_bytes.append(written[0])


_driver_write = LinuxDriver.write


def _counting_write(self: LinuxDriver, data: str) -> None:
    # the terminal's output processing (ONLCR) turns each "\n" into "\r\n"
    written[0] += len(data.encode("utf-8", "replace")) + data.count("\n")
    _driver_write(self, data)


_write = MarkdownBody.write


async def _recording_write(self: MarkdownBody, text: str) -> None:
    await _write(self, text)
    appends.append((time.monotonic(), id(self), len(self.source)))


App._display = _recording_display  # type: ignore[method-assign]
LinuxDriver.write = _counting_write  # type: ignore[method-assign]
MarkdownBody.write = _recording_write  # type: ignore[method-assign]


def _first_after(moment: float) -> float | None:
    return next((t for t in frames if t >= moment), None)


async def _frame_after(moment: float, timeout: float = 2.0) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _first_after(moment)
        if found is not None:
            return found
        await asyncio.sleep(0.002)
    return None


async def run(app: HCChatApp, command: dict[str, Any], report: Any) -> dict[str, Any]:
    chat = app.chat
    await chat.action_new_session()
    prompt = chat.query_one(PromptArea)
    prompt.clear()
    prompt.focus()
    edit = prompt.edit

    def recording_edit(change: Any) -> Any:
        result = edit(change)
        edits.append((time.monotonic(), len(prompt.text)))
        return result

    prompt.edit = recording_edit  # type: ignore[method-assign]
    await asyncio.sleep(0.2)  # let the new screen settle
    frames.clear()
    frame_bytes.clear()
    appends.clear()
    edits.clear()
    cpu0 = time.process_time()
    t0 = time.monotonic()
    if command.get("idle"):
        # no stream: the keystroke floor, typed into the idle app for this many seconds
        report.write(json.dumps({"event": "streaming"}) + "\n")
        report.flush()
        await asyncio.sleep(float(command["idle"]))
        del prompt.edit
        t_done = time.monotonic()
        return {"t0": t0, "t_done": t_done, "frames": list(frames), "edits": list(edits)}
    models = command.get("models")
    chat.compare_models = tuple(models or ())
    await chat.send(f"bench id={command['id']} tokens={command['tokens']} rate={command['rate']}")
    report.write(json.dumps({"event": "streaming"}) + "\n")
    report.flush()
    if models:
        return await _compared(app, t0, cpu0, prompt)
    worker = [w for w in app.workers if w.node is chat and w.group == "reply"][-1]
    view = chat.query(ReplyView).last()
    body_id = id(view.body)
    bytes0 = written[0]
    await worker.wait()
    t_done = time.monotonic()
    t_final_frame = await _frame_after(t_done)
    cpu = time.process_time() - cpu0
    memory = rss()
    final = len(view.body.source)
    t_last_append = next(
        (t for t, widget, length in appends if widget == body_id and length >= final), None
    )
    t_last_delta_frame = None if t_last_append is None else _first_after(t_last_append)
    # the bytes written by the end of the frame that showed the last delta, and of the run
    last_frame = frames.index(t_last_delta_frame or t_final_frame or frames[-1])
    final_frame = frames.index(t_final_frame) if t_final_frame in frames else len(frames) - 1
    del prompt.edit
    return {
        "t0": t0,
        "t_done": t_done,
        "t_final_frame": t_final_frame,
        "t_last_append": t_last_append,
        "t_last_delta_frame": t_last_delta_frame,
        "cpu": cpu,
        "chars": final,
        "content_chars": len(view.message.content),
        "appends": sum(1 for _, widget, _ in appends if widget == body_id),
        "frames": list(frames),
        "edits": list(edits),
        "error": view.message.error,
        "bytes": frame_bytes[final_frame] - bytes0,
        "frame_count": final_frame + 1,
        "bytes_at_last_delta": frame_bytes[last_frame],
        "rss": memory,
    }


async def _compared(app: HCChatApp, t0: float, cpu0: float, prompt: PromptArea) -> dict[str, Any]:
    """Wait for every model's reply (compare mode), then report each column's last delta."""
    chat = app.chat
    run = chat.comparison
    assert run is not None
    for worker in [w for w in app.workers if w.node is chat and w.group == "compare"]:
        await worker.wait()
    t_done = time.monotonic()
    t_final_frame = await _frame_after(t_done)
    cpu = time.process_time() - cpu0
    columns = []
    for column in run.view.columns:
        body = column.reply.body
        final = len(body.source)
        t_last_append = next(
            (t for t, widget, length in appends if widget == id(body) and length >= final), None
        )
        shown = None if t_last_append is None else _first_after(t_last_append)
        columns.append(
            {
                "model": column.reply.message.model,
                "t_last_append": t_last_append,
                "t_last_delta_frame": shown,
                "chars": final,
                "error": column.reply.message.error,
            }
        )
    chat.compare_models = ()
    del prompt.edit
    return {
        "t0": t0,
        "t_done": t_done,
        "t_final_frame": t_final_frame,
        "cpu": cpu,
        "columns": columns,
        "frames": list(frames),
        "edits": list(edits),
    }


async def main() -> None:
    base_url, command_fd, report_fd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    data = Path(os.environ["XDG_DATA_HOME"])
    settings = Settings(
        api_key="sk-bench-not-a-real-key-0123456789",
        base_url=base_url,
        model="bench/model",
        theme=None,
        system_prompt=None,
        keys={},
        params={},
        config_path=Path(os.environ["XDG_CONFIG_HOME"]) / "hcchat" / "config.toml",
        sessions_dir=data / "hcchat" / "sessions",
        cache_dir=Path(os.environ["XDG_CACHE_HOME"]) / "hcchat",
        demo=False,
    )
    app = HCChatApp(settings, idle_gc=True)  # as the hcchat command runs it
    commands = os.fdopen(command_fd, "r")
    report = os.fdopen(report_fd, "w")
    async with app.run_test(headless=False, size=(120, 40)) as pilot:
        await pilot.pause()
        report.write(json.dumps({"event": "ready"}) + "\n")
        report.flush()
        profile_to = os.environ.get("BENCH_PROFILE")  # a pyinstrument profile of each run
        stalls_to = os.environ.get("BENCH_STALLS")  # where the loop stalls, in each run
        tracer = None
        if stalls_to:
            from _stalls import StallTracer
            from textual.screen import Screen

            tracer = StallTracer()
            tracer.time_calls(ReplyView, "_flush_pending")
            tracer.time_calls(Screen, "_refresh_layout")
            tracer.time_calls(Screen, "_compositor_refresh")
            tracer.time_calls(MarkdownBody, "write")
            tracer.count_layouts()
            tracer.start(asyncio.get_running_loop())
        while True:
            line = await asyncio.to_thread(commands.readline)
            if not line:
                break
            if profile_to:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.001, async_mode="disabled")
                profiler.start()
            command = json.loads(line)
            result = await run(app, command, report)
            if tracer is not None:
                with open(stalls_to, "a") as out:
                    label = f"{command.get('models') or 'one model'} {command.get('tokens')}"
                    tracer.report(out, label)
            if profile_to:
                profiler.stop()
                with open(profile_to, "a") as out:
                    out.write(
                        profiler.output_text(
                            unicode=True,
                            show_all=False,
                            flat=os.environ.get("BENCH_PROFILE_FLAT") == "1",
                        )
                    )
            report.write(json.dumps(result) + "\n")
            report.flush()


if __name__ == "__main__":
    asyncio.run(main())
