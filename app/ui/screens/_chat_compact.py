"""``/compact``: the current model summarises the earlier turns, and the summary is sent
instead of them from then on (the turns stay on screen, marked, and in the file)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from app.endpoints import DEFAULT_ENDPOINT, UnknownEndpoint, choice_text
from app.text import one_line
from app.ui.screens._chat_commands import ChatCommands

if TYPE_CHECKING:
    from app.api import ChatClient


class CompactCommands(ChatCommands):
    """The ``compact`` action: ask for a summary, put it in the session, show and save it."""

    compacting = False  # a summary is being written

    def action_compact(self) -> None:
        """Ask the current model for a summary of the earlier turns."""
        from app.store import NothingToCompact, compaction_end  # on first use, not at start-up

        if self.streaming or self.compacting:
            self.notify("Wait for the reply (or press Escape) before /compact.", markup=False)
            return
        session = self.session
        try:
            end = compaction_end(session, self.hcchat.context_length(session.model))
            client = self.hcchat.client_for(session.endpoint or DEFAULT_ENDPOINT)
        except (NothingToCompact, UnknownEndpoint) as error:
            self.notify(str(error), severity="error", markup=False)
            return
        count = sum(m.role != "system" for m in session.messages[:end])
        shown = one_line(choice_text(session.endpoint, session.model), 80)
        self.notify(f"Asking {shown} for a summary of {count} earlier messages…", markup=False)
        self.compacting = True
        self._compact(client, end)

    @work(exclusive=True, group="compact", exit_on_error=False)
    async def _compact(self, client: ChatClient, end: int) -> None:
        from app.api import APIError, redact
        from app.store import add_summary, compaction_request

        session, model = self.session, self.session.model
        secrets = self.hcchat.settings.secrets()
        try:
            request = compaction_request(session, end)
            completion = await client.complete(model, request, dict(session.params))
        except APIError as error:
            text = redact(str(error), None, others=secrets).rstrip(".")
            self.notify(f"Not compacted: {text}.", severity="error", markup=False, timeout=12)
            return
        finally:
            self.compacting = False
        summary = completion.content.strip()
        if not summary:
            self.notify("Not compacted: the model sent an empty summary.", severity="error")
            return
        if self.session is not session:  # another session was opened meanwhile
            return
        usage = completion.usage.as_dict() if completion.usage is not None else None
        add_summary(session, end, summary, model=model, endpoint=session.endpoint, usage=usage)
        self.save()
        await self.show_session()
        self.notify(
            f"Compacted {sum(m.role != 'system' for m in session.messages[:end])} messages: "
            "the summary is sent instead of them from now on (they stay in the file).",
            markup=False,
        )
