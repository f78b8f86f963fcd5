"""``--role NAME`` in pipe mode against the loopback server: the request and the session file."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import SECRET, one_error_line
from loopback import LoopbackServer, reply

from app.cli import main
from app.store import SessionStore, SessionSummary

CONFIG = """\
system_prompt = "You are helpful."
temperature = 0.5

[roles.reviewer]
system_prompt = "Review the code."
model = "test/reviewer"
temperature = 0.1
top_p = 0.9
max_tokens = 300

[roles.plain]
system_prompt = "Be plain."
"""


@pytest.fixture(autouse=True)
def roles_config(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("HCCHAT_API_KEY", SECRET)


def test_role_sets_the_system_message_model_and_parameters(
    loopback: LoopbackServer, store: SessionStore, sessions_dir: Path
) -> None:
    loopback.enqueue(reply("Looks fine."))

    assert main(["-p", "--base-url", loopback.base_url, "--role", "reviewer", "check"]) == 0

    body = loopback.requests[-1].json
    assert body["model"] == "test/reviewer"
    assert body["messages"] == [
        {"role": "system", "content": "Review the code."},
        {"role": "user", "content": "check"},
    ]
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.1, 0.9, 300)
    [summary] = store.list()
    assert isinstance(summary, SessionSummary)
    assert store.load(summary.id).role == "reviewer"
    assert 'role = "reviewer"\n' in summary.path.read_text("utf-8")


def test_model_flag_wins_over_the_roles_model(loopback: LoopbackServer) -> None:
    loopback.enqueue(reply("ok"))

    args = ["-p", "--base-url", loopback.base_url, "--role", "plain", "--model", "test/m", "x"]
    assert main(args) == 0

    body = loopback.requests[-1].json
    assert body["model"] == "test/m"
    assert body["messages"][0] == {"role": "system", "content": "Be plain."}
    assert body["temperature"] == 0.5  # the config's, the role sets none


def test_unknown_role_is_one_line_naming_the_known_ones(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, sessions_dir: Path
) -> None:
    assert main(["-p", "--base-url", loopback.base_url, "--role", "poet", "x"]) == 2

    line = one_error_line(capsys.readouterr().err)
    assert "Unknown role 'poet'" in line
    assert "plain, reviewer" in line
    assert loopback.requests == []
    assert not list(sessions_dir.glob("*.toml"))
