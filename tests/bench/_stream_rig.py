"""The three processes of the streaming benchmarks: server, transport floor and app.

The server (``_stream_server.py``) and the floor consumer (``_stream_floor.py``) talk over
pipes; the app (``_stream_app.py``) runs on a pseudo-terminal of 120x40 whose output is drained
here, and whose input is where ``type`` writes keys, as a terminal would.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from _bench import BENCH


class Rig:
    """Server, floor and app processes; use as a context manager."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.server = subprocess.Popen(
            [sys.executable, str(BENCH / "_stream_server.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.server.stdout is not None
        self.base_url = self.server.stdout.readline().strip()
        self.floor_process = subprocess.Popen(
            [sys.executable, str(BENCH / "_stream_floor.py"), self.base_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        command_read, self._command = os.pipe()
        self._report_fd, report_write = os.pipe()
        self.app_process = subprocess.Popen(
            [
                sys.executable,
                str(BENCH / "_stream_app.py"),
                self.base_url,
                str(command_read),
                str(report_write),
            ],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            pass_fds=(command_read, report_write),
            env=dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor"),
            start_new_session=True,
        )
        os.close(slave)
        os.close(command_read)
        os.close(report_write)
        self._output: list[bytes] = []
        # when each read from the terminal ended, and how many bytes had been read by then
        self.arrivals: list[tuple[float, int]] = []
        threading.Thread(target=self._drain, daemon=True).start()
        self._reports = os.fdopen(self._report_fd, "r")
        ready = self._reports.readline()
        if not ready:
            raise RuntimeError("the app process died:\n" + self.screen_output()[-3000:])

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            total = self.arrivals[-1][1] if self.arrivals else 0
            self.arrivals.append((time.monotonic(), total + len(data)))
            self._output.append(data[-4096:])
            del self._output[:-4]

    def screen_output(self) -> str:
        """The last bytes the app wrote to its terminal (for errors)."""
        return b"".join(self._output).decode("utf-8", "replace")

    def new_id(self) -> str:
        return f"run{next(self._ids)}"

    def timing(self, run: str) -> dict[str, float]:
        """When the server wrote the first and last byte of run ``run``."""
        with urllib.request.urlopen(f"{self.base_url}/bench/timing?id={run}", timeout=10) as r:
            data: dict[str, float] = json.loads(r.read())
        return data

    def floor(self, tokens: int, rate: float) -> dict[str, Any]:
        """One stream read by the raw httpx-sse consumer; its result plus the server timing."""
        run = self.new_id()
        assert self.floor_process.stdin is not None and self.floor_process.stdout is not None
        self.floor_process.stdin.write(
            json.dumps({"id": run, "tokens": tokens, "rate": rate}) + "\n"
        )
        self.floor_process.stdin.flush()
        result: dict[str, Any] = json.loads(self.floor_process.stdout.readline())
        result["server"] = self.timing(run)
        return result

    def app(
        self,
        tokens: int,
        rate: float,
        while_streaming: Callable[[], None] | None = None,
        idle: float = 0.0,
        models: list[str] | None = None,
    ) -> dict[str, Any]:
        """One stream shown by hcchat; ``while_streaming`` runs once the prompt is sent.

        With ``idle``, no stream: the app just waits that many seconds (a keystroke floor).
        With ``models``, the prompt goes to each of them at once (compare mode), and
        ``servers`` holds the server timing of each.
        """
        run = self.new_id()
        command = {"id": run, "tokens": tokens, "rate": rate, "idle": idle, "models": models}
        os.write(self._command, (json.dumps(command) + "\n").encode())
        line = self._reports.readline()
        if not line:
            raise RuntimeError("the app process died:\n" + self.screen_output()[-3000:])
        if while_streaming is not None:
            while_streaming()
        line = self._reports.readline()
        if not line:
            raise RuntimeError("the app process died:\n" + self.screen_output()[-3000:])
        result: dict[str, Any] = json.loads(line)
        if models:
            result["servers"] = {model: self.timing(f"{run}@{model}") for model in models}
        elif not idle:
            result["server"] = self.timing(run)
            result["t_last_byte"] = self.arrival_of(result["bytes_at_last_delta"])
        return result

    def arrival_of(self, count: int, timeout: float = 5.0) -> float | None:
        """When the terminal had read ``count`` bytes of the app's output in all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for moment, total in self.arrivals:
                if total >= count:
                    return moment
            time.sleep(0.005)
        return None

    def type(self, text: str) -> float:
        """Write ``text`` to the app's terminal as typed keys; returns when it was written."""
        moment = time.monotonic()
        os.write(self.master, text.encode())
        return moment

    def close(self) -> None:
        os.close(self._command)
        for process in (self.app_process, self.floor_process, self.server):
            if process.stdin is not None:
                process.stdin.close()
        for process in (self.app_process, self.floor_process, self.server):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._reports.close()
        os.close(self.master)

    def __enter__(self) -> Rig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
