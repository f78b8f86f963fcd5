"""The Textual user interface of hcchat."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.config import Settings


def run_app(
    settings: Settings, *, session_id: str | None = None, resume_latest: bool = False
) -> int:
    """Run the full-screen app until the user quits; returns the exit code."""
    from app.store import SessionStore
    from app.ui._app import HCChatApp

    session = None
    store = SessionStore(settings.sessions_dir)
    if session_id is not None:
        session = store.load(session_id)
    elif resume_latest:
        latest = store.latest()
        if latest is not None:
            session = store.load(latest.id)
    app = HCChatApp(settings, session=session, store=store, idle_gc=True)
    return app.run() or 0
