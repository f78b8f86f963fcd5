"""Escape at every stage of a reply, and quitting while one streams: what arrived is kept."""

from __future__ import annotations

from loopback import chunk, stall

from app.ui.widgets import ReplyView

from .conftest import (
    MODEL,
    assert_kept,
    chat,
    received,
    saved,
    send,
    still_works,
    told,
    wait_for,
)

ECHO = f"Echo from {MODEL}: are you still there"
ROLE = chunk("", role=True)
WORDS = [chunk("The beginning "), chunk("of a long answer")]
PARTIAL = "The beginning of a long answer"


def footer(app) -> str:
    """The footer line of the last reply."""
    return str(chat(app).query(ReplyView).last().query_one(".message-footer").render())


async def cancel(pilot) -> None:
    """Press Escape and wait until the reply has stopped and been saved."""
    await pilot.press("escape")
    await wait_for(pilot, lambda: not chat(pilot.app).streaming)
    await pilot.pause()


async def test_escape_before_the_first_byte_leaves_a_failed_reply_to_retry(
    make_app, loopback, store, reroute, unanswering_endpoint
):
    app = make_app(base_url=unanswering_endpoint, transport=reroute, read_timeout=10)
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "hello")
        await wait_for(pilot, lambda: chat(app).streaming)
        # the user waits a moment: the request goes out and nothing answers (no sign to wait for)
        await pilot.pause(0.1)
        await cancel(pilot)
        told(app, "Reply cancelled", "nothing had arrived", "Ctrl+R")
        assert chat(app).query(ReplyView).last().has_class("-failed")
        reroute.healed = True
        await still_works(pilot)
        session_id = chat(app).session.id
    messages = assert_kept(store, session_id, ["hello", "are you still there"], ["", ECHO])
    assert messages[1]["error"] == "cancelled"


async def test_escape_after_the_headers_before_any_text_leaves_a_failed_reply(
    make_app, loopback, store
):
    loopback.enqueue(stall([ROLE], seconds=30))
    app = make_app(read_timeout=10)
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "hello")
        await loopback.wait_until_requests(1)
        # the user waits a moment: the headers and a role-only chunk arrive, which show nothing
        await pilot.pause(0.1)
        await cancel(pilot)
        told(app, "Reply cancelled", "nothing had arrived")
        await wait_for(pilot, lambda: loopback.requests[0].disconnected)
        await still_works(pilot)
        session_id = chat(app).session.id
    assert_kept(store, session_id, ["hello", "are you still there"], ["", ECHO])


async def test_escape_mid_stream_keeps_the_partial_reply_marked_incomplete(
    make_app, loopback, store
):
    loopback.enqueue(stall([ROLE, *WORDS], seconds=30))
    app = make_app(read_timeout=10)
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "tell me a story")
        await wait_for(pilot, lambda: received(app) == PARTIAL)
        await cancel(pilot)
        told(app, "Reply cancelled", "the part that arrived is kept")
        assert "incomplete: cancelled" in footer(app)
        await wait_for(pilot, lambda: loopback.requests[0].disconnected)
        await still_works(pilot)
        session_id = chat(app).session.id
        history = [m["content"] for m in loopback.requests[-1].json["messages"]]
    assert history == ["tell me a story", PARTIAL, "are you still there"]
    messages = assert_kept(
        store, session_id, ["tell me a story", "are you still there"], [PARTIAL, ECHO]
    )
    assert messages[1]["incomplete"] is True and messages[1]["error"] == "cancelled"


async def test_escape_after_the_last_delta_keeps_every_character(make_app, loopback, store):
    # All the text arrived but no finish_reason: the reply may or may not be whole.
    loopback.enqueue(stall([ROLE, *WORDS], seconds=30))
    app = make_app(read_timeout=10)
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "tell me")
        await wait_for(pilot, lambda: received(app) == PARTIAL)
        view = chat(app).reply_view
        await wait_for(pilot, lambda: view is not None and view.body.source == PARTIAL)
        await cancel(pilot)
        told(app, "Reply cancelled")
        await still_works(pilot)
        session_id = chat(app).session.id
    messages = assert_kept(store, session_id, ["tell me", "are you still there"], [PARTIAL, ECHO])
    assert messages[1]["incomplete"] is True


async def test_escape_after_the_finish_reason_keeps_the_reply_complete(make_app, loopback, store):
    # The model said it is done; only the usage chunk and [DONE] are still to come.
    loopback.enqueue(stall([ROLE, *WORDS, chunk(finish="stop")], seconds=30))
    app = make_app(read_timeout=10)
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "tell me")
        await wait_for(pilot, lambda: chat(app).session.messages[-1].finish_reason == "stop")
        await cancel(pilot)
        assert "incomplete" not in footer(app)
        await still_works(pilot)
        session_id = chat(app).session.id
    messages = assert_kept(store, session_id, ["tell me", "are you still there"], [PARTIAL, ECHO])
    assert messages[1]["finish_reason"] == "stop"
    assert "incomplete" not in messages[1] and "error" not in messages[1]


async def test_quitting_while_a_reply_streams_saves_it_marked_incomplete(make_app, loopback, store):
    loopback.enqueue(stall([ROLE, *WORDS], seconds=30))
    app = make_app(read_timeout=10)
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "tell me a story")
        await wait_for(pilot, lambda: received(app) == PARTIAL)
        session_id = chat(app).session.id
        await pilot.press("ctrl+q")
    assert app.return_code in (0, None)
    messages = assert_kept(store, session_id, ["tell me a story"], [PARTIAL])
    assert messages[1]["incomplete"] is True
    assert messages[1]["error"] == "hcchat was closed while the reply streamed"


async def test_quitting_before_the_first_byte_keeps_the_prompt(make_app, loopback, store):
    loopback.enqueue(stall([], seconds=30))
    app = make_app(read_timeout=10)
    async with app.run_test() as pilot:
        await send(pilot, "hello")
        await loopback.wait_until_requests(1)
        session_id = chat(app).session.id
        await pilot.press("ctrl+q")
    messages = saved(store, session_id)["messages"]
    assert [m["content"] for m in messages] == ["hello", ""]
    assert messages[1]["error"] == "hcchat was closed while the reply streamed"
