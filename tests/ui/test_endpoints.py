"""Several endpoints in the app: the grouped picker, one key per endpoint, the saved endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import MappingProxyType

import pytest
from loopback import LoopbackServer, error
from pilot import notifications
from textual.widgets import OptionList

from app.endpoints import Endpoint
from app.store import Message, ModelCache, Session
from app.ui._app import HCChatApp
from app.ui.screens import ModelPicker
from app.ui.widgets import StatusLine

from .conftest import chat, send, send_and_wait, wait_for

KEY_B = "sk-or-v1-endpointbsecret0123456789"
KEY_C = "sk-c-thirdendpointsecret987654321"


@pytest.fixture
def third() -> Iterator[LoopbackServer]:
    """A third server: the endpoint whose model list fails."""
    server = LoopbackServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def endpoints(other_loopback: LoopbackServer, third: LoopbackServer) -> MappingProxyType:
    return MappingProxyType(
        {
            "b": Endpoint("b", other_loopback.base_url, KEY_B),
            "broken": Endpoint("broken", third.base_url, KEY_C),
            "local": Endpoint("local", third.base_url, None, ("llama3.2:3b", "qwen3:8b")),
        }
    )


def rows(app: HCChatApp) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def keys_seen(server: LoopbackServer) -> set[str]:
    return {request.headers.get("authorization", "") for request in server.requests}


def everything_shown(app: HCChatApp) -> str:
    return "\n".join([*notifications(app), chat(app).query_one(StatusLine).text])


async def open_picker(pilot, app: HCChatApp) -> None:
    await pilot.press("ctrl+l")
    await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker) and bool(app.screen.groups))


async def test_the_picker_groups_every_endpoint_and_a_switch_sends_each_key_to_its_own(
    make_app, settings, store, loopback, other_loopback, third, endpoints
):
    loopback.models = ["test/model-a"]
    other_loopback.models = ["b/model-1", "b/model-2"]
    # a server that repeats another endpoint's key in its error: it must not show
    third.enqueue_models(error(403, json.dumps({"error": {"message": f"no, {KEY_B}"}})))
    app = make_app(endpoints=endpoints)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await open_picker(pilot, app)
        shown = rows(app)
        headers = [row for row in shown if row.startswith("──")]
        names = [header.split(" · ")[0] for header in headers]
        assert names == ["── default", "── b", "── broken", "── local"]
        assert "Could not load the model list" in headers[2]
        assert [
            row.split(" (")[0].split(" · ")[0].strip() for row in shown if not row.startswith("──")
        ] == [
            "● test/model-a",
            "b/model-1",
            "b/model-2",
            "llama3.2:3b",
            "qwen3:8b",
        ]
        await pilot.press(*"model-2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat(app).session.endpoint == "b")
        assert chat(app).session.model == "b/model-2"
        assert "b::b/model-2" in chat(app).query_one(StatusLine).text
        await send_and_wait(pilot, "hi b")
        await send(pilot, "/model default::test/model-a")
        await wait_for(pilot, lambda: chat(app).session.endpoint is None)
        assert "b::" not in chat(app).query_one(StatusLine).text
        await send_and_wait(pilot, "hi default")
        assert KEY_B not in "\n".join([*shown, everything_shown(app)])
        session_id = chat(app).session.id

    [chat_b] = [r for r in other_loopback.requests if r.method == "POST"]
    assert chat_b.json["model"] == "b/model-2"
    assert chat_b.json["messages"][-1] == {"role": "user", "content": "hi b"}
    assert keys_seen(other_loopback) == {f"Bearer {KEY_B}"}
    assert keys_seen(loopback) == {f"Bearer {settings.api_key}"}
    assert keys_seen(third) == {f"Bearer {KEY_C}"}  # only its model list was asked for
    assert [r.method for r in third.requests] == ["GET"]
    [chat_a] = [r for r in loopback.requests if r.method == "POST"]
    assert chat_a.json["messages"][1:] == [
        {"role": "assistant", "content": "Echo from b/model-2: hi b"},
        {"role": "user", "content": "hi default"},
    ]
    saved = store.load(session_id)
    assert saved.endpoint is None
    assert [(m.endpoint, m.model) for m in saved.messages if m.role == "assistant"] == [
        ("b", "b/model-2"),
        (None, "test/model-a"),
    ]
    text = (store.folder / f"{session_id}.toml").read_text()
    assert text.count('endpoint = "b"') == 1  # the first reply's; the session is back on default
    assert KEY_B not in text and settings.api_key not in text


async def test_an_endpoint_with_only_a_models_list_is_never_asked_for_one(
    make_app, store, loopback, third, endpoints
):
    app = make_app(endpoints=MappingProxyType({"local": endpoints["local"]}))
    async with app.run_test(size=(120, 30)) as pilot:
        await open_picker(pilot, app)
        await pilot.press(*":8b")
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat(app).session.endpoint == "local")
        await send_and_wait(pilot, "hello local")
        session_id = chat(app).session.id
    [request] = third.requests
    assert (request.method, request.json["model"]) == ("POST", "qwen3:8b")
    assert "authorization" not in request.headers
    assert store.load(session_id).endpoint == "local"
    assert '\nendpoint = "local"\n' in (store.folder / f"{session_id}.toml").read_text()


async def test_a_reopened_session_keeps_its_endpoint_and_endpoint_sets_new_ones(
    make_app, store, loopback, other_loopback, endpoints
):
    session = Session.new("b/model-1")
    session.endpoint = "b"
    session.messages += [Message("user", "q"), Message("assistant", "a", model="b/model-1")]
    store.save(session)
    app = make_app(store.load(session.id), endpoints=endpoints)
    async with app.run_test(size=(120, 30)) as pilot:
        await send_and_wait(pilot, "again")
        assert chat(app).session.messages[-1].endpoint == "b"
    assert [r.method for r in other_loopback.requests] == ["POST"]
    assert loopback.requests == []

    app = make_app(endpoints=endpoints, endpoint="b")
    async with app.run_test(size=(120, 30)) as pilot:
        await send_and_wait(pilot, "new one")
        assert chat(app).session.endpoint == "b"
        first = chat(app).session.id
        await pilot.press("ctrl+n")  # a new session goes on with the endpoint in use
        await wait_for(pilot, lambda: chat(app).session.id != first)
        assert chat(app).session.endpoint == "b"
    assert len(other_loopback.requests) == 2
    assert loopback.requests == []


async def test_an_unknown_endpoint_is_refused_naming_the_known_ones(make_app, loopback, endpoints):
    app = make_app(endpoints=endpoints)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await send(pilot, "/model nowhere::x/y")
        await wait_for(pilot, lambda: any("Unknown endpoint" in n for n in notifications(app)))
        [said] = [n for n in notifications(app) if "Unknown endpoint" in n]
        assert "Known endpoints: default, b, broken, local" in said
        assert chat(app).session.model == "test/model-a"
        assert chat(app).session.endpoint is None


async def test_the_meter_learns_the_context_in_the_background_after_the_first_frame(
    settings, loopback
):
    from dataclasses import replace

    session = Session.new("test/model-a")
    session.messages += [
        Message("user", "hello"),
        Message("assistant", "hi", model="test/model-a", usage={"prompt_tokens": 3277}),
    ]
    loopback.models = ["test/model-a"]  # 32768 tokens of context
    app = HCChatApp(replace(settings), session=session, learn_models=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "ctx 10% of 32.8k" in chat(app).query_one(StatusLine).text)
    assert [(r.method, r.path) for r in loopback.requests] == [("GET", "/v1/models")]
    cached = ModelCache(settings.cache_dir / "models.json").load(loopback.base_url)
    assert cached is not None and cached[0]["id"] == "test/model-a"

    # with a fresh list cached, no request is made
    loopback.reset()
    app = HCChatApp(replace(settings), session=session, learn_models=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "ctx 10%" in chat(app).query_one(StatusLine).text)
    assert loopback.requests == []
