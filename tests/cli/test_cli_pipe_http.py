"""Pipe mode (``hcchat -p``) against a real HTTP server on 127.0.0.1 streaming SSE."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import SECRET, one_error_line
from loopback import LoopbackServer, chunk, drop, error, reply

from app.cli import main
from app.store import Session, SessionStore, SessionSummary

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def with_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The API key, set the way a user would: in HCCHAT_API_KEY."""
    monkeypatch.setenv("HCCHAT_API_KEY", SECRET)
    return SECRET


def only_session(store: SessionStore) -> Session:
    [summary] = store.list()
    assert isinstance(summary, SessionSummary)
    return store.load(summary.id)


def session_files_text(sessions_dir: Path) -> str:
    return "".join(path.read_text(encoding="utf-8") for path in sessions_dir.glob("*.toml"))


def test_streams_the_reply_and_sends_a_proper_request(
    capsys: pytest.CaptureFixture[str],
    loopback: LoopbackServer,
    store: SessionStore,
    sessions_dir: Path,
    with_key: str,
) -> None:
    loopback.enqueue(reply("Hello over HTTP!", chunk_size=3, comments=True))

    assert main(["-p", "--base-url", loopback.base_url, "--model", "test/m", "hi", "there"]) == 0

    out, err = capsys.readouterr()
    assert out == "Hello over HTTP!\n"
    assert err == ""
    [request] = loopback.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.json["model"] == "test/m"
    assert request.json["stream"] is True
    assert request.json["messages"] == [{"role": "user", "content": "hi there"}]
    reply_message = only_session(store).messages[1]
    assert reply_message.content == "Hello over HTTP!"
    assert reply_message.model == "test/m"
    assert reply_message.finish_reason == "stop"
    assert reply_message.usage is not None
    assert SECRET not in session_files_text(sessions_dir)


def test_uses_the_environment_base_url_and_config_params(
    capsys: pytest.CaptureFixture[str],
    loopback: LoopbackServer,
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HCCHAT_BASE_URL", loopback.base_url + "/")
    config_file.write_text(
        'default_model = "cfg/model"\nsystem_prompt = "Be kind."\n'
        "temperature = 0.3\ntop_p = 0.9\nmax_tokens = 50\n",
        encoding="utf-8",
    )
    loopback.enqueue(reply("ok"))

    assert main(["-p", "question"]) == 0

    [request] = loopback.requests
    body = request.json
    assert body["model"] == "cfg/model"
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.3, 0.9, 50)
    assert body["messages"] == [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "question"},
    ]
    assert "authorization" not in request.headers
    assert capsys.readouterr().out == "ok\n"


def test_continue_sends_the_whole_history(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, store: SessionStore
) -> None:
    loopback.enqueue(reply("first answer"), reply("second answer"))

    assert main(["-p", "--base-url", loopback.base_url, "first"]) == 0
    assert main(["-p", "--base-url", loopback.base_url, "--continue", "second"]) == 0

    assert loopback.requests[1].json["messages"] == [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "second"},
    ]
    assert capsys.readouterr().out == "first answer\nsecond answer\n"
    assert len(only_session(store).messages) == 4


def test_terminal_control_characters_are_stripped_from_output_not_from_the_session(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, store: SessionStore
) -> None:
    text = "safe\x1b]0;title\x07 \x1b[2Jtext\tand\r\nmore\x9b31m\u202eend"
    loopback.enqueue(reply(text, chunk_size=2))

    assert main(["-p", "--base-url", loopback.base_url, "x"]) == 0

    assert capsys.readouterr().out == "safe]0;title [2Jtext\tand\nmore31mend\n"
    assert only_session(store).messages[1].content == text


