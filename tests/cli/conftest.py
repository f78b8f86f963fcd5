"""Fixtures for the command-line tests: the isolated home, its session store, a fake TUI."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from cli_helpers import FakeTUI, at

from app.store import Message, Session, SessionStore


@pytest.fixture
def cli_home(isolated_env: Path) -> Path:
    """The isolated home of tests/conftest.py (HOME and the XDG folders point into it)."""
    return isolated_env


@pytest.fixture
def sessions_dir(cli_home: Path) -> Path:
    """The sessions folder hcchat uses in the isolated home."""
    return cli_home / ".local" / "share" / "hcchat" / "sessions"


@pytest.fixture
def config_file(cli_home: Path) -> Path:
    """The config file hcchat reads in the isolated home (folder created, file not)."""
    path = cli_home / ".config" / "hcchat" / "config.toml"
    path.parent.mkdir(parents=True)
    return path


@pytest.fixture
def store(sessions_dir: Path) -> SessionStore:
    """A store on the isolated sessions folder."""
    return SessionStore(sessions_dir)


@pytest.fixture
def joke_session(store: SessionStore) -> Session:
    """A saved two-turn conversation with a system prompt, reasoning and usage."""
    session = Session(
        id="20261124-193005-3f9a",
        title="A joke about scarecrows",
        created=at("2026-11-24 19:30:05"),
        updated=at("2026-11-24 19:31:10"),
        model="qwen/qwen3-32b",
        params={"temperature": 0.7},
        messages=[
            Message(role="system", content="You are concise."),
            Message(role="user", content="Tell me a joke.", created=at("2026-11-24 19:30:05")),
            Message(
                role="assistant",
                content="Why did the scarecrow win an award?\nHe was outstanding in his field.",
                model="qwen/qwen3-32b",
                created=at("2026-11-24 19:30:06"),
                finish_reason="stop",
                reasoning="A classic pun.",
                usage={"prompt_tokens": 20, "completion_tokens": 15, "total_tokens": 35},
            ),
            Message(role="user", content="Another", created=at("2026-11-24 19:31:00")),
            Message(
                role="assistant",
                content="Half a joke",
                model="openai/gpt-oss-120b",
                created=at("2026-11-24 19:31:10"),
                incomplete=True,
                error="connection lost",
            ),
        ],
    )
    store.save(session)
    return session


@pytest.fixture
def fake_tui(monkeypatch: pytest.MonkeyPatch) -> FakeTUI:
    """Replace ``app.ui.run_app`` so CLI tests never start the full-screen app."""
    import app.ui

    fake = FakeTUI()
    monkeypatch.setattr(app.ui, "run_app", fake)
    return fake


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch):
    """Give the command ``data`` on standard input (a non-terminal, like a pipe)."""

    def feed(data: str | bytes) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))

    return feed
