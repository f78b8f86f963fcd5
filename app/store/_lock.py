"""``folder_lock``: one OS file lock per sessions folder, so a check-and-replace is atomic.

Two hcchat processes saving one session at the same moment would otherwise both see the file
unchanged, and the second replace would drop the first one's messages. The lock is held only
around "stat, compare, write, replace" (milliseconds), on ``.lock`` beside the session files.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, saves stay as before
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"
LOCK_WAIT_S = 10.0  # a save is milliseconds; a lock held this long belongs to a stuck process


class LockTimeout(OSError):
    """Another process held the sessions folder's lock for longer than ``LOCK_WAIT_S``."""


@contextlib.contextmanager
def folder_lock(folder: Path, *, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the exclusive lock of ``folder`` (created if missing); raises ``OSError``."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    path = folder / LOCK_NAME
    # O_NONBLOCK: a FIFO planted as ``.lock`` must not hang the open; O_NOFOLLOW: no symlink
    flags = os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockTimeout(f"another hcchat holds {path}") from None
                time.sleep(0.005)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
