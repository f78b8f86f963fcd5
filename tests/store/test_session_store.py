"""SessionStore: atomic saves, unreadable neighbours left alone, concurrent writers, errors."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.store import (
    InvalidSessionId,
    Message,
    Session,
    SessionNotFound,
    SessionStore,
    SessionSummary,
    SessionUnreadable,
    StoreError,
    StoreWriteError,
    UnreadableSession,
    session_to_toml,
)

MakeSession = Callable[..., Session]

NEIGHBOURS = {
    "corrupt.toml": b'schema = 1\nid = "corrupt"\ntitle = "never closed\n',
    "future.toml": b'schema = 2\nid = "future"\n[conversation]\nturns = []\n',
    "latin1.toml": b'schema = 1\ntitle = "caf\xe9"\n',
    "empty.toml": b"",
    "nokeys.toml": b'schema = 1\nid = "nokeys"\ntitle = "no messages"\n',
}


def write_neighbours(folder: Path) -> dict[Path, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, data in NEIGHBOURS.items():
        (folder / name).write_bytes(data)
        written[folder / name] = data
    return written


def files_in(folder: Path) -> set[str]:
    """The folder's files, leaving out the lock file saves hold (``.lock``)."""
    return {path.name for path in folder.iterdir()} - {".lock"}


def test_saved_session_loads_back_equal(store: SessionStore, make_session: MakeSession) -> None:
    session = make_session()

    result = store.save(session)

    assert result.path == store.folder / f"{session.id}.toml"
    assert result.forked_from is None and result.note is None
    assert SessionStore(store.folder).load(session.id) == session


def test_session_files_are_private_and_the_folder_is_created_private(
    store: SessionStore, make_session: MakeSession
) -> None:
    result = store.save(make_session())

    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700


def test_save_leaves_no_temporary_file(store: SessionStore, make_session: MakeSession) -> None:
    session = make_session()
    store.save(session)
    session.messages.append(Message(role="user", content="again"))
    store.save(session)

    assert files_in(store.folder) == {f"{session.id}.toml"}


