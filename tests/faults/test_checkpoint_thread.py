"""Checkpoints are written in a thread: one reaching the disk late never undoes the final save."""

from __future__ import annotations

import threading

import pytest
from loopback import reply

import app.store._reply as reply_module
from app.store import STREAMING, PreparedSave, SaveResult, SessionStore

from .conftest import assert_kept, chat, saved, send_and_wait, still_works, wait_for


async def test_a_checkpoint_written_after_the_final_save_is_dropped(
    make_app, loopback, store: SessionStore, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(reply_module, "CHECKPOINT_EVERY", 0.05)
    app = make_app(read_timeout=5)
    real_write = app.store.write
    held, release = threading.Event(), threading.Event()
    outcomes: list[SaveResult | None] = []

    def write(prepared: PreparedSave) -> SaveResult | None:
        if threading.current_thread() is threading.main_thread():
            return real_write(prepared)  # the saves made on the event loop
        # a checkpoint's thread: held until the reply has ended and been saved
        held.set()
        assert release.wait(10)
        outcome = real_write(prepared)
        outcomes.append(outcome)
        return outcome

    text = " ".join(f"w{number:03d}" for number in range(60))
    async with app.run_test() as pilot:
        await still_works(pilot, "first")
        await wait_for(pilot, lambda: not app._writes)
        monkeypatch.setattr(app.store, "write", write)
        session_id = chat(app).session.id
        loopback.enqueue(reply(text, chunk_size=5, delay=0.02))
        await send_and_wait(pilot, "a long one", timeout=30)
        assert held.is_set()  # a checkpoint was due while it streamed, and is still held
        assert not chat(app).streaming
        release.set()
        await wait_for(pilot, lambda: not app._writes)
        assert outcomes == [None]  # it got the disk after the final save: dropped
        assert chat(app).saved
    messages = assert_kept(store, session_id, ["first", "a long one"], [reply_text("first"), text])
    assert "error" not in messages[-1] and "incomplete" not in messages[-1]
    assert saved(store, session_id)["messages"][-1].get("error") != STREAMING


async def test_checkpoints_reach_the_disk_while_the_reply_streams(
    make_app, loopback, store: SessionStore, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(reply_module, "CHECKPOINT_EVERY", 0.05)
    app = make_app(read_timeout=5)
    seen: list[str] = []
    real_write = app.store.write

    def write(prepared: PreparedSave) -> SaveResult | None:
        if threading.current_thread() is not threading.main_thread():
            seen.append(prepared.data.decode())
        return real_write(prepared)

    monkeypatch.setattr(app.store, "write", write)
    text = " ".join(f"w{number:03d}" for number in range(60))
    async with app.run_test() as pilot:
        loopback.enqueue(reply(text, chunk_size=5, delay=0.02))
        await send_and_wait(pilot, "a long one", timeout=30)
        await wait_for(pilot, lambda: not app._writes)
        session_id = chat(app).session.id
    assert seen and all(STREAMING in data for data in seen)  # partial replies, marked so
    assert_kept(store, session_id, ["a long one"], [text])


def reply_text(prompt: str) -> str:
    from .conftest import MODEL

    return f"Echo from {MODEL}: {prompt}"
