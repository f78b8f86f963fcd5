"""Composing prompts: history (Up/Down, search), $EDITOR and roles, through Pilot."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from loopback import reply
from pilot import told

from app.roles import Role
from app.store import Message, Session, SessionStore
from app.ui.screens._list_picker import ListPicker
from app.ui.widgets import PromptArea, UserMessage

from .conftest import chat, send_and_wait, wait_for


def _saved(store: SessionStore, *prompts: str) -> Session:
    session = Session.new("test/model-a")
    for text in prompts:
        session.messages.append(Message("user", text))
        session.messages.append(Message("assistant", "ok", model="test/model-a"))
    store.save(session)
    return session


def _prompt(app) -> PromptArea:
    return chat(app).query_one(PromptArea)


async def test_up_recalls_prompts_of_every_session_newest_first_and_down_restores_the_draft(
    make_app, loopback, store
):
    _saved(store, "first old prompt", "second old prompt")
    loopback.enqueue(reply("fine"))
    app = make_app()
    async with app.run_test() as pilot:
        prompt = _prompt(app)
        assert prompt.prompt_history is None  # nothing read at start-up
        await send_and_wait(pilot, "fresh prompt")
        prompt.insert("draft")
        await pilot.press("up")
        await wait_for(pilot, lambda: prompt.text == "fresh prompt")
        await pilot.press("up")
        assert prompt.text == "second old prompt"
        await pilot.press("up")
        assert prompt.text == "first old prompt"
        await pilot.press("up")  # the oldest stays
        assert prompt.text == "first old prompt"
        await pilot.press("down", "down")
        assert prompt.text == "fresh prompt"
        await pilot.press("down")
        assert prompt.text == "draft"


async def test_a_deleted_session_leaves_no_prompts_in_the_history(make_app, store):
    _saved(store, "kept prompt")
    gone = _saved(store, "secret prompt")
    store.delete(gone.id)
    app = make_app()
    async with app.run_test() as pilot:
        prompt = _prompt(app)
        await pilot.press("up")
        await wait_for(pilot, lambda: prompt.prompt_history is not None)
        assert prompt.prompt_history == ["kept prompt"]


async def test_ctrl_f_searches_the_history_as_you_type(make_app, store):
    _saved(store, "how do I sort a list", "tell me a joke", "sort a dict by value")
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, ListPicker))
        await pilot.press(*"dict")
        picker = app.screen
        assert isinstance(picker, ListPicker)
        assert picker.query_one("#items").option_count == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ListPicker))
        assert _prompt(app).text == "sort a dict by value"


def _script(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(f"import sys\npath = sys.argv[1]\n{body}\n", "utf-8")
    return f"{sys.executable} {script}"


async def test_editor_rewrites_the_prompt(make_app, tmp_path, monkeypatch):
    body = "text = open(path).read()\nopen(path, 'w').write(text.upper() + ' edited\\n')"
    monkeypatch.setenv("VISUAL", _script(tmp_path, body))
    app = make_app()
    async with app.run_test() as pilot:
        _prompt(app).insert("hello")
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: _prompt(app).text == "HELLO edited")


async def test_slash_editor_runs_the_editor_too(make_app, tmp_path, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", _script(tmp_path, "open(path, 'w').write('from the editor')"))
    app = make_app()
    async with app.run_test() as pilot:
        prompt = _prompt(app)
        prompt.insert("/editor")
        await pilot.press("enter")
        await wait_for(pilot, lambda: prompt.text == "from the editor")


@pytest.mark.parametrize(
    ("editor", "said"),
    [("fail", "exit status 3"), ("missing", "was not found")],
)
async def test_a_failing_or_missing_editor_leaves_the_prompt_unchanged(
    make_app, tmp_path, monkeypatch, editor, said
):
    command = (
        _script(tmp_path, "open(path, 'w').write('lost')\nsys.exit(3)")
        if editor == "fail"
        else str(tmp_path / "no-such-editor")
    )
    monkeypatch.setenv("VISUAL", command)
    app = make_app()
    async with app.run_test() as pilot:
        _prompt(app).insert("keep me")
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert _prompt(app).text == "keep me"
        told(app, said)


ROLES = {
    "pirate": Role(
        "pirate", "Talk like a pirate.", "test/model-b", {"temperature": 1.2, "max_tokens": 50}
    ),
    "terse": Role("terse", "Be terse."),
}


async def test_slash_role_sets_system_prompt_model_and_params_of_the_request(
    make_app, loopback, store
):
    loopback.enqueue(reply("Arr."))
    app = make_app(roles=ROLES)
    async with app.run_test() as pilot:
        _prompt(app).insert("/role pirate")
        await pilot.press("enter")
        await send_and_wait(pilot, "hello")
        session_id = chat(app).session.id
    body = loopback.requests[-1].json
    assert body["model"] == "test/model-b"
    assert body["messages"][0] == {"role": "system", "content": "Talk like a pirate."}
    assert body["temperature"] == 1.2
    assert body["max_tokens"] == 50
    assert store.load(session_id).role == "pirate"
    assert 'role = "pirate"' in (store.folder / f"{session_id}.toml").read_text("utf-8")


async def test_unknown_role_is_one_line_listing_the_known_ones(make_app):
    app = make_app(roles=ROLES)
    async with app.run_test() as pilot:
        _prompt(app).insert("/role nope")
        await pilot.press("enter")
        await pilot.pause()
        told(app, "Unknown role 'nope'", "pirate, terse")
        assert chat(app).session.role is None


async def test_role_alone_opens_a_picker(make_app):
    app = make_app(roles=ROLES)
    async with app.run_test() as pilot:
        _prompt(app).insert("/role")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ListPicker))
        await pilot.press(*"terse", "enter")
        await wait_for(pilot, lambda: chat(app).session.role == "terse")
        assert chat(app).session.system_prompt == "Be terse."


async def test_slash_attach_takes_paths_with_a_tilde_and_spaces_and_sends_a_content_array(
    make_app, loopback, store, isolated_env
):
    (isolated_env / "my notes.txt").write_text("remember this\n", "utf-8")
    loopback.enqueue(reply("Noted."))
    app = make_app()
    async with app.run_test() as pilot:
        _prompt(app).insert("/attach ~/my notes.txt")
        await pilot.press("enter")
        await pilot.pause()
        chips = str(chat(app).query_one("#attachments").render())
        assert "my notes.txt (14 B)" in chips
        await send_and_wait(pilot, "summarise")
        assert not chat(app).query_one("#attachments").display
        mine = chat(app).query(UserMessage).last()
        header = str(mine.query_one(".message-header").render())
        session_id = chat(app).session.id
    assert "[my notes.txt (14 B)]" in header
    content = loopback.requests[-1].json["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": "summarise"},
        {"type": "text", "text": "my notes.txt:\n```\nremember this\n```"},
    ]
    [attachment] = store.load(session_id).messages[0].attachments
    assert (attachment.name, attachment.size) == ("my notes.txt", 14)


async def test_a_refused_attachment_sends_nothing_and_keeps_the_command(
    make_app, loopback, tmp_path
):
    folder = tmp_path / "a folder"
    folder.mkdir()
    app = make_app()
    async with app.run_test() as pilot:
        _prompt(app).insert(f'/attach "{folder}"')
        await pilot.press("enter")
        await pilot.pause()
        told(app, "Not attached", "is a folder")
        assert _prompt(app).text == f'/attach "{folder}"'
        assert chat(app).pending == []
    assert loopback.requests == []


PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16


def _cache_models(app, *models: dict[str, object]) -> None:
    from app.store import ModelCache

    ModelCache(app.settings.cache_dir / "models.json").save(app.settings.base_url, list(models))


async def test_an_image_for_a_model_listed_without_images_is_refused_keeping_prompt_and_files(
    make_app, loopback, tmp_path
):
    (tmp_path / "dot.png").write_bytes(PNG)
    app = make_app()
    _cache_models(app, {"id": "test/model-a", "takes_images": False})
    async with app.run_test() as pilot:
        _prompt(app).insert(f"/attach {tmp_path / 'dot.png'}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat(app).pending)
        _prompt(app).insert("what is this?")
        await pilot.press("enter")
        await pilot.pause()
        told(app, "Not sent", "test/model-a takes no images", "dot.png")
        assert _prompt(app).text == "what is this?"
        assert [a.name for a, _ in chat(app).pending] == ["dot.png"]
        assert "dot.png" in str(chat(app).query_one("#attachments").render())
        assert not any(m.role == "user" for m in chat(app).session.messages)
    assert loopback.requests == []


async def test_an_image_goes_out_when_the_model_list_does_not_say(make_app, loopback, tmp_path):
    (tmp_path / "dot.png").write_bytes(PNG)
    loopback.enqueue(reply("A dot."))
    app = make_app()
    _cache_models(app, {"id": "test/model-a"}, {"id": "other/model", "takes_images": False})
    async with app.run_test() as pilot:
        _prompt(app).insert(f"/attach {tmp_path / 'dot.png'}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat(app).pending)
        await send_and_wait(pilot, "what is this?")
    [request] = loopback.requests
    assert request.json["messages"][0]["content"][1]["type"] == "image_url"


async def test_tab_completes_attach_paths_and_lists_the_candidates(make_app, loopback, tmp_path):
    (tmp_path / "My Photos").mkdir()
    (tmp_path / "My Photos" / "cat.png").write_bytes(PNG)
    (tmp_path / "notes one.txt").write_text("1")
    (tmp_path / "notes two.txt").write_text("2")
    app = make_app()
    async with app.run_test() as pilot:
        prompt = _prompt(app)
        prompt.insert(f"/attach {tmp_path}/My")
        await pilot.press("tab")
        assert prompt.text == f"/attach {tmp_path}/My\\ Photos/"
        assert prompt.has_focus
        await pilot.press("tab")
        assert prompt.text == f"/attach {tmp_path}/My\\ Photos/cat.png "
        prompt.insert(f"{tmp_path}/no")
        await pilot.press("tab")
        assert prompt.text.endswith(f"cat.png {tmp_path}/notes\\ ")
        told(app, "notes one.txt", "notes two.txt")
        await pilot.press("t", "tab", "enter")
        await wait_for(pilot, lambda: len(chat(app).pending) == 2)
        assert [a.name for a, _ in chat(app).pending] == ["cat.png", "notes two.txt"]


async def test_tab_outside_attach_still_moves_the_focus(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        prompt = _prompt(app)
        prompt.insert("hello")
        await pilot.press("tab")
        assert not prompt.has_focus
        assert prompt.text == "hello"


async def _paste(pilot, text: str) -> None:
    from textual import events

    pilot.app.post_message(events.Paste(text))  # as the driver does: the app forwards it
    await pilot.pause()


async def test_a_dropped_file_is_offered_and_enter_attaches_it(make_app, loopback, tmp_path):
    from app.ui.screens._dialogs import OfferScreen

    photo = tmp_path / "my photo.png"
    photo.write_bytes(PNG)
    loopback.enqueue(reply("A dot."))
    app = make_app()
    async with app.run_test() as pilot:
        _prompt(app).insert("look at ")
        await _paste(pilot, f"'{photo}'\r\n")  # a line of text/uri-list ends in CRLF
        await wait_for(pilot, lambda: isinstance(app.screen, OfferScreen))
        assert "Attach my photo.png?" in str(app.screen.query_one(".dialog-text").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat(app).pending)
        assert _prompt(app).text == "look at "  # the pasted path went, the typing stayed
        assert _prompt(app).has_focus
        await send_and_wait(pilot, "this")
    content = loopback.requests[-1].json["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "look at this"}
    assert content[1]["type"] == "image_url"


async def test_escape_keeps_a_dropped_path_as_text(make_app, tmp_path):
    from app.ui.screens._dialogs import OfferScreen

    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    app = make_app()
    async with app.run_test() as pilot:
        await _paste(pilot, f"file://{photo}")
        await wait_for(pilot, lambda: isinstance(app.screen, OfferScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, OfferScreen))
        assert _prompt(app).text == f"file://{photo}"
        assert chat(app).pending == []


@pytest.mark.parametrize("paste", ["{photo} is a file", "just words", "{folder}"])
async def test_a_paste_that_is_not_only_files_is_plain_text(make_app, tmp_path, paste):
    from app.ui.screens._dialogs import OfferScreen

    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    text = paste.format(photo=photo, folder=tmp_path)
    app = make_app()
    async with app.run_test() as pilot:
        await _paste(pilot, text)
        await pilot.pause()
        assert not isinstance(app.screen, OfferScreen)
        assert _prompt(app).text == text


async def test_a_path_pasted_into_a_slash_command_is_not_offered(make_app, tmp_path):
    from app.ui.screens._dialogs import OfferScreen

    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    app = make_app()
    async with app.run_test() as pilot:
        _prompt(app).insert("/attach ")
        await _paste(pilot, str(photo))
        await pilot.pause()
        assert not isinstance(app.screen, OfferScreen)
        assert _prompt(app).text == f"/attach {photo}"


async def test_detach_removes_the_waiting_files_and_keeps_the_text(make_app, loopback, tmp_path):
    (tmp_path / "dot.png").write_bytes(PNG)
    loopback.enqueue(reply("Text only."))
    app = make_app()
    _cache_models(app, {"id": "test/model-a", "takes_images": False})
    async with app.run_test() as pilot:
        _prompt(app).insert(f"/attach {tmp_path / 'dot.png'}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat(app).pending)
        _prompt(app).insert("/detach")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not chat(app).pending)
        told(app, "Removed dot.png")
        assert not chat(app).query_one("#attachments").display
        await send_and_wait(pilot, "hello")
    assert loopback.requests[-1].json["messages"][0]["content"] == "hello"


async def test_a_reply_asked_again_of_a_model_without_images_is_refused(
    make_app, loopback, store, tmp_path
):
    from app.store import read_attachment

    (tmp_path / "dot.png").write_bytes(PNG)
    attachment, data = read_attachment(str(tmp_path / "dot.png"))
    store.keep_attachment(attachment, data)
    session = Session.new("text/only")
    session.messages.append(Message("user", "what is it?", attachments=[attachment]))
    session.messages.append(Message("assistant", "A dot.", model="vision/model"))
    store.save(session)
    app = make_app(session=store.load(session.id))
    _cache_models(app, {"id": "text/only", "takes_images": False})
    async with app.run_test() as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        told(app, "Not sent", "text/only takes no images")
        assert [m.content for m in chat(app).session.messages] == ["what is it?", "A dot."]
    assert loopback.requests == []
