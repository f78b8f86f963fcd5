"""Pipe mode (``hcchat -p``) against the built-in offline demo backend."""

from __future__ import annotations

import functools
import io
import sys
from pathlib import Path

import pytest
from cli_helpers import one_error_line

import app.api._demo
from app.cli import main
from app.store import Session, SessionStore, SessionSummary

GREETING_START = "Hello! 👋 I'm the **hcchat demo**"


@pytest.fixture(autouse=True)
def fast_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo backend without its typing delay."""
    fast = functools.partial(app.api._demo.demo_transport, chunk_delay=0)
    monkeypatch.setattr(app.api._demo, "demo_transport", fast)


def only_session(store: SessionStore) -> Session:
    [summary] = store.list()
    assert isinstance(summary, SessionSummary)
    return store.load(summary.id)


def test_prints_the_reply_and_saves_the_exchange(
    capsys: pytest.CaptureFixture[str], store: SessionStore
) -> None:
    assert main(["-p", "--demo", "hello", "there"]) == 0

    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith(GREETING_START)
    assert out.endswith("slash commands.\n")
    session = only_session(store)
    assert session.title == "hello there"
    assert session.model == "qwen/qwen3-32b"
    user, reply = session.messages
    assert (user.role, user.content) == ("user", "hello there")
    assert reply.role == "assistant"
    assert reply.content + "\n" == out
    assert reply.model == "qwen/qwen3-32b"
    assert reply.finish_reason == "stop"
    assert reply.incomplete is False
    assert reply.error is None
    assert reply.usage is not None
    assert reply.usage["total_tokens"] > 0
    assert reply.ttft is not None
    assert reply.created is not None


def test_reads_the_prompt_from_stdin(
    capsys: pytest.CaptureFixture[str], store: SessionStore, stdin
) -> None:
    stdin("hi from a pipe\nsecond line\n")

    assert main(["--demo", "-p"]) == 0

    assert capsys.readouterr().out.startswith(GREETING_START)
    session = only_session(store)
    assert session.messages[0].content == "hi from a pipe\nsecond line\n"
    assert session.title == "hi from a pipe second line"


def test_stdin_that_is_not_utf8_is_still_read(
    capsys: pytest.CaptureFixture[str], store: SessionStore, stdin
) -> None:
    stdin(b"caf\xe9 hello")

    assert main(["--demo", "-p"]) == 0

    assert only_session(store).messages[0].content == "caf\ufffd hello"


@pytest.mark.parametrize("prompt", ["", "  \n\t"])
def test_an_empty_prompt_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], store: SessionStore, stdin, prompt: str
) -> None:
    stdin(prompt)

    assert main(["--demo", "-p"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert "no prompt" in one_error_line(err)
    assert store.list() == []


def test_no_prompt_and_a_terminal_on_stdin_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("never read"))

    assert main(["--demo", "-p"]) == 2

    assert one_error_line(capsys.readouterr().err) == (
        "hcchat: no prompt: give it as arguments or pipe it in"
    )
    assert store.list() == []


def test_a_long_prompt_gets_a_short_title(store: SessionStore) -> None:
    assert main(["--demo", "-p", "word " * 50]) == 0

    title = only_session(store).title
    assert len(title) == 60
    assert title.endswith("…")


def test_model_flag_and_config_params_are_used(
    capsys: pytest.CaptureFixture[str], store: SessionStore, config_file: Path
) -> None:
    config_file.write_text(
        'system_prompt = "Be brief."\nmax_tokens = 3\ntemperature = 0.2\n', encoding="utf-8"
    )

    assert main(["--demo", "-p", "--model", "demo/fast", "hello"]) == 0

    session = only_session(store)
    assert session.model == "demo/fast"
    assert session.params == {"max_tokens": 3, "temperature": 0.2}
    system, _, reply = session.messages
    assert (system.role, system.content) == ("system", "Be brief.")
    assert reply.finish_reason == "length"
    assert reply.usage is not None
    assert reply.usage["completion_tokens"] == 3
    assert capsys.readouterr().out == reply.content + "\n"


def test_reasoning_is_saved_but_printed_only_when_asked(
    capsys: pytest.CaptureFixture[str], store: SessionStore
) -> None:
    assert main(["--demo", "-p", "--model", "demo/thinker", "hello"]) == 0

    out, err = capsys.readouterr()
    assert err == ""
    reasoning = only_session(store).messages[1].reasoning
    assert reasoning is not None
    assert reasoning.startswith("The user wrote")
    assert "The user wrote" not in out


def test_reasoning_flag_prints_reasoning_to_stderr(
    capsys: pytest.CaptureFixture[str], store: SessionStore
) -> None:
    assert main(["--demo", "-p", "--reasoning", "--model", "demo/thinker", "hello"]) == 0

    out, err = capsys.readouterr()
    reply = only_session(store).messages[1]
    assert err == f"{reply.reasoning}\n"
    assert out == f"{reply.content}\n"


def test_continue_adds_the_prompt_to_the_latest_session(
    capsys: pytest.CaptureFixture[str], store: SessionStore
) -> None:
    assert main(["--demo", "-p", "hello"]) == 0
    first = only_session(store)

    assert main(["--demo", "-p", "--continue", "list some ideas"]) == 0

    session = only_session(store)
    assert session.id == first.id
    assert session.title == "hello"
    assert [m.role for m in session.messages] == ["user", "assistant", "user", "assistant"]
    assert session.messages[2].content == "list some ideas"
    assert session.messages[3].content.startswith("Here are five ideas")


def test_continue_with_no_sessions_starts_one(store: SessionStore) -> None:
    assert main(["--demo", "-p", "--continue", "hello"]) == 0

    assert len(only_session(store).messages) == 2


def test_session_flag_adds_to_that_session_and_can_switch_model(
    store: SessionStore, joke_session: Session
) -> None:
    assert main(["--demo", "-p", "--session", joke_session.id, "--model", "demo/fast", "hi"]) == 0

    session = store.load(joke_session.id)
    assert session.model == "demo/fast"
    assert session.params == {"temperature": 0.7}
    assert len(session.messages) == len(joke_session.messages) + 2
    assert session.messages[-1].model == "demo/fast"
    assert session.title == joke_session.title


def test_session_flag_with_an_unknown_id_sends_nothing(
    capsys: pytest.CaptureFixture[str], store: SessionStore
) -> None:
    assert main(["--demo", "-p", "--session", "nope", "hi"]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert one_error_line(err) == "hcchat: no session 'nope' (see `hcchat sessions list`)"
    assert store.list() == []
