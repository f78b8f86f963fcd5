"""Driving the real app with Pilot, as a user would: shared by every UI and fault test."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from app.ui._app import HCChatApp
from app.ui._textual_private import notifications as private_notifications
from app.ui.screens import ChatScreen
from app.ui.widgets import ReplyView


def chat(app: HCChatApp) -> ChatScreen:
    """The app's chat screen."""
    return app.chat


async def wait_for(
    pilot: Pilot[Any], predicate: Callable[[], object], timeout: float = 10.0
) -> None:
    """Let the app run until ``predicate()`` holds; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.01)


async def send(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` into the prompt and press Enter (long or odd text is pasted)."""
    app = pilot.app
    assert isinstance(app, HCChatApp)
    prompt = app.chat.query_one("#prompt")
    prompt.focus()
    if len(text) > 20 or not text.replace(" ", "").isalnum():
        prompt.insert(text)  # type: ignore[attr-defined]
    else:
        await pilot.press(*[c if c != " " else "space" for c in text])
    await pilot.press("enter")


def idle(app: HCChatApp) -> bool:
    """No reply is streaming, and every reply view has finished showing its text."""
    screen = app.chat
    return not screen.streaming and not any(view.streaming for view in screen.query(ReplyView))


async def send_and_wait(pilot: Pilot[Any], text: str, timeout: float = 10.0) -> None:
    """Send a prompt and wait until its reply has finished (or failed) and is saved."""
    app = pilot.app
    assert isinstance(app, HCChatApp)
    before = len(app.chat.session.messages)
    await send(pilot, text)
    await wait_for(
        pilot, lambda: len(app.chat.session.messages) >= before + 2 and idle(app), timeout
    )
    await pilot.pause()


def received(app: HCChatApp) -> str:
    """What has arrived of the reply that is streaming (empty when none is)."""
    builder = app.chat.reply
    return builder.message.content if builder is not None else ""


def notifications(app: HCChatApp) -> list[str]:
    """The text of every notification shown so far."""
    return [notification.message for notification in private_notifications(app)]


def told(app: HCChatApp, *fragments: str) -> str:
    """The notification that contains every fragment; fails if none does or one is a crash."""
    shown = notifications(app)
    for message in shown:
        assert "Traceback" not in message, message
    for message in shown:
        if all(fragment in message for fragment in fragments):
            assert not re.fullmatch(r"\W*\d{3}\W*", message), message
            return message
    raise AssertionError(f"no notification with {fragments!r}; shown: {shown!r}")


_TEXT = re.compile(
    r'<text [^>]*?x="([\d.]+)" [^>]*?clip-path="url\(#[\w-]+-line-(\d+)\)"[^>]*>(.*?)</text>',
    re.DOTALL,
)
CELL_WIDTH = 12.2  # Rich's SVG export: 0.61 of its 20 px font


def screen_text(app: HCChatApp) -> str:
    """What the terminal shows, one line per row, each character in its column.

    Built from the app's SVG screenshot (which must hold no ESC), so ``lines[row][column]`` is
    what a click at ``offset=(column, row)`` hits.
    """
    svg = app.export_screenshot()
    assert "\x1b" not in svg
    rows: dict[int, dict[int, str]] = {}
    for x, line, text in _TEXT.findall(svg):
        cells = rows.setdefault(int(line), {})
        column = round(float(x) / CELL_WIDTH)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            cells[column + offset] = char
    return "\n".join(
        "".join(rows.get(row, {}).get(column, " ") for column in range(app.size.width)).rstrip()
        for row in range(app.size.height)
    )
