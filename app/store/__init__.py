"""Session files: the ``Session`` model, its TOML codec, the store, export and the model cache.

Knows nothing of HTTP or Textual; does file I/O with tomllib, tomli-w and json only. Public
names are imported lazily: ``Session`` does not bring in the codec or the index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app._lazy import lazy_exports

if TYPE_CHECKING:
    from app.store._attachments import (
        MAX_ATTACHMENT_BYTES,
        AttachmentError,
        describe_attachment,
        image_refusal,
        read_attachment,
    )
    from app.store._codec import (
        clean_text,
        session_from_bytes,
        session_from_toml,
        session_to_toml,
    )
    from app.store._compact import (
        NothingToCompact,
        add_summary,
        compaction_end,
        compaction_request,
    )
    from app.store._editor import (
        EditorError,
        edit_text,
        editor_command,
    )
    from app.store._errors import (
        InvalidSessionId,
        SessionFormatError,
        SessionNotFound,
        SessionUnreadable,
        StoreError,
        StoreWriteError,
    )
    from app.store._export import (
        from_json,
        to_json,
        to_markdown,
    )
    from app.store._files import (
        make_private_folders,
        write_atomic,
    )
    from app.store._model import (
        SCHEMA,
        Attachment,
        ForkOrigin,
        Message,
        Session,
        SessionSummary,
        UnreadableSession,
        new_session_id,
        title_from_prompt,
        utc_now,
    )
    from app.store._model_cache import (
        ModelCache,
    )
    from app.store._paths import Completion, complete_paths, pasted_paths
    from app.store._reply import (
        CANCELLED,
        CLOSED,
        STREAMING,
        Checkpoints,
        ReplyBuilder,
    )
    from app.store._store import (
        SaveResult,
        SearchHit,
        SessionStore,
    )
    from app.store._tree import (
        Location,
        Steps,
        adopt_versions,
        delete_turn,
        edit_at,
        find,
        fork_at,
        open_branch,
        put_back,
        regenerate_at,
        switch_branch,
        switch_to,
        turn_at,
        version_label,
        versions,
        walk,
    )

# Each public name and the module that defines it: a module is imported on first use.
_WHERE: dict[str, str] = {
    "NothingToCompact": "app.store._compact",
    "add_summary": "app.store._compact",
    "compaction_end": "app.store._compact",
    "compaction_request": "app.store._compact",
    "Attachment": "app.store._model",
    "AttachmentError": "app.store._attachments",
    "MAX_ATTACHMENT_BYTES": "app.store._attachments",
    "describe_attachment": "app.store._attachments",
    "Completion": "app.store._paths",
    "complete_paths": "app.store._paths",
    "pasted_paths": "app.store._paths",
    "image_refusal": "app.store._attachments",
    "read_attachment": "app.store._attachments",
    "CANCELLED": "app.store._reply",
    "CLOSED": "app.store._reply",
    "STREAMING": "app.store._reply",
    "Checkpoints": "app.store._reply",
    "EditorError": "app.store._editor",
    "ForkOrigin": "app.store._model",
    "InvalidSessionId": "app.store._errors",
    "Message": "app.store._model",
    "ModelCache": "app.store._model_cache",
    "ReplyBuilder": "app.store._reply",
    "SCHEMA": "app.store._model",
    "SaveResult": "app.store._store",
    "SearchHit": "app.store._store",
    "Session": "app.store._model",
    "SessionFormatError": "app.store._errors",
    "SessionNotFound": "app.store._errors",
    "SessionStore": "app.store._store",
    "SessionSummary": "app.store._model",
    "SessionUnreadable": "app.store._errors",
    "StoreError": "app.store._errors",
    "StoreWriteError": "app.store._errors",
    "UnreadableSession": "app.store._model",
    "clean_text": "app.store._codec",
    "edit_text": "app.store._editor",
    "editor_command": "app.store._editor",
    "from_json": "app.store._export",
    "make_private_folders": "app.store._files",
    "new_session_id": "app.store._model",
    "session_from_bytes": "app.store._codec",
    "session_from_toml": "app.store._codec",
    "session_to_toml": "app.store._codec",
    "title_from_prompt": "app.store._model",
    "to_json": "app.store._export",
    "to_markdown": "app.store._export",
    "utc_now": "app.store._model",
    "write_atomic": "app.store._files",
    "Location": "app.store._tree",
    "Steps": "app.store._tree",
    "adopt_versions": "app.store._tree",
    "delete_turn": "app.store._tree",
    "edit_at": "app.store._tree",
    "find": "app.store._tree",
    "fork_at": "app.store._tree",
    "open_branch": "app.store._tree",
    "put_back": "app.store._tree",
    "regenerate_at": "app.store._tree",
    "switch_branch": "app.store._tree",
    "switch_to": "app.store._tree",
    "turn_at": "app.store._tree",
    "version_label": "app.store._tree",
    "versions": "app.store._tree",
    "walk": "app.store._tree",
}

__all__ = [
    "CANCELLED",
    "CLOSED",
    "MAX_ATTACHMENT_BYTES",
    "SCHEMA",
    "STREAMING",
    "Attachment",
    "AttachmentError",
    "Checkpoints",
    "Completion",
    "EditorError",
    "ForkOrigin",
    "InvalidSessionId",
    "Location",
    "Message",
    "ModelCache",
    "NothingToCompact",
    "ReplyBuilder",
    "SaveResult",
    "SearchHit",
    "Session",
    "SessionFormatError",
    "SessionNotFound",
    "SessionStore",
    "SessionSummary",
    "SessionUnreadable",
    "Steps",
    "StoreError",
    "StoreWriteError",
    "UnreadableSession",
    "add_summary",
    "adopt_versions",
    "clean_text",
    "compaction_end",
    "compaction_request",
    "complete_paths",
    "delete_turn",
    "describe_attachment",
    "edit_at",
    "edit_text",
    "editor_command",
    "find",
    "fork_at",
    "from_json",
    "image_refusal",
    "make_private_folders",
    "new_session_id",
    "open_branch",
    "pasted_paths",
    "put_back",
    "read_attachment",
    "regenerate_at",
    "session_from_bytes",
    "session_from_toml",
    "session_to_toml",
    "switch_branch",
    "switch_to",
    "title_from_prompt",
    "to_json",
    "to_markdown",
    "turn_at",
    "utc_now",
    "version_label",
    "versions",
    "walk",
    "write_atomic",
]


__getattr__ = lazy_exports(__name__, _WHERE)
