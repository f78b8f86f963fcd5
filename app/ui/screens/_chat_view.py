"""The chat screen's welcome view (a new, empty session) and its scrolling keys."""

from __future__ import annotations

from textual import on, work

from app.store import StoreError
from app.ui.screens._chat_commands import ChatCommands
from app.ui.widgets import Conversation
from app.ui.widgets._welcome import RECENT, RecentEntry, RecentSession, WelcomeView


class ViewCommands(ChatCommands):
    """Showing and filling the welcome view; PageUp/PageDown and Ctrl+Home/End from anywhere."""

    def show_welcome(self, show: bool) -> None:
        """Show the welcome view (a new, empty session) or hide it; it lists recent sessions."""
        welcome = self.query_one(WelcomeView)
        welcome.display = show
        if show:
            # after the first frame: the thread imports and opens the store, which competes
            # with drawing it for the interpreter
            self.call_after_refresh(self._read_recent)

    @work(exclusive=True, group="recent", thread=True, exit_on_error=False)
    def _read_recent(self) -> None:
        # The newest files by time, loaded one by one: not the store's list, which on a first
        # run builds the folder's index under a lock the session browser then waits on.
        store, current = self.hcchat.store, self.session.id
        try:
            files = sorted(
                store.folder.glob("*.toml"), key=lambda path: path.stat().st_mtime, reverse=True
            )
        except OSError:
            return  # the list is a convenience: the browser says what is wrong
        recent: list[RecentEntry] = []
        for path in files:
            if len(recent) == 2 * RECENT:  # some to spare: file times can tie
                break
            if path.stem == current:
                continue
            try:
                session = store.load(path.stem)
            except (StoreError, OSError):
                continue
            count = sum(message.role != "system" for message in session.messages)
            recent.append(RecentEntry(session.id, session.title, session.updated, count))
        recent.sort(key=lambda entry: (entry.updated, entry.id), reverse=True)
        self.app.call_from_thread(self._show_recent, recent[:RECENT])

    def _show_recent(self, recent: list[RecentEntry]) -> None:
        self.call_later(self.query_one(WelcomeView).show_recent, recent)

    @on(RecentSession.Chosen)
    def open_recent(self, event: RecentSession.Chosen) -> None:
        """Reopen a session listed in the welcome view."""
        self.hcchat.open_session(event.session_id)

    def action_scroll_page(self, step: int) -> None:
        """Scroll the conversation a page up (-1) or down (1), wherever the focus is."""
        conversation = self.query_one(Conversation)
        if step < 0:
            conversation.release_anchor()
            conversation.scroll_page_up(animate=False)
        else:
            conversation.scroll_page_down(animate=False)

    async def action_scroll_to(self, end: int) -> None:
        """Scroll to the start (0) or the end (1) of the conversation; the end follows a reply.

        The start is the session's first message: the pages not yet mounted are mounted first,
        or reaching the top would mount the page before and keep the view where it was.
        """
        conversation = self.query_one(Conversation)
        if end:
            conversation.scroll_end(animate=False)
            conversation.anchor()
            return
        conversation.release_anchor()
        while self._first_mounted > 0:
            await self.mount_earlier()
        conversation.scroll_home(animate=False)
