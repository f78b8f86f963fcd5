"""The conversation as a tree, driven by keys and slash commands as a user would."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pilot import idle, told
from textual.widgets import DataTable

from app.store import SessionStore
from app.ui.screens._dialogs import ConfirmScreen
from app.ui.widgets import MessageView, ReplyView, UserMessage

from .conftest import chat, send, send_and_wait, wait_for

ECHO = "Echo from test/model-a: "


def saved(store: SessionStore, session_id: str) -> dict[str, Any]:
    return tomllib.loads((store.folder / f"{session_id}.toml").read_text("utf-8"))


def contents(messages: list[dict[str, Any]]) -> list[str]:
    return [m["content"] for m in messages]


async def three_turns(pilot) -> None:
    for text in ("one", "two", "three"):
        await send_and_wait(pilot, text)


async def select(pilot, index: int) -> MessageView:
    """Ctrl+Up, then Up until message ``index`` is selected."""
    await pilot.press("ctrl+up")
    await pilot.pause()
    while pilot.app.focused.index > index:
        await pilot.press("up")
        await pilot.pause()
    focused = pilot.app.focused
    assert isinstance(focused, MessageView) and focused.index == index
    return focused


async def settle(pilot) -> None:
    await wait_for(pilot, lambda: idle(pilot.app) and chat(pilot.app).session.messages[-1].content)
    await pilot.pause()


async def test_editing_an_earlier_message_sends_history_up_to_it_and_keeps_the_old_branch(
    make_app, loopback, store
):
    app = make_app()
    async with app.run_test() as pilot:
        await three_turns(pilot)
        await select(pilot, 2)
        await pilot.press("e")
        await pilot.pause()
        prompt = chat(app).query_one("#prompt")
        assert prompt.text == "two"
        assert prompt.cursor_location == prompt.document.end
        await pilot.press("backspace", "backspace", "backspace", *"TWO", "enter")
        await settle(pilot)
        session_id = chat(app).session.id
        assert len(chat(app).query(UserMessage)) == 2
    assert loopback.requests[-1].json["messages"] == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": ECHO + "one"},
        {"role": "user", "content": "TWO"},
    ]
    data = saved(store, session_id)
    assert contents(data["messages"]) == ["one", ECHO + "one", "TWO", ECHO + "TWO"]
    old = data["messages"][2]["alternatives"][0]
    assert old["content"] == "two"
    assert contents(old["branch"]) == [ECHO + "two", "three", ECHO + "three"]


async def test_left_and_right_switch_the_whole_branch_and_the_header_shows_it(
    make_app, loopback, store
):
    app = make_app()
    async with app.run_test() as pilot:
        await three_turns(pilot)
        await select(pilot, 2)
        await pilot.press("e", "backspace", "x", "enter")
        await settle(pilot)
        view = await select(pilot, 2)
        assert "2/2" in str(view.query_one(".message-header").render())
        await pilot.press("left")
        await pilot.pause()
        shown = [v.message.content for v in chat(app).query(MessageView)]
        assert shown == ["one", ECHO + "one", "two", ECHO + "two", "three", ECHO + "three"]
        focused = app.focused
        assert isinstance(focused, UserMessage)
        assert "1/2" in str(focused.query_one(".message-header").render())
        session_id = chat(app).session.id
        data = saved(store, session_id)
        assert contents(data["messages"])[2:4] == ["two", ECHO + "two"]
        await pilot.press("escape")
        await send_and_wait(pilot, "four")
    assert contents(loopback.requests[-1].json["messages"]) == [
        "one", ECHO + "one", "two", ECHO + "two", "three", ECHO + "three", "four",
    ]  # fmt: skip
    data = saved(store, session_id)
    assert data["messages"][2]["alternatives"][0]["content"] == "twx"
    assert data["messages"][2]["version"] == 1


async def test_r_regenerates_a_middle_reply_from_the_history_before_it(make_app, loopback, store):
    app = make_app()
    async with app.run_test() as pilot:
        await three_turns(pilot)
        await send(pilot, "/model test/model-b")
        await select(pilot, 1)
        await pilot.press("r")
        await settle(pilot)
        messages = chat(app).session.messages
        assert [m.content for m in messages] == ["one", "Echo from test/model-b: one"]
        assert "2/2" in chat(app).query(ReplyView).last().header_line()
        session_id = chat(app).session.id
    assert loopback.requests[-1].json["messages"] == [{"role": "user", "content": "one"}]
    old = saved(store, session_id)["messages"][1]["alternatives"][0]
    assert old["content"] == ECHO + "one"
    assert contents(old["branch"]) == ["two", ECHO + "two", "three", ECHO + "three"]


async def test_fork_opens_a_copy_up_to_the_selected_message(make_app, loopback, store):
    app = make_app()
    async with app.run_test() as pilot:
        await three_turns(pilot)
        original = chat(app).session.id
        await select(pilot, 3)
        await pilot.press("escape")
        await send(pilot, "/fork")
        await wait_for(pilot, lambda: chat(app).session.id != original)
        await pilot.pause()
        fork = chat(app).session.id
        assert told(app, "Forked", "message 4")
        await send_and_wait(pilot, "new")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: bool(getattr(app.screen, "entries", None)))
        await pilot.pause()
        row = app.screen.query_one(DataTable).get_row(fork)
        assert str(row[2]) == "forked from one"
    assert contents(loopback.requests[-1].json["messages"]) == [
        "one", ECHO + "one", "two", ECHO + "two", "new",
    ]  # fmt: skip
    data = saved(store, fork)
    assert data["forked_from"] == {"id": original, "message": 4}
    assert len(saved(store, original)["messages"]) == 6


async def answer(pilot, yes: bool) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
    await pilot.press("y" if yes else "n")
    await pilot.pause()


async def test_d_deletes_a_turn_and_left_right_bring_it_back(make_app, loopback, store):
    app = make_app()
    async with app.run_test() as pilot:
        await three_turns(pilot)
        await select(pilot, 3)
        await pilot.press("d")
        await answer(pilot, True)
        await answer(pilot, False)  # keep it as a version
        session_id = chat(app).session.id
        assert contents(saved(store, session_id)["messages"]) == [
            "one", ECHO + "one", "three", ECHO + "three",
        ]  # fmt: skip
        await select(pilot, 1)
        await pilot.press("right")
        await pilot.pause()
        assert len(chat(app).session.messages) == 6
        await pilot.press("left")
        await pilot.pause()
        await pilot.press("escape")
        await send_and_wait(pilot, "four")
    assert contents(loopback.requests[-1].json["messages"]) == [
        "one", ECHO + "one", "three", ECHO + "three", "four",
    ]  # fmt: skip


async def test_a_purged_turn_is_gone_and_the_only_turn_deletes_the_session_if_asked(
    make_app, loopback, store
):
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "one")
        await send_and_wait(pilot, "two")
        session_id = chat(app).session.id
        await select(pilot, 2)
        await pilot.press("d")
        await answer(pilot, True)
        await answer(pilot, True)  # purge for good
        data = saved(store, session_id)
        assert contents(data["messages"]) == ["one", ECHO + "one"]
        assert "alternatives" not in data["messages"][1]
        await select(pilot, 0)
        await pilot.press("d")
        await answer(pilot, False)  # not the session
        assert Path(store.folder / f"{session_id}.toml").exists()
        await select(pilot, 0)
        await pilot.press("d")
        await answer(pilot, True)
        await wait_for(pilot, lambda: not (store.folder / f"{session_id}.toml").exists())


async def test_opening_a_search_match_in_another_branch_shows_that_branch(
    make_app, loopback, store
):
    from textual.widgets import Input

    from app.store import Message, Session, edit_at
    from app.ui.screens._sessions import SessionBrowser

    session = Session.new("test/model-a")
    session.title = "Fruit"
    session.messages += [Message("user", "pomegranate?"), Message("assistant", "red", model="m")]
    edit_at(session, 0, "banana?")
    session.messages.append(Message("assistant", "yellow", model="m"))
    store.save(session)
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser))
        browser = app.screen
        browser.query_one(Input).value = "pomegranate"
        await wait_for(pilot, lambda: session.id in browser.branches)
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat(app).session.id == session.id)
        await pilot.pause()
        assert [m.content for m in chat(app).session.messages] == ["pomegranate?", "red"]
        highlighted = list(chat(app).query(".-highlight"))
        assert highlighted and highlighted[0].message.content == "pomegranate?"
        await send_and_wait(pilot, "more")
    assert contents(loopback.requests[-1].json["messages"]) == ["pomegranate?", "red", "more"]
