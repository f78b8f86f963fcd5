"""Kept attachments in exports, and removed with the last session that names them."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from app.store import (
    Attachment,
    AttachmentError,
    Message,
    Session,
    SessionStore,
    read_attachment,
    regenerate_at,
    to_markdown,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def _kept(store: SessionStore, path: Path, data: bytes) -> Attachment:
    path.write_bytes(data)
    attachment, read = read_attachment(str(path))
    store.keep_attachment(attachment, read)
    return attachment


def _session_with(store: SessionStore, *attachments: Attachment) -> Session:
    session = Session.new("m/x")
    session.messages.append(Message("user", "look", attachments=list(attachments)))
    session.messages.append(Message("assistant", "seen", model="m/x"))
    store.save(session)
    return session


def _blob(store: SessionStore, attachment: Attachment) -> Path:
    return store.folder / ".attachments" / attachment.sha256


def test_json_export_names_attachments_and_includes_their_bytes_on_request(
    store: SessionStore, tmp_path: Path
) -> None:
    image = _kept(store, tmp_path / "dot.png", PNG)
    session = _session_with(store, image)

    named = json.loads(store.export(session.id, tmp_path / "a.json", "json").read_text())
    full_path = store.export(session.id, tmp_path / "b.json", "json", attachments=True)
    full = json.loads(full_path.read_text())

    entry = {"name": "dot.png", "type": "image/png", "size": len(PNG), "sha256": image.sha256}
    assert named["messages"][0]["attachments"] == [entry]
    assert full["messages"][0]["attachments"] == [{**entry, "data": base64.b64encode(PNG).decode()}]
    assert "attachments" not in full["messages"][1]


def test_json_export_with_bytes_that_are_gone_writes_nothing(
    store: SessionStore, tmp_path: Path
) -> None:
    image = _kept(store, tmp_path / "dot.png", PNG)
    session = _session_with(store, image)
    _blob(store, image).unlink()

    with pytest.raises(AttachmentError, match=r"dot\.png"):
        store.export(session.id, tmp_path / "b.json", "json", attachments=True)
    assert not (tmp_path / "b.json").exists()


def test_markdown_export_names_the_attachments(store: SessionStore, tmp_path: Path) -> None:
    notes = _kept(store, tmp_path / "notes.txt", b"hello\n")
    session = _session_with(store, notes)

    assert "*Attached: notes.txt (6 B)*" in to_markdown(session)


def test_deleting_a_session_removes_the_bytes_only_it_used(
    store: SessionStore, tmp_path: Path
) -> None:
    shared = _kept(store, tmp_path / "shared.png", PNG)
    own = _kept(store, tmp_path / "own.txt", b"only mine\n")
    other = _kept(store, tmp_path / "other.txt", b"the other's\n")
    mine = _session_with(store, shared, own)
    _session_with(store, shared, other)

    store.delete(mine.id)

    assert not _blob(store, own).exists()
    assert _blob(store, shared).exists()  # another session still sends it
    assert _blob(store, other).exists()


def test_bytes_named_only_in_an_older_branch_are_removed_too(
    store: SessionStore, tmp_path: Path
) -> None:
    old = _kept(store, tmp_path / "old.txt", b"first version\n")
    session = _session_with(store, old)
    regenerate_at(session, 1)  # the reply set aside
    session.messages[0] = Message("user", "edited")
    session.messages[0].alternatives.append(Message("user", "look", attachments=[old]))
    store.save(session)

    store.delete(session.id)

    assert not _blob(store, old).exists()


def test_bytes_named_by_a_file_that_cannot_be_parsed_are_kept(
    store: SessionStore, tmp_path: Path
) -> None:
    image = _kept(store, tmp_path / "dot.png", PNG)
    mine = _session_with(store, image)
    (store.folder / "20260101-000000-beef.toml").write_text(
        f'schema = 1\nbroken = [\nsha256 = "{image.sha256}"\n', "utf-8"
    )

    store.delete(mine.id)

    assert _blob(store, image).exists()


def test_the_session_goes_before_its_bytes(
    store: SessionStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between the two steps leaves bytes nobody names, never a session without them."""
    image = _kept(store, tmp_path / "dot.png", PNG)
    mine = _session_with(store, image)
    path = store.path_for(mine.id)
    seen: list[bool] = []

    def remove(self: object, digests: object) -> None:
        seen.append(path.exists())
        raise OSError("crash")

    monkeypatch.setattr("app.store._attachments.AttachmentFolder.remove", remove)
    store.delete(mine.id)

    assert seen == [False]  # the session file was already gone when bytes were removed
    assert _blob(store, image).exists()
