"""The chat screen against the loopback server: send, stream, multi-turn, switch model, cancel."""

from __future__ import annotations

import tomllib

from loopback import drop, error, reply, stall
from pilot import received

from app.ui._textual_private import notifications
from app.ui.widgets import ReplyView, UserMessage

from .conftest import chat, send, send_and_wait, wait_for


def _shown(view: ReplyView) -> str:
    return view.body.source


async def test_send_streams_reply_and_saves_the_session(make_app, loopback, store):
    loopback.enqueue(reply("Hello **there**, friend.", chunk_size=3))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await send_and_wait(pilot, "hi there")
        screen = chat(app)
        replies = screen.query(ReplyView)
        assert len(replies) == 1
        assert _shown(replies.first()) == "Hello **there**, friend."
        assert screen.query(UserMessage).first().message.content == "hi there"
        session_id = screen.session.id
    saved = tomllib.loads((store.folder / f"{session_id}.toml").read_text("utf-8"))
    assert [m["role"] for m in saved["messages"]] == ["user", "assistant"]
    assert saved["messages"][1]["content"] == "Hello **there**, friend."
    assert saved["messages"][1]["model"] == "test/model-a"
    assert saved["messages"][1]["finish_reason"] == "stop"
    assert saved["title"] == "hi there"
    request = loopback.requests[-1]
    assert request.json["messages"] == [{"role": "user", "content": "hi there"}]
    assert request.json["stream"] is True


async def test_empty_prompt_is_not_sent(make_app, loopback):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("space", "space", "enter")
        await pilot.pause(0.1)  # proving a negative: a moment passes and nothing is sent
        assert chat(app).session.messages == []
    assert loopback.requests == []


async def test_ctrl_j_inserts_newline_and_enter_sends_both_lines(make_app, loopback):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("a", "ctrl+j", "b")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: not chat(app).streaming and len(chat(app).session.messages) == 2
        )
    assert loopback.requests[-1].json["messages"][-1]["content"] == "a\nb"


async def test_three_turns_with_model_switch_carry_history_and_record_models(
    make_app, loopback, store
):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await send_and_wait(pilot, "one")
        await send_and_wait(pilot, "two")
        await send(pilot, "/model test/model-b")
        await pilot.pause()
        assert chat(app).session.model == "test/model-b"
        await send_and_wait(pilot, "three")
        headers = [str(v.query_one(".message-header").render()) for v in chat(app).query(ReplyView)]
        session_id = chat(app).session.id
    third = loopback.requests[-1].json
    assert third["model"] == "test/model-b"
    assert [m["role"] for m in third["messages"]] == ["user", "assistant"] * 2 + ["user"]
    assert third["messages"][1]["content"] == "Echo from test/model-a: one"
    assert "test/model-b" in headers[-1] and "test/model-a" in headers[0]
    saved = tomllib.loads((store.folder / f"{session_id}.toml").read_text("utf-8"))
    assert [m.get("model") for m in saved["messages"] if m["role"] == "assistant"] == [
        "test/model-a",
        "test/model-a",
        "test/model-b",
    ]
    assert saved["model"] == "test/model-b"


async def test_cancel_keeps_partial_reply_marked_incomplete(make_app, loopback, store):
    loopback.enqueue(stall(_chunks("The beginning of a long answer"), seconds=30))
    app = make_app()
    async with app.run_test() as pilot:
        await send(pilot, "tell me a story")
        await wait_for(pilot, lambda: "beginning" in received(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not chat(app).streaming)
        await pilot.pause()
        last = chat(app).session.messages[-1]
        assert last.incomplete is True
        assert last.content == "The beginning of a long answer"
        assert "cancel" in (last.error or "")
        assert "incomplete" in str(
            chat(app).query(ReplyView).last().query_one(".message-footer").render()
        )
        session_id = chat(app).session.id
    saved = tomllib.loads((store.folder / f"{session_id}.toml").read_text("utf-8"))
    assert saved["messages"][-1]["incomplete"] is True
    assert saved["messages"][-1]["content"] == "The beginning of a long answer"


async def test_cancel_before_first_byte_leaves_a_retryable_error(make_app, loopback):
    loopback.enqueue(stall([], seconds=30))
    app = make_app()
    async with app.run_test() as pilot:
        await send(pilot, "hello")
        await wait_for(pilot, lambda: chat(app).streaming and loopback.requests)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not chat(app).streaming)
        failed = chat(app).session.messages[-1]
        assert failed.failed_empty
        assert chat(app).query(ReplyView).last().has_class("-failed")
        await pilot.press("ctrl+r")
        await wait_for(
            pilot, lambda: not chat(app).streaming and chat(app).session.messages[-1].content
        )
        assert chat(app).session.messages[-1].content == "Echo from test/model-a: hello"
        assert len(chat(app).session.messages) == 2


