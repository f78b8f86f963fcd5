"""Storage faults: unreadable files are listed and left alone; failed saves lose nothing."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from loopback import reply
from rich.text import Text
from textual.widgets import DataTable

from app.store import Message, Session, SessionStore
from app.ui import run_app
from app.ui._app import HCChatApp
from app.ui.screens import SessionBrowser

from .conftest import (
    MODEL,
    assert_kept,
    chat,
    notifications,
    send_and_wait,
    still_works,
    told,
    wait_for,
)

GOOD_ID = "20261120-100000-aaaa"
VALID = (
    'schema = {schema}\nid = "{id}"\ntitle = "caf{e}"\ncreated = 2026-11-20T10:00:00Z\n'
    'updated = 2026-11-20T10:00:00Z\nmodel = "m"\nmessages = []\n'
)
NEIGHBOURS = {
    "corrupt": b'schema = 1\nid = "corrupt"\ntitle = "unterminated\n',
    "future": VALID.format(schema=2, id="future", e="e").encode(),
    "latin1": VALID.format(schema=1, id="latin1", e="\xe9").encode("latin-1"),
    "nokeys": b'schema = 1\nid = "nokeys"\ntitle = "no dates or messages"\n',
    "empty": b"",
}
REASONS = {
    "corrupt": "not valid TOML",
    "future": "written by a newer hcchat (schema 2)",
    "latin1": "not UTF-8 text",
    "nokeys": "missing key 'created'",
    "empty": "the file is empty",
}


def echo(text: str) -> str:
    return f"Echo from {MODEL}: {text}"


def write_neighbours(store: SessionStore) -> dict[Path, bytes]:
    """One readable session and five files that are not, in the store's folder."""
    session = Session(id=GOOD_ID, title="An older chat", model=MODEL)
    session.messages = [
        Message(role="user", content="old question"),
        Message(role="assistant", content="old answer", model=MODEL),
    ]
    store.save(session)
    written = {}
    for name, data in NEIGHBOURS.items():
        path = store.folder / f"{name}.toml"
        path.write_bytes(data)
        written[path] = data
    return written


@pytest.fixture
def neighbours(store: SessionStore) -> dict[Path, bytes]:
    """The neighbours in the app's sessions folder."""
    return write_neighbours(store)


def table_rows(browser: SessionBrowser) -> list[str]:
    table: DataTable[Text] = browser.query_one(DataTable)
    return [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def test_unreadable_session_files_are_listed_with_reasons_and_never_touched(
    make_app, loopback, store, neighbours
):
    app = make_app()
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser))
        browser = app.screen
        assert isinstance(browser, SessionBrowser)
        await wait_for(pilot, lambda: len(table_rows(browser)) == 6)
        rows = table_rows(browser)
        assert "An older chat" in rows[0]
        for name, reason in REASONS.items():
            row = next(row for row in rows if f"unreadable: {name}.toml" in row)
            assert reason in row
        assert "5 unreadable (left untouched)" in str(browser.query_one("#browser-note").render())
        for _ in range(rows.index(next(r for r in rows if "corrupt.toml" in r))):
            await pilot.press("down")
        await pilot.press("enter")
        told(app, "corrupt.toml cannot be read, so it cannot be opened")
        await pilot.press("ctrl+d")
        told(app, "cannot be deleted")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SessionBrowser))
        await still_works(pilot, "hello")
        session_id = chat(app).session.id
    assert {path: path.read_bytes() for path in neighbours} == neighbours
    assert_kept(store, session_id, ["hello"], [echo("hello")])
    assert_kept(store, GOOD_ID, ["old question"], ["old answer"])


async def test_a_new_session_never_takes_the_name_of_an_unreadable_file(
    make_app, loopback, store, neighbours
):
    # As if the clock and the random part of a new id both matched the corrupt file's name.
    app = make_app(session=Session(id="corrupt", model=MODEL))
    async with app.run_test(notifications=True) as pilot:
        await still_works(pilot, "hello")
        told(app, "corrupt.toml that this hcchat had not opened already exists", "new session")
        session_id = chat(app).session.id
    assert session_id != "corrupt"
    assert {path: path.read_bytes() for path in neighbours} == neighbours
    assert_kept(store, session_id, ["hello"], [echo("hello")])


