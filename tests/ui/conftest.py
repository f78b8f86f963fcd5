"""Fixtures for driving the real app with Pilot against the loopback server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from app.config import Settings
from app.store import Session, SessionStore
from app.ui._app import HCChatApp
from app.ui.screens._chat import ChatScreen


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


async def wait_for(
    pilot: Pilot[object], predicate: Callable[[], bool], timeout: float = 10.0
) -> None:
    """Let the app run until ``predicate()`` holds; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)


def chat(app: HCChatApp) -> ChatScreen:
    """The app's chat screen."""
    return app.chat


async def send(pilot: Pilot[object], text: str) -> None:
    """Type ``text`` into the prompt and press Enter, as a user would (pasting long text)."""
    app = pilot.app
    assert isinstance(app, HCChatApp)
    prompt = app.chat.query_one("#prompt")
    prompt.focus()
    if len(text) > 20 or not text.replace(" ", "").isalnum():
        prompt.insert(text)  # type: ignore[attr-defined]
    else:
        await pilot.press(*[c if c != " " else "space" for c in text])
    await pilot.press("enter")


async def send_and_wait(pilot: Pilot[object], text: str) -> None:
    """Send a prompt and wait until its reply has finished streaming and is saved."""
    app = pilot.app
    assert isinstance(app, HCChatApp)
    before = len(app.chat.session.messages)
    await send(pilot, text)
    await wait_for(
        pilot,
        lambda: len(app.chat.session.messages) >= before + 2 and not app.chat.streaming,
    )
    await pilot.pause()


def screen_text(app: HCChatApp) -> str:
    """The characters on screen right now, one line per row, as the user sees them."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)
