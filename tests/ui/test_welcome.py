"""The welcome view of a new session: what to type, keys, backend, recent sessions."""

from __future__ import annotations

from datetime import UTC, datetime

from app.store import Message, Session
from app.ui.widgets import RecentSession, WelcomeView

from .conftest import chat, screen_text, send_and_wait, wait_for

WHEN = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)


def _save(store, number: int, title: str) -> Session:
    session = Session(id=f"2026112{number}-093000-000{number}", title=title, created=WHEN)
    session.updated = datetime(2026, 11, 20 + number, 9, 30, tzinfo=UTC)
    session.model = "m"
    session.messages = [Message("user", f"hello {number}", created=WHEN)]
    store.save(session)
    return session


async def test_a_new_session_welcomes_with_keys_backend_and_recent_sessions(
    make_app, store, loopback
):
    for number in range(7):
        _save(store, number, f"Talk number {number}")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        welcome = chat(app).query_one(WelcomeView)
        await wait_for(pilot, lambda: len(welcome.query(RecentSession)) == 5)
        # drawn a frame or more after the rows are mounted: wait for it, not for a fixed time
        await wait_for(pilot, lambda: "Talk number 6" in screen_text(app))
        text = screen_text(app)
        assert "Type a message below and press Enter." in text
        assert "Ctrl+L" in text and "F1" in text and "Ctrl+O" in text
        assert f"Backend: 127.0.0.1:{loopback.base_url.split(':')[2].split('/')[0]}" in text
        assert "Talk number 6" in text and "Talk number 2" in text
        assert "Talk number 1" not in text  # only the five latest
        await send_and_wait(pilot, "hi")
        assert not welcome.display
        assert "Type a message below" not in screen_text(app)


async def test_clicking_a_recent_session_reopens_it(make_app, store):
    wanted = _save(store, 3, "The one to reopen")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        welcome = chat(app).query_one(WelcomeView)
        await wait_for(pilot, lambda: bool(welcome.query(RecentSession)))
        await pilot.pause(0.1)
        await pilot.click(welcome.query_one(RecentSession))
        await wait_for(pilot, lambda: chat(app).session.id == wanted.id)
        await wait_for(pilot, lambda: not welcome.display)


async def test_the_demo_backend_is_marked_clearly(make_app):
    app = make_app(demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        assert "Backend: DEMO" in screen_text(app)


async def test_a_reopened_session_with_messages_has_no_welcome(make_app, store):
    session = _save(store, 1, "Old talk")
    app = make_app(store.load(session.id))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        assert not chat(app).query_one(WelcomeView).display
