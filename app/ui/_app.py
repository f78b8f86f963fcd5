"""The hcchat App: owns the client, the store and the screens, and runs app-wide actions."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import partial
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from app.commands import in_scope, title_of
from app.endpoints import DEFAULT_ENDPOINT
from app.store import (
    Session,
    StoreError,
)
from app.text import display_safe
from app.ui._bindings import bindings
from app.ui._endpoints import Endpoints
from app.ui._idle_gc import IdleCollector, resume_after_start
from app.ui.screens._chat import ChatScreen
from app.usage import DailySpend

if TYPE_CHECKING:
    from app.api import ChatClient, ModelInfo
    from app.config import Settings
    from app.roles import Role
    from app.store import SessionStore, Steps


def _stylesheets() -> list[str | PurePath]:
    """The .tcss files: inside the installed package, or in the source tree's ``styles/``."""
    package = Path(__file__).resolve().parent.parent
    for folder in (package / "styles", package.parent / "styles"):
        if folder.is_dir():
            return list(sorted(folder.glob("*.tcss")))
    raise FileNotFoundError(f"hcchat's stylesheets are missing (looked in {package / 'styles'})")


class HCChatApp(App[int]):
    """A full-screen chat with OpenAI-compatible endpoints."""

    TITLE = "hcchat"
    CSS_PATH: ClassVar[list[str | PurePath]] = _stylesheets()
    BINDINGS: ClassVar[list[BindingType]] = bindings("app")

    def __init__(
        self,
        settings: Settings,
        *,
        session: Session | None = None,
        client: ChatClient | None = None,
        store: SessionStore | None = None,
        idle_gc: bool = False,
        role: Role | None = None,
        learn_models: bool = False,
    ) -> None:
        """``client``: a client built by the caller (tests: other timeouts), instead of one for
        the configured endpoint. ``idle_gc``: make full garbage collections when the user is
        idle (``_idle_gc``); the command does, tests of other things need not. ``role``: the
        role new sessions start with (``/role`` changes it). ``learn_models``: after the first
        frame, fetch the endpoint's model list when none is cached, for the context meter (the
        command does; tests of other things need not)."""
        super().__init__()
        self.settings = settings
        # the endpoints' clients; one built by the caller (tests: short timeouts) is default's
        self.endpoints = Endpoints(settings, self._on_retry, default_client=client)
        self._learn_models = learn_models
        # The store that loaded ``session``: it knows the file's version, so saving does not fork.
        self._store = store
        self._store_lock = threading.Lock()  # a new chat's store is opened by a thread, or not
        self._initial_session = session
        self.role = role
        self._theme_ready = False
        self._idle_gc = IdleCollector() if idle_gc else None
        self.spend: DailySpend | None = None  # today's spend, once read (with a daily_budget)
        self.budget_warned: set[str] = set()  # the budget warnings given today
        self._writes: set[asyncio.Task[None]] = set()  # saves being written in a thread

    # ----------------------------------------------------------------- set-up

    @property
    def store(self) -> SessionStore:
        """The sessions folder, opened on first use: start-up draws before it needs it.

        The first use may be the welcome view's thread listing recent sessions, or a save on
        the event loop: whichever comes first opens the one store both use.
        """
        with self._store_lock:
            if self._store is None:
                from app.store import SessionStore

                self._store = SessionStore(self.settings.sessions_dir)
            return self._store

    @property
    def client(self) -> ChatClient:
        """The client of the endpoint the open session uses, made on first use."""
        return self.client_for(self.current_endpoint)

    def client_for(self, endpoint: str) -> ChatClient:
        """The client of ``endpoint`` (made on first use, holding only that endpoint's key);
        ``UnknownEndpoint`` for a name the config does not have."""
        return self.endpoints.client_for(endpoint)

    @property
    def current_endpoint(self) -> str:
        """The endpoint the open session's next turn uses."""
        with suppress(LookupError):
            return self.chat.session.endpoint or DEFAULT_ENDPOINT
        return self.settings.endpoint

    def _on_retry(self, attempt: int, wait: float, error: Exception) -> None:
        self.notify(f"{error} — retrying in {wait:.0f} s (try {attempt + 1})", markup=False)

    def on_mount(self) -> None:
        if self.settings.keys:
            self.set_keymap(dict(self.settings.keys))
        if self.settings.theme and self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self._theme_ready = True
        session = self._initial_session or self.new_session()
        self.push_screen(ChatScreen(session))
        if self.settings.daily_budget is not None:
            self.load_spend()
        self._handle_signals()
        self.call_after_refresh(self._start_idle_gc)
        self.call_after_refresh(self._read_contexts)

    def _read_contexts(self) -> None:
        # the model cache can list hundreds of models: read after the first frame, not before
        self.context_length("")
        with suppress(LookupError):
            self.chat.update_status()
        self.learn_contexts(self.current_endpoint)

    def learn_contexts(self, endpoint: str) -> None:
        """Fetch ``endpoint``'s model list in the background if no fresh one is cached, so the
        context meter knows the model's context without the picker."""
        if self._learn_models and not self.endpoints.knows_contexts(endpoint):
            self._fetch_models(endpoint)

    @work(group="learn-models", exit_on_error=False)
    async def _fetch_models(self, endpoint: str) -> None:
        await self.endpoints.load_models(endpoint)  # a failure is the picker's to show
        with suppress(LookupError):
            self.chat.update_status()

    def _handle_signals(self) -> None:
        """SIGTERM and SIGHUP (the terminal was closed) save the reply that streams, then quit.

        Without this the process dies at once: the reply is lost, and after SIGTERM the terminal
        stays in the alternate screen with mouse reporting on.
        """
        import asyncio
        import signal

        loop = asyncio.get_running_loop()
        reasons = {
            signal.SIGTERM: "hcchat was stopped (SIGTERM) while the reply streamed",
            signal.SIGHUP: "the terminal was closed (SIGHUP) while the reply streamed",
        }
        for number, reason in reasons.items():
            with suppress(NotImplementedError, RuntimeError, ValueError):  # not on every loop
                loop.add_signal_handler(number, self.stop_for_signal, number, reason)

    def stop_for_signal(self, number: int, reason: str) -> None:
        """Save what a streaming reply received, marked with ``reason``, and exit."""
        with suppress(LookupError):
            self.chat.stop_reply(reason)
        self.exit(128 + number)

    def _start_idle_gc(self) -> None:
        if self._idle_gc is not None:
            self._idle_gc.start()  # frozen first: the collections resumed skip what start made
            self.set_interval(0.5, self._collect_when_idle)
        resume_after_start()

    def _collect_when_idle(self) -> None:
        if self._idle_gc is not None:
            try:
                busy = self.chat.streaming
            except LookupError:
                busy = False
            self._idle_gc.tick(busy=busy)

    async def on_event(self, event: events.Event) -> None:
        if self._idle_gc is not None and isinstance(event, events.InputEvent):
            self._idle_gc.input()
        await super().on_event(event)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification, the screens' and widgets' too, without terminal control codes.

        Messages quote server errors, model ids and file names: one cleaning on the way out.
        """
        super().notify(
            display_safe(message),
            title=display_safe(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    async def on_unmount(self) -> None:
        if self._idle_gc is not None:
            self._idle_gc.stop()
        await self.endpoints.aclose()

    def watch_theme(self, theme: str) -> None:
        if not self._theme_ready or theme == self.settings.theme:
            return
        from app.config import ConfigError, save_theme

        try:
            save_theme(self.settings.config_path, theme)
        except (OSError, ConfigError) as error:
            self.notify(f"Could not remember the theme: {error}", severity="warning", markup=False)

    @property
    def chat(self) -> ChatScreen:
        """The chat screen (always at the bottom of the stack)."""
        for screen in self.screen_stack:
            if isinstance(screen, ChatScreen):
                return screen
        raise LookupError("the chat screen is not open")

    # ----------------------------------------------------------------- sessions

    def new_session(self, model: str | None = None, endpoint: str | None = None) -> Session:
        """A new session with the configured system prompt, parameters and endpoint (``model``
        and ``endpoint``: the ones the session it replaces used)."""
        session = Session.new(self.settings.model, self.settings.system_prompt)
        chosen = endpoint or (self.settings.endpoint if model is None else DEFAULT_ENDPOINT)
        session.endpoint = None if chosen == DEFAULT_ENDPOINT else chosen
        session.params = dict(self.settings.params)
        if self.role is not None:
            from app.roles import apply_role

            apply_role(session, self.role)
        if model is not None:
            session.model = model
        return session

    def save_session(self, session: Session, *, quiet: bool = False) -> bool:
        """Save ``session``; a failure is shown (unless ``quiet``: it was just shown), and the
        session stays in memory to retry."""
        try:
            result = self.store.save(session)
        except StoreError as error:
            return self._save_failed(error, quiet)
        if result.note:
            self.notify(result.note, severity="warning", markup=False, timeout=12)
        return True

    def save_in_thread(
        self, session: Session, done: Callable[[bool | None], None], *, quiet: bool = False
    ) -> None:
        """Save ``session`` like ``save_session``, its file written in a thread (a checkpoint:
        flushing to disk must not hold up keys and frames).

        The session is serialised here, at once, on the event loop; ``done`` is called on the
        loop with whether it was saved, or None when a later save of it was written first (this
        one was then dropped: an older snapshot never replaces a newer one).
        """
        try:
            prepared = self.store.prepare(session)
        except StoreError as error:
            done(self._save_failed(error, quiet))
            return

        async def write() -> None:
            try:
                result = await asyncio.to_thread(self.store.write, prepared)
            except StoreError as error:
                done(self._save_failed(error, quiet))
                return
            if result is None:
                done(None)
                return
            session.id = result.session_id
            if result.note:
                self.notify(result.note, severity="warning", markup=False, timeout=12)
            done(True)

        task = asyncio.create_task(write())
        self._writes.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._writes.discard)

    def _save_failed(self, error: StoreError, quiet: bool) -> bool:
        if not quiet:
            self.notify(
                f"{error}. The conversation is still here; it will be saved with the next message.",
                title="Not saved",
                severity="error",
                markup=False,
                timeout=12,
            )
        return False

    def open_session(
        self, session_id: str, *, highlight: int | None = None, branch: Steps = ()
    ) -> None:
        """Load a saved session into the chat screen, showing ``branch`` (a search hit's)."""
        try:
            session = self.store.load(session_id)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if branch:
            from app.store import open_branch

            open_branch(session, branch)
        self.call_later(self.chat.open, session, highlight)

    def rename_session(self, session_id: str, title: str) -> bool:
        """Rename a saved session (and the open one, if it is that session)."""
        chat = self.chat
        if chat.session.id == session_id:
            chat.rename(title)
            return True
        try:
            self.store.rename(session_id, title)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return False
        return True

    def delete_session(self, session_id: str) -> bool:
        """Delete a saved session; the open one is replaced by a new session."""
        try:
            self.store.delete(session_id)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return False
        chat = self.chat
        if chat.session.id == session_id:
            replacement = self.new_session(chat.session.model, chat.session.endpoint)
            self.call_later(chat.open, replacement, None)
        self.notify("Session deleted.", markup=False)
        return True

    def ask_export(self, session_id: str) -> None:
        """Ask where to export a session (a .md or .json path), then write it."""
        from app.ui.screens._dialogs import TextPromptScreen

        default = str(Path.cwd() / f"hcchat-{session_id}.md")

        def chosen(path: str | None) -> None:
            if path and path.strip():
                self.export_to(session_id, Path(path.strip()).expanduser())

        self.push_screen(
            TextPromptScreen("Export to (.md for Markdown, .json for JSON)", default), chosen
        )

    def export_session(self, session: Session, fmt: str) -> None:
        """Export the open session to the current folder (``/export md|json``)."""
        if fmt not in ("md", "json"):
            self.notify("Usage: /export [md|json]", severity="error", markup=False)
            return
        if not self.save_session(session):
            return
        self.export_to(session.id, Path.cwd() / f"hcchat-{session.id}.{fmt}")

    def export_to(self, session_id: str, path: Path) -> None:
        """Write a session to ``path`` as Markdown, or JSON when the name ends in .json."""
        fmt = "json" if path.suffix.lower() == ".json" else "md"
        try:
            written = self.store.export(session_id, path, fmt)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.notify(f"Exported to {written}", markup=False)

    def open_session_browser(self) -> None:
        """Show the session browser."""
        from app.ui.screens._sessions import SessionBrowser

        if not isinstance(self.screen, SessionBrowser):
            self.push_screen(SessionBrowser())

    # ----------------------------------------------------------------- models

    @work(thread=True, exclusive=True, group="spend", exit_on_error=False)
    def load_spend(self) -> None:
        """Sum today's spend over every session (the store's index makes it quick) in a thread."""
        from app.store import SessionSummary

        summaries = [item for item in self.store.list() if isinstance(item, SessionSummary)]
        self.call_from_thread(self._spend_loaded, DailySpend.of(summaries))

    def _spend_loaded(self, spend: DailySpend) -> None:
        if self.spend is not None and self.spend.day != spend.day:
            self.budget_warned.clear()
        self.spend = spend
        with suppress(LookupError):
            self.chat.update_status()

    def context_length(
        self, model: str, *, endpoint: str | None = None, load: bool = True
    ) -> int | None:
        """The context length ``endpoint`` (the open session's by default) lists for ``model``:
        from its last model list, or the model cache however old (a context length seldom
        changes); None when unknown.

        ``load=False``: don't read the cache now if it was not read yet (the status line, which
        is drawn before the first frame: the cache is read just after it).
        """
        where = self.current_endpoint if endpoint is None else endpoint
        return self.endpoints.context_length(model, where, load=load)

    def takes_images(self, model: str, *, endpoint: str | None = None) -> bool | None:
        """Whether ``endpoint``'s (the open session's by default) model list says ``model``
        takes images; None when it does not say or does not list it (last list, or cache)."""
        where = self.current_endpoint if endpoint is None else endpoint
        return self.endpoints.takes_images(model, where)

    async def load_models(self, endpoint: str | None = None) -> tuple[list[ModelInfo], str | None]:
        """An endpoint's models (cached a day), or the built-in list with a note why."""
        group = await self.endpoints.load_models(endpoint or self.current_endpoint)
        return group.models, group.note

    # ----------------------------------------------------------------- palette

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not any(isinstance(s, ChatScreen) for s in self.screen_stack):
            return
        chat = self.chat
        for command in in_scope("chat"):
            if command.palette:
                yield SystemCommand(
                    title_of(command),
                    command.help.capitalize(),
                    partial(self._run, chat, command.action),
                )

    async def _run(self, screen: ChatScreen, action: str) -> None:
        await screen.run_action(action)
