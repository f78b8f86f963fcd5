"""A session file or an import cannot tamper with the request or write what TOML cannot read."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

from loopback import chunk, sse

from app.store import SessionStore

from .conftest import MODEL, CliRun

HOSTILE_PARAMS = {
    "n": 64,
    "model": "evil/model",
    "stream": False,
    "stream_options": {"include_usage": False},
    "temperature": 0.5,
    "top_p": float("nan"),
    "max_tokens": float("inf"),
}


def _import(hcchat: Callable[..., CliRun], tmp_path: Path, document: object) -> str:
    source = tmp_path / "import.json"
    source.write_text(json.dumps(document), "utf-8")  # NaN and Infinity as Python writes them
    run = hcchat("sessions", "import", str(source))
    assert run.code == 0, run.err
    return run.out.strip()


def test_imported_params_are_only_known_ones_in_range_and_never_override_the_request(
    isolated_env: Path,
    hcchat: Callable[..., CliRun],
    cli_sessions: SessionStore,
    loopback,
    tmp_path: Path,
) -> None:
    document = {
        "model": MODEL,
        "params": HOSTILE_PARAMS,
        "messages": [{"role": "user", "content": "hi"}],
    }
    source = tmp_path / "import.json"
    source.write_text(json.dumps(document), "utf-8")
    run = hcchat("sessions", "import", str(source))
    assert run.code == 0, run.err
    session_id = run.out.strip()
    for name in ("'n'", "'model'", "'stream'", "'stream_options'", "top_p", "max_tokens"):
        assert name in run.err
    assert cli_sessions.load(session_id).params == {"temperature": 0.5}

    loopback.requests.clear()
    run = hcchat("-p", "--session", session_id, "and again")
    assert run.code == 0, run.err
    body = loopback.requests[-1].json
    assert body["model"] == MODEL and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert "n" not in body and "top_p" not in body and "max_tokens" not in body
    assert body["temperature"] == 0.5
    assert [m["content"] for m in body["messages"]] == ["hi", "and again"]


def test_a_session_file_with_unknown_or_out_of_range_params_is_listed_unreadable(
    isolated_env: Path, hcchat: Callable[..., CliRun], cli_sessions: SessionStore
) -> None:
    cli_sessions.folder.mkdir(parents=True)
    for name, params in (("a-unknown", "n = 64"), ("b-range", "temperature = inf")):
        text = (
            f'schema = 1\nid = "{name}"\ntitle = "t"\ncreated = 2026-11-24T19:30:05Z\n'
            f'updated = 2026-11-24T19:30:05Z\nmodel = "{MODEL}"\n\n[params]\n{params}\n\n'
            '[[messages]]\nrole = "user"\ncontent = "hi"\n'
        )
        (cli_sessions.folder / f"{name}.toml").write_text(text, "utf-8")
    run = hcchat("sessions", "list")
    assert run.code == 0
    assert "a-unknown.toml  unreadable: params: 'n' is not a parameter" in run.out
    assert "b-range.toml  unreadable: params: 'temperature' must be" in run.out
    run = hcchat("-p", "--session", "a-unknown", "hello")
    assert run.code == 1 and "params" in run.error_line


def test_usage_beyond_64_bits_or_negative_is_never_written(
    isolated_env: Path,
    hcchat: Callable[..., CliRun],
    cli_sessions: SessionStore,
    loopback,
    tmp_path: Path,
) -> None:
    huge = 2**70
    usage = {"prompt_tokens": huge, "completion_tokens": -3, "total_tokens": 7}
    session_id = _import(
        hcchat,
        tmp_path,
        {
            "model": MODEL,
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "yo", "usage": usage, "ttft": float("nan")},
            ],
        },
    )
    counts = json.dumps({"prompt_tokens": huge, "completion_tokens": -1, "total_tokens": 2})
    usage_chunk = json.dumps({**json.loads(chunk()), "choices": [], "usage": json.loads(counts)})
    loopback.enqueue(sse([chunk("ok", role=True), chunk(finish="stop"), usage_chunk, "[DONE]"]))
    run = hcchat("-p", "--session", session_id, "more")
    assert run.code == 0, run.err
    text = (cli_sessions.folder / f"{session_id}.toml").read_text("utf-8")
    assert str(huge) not in text and "= -3" not in text and "= -1" not in text
    for message in tomllib.loads(text)["messages"]:
        for count in message.get("usage", {}).values():
            assert 0 <= count < 2**63
    assert "nan" not in text