# --------------------------------------------------------------------------- failed writes


class DiskFaults:
    """Makes writes into one folder fail the way a read-only folder or a full disk does."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = str(folder)
        self.mode: str | None = None
        self._fds: set[int] = set()
        self._open, self._write, self._replace = os.open, os.write, os.replace
        monkeypatch.setattr(os, "open", self.open)
        monkeypatch.setattr(os, "write", self.write)
        monkeypatch.setattr(os, "replace", self.replace)

    def _inside(self, path: object) -> bool:
        return os.fspath(path).startswith(self.folder)  # type: ignore[arg-type]

    def open(self, path, flags, mode=0o777, *, dir_fd=None):
        writing = flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        if self.mode == "read-only" and writing and self._inside(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        fd = self._open(path, flags, mode, dir_fd=dir_fd)
        if writing and self._inside(path):
            self._fds.add(fd)
        return fd

    def write(self, fd, data):
        if self.mode == "full" and fd in self._fds:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._write(fd, data)

    def replace(self, source, target, **kwargs):
        if self.mode == "rename" and self._inside(target):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(target))
        return self._replace(source, target, **kwargs)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("read-only", "Permission denied"),
        ("rename", "Permission denied"),
        ("full", "No space left on device"),
    ],
)
async def test_failed_saves_are_reported_and_everything_is_saved_once_the_disk_recovers(
    make_app, loopback, store, monkeypatch, fault, reason
):
    faults = DiskFaults(store.folder, monkeypatch)
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await still_works(pilot, "first")
        session_id = chat(app).session.id
        path = store.folder / f"{session_id}.toml"
        before = path.read_bytes()
        faults.mode = fault
        await still_works(pilot, "second")
        told(app, f"Could not save session {session_id}", reason, "still here")
        assert path.read_bytes() == before
        assert not list(store.folder.glob(".*.tmp"))
        faults.mode = None
        await still_works(pilot, "third")
        assert chat(app).session.id == session_id
    assert_kept(
        store,
        session_id,
        ["first", "second", "third"],
        [echo("first"), echo("second"), echo("third")],
    )


async def test_a_full_disk_while_a_reply_streams_is_told_once_and_nothing_is_lost(
    make_app, loopback, store, monkeypatch
):
    faults = DiskFaults(store.folder, monkeypatch)
    # 150 words, one every 30 ms: two checkpoints fall due while it streams
    text = " ".join(f"w{number:03d}" for number in range(150))
    app = make_app(read_timeout=5)
    async with app.run_test(notifications=True) as pilot:
        await still_works(pilot, "first")
        session_id = chat(app).session.id
        loopback.enqueue(reply(text, chunk_size=5, delay=0.03))
        faults.mode = "full"
        await send_and_wait(pilot, "a long one", timeout=30)
        failures = [n for n in notifications(app) if "Could not save" in n]
        # the prompt's save and the save at the end say so; the checkpoints between do not
        assert len(failures) == 2, failures
        faults.mode = None
        await still_works(pilot, "third")
    assert_kept(
        store,
        session_id,
        ["first", "a long one", "third"],
        [echo("first"), text, echo("third")],
    )


async def test_a_read_only_folder_from_the_start_keeps_the_chat_going(
    make_app, loopback, store, monkeypatch
):
    faults = DiskFaults(store.folder, monkeypatch)
    faults.mode = "read-only"
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await still_works(pilot, "first")
        told(app, "Could not save session", "Permission denied")
        session_id = chat(app).session.id
        assert not (store.folder / f"{session_id}.toml").exists()
        faults.mode = None
        await still_works(pilot, "second")
    assert_kept(store, session_id, ["first", "second"], [echo("first"), echo("second")])


# --------------------------------------------------------------------------- two windows


async def test_two_apps_saving_one_session_keep_both_and_say_so(make_app, loopback, store):
    original = Session(id=GOOD_ID, title="Shared", model=MODEL)
    original.messages = [
        Message(role="user", content="q0"),
        Message(role="assistant", content="a0", model=MODEL),
    ]
    store.save(original)
    store_a, store_b = SessionStore(store.folder), SessionStore(store.folder)
    app_a = make_app(store_a.load(GOOD_ID), store=store_a)
    app_b = make_app(store_b.load(GOOD_ID), store=store_b)
    async with (
        app_a.run_test(notifications=True) as pilot_a,
        app_b.run_test(notifications=True) as pilot_b,
    ):
        await still_works(pilot_a, "from window A")
        await still_works(pilot_b, "from window B")
        told(app_b, f"Session {GOOD_ID} was changed on disk by another hcchat", "new session")
        forked_id = chat(app_b).session.id
        assert forked_id != GOOD_ID
        await still_works(pilot_b, "B again")
        await still_works(pilot_a, "A again")
        assert chat(app_a).session.id == GOOD_ID
        assert sum("new session" in message for message in notifications(app_b)) == 1
        assert not any("new session" in message for message in notifications(app_a))
    assert_kept(
        store,
        GOOD_ID,
        ["q0", "from window A", "A again"],
        ["a0", echo("from window A"), echo("A again")],
    )
    assert_kept(
        store,
        forked_id,
        ["q0", "from window B", "B again"],
        ["a0", echo("from window B"), echo("B again")],
    )


async def test_a_session_reopened_from_the_command_line_is_saved_in_place(
    settings, loopback, store, monkeypatch
):
    # `hcchat --session ID` and `--continue` load the session before the app starts.
    original = Session(id=GOOD_ID, title="Mine", model=MODEL)
    original.messages = [
        Message(role="user", content="q0"),
        Message(role="assistant", content="a0", model=MODEL),
    ]
    store.save(original)
    started: list[HCChatApp] = []
    monkeypatch.setattr(HCChatApp, "run", lambda self: started.append(self) or 0)
    assert run_app(settings, session_id=GOOD_ID) == 0
    app = started[0]
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "more")
        assert chat(app).session.id == GOOD_ID
        assert not any("new session" in message for message in notifications(app))
    assert_kept(store, GOOD_ID, ["q0", "more"], ["a0", echo("more")])


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def cli_neighbours(cli_sessions: SessionStore) -> dict[Path, bytes]:
    """The readable session and the five unreadable files, in the command line's folder."""
    return write_neighbours(cli_sessions)


