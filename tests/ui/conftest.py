"""Fixtures for driving the real app with Pilot against the loopback server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pilot import chat, screen_text, send, send_and_wait, wait_for

from app.config import Settings
from app.store import Session, SessionStore
from app.ui._app import HCChatApp


@pytest.fixture
def settings(loopback, tmp_path: Path) -> Settings:
    """Settings pointing at the loopback server, with isolated folders."""
    return Settings(
        api_key="sk-hc-v1-testsecretkey1234567890",
        base_url=loopback.base_url,
        model="test/model-a",
        theme=None,
        system_prompt=None,
        keys={},
        params={},
        config_path=tmp_path / "config" / "config.toml",
        sessions_dir=tmp_path / "sessions",
        cache_dir=tmp_path / "cache",
        demo=False,
    )


@pytest.fixture
def store(settings: Settings) -> SessionStore:
    """The store the app under test uses."""
    return SessionStore(settings.sessions_dir)


@pytest.fixture
def make_app(settings: Settings) -> Callable[..., HCChatApp]:
    """Build the app under test, optionally opened on a session."""

    def make(session: Session | None = None, **changes: object) -> HCChatApp:
        from dataclasses import replace

        return HCChatApp(replace(settings, **changes), session=session)  # type: ignore[arg-type]

    return make


__all__ = ["chat", "screen_text", "send", "send_and_wait", "wait_for"]
