"""SVG snapshots of every screen and dialog at 100x30, and some at 80x24 (pytest-textual-snapshot).

Times are frozen (UTC, fixed timestamps, a constant clock for live stats) and cursors do not
blink (on a loaded machine a picture can be taken more than the half second after the last key
at which a cursor first blinks off) so the pictures only change when the screens do. Review
the SVG diff before running ``pytest --snapshot-update``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from loopback import stall
from pilot import wait_for

from app.store import ForkOrigin, Message, Session
from app.ui.markdown import _blocks
from app.ui.screens import (
    ChatScreen,
    ConfirmScreen,
    HelpScreen,
    ModelPicker,
    SessionBrowser,
    SettingsScreen,
    TextPromptScreen,
)
from app.ui.widgets import ReplyView, StatusLine

SIZE = (100, 30)
SMALL = (80, 24)
LIGHT = "textual-light"
WHEN = datetime(2026, 11, 24, 19, 30, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen(frozen_time: datetime) -> None:
    """Every picture here is taken at ``frozen_time``."""


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


def _exchange(answer: Message) -> Session:
    """The session of ``_session()`` with ``answer`` as its reply."""
    session = _session()
    session.messages[-1] = answer
    return session


def _save_three(store) -> None:
    """Three saved sessions, and a file that cannot be read, for the session browser."""
    for number, title in enumerate(["Scarecrows", "Rust lifetimes", "Trip to Lisbon"]):
        session = _session()
        session.id = f"2026112{number}-093000-000{number}"
        session.title = title
        session.updated = datetime(2026, 11, 20 + number, 9, 30, tzinfo=UTC)
        store.save(session)
    (store.folder / "20261101-000000-dead.toml").write_text("schema = 1\nid = [broken", "utf-8")


async def _chat_shown(pilot) -> None:
    """Wait for the chat screen to show its session's last reply, then for a frame."""
    app = pilot.app
    await wait_for(
        pilot, lambda: isinstance(app.screen, ChatScreen) and bool(app.screen.query(ReplyView))
    )
    await pilot.pause()


async def _open(pilot, key: str, screen: type) -> None:
    """Press ``key`` and wait for ``screen`` to be on top, then for a frame."""
    await _chat_shown(pilot)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen))
    await pilot.pause()


async def _browser_then(pilot, key: str, dialog: type) -> None:
    """Open the session browser, wait for its rows, then press ``key`` to open ``dialog``."""
    app = pilot.app
    await pilot.press("ctrl+o")
    await wait_for(
        pilot, lambda: isinstance(app.screen, SessionBrowser) and bool(app.screen.entries)
    )
    await pilot.pause()
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, dialog))
    await pilot.pause()


async def _model_picker_shown(pilot) -> None:
    app = pilot.app
    await pilot.press("ctrl+l")
    await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker) and bool(app.screen.models))
    # the list tells the context meter behind the dialog the model's context: wait for it too
    status = app.chat.query_one(StatusLine)
    await wait_for(pilot, lambda: "ctx" in status.text)
    await pilot.pause()


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
        await wait_for(
            pilot, lambda: chat.reply is not None and chat.reply.message.content == partial
        )
        view = chat.reply_view
        # The flush interval adapts to load: wait for the text to be on screen, not just received.
        await wait_for(pilot, lambda: view is not None and view.body.source == partial)
        # ... and for the status line's next tick to count the tokens that arrived
        status = chat.query_one(StatusLine)
        await wait_for(
            pilot,
            lambda: (
                chat.reply is not None and status.stats[:1] == (f"~{chat.reply.deltas} tokens",)
            ),
        )
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_model_picker(snap_compare, make_app, loopback):
    loopback.models = ["test/model-a", "test/model-b", "qwen/qwen3-32b", "openai/gpt-oss-120b"]
    app = make_app(_session())

    assert snap_compare(app, terminal_size=SIZE, run_before=_model_picker_shown)


