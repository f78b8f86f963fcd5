"""The Textual user interface of hcchat."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.config import Settings
    from app.roles import Role


def run_app(
    settings: Settings,
    *,
    session_id: str | None = None,
    resume_latest: bool = False,
    role: Role | None = None,
    model: str | None = None,
    endpoint: str | None = None,
) -> int:
    """Run the full-screen app until the user quits; returns the exit code.

    ``role``: the ``--role`` for the first session (a reopened one takes it on too).
    ``model``: the model asked for on the command line; a reopened session's next replies
    come from it (as in pipe mode), and the switch is saved with the next message.
    ``endpoint``: the ``--endpoint`` asked for: new sessions and a reopened one use it (a
    reopened session keeps its own without it).
    """
    from app.ui._idle_gc import pause_for_start, resume_after_start

    pause_for_start()  # until the first frame: HCChatApp switches the collector on again
    try:
        return _run(settings, session_id, resume_latest, role, model, endpoint)
    finally:
        resume_after_start()  # if the app ended before its first frame


def _run(
    settings: Settings,
    session_id: str | None,
    resume_latest: bool,
    role: Role | None,
    model: str | None,
    endpoint: str | None,
) -> int:
    from app.ui._app import HCChatApp

    session = None
    store = None  # a new chat opens the store on first use, after the first frame
    if session_id is not None or resume_latest:
        from app.store import SessionStore

        store = SessionStore(settings.sessions_dir)
        if session_id is None:
            latest = store.latest()
            session_id = latest.id if latest is not None else None
        if session_id is not None:
            session = store.load(session_id)
    if session is not None and role is not None:
        from app.roles import apply_role

        apply_role(session, role)
    if session is not None and model is not None:
        session.model = settings.model
    if session is not None and endpoint is not None:
        from app.endpoints import DEFAULT_ENDPOINT

        session.endpoint = None if endpoint == DEFAULT_ENDPOINT else endpoint
    app = HCChatApp(
        settings, session=session, store=store, idle_gc=True, role=role, learn_models=True
    )
    return app.run() or 0
