"""Make the README's screenshots: ``python tools/screenshots.py [FOLDER]`` (default screenshots/).

Runs the real app headless on the offline demo backend, in a throwaway data folder, and saves
SVG screenshots of the chat screen mid-stream, the model picker, the session browser and a
reasoning model thinking.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

# run as a script from the repository: the app is the one beside this folder
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZE = (100, 30)


async def _until(
    pilot_pause: Callable[[float], Awaitable[None]], check: Callable[[], bool]
) -> None:
    for _ in range(500):
        if check():
            return
        await pilot_pause(0.02)
    raise RuntimeError("the app did not reach the state to screenshot")


def _sample_sessions(folder: Path) -> None:
    from app.store import Message, Session, SessionStore

    store = SessionStore(folder)
    start = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    topics = [
        ("Why is the sky blue?", ["qwen/qwen3-32b"]),
        ("Rust lifetimes, explained simply", ["qwen/qwen3-32b", "demo/thinker"]),
        ("Plan a three-day trip to Lisbon", ["google/gemini-2.5-flash"]),
        ("Regex for ISO dates", ["demo/fast"]),
        (
            "Compare SQLite and PostgreSQL for a small app",
            ["openai/gpt-oss-120b", "qwen/qwen3-32b"],
        ),
    ]
    for number, (title, models) in enumerate(topics):
        when = start + timedelta(hours=7 * number)
        session = Session(
            id=f"{when:%Y%m%d-%H%M%S}-{number:04x}", title=title, created=when, updated=when
        )
        session.model = models[-1]
        for model in models:
            session.messages.append(Message("user", title, created=when))
            session.messages.append(
                Message("assistant", f"An answer about {title.lower()}.", created=when, model=model)
            )
        store.save(session)


async def _shoot(out: Path) -> None:
    from app.api import DEMO_BASE_URL, ChatClient, demo_transport
    from app.config import load_settings
    from app.ui._app import HCChatApp
    from app.ui.screens._sessions import SessionBrowser

    settings = load_settings(demo=True, model="qwen/qwen3-32b")
    _sample_sessions(settings.sessions_dir)
    # A slower demo stream, so the first picture catches the reply half way.
    client = ChatClient(DEMO_BASE_URL, None, transport=demo_transport(chunk_delay=0.04))
    app = HCChatApp(settings, client=client)
    async with app.run_test(size=SIZE) as pilot:
        chat = app.chat
        prompt = chat.query_one("#prompt")
        prompt.insert("Show me a Python example of reading a file line by line")  # type: ignore[attr-defined]
        await pilot.press("enter")
        await _until(pilot.pause, lambda: chat.reply is not None and chat.reply.deltas > 12)
        await pilot.pause()
        (out / "chat-streaming.svg").write_text(app.export_screenshot(title="hcchat"), "utf-8")
        await _until(pilot.pause, lambda: not chat.streaming)
        await pilot.press("ctrl+l")
        await _until(pilot.pause, lambda: bool(getattr(app.screen, "models", None)))
        await pilot.pause()
        (out / "model-picker.svg").write_text(app.export_screenshot(title="hcchat"), "utf-8")
        await pilot.press("escape")
        await pilot.press("ctrl+o")
        await _until(
            pilot.pause, lambda: isinstance(app.screen, SessionBrowser) and bool(app.screen.entries)
        )
        await pilot.pause()
        (out / "session-browser.svg").write_text(app.export_screenshot(title="hcchat"), "utf-8")
        await pilot.press("escape")
        await chat.run_slash("model", "demo/thinker")
        prompt.insert("Why is the sky blue?")  # type: ignore[attr-defined]
        await pilot.press("enter")
        await _until(
            pilot.pause, lambda: chat.reply is not None and chat.reply.deltas > 8
        )
        await pilot.pause()
        (out / "reasoning.svg").write_text(app.export_screenshot(title="hcchat"), "utf-8")
        await _until(pilot.pause, lambda: not chat.streaming)


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots into the folder given (default ``screenshots``)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            os.environ[name] = str(Path(home) / name.lower())
        os.environ.pop("HCCHAT_API_KEY", None)
        os.environ["TEXTUAL_THEME"] = "textual-dark"
        asyncio.run(_shoot(out))
    for name in ("chat-streaming", "model-picker", "session-browser", "reasoning"):
        print(out / f"{name}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
