"""Attachments: which files are taken, how they are kept and how they are sent."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest

from app.store import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    AttachmentError,
    Message,
    Session,
    SessionStore,
    read_attachment,
    session_from_toml,
    session_to_toml,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def test_a_text_file_is_read_with_its_type_size_and_sha256(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello\n")

    attachment, data = read_attachment(str(path))

    assert attachment == Attachment("notes.txt", "text/plain", 6, hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 10, "image/jpeg"),
        (b"GIF89a" + b"\x00" * 10, "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
    ],
)
def test_images_are_recognised_by_their_first_bytes(tmp_path: Path, head: bytes, kind: str) -> None:
    path = tmp_path / "picture.bin"
    path.write_bytes(head)

    assert read_attachment(str(path))[0].type == kind


def test_a_tilde_is_the_home_folder(isolated_env: Path) -> None:
    (isolated_env / "my notes.md").write_text("# hi\n", "utf-8")

    assert read_attachment("~/my notes.md")[0].name == "my notes.md"


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.write_bytes(b"\x7fELF\x00\x01"), "is a binary file"),
        (lambda p: p.write_bytes(b"caf\xe9"), "is a binary file"),
        (lambda p: p.write_bytes(b"x" * (MAX_ATTACHMENT_BYTES + 1)), "limited to 5.0 MB"),
        (lambda p: None, "no such file"),
    ],
)
def test_files_that_cannot_be_sent_are_refused_with_the_reason(tmp_path: Path, make, said) -> None:
    path = tmp_path / "thing"
    make(path)

    with pytest.raises(AttachmentError, match=said):
        read_attachment(str(path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("x", "utf-8")
    path.chmod(0)

    with pytest.raises(AttachmentError, match="cannot be read"):
        read_attachment(str(path))


def test_kept_bytes_make_content_arrays_after_the_original_is_gone(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    text_file, image = tmp_path / "code.py", tmp_path / "dot.png"
    text_file.write_text("print('```')\n", "utf-8")
    image.write_bytes(PNG)
    session = Session.new("m")
    attachments = []
    for path in (text_file, image):
        attachment, data = read_attachment(str(path))
        store.keep_attachment(attachment, data)
        attachments.append(attachment)
        path.unlink()
    session.messages.append(Message("user", "look", attachments=attachments))
    session.messages.append(Message("assistant", "ok", model="m"))
    store.save(session)

    again = store.load(session.id)
    sent = again.api_messages(store.attachment_data)

    assert sent[1] == {"role": "assistant", "content": "ok"}
    assert sent[0]["content"] == [
        {"type": "text", "text": "look"},
        {"type": "text", "text": "code.py:\n````\nprint('```')\n````"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
        },
    ]
    kept = store.folder / ".attachments" / attachments[1].sha256
    assert kept.read_bytes() == PNG
    assert [item.id for item in store.list()] == [session.id]  # the folder is not a session


def test_missing_kept_bytes_are_an_error_not_a_silent_gap(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    ghost = Attachment("gone.txt", "text/plain", 3, "0" * 64)
    session = Session.new("m")
    session.messages.append(Message("user", "x", attachments=[ghost]))

    with pytest.raises(AttachmentError, match=r"gone\.txt is missing"):
        session.api_messages(store.attachment_data)


def test_the_session_file_records_each_attachment() -> None:
    attachment = Attachment('a "b".txt', "text/plain", 12, "ab" * 32)
    session = Session(id="s", model="m", messages=[Message("user", "hi", attachments=[attachment])])

    text = session_to_toml(session)

    assert "attachments = [{ name = " in text
    assert session_from_toml(text, source="s.toml") == session
    assert Session(id="s", model="m", messages=[Message("user", "hi")]).api_messages() == [
        {"role": "user", "content": "hi"}
    ]
