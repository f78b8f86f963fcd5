"""``SessionStore``: one TOML file per session in a folder, written atomically, never clobbered."""

from __future__ import annotations

import builtins
import dataclasses
import itertools
import re
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.store._attachments import AttachmentFolder
from app.store._codec import session_from_bytes, session_to_toml
from app.store._errors import (
    InvalidSessionId,
    SessionFormatError,
    SessionNotFound,
    SessionUnreadable,
    StoreError,
    StoreWriteError,
)
from app.store._export import to_json, to_markdown
from app.store._files import (
    NotARegularFile,
    file_kind,
    fsync_folder,
    read_regular,
    write_atomic,
)
from app.store._history import read_prompts
from app.store._index import (
    SUFFIX,
    Fingerprint,
    Listed,
    SessionIndex,
    fingerprint,
    in_order,
    is_valid_session_id,
    read_file,
    summarize,
)
from app.store._lock import folder_lock
from app.store._model import (
    Attachment,
    Message,
    Session,
    SessionSummary,
    new_session_id,
)
from app.store._tree import Location, Steps, find, walk

SNIPPET_WIDTH = 80


@dataclass(frozen=True, slots=True)
class SaveResult:
    """Where a session was saved; ``forked_from`` and ``note`` are set when it got a new id."""

    path: Path
    session_id: str
    forked_from: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PreparedSave:
    """A session serialised for ``SessionStore.write``: bytes taken at one moment, so the write
    can run in a thread while the session goes on changing (``SessionStore.prepare``)."""

    session_id: str
    data: bytes
    summary: SessionSummary
    generation: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A session matching a search; ``message_index`` is None when only the title matched.

    ``branch``: the switches that bring up the branch the first match is in (empty on the
    active path, see ``app.store._tree``); ``messages``: every matching message, in every branch.
    """

    summary: SessionSummary
    message_index: int | None
    snippet: str
    branch: Steps = ()
    messages: tuple[Location, ...] = ()


class SessionStore:
    """The sessions folder: list, load, save, delete, rename and search sessions.

    A file it cannot read is listed with the reason and never overwritten or deleted. It
    remembers what it last read or wrote for each id, so a file another hcchat saved in the
    meantime is not overwritten either: the session is saved under a new id instead.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index = SessionIndex(folder)
        self._known: dict[str, Fingerprint] = {}
        self._attachments = AttachmentFolder(folder)
        # A save may be written in a thread (a checkpoint) while the event loop saves too: the
        # writes are serialised, and an older snapshot never replaces a newer one (``write``).
        self._write_lock = threading.Lock()
        self._generations = itertools.count()
        self._written: dict[str, int] = {}  # id -> the generation of the last write
        self._moved: dict[str, str] = {}  # id -> the id a write saved it under instead

    def path_for(self, session_id: str) -> Path:
        """The file of ``session_id``; raises ``InvalidSessionId`` for an id that is not a name."""
        if not is_valid_session_id(session_id):
            raise InvalidSessionId(session_id)
        return self.folder / f"{session_id}{SUFFIX}"

    def list(
        self, progress: Callable[[builtins.list[Listed]], None] | None = None
    ) -> builtins.list[Listed]:
        """Readable sessions, most recently updated first, then the unreadable files by name.

        ``progress``: while a new index is built (hundreds of files to parse), called once with
        the newest sessions, in the same order (see ``SessionIndex.refresh``).
        """
        if progress is None:
            return in_order(self._index.refresh())
        return in_order(self._index.refresh(lambda part: progress(in_order(part))))

    def latest(self) -> SessionSummary | None:
        """The most recently updated readable session, if there is one."""
        return next((item for item in self.list() if isinstance(item, SessionSummary)), None)

    def prompts(self) -> builtins.list[str]:
        """Every session's prompts, newest first, each text once (reads files: use a thread)."""
        return read_prompts(self.list())

    def keep_attachment(self, attachment: Attachment, data: bytes) -> None:
        """Keep an attachment's bytes beside the sessions (once per content); raises OSError."""
        self._attachments.keep(attachment, data)

    def attachment_data(self, attachment: Attachment) -> bytes:
        """The kept bytes of an attachment; ``AttachmentError`` if they are gone."""
        return self._attachments.data(attachment)

    def load(self, session_id: str) -> Session:
        """Read one session; raises ``SessionNotFound`` or ``SessionUnreadable``."""
        path = self.path_for(session_id)
        session, status = self._read(session_id, path)
        self._known[session_id] = status
        self._moved.pop(session_id, None)  # saves of what was read go to this file again
        return session

    def save(self, session: Session) -> SaveResult:
        """Write ``session`` atomically as it is (call ``session.touch()`` first to date it).

        If its file changed on disk since this store last read or wrote it (or exists but was
        never read), the session is saved under a new id, ``session.id`` is updated and the
        result says so. Raises ``StoreWriteError`` if the file cannot be written; the old file
        is then intact.
        """
        prepared = self.prepare(session)
        result = self.write(prepared)
        if result is None:  # another thread wrote a save of this id prepared after this one
            saved_id = self._moved.get(prepared.session_id, prepared.session_id)
            result = SaveResult(self.path_for(saved_id), saved_id)
        session.id = result.session_id
        return result

    def prepare(self, session: Session) -> PreparedSave:
        """Serialise ``session`` now, for ``write`` (which may then run in another thread).

        Call it where the session is changed (the event loop): the bytes are a snapshot, so the
        session is never read while it changes. Raises ``InvalidSessionId``.
        """
        path = self.path_for(session.id)
        data = session_to_toml(session).encode("utf-8")
        return PreparedSave(session.id, data, summarize(session, path), next(self._generations))

    def write(self, prepared: PreparedSave) -> SaveResult | None:
        """Write a prepared save (from any thread); see ``save``. Does not touch the session:
        the caller gives ``session.id`` the result's ``session_id``.

        Returns None, writing nothing, when a save of the same session prepared later was
        already written: a checkpoint that finishes late never replaces the final save.
        """
        with self._write_lock:
            session_id = prepared.session_id
            while session_id in self._moved:  # an earlier write forked it under a new id
                session_id = self._moved[session_id]
            if self._written.get(session_id, -1) > prepared.generation:
                return None
            path = self.path_for(session_id)
            try:
                self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                # another process's check-and-replace must not fall between ours (issue 17)
                with folder_lock(self.folder):
                    result = self._save_locked(session_id, prepared, path)
            except OSError as error:
                raise _write_error(session_id, path, error) from None
            self._written[result.session_id] = prepared.generation
            if result.session_id != session_id:
                self._moved[session_id] = result.session_id
            return result

    def _save_locked(self, session_id: str, prepared: PreparedSave, path: Path) -> SaveResult:
        on_disk = _status_or_none(path)
        forked_from = note = None
        if on_disk is not None and on_disk != self._known.get(session_id):
            forked_from, path = session_id, self._unused_path()
            new_id = path.name.removesuffix(SUFFIX)
            note = _fork_note(forked_from, new_id, changed=forked_from in self._known)
        status = fingerprint(write_atomic(path, prepared.data))
        saved_id = path.name.removesuffix(SUFFIX)
        self._known[saved_id] = status
        summary = dataclasses.replace(prepared.summary, id=saved_id, folder=path.parent)
        self._index.record(path, status, summary)
        return SaveResult(path, saved_id, forked_from, note)

    def delete(self, session_id: str) -> None:
        """Remove a readable session; an unreadable file is refused (``StoreError``), never lost."""
        path = self.path_for(session_id)
        try:
            session, _ = self._read(session_id, path)
        except SessionUnreadable as error:
            raise StoreError(
                f"Refusing to delete session {session_id}: the file cannot be read "
                f"({error.reason}); it is left as it is at {path}"
            ) from None
        try:
            path.unlink()
            fsync_folder(self.folder)
        except FileNotFoundError:
            raise SessionNotFound(session_id) from None
        except OSError as error:
            raise StoreWriteError(
                f"Could not delete session {session_id}: {error.strerror or error} ({path})"
            ) from None
        self._known.pop(session_id, None)
        self._index.forget(path)
        # only now: a crash before this leaves unused bytes, never a session without its files
        self._drop_unused_attachments(session)

    def _drop_unused_attachments(self, deleted: Session) -> None:
        """Remove the kept bytes of ``deleted``'s attachments that no other session names.

        Every other session file is searched for each sha256 as text (an unparsable file
        counts too); if one cannot be read, nothing is removed. Best effort: bytes left
        behind only cost disk.
        """
        unused = {
            attachment.sha256
            for location in walk(deleted)
            for attachment in location.message.attachments
        }
        if not unused:
            return
        try:
            with folder_lock(self.folder):  # no save lands between the search and the removal
                for path in self.folder.glob(f"*{SUFFIX}"):
                    try:
                        data = read_regular(path)[0]
                    except NotARegularFile:
                        continue
                    unused = {sha for sha in unused if sha.encode("ascii") not in data}
                    if not unused:
                        return
                self._attachments.remove(unused)
        except OSError:
            return

    def rename(self, session_id: str, title: str) -> SaveResult:
        """Give a session a title that automatic titling will not replace."""
        clean = " ".join(title.split())
        if not clean:
            raise ValueError("A session title cannot be empty")
        session = self.load(session_id)
        session.title = clean
        session.title_locked = True
        return self.save(session)

    def export(
        self,
        session_id: str,
        path: Path,
        fmt: str = "md",
        *,
        all_versions: bool = False,
        attachments: bool = False,
    ) -> Path:
        """Write a session to ``path`` as Markdown ("md") or JSON ("json"); return ``path``.

        ``all_versions``: every branch too, marked. ``attachments`` (JSON): each attachment's
        kept bytes too, as base64. Raises ``SessionNotFound``/``SessionUnreadable`` for the
        session, ``AttachmentError`` if kept bytes are gone (nothing is written then) and
        ``StoreWriteError`` if ``path`` cannot be written.
        """
        if fmt not in ("md", "json"):
            raise ValueError(f"Unknown export format {fmt!r}: use 'md' or 'json'")
        session, _ = self._read(session_id, self.path_for(session_id))
        if fmt == "json":
            data_of = self.attachment_data if attachments else None
            text = to_json(session, all_versions=all_versions, attachment_data=data_of)
        else:
            text = to_markdown(session, all_versions=all_versions)
        try:
            _refuse_special(path)
            write_atomic(path, text.encode("utf-8"))
        except OSError as error:
            reason = error.strerror or str(error)
            raise StoreWriteError(
                f"Could not export session {session_id}: {reason} ({path})", reason=reason
            ) from None
        return path

    def search(
        self,
        text: str,
        *,
        limit: int | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> builtins.list[SearchHit]:
        """Sessions whose title or messages contain ``text`` (any case), newest first.

        ``cancelled`` is asked before each file: when it returns True, the search stops there
        (a search of 10,000 sessions reads them all, which takes seconds).
        """
        hits: builtins.list[SearchHit] = []
        for hit in self.iter_search(text, cancelled=cancelled):
            if limit is not None and len(hits) >= limit:
                break
            hits.append(hit)
        return hits

    def iter_search(
        self, text: str, *, cancelled: Callable[[], bool] | None = None
    ) -> Iterator[SearchHit]:
        """Like ``search``, lazily: a caller can stop after the first few hits."""
        needle = text.casefold()
        if not needle.strip():
            return
        # the files hold TOML basic strings, so the needle is looked for as it is written there
        raw_needle = _as_toml_string_body(needle)
        for item in self.list():
            if cancelled is not None and cancelled():
                return
            if not isinstance(item, SessionSummary):
                continue
            try:
                data, _ = read_file(item.path)
            except OSError:
                continue
            if raw_needle not in data.decode("utf-8", "replace").casefold():
                continue
            try:
                session = session_from_bytes(data, source=item.path.name)
            except SessionFormatError:
                continue
            hit = _match(session, needle, item)
            if hit is not None:
                yield hit

    def _read(self, session_id: str, path: Path) -> tuple[Session, Fingerprint]:
        try:
            data, status = read_file(path)
        except FileNotFoundError:
            raise SessionNotFound(session_id) from None
        except OSError as error:
            raise SessionUnreadable(session_id, path, error.strerror or str(error)) from None
        try:
            session = session_from_bytes(data, source=path.name)
        except SessionFormatError as error:
            raise SessionUnreadable(session_id, path, error.reason) from None
        session.id = session_id  # the file name is what the store addresses
        return session, status

    def _unused_path(self) -> Path:
        while True:
            path = self.folder / f"{new_session_id()}{SUFFIX}"
            if not path.exists():
                return path


def _status_or_none(path: Path) -> Fingerprint | None:
    try:
        return fingerprint(path.stat())
    except FileNotFoundError:
        return None


def _refuse_special(path: Path) -> None:
    """Raise unless ``path`` is missing or a regular file: an export replaces what is there.

    Replacing a symlink, FIFO or device (``-o /dev/stdout`` run as root) would destroy
    something hcchat did not create; only a regular file is ever replaced.
    """
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise NotARegularFile("refusing to replace a symbolic link; give the file it points to")
    if not stat.S_ISREG(mode):
        raise NotARegularFile(
            f"refusing to replace {file_kind(mode)}; give a regular file or - for stdout"
        )


def _write_error(session_id: str, path: Path, error: OSError) -> StoreWriteError:
    return StoreWriteError(
        f"Could not save session {session_id}: {error.strerror or error} ({path})"
    )


def _fork_note(old_id: str, new_id: str, *, changed: bool) -> str:
    if changed:
        why = f"Session {old_id} was changed on disk by another hcchat"
    else:
        why = f"A session file {old_id}{SUFFIX} that this hcchat had not opened already exists"
    return f"{why}; your conversation was saved as a new session {new_id}"


_TOML_ESCAPES = {"\b": "\\b", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def _as_toml_string_body(text: str) -> str:
    """``text`` escaped as tomli-w writes it inside a basic string."""
    out = []
    for char in text:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif (ord(char) < 0x20 and char != "\t") or char == "\x7f":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def _match(session: Session, needle: str, summary: SessionSummary) -> SearchHit | None:
    def snippet_of(message: Message) -> str | None:
        found = (_snippet(text, needle) for text in (message.content, message.reasoning or ""))
        return next((snippet for snippet in found if snippet is not None), None)

    # every branch, the active path first
    found = tuple(find(session, lambda message: snippet_of(message) is not None))
    if found:
        first = found[0]
        snippet = snippet_of(first.message) or ""
        return SearchHit(summary, first.index, snippet, first.steps, found)
    title = _snippet(session.title, needle)
    return None if title is None else SearchHit(summary, None, title)


def _snippet(text: str, needle: str) -> str | None:
    """About ``SNIPPET_WIDTH`` characters of ``text`` around ``needle``, on one line."""
    folded_at = text.casefold().find(needle)
    if folded_at < 0:
        return None
    # casefolding can lengthen text ("ß" -> "ss"): find the original offset of the match
    low, high = 0, len(text)
    while low < high:
        middle = (low + high) // 2
        if len(text[:middle].casefold()) < folded_at:
            low = middle + 1
        else:
            high = middle
    start = max(0, low - (SNIPPET_WIDTH - len(needle)) // 3)
    end = start + SNIPPET_WIDTH
    body = re.sub(r"\s+", " ", text[start:end]).strip()
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
