"""Peers: hcchat beside Elia, oterm and parllama, same server, same reply, same terminal.

python tests/bench/bench_peers.py [--runs N] [--peers elia,oterm,parllama] [--reply-timeout S]

Run by hand, never by CI (it installs other programs and takes many minutes). Each peer is
installed from PyPI into its own throwaway virtual environment under
``~/.cache/hcchat-bench/peers/NAME`` (``$HCCHAT_BENCH_PEERS`` to move it), reused when there:
``elia-chat``, ``oterm``, ``parllama``. The screen is read with ``pyte`` (the ``[bench]`` extra).

One loopback server process (``_peers_server.py``) speaks both OpenAI's API and Ollama's. Every
app gets the same 4,000-token Markdown reply (bench_stream's, its last token a lone word,
``zqxbenchend``), one token per HTTP chunk, as fast as the socket takes it. How each app is
pointed at it (URL = ``http://127.0.0.1:PORT``; every app gets a fresh HOME and XDG folders):

- hcchat: ``hcchat --base-url URL/v1 --model bench/model``, ``HCCHAT_API_KEY`` set; it sends
  ``POST /v1/chat/completions`` (SSE).
- Elia: ``$XDG_CONFIG_HOME/elia/config.toml`` holds ``default_model = "bench"`` and one
  ``[[models]]`` entry: ``id = "bench"``, ``name = "openai/bench-model"`` (litellm's OpenAI
  route), ``api_base = "URL/v1"``, ``api_key = "sk-bench"``. litellm sends
  ``POST /v1/chat/completions`` (SSE).
- oterm: ``OLLAMA_URL=URL``, ``OTERM_DATA_DIR`` in the fresh home, whose ``config.json`` has
  ``"splash-screen": false`` (the splash is an animation that waits on nothing) and whose
  ``store.db`` holds one chat (model ``bench:latest``, provider ``ollama``) saved through oterm's
  own ``Store``, so it opens on that chat. It asks ``/api/show`` and ``/api/ps`` (the ollama
  client) and streams through pydantic-ai's Ollama provider, which uses Ollama's
  OpenAI-compatible ``POST /v1/chat/completions`` (SSE).
- parllama: ``parllama -u URL -d DATA``; DATA comes from one first run of its own (its welcome
  dialog closed with Enter, then Ctrl+Q), after which ``settings.json`` gets
  ``last_llm_config.model_name = "bench:latest"``, ``starting_tab = "Chat"`` and
  ``use_last_tab_on_startup = false``. It asks ``/api/tags``, ``/api/show``, ``/api/ps`` (every
  3 s, its default) and streams Ollama's ``POST /api/chat`` (NDJSON).

Every peer also gets ``LITELLM_LOCAL_MODEL_COST_MAP=True``: litellm (which Elia and parllama
import; oterm does not use it) otherwise fetches a price list from GitHub at import and,
offline, retries for about 7 s before using its bundled copy.

Each launch runs on a pseudo-terminal of 120x40 (``TERM=xterm-256color``) whose output is kept
with the time each piece arrived, and is measured as:

- start-up: from just before ``fork`` to the first output after which the emulated screen shows
  the app's chat UI (a known text: hcchat's "Type a message below", Elia's "Enter your message",
  oterm's "model: bench:latest", parllama's "Type a message");
- then the prompt ``peers-bench-prompt go`` is typed, and once it shows on the screen the send
  key is written (Enter; Ctrl+J for Elia);
- reply wall: from writing the send key to the first output after which the screen shows the
  last token; CPU: the app process's user + system seconds (every thread; ``/proc/PID/stat``)
  over the same span; peak RSS: its ``VmHWM`` then.

The apps run interleaved, run by run (hcchat, elia, oterm, parllama, again), after one
unmeasured start of each (which also warms the caches and the ``.pyc`` files). Medians of N
(``--runs``, default 5). A figure that could not be taken (a peer that did not install, did not
show its UI, never showed the last token within ``--reply-timeout`` seconds) is reported as
"not measured" with the reason, never estimated. Every process group is killed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import re
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parents[1]
ROWS, COLS = 40, 120
PROMPT = "peers-bench-prompt go"
END_MARK = "zqxbenchend"  # the reply's last token: _peers_server.END_MARK
STARTUP_TIMEOUT = 90.0
ECHO_TIMEOUT = 20.0
INSTALL_TIMEOUT = 1800.0
CACHE = Path(
    os.environ.get("HCCHAT_BENCH_PEERS", Path.home() / ".cache" / "hcchat-bench" / "peers")
)
# escape sequences (CSI, OSC, charset and single-character ones), dropped to find plain text
_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[ -~]"
)
_CLOCK = os.sysconf("SC_CLK_TCK")


class NotMeasured(Exception):
    """A figure that could not be taken; the message says why."""


# ---------------------------------------------------------------------------- the terminal


def _cpu_seconds(pid: int) -> float:
    """User + system seconds of process ``pid`` (all its threads) so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK


