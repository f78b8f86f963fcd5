"""Saves written in a thread (checkpoints): a late, older snapshot never replaces a newer save."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import app.store._store as store_module
from app.store import Message, Session, SessionStore


def session_with(text: str) -> Session:
    session = Session(id="20261201-100000-aaaa", title="t", model="m")
    session.messages = [
        Message(role="user", content="question"),
        Message(role="assistant", content=text, model="m"),
    ]
    return session


def content_on_disk(folder: Path, session_id: str) -> str:
    return SessionStore(folder).load(session_id).messages[-1].content


def test_a_save_prepared_earlier_is_dropped_once_a_later_one_is_written(tmp_path: Path):
    store = SessionStore(tmp_path)
    session = session_with("part")
    checkpoint = store.prepare(session)  # serialised while the reply streamed
    session.messages[-1].content = "part and the rest"
    store.save(session)  # the final save
    assert store.write(checkpoint) is None  # the checkpoint's thread got the disk too late
    assert content_on_disk(tmp_path, session.id) == "part and the rest"
    assert [item.message_count for item in store.list()] == [2]  # the index has the final save


def test_the_snapshot_is_taken_when_prepared_not_when_written(tmp_path: Path):
    store = SessionStore(tmp_path)
    session = session_with("as it was")
    prepared = store.prepare(session)
    session.messages[-1].content = "changed afterwards"
    result = store.write(prepared)
    assert result is not None and result.session_id == session.id
    assert content_on_disk(tmp_path, session.id) == "as it was"


def test_a_save_on_the_loop_waits_for_a_checkpoint_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    store = SessionStore(tmp_path)
    session = session_with("part")
    store.save(session)
    real_write = store_module.write_atomic
    in_write, release = threading.Event(), threading.Event()

    def slow_first_write(path: Path, data: bytes, **options: object) -> object:
        if not in_write.is_set():
            in_write.set()
            assert release.wait(10)
        return real_write(path, data, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "write_atomic", slow_first_write)
    checkpoint = store.prepare(session)
    thread = threading.Thread(target=store.write, args=(checkpoint,))
    thread.start()
    assert in_write.wait(10)  # the checkpoint is being flushed to disk
    session.messages[-1].content = "the whole reply"
    final = threading.Thread(target=store.save, args=(session,))
    final.start()
    final.join(0.2)
    assert final.is_alive()  # the final save waits for the checkpoint's write...
    release.set()
    thread.join(10)
    final.join(10)
    # ...and lands after it
    assert content_on_disk(tmp_path, session.id) == "the whole reply"


def test_a_checkpoint_that_forked_takes_the_later_saves_with_it(tmp_path: Path):
    store = SessionStore(tmp_path)
    session = session_with("part")
    store.save(session)
    first_id = session.id
    # another hcchat changes the file: the next write of this session forks it
    other = SessionStore(tmp_path)
    theirs = other.load(first_id)
    theirs.title = "theirs"
    other.save(theirs)
    checkpoint = store.prepare(session)
    session.messages[-1].content = "the whole reply"
    final = store.prepare(session)  # prepared before the checkpoint's new id reached the session
    forked = store.write(checkpoint)
    assert forked is not None and forked.forked_from == first_id
    result = store.write(final)
    assert result is not None and result.session_id == forked.session_id
    assert result.forked_from is None  # no second copy
    assert content_on_disk(tmp_path, forked.session_id) == "the whole reply"
    assert SessionStore(tmp_path).load(first_id).title == "theirs"  # theirs is left alone
    assert len(list(tmp_path.glob("*.toml"))) == 2
    # opening the original again saves to it again, not to the fork
    reopened = store.load(first_id)
    reopened.title = "mine again"
    assert store.save(reopened).session_id == first_id
