"""Tool calls in pipe mode and in ``sessions show``/``export``: printed readably, never run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import SECRET
from loopback import HANDWRITTEN, LoopbackServer, fixture, reply

from app.cli import main
from app.store import SessionStore


@pytest.fixture
def with_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HCCHAT_API_KEY", SECRET)
    return SECRET


def test_pipe_mode_prints_the_tool_call_saves_it_and_sends_it_back_as_text(
    capsys: pytest.CaptureFixture[str],
    loopback: LoopbackServer,
    store: SessionStore,
    with_key: str,
) -> None:
    loopback.enqueue(fixture("litellm-tool-stream.txt", folder=HANDWRITTEN, delay=0.001))
    base = ["-p", "--base-url", loopback.base_url, "--model", "mock-tool-stream"]
    assert main([*base, "weather in Paris?"]) == 0
    out, err = capsys.readouterr()
    assert out == '⚙ tool call: get_weather {"city": "Paris", "unit": "celsius"}\n'
    assert "hcchat does not run tools" in err
    assert "empty reply" not in out + err
    [summary] = store.list()
    reply_message = store.load(summary.id).messages[1]
    assert reply_message.finish_reason == "tool_calls"
    assert [(c.id, c.name) for c in reply_message.tool_calls] == [
        ("call_mockpace_1", "get_weather")
    ]

    # the next turn: the reply is sent as text, never with tool_calls that got no result
    loopback.enqueue(reply("It is sunny."))
    assert main([*base, "--session", summary.id, "thanks"]) == 0
    sent = loopback.requests[-1].json["messages"]
    assert sent[1] == {
        "role": "assistant",
        "content": "[hcchat does not run tools; this reply asked for: "
        'get_weather {"city": "Paris", "unit": "celsius"}]',
    }
    assert sent[2] == {"role": "user", "content": "thanks"}

    capsys.readouterr()
    assert main(["sessions", "show", summary.id]) == 0
    shown = capsys.readouterr().out
    assert '⚙ tool call: get_weather {"city": "Paris", "unit": "celsius"}' in shown
    assert "hcchat does not run tools" in shown

    assert main(["sessions", "export", summary.id, "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["messages"][1]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Paris", "unit": "celsius"}',
    }
    assert main(["sessions", "export", summary.id, "--format", "md"]) == 0
    assert "**Tool call:** get_weather" in capsys.readouterr().out


def test_a_hostile_tool_name_is_printed_without_its_control_codes(
    capsys: pytest.CaptureFixture[str], loopback: LoopbackServer, tmp_path: Path, with_key: str
) -> None:
    hostile = HANDWRITTEN / "litellm-tool-stream.txt"
    data = hostile.read_bytes().replace(b'"get_weather"', b'"get_\\u001b]52;c;eA==\\u0007weather"')
    copy = tmp_path / "hostile.txt"
    copy.write_bytes(data)
    loopback.enqueue(fixture("hostile.txt", folder=tmp_path))
    assert main(["-p", "--base-url", loopback.base_url, "--model", "m", "hi"]) == 0
    out, _ = capsys.readouterr()
    assert "\x1b" not in out and "\x07" not in out
    assert "tool call: get_]52;c;eA==weather" in out
