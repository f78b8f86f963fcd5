"""What the chat screen does with the conversation tree: edit, regenerate, switch, delete, fork.

Each change is one of ``app.store``'s branch operations on the session; the screen then saves
and shows again the messages from the one that changed. ``[[messages]]`` in the file, the
history sent with the next prompt and what the screen shows are always the same active path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on

from app.store import (
    Session,
    delete_turn,
    edit_at,
    fork_at,
    put_back,
    regenerate_at,
    switch_branch,
    turn_at,
    version_label,
)
from app.text import one_line
from app.ui.screens._chat_commands import ChatCommands
from app.ui.widgets import Conversation, MessageView, PromptArea, UserMessage
from app.ui.widgets._sleep import fit_gaps


class TreeCommands(ChatCommands):
    """Edit or regenerate any message, switch branches, delete turns and fork the session."""

    editing: int | None = None  # the index of the message being edited
    selected: int | None = None  # the index of the message selected last (for /fork)

    if TYPE_CHECKING:
        _first_mounted: int

        def view_for(self, index: int) -> MessageView: ...
        async def answer(self) -> None: ...
        async def open(self, session: Session, highlight: int | None = None) -> None: ...

    @on(events.DescendantFocus)
    def remember_selected(self, event: events.DescendantFocus) -> None:
        """Remember the message selected last: ``/fork`` forks there."""
        if isinstance(event.widget, MessageView):
            self.selected = event.widget.index

    async def redraw_from(self, index: int) -> None:
        """Show the session's messages again from ``index`` on (the branch there changed)."""
        conversation = self.query_one(Conversation)
        stale = [
            view
            for view in conversation.query_children(MessageView)
            if view.index is None or view.index >= index
        ]
        if stale:
            await conversation.remove_children(stale)
        await fit_gaps(conversation)  # some may have been asleep, part of a gap
        start = max(index, self._first_mounted)
        views = [self.view_for(i) for i in range(start, len(self.session.messages))]
        if views:
            await conversation.mount_all(views)
        self.update_status()

    async def select(self, index: int) -> None:
        """Select (focus) the message at ``index``, if it is shown."""
        for view in self.query_one(Conversation).query_children(MessageView):
            if view.index == index:
                await view.show()
                return

    def _busy(self) -> bool:
        if self.streaming:
            self.notify("Wait for the reply to finish, or press Escape first.", markup=False)
        return self.streaming

    # ----------------------------------------------------------------- edit

    @on(MessageView.Edit)
    def edit_selected(self, event: MessageView.Edit) -> None:
        """Edit the selected message."""
        self.edit_message(event.view)

    def action_edit_last(self) -> None:
        """Edit your last message (``/edit``)."""
        views = list(self.query(UserMessage))
        if views:
            self.edit_message(views[-1])
        else:
            self.notify("There is no message of yours to edit yet.", markup=False)

    def edit_message(self, view: MessageView) -> None:
        """Load one of your messages into the prompt; Enter sends it as a new branch."""
        if view.index is None or view.message.role != "user":
            self.notify("Only your own messages can be edited.", markup=False)
            return
        if self._busy():
            return
        self.editing = view.index
        prompt = self.query_one(PromptArea)
        prompt.load_text(view.message.content)
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
        self.refresh_bindings()
        later = len(self.session.messages) - view.index - 1
        kept = " (it and what followed are kept as a version)" if later else ""
        self.notify(f"Editing your message: Enter sends it{kept}, Escape cancels.", markup=False)

    def stop_editing(self) -> None:
        """Give up an edit in progress, if any: the prompt is emptied, nothing changes."""
        if self.editing is not None:
            self.editing = None
            self.query_one(PromptArea).clear()
            self.notify("Edit cancelled; nothing was changed.", markup=False)

    async def resend_edited(self, index: int, text: str) -> None:
        """Send ``text`` as a new version of user message ``index``; the old branch is kept."""
        self.editing = None
        messages = self.session.messages
        if index >= len(messages) or messages[index].role != "user":
            self.notify("That message is no longer there; nothing was sent.", markup=False)
            return
        edit_at(self.session, index, text)
        self.save()
        await self.redraw_from(index)
        await self.answer()

    # ----------------------------------------------------------------- regenerate

    async def action_retry(self) -> None:
        """Retry a failed reply, or regenerate the last reply (the old one is kept as a version)."""
        if self._busy():
            return
        messages = self.session.messages
        if messages and messages[-1].role == "user":
            await self.start_reply()
        elif messages and messages[-1].role == "assistant":
            await self.regenerate(len(messages) - 1)
        else:
            self.notify("There is no reply to retry yet.", markup=False)

    @on(MessageView.Regenerate)
    async def regenerate_selected(self, event: MessageView.Regenerate) -> None:
        """Regenerate the selected reply."""
        from app.ui.widgets import ReplyView  # loaded with the first reply

        view = event.view
        if not isinstance(view, ReplyView) or view.index is None:
            self.notify("Only replies can be regenerated: select one.", markup=False)
            return
        if not self._busy():
            await self.regenerate(view.index)

    async def regenerate(self, index: int) -> None:
        """Ask again for reply ``index`` with the current model; it and what followed are kept."""
        self.stop_editing()  # the message being edited may be below, about to be set aside
        old = self.session.messages[index]
        earlier = regenerate_at(self.session, index)
        await self.redraw_from(index)
        await self.start_reply(earlier)
        if len(self.session.messages) == index:  # not asked (too long): nothing is set aside
            put_back(self.session, old, earlier)
            await self.redraw_from(index)

    # ----------------------------------------------------------------- switch

    @on(MessageView.ChangeVersion)
    async def change_version(self, event: MessageView.ChangeVersion) -> None:
        """Show another version of a message and the conversation that followed it."""
        from app.ui.widgets import ReplyView  # loaded with the first reply

        view = event.view
        if view.index is None or self._busy():
            return
        if not view.message.alternatives:
            hint = " Ctrl+R or r makes another." if isinstance(view, ReplyView) else ""
            self.notify(f"This message has only one version.{hint}", markup=False)
            return
        index = view.index
        self.stop_editing()
        chosen = switch_branch(self.session, index, event.step)
        self.save()
        await self.redraw_from(index)
        await self.select(index)
        position, _, total = version_label(chosen).partition("/")
        who = (
            f": {one_line(chosen.model or 'unknown model', 60)}"
            if chosen.role == "assistant"
            else ""
        )
        self.notify(f"Version {position} of {total}{who}", markup=False)

    # ----------------------------------------------------------------- delete

    @on(MessageView.Delete)
    def delete_selected(self, event: MessageView.Delete) -> None:
        """Delete the selected message's turn after a confirmation."""
        from app.ui.screens._dialogs import ConfirmScreen

        view = event.view
        if view.index is None or self._busy():
            return
        turn = turn_at(self.session, view.index)
        if turn is None:
            self.notify("The system prompt is not a turn: /system alone removes it.", markup=False)
            return
        start, end = turn
        others = [
            m
            for i, m in enumerate(self.session.messages)
            if m.role != "system" and not start <= i < end
        ]
        session_id = self.session.id
        if not others:

            def delete_session(yes: bool | None) -> None:
                if yes and self.session.id == session_id:
                    self.hcchat.delete_session(session_id)

            self.app.push_screen(
                ConfirmScreen(
                    "This is the only turn of this session. Delete the whole session?\n"
                    "This cannot be undone.",
                    yes="Delete session",
                ),
                delete_session,
            )
            return

        async def purge(answer: bool | None) -> None:
            await self.delete(start, keep=not answer)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(
                    ConfirmScreen(
                        "Keep the deleted turn as a version (Left/Right on the message above "
                        "bring it back), or purge it for good?",
                        yes="Purge for good",
                        no="Keep as a version",
                    ),
                    purge,
                )

        what = "your message and its reply" if end - start > 1 else "this message"
        self.app.push_screen(ConfirmScreen(f"Delete this turn ({what})?", yes="Delete"), confirmed)

    async def delete(self, index: int, *, keep: bool) -> None:
        """Delete the turn at ``index``: kept as a version, or (``keep=False``) for good."""
        if self.streaming or index >= len(self.session.messages):
            return
        self.stop_editing()
        if not delete_turn(self.session, index, keep=keep):
            self.notify("This turn cannot be deleted.", markup=False)
            return
        self.save()
        shown_from = max(0, index - 1)
        await self.redraw_from(shown_from)
        if keep:
            self.notify(
                "Turn deleted; Left/Right on the message above brings it back.", markup=False
            )
        else:
            self.notify("Turn deleted for good.", markup=False)

    # ----------------------------------------------------------------- fork

    async def action_fork(self) -> None:
        """Copy the conversation up to the selected (or last) message into a new session."""
        if self._busy():
            return
        messages = self.session.messages
        if not any(message.role != "system" for message in messages):
            self.notify("There is nothing to fork yet.", markup=False)
            return
        selected = self.selected
        last = selected if selected is not None and selected < len(messages) else len(messages) - 1
        self.save()  # the fork names the original by its saved id
        fork = fork_at(self.session, last + 1)
        if not self.hcchat.save_session(fork):
            return
        title = one_line(self.session.title, 60) or "this session"
        await self.open(fork)
        self.notify(
            f"Forked “{title}” at message {last + 1} into a new session {fork.id}.", markup=False
        )
