"""The API key never shows: not in session files, exports, errors, notifications or screenshots."""

from __future__ import annotations

import json
from pathlib import Path

from loopback import chunk, error, reply, sse
from textual.app import App

from app.ui._textual_private import notifications as private_notifications

from .conftest import SECRET, chat, screen_text, send, send_and_wait, still_works, wait_for

# What a careless server or proxy might do: repeat the key it was sent in its error text.
LEAKY = f"invalid key {SECRET} (Bearer {SECRET})"


def files_under(*folders: Path) -> dict[Path, str]:
    return {
        path: path.read_bytes().decode("utf-8", "replace")
        for folder in folders
        if folder.exists()
        for path in folder.rglob("*")
        if path.is_file()
    }


async def test_the_key_appears_nowhere_after_a_session_full_of_errors(
    make_app, loopback, store, settings, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    loopback.enqueue(
        error(401, LEAKY, "text/plain"),
        *[error(500, json.dumps({"error": {"message": LEAKY}}))] * 3,
        error(429, LEAKY, "text/plain", {"Retry-After": "0.01"}),
        reply("fine"),
        sse([chunk("", role=True), chunk("partial"), json.dumps({"error": {"message": LEAKY}})]),
    )
    loopback.enqueue_models(error(403, LEAKY, "text/event-stream"))
    shown: list[str] = []  # every notification as it reaches Textual: a toast may expire
    posted = App.notify

    def recording(self: App[object], message: str, *, title: str = "", **options: object) -> None:
        shown.append(message + title)
        posted(self, message, title=title, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(App, "notify", recording)
    app = make_app()
    screenshots: list[str] = []
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        for prompt in ("one", "two", "three", "four"):
            await send_and_wait(pilot, prompt)
            screenshots.append(app.export_screenshot())
        await send(pilot, "/model")
        await wait_for(pilot, lambda: "Could not load" in screen_text(app))
        screenshots.append(app.export_screenshot())
        await pilot.press("escape")
        await still_works(pilot)
        await send(pilot, "/export md")
        await send(pilot, "/export json")
        await wait_for(pilot, lambda: len(list(tmp_path.glob("hcchat-*"))) == 2)
        screenshots.append(app.export_screenshot())
        shown.extend(n.message + (n.title or "") for n in private_notifications(app))
        errors = [m.error or "" for m in chat(app).session.messages]
    assert len(loopback.requests) == 9  # 1 + 3 + 2 + 1 chat requests, the model list, 1 more
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in loopback.requests)
    assert any("invalid key" in text for text in shown)
    written = files_under(store.folder, settings.cache_dir, tmp_path)
    assert written and any(path.suffix == ".toml" for path in written)
    for where, text in [*written.items(), *enumerate(shown + screenshots + errors)]:
        assert SECRET not in text, where
        assert "faultsuitesecret" not in text, where


def test_the_key_appears_nowhere_in_pipe_mode_errors_or_exports(hcchat, loopback, cli_sessions):
    loopback.enqueue(error(401, LEAKY, "text/plain"))
    failed = hcchat("-p", "hello")
    assert failed.code == 1 and "invalid key" in failed.err
    loopback.enqueue(sse([chunk("half"), json.dumps({"error": LEAKY})]))
    partial = hcchat("-p", "--continue", "again")
    assert partial.code == 1 and "invalid key" in partial.err
    [summary] = cli_sessions.list()
    outputs = [
        failed.err,
        partial.err,
        partial.out,
        hcchat("sessions", "show", summary.id).out,
        hcchat("sessions", "export", summary.id).out,
        hcchat("sessions", "export", summary.id, "--format", "json").out,
        hcchat("sessions", "list").out,
        *files_under(cli_sessions.folder).values(),
    ]
    for text in outputs:
        assert SECRET not in text and "faultsuitesecret" not in text
