"""Keys that work with the prompt focused: scrolling the conversation; editing at the end."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.containers import VerticalScroll

from app.store import Message, Session
from app.ui.widgets import PromptArea

from .conftest import chat, send_and_wait, wait_for


def _session(pairs: int) -> Session:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    session = Session(id="20260101-000000-00ab", title="Long", created=when, updated=when)
    session.model = "m"
    for number in range(pairs):
        session.messages.append(Message("user", f"question {number}", created=when))
        text = f"answer {number}\n\n" + "a line of the answer\n\n" * 6
        session.messages.append(Message("assistant", text, created=when, model="m"))
    return session


async def test_page_keys_scroll_the_conversation_while_the_prompt_keeps_focus(make_app):
    app = make_app(_session(6))
    async with app.run_test(size=(80, 24)) as pilot:
        conversation = chat(app).query_one("#conversation", VerticalScroll)
        prompt = chat(app).query_one(PromptArea)
        await wait_for(pilot, lambda: conversation.max_scroll_y > 0)
        await pilot.press("h", "i")
        await wait_for(pilot, lambda: conversation.scroll_y == conversation.max_scroll_y)
        bottom = conversation.scroll_y
        await pilot.press("pageup")
        await wait_for(pilot, lambda: conversation.scroll_y < bottom)
        assert app.focused is prompt
        up = conversation.scroll_y
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: conversation.scroll_y > up)
        await pilot.press("ctrl+home")
        await wait_for(pilot, lambda: conversation.scroll_y == 0)
        await pilot.press("ctrl+end")
        await wait_for(pilot, lambda: conversation.scroll_y == conversation.max_scroll_y > 0)
        assert app.focused is prompt
        assert prompt.text == "hi"
        await pilot.press("home")  # Home and End still move in the prompt's text
        assert prompt.cursor_location == (0, 0)
        await pilot.press("end")
        assert prompt.cursor_location == (0, 2)


async def test_editing_a_message_puts_the_cursor_at_the_end_of_its_text(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "first line")
        await pilot.press("ctrl+up", "up", "e")
        prompt = chat(app).query_one(PromptArea)
        await wait_for(pilot, lambda: prompt.text == "first line")
        assert prompt.cursor_location == (0, len("first line"))
        await pilot.press("!")
        assert prompt.text == "first line!"
