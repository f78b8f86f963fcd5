"""Every untrusted string reaches the screen or stdout without terminal control codes.

Not only model text: ``finish_reason``, error texts, the ``model`` a reply names, model ids
from ``/models``, titles and models of an imported session, file names in the sessions folder.
Each goes through ``app.text.display_safe`` on its way out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from loopback import chunk, sse
from pilot import screen_text, send, send_and_wait, wait_for

from app.store import SessionStore
from app.ui.screens import ModelPicker, SessionBrowser

from .conftest import MODEL, SECRET, notifications

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "\x1b]52;c;aGk=\x07\x1b[2J\x9b31m\x85x"
CONTROLS = ("\x1b", "\x07", "\x9b", "\x85")


def assert_clean(text: str) -> None:
    for control in CONTROLS:
        assert control not in text, repr(text)


def _import_hostile(store: SessionStore, tmp_path: Path) -> str:
    from app.store import from_json

    document = {
        "title": f"title {HOSTILE}",
        "model": f"model {HOSTILE}",
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": "yo",
                "model": f"writer {HOSTILE}",
                "finish_reason": f"length {HOSTILE}",
                "error": f"failed {HOSTILE}",
                "incomplete": True,
            },
        ],
    }
    return store.save(from_json(json.dumps(document))).session_id


async def test_a_hostile_finish_reason_and_model_from_the_stream_never_reach_the_screen(
    make_app, loopback, store
) -> None:
    loopback.enqueue(
        sse(
            [
                chunk("hello", role=True, model=f"served {HOSTILE}"),
                chunk(finish=f"weird {HOSTILE}", model=f"served {HOSTILE}"),
                "[DONE]",
            ]
        )
    )
    app = make_app()
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await send_and_wait(pilot, "hello")
        assert "weird ]52;c;aGk=[2J31mx" in screen_text(app)
        for shown in notifications(app):
            assert_clean(shown)


async def test_hostile_model_ids_from_the_server_never_reach_the_picker(make_app, loopback) -> None:
    loopback.models = [f"evil/{HOSTILE}", MODEL]
    app = make_app()
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await send(pilot, "/model")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
        await wait_for(pilot, lambda: "evil/]52" in screen_text(app))


async def test_a_hostile_imported_session_and_file_name_never_reach_the_screen(
    make_app, store, tmp_path: Path
) -> None:
    session_id = _import_hostile(store, tmp_path)
    (store.folder / f"bad{HOSTILE}.toml").write_text("not toml", "utf-8")
    app = make_app(session=store.load(session_id), store=store)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: "failed ]52;c;aGk=[2J31mx" in screen_text(app))
        assert "writer ]52" in screen_text(app)
        app.open_session_browser()
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser))
        await wait_for(pilot, lambda: "title ]52" in screen_text(app))
        assert "bad]52" in screen_text(app)
        for shown in notifications(app):
            assert_clean(shown)


def test_sessions_list_and_show_print_no_control_codes(isolated_env: Path, tmp_path: Path) -> None:
    store = SessionStore(isolated_env / ".local" / "share" / "hcchat" / "sessions")
    session_id = _import_hostile(store, tmp_path)
    (store.folder / f"bad{HOSTILE}.toml").write_text("not toml", "utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("HCCHAT_")}
    env["HCCHAT_API_KEY"] = SECRET
    for arguments in (["list"], ["show", session_id]):
        result = subprocess.run(
            [sys.executable, "-m", "app", "sessions", *arguments],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, result.stderr
        assert_clean(result.stdout)
        assert_clean(result.stderr)
        assert "]52;c;aGk=" in result.stdout
