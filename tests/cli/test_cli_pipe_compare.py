"""``hcchat -p --compare M1,M2[,...]`` against the loopback server: at once, printed in order."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from cli_helpers import SECRET
from loopback import HANDWRITTEN, LoopbackServer, chunk, drop, error, fixture, reply, stall

from app.cli import main
from app.store import STREAMING, SessionStore, SessionSummary

A, B, C = "test/alpha", "test/beta", "test/gamma"


@pytest.fixture(autouse=True)
def with_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HCCHAT_API_KEY", SECRET)
    return SECRET


def saved_messages(store: SessionStore) -> list[dict]:
    [summary] = store.list()
    assert isinstance(summary, SessionSummary)
    return tomllib.loads(summary.path.read_text("utf-8"))["messages"]


def run(loopback: LoopbackServer, *args: str) -> int:
    return main(["-p", "--base-url", loopback.base_url, *args])


def test_every_model_is_asked_at_once_and_printed_in_order_under_its_header(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, store: SessionStore
) -> None:
    # the first model is the slowest: the others finish first, and are still printed after it
    loopback.enqueue_for(A, reply("alpha's answer", chunk_size=2, first_delay=0.4))
    loopback.enqueue_for(B, reply("beta's answer\n", first_delay=0.2))
    loopback.enqueue_for(C, reply("gamma's answer", first_delay=0.2))

    assert run(loopback, "--compare", f"{A},{B},{C}", "which", "is", "best?") == 0

    out, err = capsys.readouterr()
    assert out == (
        f"==> {A} <==\nalpha's answer\n\n==> {B} <==\nbeta's answer\n\n==> {C} <==\n"
        "gamma's answer\n"
    )
    assert err == ""
    requests = loopback.requests
    assert sorted(r.model for r in requests) == [A, B, C]
    assert max(r.arrived for r in requests) < min(r.finished for r in requests)
    for request in requests:
        assert request.json["messages"] == [{"role": "user", "content": "which is best?"}]
    user, first = saved_messages(store)
    assert user["content"] == "which is best?"
    assert (first["model"], first["content"], first["version"]) == (A, "alpha's answer", 1)
    assert [(v["model"], v["content"]) for v in first["alternatives"]] == [
        (B, "beta's answer\n"),
        (C, "gamma's answer"),
    ]
    assert all(v["usage"]["completion_tokens"] for v in [first, *first["alternatives"]])


def test_one_model_prints_no_header(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, store: SessionStore
) -> None:
    loopback.enqueue_for(A, reply("just me"))
    assert run(loopback, "--compare", A, "hi") == 0
    assert capsys.readouterr().out == "just me\n"
    assert saved_messages(store)[1]["model"] == A


def test_a_failed_model_is_named_on_stderr_and_the_others_still_print(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, store: SessionStore
) -> None:
    loopback.enqueue_for(A, drop([chunk("alpha got this f", model=A)]))
    loopback.enqueue_for(B, reply("beta is fine"))
    loopback.enqueue_for(C, error(400, '{"error": {"message": "no such model"}}'))

    assert run(loopback, "--compare", f"{A},{B},{C}", "hi") == 1

    out, err = capsys.readouterr()
    assert out == f"==> {A} <==\nalpha got this f\n\n==> {B} <==\nbeta is fine\n\n==> {C} <==\n"
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"hcchat: {A}: ")
    assert lines[1].startswith(f"hcchat: {C}: ") and "no such model" in lines[1]
    first = saved_messages(store)[1]
    kept = {v["model"]: v for v in [first, *first["alternatives"]]}
    assert kept[A]["incomplete"] is True and kept[A]["content"] == "alpha got this f"
    assert "incomplete" not in kept[B]
    assert "no such model" in kept[C]["error"]


def test_every_model_failing_exits_1(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, store: SessionStore
) -> None:
    for model in (A, B):
        loopback.enqueue_for(model, error(404, '{"error": {"message": "gone"}}'))
    assert run(loopback, "--compare", f"{A},{B}", "hi") == 1
    assert len(capsys.readouterr().err.splitlines()) == 2
    first = saved_messages(store)[1]
    assert first["error"] and first["alternatives"][0]["error"]


def test_a_stalled_model_is_saved_while_the_other_is_done(
    capsys: pytest.CaptureFixture[str],
    loopback: LoopbackServer,
    store: SessionStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SIGTERM while one model stalls: the finished reply and the partial one are both saved."""
    import os
    import signal
    import threading

    loopback.enqueue_for(A, reply("alpha is done"))
    loopback.enqueue_for(B, stall([chunk("beta hangs", model=B)], seconds=30))

    def stop_when_stalled() -> None:
        loopback.wait_until_requests_blocking(2)
        deadline_requests = [r for r in loopback.requests if r.model == A]
        while not (deadline_requests and deadline_requests[0].finished):
            threading.Event().wait(0.01)
        threading.Event().wait(0.2)  # beta's first event has been read by then
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=stop_when_stalled, daemon=True).start()
    assert run(loopback, "--compare", f"{A},{B}", "hi") == 143
    out, err = capsys.readouterr()
    assert out == f"==> {A} <==\nalpha is done\n"
    assert "SIGTERM" in err
    first = saved_messages(store)[1]
    beta = first["alternatives"][0]
    assert first["content"] == "alpha is done" and "incomplete" not in first
    assert beta["content"] == "beta hangs" and beta["incomplete"] is True
    assert beta["error"] != STREAMING and "SIGTERM" in beta["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--compare", "a,b"], "--compare only applies with -p"),
        (["-p", "--compare", "a,,b", "hi"], "not a list of model ids"),
        (["-p", "--compare", "a,b", "--reasoning", "hi"], "--reasoning does not apply"),
    ],
)
def test_bad_compare_flags_are_usage_errors(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, args: list[str], message: str
) -> None:
    assert main(["--base-url", loopback.base_url, *args]) == 2
    assert message in capsys.readouterr().err
    assert not loopback.requests


def test_no_session_file_holds_the_key(loopback: LoopbackServer, store: SessionStore) -> None:
    loopback.enqueue_for(A, reply("a"))
    loopback.enqueue_for(B, reply("b"))
    assert run(loopback, "--compare", f"{A},{B}", "hi") == 0
    [summary] = store.list()
    assert isinstance(summary, SessionSummary)
    assert SECRET not in Path(summary.path).read_text("utf-8")


def test_a_compared_model_that_asks_for_a_tool_has_its_call_printed_and_saved(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, store: SessionStore
) -> None:
    loopback.enqueue_for(A, reply("alpha's answer"))
    loopback.enqueue_for(B, fixture("litellm-tool-stream.txt", folder=HANDWRITTEN, delay=0.001))

    assert run(loopback, "--compare", f"{A},{B}", "weather in Paris?") == 0

    out, err = capsys.readouterr()
    assert out == (
        f"==> {A} <==\nalpha's answer\n\n==> {B} <==\n"
        '⚙ tool call: get_weather {"city": "Paris", "unit": "celsius"}\n'
    )
    assert "hcchat does not run tools" in err and "empty reply" not in err
    _, first = saved_messages(store)
    [beta] = first["alternatives"]
    assert beta["finish_reason"] == "tool_calls"
    assert [call["function"]["name"] for call in beta["tool_calls"]] == ["get_weather"]