def test_an_http_error_is_one_line_and_the_prompt_is_saved(
    capsys: pytest.CaptureFixture[str],
    loopback: LoopbackServer,
    store: SessionStore,
    sessions_dir: Path,
    with_key: str,
) -> None:
    loopback.enqueue(error(401, f'{{"error": "Authentication failed for {SECRET}"}}'))

    assert main(["-p", "--base-url", loopback.base_url, "are you there?"]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    line = one_error_line(err)
    assert "401" in line
    assert SECRET not in out + err
    user, failed = only_session(store).messages
    assert user.content == "are you there?"
    assert failed.role == "assistant"
    assert failed.content == ""
    assert failed.incomplete is True
    assert failed.error is not None
    assert "401" in failed.error
    assert SECRET not in session_files_text(sessions_dir)


def test_an_error_message_from_the_server_cannot_steer_the_terminal(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer
) -> None:
    body = '{"error": {"message": "bad\\u001b[2Jmodel\\nsecond line\\u0007", "code": 400}}'
    loopback.enqueue(error(400, body))

    assert main(["-p", "--base-url", loopback.base_url, "x"]) == 1

    line = one_error_line(capsys.readouterr().err)
    assert "bad[2Jmodel second line" in line
    assert "\x1b" not in line
    assert "\x07" not in line


def test_a_dropped_stream_keeps_the_partial_reply_marked_incomplete(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, store: SessionStore
) -> None:
    loopback.enqueue(drop([chunk("", role=True), chunk("Partial "), chunk("answer")]))

    assert main(["-p", "--base-url", loopback.base_url, "tell me"]) == 1

    out, err = capsys.readouterr()
    assert out == "Partial answer\n"
    one_error_line(err)
    partial = only_session(store).messages[1]
    assert partial.content == "Partial answer"
    assert partial.incomplete is True
    assert partial.error is not None
    assert partial.error in err


def test_reasoning_from_the_server_goes_to_stderr_when_asked(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, store: SessionStore
) -> None:
    loopback.enqueue(reply("42", reasoning="Think about it."))

    assert main(["-p", "--reasoning", "--base-url", loopback.base_url, "answer?"]) == 0

    out, err = capsys.readouterr()
    assert out == "42\n"
    assert err == "Think about it.\n"
    assert only_session(store).messages[1].reasoning == "Think about it."


def test_python_dash_m_app_pipe_mode_end_to_end(
    loopback: LoopbackServer, isolated_env: Path, sessions_dir: Path
) -> None:
    loopback.enqueue(reply("Streamed through a real process.", chunk_size=5))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HCCHAT_") and not key.upper().endswith("_PROXY")
    }
    env["HCCHAT_API_KEY"] = SECRET

    result = subprocess.run(
        [sys.executable, "-m", "app", "-p", "--base-url", loopback.base_url],
        input="from stdin",
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Streamed through a real process.\n"
    assert result.stderr == ""
    assert loopback.requests[0].json["messages"] == [{"role": "user", "content": "from stdin"}]
    assert "from stdin" in session_files_text(sessions_dir)
    assert SECRET not in session_files_text(sessions_dir)


def test_a_reader_that_goes_away_ends_quietly_and_keeps_the_partial_reply(
    loopback: LoopbackServer, isolated_env: Path, store: SessionStore
) -> None:
    loopback.enqueue(reply("x" * 2000, chunk_size=10, delay=0.01))
    env = {key: value for key, value in os.environ.items() if not key.startswith("HCCHAT_")}

    process = subprocess.Popen(
        [sys.executable, "-m", "app", "-p", "--base-url", loopback.base_url, "long please"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10) == b"xxxxxxxxxx"
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 1

    assert stderr == b""
    partial = only_session(store).messages[1]
    assert 10 <= len(partial.content) < 2000
    assert partial.incomplete is True
    assert partial.error == "output closed before the reply was complete"


def test_ctrl_c_saves_the_partial_reply_and_exits_130(
    loopback: LoopbackServer, isolated_env: Path, store: SessionStore
) -> None:
    loopback.enqueue(reply("y" * 2000, chunk_size=10, delay=0.01))
    env = {key: value for key, value in os.environ.items() if not key.startswith("HCCHAT_")}

    process = subprocess.Popen(
        [sys.executable, "-m", "app", "-p", "--base-url", loopback.base_url, "long please"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stdout.read(10) == b"yyyyyyyyyy"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 130
    assert err.decode() == "hcchat: cancelled; the partial reply is saved\n"
    partial = only_session(store).messages[1]
    # all that was printed is saved (a delta that arrived with the signal may be saved unprinted)
    printed = 10 + len(out.rstrip(b"\n"))
    assert partial.content == "y" * len(partial.content) and printed <= len(partial.content) < 2000
    assert partial.incomplete is True
    assert partial.error == "cancelled"


def test_a_prompt_that_cannot_fit_the_context_is_not_sent_and_exits_1(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, with_key: str
) -> None:
    from app.config import cache_dir
    from app.store import ModelCache

    ModelCache(cache_dir() / "models.json").save(
        loopback.base_url, [{"id": "test/tiny", "name": "Tiny", "context_length": 100}]
    )
    prompt = "word " * 200  # about 250 tokens
    args = ["-p", "--base-url", loopback.base_url, "--model", "test/tiny", prompt]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "more than the 100-token context of test/tiny" in err
    assert "was not sent" in err
    assert loopback.requests == []