def test_session_browser(snap_compare, make_app, store):
    _save_three(store)
    app = make_app()

    async def run_before(pilot) -> None:
        await pilot.press("ctrl+o")
        await wait_for(
            pilot, lambda: isinstance(app.screen, SessionBrowser) and bool(app.screen.entries)
        )
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, make_app):
    app = make_app(_session())

    async def run_before(pilot) -> None:
        await _open(pilot, "f1", HelpScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x30", "80x24"])
def test_settings_form(snap_compare, make_app, size):
    session = _session()
    session.params = {"temperature": 0.7}
    app = make_app(session)

    async def run_before(pilot) -> None:
        await _open(pilot, "ctrl+s", SettingsScreen)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_confirm_dialog_to_delete_a_session(snap_compare, make_app, store):
    _save_three(store)
    app = make_app()

    async def run_before(pilot) -> None:
        await _browser_then(pilot, "ctrl+d", ConfirmScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_text_prompt_dialog_to_rename_a_session(snap_compare, make_app, store):
    _save_three(store)
    app = make_app()

    async def run_before(pilot) -> None:
        await _browser_then(pilot, "ctrl+r", TextPromptScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_finished_reply_with_its_reasoning_open(snap_compare, make_app):
    answer = _session().messages[-1]
    answer.reasoning = (
        "The user wants a joke about scarecrows.\n\nThe classic pun: *outstanding in his field*."
    )
    app = make_app(_exchange(answer))

    async def run_before(pilot) -> None:
        await _chat_shown(pilot)
        block = app.chat.query(ReplyView).last().reasoning_block
        await pilot.click(block.query_one("CollapsibleTitle"))
        await wait_for(pilot, lambda: not block.collapsed)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_failed_reply(snap_compare, make_app):
    failed = Message(
        "assistant",
        "",
        created=WHEN,
        model="test/model-a",
        error="The server failed: boom (HTTP 500)",
    )
    app = make_app(_exchange(failed))
    assert snap_compare(app, terminal_size=SIZE, run_before=_chat_shown)


def test_cancelled_reply_kept_incomplete(snap_compare, make_app):
    cancelled = Message(
        "assistant",
        "Why did the scarecrow win an award?\n\nBecause he was",
        created=WHEN,
        model="test/model-a",
        incomplete=True,
        error="cancelled",
        ttft=0.42,
    )
    app = make_app(_exchange(cancelled))
    assert snap_compare(app, terminal_size=SIZE, run_before=_chat_shown)


def test_chat_screen_80x24(snap_compare, make_app):
    app = make_app(_session())
    assert snap_compare(app, terminal_size=SMALL, run_before=_chat_shown)


def test_chat_screen_light_theme(snap_compare, make_app):
    app = make_app(_session(), theme=LIGHT)

    async def run_before(pilot) -> None:
        await _chat_shown(pilot)
        assert app.theme == LIGHT

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_model_picker_light_theme(snap_compare, make_app, loopback):
    loopback.models = ["test/model-a", "test/model-b", "qwen/qwen3-32b", "openai/gpt-oss-120b"]
    app = make_app(_session(), theme=LIGHT)

    async def run_before(pilot) -> None:
        await _model_picker_shown(pilot)
        assert app.theme == LIGHT

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_reply_with_versions_selected(snap_compare, make_app):
    # the reply was regenerated with another model: it is version 2 of 2, and the earlier one
    # keeps its own branch (a follow-up question and its answer)
    session = _session()
    reply = session.messages[-1]
    earlier = Message(
        "assistant",
        "A scarecrow walks into a bar...",
        created=WHEN,
        model="test/model-b",
        finish_reason="stop",
        version=1,
    )
    earlier.branch = [
        Message("user", "Finish the joke.", created=WHEN),
        Message("assistant", "...and says: I'm outstanding.", created=WHEN, model="test/model-b"),
    ]
    reply.alternatives = [earlier]
    reply.version = 2
    app = make_app(session)

    async def run_before(pilot) -> None:
        await _chat_shown(pilot)
        await pilot.press("ctrl+up")  # selects the last message: the header shows "2/2"
        await wait_for(pilot, lambda: isinstance(app.focused, ReplyView))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_session_browser_showing_a_fork(snap_compare, make_app, store):
    _save_three(store)
    fork = _session()
    fork.id = "20261123-093000-0004"
    fork.title = "Scarecrows, the sequel"
    fork.updated = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    fork.forked_from = ForkOrigin("20261120-093000-0000", 3)
    store.save(fork)
    app = make_app()

    async def run_before(pilot) -> None:
        await pilot.press("ctrl+o")
        await wait_for(
            pilot, lambda: isinstance(app.screen, SessionBrowser) and len(app.screen.entries) > 4
        )
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