def test_sessions_list_shows_unreadable_files_with_reasons(hcchat, cli_sessions, cli_neighbours):
    run = hcchat("sessions", "list")
    assert run.code == 0 and run.err == ""
    lines = run.out.splitlines()
    assert GOOD_ID in lines[1] and "An older chat" in lines[1]
    for name, reason in REASONS.items():
        line = next(line for line in lines if line.startswith(f"{name}.toml"))
        assert f"unreadable: {reason}" in line
    assert {path: path.read_bytes() for path in cli_neighbours} == cli_neighbours


def test_opening_an_unreadable_session_says_why_and_starts_nothing(
    hcchat, cli_sessions, cli_neighbours
):
    for name, reason in REASONS.items():
        run = hcchat("--session", name)
        assert run.code == 1
        assert run.error_line.startswith(f"hcchat: session {name!r} cannot be read: {reason}")
    assert hcchat.started == []
    assert {path: path.read_bytes() for path in cli_neighbours} == cli_neighbours


def test_continue_skips_unreadable_files_and_appends_to_the_latest_readable_session(
    hcchat, loopback, cli_sessions, cli_neighbours
):
    run = hcchat("-p", "--continue", "and now")
    assert run.code == 0 and run.out == echo("and now") + "\n"
    assert [m["content"] for m in loopback.requests[0].json["messages"]] == [
        "old question",
        "old answer",
        "and now",
    ]
    assert_kept(
        cli_sessions,
        GOOD_ID,
        ["old question", "and now"],
        ["old answer", echo("and now")],
    )
    assert {path: path.read_bytes() for path in cli_neighbours} == cli_neighbours
