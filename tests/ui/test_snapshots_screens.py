"""SVG snapshots of the screens of issues 15 and 14 at 80x24 and 120x40, dark and light.

The chat screen with math and a long code line, a stalled reply, the welcome view, help,
settings, and two models compared (side by side at 120x40, stacked at 80x24). Times are frozen
as in ``test_snapshots.py`` (UTC, fixed timestamps, a constant clock, cursors that do not
blink). Review the SVG diff before running ``pytest --snapshot-update``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from loopback import reply, stall

from app.store import Message, Session
from app.ui.screens import ChatScreen
from app.ui.screens._dialogs import HelpScreen
from app.ui.screens._settings import SettingsScreen
from app.ui.widgets import CompareView, RecentSession, WelcomeView

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
THEMES = ["textual-dark", "textual-light"]
WHEN = datetime(2026, 11, 24, 19, 30, 5, tzinfo=UTC)
LONG_LINE = (
    "curl -sS https://ai.hackclub.com/proxy/v1/chat/completions -H 'Content-Type: "
    "application/json' -d @request.json | jq -r '.choices[0].message.content'"
)
MATH_REPLY = (
    "The area of a circle is $A = \\pi r^2$, and \\(\\alpha \\leq \\beta\\) here. "
    "It costs $5 and $10; your shell has `$HOME`.\n\n"
    "$$\n\\sum_{i=1}^n i = \\frac{n(n+1)}{2}\n$$\n\n"
    f"Run this:\n\n```sh\n{LONG_LINE}\n```\n"
)


class _Clock:
    """The clock behind the live stats, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _frozen(frozen_time: datetime) -> None:
    """Every picture here is taken at ``frozen_time``."""


def _session(reply: str = MATH_REPLY) -> Session:
    session = Session(id="20261124-193005-3f9a", title="Circles", created=WHEN, updated=WHEN)
    session.model = "test/model-a"
    session.messages = [
        Message("user", "What is the area of a circle, and how do I call the API?", created=WHEN),
        Message(
            "assistant",
            reply,
            created=WHEN,
            model="test/model-a",
            finish_reason="stop",
            usage={"prompt_tokens": 20, "completion_tokens": 95, "total_tokens": 115},
            ttft=0.42,
            tokens_per_second=48.3,
        ),
    ]
    return session


async def _until(pilot, check) -> None:
    for _ in range(400):
        if check():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app did not reach the state to snapshot")


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_chat_with_math_and_a_long_code_line(snap_compare, make_app, size, theme):
    app = make_app(_session(), theme=theme)

    async def run_before(pilot) -> None:
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_a_stalled_reply(snap_compare, make_app, loopback, monkeypatch, size, theme):
    clock = _Clock()
    monkeypatch.setattr(ChatScreen, "clock", staticmethod(clock))
    partial = "Let me think about that. The first part is"
    event = json.dumps({"choices": [{"index": 0, "delta": {"content": partial}}]})
    loopback.enqueue(stall([event], seconds=30))
    app = make_app(_session("A circle's area is $\\pi r^2$."), theme=theme)

    async def run_before(pilot) -> None:
        chat = app.chat
        chat.query_one("#prompt").insert("And its circumference?")
        await pilot.press("enter")
        await _until(pilot, lambda: chat.reply is not None and chat.reply.message.content)
        view = chat.reply_view
        await _until(pilot, lambda: view.body.source == partial)
        clock.now += 12
        await _until(
            pilot, lambda: "waiting for the server · 12 s" in chat.query_one("#status").text
        )
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_the_welcome_view(snap_compare, make_app, store, size, theme):
    titles = ["Scarecrows", "Rust lifetimes and the borrow checker, explained slowly", "Lisbon"]
    for number, title in enumerate(titles):
        session = _session()
        session.id = f"2026112{number}-093000-000{number}"
        session.title = title
        session.updated = datetime(2026, 11, 20 + number, 9, 30, tzinfo=UTC)
        store.save(session)
    # the base URL the welcome view names, not the loopback server's port of the day
    app = make_app(theme=theme, base_url="https://ai.hackclub.com/proxy/v1")

    async def run_before(pilot) -> None:
        welcome = app.chat.query_one(WelcomeView)
        await _until(pilot, lambda: len(welcome.query(RecentSession)) == 3)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, make_app, size, theme):
    app = make_app(_session(), theme=theme)

    async def run_before(pilot) -> None:
        await pilot.press("f1")
        await _until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_settings(snap_compare, make_app, size, theme):
    session = _session()
    session.set_system_prompt("You are concise.")
    session.params = {"temperature": 0.7}
    app = make_app(session, theme=theme)

    async def run_before(pilot) -> None:
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_two_models_compared(snap_compare, make_app, loopback, size, theme):
    loopback.enqueue_for(
        "test/alpha",
        reply("The area is **π r²**.\n\n- r is the radius\n- π is about 3.14159", chunk_size=8),
    )
    loopback.enqueue_for(
        "test/beta", reply("Multiply the radius by itself, then by `pi`.", chunk_size=8)
    )
    app = make_app(_session("A circle's area is $\\pi r^2$."), theme=theme)

    async def run_before(pilot) -> None:
        chat = app.chat
        chat.query_one("#prompt").insert("/compare test/alpha test/beta")
        await pilot.press("enter")
        await _until(
            pilot,
            lambda: (
                chat.comparison is not None
                and chat.comparison.ended
                and not any(
                    view.streaming for view in chat.query_one(CompareView).query("ReplyView")
                )
            ),
        )
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
