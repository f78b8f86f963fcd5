"""Comparing models (issue 14): one prompt to several models at once, their replies side by side.

Driven through Pilot against the loopback server, which records when each request arrived and
when its response ended, so the tests can tell requests sent at once from requests in turn.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from loopback import chunk, drop, error, reply, stall
from pilot import idle, told

from app.api import ChatClient
from app.store import CANCELLED, STREAMING, SessionStore, _reply
from app.ui._app import HCChatApp
from app.ui.widgets import CompareView, ReplyView
from app.ui.widgets._compare import CompareHeader

from .conftest import chat, send, send_and_wait, wait_for

A, B, C = "test/alpha", "test/beta", "test/gamma"


def saved(store: SessionStore, session_id: str) -> dict[str, Any]:
    return tomllib.loads((store.folder / f"{session_id}.toml").read_text("utf-8"))


def compare_view(app) -> CompareView:
    return chat(app).query_one(CompareView)


def chat_requests(loopback) -> list:
    return [r for r in loopback.requests if r.path.endswith("/chat/completions")]


async def type_command(pilot, text: str) -> None:
    prompt = chat(pilot.app).query_one("#prompt")
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")
    await pilot.pause()


async def compared(pilot) -> None:
    """Wait until the comparison has ended (every column settled and saved)."""
    screen = chat(pilot.app)
    await wait_for(
        pilot, lambda: screen.comparison is not None and screen.comparison.ended and idle(pilot.app)
    )
    await pilot.pause()


async def compare_after_hello(pilot, *models: str) -> None:
    """Send "hello", compare its reply with ``models``, and wait until the comparison ended."""
    await send_and_wait(pilot, "hello")
    await type_command(pilot, "/compare " + " ".join(models))
    await compared(pilot)


def events(text: str) -> list[str]:
    return [json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]})]


async def test_the_models_are_asked_at_once_and_every_column_streams(make_app, loopback, store):
    for model in (A, B, C):
        loopback.enqueue_for(
            model,
            reply(f"{model} says " + "word " * 300, chunk_size=25, delay=0.02, first_delay=0.3),
        )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "hello")
        await type_command(pilot, f"/compare {A} {B} {C}")
        run = chat(app).comparison
        assert run is not None
        # every column has text while every one of them still streams
        await wait_for(
            pilot,
            lambda: (
                all(c.builder.message.content for c in run.columns)
                and all(c.builder.streaming for c in run.columns)
            ),
        )
        await compared(pilot)
        # three fit side by side at 120, also once the replies overflow (a scroll bar)
        assert chat(app).query_one("#conversation").show_vertical_scrollbar
        assert not compare_view(app).has_class("-stacked")
        views = compare_view(app).query(ReplyView)
        assert [view.message.model for view in views] == [A, B, C]
        for view, model in zip(views, (A, B, C), strict=True):
            assert view.body.source.startswith(f"{model} says word")
            assert not view.message.incomplete
        headers = [h.render().plain for h in compare_view(app).query(CompareHeader)]
        assert headers[0].startswith(f"1  {A} · TTFT ")
        assert "tok/s" in headers[1] and "tokens" in headers[2]
        session_id = chat(app).session.id
    asked = chat_requests(loopback)[1:]
    assert sorted(r.model for r in asked) == [A, B, C]
    assert max(r.arrived for r in asked) < min(r.finished for r in asked)
    # each model was asked the same history: the prompt, without the reply it replaces
    for request in asked:
        assert request.json["messages"] == [{"role": "user", "content": "hello"}]
    data = saved(store, session_id)
    last = data["messages"][-1]
    assert last["model"] == A
    assert [v["model"] for v in last["alternatives"]] == ["test/model-a", B, C]


async def test_a_failing_model_shows_in_its_column_and_does_not_stop_the_others(
    settings, loopback, store
):
    loopback.enqueue_for(A, reply("slow and steady " * 10, chunk_size=4, delay=0.05))
    loopback.enqueue_for(B, error(500, '{"error": {"message": "upstream exploded"}}'))
    loopback.enqueue_for(C, drop([chunk("half a rep", model=C)]))
    # no retry of the 500: it is the failure to show
    client = ChatClient(settings.base_url, settings.api_key, max_tries=1)
    app = HCChatApp(settings, client=client)
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "hello")
        await type_command(pilot, f"/compare {A} {B} {C}")
        run = chat(app).comparison
        await wait_for(pilot, lambda: not run.columns[1].builder.streaming)
        # beta failed while alpha still streams: it did not wait for the others, nor stop them
        assert run.columns[0].builder.streaming
        await compared(pilot)
        alpha, beta, gamma = run.replies
        assert alpha.content == "slow and steady " * 10 and not alpha.incomplete
        assert beta.content == "" and "exploded" in (beta.error or "")
        assert gamma.content == "half a rep" and gamma.incomplete and gamma.error
        views = compare_view(app).query(ReplyView)
        assert "failed" in views[1].query_one(".message-footer").render().plain
        assert "incomplete" in views[2].query_one(".message-footer").render().plain
        told(app, "2 (test/beta)", "exploded")
        session_id = chat(app).session.id
    data = saved(store, session_id)
    kept = {v["model"]: v for v in [data["messages"][-1], *data["messages"][-1]["alternatives"]]}
    assert kept[C]["content"] == "half a rep" and kept[C]["incomplete"] is True
    assert "exploded" in kept[B]["error"]


async def test_a_stalled_model_does_not_hold_the_others_and_escape_cancels_it(
    make_app, loopback, store
):
    loopback.enqueue_for(A, reply("quick answer", chunk_size=3))
    loopback.enqueue_for(B, stall([chunk("I am thinking", model=B)], seconds=30))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "hello")
        await type_command(pilot, f"/compare {A} {B}")
        run = chat(app).comparison
        await wait_for(
            pilot,
            lambda: (
                not run.columns[0].builder.streaming
                and run.columns[1].builder.message.content == "I am thinking"
            ),
        )
        first = compare_view(app).query(ReplyView).first()
        await wait_for(pilot, lambda: not first.streaming)
        assert first.body.source == "quick answer"
        assert chat(app).streaming
        await pilot.press("escape")
        await compared(pilot)
        assert run.replies[1].error == CANCELLED
        assert run.replies[0].error is None
        session_id = chat(app).session.id
    data = saved(store, session_id)
    stalled = data["messages"][-1]["alternatives"][-1]
    assert stalled["content"] == "I am thinking"
    assert stalled["incomplete"] is True and stalled["error"] == CANCELLED


async def test_cancel_keeps_each_partial_reply_marked_incomplete(make_app, loopback, store):
    loopback.enqueue_for(A, stall([chunk("alpha part", model=A)], seconds=30))
    loopback.enqueue_for(B, stall([chunk("beta part", model=B)], seconds=30))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "hello")
        await type_command(pilot, f"/compare {A} {B}")
        run = chat(app).comparison
        await wait_for(pilot, lambda: all(c.builder.message.content for c in run.columns))
        await pilot.press("escape")
        await compared(pilot)
        told(app, "Compare cancelled")
        session_id = chat(app).session.id
    last = saved(store, session_id)["messages"][-1]
    versions = {v["model"]: v for v in [last, *last["alternatives"]]}
    for model, text in ((A, "alpha part"), (B, "beta part")):
        assert versions[model]["content"] == text
        assert versions[model]["incomplete"] is True
        assert versions[model]["error"] == CANCELLED


async def test_the_file_is_checkpointed_with_every_column_while_they_stream(
    make_app, loopback, store, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(_reply, "CHECKPOINT_EVERY", 0.05)
    loopback.enqueue_for(A, stall([chunk("alpha so far", model=A)], seconds=30))
    # beta's parts keep coming: a checkpoint falls due with one of them, and holds both replies
    beta = stall([chunk("beta so far", model=B)] * 40, seconds=30)
    loopback.enqueue_for(B, replace(beta, delay=0.1))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "hello")
        await type_command(pilot, f"/compare {A} {B}")
        session_id = chat(app).session.id
        path = Path(store.folder / f"{session_id}.toml")

        def both_saved() -> bool:
            last = tomllib.loads(path.read_text("utf-8"))["messages"][-1]
            texts = {v["model"]: v for v in [last, *last.get("alternatives", [])]}
            return texts.get(A, {}).get("content") == "alpha so far" and texts.get(B, {}).get(
                "content", ""
            ).startswith("beta so far")

        await wait_for(pilot, both_saved)
        # what kill -9 would leave: both replies, each marked as still streaming
        last = tomllib.loads(path.read_text("utf-8"))["messages"][-1]
        for version in (last, last["alternatives"][-1]):
            assert version["incomplete"] is True and version["error"] == STREAMING
        await pilot.press("escape")
        await compared(pilot)


async def test_a_key_picks_the_winner_and_every_reply_stays_a_version(make_app, loopback, store):
    loopback.enqueue_for(A, reply("alpha answer"))
    loopback.enqueue_for(B, reply("beta answer"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await compare_after_hello(pilot, A, B)
        # the first column's reply holds the others until a pick: its footer does not count them
        footers = [str(f.content) for f in compare_view(app).query(".message-footer")]
        assert footers and not any("versions" in footer for footer in footers)
        await pilot.press("2")
        await wait_for(pilot, lambda: chat(app).comparison is None)
        await pilot.pause()
        assert not chat(app).query(CompareView)
        footer = chat(app).query(ReplyView).last().query_one(".message-footer")
        assert "3 versions" in str(footer.content)
        assert chat(app).query_one("#prompt").text == ""  # the key picked, it typed nothing
        view = chat(app).query(ReplyView).last()
        assert view.message.model == B and view.message.content == "beta answer"
        told(app, "Kept reply 2", B)
        session_id = chat(app).session.id
        data = saved(store, session_id)
        last = data["messages"][-1]
        assert (last["model"], last["content"], last["version"]) == (B, "beta answer", 3)
        assert [v["content"] for v in last["alternatives"]] == [
            "Echo from test/model-a: hello",
            "alpha answer",
        ]
        # Left/Right on the reply still reach every version
        await pilot.press("ctrl+up")
        await pilot.pause()
        seen = []
        for _ in range(3):
            before = chat(app).session.messages[-1]
            await pilot.press("left")
            await wait_for(pilot, lambda: chat(app).session.messages[-1] is not before)  # noqa: B023
            await pilot.pause()
            seen.append(chat(app).session.messages[-1])
            await chat(app).select(len(chat(app).session.messages) - 1)
        assert [m.model for m in seen] == [A, "test/model-a", B]


async def test_clicking_a_header_picks_its_column(make_app, loopback, store):
    loopback.enqueue_for(A, reply("alpha answer"))
    loopback.enqueue_for(B, reply("beta answer"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await compare_after_hello(pilot, A, B)
        header = compare_view(app).query(CompareHeader)[1]
        await pilot.click(header)
        await wait_for(pilot, lambda: chat(app).comparison is None)
        assert chat(app).session.messages[-1].content == "beta answer"


async def test_a_digit_in_a_prompt_with_text_is_text(make_app, loopback):
    loopback.enqueue_for(A, reply("alpha answer"))
    loopback.enqueue_for(B, reply("beta answer"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await compare_after_hello(pilot, A, B)
        await pilot.press("x", "2")
        await pilot.pause()
        assert chat(app).query_one("#prompt").text == "x2"
        assert chat(app).comparison is not None


async def test_going_on_without_a_pick_keeps_the_first(make_app, loopback, store):
    loopback.enqueue_for(A, reply("alpha answer"))
    loopback.enqueue_for(B, reply("beta answer"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await compare_after_hello(pilot, A, B)
        await send_and_wait(pilot, "next")
        assert not chat(app).query(CompareView)
        session_id = chat(app).session.id
    assert chat_requests(loopback)[-1].json["messages"][:2] == [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "alpha answer"},
    ]
    reply_there = saved(store, session_id)["messages"][1]
    assert reply_there["model"] == A
    assert [v["model"] for v in reply_there["alternatives"]] == ["test/model-a", B]


async def test_compare_mode_sends_every_prompt_to_the_set_until_off(make_app, loopback, store):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await type_command(pilot, f"/compare on {A} {B}")
        status = chat(app).query_one("#status")
        assert f"compare: {A}, {B}" in status.text
        await send(pilot, "first")
        await compared(pilot)
        assert sorted(r.model for r in chat_requests(loopback)) == [A, B]
        await send(pilot, "second")
        await wait_for(pilot, lambda: len(chat_requests(loopback)) == 4)
        await compared(pilot)
        await type_command(pilot, "/compare off")
        assert "compare:" not in status.text
        await send_and_wait(pilot, "third")
        assert chat_requests(loopback)[-1].model == "test/model-a"
        assert len(chat_requests(loopback)) == 5
        session_id = chat(app).session.id
    messages = saved(store, session_id)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"] * 3
    assert [m["model"] for m in messages[1::2]] == [A, A, "test/model-a"]


async def test_compare_needs_two_to_four_models_and_a_prompt(make_app, loopback):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await type_command(pilot, f"/compare {A}")
        told(app, "Compare 2 to 4 models")
        await type_command(pilot, f"/compare {A} {B}")
        told(app, "no prompt to compare yet")
        assert not chat_requests(loopback)


async def test_columns_stack_when_the_terminal_is_narrow(make_app, loopback):
    loopback.enqueue_for(A, reply("alpha answer"))
    loopback.enqueue_for(B, reply("beta answer"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await compare_after_hello(pilot, A, B)
        view = compare_view(app)
        assert view.has_class("-stacked")
        first, second = view.columns
        assert first.region.x == second.region.x and second.region.y > first.region.y
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: not view.has_class("-stacked"))
        await pilot.pause()
        assert second.region.x > first.region.x and second.region.y == first.region.y


async def test_the_palette_command_asks_for_the_models(make_app, loopback):
    from textual.widgets import Input

    from app.ui.screens import TextPromptScreen

    loopback.enqueue_for(A, reply("alpha answer"))
    loopback.enqueue_for(B, reply("beta answer"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "hello")
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in "compare models":
            await pilot.press(key if key != " " else "space")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        answer = app.screen.query_one(Input)
        assert answer.value == "test/model-a"
        answer.value = f"{A} {B}"
        await pilot.press("enter")
        await compared(pilot)
        assert [r.model for r in chat(app).comparison.replies] == [A, B]


async def test_a_new_session_leaves_the_comparison_with_its_first_reply(make_app, loopback, store):
    loopback.enqueue_for(A, reply("alpha answer"))
    loopback.enqueue_for(B, reply("beta answer"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "hello")
        session_id = chat(app).session.id
        await type_command(pilot, f"/compare {A} {B}")
        await compared(pilot)
        await type_command(pilot, "/new")
        await wait_for(pilot, lambda: chat(app).session.id != session_id)
        assert chat(app).comparison is None and not chat(app).query(CompareView)
        await pilot.press("1")
        await pilot.pause()
        assert chat(app).query_one("#prompt").text == "1"  # no comparison: a digit is text
    last = saved(store, session_id)["messages"][-1]
    assert (last["model"], last["content"]) == (A, "alpha answer")


async def test_a_model_of_another_endpoint_is_asked_there_and_keeps_its_endpoint(
    make_app, loopback, other_loopback, store
):
    from types import MappingProxyType

    from app.endpoints import Endpoint

    key = "sk-or-v1-compareendpointsecret0123456"
    endpoints = MappingProxyType({"b": Endpoint("b", other_loopback.base_url, key)})
    loopback.enqueue_for(A, reply("alpha here"))
    other_loopback.enqueue_for(B, reply("beta over there"))
    app = make_app(endpoints=endpoints)
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "hello")
        await type_command(pilot, f"/compare {A} b::{B}")
        await compared(pilot)
        headers = [h.render().plain for h in compare_view(app).query(CompareHeader)]
        assert headers[1].startswith(f"2  {B} @ b")
        session_id = chat(app).session.id
    assert [r.model for r in chat_requests(other_loopback)] == [B]
    assert other_loopback.requests[0].headers["authorization"] == f"Bearer {key}"
    assert all(r.model != B for r in chat_requests(loopback))
    last = saved(store, session_id)["messages"][-1]
    versions = {v["model"]: v for v in [last, *last["alternatives"]]}
    assert "endpoint" not in versions[A] and versions[B]["endpoint"] == "b"
    assert versions[B]["content"] == "beta over there"


async def test_columns_lay_their_text_out_once_a_width_not_once_a_frame(
    make_app, loopback, monkeypatch
):
    # Three columns of 1fr in 116 cells: Textual measured a column's text at one width and drew
    # it at one cell less, and a chunk kept one width, so every frame (any column's) laid every
    # chunk on screen out again. Now the columns have whole widths, and a chunk keeps two.
    from app.ui.markdown import _chunk

    layouts: dict[int, list[str]] = {}
    real = _chunk.layout_markdown

    def recording(text: str, width: int, **options: Any) -> Any:
        cache = options.get("cache")
        layouts.setdefault(id(cache), []).append(text)
        return real(text, width, **options)

    monkeypatch.setattr(_chunk, "layout_markdown", recording)
    text = "A paragraph of words that wrap. " * 40 + "\n\n```python\n" + "x = 1\n" * 30 + "```\n"
    for model in (A, B, C):
        loopback.enqueue_for(model, reply(text, chunk_size=10, delay=0.02))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await compare_after_hello(pilot, A, B, C)
        view = compare_view(app)
        assert not view.has_class("-stacked")
        sizes = [column.size.width for column in view.columns]
        assert sum(sizes) == view.size.width and max(sizes) - min(sizes) <= 1
        assert layouts
        for texts in layouts.values():
            # at most once for each of two widths, for each text the chunk showed
            assert len(texts) <= 2 * len(set(texts)) + 1
        # and a layout of the whole screen lays nothing out again
        layouts.clear()
        for _ in range(3):
            chat(app).refresh(layout=True)
            await pilot.pause()
        assert not layouts


async def test_keys_on_a_column_move_between_columns_and_say_how_to_keep_one(make_app, loopback):
    loopback.enqueue_for(A, reply("alpha answer"))
    loopback.enqueue_for(B, reply("beta answer"))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await compare_after_hello(pilot, A, B)
        first, second = (column.reply for column in compare_view(app).columns)

        async def press(key: str) -> None:
            await pilot.press(key)
            await pilot.pause()

        await press("ctrl+up")
        assert app.focused is second
        await press("left")  # the column beside it: the versions to choose from
        assert app.focused is first
        await press("right")
        assert app.focused is second
        await press("up")
        await press("up")  # past the first column to the prompt above them
        assert app.focused is not None and app.focused.message.content == "hello"
        await press("down")
        assert app.focused is first
        await press("r")
        told(app, "Keep reply 1 first: press 1 in an empty prompt, or click its header.")
        assert chat(app).comparison is not None and len(chat_requests(loopback)) == 3
        await press("2")  # the pick keys work with a column selected too
        await wait_for(pilot, lambda: chat(app).comparison is None)
        assert chat(app).session.messages[-1].model == B
