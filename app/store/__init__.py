"""Session files: the ``Session`` model, its TOML codec, the store, export and the model cache.

Knows nothing of HTTP or Textual; does file I/O with tomllib, tomli-w and json only.
"""

from __future__ import annotations

from app.store._codec import clean_text, session_from_bytes, session_from_toml, session_to_toml
from app.store._errors import (
    InvalidSessionId,
    SessionFormatError,
    SessionNotFound,
    SessionUnreadable,
    StoreError,
    StoreWriteError,
)
from app.store._export import from_json, to_json, to_markdown
from app.store._model import (
    SCHEMA,
    Message,
    Session,
    SessionSummary,
    UnreadableSession,
    new_session_id,
    title_from_prompt,
    utc_now,
)
from app.store._model_cache import ModelCache
from app.store._store import SaveResult, SearchHit, SessionStore

__all__ = [
    "SCHEMA",
    "InvalidSessionId",
    "Message",
    "ModelCache",
    "SaveResult",
    "SearchHit",
    "Session",
    "SessionFormatError",
    "SessionNotFound",
    "SessionStore",
    "SessionSummary",
    "SessionUnreadable",
    "StoreError",
    "StoreWriteError",
    "UnreadableSession",
    "clean_text",
    "from_json",
    "new_session_id",
    "session_from_bytes",
    "session_from_toml",
    "session_to_toml",
    "title_from_prompt",
    "to_json",
    "to_markdown",
    "utc_now",
]
