"""Every screen at 80x24: the settings form scrolls, dialogs fit, the browser sizes its columns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widget import Widget

from app.store import Message, Session
from app.ui.screens import SessionBrowser
from app.ui.screens._settings import SettingsScreen

from .conftest import chat, screen_text, wait_for

SMALL = (80, 24)


def _visible(widget: Widget) -> bool:
    """Whether ``widget`` is on screen, not scrolled out of its container."""
    screen = widget.screen
    region = widget.region
    if not region.height or not screen.region.contains_region(region):
        return False
    found, _ = screen.get_widget_at(region.x + region.width // 2, region.y + region.height // 2)
    return found is widget or widget in found.ancestors_with_self


async def test_tab_through_the_settings_form_keeps_the_focused_field_in_sight(make_app):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.pause()
        seen: list[str] = []
        # the system prompt, four parameters, Save and Cancel
        for _ in range(7):
            focused = app.focused
            assert focused is not None
            await wait_for(pilot, lambda focused=focused: _visible(focused))
            seen.append(focused.id or "")
            await pilot.press("tab")
            await pilot.pause()
        assert {"system", "param-max_tokens", "save", "cancel"} <= set(seen)
        app.screen.query_one("#param-max_tokens").focus()
        await pilot.press("5", "0", "ctrl+s")
        await wait_for(pilot, lambda: chat(app).session.params.get("max_tokens") == 50)


@pytest.mark.parametrize("key", ["f1", "ctrl+l", "ctrl+s"])
async def test_every_dialog_fits_in_80_by_24(make_app, key):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press(key)
        await wait_for(pilot, lambda: app.screen is not chat(app))
        await pilot.pause(0.1)
        dialog = app.screen.query_one(".dialog")
        assert app.screen.region.contains_region(dialog.region)


def _saved(store, title: str, models: list[str], count: int, day: int) -> None:
    when = datetime(2026, 11, day, 9, 30, tzinfo=UTC)
    session = Session(id=f"202611{day:02}-093000-00{day:02}", title=title, created=when)
    session.updated = when
    session.model = models[0]
    for number in range(count):
        session.messages.append(Message("user", "q", created=when))
        model = models[number % len(models)]
        session.messages.append(Message("assistant", "a", created=when, model=model))
    store.save(session)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_browser_cuts_titles_and_models_but_never_dates_or_counts(make_app, store, size):
    long_title = "A conversation about a great many things, " * 4
    models = ["openai/gpt-oss-120b", "qwen/qwen3-32b", "moonshotai/kimi-k2-instruct"]
    _saved(store, long_title, models, 123, 20)
    _saved(store, "Short", ["m"], 1, 21)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(
            pilot, lambda: isinstance(app.screen, SessionBrowser) and bool(app.screen.entries)
        )
        await pilot.pause(0.2)
        lines = screen_text(app).splitlines()
        row = next(line for line in lines if "A conversation" in line)
        assert "2026-11-20 09:30" in row
        assert row.rstrip(" ▁▂▃▄▅▆▇█▏▕").endswith("246")  # messages, not cut
        assert "…" in row  # the title is cut
        for cut in (part for part in row.split("  ") if part.endswith("…")):
            piece = cut.strip().rstrip("…")
            assert piece in long_title or ", ".join(models).startswith(piece)
        assert all(len(line) <= size[0] for line in lines)


async def test_the_browser_sizes_its_columns_again_when_the_terminal_changes(make_app, store):
    _saved(store, "A conversation about a great many things, " * 4, ["m"], 2, 20)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(
            pilot, lambda: isinstance(app.screen, SessionBrowser) and bool(app.screen.entries)
        )
        wide = app.screen._widths
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: app.screen._widths != wide)
        await pilot.pause(0.2)
        row = next(line for line in screen_text(app).splitlines() if "A conversation" in line)
        assert "2026-11-20 09:30" in row
        assert row.rstrip(" ▁▂▃▄▅▆▇█▏▕").endswith("4")
