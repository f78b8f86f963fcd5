"""Running a test in another local time zone (POSIX ``TZ`` strings: no tz database needed)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def local_timezone(zone: str) -> Iterator[None]:
    """Local time is ``zone`` (e.g. ``"IST-5:30"``) inside the block, as it was after it."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()
