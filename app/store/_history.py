"""The prompts of every session, newest first: what Up recalls and the history search finds.

Read from the session files themselves (through the index's listing), so deleting a session
also removes its prompts from the history; there is no separate history file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.store._codec import session_from_bytes
from app.store._errors import SessionFormatError
from app.store._index import Listed, read_file
from app.store._model import SessionSummary

# More than anyone scrolls through with Up, few enough to read in a moment.
HISTORY_LIMIT = 1000


def read_prompts(listed: Iterable[Listed], limit: int = HISTORY_LIMIT) -> list[str]:
    """The user prompts of the readable sessions, newest first, each text once."""
    # (when, where in its session, text): of two prompts dated alike, the later one is newer
    dated: list[tuple[datetime, int, str]] = []
    for item in listed:
        if not isinstance(item, SessionSummary):
            continue
        try:
            data, _ = read_file(item.path)
            session = session_from_bytes(data, source=item.path.name)
        except (OSError, SessionFormatError):
            continue
        dated.extend(
            (message.created or session.updated, position, message.content)
            for position, message in enumerate(session.messages)
            if message.role == "user" and message.content.strip()
        )
    dated.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    prompts: dict[str, None] = {}
    for _, _, text in dated:
        prompts.setdefault(text, None)
        if len(prompts) >= limit:
            break
    return list(prompts)
