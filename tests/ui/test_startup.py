"""Start-up defers work past the first frame (issue 18): nothing typed at once is lost by it."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pilot import idle

from app.store import SessionNotFound
from app.ui import run_app
from app.ui._app import HCChatApp
from app.ui._idle_gc import pause_for_start, resume_after_start
from app.ui.widgets import ReplyView, UserMessage

from .conftest import chat, screen_text, wait_for

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "bench"))
from _launch import WATCHED  # noqa: E402  (the modules the start-up bench watches)


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The automatic collections are on before and after the test, whatever it does."""
    assert gc.isenabled()
    try:
        yield
    finally:
        resume_after_start()
        gc.enable()


async def test_keys_typed_at_once_after_start_are_sent_and_answered(make_app, loopback):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("h", "i", "enter")  # no pause: the deferred work may not have run
        await wait_for(pilot, lambda: len(chat(app).session.messages) == 2 and idle(app))
        user, reply = chat(app).session.messages
        assert (user.role, user.content) == ("user", "hi")
        assert reply.role == "assistant" and reply.content and not reply.error
        assert chat(app).query(UserMessage) and chat(app).query(ReplyView)
        assert "Type a message below" not in screen_text(app)


def test_the_app_and_its_chat_screen_import_nothing_a_new_chat_does_not_show(tmp_path):
    # in a fresh interpreter: this one has imported everything already
    watched = [name for name in WATCHED if name.startswith("app.") or name == "hashlib"]
    script = (
        "import sys\n"
        "from app.config import load_settings\n"
        "from app.ui._app import HCChatApp\n"
        "HCChatApp(load_settings())\n"
        f"print([name for name in {watched!r} if name in sys.modules])\n"
    )
    env = dict(
        os.environ,
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        HCCHAT_BASE_URL="http://127.0.0.1:9/v1",
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


async def test_the_collector_runs_again_from_the_first_frame(settings, collector_on):
    pause_for_start()  # as run_app does
    assert not gc.isenabled()
    app = HCChatApp(settings, idle_gc=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, gc.isenabled)
        assert gc.get_freeze_count() > 0  # what start-up made was frozen first
        await pilot.press("h", "i")
        assert chat(app).query_one("#prompt").text == "hi"  # type: ignore[attr-defined]
    assert gc.isenabled() and gc.get_freeze_count() == 0


async def test_the_collector_is_on_again_when_the_app_cannot_start(settings, collector_on):
    with pytest.raises(SessionNotFound):
        run_app(replace(settings, demo=True), session_id="20990101-000000-dead")
    assert gc.isenabled()


def test_pausing_leaves_a_collector_switched_off_by_someone_else_off(collector_on):
    gc.disable()
    pause_for_start()
    resume_after_start()
    assert not gc.isenabled()  # not ours to switch on
