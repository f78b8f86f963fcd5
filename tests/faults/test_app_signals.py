"""The full-screen app as a real process on a pseudo-terminal, stopped every way it can be.

Each test types a prompt into hcchat running on a real terminal driver against the loopback
server, waits until words of the reply are on screen, stops the process (a command then
``kill -9``, SIGTERM, SIGHUP, the terminal closing) and reads the session file it left: the
prompt and every word that was on screen about two seconds before are there, marked incomplete
with the reason, and the terminal was put back as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import struct
import sys
import termios
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from loopback import LoopbackServer, reply

from app.store import STREAMING

ROOT = Path(__file__).resolve().parents[2]
WORDS = [f"w{number:04d}" for number in range(1, 400)]
TEXT = " ".join(WORDS)
LEAVE_ALT_SCREEN = b"\x1b[?1049l"
MOUSE_OFF = b"\x1b[?1000l"


class Terminal:
    """hcchat on the slave side of a pty; everything it writes is kept in ``output``."""

    def __init__(self, base_url: str, home: Path) -> None:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("HCCHAT_") and not key.upper().endswith("_PROXY")
        }
        env.update(
            HCCHAT_API_KEY="sk-hc-v1-signalsuitesecret0123456789",
            TERM="xterm-256color",
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_DATA_HOME=str(home / "data"),
            XDG_CACHE_HOME=str(home / "cache"),
        )
        self.sessions = home / "data" / "hcchat" / "sessions"
        pid, fd = pty.fork()
        if pid == 0:  # the child: hcchat, with the pty as its controlling terminal
            os.chdir(ROOT)
            os.execve(sys.executable, [sys.executable, "-m", "app", "--base-url", base_url], env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self.status: int | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            self.output.extend(data)

    def type(self, text: str) -> None:
        """Keys, as a terminal sends them (Enter is a carriage return)."""
        os.write(self.fd, text.encode())

    def wait_exit(self, timeout: float = 20) -> int:
        """The exit status (a negative number: killed by that signal)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                self._reader.join(timeout=5)
                return self.status
            time.sleep(0.02)
        raise AssertionError("hcchat did not exit")

    def close(self) -> None:
        if self.status is None:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def session(self) -> dict[str, object]:
        """The one session file, parsed."""
        files = list(self.sessions.glob("*.toml"))
        assert len(files) == 1, files
        return tomllib.loads(files[0].read_text("utf-8"))


def until(check: Callable[[], object], timeout: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.02)


def last_word_on_screen(output: bytes) -> int:
    """How many words of the reply the terminal has shown (the highest one seen)."""
    seen = 0
    for number in range(len(WORDS), 0, -1):
        if WORDS[number - 1].encode() in output:
            seen = number
            break
    return seen


@pytest.fixture
def terminal(loopback: LoopbackServer, tmp_path: Path) -> Iterator[Terminal]:
    # one word every 30 ms: about 12 s for the whole reply, stopped half way
    loopback.enqueue(reply(TEXT, chunk_size=6, delay=0.03))
    term = Terminal(loopback.base_url, tmp_path)
    yield term
    term.close()


def start_reply(terminal: Terminal, loopback: LoopbackServer) -> int:
    """Type a prompt once the app is up; return how many words were on screen ~2 s later."""
    until(lambda: b"Enter sends" in terminal.output, what="the prompt")
    terminal.type("tell me a long story\r")
    until(lambda: last_word_on_screen(terminal.output) >= 20, what="the reply")
    shown = last_word_on_screen(terminal.output)
    time.sleep(2.5)  # a checkpoint is due every 2 s of new text
    return shown


def assert_kept(data: dict[str, object], shown: int, error: str) -> str:
    messages = data["messages"]
    assert isinstance(messages, list)
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["content"] == "tell me a long story"
    reply_ = messages[1]
    content = reply_["content"]
    assert TEXT.startswith(content)
    assert content.count(" ") + 1 >= shown, (content[-40:], shown)
    assert reply_["incomplete"] is True
    assert reply_["error"] == error
    return str(content)


def test_kill_9_after_a_command_mid_stream_keeps_the_prompt_and_the_words_so_far(
    terminal: Terminal, loopback: LoopbackServer
):
    until(lambda: b"Enter sends" in terminal.output, what="the prompt")
    terminal.type("tell me a long story\r")
    until(lambda: last_word_on_screen(terminal.output) >= 20, what="the reply")
    terminal.type("/rename Mid stream\r")
    until(lambda: terminal.session()["title"] == "Mid stream", what="the rename to be saved")
    # what /rename saved is the reply so far, marked as still streaming (not empty, not done)
    assert_kept(terminal.session(), 20, STREAMING)
    shown = last_word_on_screen(terminal.output)
    time.sleep(2.5)
    os.kill(terminal.pid, signal.SIGKILL)
    assert terminal.wait_exit() == -signal.SIGKILL
    assert_kept(terminal.session(), shown, STREAMING)


def test_kill_9_loses_at_most_the_last_seconds(terminal: Terminal, loopback: LoopbackServer):
    shown = start_reply(terminal, loopback)
    os.kill(terminal.pid, signal.SIGKILL)
    assert terminal.wait_exit() == -signal.SIGKILL
    assert_kept(terminal.session(), shown, STREAMING)


def test_sigterm_saves_the_partial_reply_and_restores_the_terminal(
    terminal: Terminal, loopback: LoopbackServer
):
    shown = start_reply(terminal, loopback)
    before = len(terminal.output)
    os.kill(terminal.pid, signal.SIGTERM)
    assert terminal.wait_exit() == 128 + signal.SIGTERM
    content = assert_kept(
        terminal.session(), shown, "hcchat was stopped (SIGTERM) while the reply streamed"
    )
    assert content.count(" ") + 1 >= last_word_on_screen(terminal.output)  # nothing lost at all
    after = bytes(terminal.output[before:])
    assert LEAVE_ALT_SCREEN in after and MOUSE_OFF in after


def test_sighup_saves_the_partial_reply_and_restores_the_terminal(
    terminal: Terminal, loopback: LoopbackServer
):
    shown = start_reply(terminal, loopback)
    before = len(terminal.output)
    os.kill(terminal.pid, signal.SIGHUP)
    assert terminal.wait_exit() == 128 + signal.SIGHUP
    assert_kept(
        terminal.session(), shown, "the terminal was closed (SIGHUP) while the reply streamed"
    )
    assert LEAVE_ALT_SCREEN in bytes(terminal.output[before:])


def test_closing_the_terminal_saves_the_partial_reply(terminal: Terminal, loopback: LoopbackServer):
    shown = start_reply(terminal, loopback)
    os.close(terminal.fd)  # the terminal window goes away: the kernel sends SIGHUP
    assert terminal.wait_exit() == 128 + signal.SIGHUP
    assert_kept(
        terminal.session(), shown, "the terminal was closed (SIGHUP) while the reply streamed"
    )