def test_a_crash_before_the_rename_keeps_the_old_file_and_no_temp(
    store: SessionStore, make_session: MakeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session()
    path = store.save(session).path
    before = path.read_bytes()
    session.messages.append(Message(role="user", content="lost in the crash"))

    def crash(src: object, dst: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(StoreWriteError):
        store.save(session)

    assert path.read_bytes() == before
    assert files_in(store.folder) == {path.name}


def test_a_full_disk_raises_a_readable_error_and_keeps_the_old_file(
    store: SessionStore, make_session: MakeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session()
    path = store.save(session).path
    before = path.read_bytes()
    session.messages.append(Message(role="user", content="does not fit"))

    def disk_full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", disk_full)
        with pytest.raises(StoreWriteError) as raised:
            store.save(session)

    assert str(raised.value) == (
        f"Could not save session {session.id}: No space left on device ({path})"
    )
    assert path.read_bytes() == before
    assert files_in(store.folder) == {path.name}


def test_a_failing_fsync_is_a_write_error_too(
    store: SessionStore, make_session: MakeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session()
    path = store.save(session).path
    before = path.read_bytes()

    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(StoreWriteError, match="No space left on device"):
        store.save(session)

    assert path.read_bytes() == before
    assert files_in(store.folder) == {path.name}


def test_a_read_only_folder_raises_a_write_error(
    store: SessionStore, make_session: MakeSession
) -> None:
    session = make_session()
    path = store.save(session).path
    store.folder.chmod(0o500)
    try:
        if os.access(store.folder, os.W_OK):
            pytest.skip("running as a user who can write to a read-only folder (root)")
        with pytest.raises(StoreWriteError, match="Permission denied"):
            store.save(session)
        assert files_in(store.folder) == {path.name}
    finally:
        store.folder.chmod(0o700)


def test_a_refused_temp_file_raises_a_write_error_naming_the_session(
    store: SessionStore, make_session: MakeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session()
    store.folder.mkdir()
    real_open = os.open

    def refuse_temp_files(path: str | os.PathLike[str], flags: int, *args: int) -> int:
        if str(path).endswith(".tmp"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse_temp_files)
    with pytest.raises(StoreWriteError, match=f"Could not save session {session.id}: Perm"):
        store.save(session)

    assert files_in(store.folder) == set()


def test_a_session_changed_by_another_hcchat_is_saved_under_a_new_id(
    folder: Path, make_session: MakeSession
) -> None:
    original = make_session()
    SessionStore(folder).save(original)
    mine_store, theirs_store = SessionStore(folder), SessionStore(folder)
    mine, theirs = mine_store.load(original.id), theirs_store.load(original.id)
    theirs.messages.append(Message(role="user", content="written by the other window"))
    theirs_store.save(theirs)
    mine.messages.append(Message(role="user", content="written here"))

    result = mine_store.save(mine)

    assert result.forked_from == original.id
    assert result.session_id == mine.id != original.id
    assert result.note is not None
    assert "changed on disk by another hcchat" in result.note
    assert f"saved as a new session {mine.id}" in result.note
    assert SessionStore(folder).load(original.id) == theirs
    assert SessionStore(folder).load(mine.id).messages[-1].content == "written here"


def test_a_forked_session_keeps_saving_to_its_new_file(
    folder: Path, make_session: MakeSession
) -> None:
    session = make_session()
    SessionStore(folder).save(session)
    store = SessionStore(folder)
    forked = store.save(session)
    session.messages.append(Message(role="user", content="next turn"))

    again = store.save(session)

    assert forked.forked_from is not None
    assert again.forked_from is None and again.session_id == forked.session_id


def test_saving_over_a_file_this_store_never_read_forks(
    folder: Path, make_session: MakeSession
) -> None:
    existing = make_session()
    SessionStore(folder).save(existing)
    before = (folder / f"{existing.id}.toml").read_bytes()
    stranger = make_session(session_id=existing.id, title="same id, other conversation")

    result = SessionStore(folder).save(stranger)

    assert result.forked_from == existing.id
    assert result.note is not None and "had not opened" in result.note
    assert (folder / f"{existing.id}.toml").read_bytes() == before


def test_repeated_saves_by_the_same_store_do_not_fork(
    store: SessionStore, make_session: MakeSession
) -> None:
    session = make_session()
    first_id = session.id
    for turn in range(3):
        session.messages.append(Message(role="user", content=f"turn {turn}"))
        assert store.save(session).forked_from is None

    assert session.id == first_id
    assert store.load(first_id) == session


def test_unreadable_neighbours_are_listed_with_reasons(store: SessionStore) -> None:
    write_neighbours(store.folder)

    listed = {item.id: item for item in store.list()}

    assert all(isinstance(item, UnreadableSession) for item in listed.values())
    reasons = {
        key: item.reason for key, item in listed.items() if isinstance(item, UnreadableSession)
    }
    assert reasons["corrupt"].startswith("not valid TOML: ") and "line 3" in reasons["corrupt"]
    assert reasons["future"] == "written by a newer hcchat (schema 2)"
    assert reasons["latin1"].startswith("not UTF-8 text")
    assert reasons["empty"] == "the file is empty"
    assert reasons["nokeys"] == "missing key 'created'"


def test_unreadable_neighbours_are_never_overwritten_or_deleted(
    store: SessionStore, make_session: MakeSession
) -> None:
    written = write_neighbours(store.folder)
    store.save(make_session())
    for name in ("corrupt", "future", "empty"):
        with pytest.raises(SessionUnreadable, match=f"Session {name} cannot be read"):
            store.load(name)
        with pytest.raises(StoreError, match="Refusing to delete"):
            store.delete(name)
        result = store.save(make_session(session_id=name))
        assert result.forked_from == name

    assert {path: path.read_bytes() for path in written} == written


def test_list_shows_newest_first_then_unreadable_files(
    store: SessionStore, make_session: MakeSession
) -> None:
    write_neighbours(store.folder)
    old = make_session(updated=datetime(2026, 1, 1, tzinfo=UTC))
    new = make_session(updated=datetime(2026, 6, 1, tzinfo=UTC))
    middle = make_session(updated=datetime(2026, 3, 1, tzinfo=UTC))
    for session in (old, new, middle):
        store.save(session)

    listed = store.list()

    assert [item.id for item in listed[:3]] == [new.id, middle.id, old.id]
    assert [item.id for item in listed[3:]] == sorted(n.removesuffix(".toml") for n in NEIGHBOURS)
    assert store.latest() == listed[0]


def test_summary_describes_the_session(store: SessionStore, make_session: MakeSession) -> None:
    session = make_session()
    session.messages.append(Message(role="assistant", content="more", model="other/model"))
    store.save(session)

    (summary,) = store.list()

    assert isinstance(summary, SessionSummary)
    assert summary.title == session.title
    assert summary.models == ("qwen/qwen3-32b", "other/model")
    assert summary.message_count == 3  # the system prompt is not counted
    assert summary.created == session.created and summary.updated == session.updated


def test_latest_is_none_without_readable_sessions(store: SessionStore) -> None:
    assert store.latest() is None
    write_neighbours(store.folder)
    assert store.latest() is None


def test_only_toml_files_are_listed(store: SessionStore, make_session: MakeSession) -> None:
    session = make_session()
    store.save(session)
    (store.folder / f".{session.id}.toml.1234abcd.tmp").write_text("half written")
    (store.folder / "notes.txt").write_text("not a session")
    (store.folder / "subfolder.toml").mkdir()

    listed = store.list()
    assert [item.id for item in listed] == [session.id, "subfolder"]
    # a folder named like a session is reported with what it is, not skipped (issue 17)
    assert isinstance(listed[1], UnreadableSession)
    assert listed[1].reason == "not a session file: it is a folder"


def test_the_file_name_is_the_id_even_if_the_file_says_otherwise(
    store: SessionStore, make_session: MakeSession
) -> None:
    session = make_session()
    store.folder.mkdir()
    (store.folder / "copy-of-it.toml").write_text(session_to_toml(session))

    assert store.load("copy-of-it").id == "copy-of-it"
    assert [item.id for item in store.list()] == ["copy-of-it"]


def test_a_file_name_that_is_not_a_valid_id_is_listed_as_unreadable(
    store: SessionStore, make_session: MakeSession
) -> None:
    store.folder.mkdir()
    (store.folder / "my session.toml").write_text(session_to_toml(make_session()))

    (item,) = store.list()

    assert isinstance(item, UnreadableSession)
    assert "not a valid session id" in item.reason


def test_loading_a_missing_session_raises_not_found(store: SessionStore) -> None:
    with pytest.raises(SessionNotFound, match="No saved session with id 'nope'"):
        store.load("nope")


@pytest.mark.parametrize("bad_id", ["", "..", "../etc/passwd", "a/b", "a\\b", ".hidden", "a..b"])
def test_ids_that_are_not_plain_names_are_rejected(store: SessionStore, bad_id: str) -> None:
    with pytest.raises(InvalidSessionId, match="not a valid session id") as raised:
        store.load(bad_id)

    assert isinstance(raised.value, SessionNotFound) and isinstance(raised.value, ValueError)


def test_delete_removes_the_session_file_and_its_listing(
    store: SessionStore, make_session: MakeSession
) -> None:
    kept, deleted = make_session(), make_session()
    store.save(kept)
    store.save(deleted)
    store.list()

    store.delete(deleted.id)

    assert [item.id for item in store.list()] == [kept.id]
    assert [item.id for item in SessionStore(store.folder).list()] == [kept.id]
    with pytest.raises(SessionNotFound):
        store.delete(deleted.id)


def test_rename_sets_a_locked_title_that_is_saved(
    store: SessionStore, make_session: MakeSession
) -> None:
    session = make_session()
    store.save(session)

    result = store.rename(session.id, "  Scarecrow\njokes  ")

    assert result.forked_from is None
    renamed = SessionStore(store.folder).load(session.id)
    assert renamed.title == "Scarecrow jokes" and renamed.title_locked
    assert renamed.updated == session.updated
    with pytest.raises(ValueError, match="cannot be empty"):
        store.rename(session.id, " \n ")


def test_listing_a_folder_that_does_not_exist_is_empty(store: SessionStore) -> None:
    assert store.list() == []
    assert not store.folder.exists()
