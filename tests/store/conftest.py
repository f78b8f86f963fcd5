"""Fixtures for the store tests: a sessions folder under ``tmp_path`` and sample sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.store import Message, Session, SessionStore

MakeSession = Callable[..., Session]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A sessions folder that does not exist yet (the store creates it)."""
    return tmp_path / "sessions"


@pytest.fixture
def store(folder: Path) -> SessionStore:
    """A store on ``folder``."""
    return SessionStore(folder)


@pytest.fixture
def make_session() -> MakeSession:
    """Build a small conversation: system prompt, a user prompt, an assistant reply."""
    counter = iter(range(1, 10_000))

    def make(
        title: str = "A joke about scarecrows",
        prompt: str = "Tell me a joke.",
        reply: str = "Why did the scarecrow win an award? Because he was outstanding.",
        updated: datetime | None = None,
        session_id: str | None = None,
    ) -> Session:
        number = next(counter)
        created = datetime(2026, 11, 24, 19, 30, number % 60, tzinfo=UTC)
        session = Session(
            id=session_id or f"20261124-1930{number % 60:02d}-{number:04x}",
            title=title,
            created=created,
            updated=updated or created,
            model="qwen/qwen3-32b",
        )
        session.messages = [
            Message(role="system", content="You are concise."),
            Message(role="user", content=prompt, created=created),
            Message(
                role="assistant",
                content=reply,
                created=created,
                model="qwen/qwen3-32b",
                finish_reason="stop",
                usage={"prompt_tokens": 20, "completion_tokens": 15, "total_tokens": 35},
            ),
        ]
        return session

    return make
