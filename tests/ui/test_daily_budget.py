"""The daily budget: today's spend over every session, warned at 80 % and 100 %."""

from __future__ import annotations

from datetime import timedelta

from loopback import HANDWRITTEN, fixture
from pilot import notifications

from app.store import Message, Session, utc_now
from app.ui.widgets import StatusLine

from .conftest import chat, send_and_wait, wait_for


def spent_session(cost: float, days_ago: int = 0) -> Session:
    when = utc_now() - timedelta(days=days_ago)
    session = Session.new("test/model-a")
    session.messages.append(Message("user", "q", created=when))
    session.messages.append(
        Message("assistant", "a", created=when, model="test/model-a", usage={"cost": cost})
    )
    return session


async def test_todays_spend_over_every_session_is_shown_and_warned(make_app, store, loopback):
    store.save(spent_session(0.0008))
    store.save(spent_session(0.5, days_ago=2))  # another day: not counted
    app = make_app(daily_budget=0.00085)
    async with app.run_test(size=(160, 30), notifications=True) as pilot:
        status = chat(app).query_one(StatusLine)
        await wait_for(pilot, lambda: "today" in status.text)
        assert "⚠ today $0.000800 of $0.000850 (nearing budget)" in status.text
        await wait_for(pilot, lambda: any("nearing budget" in n for n in notifications(app)))
        loopback.enqueue(fixture("openrouter-cost-stream.txt", folder=HANDWRITTEN))
        await send_and_wait(pilot, "one more")
        await wait_for(pilot, lambda: "over budget" in status.text)
        assert "today $0.000855 of $0.000850" in status.text
        await wait_for(pilot, lambda: any("over budget" in n for n in notifications(app)))


async def test_no_budget_no_spend_line(make_app, store):
    store.save(spent_session(0.5))
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause(0.2)
        assert "today" not in chat(app).query_one(StatusLine).text
