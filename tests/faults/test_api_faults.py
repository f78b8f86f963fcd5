"""Issue 17, API layer: the real app and command against servers that stall, flood or leak.

Each test checks what the user is told, that the next message still works, and that the
session file keeps what arrived (and never the key).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from loopback import chunk, generated, keepalives, sse

from app.api import ChatClient
from app.config import Settings
from app.ui._app import HCChatApp

from .conftest import (
    CONNECT_TIMEOUT,
    SECRET,
    assert_kept,
    chat,
    free_port,
    screen_text,
    send_and_wait,
    still_works,
    told,
)

STALL = 0.3
MASK = f"[key …{SECRET[-4:]}]"


def app_with(settings: Settings, **options: float | int) -> HCChatApp:
    """The app on the loopback server with a client given ``options`` (stall timeout, caps)."""
    client = ChatClient(
        settings.base_url,
        settings.api_key,
        transport=httpx.AsyncHTTPTransport(),
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=5.0,
        backoff=0.01,
        **options,  # type: ignore[arg-type]
    )
    return HCChatApp(settings, client=client)


async def test_a_stream_of_keepalives_times_out_and_keeps_the_partial_reply(
    settings, loopback, store
):
    loopback.enqueue(keepalives([chunk("", role=True), chunk("Thinking about it")], seconds=10))
    app = app_with(settings, stall_timeout=STALL)
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "hello")
        told(app, "No text from the server for 0.3 s", "keep-alive")
        reply = chat(app).session.messages[-1]
        assert reply.incomplete and "keep-alive" in (reply.error or "")
        await still_works(pilot)
        session_id = chat(app).session.id
    echo = f"Echo from {settings.model}: are you still there"
    assert_kept(store, session_id, ["hello", "are you still there"], ["Thinking about it", echo])


async def test_a_key_echoed_by_the_server_is_masked_on_screen_and_on_disk(
    settings, loopback, store
):
    loopback.enqueue(
        sse(
            [
                chunk("", reasoning=f"The user's key is {SECRET[:12]}"),
                chunk("", reasoning=SECRET[12:]),
                chunk(f"Here it is: {SECRET[:-3]}"),
                chunk(f"{SECRET[-3:]} - keep it safe."),
                chunk(finish="stop"),
                "[DONE]",
            ]
        )
    )
    app = app_with(settings)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await send_and_wait(pilot, "what is my key")
        shown = screen_text(app)
        assert "faultsuitesecret" not in shown
        await still_works(pilot)
        session_id = chat(app).session.id
    messages = assert_kept(
        store,
        session_id,
        ["what is my key", "are you still there"],
        [f"Here it is: {MASK} - keep it safe.", f"Echo from {settings.model}: are you still there"],
    )
    assert messages[1]["reasoning"] == f"The user's key is {MASK}"
    assert "faultsuitesecret" not in (store.folder / f"{session_id}.toml").read_text("utf-8")


async def test_a_400_mb_line_fails_the_reply_without_being_held(settings, loopback, store):
    sent: list[int] = []
    piece = b"x" * 65536

    def flood() -> Iterator[bytes]:
        yield f"data: {chunk('The start')}\n\n".encode()
        yield b"data: "
        for _ in range(400 * 16):
            sent.append(len(piece))
            yield piece

    loopback.enqueue(generated(flood))
    app = app_with(settings)  # the default caps: 8 MB an event
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "flood me", timeout=30)
        told(app, "larger than 8 MB")
        assert chat(app).session.messages[-1].content == "The start"
        await still_works(pilot)
    assert sum(sent) < 40 * 1024 * 1024


def test_pipe_mode_masks_an_echoed_key_and_url_credentials(
    hcchat, loopback, cli_sessions, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    loopback.enqueue(
        sse([chunk(f"key={SECRET[:5]}"), chunk(f"{SECRET[5:]}!"), chunk(finish="stop")])
    )
    done = hcchat("-p", "echo my key")
    assert done.code == 0 and done.out.strip() == f"key={MASK}!"
    [summary] = cli_sessions.list()
    assert "faultsuitesecret" not in cli_sessions.folder.joinpath(f"{summary.id}.toml").read_text()
    monkeypatch.setenv("HCCHAT_BASE_URL", f"http://alice:pa55w0rd@127.0.0.1:{free_port()}/v1")
    failed = hcchat("-p", "hello")
    assert failed.code == 1 and "Could not connect to 127.0.0.1" in failed.error_line
    assert "pa55w0rd" not in failed.err + failed.out and "alice" not in failed.err
