"""Bad input from the user: explained precisely, never sent, never a crash."""

from __future__ import annotations

import pytest
from loopback import error, reply
from textual import events
from textual.widgets import Input, Static

from app.ui.screens import ModelPicker
from app.ui.widgets import UserMessage

from .conftest import (
    MODEL,
    assert_kept,
    chat,
    send,
    send_and_wait,
    still_works,
    told,
    wait_for,
)

ECHO = f"Echo from {MODEL}: are you still there"


# --------------------------------------------------------------------------- command line


CONFIG_ERRORS = [
    pytest.param(
        b'default_model = "qwen/qwen3-32b"\n\ntemperature = = 0.5\n',
        "line 3: Invalid value",
        id="syntax",
    ),
    pytest.param(
        b'default_model = "m"\ntemperature = "hot"\n',
        "line 2: temperature must be a number from 0 to 2, not 'hot'",
        id="wrong-kind",
    ),
    pytest.param(b'colour = "red"\n', "line 1: unknown setting 'colour'", id="unknown-setting"),
    pytest.param(
        b'theme = "nord"\n\n[keys]\nsesions = "f2"\n',
        "line 4: unknown action 'sesions' in [keys] (did you mean 'sessions'?)",
        id="unknown-key-action",
    ),
    pytest.param(
        b'[keys.browser]\nrename = "ctrl o"\n',
        "line 2: [keys] browser.rename must be a key",
        id="bad-key-spec",
    ),
    pytest.param(
        b'theme = "nord"\nsystem_prompt = "caf\xe9"\n', "line 2: not valid UTF-8 text", id="latin-1"
    ),
]


@pytest.mark.parametrize(("content", "message"), CONFIG_ERRORS)
def test_a_bad_config_file_names_the_file_and_the_line(hcchat, isolated_env, content, message):
    config = isolated_env / ".config" / "hcchat" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_bytes(content)
    run = hcchat()
    assert run.code == 1
    assert run.error_line.startswith(f"hcchat: config file {config}, {message}")
    assert hcchat.started == []
    assert hcchat("-p", "hi").error_line == run.error_line
    assert config.read_bytes() == content


def test_an_unknown_flag_is_a_usage_error_pointing_to_help(hcchat):
    run = hcchat("--frobnicate")
    assert run.code == 2
    assert run.error_line == ("hcchat: unrecognized arguments: --frobnicate (see `hcchat --help`)")
    assert hcchat.started == []


def test_an_unknown_session_id_stops_before_the_app_starts(hcchat, cli_sessions):
    run = hcchat("--session", "20261231-235959-dead")
    assert run.code == 1
    assert run.error_line == (
        "hcchat: no session '20261231-235959-dead' (see `hcchat sessions list`)"
    )
    assert hcchat.started == []
    assert not cli_sessions.folder.exists() or not list(cli_sessions.folder.iterdir())


def test_a_session_id_that_is_a_path_is_refused(hcchat, isolated_env):
    secret = isolated_env / "secret.toml"
    secret.write_text("not for hcchat", "utf-8")
    run = hcchat("--session", "../../../secret")
    assert run.code == 1
    assert "no session '../../../secret'" in run.error_line
    assert secret.read_text("utf-8") == "not for hcchat"


# --------------------------------------------------------------------------- in the app


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("/set temperature abc", "temperature must be a number from 0 to 2, not 'abc'."),
        ("/set temperature 7", "temperature must be a number from 0 to 2, not '7'."),
        ("/set max_tokens 1.5", "max_tokens must be a whole number of at least 1, not '1.5'."),
        ("/set temperature", "Usage: /set temperature|top_p|max_tokens|reasoning_effort VALUE"),
        ("/set colour red", "Unknown setting 'colour'."),
        ("/frobnicate now", "Unknown command /frobnicate. Type /help for the list."),
    ],
)
async def test_a_bad_command_is_explained_and_changes_nothing(
    make_app, loopback, store, command, message
):
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, command)
        await pilot.pause()
        told(app, message)
        assert chat(app).session.params == {}
        assert chat(app).session.messages == []
        chat(app).query_one("#prompt").clear()  # type: ignore[attr-defined]
        await still_works(pilot)
        session_id = chat(app).session.id
    assert set(loopback.requests[-1].json) == {"model", "messages", "stream", "stream_options"}
    assert "params" not in (store.folder / f"{session_id}.toml").read_text("utf-8")
    assert_kept(store, session_id, ["are you still there"], [ECHO])


@pytest.mark.parametrize(
    ("models", "note"),
    [
        (error(200, '{"data": []}'), "The server listed no models; showing the built-in list."),
        (
            error(500, "Internal server error", "text/plain"),
            "Could not load the model list (The server failed: Internal server error",
        ),
    ],
    ids=["empty-list", "list-fails"],
)
async def test_model_picker_without_a_server_list_still_switches_models(
    make_app, loopback, store, models, note
):
    loopback.enqueue_models(models, models, models)
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "/model")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
        picker = app.screen
        hint = picker.query_one("#picker-note", Static)
        await wait_for(pilot, lambda: note in str(hint.render()))
        picker.query_one("#filter", Input).value = "test/model-b"
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat(app).session.model == "test/model-b")
        await send_and_wait(pilot, "hi")
        assert chat(app).session.messages[-1].content == "Echo from test/model-b: hi"
        session_id = chat(app).session.id
    assert_kept(store, session_id, ["hi"], ["Echo from test/model-b: hi"])


async def test_an_empty_or_blank_prompt_is_not_sent(make_app, loopback, store):
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await pilot.press("enter")
        await pilot.press("space", "space", "ctrl+j", "space", "enter")
        await pilot.pause()
        assert chat(app).session.messages == []
        assert loopback.requests == []
        assert not list(store.folder.glob("*.toml")) if store.folder.exists() else True
        chat(app).query_one("#prompt").clear()  # type: ignore[attr-defined]
        await still_works(pilot)
        session_id = chat(app).session.id
    assert_kept(store, session_id, ["are you still there"], [ECHO])


async def test_a_one_megabyte_paste_is_sent_whole_and_saved_exactly(make_app, loopback, store):
    line = "pasted line — with “quotes”, tabs\tand émoji 🎉, number {}\n"
    text = "".join(line.format(n) for n in range(17_000))[:1_000_000]
    assert len(text) == 1_000_000
    loopback.enqueue(reply("Got it, that is a long paste."))
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        chat(app).query_one("#prompt").focus()
        app.post_message(events.Paste(text))
        await wait_for(pilot, lambda: chat(app).query_one("#prompt").text == text)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: len(chat(app).session.messages) == 2 and not chat(app).streaming
        )
        assert loopback.requests[0].json["messages"] == [{"role": "user", "content": text}]
        shown = chat(app).query(UserMessage).last().query_one(".message-body", Static)
        assert "too long to show in full" in str(shown.render())
        assert len(chat(app).session.title) <= 60
        await still_works(pilot)
        session_id = chat(app).session.id
    assert_kept(
        store, session_id, [text, "are you still there"], ["Got it, that is a long paste.", ECHO]
    )
