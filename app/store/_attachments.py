"""Files attached to a prompt: checked, kept content-addressed, and turned into content parts.

The bytes live in ``sessions/.attachments/<sha256>`` so a session can be sent again after the
original file is gone; the session file records each one's name, type, size and sha256.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from app.store._files import write_atomic
from app.store._model import Attachment
from app.text import one_line

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
FOLDER_NAME = ".attachments"
TEXT = "text/plain"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class AttachmentError(Exception):
    """A file that cannot be attached, or whose kept bytes are gone; the message says why."""


def image_type(data: bytes) -> str | None:
    """The MIME type of a PNG, JPEG, GIF or WebP image, from its first bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def read_attachment(path_text: str) -> tuple[Attachment, bytes]:
    """The file at ``path_text`` (``~`` expanded), checked; ``AttachmentError`` says why not.

    Text (UTF-8) and PNG, JPEG, GIF and WebP images up to 5 MB are taken; folders, other
    binary files, unreadable and larger files are refused.
    """
    path = Path(path_text).expanduser()
    shown = path_text
    try:
        if path.is_dir():
            raise AttachmentError(f"{shown} is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            raise AttachmentError(
                f"{shown} is {_size(size)}; attachments are limited to "
                f"{_size(MAX_ATTACHMENT_BYTES)}"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise AttachmentError(f"{shown}: no such file") from None
    except OSError as error:
        raise AttachmentError(f"{shown} cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentError(f"{shown} is larger than {_size(MAX_ATTACHMENT_BYTES)}")
    kind = image_type(data)
    if kind is None:
        try:
            if b"\x00" in data:
                raise UnicodeDecodeError("utf-8", data, 0, 1, "NUL byte")
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise AttachmentError(
                f"{shown} is a binary file; only text (UTF-8) and PNG, JPEG, GIF or WebP "
                "images can be attached"
            ) from None
        kind = TEXT
    digest = hashlib.sha256(data).hexdigest()
    return Attachment(name=path.name, type=kind, size=len(data), sha256=digest), data


class AttachmentFolder:
    """The kept bytes of every attachment, one file per sha256, beside the sessions."""

    def __init__(self, sessions: Path) -> None:
        self.folder = sessions / FOLDER_NAME

    def keep(self, attachment: Attachment, data: bytes) -> None:
        """Keep ``data`` (once: the same bytes are the same file); raises ``OSError``."""
        path = self._path(attachment)
        if not path.exists():
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomic(path, data)

    def data(self, attachment: Attachment) -> bytes:
        """The kept bytes; ``AttachmentError`` if they are gone or not what was recorded."""
        try:
            data = self._path(attachment).read_bytes()
        except OSError:
            raise AttachmentError(f"the kept copy of {attachment.name} is missing") from None
        if hashlib.sha256(data).hexdigest() != attachment.sha256:
            raise AttachmentError(f"the kept copy of {attachment.name} has changed")
        return data

    def remove(self, digests: Iterable[str]) -> None:
        """Remove the kept bytes named by these sha256 digests (missing ones are fine)."""
        for digest in digests:
            if _SHA256.fullmatch(digest):
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / digest).unlink()

    def _path(self, attachment: Attachment) -> Path:
        if not _SHA256.fullmatch(attachment.sha256):
            raise AttachmentError(f"{attachment.name}: not a sha256 {attachment.sha256!r}")
        return self.folder / attachment.sha256


def content_parts(
    text: str, attachments: list[Attachment], data_of: Callable[[Attachment], bytes]
) -> list[dict[str, object]]:
    """A user message as a content array: the prompt, each text file fenced under its name,
    each image as a ``data:`` URL. Raises ``AttachmentError`` if some bytes are gone."""
    parts: list[dict[str, object]] = [{"type": "text", "text": text}]
    for attachment in attachments:
        data = data_of(attachment)
        if attachment.type == TEXT:
            body = data.decode("utf-8", "replace")
            fence = "`" * max(3, _longest_backtick_run(body) + 1)
            block = f"{attachment.name}:\n{fence}\n{body.removesuffix(chr(10))}\n{fence}"
            parts.append({"type": "text", "text": block})
        else:
            encoded = base64.b64encode(data).decode("ascii")
            url = f"data:{attachment.type};base64,{encoded}"
            parts.append({"type": "image_url", "image_url": {"url": url}})
    return parts


def image_refusal(
    model: str, takes_images: bool | None, attachments: Iterable[Attachment]
) -> str | None:
    """Why the images among ``attachments`` cannot go to ``model``, or None to send them.

    Only a model list that says the model takes no images refuses (``takes_images`` False);
    when it does not say, the request goes out and the endpoint decides.
    """
    images = list(dict.fromkeys(a.name for a in attachments if a.type.startswith("image/")))
    if takes_images is not False or not images:
        return None
    names = ", ".join(one_line(name, 40) for name in images[:3])
    if len(images) > 3:
        names += f" and {len(images) - 3} more"
    return (
        f"{one_line(model, 60)} takes no images (the endpoint's model list says so), and this "
        f"conversation has {names}: pick a model that takes images (Ctrl+L, `:image` "
        "filters the list), or /detach the files not sent yet"
    )


def describe_attachment(attachment: Attachment) -> str:
    """A chip for the message: its name and size."""
    return f"{attachment.name} ({_size(attachment.size)})"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
