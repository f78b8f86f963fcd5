"""``/compact``: a summary written by the model is sent instead of the turns before it."""

from __future__ import annotations

from loopback import error, reply
from pilot import notifications

from app.store import Message, ModelCache, Session
from app.store._compact import INSTRUCTION
from app.store._model import SUMMARY_HEADING
from app.ui.widgets import MessageView, SummaryMessage

from .conftest import chat, send, send_and_wait, wait_for

SUMMARY = "The user asked about cats and dogs; both answers were short."


def two_turns() -> Session:
    session = Session.new("test/model-a", "Be brief.")
    session.params = {"temperature": 0.5}
    session.messages += [
        Message("user", "cats?"),
        Message("assistant", "Cats purr.", model="test/model-a"),
        Message("user", "dogs?"),
        Message("assistant", "Dogs bark.", model="test/model-a"),
    ]
    return session


async def test_compact_sends_the_summary_instead_of_the_turns_and_keeps_them_in_the_file(
    make_app, store, loopback
):
    session = two_turns()
    loopback.enqueue(reply(SUMMARY))
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await send(pilot, "/compact")
        await wait_for(pilot, lambda: any("Compacted 4 messages" in n for n in notifications(app)))
        views = list(chat(app).query(MessageView))
        assert isinstance(views[-1], SummaryMessage)
        assert "Earlier turns compacted" in views[-1].header_line()
        assert [v.has_class("-compacted") for v in views] == [False, True, True, True, True, False]
        await send_and_wait(pilot, "and birds?")

    compact_request, next_request = loopback.requests
    assert compact_request.json == {
        "model": "test/model-a",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "cats?"},
            {"role": "assistant", "content": "Cats purr."},
            {"role": "user", "content": "dogs?"},
            {"role": "assistant", "content": "Dogs bark."},
            {"role": "user", "content": INSTRUCTION},
        ],
        "stream": False,
        "temperature": 0.5,
    }
    sent_after = [
        {"role": "system", "content": f"Be brief.\n\n{SUMMARY_HEADING}\n\n{SUMMARY}"},
        {"role": "user", "content": "and birds?"},
    ]
    assert next_request.json["messages"] == sent_after
    saved = store.load(session.id)
    assert [m.content for m in saved.messages[1:5]] == [
        "cats?",
        "Cats purr.",
        "dogs?",
        "Dogs bark.",
    ]
    summary = saved.messages[5]
    assert (summary.role, summary.summary, summary.content) == ("system", True, SUMMARY)
    assert summary.model == "test/model-a" and summary.usage is not None
    assert "summary = true" in (store.folder / f"{session.id}.toml").read_text()

    # reopening the session sends the summary, not the turns it replaces
    loopback.reset()
    app = make_app(saved)
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "and fish?")
        assert isinstance(list(chat(app).query(MessageView))[5], SummaryMessage)
    [request] = loopback.requests
    assert request.json["messages"] == [
        *sent_after,
        {"role": "assistant", "content": "Echo from test/model-a: and birds?"},
        {"role": "user", "content": "and fish?"},
    ]


async def test_compact_makes_an_overflowing_prompt_fit(make_app, settings, store, loopback):
    ModelCache(settings.cache_dir / "models.json").save(
        loopback.base_url, [{"id": "test/model-a", "context_length": 400}]
    )
    session = two_turns()
    session.messages[4].content = "Dogs bark. " * 60  # about 165 tokens
    loopback.enqueue(reply("short summary"))
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        prompt = "word " * 200  # about 250 tokens: too many with the history
        await send(pilot, prompt.strip())
        await wait_for(pilot, lambda: any("was not sent" in n for n in notifications(app)))
        assert any("/compact" in n for n in notifications(app) if "was not sent" in n)
        assert loopback.requests == []
        chat(app).query_one("#prompt").clear()  # type: ignore[attr-defined]
        await send(pilot, "/compact")
        await wait_for(pilot, lambda: chat(app).session.summary_index is not None)
        await send_and_wait(pilot, prompt.strip())
    assert loopback.requests[-1].json["messages"][1:] == [
        {"role": "user", "content": prompt.strip()}
    ]


async def test_a_failed_compact_changes_nothing_and_says_why(make_app, store, loopback):
    session = two_turns()
    loopback.enqueue(error(400, '{"error": {"message": "context too long"}}'))
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await send(pilot, "/compact")
        await wait_for(pilot, lambda: any("Not compacted" in n for n in notifications(app)))
        assert any("context too long" in n for n in notifications(app))
        assert chat(app).session.summary_index is None
        assert len(chat(app).session.messages) == 5


async def test_compact_with_nothing_to_summarise_says_so(make_app, loopback):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await send(pilot, "/compact")
        await wait_for(pilot, lambda: any("nothing to compact" in n for n in notifications(app)))
    assert loopback.requests == []
