"""SVG snapshots of the composer's attachments at 80x24 and 120x40, dark and light.

A message with an image (its chip: tests have no terminal graphics, so never a picture), a
file waiting above the prompt, and the offer made for a dropped file. Times are frozen as in
``test_snapshots.py``. Review the SVG diff before running ``pytest --snapshot-update``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual import events

from app.store import Message, Session, read_attachment
from app.ui.screens._dialogs import OfferScreen

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
THEMES = ["textual-dark", "textual-light"]
WHEN = datetime(2026, 11, 24, 19, 30, 5, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 2000


@pytest.fixture(autouse=True)
def _frozen(frozen_time: datetime) -> None:
    """Every picture here is taken at ``frozen_time``."""


def _session(store, tmp_path) -> Session:
    (tmp_path / "sunset.png").write_bytes(PNG)
    attachment, data = read_attachment(str(tmp_path / "sunset.png"))
    store.keep_attachment(attachment, data)
    session = Session(id="20261124-193005-3f9a", title="A photo", created=WHEN, updated=WHEN)
    session.model = "test/model-a"
    session.messages = [
        Message("user", "Where could this be?", created=WHEN, attachments=[attachment]),
        Message("assistant", "A beach at sunset, facing west.", created=WHEN, model="test/model-a"),
    ]
    return session


async def _until(pilot, check) -> None:
    for _ in range(400):
        if check():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app did not reach the state to snapshot")


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_an_image_chip_and_a_file_waiting(snap_compare, make_app, store, tmp_path, size, theme):
    (tmp_path / "notes.txt").write_text("remember the tide tables\n")
    app = make_app(_session(store, tmp_path), theme=theme)

    async def run_before(pilot) -> None:
        app.chat.attach(str(tmp_path / "notes.txt"))
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_the_offer_for_a_dropped_file(snap_compare, make_app, tmp_path, monkeypatch, size, theme):
    (tmp_path / "sunset.png").write_bytes(PNG)
    monkeypatch.chdir(tmp_path)  # the pasted path, shown in the prompt, is the same every run
    # the base URL the welcome view names, not the loopback server's port of the day
    app = make_app(theme=theme, base_url="https://ai.hackclub.com/proxy/v1")

    async def run_before(pilot) -> None:
        app.post_message(events.Paste("'sunset.png' "))
        await _until(pilot, lambda: isinstance(app.screen, OfferScreen))
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
