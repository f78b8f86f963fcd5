"""Hostile text from the model or server: shown literally or neutralised, never run, saved exactly.

What the screen shows loses terminal control characters (C0 except tab and newline, DEL, C1)
and bidi overrides, so ``ESC[2J`` shows as ``[2J``; the session file keeps the text as received.
"""

from __future__ import annotations

import json

import pytest
from loopback import chunk, error, reply, sse

from app.ui.screens import ConfirmScreen
from app.ui.widgets import ReplyView

from .conftest import (
    MODEL,
    assert_kept,
    chat,
    saved,
    screen_text,
    send_and_wait,
    still_works,
    told,
)

ECHO = f"Echo from {MODEL}: are you still there"
MARKUP = (
    "[bold red]ALERT[/bold red] then [@click=app.quit]click me[/] "
    "then [link=https://evil.example]a link[/link]"
)
UNSAFE = "\x00\x1b\x07\x08\x0b\x7f\x9b\u202e\u2067"
SURROGATE_CHUNKS = [
    chunk("", role=True),
    chunk("smile \ud83d"),
    chunk(" and \ud83d"),
    chunk("\ude00 end"),
    chunk(finish="stop"),
    "[DONE]",
]
SURROGATES_CLEANED = "smile \ufffd and \U0001f600 end"

HOSTILE = [
    pytest.param(
        MARKUP,
        [
            "[bold red]ALERT[/bold red]",
            "[@click=app.quit]click me[/]",
            "[link=https://evil.example]a link[/link]",
        ],
        id="rich-and-textual-markup",
    ),
    pytest.param(
        "clear\x1b[2Jscreen \x1b[31mred\x1b[0m copy\x1b]52;c;aGk=\x07 end",
        ["clear[2Jscreen [31mred[0m copy]52;c;aGk= end"],
        id="ansi-and-osc-escapes",
    ),
    pytest.param(
        "nul\x00here bell\x07 bs\x08 vt\x0b del\x7f csi\x9b2J",
        ["nulhere bell bs vt del csi2J"],
        id="nul-and-control-characters",
    ),
    pytest.param(
        "invoice \u202egpj.exe\u202c and \u2067isolated\u2069 text",
        ["invoice gpj.exe and isolated text"],
        id="bidi-overrides",
    ),
    pytest.param("x" * 5000, ["x" * 100], id="5000-characters-without-spaces"),
    pytest.param(
        "<script>alert(1)</script> <b>bold</b> <img src=x onerror=alert(1)>",
        ["<script>alert(1)</script> <b>bold</b> <img src=x onerror=alert(1)>"],
        id="raw-html",
    ),
]


@pytest.mark.parametrize(("text", "shown"), HOSTILE)
async def test_hostile_model_output_is_shown_literally_and_saved_exactly(
    make_app, loopback, store, text, shown
):
    loopback.enqueue(reply(text, chunk_size=7, reasoning=f"thinking {text}"))
    app = make_app()
    async with app.run_test(size=(120, 60), notifications=True) as pilot:
        await send_and_wait(pilot, "say something nasty")
        reply_view = chat(app).query(ReplyView).last()
        source = reply_view.query_one(".message-body").source
        assert not any(char in source for char in UNSAFE)
        screen = screen_text(app)
        for fragment in shown:
            assert fragment in screen
        assert not any(char in screen for char in UNSAFE)
        await still_works(pilot)
        session_id = chat(app).session.id
    messages = assert_kept(
        store, session_id, ["say something nasty", "are you still there"], [text, ECHO]
    )
    assert messages[1]["reasoning"] == f"thinking {text}"


async def test_clicking_markup_in_a_reply_runs_no_action(make_app, loopback, store):
    loopback.enqueue(reply(MARKUP))
    app = make_app()
    opened: list[str] = []
    app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await send_and_wait(pilot, "hi")
        lines = screen_text(app).splitlines()
        body = chat(app).query(ReplyView).last().query_one(".message-body")
        for target in ("click me", "a link", "ALERT"):
            row = next(i for i, line in enumerate(lines) if target in line)
            column = lines[row].index(target) + 2
            under, _ = app.get_widget_at(column, row)
            assert body in under.ancestors_with_self
            await pilot.click(offset=(column, row))
            await pilot.pause()
            assert app.is_running and app.return_code is None
            assert not isinstance(app.screen, ConfirmScreen)
        await still_works(pilot)
    assert opened == []


async def test_a_markdown_link_opens_only_after_confirmation(make_app, loopback):
    loopback.enqueue(reply("see [the docs](https://evil.example/x) now"))
    app = make_app()
    opened: list[str] = []
    app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "hi")
        lines = screen_text(app).splitlines()
        row = next(i for i, line in enumerate(lines) if "the docs" in line)
        await pilot.click(offset=(lines[row].index("the docs") + 2, row))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "https://evil.example/x" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
    assert opened == []


async def test_hostile_error_text_from_the_server_is_shown_literally(make_app, loopback, store):
    message = "[bold]boom[/] [@click=app.quit]quit[/] \x1b[2J\x1b]52;c;aGk=\x07 <b>x</b>"
    loopback.enqueue(error(400, json.dumps({"error": {"message": message, "code": 400}})))
    app = make_app()
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await send_and_wait(pilot, "hello")
        shown = told(app, "[bold]boom[/] [@click=app.quit]quit[/]")
        assert "\x1b" not in shown and "\x07" not in shown
        assert "[bold]boom[/] [@click=app.quit]quit[/]" in screen_text(app)
        await still_works(pilot)
        session_id = chat(app).session.id
    error_saved = saved(store, session_id)["messages"][1]["error"]
    assert "[@click=app.quit]quit[/]" in error_saved and "\x1b" not in error_saved


async def test_a_prompt_with_markup_and_escapes_is_shown_literally_and_saved_exactly(
    make_app, loopback, store
):
    typed = "[@click=app.quit]me[/] \x1b[2J [b]x[/b]"
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await send_and_wait(pilot, typed)
        screen = screen_text(app)
        assert "[@click=app.quit]me[/] [2J [b]x[/b]" in screen
        session_id = chat(app).session.id
    assert_kept(store, session_id, [typed], [f"Echo from {MODEL}: {typed}"])


async def test_a_lone_surrogate_becomes_a_replacement_character_and_breaks_nothing(
    make_app, loopback, store
):
    # JSON escapes like "\ud83d" without their second half (an emoji cut in two by a careless
    # server) cannot be sent back or saved as UTF-8; a pair split across chunks is rejoined.
    loopback.enqueue(sse(SURROGATE_CHUNKS))
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "emoji")
        assert chat(app).session.messages[-1].content == SURROGATES_CLEANED
        assert "smile \ufffd and \U0001f600 end" in screen_text(app)
        await still_works(pilot)
        session_id = chat(app).session.id
    assert loopback.requests[-1].json["messages"][1]["content"] == SURROGATES_CLEANED
    assert_kept(store, session_id, ["emoji", "are you still there"], [SURROGATES_CLEANED, ECHO])


def test_a_lone_surrogate_in_pipe_mode_is_printed_and_saved_cleaned(hcchat, loopback, cli_sessions):
    loopback.enqueue(sse(SURROGATE_CHUNKS))
    run = hcchat("-p", "emoji")
    assert (run.code, run.out, run.err) == (0, SURROGATES_CLEANED + "\n", "")
    [summary] = cli_sessions.list()
    assert_kept(cli_sessions, summary.id, ["emoji"], [SURROGATES_CLEANED])
