"""Pipe mode stopped from outside keeps every word: SIGTERM, SIGHUP, kill -9, a closed stdout.

Each test runs ``python -m app -p`` as a real process against the loopback server, which streams
one short word at a time; the test waits until words were printed, stops the process, then reads
the session file the process left behind.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from loopback import chunk, reply, stall

from app.store._reply import STREAMING

from .conftest import SECRET, saved
from .test_storage_faults import DiskFaults

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "tell me a long story"
WORDS = 400  # at one word every DELAY seconds: a reply that streams for about six seconds
DELAY = 0.015
STORY = "".join(f"word{n:04d} " for n in range(WORDS))  # every word 9 characters long
REMEMBERED = 2.5  # a file may miss at most the words of this many seconds before the stop


class PipeProcess:
    """``python -m app -p PROMPT`` in its own process, its stdout read as it arrives."""

    def __init__(self, base_url: str, *, read_stdout: bool = True) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("HCCHAT_")}
        env["HCCHAT_API_KEY"] = SECRET
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "-p", "--base-url", base_url, PROMPT],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.pieces: list[tuple[float, bytes]] = []  # (when it arrived, what)
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        if read_stdout:
            self._reader = threading.Thread(target=self._read, daemon=True)
            self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        while data := os.read(descriptor, 65536):
            with self._lock:
                self.pieces.append((time.monotonic(), data))

    def printed(self, until: float = float("inf")) -> str:
        """Everything printed up to the moment ``until`` (monotonic clock)."""
        with self._lock:
            return b"".join(data for moment, data in self.pieces if moment <= until).decode()

    def first_printed(self) -> float:
        """When the first piece of the reply was printed."""
        with self._lock:
            return self.pieces[0][0]

    def stop(self, how: int) -> float:
        """Send signal ``how``; returns when."""
        moment = time.monotonic()
        self.process.send_signal(how)
        return moment

    def finish(self, timeout: float = 10.0) -> tuple[int, str]:
        """Wait for the process to exit; its exit code and standard error."""
        assert self.process.stderr is not None
        err = self.process.stderr.read()
        code = self.process.wait(timeout=timeout)
        if self._reader is not None:
            self._reader.join(timeout=timeout)
        self.process.stderr.close()
        if self.process.stdout is not None and not self.process.stdout.closed:
            self.process.stdout.close()
        return code, err.decode()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def pipe(loopback):
    """Start pipe-mode processes against the loopback server; none outlives the test."""
    started: list[PipeProcess] = []

    def start(**options: Any) -> PipeProcess:
        run = PipeProcess(loopback.base_url, **options)
        started.append(run)
        return run

    yield start
    for run in started:
        run.kill()


def wait_until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.01)


def the_reply(sessions: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The prompt and the reply of the only session file, read as TOML."""
    [path] = sessions.glob("*.toml")
    messages = tomllib.loads(path.read_text("utf-8"))["messages"]
    user, assistant = messages
    assert user == {**user, "role": "user", "content": PROMPT}
    assert assistant["role"] == "assistant"
    return user, assistant


def assert_keeps_what_was_printed(run: PipeProcess, reply: dict[str, Any], stopped: float) -> None:
    """The reply holds at least every word printed until shortly before the stop, and only
    words of the story, marked incomplete."""
    assert reply["incomplete"] is True
    assert STORY.startswith(reply["content"])
    assert reply["content"].startswith(run.printed(until=stopped - REMEMBERED))
    assert SECRET not in reply["content"]


@pytest.mark.parametrize(
    ("how", "error", "said"),
    [
        pytest.param(
            signal.SIGTERM,
            "hcchat was stopped (SIGTERM) while the reply streamed",
            "stopped (SIGTERM)",
            id="SIGTERM",
        ),
        pytest.param(
            signal.SIGHUP,
            "the terminal was closed (SIGHUP) while the reply streamed",
            "the terminal was closed (SIGHUP)",
            id="SIGHUP",
        ),
    ],
)
def test_a_signal_mid_stream_saves_every_word_printed_and_says_why(
    pipe, loopback, cli_sessions, how, error, said
):
    loopback.enqueue(reply(STORY, chunk_size=9, delay=DELAY))
    run = pipe()
    wait_until(lambda: len(run.printed()) >= 20 * 9, "twenty words were printed")
    stopped = run.stop(how)
    code, err = run.finish()

    assert code == 128 + how
    assert err == f"hcchat: {said}; the partial reply is saved\n"
    _, answer = the_reply(cli_sessions.folder)
    assert_keeps_what_was_printed(run, answer, stopped)
    assert answer["content"] == run.printed().removesuffix("\n")  # the last save had them all
    assert answer["error"] == error
    wait_until(lambda: loopback.requests[0].disconnected, "the server saw the connection close")


