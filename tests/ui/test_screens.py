"""Model picker, settings form, session browser, help and palette, driven through Pilot."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from loopback import error, reply
from textual.widgets import DataTable, Input, OptionList, Static

from app.store import Message, Session
from app.ui._textual_private import notifications
from app.ui.screens import (
    ConfirmScreen,
    HelpScreen,
    ModelPicker,
    SessionBrowser,
    SettingsScreen,
    TextPromptScreen,
)
from app.ui.widgets import ReplyView

from .conftest import chat, screen_text, send, send_and_wait, wait_for


def _saved(store, title: str, *, hours_ago: int, text: str = "hello") -> Session:
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    session = Session(
        id=f"{when:%Y%m%d-%H%M%S}-{hours_ago:04x}", title=title, created=when, updated=when
    )
    session.model = "test/model-a"
    session.messages = [
        Message("user", text, created=when),
        Message("assistant", f"reply to {text}", created=when, model="test/model-a"),
    ]
    store.save(session)
    return session


async def _open_browser(pilot, app) -> SessionBrowser:
    await pilot.press("ctrl+o")
    await wait_for(
        pilot, lambda: isinstance(app.screen, SessionBrowser) and bool(app.screen.entries)
    )
    await pilot.pause()
    assert isinstance(app.screen, SessionBrowser)
    return app.screen


def _rows(browser: SessionBrowser) -> list[str]:
    table = browser.query_one(DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def test_model_picker_filters_marks_current_and_switches(make_app, loopback):
    loopback.models = ["test/model-a", "test/model-b", "other/x", "test/model-b"]
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+l")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ModelPicker) and bool(app.screen.models)
        )
        picker = app.screen
        options = picker.query_one(OptionList)
        assert options.option_count == 3  # duplicates removed
        assert str(options.get_option_at_index(0).prompt).startswith("● test/model-a")
        await pilot.press("o", "t", "h")
        await pilot.pause()
        assert options.option_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ModelPicker)
        assert chat(app).session.model == "other/x"
        await send_and_wait(pilot, "hi")
    assert loopback.requests[-1].json["model"] == "other/x"


async def test_model_picker_accepts_a_typed_id_when_the_server_lists_none(make_app, loopback):
    loopback.models = []
    app = make_app()
    async with app.run_test() as pilot:
        await send(pilot, "/model")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ModelPicker) and bool(app.screen.models)
        )
        note = str(app.screen.query_one("#picker-note").render())
        assert "listed no models" in note
        app.screen.query_one(Input).value = "my/own-model"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert chat(app).session.model == "my/own-model"


async def test_settings_form_rejects_bad_values_then_saves_good_ones(make_app, loopback):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, SettingsScreen)
        form.query_one("#param-temperature", Input).value = "hot"
        form.query_one("#param-max_tokens", Input).value = "-5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        error = str(form.query_one("#settings-error").render())
        assert "temperature must be a number from 0 to 2" in error
        assert "max_tokens must be a whole number" in error
        form.query_one("#param-temperature", Input).value = "0.3"
        form.query_one("#param-max_tokens", Input).value = "100"
        form.query_one("#system").load_text("Answer in French.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert chat(app).session.params == {"temperature": 0.3, "max_tokens": 100}
        await send_and_wait(pilot, "bonjour")
    body = loopback.requests[-1].json
    assert body["temperature"] == 0.3 and body["max_tokens"] == 100
    assert body["messages"][0] == {"role": "system", "content": "Answer in French."}


async def test_browser_lists_newest_first_filters_and_opens(make_app, loopback, store):
    _saved(store, "Old one", hours_ago=30, text="apples")
    target = _saved(store, "Middle", hours_ago=20, text="the secret word is pomegranate")
    _saved(store, "Newest", hours_ago=1, text="bananas")
    app = make_app()
    async with app.run_test() as pilot:
        browser = await _open_browser(pilot, app)
        assert _rows(browser) == ["Newest", "Middle", "Old one"]
        await pilot.press("n", "e", "w")
        await pilot.pause()
        assert _rows(browser) == ["Newest"]
        browser.query_one(Input).value = "pomegranate"
        await wait_for(pilot, lambda: _rows(browser) == ["Middle"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat(app).session.id == target.id)
        await pilot.pause()
        highlighted = [v for v in chat(app).query(".-highlight")]
        assert highlighted and "pomegranate" in highlighted[0].message.content
        await send_and_wait(pilot, "continue")
    history = loopback.requests[-1].json["messages"]
    assert history[0]["content"] == "the secret word is pomegranate"
    assert len(history) == 3


async def test_browser_deletes_after_confirmation_only(make_app, store):
    keep = _saved(store, "Keep me", hours_ago=2)
    _saved(store, "Delete me", hours_ago=1)
    app = make_app()
    async with app.run_test() as pilot:
        browser = await _open_browser(pilot, app)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert len([e for e in store.list()]) == 2
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: _rows(browser) == ["Keep me"])
    assert [e.id for e in store.list()] == [keep.id]


async def test_browser_renames_and_exports(make_app, store, tmp_path):
    session = _saved(store, "Before", hours_ago=1, text="export me")
    app = make_app()
    async with app.run_test() as pilot:
        browser = await _open_browser(pilot, app)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, TextPromptScreen)
        app.screen.query_one(Input).value = "After"
        await pilot.press("enter")
        await wait_for(pilot, lambda: _rows(browser) == ["After"])
        await pilot.press("ctrl+e")
        await pilot.pause()
        target = tmp_path / "out.json"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists)
    assert store.load(session.id).title == "After"
    exported = json.loads(target.read_text("utf-8"))
    assert exported["messages"][0]["content"] == "export me"


async def test_browser_shows_unreadable_files_and_refuses_to_open_or_delete_them(make_app, store):
    _saved(store, "Fine", hours_ago=1)
    broken = store.folder / "20260101-000000-beef.toml"
    broken.write_bytes(b"schema = 1\ntitle = [oops")
    app = make_app()
    async with app.run_test() as pilot:
        browser = await _open_browser(pilot, app)
        rows = _rows(browser)
        assert rows[0] == "Fine" and "unreadable" in rows[1]
        await pilot.press("down")
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionBrowser)
        assert any("cannot be read" in n.message for n in notifications(app))
    assert broken.read_bytes() == b"schema = 1\ntitle = [oops"


async def test_markup_and_escapes_in_replies_show_literally(make_app, loopback):
    hostile = (
        "[bold red]x[/] [@click=app.quit]quit[/] \x1b[2J\x1b]52;c;aGk=\x07 List<String> <b>b</b>"
    )
    loopback.enqueue(reply(hostile))
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await send_and_wait(pilot, "go")
        view = chat(app).query(ReplyView).last()
        body = view.query_one(".message-body")
        await pilot.click(body, offset=(12, 0))
        await pilot.pause()
        assert app.is_running
        shown = screen_text(app)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "\x1b" not in app.export_screenshot()
        for literal in (
            "[bold red]x[/]",
            "[@click=app.quit]quit[/]",
            "List<String>",
            "<b>b</b>",
            "[2J",
        ):
            assert literal in shown, literal
        assert chat(app).session.messages[-1].content == hostile


async def test_link_in_reply_asks_before_opening(make_app, loopback, monkeypatch):
    loopback.enqueue(reply("see [the docs](https://example.com/docs) now"))
    app = make_app()
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    async with app.run_test() as pilot:
        await send_and_wait(pilot, "link please")
        body = chat(app).query(ReplyView).last().body.chunks[0]
        body.post_message(body.LinkClicked(body, "https://example.com/docs"))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and opened == []
        await pilot.press("y")
        await pilot.pause()
    assert opened == ["https://example.com/docs"]


async def test_help_lists_commands_and_keys(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await send(pilot, "/help")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(s.render()) for s in app.screen.query(".help-name, .help-text"))
        assert "/model [ID]" in text and "Cancel reply" in text
        # the app's own keys come first, then the slash commands
        sections = [str(s.render()) for s in app.screen.query(".help-section")]
        assert sections[0] == "Chat" and sections[-1].startswith("Slash commands")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


def _palette_highlights(app, title: str) -> bool:
    """The command palette is open and its highlighted command is ``title``."""
    from textual.command import CommandList, CommandPalette

    if not isinstance(app.screen, CommandPalette):
        return False
    results = app.screen.query_one(CommandList)
    highlighted = results.highlighted
    return highlighted is not None and title in str(results.get_option_at_index(highlighted).prompt)


async def test_palette_offers_the_app_actions(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in (
            "New chat",
            "Switch model",
            "Browse sessions",
            "Session settings",
            "Cancel reply",
        ):
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"browse")
        await wait_for(pilot, lambda: _palette_highlights(app, "Browse sessions"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser))


async def test_new_session_starts_empty_and_keeps_the_model(make_app, loopback, store):
    app = make_app()
    async with app.run_test() as pilot:
        await send(pilot, "/model test/model-b")
        await send_and_wait(pilot, "first session")
        first = chat(app).session.id
        await send(pilot, "/new")
        await pilot.pause()
        assert chat(app).session.id != first
        assert chat(app).session.messages == []
        assert chat(app).session.model == "test/model-b"
        await send_and_wait(pilot, "second session")
    assert loopback.requests[-1].json["messages"] == [{"role": "user", "content": "second session"}]
    assert len(store.list()) == 2


async def test_long_session_mounts_recent_messages_and_loads_older_on_scroll(make_app):
    when = datetime(2026, 1, 1, tzinfo=UTC)
    session = Session(
        id="20260101-000000-0001", title="Long", created=when, updated=when, model="m"
    )
    for number in range(150):
        session.messages.append(Message("user", f"question {number}", created=when))
        session.messages.append(Message("assistant", f"answer {number}", created=when, model="m"))
    app = make_app(session)
    async with app.run_test() as pilot:
        await pilot.pause()
        mounted = len(chat(app).query(".message"))
        assert mounted < 60
        conversation = chat(app).query_one("#conversation")
        conversation.scroll_home(animate=False)
        await wait_for(pilot, lambda: len(chat(app).query(".message")) > mounted)


async def test_chosen_theme_is_remembered_in_the_config(make_app, settings):
    settings.config_path.parent.mkdir(parents=True)
    settings.config_path.write_text('# my settings\ndefault_model = "x/y"\n', "utf-8")
    app = make_app()
    async with app.run_test() as pilot:
        app.theme = "nord"
        await pilot.pause()
    text = settings.config_path.read_text("utf-8")
    assert 'theme = "nord"' in text
    assert text.startswith('# my settings\ndefault_model = "x/y"\n')


async def test_configured_theme_is_used_at_start(make_app):
    app = make_app(theme="gruvbox")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "gruvbox"


async def test_browser_shows_the_newest_sessions_while_a_new_index_is_built(
    make_app, store, monkeypatch
):
    from app.store import _index

    for hours in range(6):
        session = _saved(store, f"Chat {hours}", hours_ago=hours)
        moment = session.updated.timestamp()  # the file's time is when it was saved
        os.utime(store.folder / f"{session.id}.toml", (moment, moment))
    (store.folder / ".index.json").unlink(missing_ok=True)  # as on a first run
    monkeypatch.setattr(_index, "FIRST_BATCH", 2)
    parsed: list[str] = []
    real = _index.read_head
    rest_of_the_folder = threading.Event()  # held until the test has seen the first rows

    def slow_after_the_first_two(path: str, size: int, enough: Any) -> Any:
        parsed.append(os.path.basename(path))
        if len(parsed) > 2:
            rest_of_the_folder.wait(timeout=20)  # a folder of thousands of files
        return real(path, size, enough)

    monkeypatch.setattr(_index, "read_head", slow_after_the_first_two)
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser) and app.screen.entries)
        browser = app.screen
        note = browser.query_one("#browser-note", Static)
        assert _rows(browser) == ["Chat 0", "Chat 1"]  # the two newest, before the rest is read
        assert "so far" in str(note.render())
        rest_of_the_folder.set()
        await wait_for(pilot, lambda: len(_rows(browser)) == 6)
        assert _rows(browser) == [f"Chat {hours}" for hours in range(6)]
        assert "so far" not in str(note.render())


async def test_model_picker_shows_metadata_and_filters_by_capability(make_app, loopback):
    body = {
        "data": [
            {
                "id": "vision/model",
                "name": "Vision",
                "context_length": 131072,
                "architecture": {"input_modalities": ["text", "image"]},
                "pricing": {"prompt": "0.0000001", "completion": "0.0000003"},
            },
            {"id": "thinking/model", "supported_parameters": ["reasoning"]},
            {"id": "bare/model"},
        ]
    }
    loopback.enqueue_models(error(200, json.dumps(body)))
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("ctrl+l")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ModelPicker) and bool(app.screen.models)
        )
        options = app.screen.query_one(OptionList)
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "131k ctx · $0.10/$0.30 per M · images" in rows[0]
        assert rows[1].endswith("thinking/model · reasoning")
        assert rows[2].strip() == "bare/model"
        await pilot.press(*":image")
        await pilot.pause()
        assert options.option_count == 1
        assert str(options.get_option_at_index(0).prompt).strip().startswith("vision/model")
        await pilot.press(*" thinking")
        await pilot.pause()
        assert options.option_count == 0
    cached = json.loads((app.settings.cache_dir / "models.json").read_text())
    [entry] = cached["endpoints"].values()
    assert entry["models"][0]["takes_images"] is True
