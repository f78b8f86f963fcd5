"""A metadata cache of the sessions folder, kept in ``.index.json`` beside the session files.

Listing 10,000 sessions must not parse 10,000 TOML files: each file's summary (or the reason it
cannot be read) is cached with the file's inode, mtime and size, and only new or changed files
are parsed again. The TOML files stay the source of truth; a missing, corrupt or stale index is
silently rebuilt, and failing to write it only costs speed next time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import threading
from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from pathlib import Path

from app.store._files import file_kind, read_head, read_regular, write_atomic
from app.store._model import Session, SessionSummary, UnreadableSession

INDEX_NAME = ".index.json"
# 2: each summary keeps the replies' cost by UTC day; 3: each file is a JSON array, not an
# object (half the bytes, and read into summaries without a key lookup per field)
INDEX_VERSION = 3
SUFFIX = ".toml"

Fingerprint = tuple[int, int, int]
"""(inode, mtime_ns, size): a session file is rewritten by replacing it, so any save changes it."""

Listed = SessionSummary | UnreadableSession
Progress = Callable[[list[Listed]], None]

# A new index is built newest file first; what is listed is reported once, after this many
# files (about 0.1 s of parsing: a few screens of the newest sessions). Reporting more often
# made the whole list slower: each report refills a table while the files are parsed (10,000
# files listed whole in 12.2 s with a report every 2,000, against 4.7 s).
FIRST_BATCH = 200

# How much of a session file is read first: its summary and the keys before it (a listing
# reads the rest only from a file without a summary, or one whose length is not the summary's).
HEAD_BYTES = 4096

_SESSION_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def is_valid_session_id(session_id: str) -> bool:
    """Whether ``session_id`` can name a file in the folder (no separators, no ``..``)."""
    return _SESSION_ID.fullmatch(session_id) is not None and ".." not in session_id


def fingerprint(status: os.stat_result) -> Fingerprint:
    """The part of a file's status that changes whenever the file is saved."""
    return (status.st_ino, status.st_mtime_ns, status.st_size)


def read_file(path: Path) -> tuple[bytes, Fingerprint]:
    """A file's bytes with the fingerprint of exactly those bytes; raises ``OSError``."""
    data, status = read_regular(path)
    return data, fingerprint(status)


def summarize(session: Session, path: Path) -> SessionSummary:
    """What the session list shows; ``message_count`` leaves out the system message."""
    return SessionSummary(
        id=path.name.removesuffix(SUFFIX),
        title=session.title,
        created=session.created,
        updated=session.updated,
        models=tuple(session.models_used),
        message_count=sum(1 for message in session.messages if message.role != "system"),
        folder=path.parent,
        cost=session.total_cost,
        cost_by_day=session.cost_by_day(),
        forked_from=session.forked_from.id if session.forked_from else None,
    )


def in_order(listed: list[Listed]) -> list[Listed]:
    """Readable sessions, most recently updated first, then the unreadable files by name."""
    readable = [item for item in listed if isinstance(item, SessionSummary)]
    unreadable = [item for item in listed if isinstance(item, UnreadableSession)]
    readable.sort(key=attrgetter("updated", "id"), reverse=True)
    unreadable.sort(key=lambda item: item.path.name)
    return [*readable, *unreadable]


def list_folder(folder: Path) -> list[Listed]:
    """What ``SessionStore(folder).list()`` returns, without loading the rest of the store
    (``hcchat sessions list``: with an index, its imports were a fifth of its time)."""
    return in_order(SessionIndex(folder).refresh())


