"""Code blocks are highlighted for the app's theme: dark, light or ANSI, and again on a switch."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.color import ColorType

from app.store import Message, Session
from app.ui._app import HCChatApp
from app.ui._textual_private import render_screen_strips

from .conftest import screen_text, wait_for

CODE_LINE = "def area(radius):"
REPLY = f"Here:\n\n```python\n{CODE_LINE}\n    return 3.14159 * radius ** 2  # close enough\n```\n"
Cell = tuple[str, object, object]


def _session() -> Session:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    session = Session(id="20260101-000000-00cd", title="Code", created=when, updated=when)
    session.model = "m"
    session.messages = [
        Message("user", "code please", created=when),
        Message("assistant", REPLY, created=when, model="m"),
    ]
    return session


def _code_cells(app: HCChatApp) -> list[Cell]:
    """The characters of the code line on screen, each with its colour and background."""
    row = next(strip for strip in render_screen_strips(app.screen) if CODE_LINE in strip.text)
    return [
        (character, segment.style.color, segment.style.bgcolor)
        for segment in row
        if segment.style is not None
        for character in segment.text
        if not character.isspace()
    ]


async def _cells_in(make_app, theme: str, *, switch_from: str | None = None) -> list[Cell]:
    """The code line's cells in ``theme``: started in it, or switched to it from another."""
    app = make_app(_session(), theme=switch_from or theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: CODE_LINE in screen_text(app))
        assert app.theme == (switch_from or theme)
        if switch_from is not None:
            app.theme = theme
            await pilot.pause()
        return _code_cells(app)


async def test_code_tokens_take_the_colours_of_a_dark_or_a_light_theme(make_app):
    dark = await _cells_in(make_app, "textual-dark")
    light = await _cells_in(make_app, "textual-light", switch_from="textual-dark")
    assert "".join(cell[0] for cell in dark) == "".join(cell[0] for cell in light)
    keyword_dark, keyword_light = dark[0], light[0]  # the "d" of "def"
    assert keyword_dark[1] != keyword_light[1]
    assert [cell[1] for cell in dark] != [cell[1] for cell in light]
    assert light == await _cells_in(make_app, "textual-light")  # as if it had started light


async def test_an_ansi_theme_highlights_code_in_ansi_colours_and_back(make_app):
    ansi = await _cells_in(make_app, "ansi-dark", switch_from="textual-dark")
    assert ansi == await _cells_in(make_app, "ansi-dark")
    keyword = ansi[0][1]
    assert keyword is not None and keyword.type is ColorType.STANDARD  # not a theme colour
    assert all(cell[2] is None or cell[2].is_default for cell in ansi)  # no fence background
    back = await _cells_in(make_app, "textual-dark", switch_from="ansi-dark")
    assert back == await _cells_in(make_app, "textual-dark")
    assert all(cell[1] is not None and cell[1].type is ColorType.TRUECOLOR for cell in back)
