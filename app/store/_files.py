"""Writing a file so that a crash leaves the old or the new one: the one writer hcchat has."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def write_atomic(
    path: Path, data: bytes, *, mode: int = 0o600, durable: bool = True
) -> os.stat_result:
    """Replace ``path`` with ``data`` (file mode ``mode``); return the new file's status.

    The data goes to a new temporary file in the same folder, is flushed to disk and renamed
    over ``path``, and the rename is flushed too. ``durable=False`` skips both flushes, for a
    cache that may be lost in a crash. On any error the temporary file is removed and the
    error (an ``OSError`` from the file system) raised; ``path`` is then as it was.
    """
    import secrets  # on first write: it loads hashlib, which a listing does not need

    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(temp, flags, mode)
    try:
        try:
            if hasattr(os, "fchmod"):  # the umask may have taken bits that ``mode`` asks for
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
            status = os.fstat(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    if durable:
        fsync_folder(path.parent)
    return status


class NotARegularFile(OSError):
    """A FIFO, device, socket or folder where a file was expected: never opened to read."""


def read_regular(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file ``path`` and its status; raises ``OSError``.

    The open never blocks (``O_NONBLOCK``: a FIFO would otherwise wait for a writer forever)
    and anything but a regular file raises ``NotARegularFile`` before a byte is read.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with open(fd, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise NotARegularFile(f"not a regular file ({file_kind(status.st_mode)})")
        return file.read(), status


def read_head(
    path: str | Path, size: int, enough: Callable[[bytes, os.stat_result], T | None]
) -> tuple[T | None, bytes, os.stat_result]:
    """Read the regular file ``path`` as ``read_regular`` does, stopping after its first
    ``size`` bytes if ``enough(head, status)`` makes something of them.

    Returns what ``enough`` made, and the bytes read (the whole file when it made nothing),
    and the file's status; raises ``OSError``.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    with open(os.open(path, flags), "rb", buffering=0) as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise NotARegularFile(f"not a regular file ({file_kind(status.st_mode)})")
        head = file.read(size) or b""
        made = enough(head, status)
        if made is not None or len(head) < size:
            return made, head, status
        return None, head + file.readall(), status


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words: "a folder", "a FIFO", ..."""
    kinds = {"a folder": stat.S_ISDIR, "a FIFO": stat.S_ISFIFO, "a socket": stat.S_ISSOCK}
    kinds |= {"a device": stat.S_ISCHR, "a block device": stat.S_ISBLK}
    return next((name for name, test in kinds.items() if test(mode)), "not a regular file")


def fsync_folder(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable; not every platform or file system can."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def make_private_folders(folder: Path) -> None:
    """Create ``folder`` and any missing parents, each with mode 0700.

    ``Path.mkdir(parents=True)`` would give the parents the umask's mode instead.
    """
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