def _peak_rss(pid: int) -> int:
    """The peak resident memory of process ``pid``, in bytes."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


@dataclass
class _Watch:
    text: bytes
    seen: threading.Event = field(default_factory=threading.Event)
    cpu: float = 0.0
    rss: int = 0


class Terminal:
    """One program on a pseudo-terminal of 120x40; its output kept with arrival times."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.chunks: list[tuple[float, bytes]] = []
        self._watches: list[_Watch] = []
        self._tail = b""
        self._lock = threading.Lock()
        self.started = time.monotonic()
        try:
            self.process = subprocess.Popen(
                argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                cwd=cwd,
                start_new_session=True,
            )
        finally:
            os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._screen: Any = None
        self._stream: Any = None
        self._fed = 0

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            moment = time.monotonic()
            with self._lock:
                self.chunks.append((moment, data))
                plain = _ESCAPES.sub(b"", self._tail + data)
                self._tail = data[-256:]
                for watch in self._watches:
                    if not watch.seen.is_set() and watch.text in plain:
                        with contextlib.suppress(OSError):
                            watch.cpu = _cpu_seconds(self.process.pid)
                            watch.rss = _peak_rss(self.process.pid)
                        watch.seen.set()

    def watch(self, text: str) -> _Watch:
        """Start looking for ``text`` in the output from now on."""
        entry = _Watch(text.encode())
        with self._lock:
            self._watches.append(entry)
        return entry

    def wait(self, watch: _Watch, timeout: float) -> bool:
        """Wait until the watched text has been written (or the program ended)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if watch.seen.wait(0.1):
                return True
            if self.process.poll() is not None:
                return watch.seen.wait(0.5)
        return False

    def on_screen_since(self, text: str, since: float) -> float | None:
        """When the emulated screen first showed ``text`` on a line redrawn at or after
        ``since``: the arrival time of that piece of output."""
        import pyte

        if self._screen is None:
            self._screen = pyte.Screen(COLS, ROWS)
            self._stream = pyte.ByteStream(self._screen)
        screen, stream = self._screen, self._stream
        with self._lock:
            chunks = self.chunks[self._fed :]
        for moment, data in chunks:
            self._fed += 1
            stream.feed(data)
            if moment < since:
                screen.dirty.clear()
                continue
            for row in screen.dirty:
                line = screen.buffer[row]
                if text in "".join(line[column].data for column in range(COLS)):
                    screen.dirty.clear()
                    return moment
            screen.dirty.clear()
        return None

    def settle(self, quiet: float = 0.3, limit: float = 5.0) -> None:
        """Wait until nothing was written for ``quiet`` seconds (at most ``limit`` s)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with self._lock:
                last = self.chunks[-1][0] if self.chunks else self.started
            if time.monotonic() - last >= quiet:
                return
            time.sleep(0.05)

    def type(self, keys: bytes) -> float:
        moment = time.monotonic()
        os.write(self.master, keys)
        return moment

    def screen_text(self) -> str:
        """What the emulated screen shows after every output so far (for errors)."""
        self.on_screen_since("\x00never\x00", float("inf"))
        if self._screen is None:
            return ""
        return "\n".join(line.rstrip() for line in self._screen.display if line.strip())

    def close(self) -> None:
        """End the program's whole process group."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(5)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # anything it left in its group
        with contextlib.suppress(OSError):
            os.close(self.master)
        self._reader.join(5)


# ---------------------------------------------------------------------------- the apps


@dataclass
class App:
    """How to install, configure, start and drive one app."""

    name: str
    package: str  # the PyPI requirement; "" for hcchat
    command: str  # the console script in the venv
    ready: str  # text on the screen once the chat UI is up
    send: bytes  # the key that sends the prompt
    prepare: Callable[[App, Path, Path, str], None]  # (app, template home, venv, url)
    arguments: Callable[[Path, str], list[str]] = lambda home, url: []
    environment: Callable[[Path, str], dict[str, str]] = lambda home, url: {}
    # True once the app has stored a finished reply (read from its own database): tells a
    # reply that is done but not on the screen (its view stopped following) from a slow one
    saved: Callable[[Path], bool] | None = None
    version: str = ""
    venv: Path = field(default_factory=Path)
    broken: str = ""  # why the app cannot be measured at all


def _xdg(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }


def _no_preparation(app: App, home: Path, venv: Path, url: str) -> None:
    return None


def _prepare_elia(app: App, home: Path, venv: Path, url: str) -> None:
    config = home / ".config" / "elia"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        'default_model = "bench"\n\n[[models]]\nid = "bench"\nname = "openai/bench-model"\n'
        f'display_name = "Bench"\nprovider = "Loopback"\napi_base = "{url}/v1"\n'
        'api_key = "sk-bench"\n'
    )


def _stored_reply(database: Path, query: str) -> bool:
    """Whether ``query`` (a count) finds a row in the SQLite file, opened read-only."""
    if not database.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            row = db.execute(query).fetchone()
    except sqlite3.Error:
        return False
    return bool(row and row[0])


def _oterm_data(home: Path) -> Path:
    return home / "oterm"


def _prepare_oterm(app: App, home: Path, venv: Path, url: str) -> None:
    data = _oterm_data(home)
    data.mkdir(parents=True, exist_ok=True)
    (data / "config.json").write_text(json.dumps({"theme": "textual-dark", "splash-screen": False}))
    seed = (
        "import asyncio\n"
        "from oterm.store.store import Store\n"
        "from oterm.types import ChatModel\n"
        "async def main():\n"
        "    store = await Store.get_store()\n"
        "    chat = ChatModel(name='bench', model='bench:latest', provider='ollama')\n"
        "    await store.save_chat(chat)\n"
        "asyncio.run(main())\n"
    )
    env = dict(os.environ, **_xdg(home), **app.environment(home, url))
    subprocess.run(
        [str(venv / "bin" / "python"), "-c", seed],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )


def _parllama_data(home: Path) -> Path:
    return home / "parllama"


def _prepare_parllama(app: App, home: Path, venv: Path, url: str) -> None:
    """One first run of parllama (its welcome dialog closed, then quit), then pick the model."""
    env = dict(os.environ, TERM="xterm-256color", **_xdg(home), **app.environment(home, url))
    terminal = Terminal([str(venv / "bin" / app.command), *app.arguments(home, url)], env, home)
    try:
        welcome = terminal.watch("Thank your for trying")
        if not terminal.wait(welcome, STARTUP_TIMEOUT):
            raise NotMeasured("its first run showed no welcome dialog:\n" + terminal.screen_text())
        time.sleep(1.0)  # the dialog's button takes the key once it is mounted
        terminal.type(b"\r")
        time.sleep(1.0)
        terminal.type(b"\x11")  # Ctrl+Q saves the settings and quits
        terminal.process.wait(20)
    except subprocess.TimeoutExpired as exc:
        raise NotMeasured("its first run did not quit on Ctrl+Q") from exc
    finally:
        terminal.close()
    settings_file = _parllama_data(home) / "settings.json"
    settings = json.loads(settings_file.read_text())
    settings["last_llm_config"]["model_name"] = "bench:latest"
    settings["starting_tab"] = "Chat"
    settings["use_last_tab_on_startup"] = False
    settings_file.write_text(json.dumps(settings, indent=2))


PEER_ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}

APPS = {
    "hcchat": App(
        "hcchat",
        "",
        "",
        "Type a message below",
        b"\r",
        _no_preparation,
        arguments=lambda home, url: ["--base-url", f"{url}/v1", "--model", "bench/model"],
        environment=lambda home, url: {"HCCHAT_API_KEY": "sk-bench-not-a-real-key-0123456789"},
    ),
    "elia": App(
        "elia",
        "elia-chat",
        "elia",
        "Enter your message",
        b"\n",
        _prepare_elia,
        environment=lambda home, url: PEER_ENV,
        saved=lambda home: _stored_reply(
            home / ".local/share/elia/elia.sqlite",
            "SELECT count(*) FROM message WHERE role = 'assistant'",
        ),
    ),
    "oterm": App(
        "oterm",
        "oterm",
        "oterm",
        "model: bench:latest",
        b"\r",
        _prepare_oterm,
        environment=lambda home, url: {
            **PEER_ENV,
            "OLLAMA_URL": url,
            "OTERM_DATA_DIR": str(_oterm_data(home)),
        },
        saved=lambda home: _stored_reply(
            _oterm_data(home) / "store.db",
            "SELECT count(*) FROM message WHERE author = 'assistant'",
        ),
    ),
    "parllama": App(
        "parllama",
        "parllama",
        "parllama",
        "Type a message",
        b"\r",
        _prepare_parllama,
        arguments=lambda home, url: ["-u", url, "-d", str(_parllama_data(home))],
        environment=lambda home, url: PEER_ENV,
    ),
}


def install(app: App) -> None:
    """Make (or reuse) the app's virtual environment; sets ``app.venv``, ``version``, ``broken``."""
    if not app.package:
        app.venv = Path(sys.prefix)
        sys.path.insert(0, str(ROOT))
        from app import __version__

        app.version = __version__
        return
    venv = CACHE / app.name
    app.venv = venv
    script = venv / "bin" / app.command
    if not script.exists():
        print(f"installing {app.package} into {venv} ...", flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", app.package],
                check=True,
                timeout=INSTALL_TIMEOUT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        except subprocess.CalledProcessError as exc:
            app.broken = f"pip install {app.package} failed: {str(exc.stderr)[-300:]}"
            return
        except subprocess.TimeoutExpired:
            app.broken = f"pip install {app.package} took over {INSTALL_TIMEOUT:.0f} s"
            return
    if not script.exists():
        app.broken = f"{app.package} installed no {app.command} command"
        return
    found = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            f"import importlib.metadata as m; print(m.version({app.package!r}))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    app.version = found.stdout.strip() or "?"


# ---------------------------------------------------------------------------- measuring


class Server:
    """The ``_peers_server.py`` process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH / "_peers_server.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.close()
            raise RuntimeError("the loopback server did not start")

    def log(self, clear: bool = False) -> list[dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.url}/bench/log", method="POST" if clear else "GET", data=b"" if clear else None
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            entries: list[dict[str, Any]] = json.loads(response.read())
        return entries

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Result:
    startup: float | None = None
    wall: float | None = None
    cpu: float | None = None
    rss: int | None = None
    send: float | None = None  # the server's first to last byte of the reply
    output: int = 0  # bytes the app wrote to its terminal, start to the last token
    why: str = ""  # what could not be measured, and why


def _launch_env(app: App, home: Path, url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HCCHAT_", "OPENAI_", "OLLAMA_", "TEXTUAL", "XDG_"))
    }
    env.update(TERM="xterm-256color", COLORTERM="truecolor", **_xdg(home))
    env.update(app.environment(home, url))
    return env


def _argv(app: App, home: Path, url: str) -> list[str]:
    if not app.package:
        start = (
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); from app.cli import main; "
            "sys.exit(main(sys.argv[1:]))"
        )
        return [sys.executable, "-c", start, *app.arguments(home, url)]
    return [str(app.venv / "bin" / app.command), *app.arguments(home, url)]


def measure(
    app: App, template: Path, server: Server, reply_timeout: float, reply: bool = True
) -> Result:
    """One launch of ``app`` in a copy of its template home: start-up, then the reply."""
    result = Result()
    with tempfile.TemporaryDirectory(prefix=f"peers-{app.name}-") as folder:
        home = Path(folder) / "home"
        shutil.copytree(template, home, symlinks=True)
        server.log(clear=True)
        terminal = Terminal(_argv(app, home, server.url), _launch_env(app, home, server.url), home)
        try:
            ready = terminal.watch(app.ready)
            terminal.wait(ready, STARTUP_TIMEOUT)
            shown = terminal.on_screen_since(app.ready, 0.0) if ready.seen.is_set() else None
            if shown is None:
                result.why = (
                    f"start-up: no {app.ready!r} on the screen within {STARTUP_TIMEOUT:.0f} s"
                )
                print(terminal.screen_text()[-2000:], file=sys.stderr)
                return result
            result.startup = shown - terminal.started
            if not reply:
                return result
            terminal.settle()  # keys typed while it still mounts would be lost
            echo = terminal.watch(PROMPT)
            typed = terminal.type(PROMPT.encode())
            terminal.wait(echo, ECHO_TIMEOUT)
            if terminal.on_screen_since(PROMPT, typed) is None:
                result.why = f"reply: the typed prompt never showed within {ECHO_TIMEOUT:.0f} s"
                return result
            end = terminal.watch(END_MARK)
            cpu0 = 0.0
            with contextlib.suppress(OSError):
                cpu0 = _cpu_seconds(terminal.process.pid)
            sent = terminal.type(app.send)
            stored = _wait_reply(app, terminal, end, home, sent + reply_timeout)
            # the screen can show the token only if the output held it: replay only then
            last = terminal.on_screen_since(END_MARK, sent) if end.seen.is_set() else None
            chats = [e for e in server.log() if e.get("tokens") and e["tokens"] > 1]
            if last is None or not end.seen.is_set():
                if not chats:
                    reason = "no reply request reached the server"
                elif stored is not None:
                    reason = (
                        "the last token never reached the screen (the view stopped following "
                        f"the reply); it was stored as done after {stored[0] - sent:.1f} s, "
                        f"{stored[1] - cpu0:.1f} s of CPU"
                    )
                else:
                    spent = ""
                    with contextlib.suppress(OSError):
                        spent = (
                            f" ({_cpu_seconds(terminal.process.pid) - cpu0:.0f} s of CPU by then)"
                        )
                    reason = (
                        f"the last token was not on the screen within {reply_timeout:.0f} s{spent}"
                    )
                result.why = f"reply: {reason}"
                return result
            result.output = sum(len(data) for _, data in terminal.chunks)
            result.wall = last - sent
            result.cpu = end.cpu - cpu0
            result.rss = end.rss
            if chats:
                result.send = chats[0]["last"] - chats[0]["first"]
            return result
        finally:
            terminal.close()


def _wait_reply(
    app: App, terminal: Terminal, end: _Watch, home: Path, deadline: float
) -> tuple[float, float] | None:
    """Wait for the last token on the screen, until ``deadline``; when the app's own store
    says the reply is done first, wait 10 s more for the screen, and return (that moment, the
    CPU seconds then)."""
    stored: tuple[float, float] | None = None
    while time.monotonic() < deadline:
        if terminal.wait(end, 0.5) or terminal.process.poll() is not None:
            return stored
        if stored is None and app.saved is not None and app.saved(home):
            with contextlib.suppress(OSError):
                stored = (time.monotonic(), _cpu_seconds(terminal.process.pid))
            deadline = min(deadline, time.monotonic() + 10.0)
    return stored


def make_template(app: App, root: Path, url: str) -> Path:
    """The home folder every launch of ``app`` starts from (a copy of it)."""
    home = root / app.name
    home.mkdir(parents=True)
    for sub in (".config", ".local/share", ".local/state", ".cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    app.prepare(app, home, app.venv, url)
    return home


# ---------------------------------------------------------------------------- report


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _cell(values: list[float], unit: str, scale: float, digits: int, failures: list[str]) -> str:
    """``median unit [min–max]``; how many runs gave no figure, and why (the first reason)."""
    if not values:
        return f"not measured: {failures[0]}" if failures else "-"
    text = f"{statistics.median(values) * scale:.{digits}f} {unit}"
    if len(values) > 1:
        text += f" [{min(values) * scale:.{digits}f}–{max(values) * scale:.{digits}f}]"
    if failures:
        text += f" ({len(failures)} of {len(values) + len(failures)} not measured: {failures[0]})"
    return text


def _ratio(values: list[float], base: list[float]) -> str:
    value, floor = _median(values), _median(base)
    if value is None or floor is None or floor <= 0:
        return "-"
    return f"{value / floor:.1f}x" if value / floor >= 10 else f"{value / floor:.2f}x"


def report(apps: list[App], results: dict[str, list[Result]], runs: int) -> None:
    base = results["hcchat"]

    def series(rows: list[Result], key: str) -> list[float]:
        return [float(getattr(row, key)) for row in rows if getattr(row, key) is not None]

    def failures(rows: list[Result], key: str) -> list[str]:
        reasons = [row.why for row in rows if getattr(row, key) is None and row.why]
        return [reason.removeprefix("reply: ") for reason in reasons]

    print(f"\nMedians of {runs} interleaved runs [min–max]; ratio = app / hcchat (median).\n")
    print(
        "| app | start-up | vs hcchat | 4,000-token reply: last token on screen | vs hcchat "
        "| CPU of the reply | vs hcchat | peak RSS | vs hcchat |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for app in apps:
        rows = results[app.name]
        label = f"{app.name} {app.version}"
        if app.broken:
            print(f"| {label} | not measured: {app.broken} | | | | | | | |")
            continue
        # the reason a reply was not measured is shown once, under its wall time
        cells = [
            _cell(series(rows, "startup"), "s", 1, 2, failures(rows, "startup")),
            _ratio(series(rows, "startup"), series(base, "startup")),
            _cell(series(rows, "wall"), "s", 1, 2, failures(rows, "wall")),
            _ratio(series(rows, "wall"), series(base, "wall")),
            _cell(series(rows, "cpu"), "s", 1, 2, []),
            _ratio(series(rows, "cpu"), series(base, "cpu")),
            _cell(series(rows, "rss"), "MB", 1e-6, 0, []),
            _ratio(series(rows, "rss"), series(base, "rss")),
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")
    sends = series([row for rows in results.values() for row in rows], "send")
    if sends:
        print(
            f"\nThe server wrote each reply in {statistics.median(sends) * 1000:.0f} ms "
            f"(median, first to last byte, n={len(sends)})."
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs (default 5)")
    parser.add_argument(
        "--peers", default="elia,oterm,parllama", help="comma-separated (default: all three)"
    )
    parser.add_argument(
        "--reply-timeout",
        type=float,
        default=600.0,
        help="seconds to wait for the reply's last token on the screen (default 600)",
    )
    args = parser.parse_args()
    try:
        import pyte  # noqa: F401
    except ImportError:
        print("bench_peers needs pyte: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    names = ["hcchat", *(n.strip() for n in args.peers.split(",") if n.strip())]
    unknown = [n for n in names if n not in APPS]
    if unknown:
        parser.error(f"unknown peers: {', '.join(unknown)}")
    apps = [APPS[name] for name in names]
    for app in apps:
        install(app)
    results: dict[str, list[Result]] = {app.name: [] for app in apps}
    server = Server()
    try:
        with tempfile.TemporaryDirectory(prefix="peers-templates-") as folder:
            templates: dict[str, Path] = {}
            for app in apps:
                if app.broken:
                    continue
                try:
                    templates[app.name] = make_template(app, Path(folder), server.url)
                except (NotMeasured, subprocess.SubprocessError, OSError, KeyError) as exc:
                    app.broken = f"could not be configured: {exc}"
                    continue
                warm = measure(app, templates[app.name], server, args.reply_timeout, reply=False)
                print(f"{app.name} {app.version}: warm-up start {warm.startup or warm.why}")
                if warm.startup is None:
                    app.broken = warm.why
            for run in range(1, args.runs + 1):
                for app in apps:
                    if app.broken:
                        continue
                    result = measure(app, templates[app.name], server, args.reply_timeout)
                    results[app.name].append(result)
                    print(
                        f"run {run} {app.name}: start-up {result.startup}, wall {result.wall}, "
                        f"cpu {result.cpu}, rss {result.rss}, output {result.output} B "
                        f"{result.why}",
                        flush=True,
                    )
    finally:
        server.close()
    report(apps, results, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
