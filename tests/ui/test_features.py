"""Reasoning, versions, copy, edit-and-resend, stats and rebindable keys, through Pilot."""

from __future__ import annotations

import tomllib

from loopback import chunk, reply, sse
from textual.widgets import Collapsible

from app.ui.screens import SessionBrowser
from app.ui.widgets import ReplyView, UserMessage

from .conftest import chat, send, send_and_wait, wait_for

CODE_REPLY = "Two blocks:\n\n```python\nprint(1)\n```\n\nand\n\n```sh\necho two\n```\n"


async def test_reasoning_streams_into_a_collapsible_block_and_is_saved_apart(
    make_app, loopback, store
):
    loopback.enqueue(reply("The answer is 4.", reasoning="2 plus 2 makes 4."))
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "2+2?")
        view = chat(app).query(ReplyView).last()
        block = view.query_one(Collapsible)
        assert block.display and block.collapsed
        assert view.reasoning_body.source == "2 plus 2 makes 4."
        assert view.body.source == "The answer is 4."
        await send_and_wait(pilot, "and 3+3?")
        session_id = chat(app).session.id
    saved = tomllib.loads((store.folder / f"{session_id}.toml").read_text("utf-8"))
    assert saved["messages"][1]["reasoning"] == "2 plus 2 makes 4."
    assert saved["messages"][1]["content"] == "The answer is 4."
    sent_back = loopback.requests[-1].json["messages"][1]
    assert sent_back == {"role": "assistant", "content": "The answer is 4."}


async def test_think_tags_in_content_become_reasoning(make_app, loopback):
    pieces = ["<thi", "nk>pondering", " deeply</th", "ink>\n\nHello", " world"]
    events = [chunk(piece) for piece in pieces]
    loopback.enqueue(sse([*events, "[DONE]"]))
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "hi")
        last = chat(app).session.messages[-1]
        assert last.reasoning == "pondering deeply"
        assert last.content == "Hello world"
        assert "<think>" not in chat(app).query(ReplyView).last().body.source


async def test_reply_footer_and_status_show_stats(make_app, loopback):
    loopback.enqueue(reply("counted words here", chunk_size=3))
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "count")
        message = chat(app).session.messages[-1]
        assert message.usage and message.usage["total_tokens"] > 0
        assert message.ttft is not None
        footer = str(chat(app).query(ReplyView).last().query_one(".message-footer").render())
        assert "tokens out" in footer and "first token" in footer
        status = str(chat(app).query_one("#status").render())
        assert f"{message.usage['total_tokens']} tokens total" in status


async def test_versions_cycle_with_left_and_right_and_history_follows(make_app, loopback, store):
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "compare")
        await send(pilot, "/model test/model-b")
        await pilot.press("ctrl+r")
        await wait_for(
            pilot, lambda: not chat(app).streaming and chat(app).session.messages[-1].content
        )
        await pilot.press("ctrl+up")
        await pilot.pause()
        assert isinstance(app.focused, ReplyView)
        await pilot.press("left")
        await pilot.pause()
        view = chat(app).query(ReplyView).last()
        assert view.body.source == "Echo from test/model-a: compare"
        assert chat(app).session.messages[-1].model == "test/model-a"
        await pilot.press("escape")
        await send_and_wait(pilot, "next")
        session_id = chat(app).session.id
    assert loopback.requests[-1].json["messages"][1]["content"] == "Echo from test/model-a: compare"
    saved = tomllib.loads((store.folder / f"{session_id}.toml").read_text("utf-8"))
    assert saved["messages"][1]["model"] == "test/model-a"
    assert saved["messages"][1]["alternatives"][0]["model"] == "test/model-b"


async def test_copy_message_and_code_blocks_from_the_keyboard(make_app, loopback):
    loopback.enqueue(reply(CODE_REPLY))
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "code")
        await pilot.press("ctrl+up")
        await pilot.press("c")
        assert app.clipboard == CODE_REPLY
        await pilot.press("b")
        assert app.clipboard == "print(1)\n"
        await pilot.press("b")
        assert app.clipboard == "echo two\n"
        await pilot.press("up", "c")
        assert app.clipboard == "code"
        await send(pilot, "/copy")
        await pilot.pause()
        assert app.clipboard == CODE_REPLY


async def test_edit_last_message_resends_and_keeps_old_versions(make_app, loopback, store):
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "frist")
        await pilot.press("ctrl+up", "up", "e")
        await pilot.pause()
        prompt = chat(app).query_one("#prompt")
        assert prompt.text == "frist"
        prompt.load_text("first")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: not chat(app).streaming and chat(app).session.messages[-1].content
        )
        messages = chat(app).session.messages
        assert [m.content for m in messages] == ["first", "Echo from test/model-a: first"]
        assert messages[0].alternatives[0].content == "frist"
        assert messages[0].alternatives[0].branch[0].content == "Echo from test/model-a: frist"
        assert len(chat(app).query(UserMessage)) == 1
    assert loopback.requests[-1].json["messages"] == [{"role": "user", "content": "first"}]


async def test_edit_can_be_cancelled_without_changes(make_app, loopback):
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "keep")
        await send(pilot, "/edit")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert chat(app).query_one("#prompt").text == ""
        assert [m.content for m in chat(app).session.messages] == [
            "keep",
            "Echo from test/model-a: keep",
        ]


async def test_keys_from_the_config_replace_the_defaults(make_app):
    app = make_app(keys={"sessions": "f2"})
    async with app.run_test() as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser))


async def test_mouse_selection_in_a_reply_copies_with_ctrl_c(make_app, loopback):
    loopback.enqueue(reply("Select these words please"))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await send_and_wait(pilot, "select")
        body = chat(app).query(ReplyView).last().body
        await pilot.mouse_down(body, offset=(0, 0))
        await pilot.hover(body, offset=(12, 0))
        await pilot.mouse_up(body, offset=(12, 0))
        await pilot.pause()
        assert chat(app).get_selected_text() == "Select these "
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.clipboard == "Select these "


async def test_bare_closing_think_tag_moves_what_streamed_into_reasoning(make_app, loopback, store):
    pieces = ["Let me th", "ink about it.", "\n</think>\n\nThe", " answer is 42."]
    events = [chunk(piece) for piece in pieces]
    loopback.enqueue(sse([*events, "[DONE]"]))
    app = make_app()
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "meaning of life?")
        last = chat(app).session.messages[-1]
        assert last.reasoning == "Let me think about it."
        assert last.content == "The answer is 42."
        view = chat(app).query(ReplyView).last()
        assert view.body.source == "The answer is 42."
        assert view.reasoning_body.source == "Let me think about it."
        assert view.query_one(Collapsible).display
        await send_and_wait(pilot, "thanks")
        session_id = chat(app).session.id
    assert loopback.requests[-1].json["messages"][1] == {
        "role": "assistant",
        "content": "The answer is 42.",
    }
    saved = tomllib.loads((store.folder / f"{session_id}.toml").read_text("utf-8"))
    assert saved["messages"][1]["reasoning"] == "Let me think about it."
