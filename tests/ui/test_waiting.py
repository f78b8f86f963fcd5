"""A reply whose stream goes quiet says how long it has waited, in its footer and the status."""

from __future__ import annotations

import json

from loopback import stall
from textual.widgets import Static

from app.ui.screens import ChatScreen
from app.ui.widgets import ReplyView, StatusLine

from .conftest import chat, send, wait_for


class _Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _content(text: str) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]})


async def test_a_stalled_reply_shows_the_seconds_since_its_last_token(
    make_app, loopback, monkeypatch
):
    clock = _Clock()
    monkeypatch.setattr(ChatScreen, "clock", staticmethod(clock))
    loopback.enqueue(stall([_content("Partial answer")], seconds=30))
    app = make_app()
    async with app.run_test() as pilot:
        await send(pilot, "hello")
        screen = chat(app)
        await wait_for(pilot, lambda: screen.reply is not None and screen.reply.deltas == 1)
        view = screen.query(ReplyView).last()
        footer = view.query_one(".message-footer", Static)
        status = screen.query_one(StatusLine)
        clock.now += 2  # not yet: a pause of two seconds is normal
        await pilot.pause(0.4)
        assert "waiting for the server" not in status.text
        clock.now += 10
        await wait_for(pilot, lambda: "waiting for the server · 12 s" in status.text)
        await wait_for(pilot, lambda: str(footer.render()) == "waiting for the server · 12 s")
        clock.now += 1
        await wait_for(pilot, lambda: "13 s" in status.text)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.streaming)
        assert "waiting for the server" not in str(footer.render())


async def test_a_reply_that_starts_again_stops_saying_it_waits(make_app, loopback, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(ChatScreen, "clock", staticmethod(clock))
    loopback.enqueue(stall([_content("Partial")], seconds=30))
    app = make_app()
    async with app.run_test() as pilot:
        await send(pilot, "hello")
        screen = chat(app)
        await wait_for(pilot, lambda: screen.reply is not None and screen.reply.deltas == 1)
        view = screen.query(ReplyView).last()
        footer = view.query_one(".message-footer", Static)
        clock.now += 5
        await wait_for(pilot, lambda: "waiting for the server" in str(footer.render()))
        assert screen.reply is not None
        screen.reply.add_content(" more")  # as the worker does when a token comes
        await wait_for(pilot, lambda: str(footer.render()) == "…")
        assert "waiting for the server" not in screen.query_one(StatusLine).text
        await pilot.press("escape")
