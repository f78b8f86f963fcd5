"""Fixtures for driving the real app with Pilot against the loopback server."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pilot import chat, screen_text, send, send_and_wait, wait_for
from textual.widgets import Input, TextArea

from app.config import Settings
from app.store import Session, SessionStore
from app.ui._app import HCChatApp
from app.ui.screens import ChatScreen


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


SNAPSHOT_TIME = datetime(2026, 11, 24, 19, 30, 5, tzinfo=UTC)


@pytest.fixture
def frozen_time(monkeypatch: pytest.MonkeyPatch):
    """Times, the live stats' clock and blinking cursors frozen, so pictures only change when
    the screens do (a cursor blinks off half a second after the last key: a loaded machine
    can take a picture later than that)."""
    from app.ui.screens import _chat

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(_chat, "utc_now", lambda: SNAPSHOT_TIME)
    monkeypatch.setattr(ChatScreen, "clock", staticmethod(lambda: 1000.0))
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    yield SNAPSHOT_TIME
    monkeypatch.undo()
    time.tzset()


__all__ = ["chat", "screen_text", "send", "send_and_wait", "wait_for"]
