"""SVG snapshots of the main screens at 100x30 (pytest-textual-snapshot).

Times are frozen (UTC, fixed timestamps, a constant clock for live stats) and cursors do not
blink (on a loaded machine a picture can be taken more than the half second after the last key
at which a cursor first blinks off) so the pictures only change when the screens do. Review
the SVG diff before running ``pytest --snapshot-update``.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from loopback import stall
from textual.widgets import Input, TextArea

from app.store import Message, Session
from app.ui.markdown import _blocks
from app.ui.screens import ChatScreen, ModelPicker, SessionBrowser, _chat

SIZE = (100, 30)
WHEN = datetime(2026, 11, 24, 19, 30, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_time(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(_chat, "utc_now", lambda: WHEN)
    monkeypatch.setattr(ChatScreen, "clock", staticmethod(lambda: 1000.0))
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    yield
    monkeypatch.undo()
    time.tzset()


def _session() -> Session:
    session = Session(id="20261124-193005-3f9a", title="Scarecrows", created=WHEN, updated=WHEN)
    session.model = "test/model-a"
    session.messages = [
        Message("system", "You are concise.", created=WHEN),
        Message("user", "Tell me a joke about **scarecrows**.", created=WHEN),
        Message(
            "assistant",
            "Why did the scarecrow win an award?\n\nBecause he was *outstanding* in his field.",
            created=WHEN,
            model="test/model-a",
            finish_reason="stop",
            usage={"prompt_tokens": 20, "completion_tokens": 15, "total_tokens": 35},
            ttft=0.42,
            tokens_per_second=48.3,
        ),
    ]
    return session


def _events(text: str) -> list[str]:
    return [
        json.dumps({"choices": [{"index": 0, "delta": {"content": text[i : i + 6]}}]})
        for i in range(0, len(text), 6)
    ]


async def _until(pilot, check) -> None:
    for _ in range(400):
        if check():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app did not reach the state to snapshot")


def test_chat_screen_mid_stream(snap_compare, make_app, loopback, monkeypatch):
    partial = "Here is a list:\n\n- one `code` item\n- a second item\n\n```python\nprint('hi')"
    # a growing code block is highlighted again after a pause, which timing decides: not here
    monkeypatch.setattr(_blocks, "HIGHLIGHT_EVERY", 0)
    loopback.enqueue(stall(_events(partial), seconds=30))
    app = make_app(_session())

    async def run_before(pilot) -> None:
        chat = app.chat
        chat.query_one("#prompt").insert("Now give me a list and some code")
        await pilot.press("enter")
        await _until(
            pilot, lambda: chat.reply is not None and chat.reply.message.content == partial
        )
        view = chat.reply_view
        # The flush interval adapts to load: wait for the text to be on screen, not just received.
        await _until(pilot, lambda: view.body.source == partial)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_model_picker(snap_compare, make_app, loopback):
    loopback.models = ["test/model-a", "test/model-b", "qwen/qwen3-32b", "openai/gpt-oss-120b"]
    app = make_app(_session())

    async def run_before(pilot) -> None:
        await pilot.press("ctrl+l")
        await _until(pilot, lambda: isinstance(app.screen, ModelPicker) and bool(app.screen.models))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_session_browser(snap_compare, make_app, store):
    for number, title in enumerate(["Scarecrows", "Rust lifetimes", "Trip to Lisbon"]):
        session = _session()
        session.id = f"2026112{number}-093000-000{number}"
        session.title = title
        session.updated = datetime(2026, 11, 20 + number, 9, 30, tzinfo=UTC)
        store.save(session)
    (store.folder / "20261101-000000-dead.toml").write_text("schema = 1\nid = [broken", "utf-8")
    app = make_app()

    async def run_before(pilot) -> None:
        await pilot.press("ctrl+o")
        await _until(
            pilot, lambda: isinstance(app.screen, SessionBrowser) and bool(app.screen.entries)
        )
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
