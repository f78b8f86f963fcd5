"""The .index.json listing cache: reused when files are unchanged, rebuilt when it is not usable."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.store import (
    Message,
    Session,
    SessionStore,
    SessionSummary,
    UnreadableSession,
    _index,
    session_to_toml,
)

MakeSession = Callable[..., Session]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the session files the index reads (its summary or the whole), in order."""
    parsed: list[str] = []
    real = _index.read_head

    def counting(path: str, size: int, enough: Any) -> Any:
        parsed.append(os.path.basename(path))
        return real(path, size, enough)

    monkeypatch.setattr(_index, "read_head", counting)
    return parsed


def write_sessions(folder: Path, sessions: list[Session]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for session in sessions:
        (folder / f"{session.id}.toml").write_text(session_to_toml(session), encoding="utf-8")


def titles(store: SessionStore) -> dict[str, str]:
    return {item.id: item.title for item in store.list() if isinstance(item, SessionSummary)}


def test_listing_writes_a_private_index_and_a_new_store_reuses_it(
    folder: Path, make_session: MakeSession, parses: list[str]
) -> None:
    sessions = [make_session(), make_session(), make_session()]
    write_sessions(folder, sessions)
    first = SessionStore(folder).list()
    assert len(parses) == 3

    second = SessionStore(folder).list()

    assert second == first
    assert len(parses) == 3  # nothing parsed again
    index = folder / ".index.json"
    assert stat.S_IMODE(index.stat().st_mode) == 0o600
    assert len(json.loads(index.read_text())["files"]) == 3


def test_a_changed_file_is_read_again(
    folder: Path, make_session: MakeSession, parses: list[str]
) -> None:
    kept, changed = make_session(), make_session()
    write_sessions(folder, [kept, changed])
    SessionStore(folder).list()
    changed.title = "A title someone edited by hand"
    write_sessions(folder, [changed])
    parses.clear()

    assert titles(SessionStore(folder)) == {kept.id: kept.title, changed.id: changed.title}
    assert parses == [f"{changed.id}.toml"]


def test_a_deleted_file_disappears_from_the_listing_and_the_index(
    folder: Path, make_session: MakeSession
) -> None:
    kept, gone = make_session(), make_session()
    write_sessions(folder, [kept, gone])
    SessionStore(folder).list()
    (folder / f"{gone.id}.toml").unlink()

    assert [item.id for item in SessionStore(folder).list()] == [kept.id]
    rows = json.loads((folder / ".index.json").read_text())["files"]
    assert [row[0] for row in rows] == [f"{kept.id}.toml"]


@pytest.mark.parametrize(
    "damage",
    [
        b"{not json",
        b"",
        b"[]",
        b'{"version": 99, "files": []}',
        b'{"version": 1, "files": [7]}',
        b'{"version": 3, "files": [7, [], ["x.toml", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]}',
        b'{"version": 3, "files": {"a": 1}}',
    ],
)
def test_a_corrupt_index_is_silently_rebuilt(
    folder: Path, make_session: MakeSession, damage: bytes
) -> None:
    session = make_session()
    write_sessions(folder, [session])
    expected = SessionStore(folder).list()
    (folder / ".index.json").write_bytes(damage)

    assert SessionStore(folder).list() == expected
    assert len(json.loads((folder / ".index.json").read_text())["files"]) == 1


def test_an_index_row_that_lies_about_a_file_is_not_trusted_once_the_file_changes(
    folder: Path, make_session: MakeSession
) -> None:
    session = make_session()
    write_sessions(folder, [session])
    SessionStore(folder).list()
    index = folder / ".index.json"
    document = json.loads(index.read_text())
    document["files"][0][3] += 1  # name, inode, mtime, size, title...
    document["files"][0][4] = "stale"
    index.write_text(json.dumps(document))

    assert titles(SessionStore(folder)) == {session.id: session.title}


@pytest.mark.parametrize(
    ("field", "value"),
    [(4, 7), (5, "2026-11-20T08:30:00"), (6, "not a date"), (7, ["a", 1]), (9, 1), (10, {"d": 1})],
)
def test_an_index_row_of_the_wrong_shape_is_read_from_the_file_again(
    folder: Path, make_session: MakeSession, field: int, value: object
) -> None:
    sessions = [make_session(), make_session()]
    write_sessions(folder, sessions)
    expected = SessionStore(folder).list()
    index = folder / ".index.json"
    document = json.loads(index.read_text())
    document["files"][0][field] = value  # the file's fingerprint still matches
    index.write_text(json.dumps(document))

    assert SessionStore(folder).list() == expected


def test_the_index_is_not_rewritten_when_nothing_changed(
    folder: Path, make_session: MakeSession
) -> None:
    write_sessions(folder, [make_session(), make_session()])
    SessionStore(folder).list()
    index = folder / ".index.json"
    before = index.stat()

    SessionStore(folder).list()

    after = index.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_session_saved_by_the_store_is_not_parsed_to_list_it(
    store: SessionStore, make_session: MakeSession, parses: list[str]
) -> None:
    store.list()
    session = make_session()

    store.save(session)

    assert [item.id for item in store.list()] == [session.id]
    assert parses == []
    assert [item.id for item in SessionStore(store.folder).list()] == [session.id]
    assert parses == []


def test_listing_works_when_the_index_cannot_be_written(
    folder: Path, make_session: MakeSession
) -> None:
    session = make_session()
    write_sessions(folder, [session])
    (folder / ".index.json").mkdir()  # os.replace onto a folder fails, like a read-only folder

    assert [item.id for item in SessionStore(folder).list()] == [session.id]
    assert sorted(p.name for p in folder.iterdir()) == [".index.json", f"{session.id}.toml"]


def test_unreadable_files_are_cached_with_their_reason(
    folder: Path, make_session: MakeSession, parses: list[str]
) -> None:
    folder.mkdir()
    (folder / "broken.toml").write_text("schema = 1\nid = ")
    first = SessionStore(folder).list()
    parses.clear()

    second = SessionStore(folder).list()

    assert second == first and parses == []
    (folder / "broken.toml").write_text(session_to_toml(make_session()))
    assert isinstance(SessionStore(folder).list()[0], SessionSummary)


def test_listing_from_a_thread_while_saving_never_sees_a_half_written_session(
    store: SessionStore, make_session: MakeSession
) -> None:
    sessions = [make_session(reply="long reply " * 2000) for _ in range(40)]
    seen_unreadable: list[UnreadableSession] = []
    errors: list[BaseException] = []

    def keep_listing() -> None:
        try:
            for _ in range(60):
                listed = store.list()
                seen_unreadable.extend(i for i in listed if isinstance(i, UnreadableSession))
        except BaseException as error:
            errors.append(error)

    lister = threading.Thread(target=keep_listing)
    lister.start()
    for session in sessions:
        store.save(session)
        session.messages.append(Message(role="user", content="and again " * 500))
        store.save(session)
    lister.join()

    assert errors == [] and seen_unreadable == []
    assert {item.id for item in store.list()} == {session.id for session in sessions}
    assert {item.id for item in SessionStore(store.folder).list()} == {s.id for s in sessions}


def test_a_new_index_reports_the_newest_files_first_while_it_is_built(
    folder: Path, make_session: MakeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_index, "FIRST_BATCH", 3)
    sessions = [make_session(title=f"number {n}") for n in range(12)]
    write_sessions(folder, sessions)
    for age, session in enumerate(reversed(sessions)):  # the last one written is the newest
        path = folder / f"{session.id}.toml"
        os.utime(path, ns=(1_700_000_000_000_000_000 - age * 10**9,) * 2)
    parts: list[list[str]] = []

    listed = SessionStore(folder).list(progress=lambda part: parts.append(_ids(part)))

    newest_first = [session.id for session in reversed(sessions)]
    assert [len(part) for part in parts] == [3]  # once, after the first files
    assert set(parts[0]) == set(newest_first[:3])
    assert parts[0] == [i for i in _ids(listed) if i in parts[0]]  # in the list's order
    assert sorted(_ids(listed)) == sorted(newest_first)
    reported: list[list[str]] = []
    SessionStore(folder).list(progress=lambda part: reported.append(_ids(part)))
    assert reported == []  # a warm index lists at once


def _ids(listed: list[SessionSummary | UnreadableSession]) -> list[str]:
    return [item.id for item in listed]