def test_kill_9_mid_stream_leaves_the_last_checkpoint_marked_as_still_streaming(
    pipe, loopback, cli_sessions
):
    loopback.enqueue(reply(STORY, chunk_size=9, delay=DELAY))
    run = pipe()
    wait_until(lambda: run.pieces, "the reply started")
    # a checkpoint is written every ~2 s: past three seconds of reply, one has happened
    wait_until(lambda: time.monotonic() - run.first_printed() > 3.0, "3 s of the reply arrived")
    killed = run.stop(signal.SIGKILL)
    code, err = run.finish()

    assert (code, err) == (-signal.SIGKILL, "")
    _, answer = the_reply(cli_sessions.folder)
    assert_keeps_what_was_printed(run, answer, killed)
    assert len(answer["content"]) > 9 * 20
    assert answer["error"] == STREAMING


def test_a_closed_stdout_mid_stream_ends_quietly_and_keeps_every_word_printed(
    pipe, loopback, cli_sessions
):
    loopback.enqueue(reply(STORY, chunk_size=9, delay=DELAY))
    run = pipe(read_stdout=False)
    assert run.process.stdout is not None
    head = run.process.stdout.read(5 * 9).decode()
    run.process.stdout.close()
    code, err = run.finish()

    assert (code, err) == (1, "")
    assert head == STORY[: 5 * 9]
    _, answer = the_reply(cli_sessions.folder)
    assert answer["incomplete"] is True
    assert STORY.startswith(answer["content"]) and answer["content"].startswith(head)
    assert answer["error"] == "output closed before the reply was complete"


def test_the_prompt_is_saved_before_the_reply_and_a_signal_in_a_silence_keeps_it(
    pipe, loopback, cli_sessions
):
    loopback.enqueue(stall([chunk("", role=True), chunk("First words")], seconds=20))
    run = pipe()
    wait_until(lambda: loopback.requests, "the request arrived")
    _, waiting = the_reply(cli_sessions.folder)  # saved before the request went out
    assert (waiting["content"], waiting["incomplete"], waiting["error"]) == ("", True, STREAMING)
    wait_until(lambda: run.printed() == "First words", "the first words were printed")
    stopped = run.stop(signal.SIGTERM)
    code, err = run.finish()

    assert code == 128 + signal.SIGTERM
    assert time.monotonic() - stopped < 5  # the silent server did not hold the exit up
    assert err == "hcchat: stopped (SIGTERM); the partial reply is saved\n"
    _, answer = the_reply(cli_sessions.folder)
    assert answer["content"] == "First words"
    assert answer["error"] == "hcchat was stopped (SIGTERM) while the reply streamed"


# --------------------------------------------------------------------------- in-process


def test_an_unexpected_error_mid_stream_is_one_line_and_the_reply_is_saved(
    hcchat, loopback, cli_sessions, monkeypatch
):
    class Exploding(io.StringIO):
        def write(self, text: str) -> int:
            if "long" in text:
                raise RuntimeError("the output broke")
            return super().write(text)

    loopback.enqueue(reply("The beginning of a long answer", chunk_size=14))
    monkeypatch.setattr(sys, "stdout", Exploding())
    run = hcchat("-p", "hello")

    assert run.code == 1
    assert run.error_line == (
        "hcchat: hcchat failed while the reply streamed: RuntimeError: the output broke"
    )
    [summary] = cli_sessions.list()
    answer = saved(cli_sessions, summary.id)["messages"][1]
    assert answer["content"].startswith("The beginning ")
    assert answer["incomplete"] is True
    assert (
        answer["error"] == "hcchat failed while the reply streamed: RuntimeError: the output broke"
    )


def test_a_reply_that_cannot_be_saved_is_printed_then_one_line_says_so(
    hcchat, loopback, cli_sessions, monkeypatch
):
    faults = DiskFaults(cli_sessions.folder, monkeypatch)
    faults.mode = "full"
    run = hcchat("-p", "hello")

    assert run.code == 1
    assert run.out == "Echo from qwen/qwen3-32b: hello\n"
    assert run.error_line.startswith("hcchat: the reply could not be saved: ")
    assert "No space left on device" in run.error_line
    assert not list(cli_sessions.folder.glob("*.toml"))
