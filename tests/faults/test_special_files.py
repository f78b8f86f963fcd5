"""A FIFO, folder or device where hcchat expects a file is reported, never opened to block on.

Each command runs as a real process with a timeout: a blocking read of a FIFO would hang it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pilot import send, send_and_wait, wait_for
from textual.widgets import Input

from app.ui.screens import ModelPicker

from .conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]


def _hcchat(*arguments: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HCCHAT_")}
    env["HCCHAT_API_KEY"] = SECRET
    result = subprocess.run(
        [sys.executable, "-m", "app", *arguments],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,  # a read blocked on a FIFO would end here
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def sessions(isolated_env: Path) -> Path:
    folder = isolated_env / ".local" / "share" / "hcchat" / "sessions"
    folder.mkdir(parents=True)
    return folder


def test_a_fifo_or_folder_named_like_a_session_is_listed_unreadable_and_never_blocks(
    sessions: Path,
) -> None:
    os.mkfifo(sessions / "pipe.toml")
    (sessions / "folder.toml").mkdir()
    os.mkfifo(sessions / ".index.json")
    assert _hcchat("--demo", "-p", "hello").returncode == 0
    listed = _hcchat("sessions", "list")
    assert listed.returncode == 0
    assert "folder.toml  unreadable: not a session file: it is a folder" in listed.stdout
    assert "pipe.toml  unreadable: not a session file: it is a FIFO" in listed.stdout
    for command in (["sessions", "show", "pipe"], ["--demo", "-p", "--session", "pipe", "hi"]):
        result = _hcchat(*command)
        assert result.returncode == 1 and "not a regular file (a FIFO)" in result.stderr
    assert (sessions / "pipe.toml").is_fifo() and (sessions / "folder.toml").is_dir()


def test_a_fifo_config_is_reported_not_read(isolated_env: Path) -> None:
    config = isolated_env / ".config" / "hcchat" / "config.toml"
    config.parent.mkdir(parents=True)
    os.mkfifo(config)
    result = _hcchat("--demo", "-p", "hi")
    assert result.returncode == 1
    assert (
        result.stderr
        == f"hcchat: config file {config}: cannot read it: not a regular file (a FIFO)\n"
    )


async def test_a_fifo_model_cache_does_not_freeze_the_app(make_app, settings, loopback) -> None:
    settings.cache_dir.mkdir(parents=True)
    os.mkfifo(settings.cache_dir / "models.json")
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "/model")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
        app.screen.query_one("#filter", Input).value = "test/model-b"
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.chat.session.model == "test/model-b")
        await send_and_wait(pilot, "hi")
        assert app.chat.session.messages[-1].content == "Echo from test/model-b: hi"