class SessionIndex:
    """The cached listing of one sessions folder; ``refresh()`` brings it up to date."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / INDEX_NAME
        self._entries: dict[str, tuple[Fingerprint, Listed]] | None = None
        self._dirty = False
        # the app searches in a thread worker while the screen saves on the event loop
        self._lock = threading.Lock()

    def refresh(self, progress: Progress | None = None) -> list[Listed]:
        """Every ``*.toml`` file of the folder, parsing only those that changed since last time.

        When many files must be parsed (the index is new), they are parsed newest first and
        ``progress`` is called with what is listed after the first ``FIRST_BATCH``, so the
        newest sessions can be shown before the whole folder is read.
        """
        with self._lock:
            return self._refresh(progress)

    def _refresh(self, progress: Progress | None) -> list[Listed]:
        if self._entries is None:
            self._entries = self._read_index()
        try:
            scan = os.scandir(self.folder)
        except FileNotFoundError:
            self._entries, self._dirty = {}, False
            return []
        current: dict[str, tuple[Fingerprint, Listed]] = {}
        unparsed: list[tuple[str, str, os.stat_result]] = []
        with scan:
            for entry in scan:
                name = entry.name
                if not name.endswith(SUFFIX) or name.startswith("."):
                    continue
                try:
                    status = entry.stat()
                except OSError:
                    continue  # vanished between scandir and stat
                if not stat.S_ISREG(status.st_mode):
                    # a folder or FIFO named like a session is reported, never opened
                    reason = f"not a session file: it is {file_kind(status.st_mode)}"
                    unreadable = UnreadableSession(
                        name.removesuffix(SUFFIX), Path(entry.path), reason
                    )
                    current[name] = ((0, 0, -1), unreadable)
                    continue
                cached = self._entries.get(name)
                if cached is not None and cached[0] == fingerprint(status):
                    current[name] = cached
                else:
                    unparsed.append((name, entry.path, status))
        if progress is not None and len(unparsed) > FIRST_BATCH:
            unparsed.sort(key=lambda item: item[2].st_mtime_ns, reverse=True)
        else:
            progress = None
        for done, (name, path, _) in enumerate(unparsed, start=1):
            current[name] = self._parse(name, path)
            if progress is not None and done == FIRST_BATCH:
                progress([listed for _, listed in current.values()])
        if unparsed or self._dirty or current.keys() != self._entries.keys():
            self._write_index(current)
        self._entries, self._dirty = current, False
        return [listed for _, listed in current.values()]

    def record(self, path: Path, status: Fingerprint, summary: SessionSummary) -> None:
        """Note a file the store just wrote, so the next listing need not parse it."""
        with self._lock:
            if self._entries is not None:
                self._entries[path.name] = (status, summary)
                self._dirty = True

    def forget(self, path: Path) -> None:
        """Drop the entry of a file the store just deleted."""
        with self._lock:
            if self._entries is not None and self._entries.pop(path.name, None) is not None:
                self._dirty = True

    def _parse(self, name: str, path: str) -> tuple[Fingerprint, Listed]:
        """The listing of the file ``name`` (at ``path``: a string, as ``os.scandir`` gives)."""
        # the codec is loaded only when a file is parsed: not by a listing from the index
        from app.store._codec import session_from_bytes, summary_from_head
        from app.store._errors import SessionFormatError

        session_id = name.removesuffix(SUFFIX)
        folder = self.folder

        def from_summary(head: bytes, status: os.stat_result) -> SessionSummary | None:
            return summary_from_head(head, status.st_size, folder, name)

        try:
            # a file hcchat wrote starts with its summary: its first lines are enough
            summary, data, status = read_head(path, HEAD_BYTES, from_summary)
        except OSError as error:
            # (0, 0, -1) matches no file, so it is tried again next time (permissions fixed)
            reason = f"cannot be opened: {error.strerror or error}"
            return (0, 0, -1), UnreadableSession(session_id, Path(path), reason)
        if summary is None:
            try:
                session = session_from_bytes(data, source=name)
                summary = summarize(session, Path(path))
            except SessionFormatError as error:
                return fingerprint(status), UnreadableSession(session_id, Path(path), error.reason)
        if not is_valid_session_id(session_id):
            reason = "the file name is not a valid session id (letters, digits, '.', '_', '-')"
            return fingerprint(status), UnreadableSession(session_id, Path(path), reason)
        return fingerprint(status), summary

    # --- the index file --------------------------------------------------------------------

    def _read_index(self) -> dict[str, tuple[Fingerprint, Listed]]:
        try:
            data = json.loads(read_regular(self.path)[0])
        except (OSError, ValueError, RecursionError):
            return {}
        if type(data) is not dict or data.get("version") != INDEX_VERSION:
            return {}  # an older format is rebuilt: the files are the truth
        files = data.get("files")
        entries: dict[str, tuple[Fingerprint, Listed]] = {}
        folder = self.folder
        for row in files if type(files) is list else ():
            # a malformed row is skipped, so its file is simply parsed again
            with contextlib.suppress(TypeError, ValueError):
                name, status, listed = _listed_from_row(folder, row)
                entries[name] = (status, listed)
        return entries

    def _write_index(self, entries: dict[str, tuple[Fingerprint, Listed]]) -> None:
        rows = [_row(name, status, listed) for name, (status, listed) in entries.items()]
        # ASCII-only JSON: a file name that is not valid UTF-8 survives as a \udcXX escape
        text = json.dumps({"version": INDEX_VERSION, "files": rows}, check_circular=False)
        # a read-only folder still lists; the index is only a speed-up, so no flush to disk
        with contextlib.suppress(OSError):
            write_atomic(self.path, text.encode("ascii"), durable=False)


# A row of the index: a file's name and fingerprint, then either why it cannot be read, or
# its summary (title, created, updated, models, messages, cost, cost by day, forked from).
_UNREADABLE_ROW = 5
_SUMMARY_ROW = 12


def _listed_from_row(folder: Path, row: object) -> tuple[str, Fingerprint, Listed]:
    """A row's file name, fingerprint and listing; ``TypeError`` or ``ValueError`` for
    anything odd (checked field by field without a loop: 10,000 rows are read per listing)."""
    if type(row) is not list:
        raise TypeError(row)
    if len(row) == _UNREADABLE_ROW:
        name, inode, mtime, size, reason = row
        status = _checked_status(name, inode, mtime, size)
        return name, status, UnreadableSession(name[: -len(SUFFIX)], folder / name, str(reason))
    name, inode, mtime, size, title, created, updated, models, count, cost, days, fork = row
    status = _checked_status(name, inode, mtime, size)
    if type(title) is not str or type(models) is not list or type(count) is not int:
        raise TypeError(row)
    "".join(models)  # a TypeError unless every model is a string
    if type(days) is not dict or (days and not all(type(a) is float for a in days.values())):
        raise TypeError(row)
    if not (cost is None or type(cost) is float) or not (fork is None or type(fork) is str):
        raise TypeError(row)
    created_at, updated_at = datetime.fromisoformat(created), datetime.fromisoformat(updated)
    if created_at.tzinfo is None or updated_at.tzinfo is None:
        raise ValueError(row)  # hcchat writes UTC: a local time cannot be sorted with the rest
    summary = SessionSummary(
        id=name[: -len(SUFFIX)],
        title=title,
        created=created_at,
        updated=updated_at,
        models=tuple(models),
        message_count=count,
        folder=folder,
        cost=cost,
        cost_by_day=days,
        forked_from=fork,
    )
    return name, status, summary


def _checked_status(name: object, inode: object, mtime: object, size: object) -> Fingerprint:
    if type(name) is not str or not name.endswith(SUFFIX):
        raise ValueError(name)
    if type(inode) is not int or type(mtime) is not int or type(size) is not int:
        raise TypeError(name)
    return (inode, mtime, size)


def _row(name: str, status: Fingerprint, listed: Listed) -> list[object]:
    if isinstance(listed, UnreadableSession):
        return [name, *status, listed.reason]
    return [
        name,
        *status,
        listed.title,
        listed.created.isoformat(),
        listed.updated.isoformat(),
        listed.models,
        listed.message_count,
        listed.cost,
        listed.cost_by_day,
        listed.forked_from,
    ]
