"""The status line's context meter, the warning on a switch, and a request too long to send."""

from __future__ import annotations

from pilot import notifications

from app.store import Message, ModelCache, Session
from app.ui.widgets import StatusLine

from .conftest import chat, send, wait_for


def seed_cache(settings, loopback) -> None:
    ModelCache(settings.cache_dir / "models.json").save(
        loopback.base_url,
        [
            {"id": "test/model-a", "name": "A", "context_length": 1000},
            {"id": "test/tiny", "name": "Tiny", "context_length": 100},
        ],
    )


def used_session() -> Session:
    session = Session.new("test/model-a")
    session.messages.append(Message("user", "hello"))
    session.messages.append(
        Message(
            "assistant",
            "hi",
            model="test/model-a",
            usage={"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        )
    )
    return session


async def test_the_status_line_shows_the_share_of_the_context(make_app, settings, loopback):
    seed_cache(settings, loopback)
    app = make_app(used_session())
    async with app.run_test(size=(120, 30)) as pilot:
        # the meter appears once the cached model list has been read: wait for it, not for idle
        status = chat(app).query_one(StatusLine)
        await wait_for(pilot, lambda: "ctx 12% of 1k" in status.text)


async def test_a_switch_to_a_too_small_model_warns_at_once(make_app, settings, loopback):
    seed_cache(settings, loopback)
    app = make_app(used_session())
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await send(pilot, "/model test/tiny")
        await wait_for(pilot, lambda: any("does not fit" in n for n in notifications(app)))


async def test_a_request_that_cannot_fit_is_not_sent_and_the_prompt_is_kept(
    make_app, settings, loopback
):
    seed_cache(settings, loopback)
    app = make_app(used_session())
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        long_prompt = "word " * 800  # about 1000 tokens
        await send(pilot, long_prompt.strip())
        await wait_for(pilot, lambda: any("was not sent" in n for n in notifications(app)))
        [message] = [n for n in notifications(app) if "was not sent" in n]
        assert "more than the 1k-token context of test/model-a" in message
        assert len(chat(app).session.messages) == 2
        assert chat(app).query_one("#prompt").text  # type: ignore[attr-defined].startswith("word word")
    assert loopback.requests == []
