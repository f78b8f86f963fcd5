"""Comparing models: one prompt asked of several models at once, their replies side by side.

Each model's reply streams in its own worker into its own ``ReplyBuilder`` and ``ReplyView``,
through the same ``feed`` as a single reply; one ``ReplyGroup`` watches them all for
checkpoints. From the start every reply is a version of the message (``adopt_compare``): the
first is the active one, so a save at any moment writes each of them, and leaving without a
pick keeps the first. Picking one (``1``..``4``, or a click on its header) makes it active.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual import on

from app.endpoints import DEFAULT_ENDPOINT, UnknownEndpoint, split_choice
from app.store import (
    CANCELLED,
    Checkpoints,
    Message,
    ReplyBuilder,
    ReplyGroup,
    Session,
    adopt_compare,
    pick_version,
    put_back,
    regenerate_at,
    utc_now,
)
from app.text import one_line
from app.ui.screens._chat_tree import TreeCommands
from app.ui.widgets import CompareView, Conversation, PromptArea
from app.usage import format_cost

if TYPE_CHECKING:
    from textual.timer import Timer

    from app.api import ChatClient
    from app.ui.widgets import ReplyView

# At most this many models at once: the keys 1..4 pick among them.
MAX_MODELS = 4
USAGE = "Usage: /compare M1 M2 [M3 M4], /compare on M1 M2 [M3 M4], /compare off"


@dataclass(slots=True)
class Streaming:
    """A reply being streamed: its session, builder, view and checkpoints (and its comparison,
    when it is one of several models' replies)."""

    session: Session
    builder: ReplyBuilder
    view: ReplyView
    checkpoints: Checkpoints
    compare: CompareRun | None = None

    @property
    def watched(self) -> ReplyBuilder | ReplyGroup:
        """What its checkpoints watch: the reply, or every reply of its comparison."""
        return self.compare.group if self.compare is not None else self.builder


@dataclass(slots=True)
class CompareRun:
    """One comparison: the replies (in the order the models were named) at ``index``."""

    session: Session
    index: int
    group: ReplyGroup
    view: CompareView
    checkpoints: Checkpoints
    columns: list[Streaming] = field(default_factory=list)
    ended: bool = False

    @property
    def replies(self) -> list[Message]:
        """The replies, one per model, in order."""
        return [column.builder.message for column in self.columns]


def parse_models(words: list[str]) -> list[str]:
    """The model ids of a ``/compare`` command; a ``ValueError`` says what is wrong."""
    if not 2 <= len(words) <= MAX_MODELS:
        raise ValueError(f"Compare 2 to {MAX_MODELS} models. {USAGE}")
    return words


def column_stats(builder: ReplyBuilder) -> str:
    """A column header's text: the model, then TTFT, tok/s, tokens and cost (live while it
    streams), or how it ended."""
    message = builder.message
    model = one_line(message.model or "unknown model", 50)
    if message.served_model:
        model = f"{model} → {one_line(message.served_model, 40)}"
    if message.endpoint:
        model = f"{model} @ {one_line(message.endpoint, 30)}"
    parts = [model]
    if builder.streaming:
        if builder.first_token is None:
            parts.append(f"waiting {builder.waiting():.1f} s")
        else:
            parts.append(f"TTFT {builder.first_token - builder.started:.2f} s")
            rate = builder.rate()
            if rate is not None:
                parts.append(f"{rate:.0f} tok/s")
            parts.append(f"~{builder.deltas} tokens")
        return " · ".join(parts)
    if message.ttft is not None:
        parts.append(f"TTFT {message.ttft:.2f} s")
    if message.tokens_per_second is not None:
        parts.append(f"{message.tokens_per_second:.0f} tok/s")
    tokens = (message.usage or {}).get("completion_tokens")
    if tokens is not None:
        parts.append(f"{tokens} tokens")
    if message.cost is not None:
        parts.append(format_cost(message.cost))
    if message.error == CANCELLED:
        parts.append("cancelled")
    elif message.error:
        parts.append("incomplete" if message.content else "failed")
    return " · ".join(parts)


class CompareCommands(TreeCommands):
    """``/compare``, compare mode, the columns' streams and picking one of them."""

    compare_models: tuple[str, ...] = ()  # compare mode: every next prompt goes to these
    _compare: CompareRun | None = None

    if TYPE_CHECKING:
        saved: bool
        _streaming: Streaming | None
        _status_timer: Timer | None

        @staticmethod
        def clock() -> float: ...
        async def feed(
            self,
            active: Streaming,
            client: ChatClient,
            history: list[dict[str, object]],
            model: str,
            params: dict[str, float | int | str],
        ) -> None: ...

    @property
    def comparison(self) -> CompareRun | None:
        """The comparison on screen (streaming, or waiting for a pick), if any."""
        return self._compare

    def compare_label(self) -> str | None:
        """What the status line shows in compare mode, e.g. ``compare: a, b``."""
        return "compare: " + ", ".join(self.compare_models) if self.compare_models else None

    def compare_status(self) -> list[str]:
        """The status line's statistics while models are compared (the headers are redrawn),
        then how to pick one; none without a comparison."""
        run = self._compare
        if run is None:
            return []
        if run.ended:
            return [f"1-{len(run.columns)} picks a reply"]
        self.show_compare_stats()
        streaming = sum(column.builder.streaming for column in run.columns)
        return [f"comparing {len(run.columns)} models · {streaming} streaming"]

    # ----------------------------------------------------------------- commands

    async def slash_compare(self, argument: str) -> None:
        """``/compare M1 M2 [M3 M4]``, ``/compare on M1 M2 [M3 M4]``, ``/compare off``."""
        words = argument.split()
        if words[:1] == ["off"] and len(words) == 1:
            self.compare_models = ()
            self.update_status()
            self.notify("Compare mode off: the next replies come from one model.", markup=False)
            return
        mode = words[:1] == ["on"]
        try:
            models = parse_models(words[1:] if mode else words)
        except ValueError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if mode:
            self.compare_models = tuple(models)
            self.update_status()
            shown = ", ".join(one_line(m, 40) for m in models)
            self.notify(f"Compare mode: every next prompt goes to {shown}.", markup=False)
            return
        await self.compare_last(models)

    def action_compare(self) -> None:
        """Ask which models to compare on the last prompt (the palette's way to /compare)."""
        from app.ui.screens._dialogs import TextPromptScreen

        async def chosen(text: str | None) -> None:
            if text and text.strip():
                await self.slash_compare(text)

        default = " ".join(self.compare_models or (self.session.model,))
        self.app.push_screen(
            TextPromptScreen(f"Models to compare (2 to {MAX_MODELS}, spaces between)", default),
            chosen,
        )

    async def answer(self) -> None:
        """Ask for the reply to the last prompt: of one model, or of each in compare mode."""
        if self.compare_models:
            await self.start_compare(list(self.compare_models))
        else:
            await self.start_reply()

    async def compare_last(self, models: list[str]) -> None:
        """Ask the last prompt again of every model in ``models``; the reply there is kept."""
        if self._busy():
            return
        messages = self.session.messages
        if not messages or messages[-1].role not in ("user", "assistant"):
            self.notify("There is no prompt to compare yet: send one first.", markup=False)
            return
        if messages[-1].role == "user":
            await self.start_compare(models)
            return
        index = len(messages) - 1
        old = messages[index]
        earlier = regenerate_at(self.session, index)
        await self.redraw_from(index)
        await self.start_compare(models, earlier)
        if len(self.session.messages) == index:  # not asked (too long): nothing is set aside
            put_back(self.session, old, earlier)
            await self.redraw_from(index)

    # ----------------------------------------------------------------- streaming

    async def start_compare(self, models: list[str], earlier: list[Message] | None = None) -> None:
        """Mount a column per model and stream every reply at once."""
        from app.store import AttachmentError
        from app.usage import overflow_message

        session = self.session
        for model in dict.fromkeys(models):
            too_long = overflow_message(session, self.hcchat.context_length(model))
            if too_long is not None:
                self.notify(f"{one_line(model, 60)}: {too_long}", severity="error", markup=False)
                return
        try:
            history = session.api_messages(self.hcchat.store.attachment_data)
            # ENDPOINT::MODEL asks a model of another endpoint than the session's
            chosen = [split_choice(model) for model in models]
            names = [name or session.endpoint or DEFAULT_ENDPOINT for name, _ in chosen]
            clients = [self.hcchat.client_for(name) for name in names]
        except (AttachmentError, UnknownEndpoint) as error:
            self.notify(f"Not sent: {str(error).rstrip('.')}.", severity="error", markup=False)
            return
        now = utc_now()
        endpoints = [None if name == DEFAULT_ENDPOINT else name for name in names]
        replies = [
            Message("assistant", "", now, model=model, endpoint=endpoint)
            for (_, model), endpoint in zip(chosen, endpoints, strict=True)
        ]
        builders = [ReplyBuilder(reply, clock=self.clock) for reply in replies]
        session.messages.append(adopt_compare(replies, earlier or []))
        index = len(session.messages) - 1
        view = CompareView(replies, index=index)
        run = CompareRun(session, index, ReplyGroup(builders), view, Checkpoints())
        for column, builder in zip(view.columns, builders, strict=True):
            run.columns.append(Streaming(session, builder, column.reply, run.checkpoints, run))
        conversation = self.query_one(Conversation)
        await conversation.mount(view)
        conversation.anchor()
        keys = self.hcchat.settings.keys
        picks = (keys.get(f"compare.pick{n}", str(n)) for n in range(1, MAX_MODELS + 1))
        self.query_one(PromptArea).free_keys = frozenset(k for ks in picks for k in ks.split(","))
        self._compare = run
        self.streaming = True
        self.show_compare_stats()
        params = dict(session.params)
        for active, client in zip(run.columns, clients, strict=True):
            model = active.builder.message.model or session.model
            feeding = self.feed(active, client, history, model, params)
            self.run_worker(feeding, group="compare", exit_on_error=False)

    async def column_finished(self, active: Streaming) -> None:
        """A column's stream is over: show the end of its reply, then settle it."""
        active.builder.end()
        try:
            if active.view.is_attached:
                await active.view.finish()  # on screen first: the save can wait for it
        finally:
            self.column_ended(active)

    def column_ended(self, active: Streaming) -> None:
        """A column's reply is settled; when it is the last, save the session and say what's
        next."""
        run = active.compare
        assert run is not None
        active.builder.end()
        self.show_compare_stats()
        if run.ended or run.group.streaming:
            return
        run.ended = True
        run.session.touch()
        self.saved = self.hcchat.save_session(run.session)
        if self._streaming is None and self._compare in (run, None):
            self.streaming = False
        if self._compare is run:
            self._tell_compared(run)

    def _tell_compared(self, run: CompareRun) -> None:
        replies = run.replies
        if all(reply.error == CANCELLED for reply in replies):
            self.notify(
                "Compare cancelled; what arrived of each reply is kept. 1-"
                f"{len(replies)} keeps one.",
                markup=False,
            )
            return
        for number, reply in enumerate(replies, 1):
            if reply.error and reply.error != CANCELLED:
                model = one_line(reply.model or "", 60)
                self.notify(f"{number} ({model}): {reply.error}", severity="error", markup=False)
        self.notify(
            f"Press 1-{len(replies)} (in an empty prompt) or click a header to keep a reply; "
            "the others stay versions (the first is kept if you go on).",
            markup=False,
            timeout=8,
        )

    def show_compare_stats(self) -> None:
        """Redraw each column's header from its builder."""
        run = self._compare
        if run is None:
            return
        for active, column in zip(run.columns, run.view.columns, strict=True):
            column.show_stats(column_stats(active.builder))

    def stop_compare(self, reason: str, *, settle: bool) -> None:
        """Stop every column that streams, each keeping what arrived with ``reason``.

        ``settle``: end the replies and save now (the app is closing), not when the workers end.
        """
        run = self._compare
        if run is None or run.ended:
            return
        for column in run.columns:
            column.builder.fail(reason, cancelled=True)
        if settle:
            for column in run.columns:
                column.builder.end()
            run.ended = True
            run.session.touch()
            self.saved = self.hcchat.save_session(run.session)
        self.workers.cancel_group(self, "compare")

    # ----------------------------------------------------------------- picking

    def can_pick(self) -> bool:
        """Whether ``1``..``4`` pick now: a comparison is shown, and the prompt has no text
        (in a prompt with text the digits are text)."""
        prompt = self.query_one(PromptArea)
        return self._compare is not None and (not prompt.has_focus or not prompt.text)

    async def action_pick(self, number: int) -> None:
        """Keep compared reply ``number`` (from 1) as the reply; the others stay versions."""
        run = self._compare
        if run is None:
            return
        if not run.ended:
            self.notify("Wait for the replies to finish, or press Escape first.", markup=False)
            return
        replies = run.replies
        if not 1 <= number <= len(replies):
            self.notify(f"There are {len(replies)} replies: press 1-{len(replies)}.", markup=False)
            return
        chosen = replies[number - 1]
        pick_version(run.session, run.index, chosen)
        self.save()
        await self.redraw_from(run.index)
        self.query_one(PromptArea).focus()
        model = one_line(chosen.model or "unknown model", 60)
        self.notify(
            f"Kept reply {number} ({model}); the others are its versions (Left/Right on it).",
            markup=False,
        )

    @on(CompareView.Picked)
    async def picked(self, event: CompareView.Picked) -> None:
        """A column header was clicked."""
        await self.action_pick(event.number)

    async def leave_compare(self) -> None:
        """Go on without a pick: the first reply stays, shown as a single reply."""
        run = self._compare
        if run is not None and run.ended:
            await self.redraw_from(run.index)

    async def redraw_from(self, index: int) -> None:
        """Show the messages again from ``index`` on; a comparison there gives way to its reply."""
        run = self._compare
        if run is not None and run.index >= index:
            self._compare = None
            if run.view.is_attached:
                await run.view.remove()
        await super().redraw_from(index)
