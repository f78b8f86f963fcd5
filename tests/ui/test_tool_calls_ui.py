"""A streamed tool call in the app: shown collapsed to its name, opened with ``o``, saved, and
sent again as text (issue 15). hcchat does not run tools."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from loopback import HANDWRITTEN, fixture, reply
from pilot import idle, notifications, screen_text, send, send_and_wait, wait_for

from app.store import Message, Session, ToolCall
from app.ui.widgets import ReplyView
from app.ui.widgets._tool_call import ToolCallView

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
THEMES = ["textual-dark", "textual-light"]
WHEN = datetime(2026, 11, 24, 19, 30, 5, tzinfo=UTC)
ARGUMENTS = '{"city": "Paris", "unit": "celsius"}'


async def test_a_streamed_tool_call_is_shown_collapsed_opened_saved_and_sent_as_text(
    make_app, loopback, store
):
    loopback.enqueue(fixture("litellm-tool-stream.txt", folder=HANDWRITTEN, delay=0.002))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await send_and_wait(pilot, "weather in Paris")
        [view] = app.chat.query(ToolCallView)
        assert view.collapsed
        shown = screen_text(app)
        assert "⚙ tool call: get_weather" in shown
        assert "hcchat does not run tools" in shown
        assert '"celsius"' not in shown  # the arguments wait behind the title
        assert not any("empty reply" in n for n in notifications(app))
        reply_view = app.chat.query(ReplyView).last()
        assert not reply_view.has_class("-failed")

        # Ctrl+Up selects the reply; o opens its blocks, and again closes them
        await pilot.press("ctrl+up")
        await wait_for(pilot, lambda: reply_view.has_focus)
        await pilot.press("o")
        await wait_for(pilot, lambda: not view.collapsed)
        await wait_for(pilot, lambda: '"unit": "celsius"' in screen_text(app))
        await pilot.press("o")
        await wait_for(pilot, lambda: view.collapsed)
        await pilot.press("c")
        assert app.clipboard == f"⚙ tool call: get_weather {ARGUMENTS}"

        saved = store.load(app.chat.session.id).messages[1]
        assert saved.tool_calls == [ToolCall("call_mockpace_1", "get_weather", ARGUMENTS)]
        assert saved.error is None and saved.finish_reason == "tool_calls"

        # the next prompt: the calls travel as text, as no tool result follows them
        loopback.enqueue(reply("It is sunny."))
        await pilot.press("escape")
        await send_and_wait(pilot, "thanks")
        sent = loopback.requests[-1].json["messages"]
        assert sent[-2] == {
            "role": "assistant",
            "content": "[hcchat does not run tools; this reply asked for: "
            f"get_weather {ARGUMENTS}]",
        }
        assert "tool_calls" not in sent[-2]


async def test_the_call_shows_while_the_reply_still_streams(make_app, loopback):
    loopback.enqueue(fixture("litellm-tool-stream.txt", folder=HANDWRITTEN, delay=0.3))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "weather?")
        await wait_for(pilot, lambda: bool(app.chat.query(ToolCallView)))
        assert app.chat.streaming
        await wait_for(pilot, lambda: idle(app), timeout=15)
        [view] = app.chat.query(ToolCallView)
        assert view.call.arguments == ARGUMENTS


def _session() -> Session:
    session = Session(id="20261124-193005-3f9a", title="Weather", created=WHEN, updated=WHEN)
    session.model = "test/model-a"
    session.messages = [
        Message("user", "What is the weather in Paris, and the time in Tokyo?", created=WHEN),
        Message(
            "assistant",
            "I will look both up.",
            created=WHEN,
            model="test/model-a",
            finish_reason="tool_calls",
            usage={"prompt_tokens": 30, "completion_tokens": 24, "total_tokens": 54},
            ttft=0.31,
            tool_calls=[
                ToolCall("call_1", "get_weather", ARGUMENTS),
                ToolCall("call_2", "get_time", '{"zone": "Asia/Tokyo"}'),
            ],
        ),
    ]
    return session


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_snapshot_a_reply_with_tool_calls(snap_compare, make_app, frozen_time, size, theme):
    app = make_app(_session(), theme=theme)

    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: len(app.chat.query(ToolCallView)) == 2)
        app.chat.query(ToolCallView).first().collapsed = False  # one open, one closed
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
