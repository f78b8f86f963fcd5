"""Pipe mode says on stderr when it waits out a server's Retry-After (issue 17, class 10).

A silent pause of seconds looks like a hang to a script's user; quick retries (a 502 backed off
by a fraction of a second) stay silent, so a failure is still one line.
"""

from __future__ import annotations

from loopback import error

# the loopback server echoes the prompt, naming the default model of the command line
ECHO_PREFIX = "Echo from qwen/qwen3-32b: "


def test_pipe_mode_says_it_waits_out_a_retry_after_then_prints_the_reply(hcchat, loopback):
    loopback.enqueue(error(429, "Too many requests", "text/plain", {"Retry-After": "1"}))
    run = hcchat("-p", "hello")
    assert run.code == 0
    assert run.err == "hcchat: rate limited; retrying in 1 s (attempt 2 of 3)\n"
    assert run.out == f"{ECHO_PREFIX}hello\n"
    assert len(loopback.requests) == 2


def test_a_503_with_retry_after_names_the_failure_and_each_wait(hcchat, loopback):
    busy = error(503, "Service busy", "text/plain", {"Retry-After": "1"})
    loopback.enqueue(busy, busy, busy)
    run = hcchat("-p", "hello")
    assert run.code == 1
    lines = run.err.splitlines()
    assert len(lines) == 3, run.err
    assert lines[0].startswith(
        "hcchat: The server failed: Service busy (HTTP 503); retrying in 1 s"
    )
    assert lines[0].endswith("(attempt 2 of 3)")
    assert lines[1].endswith("(attempt 3 of 3)")
    assert "Service busy" in lines[2] and "retrying" not in lines[2]


def test_quick_retries_are_not_announced(hcchat, loopback):
    loopback.enqueue(error(502, "Bad gateway", "text/plain"))
    run = hcchat("-p", "hello")
    assert (run.code, run.err) == (0, "")
    assert len(loopback.requests) == 2
