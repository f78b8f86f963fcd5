"""``--endpoint NAME`` and the session's endpoint in pipe mode, against two loopback servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import SECRET, FakeTUI, one_error_line
from loopback import LoopbackServer, error

from app.cli import main
from app.store import SessionStore, SessionSummary

KEY_B = "sk-or-v1-pipeendpointbsecret012345"


@pytest.fixture
def two_endpoints(
    config_file: Path,
    loopback: LoopbackServer,
    other_loopback: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The default endpoint on ``loopback`` (key in HCCHAT_API_KEY), ``b`` on the other
    server with its key from a command, ``local`` with only a list of models."""
    monkeypatch.setenv("HCCHAT_API_KEY", SECRET)
    config_file.write_text(
        f'base_url = "{loopback.base_url}"\n'
        f'[endpoints.b]\nbase_url = "{other_loopback.base_url}"\n'
        f"api_key_command = \"printf '{KEY_B}\\\\nlogin: me\\\\n'\"\n"
        '[endpoints.local]\nbase_url = "http://127.0.0.1:9/v1"\nmodels = ["llama3.2:3b"]\n',
        encoding="utf-8",
    )


def files_text(sessions_dir: Path) -> str:
    return "".join(path.read_text(encoding="utf-8") for path in sessions_dir.glob("*.toml"))


def latest(store: SessionStore):
    summary = store.latest()
    assert isinstance(summary, SessionSummary)
    return store.load(summary.id)


def test_endpoint_sends_to_that_endpoint_with_its_key_and_continue_keeps_it(
    capsys: pytest.CaptureFixture[str],
    two_endpoints: None,
    loopback: LoopbackServer,
    other_loopback: LoopbackServer,
    store: SessionStore,
    sessions_dir: Path,
) -> None:
    assert main(["-p", "--endpoint", "b", "--model", "b/m", "first"]) == 0
    assert main(["-p", "--continue", "second"]) == 0

    assert capsys.readouterr().out == "Echo from b/m: first\nEcho from b/m: second\n"
    assert loopback.requests == []
    assert [r.headers["authorization"] for r in other_loopback.requests] == [f"Bearer {KEY_B}"] * 2
    assert other_loopback.requests[1].json["messages"][-1] == {"role": "user", "content": "second"}
    session = latest(store)
    assert session.endpoint == "b"
    assert [m.endpoint for m in session.messages if m.role == "assistant"] == ["b", "b"]

    # --endpoint says otherwise: the same session goes on with the default endpoint
    assert main(["-p", "--continue", "--endpoint", "default", "third"]) == 0
    [request] = loopback.requests
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.json["messages"][-2] == {"role": "assistant", "content": "Echo from b/m: second"}
    session = latest(store)
    assert session.endpoint is None
    assert session.messages[-1].endpoint is None
    text = files_text(sessions_dir)
    assert KEY_B not in text and SECRET not in text


def test_an_unknown_endpoint_is_one_line_listing_the_known_ones_and_exits_2(
    capsys: pytest.CaptureFixture[str], two_endpoints: None, loopback: LoopbackServer
) -> None:
    assert main(["-p", "--endpoint", "nope", "hi"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--endpoint: Unknown endpoint 'nope'. Known endpoints: default, b, local" in line
    assert loopback.requests == []


def test_endpoint_starts_the_app_on_that_endpoint(two_endpoints: None, fake_tui: FakeTUI) -> None:
    assert main(["--endpoint", "local"]) == 0
    [(settings, _, _)] = fake_tui.calls
    assert settings.endpoint == "local"
    assert fake_tui.endpoints == ["local"]
    assert settings.endpoints["b"].api_key == KEY_B
    assert main([]) == 0
    assert fake_tui.calls[1][0].endpoint == "default"
    assert fake_tui.endpoints[1] is None


def test_an_error_from_one_endpoint_never_shows_any_key(
    capsys: pytest.CaptureFixture[str],
    two_endpoints: None,
    other_loopback: LoopbackServer,
    sessions_dir: Path,
) -> None:
    leak = json.dumps({"error": {"message": f"bad key {KEY_B}, not {SECRET}"}})
    other_loopback.enqueue(error(400, leak))

    assert main(["-p", "--endpoint", "b", "hi"]) == 1

    err = capsys.readouterr().err
    assert "bad key" in one_error_line(err)
    assert KEY_B not in err and SECRET not in err
    text = files_text(sessions_dir)
    assert "bad key" in text
    assert KEY_B not in text and SECRET not in text


def test_the_overflow_message_of_pipe_mode_offers_compact_in_the_app(
    capsys: pytest.CaptureFixture[str],
    two_endpoints: None,
    other_loopback: LoopbackServer,
    store: SessionStore,
) -> None:
    from app.config import cache_dir
    from app.store import ModelCache

    ModelCache(cache_dir() / "models.json").save(
        other_loopback.base_url, [{"id": "b/tiny", "name": "Tiny", "context_length": 100}]
    )
    args = ["-p", "--endpoint", "b", "--model", "b/tiny", "word " * 200]
    assert main(args) == 1  # a new session: only the prompt, nothing to compact
    err = one_error_line(capsys.readouterr().err)
    assert "100-token context of b/tiny" in err
    assert "/compact" not in err and "Start a new session (/new)" in err
    assert main(["-p", "--endpoint", "b", "--model", "b/tiny", "hello"]) == 0
    capsys.readouterr()
    assert main(["-p", "--continue", "word " * 200]) == 1
    err = one_error_line(capsys.readouterr().err)
    session_id = latest(store).id
    assert (
        f"Summarise the earlier turns with /compact in the app (hcchat --session {session_id})"
        in err
    )
    assert len(other_loopback.requests) == 1


def test_sessions_show_names_the_endpoint_and_a_compact_summary(
    capsys: pytest.CaptureFixture[str], store: SessionStore
) -> None:
    from app.store import Message, Session, add_summary

    session = Session.new("b/m")
    session.endpoint = "b"
    session.messages += [Message("user", "q"), Message("assistant", "a", model="b/m")]
    add_summary(session, 2, "They asked q.", model="b/m", endpoint="b")
    store.save(session)

    assert main(["sessions", "show", session.id]) == 0

    out = capsys.readouterr().out
    assert "\nEndpoint b\n" in out
    assert "#3 --- summary of the messages above (sent instead of them) · b/m" in out
    assert "They asked q." in out