async def test_failed_reply_is_shown_and_not_sent_back_as_history(make_app, loopback):
    loopback.enqueue(error(400, '{"error":{"message":"bad model id","code":400}}'))
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "first")
        failed = chat(app).session.messages[-1]
        assert failed.failed_empty and "bad model id" in (failed.error or "")
        assert "bad model id" in str(
            chat(app).query(ReplyView).last().query_one(".message-footer").render()
        )
        await send_and_wait(pilot, "second")
    history = loopback.requests[-1].json["messages"]
    assert history == [
        {"role": "user", "content": "first"},
        {"role": "user", "content": "second"},
    ]


async def test_dropped_stream_keeps_partial_text_marked_incomplete(make_app, loopback):
    loopback.enqueue(drop(_chunks("half an ans")))
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "go")
        last = chat(app).session.messages[-1]
    assert last.content == "half an ans"
    assert last.incomplete and last.error


async def test_regenerate_keeps_the_earlier_reply_as_a_version(make_app, loopback, store):
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "pick")
        await send(pilot, "/model test/model-b")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_for(
            pilot, lambda: not chat(app).streaming and chat(app).session.messages[-1].content
        )
        await pilot.pause()
        last = chat(app).session.messages[-1]
        session_id = chat(app).session.id
    assert last.model == "test/model-b"
    assert [alt.model for alt in last.alternatives] == ["test/model-a"]
    saved = tomllib.loads((store.folder / f"{session_id}.toml").read_text("utf-8"))
    assert saved["messages"][-1]["alternatives"][0]["content"] == "Echo from test/model-a: pick"


async def test_set_rejects_bad_values_and_sends_good_ones(make_app, loopback):
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "/set temperature abc")
        await pilot.pause()
        assert chat(app).session.params == {}
        assert any("temperature must be" in n.message for n in notifications(app))
        await send(pilot, "/set temperature 3")
        await pilot.pause()
        assert chat(app).session.params == {}
        await send(pilot, "/set temperature 0.5")
        await send(pilot, "/set max_tokens 64")
        await pilot.pause()
        await send_and_wait(pilot, "go")
    body = loopback.requests[-1].json
    assert body["temperature"] == 0.5 and body["max_tokens"] == 64
    assert "top_p" not in body


async def test_system_prompt_is_sent_first(make_app, loopback, store):
    app = make_app()
    async with app.run_test() as pilot:
        await send(pilot, "/system You are terse.")
        await pilot.pause()
        await send_and_wait(pilot, "hi")
    assert loopback.requests[-1].json["messages"][0] == {
        "role": "system",
        "content": "You are terse.",
    }


async def test_unknown_slash_command_is_explained(make_app, loopback):
    app = make_app()
    async with app.run_test() as pilot:
        await send(pilot, "/frobnicate")
        await pilot.pause()
        assert any("Unknown command /frobnicate" in n.message for n in notifications(app))
    assert loopback.requests == []


def _chunks(text: str) -> list[str]:
    import json

    events = [
        json.dumps({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
    ]
    for i in range(0, len(text), 5):
        piece = text[i : i + 5]
        events.append(json.dumps({"choices": [{"index": 0, "delta": {"content": piece}}]}))
    return events


async def test_set_reasoning_effort_is_sent_saved_and_none_turns_reasoning_off(
    make_app, loopback, store
):
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "/set reasoning_effort extreme")
        await pilot.pause()
        assert chat(app).session.params == {}
        await send(pilot, "/set reasoning_effort low")
        await send_and_wait(pilot, "go")
        assert loopback.requests[-1].json["reasoning"] == {"effort": "low"}
        await send(pilot, "/set reasoning_effort none")
        await send_and_wait(pilot, "again")
        session_id = chat(app).session.id
    body = loopback.requests[-1].json
    assert body["reasoning"] == {"effort": "none"} and "reasoning_effort" not in body
    assert store.load(session_id).params == {"reasoning_effort": "none"}
    saved = tomllib.loads((store.folder / f"{session_id}.toml").read_text("utf-8"))
    assert saved["params"] == {"reasoning_effort": "none"}
