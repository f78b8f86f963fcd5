"""What the chat screen does for its commands: slash commands, key actions, message actions.

Each command of the registry (``app.commands``) is an ``action_<name>`` here (its key and the
palette run it) and, if it has a slash name, a ``slash_<name>(argument)`` (what typing it runs;
without one, the slash command runs the action).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on
from textual.screen import Screen

from app.commands import SLASH
from app.params import PARAMS, parse_param
from app.store import Message, Session, utc_now
from app.text import code_blocks, one_line
from app.ui._bindings import help_sections
from app.ui.markdown import MarkdownChunk
from app.ui.widgets import Conversation, MessageView, PromptArea, ReplyView, UserMessage
from app.ui.widgets._sleep import fit_gaps

if TYPE_CHECKING:
    from app.ui._app import HCChatApp


@dataclass(frozen=True, slots=True)
class SlashCommand:
    """A parsed slash command: its name and the rest of the line."""

    name: str
    argument: str


class CommandError(ValueError):
    """A slash command that cannot be run as typed; the message says why."""


def parse_command(text: str) -> SlashCommand | None:
    """Parse ``/name argument``; None when ``text`` is not a command (does not start with '/')."""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    name, _, argument = stripped[1:].partition(" ")
    name = name.lower()
    if name not in SLASH:
        raise CommandError(f"Unknown command /{one_line(name, 40)}. Type /help for the list.")
    return SlashCommand(name, argument.strip())


class ChatCommands(Screen[None]):
    """The commands of the chat screen (``ChatScreen`` adds the conversation and streaming)."""

    editing: int | None = None  # the index of the message being edited

    if TYPE_CHECKING:
        session: Session
        streaming: bool

        async def start_reply(self, alternatives: list[Message] | None = None) -> None: ...
        async def show_session(self) -> None: ...
        def save(self) -> bool: ...
        def update_status(self) -> None: ...
        def overflow(self, extra: str = "") -> str | None: ...
        def action_cancel(self) -> None: ...

    @property
    def hcchat(self) -> HCChatApp:
        """The app, typed."""
        return cast("HCChatApp", self.app)

    async def run_slash(self, name: str, argument: str) -> None:
        """Run the slash command ``name`` typed with ``argument``."""
        handler = getattr(self, f"slash_{name}", None)
        if handler is not None:
            await handler(argument)
        else:
            await self.run_action(SLASH[name].action)

    # ----------------------------------------------------------------- sessions

    async def action_new_session(self) -> None:
        """Start a new, empty session with the current model and settings."""
        self.action_cancel()
        self.session = self.hcchat.new_session(model=self.session.model)
        await self.show_session()

    def action_sessions(self) -> None:
        """Open the session browser."""
        self.hcchat.open_session_browser()

    def action_rename(self) -> None:
        """Ask for a new title for this session."""
        from app.ui.screens._dialogs import TextPromptScreen

        def chosen(title: str | None) -> None:
            if title and title.strip():
                self.rename(title)

        self.app.push_screen(TextPromptScreen("New title", self.session.title), chosen)

    async def slash_rename(self, argument: str) -> None:
        """``/rename TITLE``."""
        if not argument:
            self.notify("Usage: /rename TITLE", severity="error", markup=False)
            return
        self.rename(argument)

    def rename(self, title: str) -> None:
        """Give the session a title of the user's choosing."""
        title = one_line(title, 200)
        if not title:
            self.notify("Usage: /rename TITLE", severity="error", markup=False)
            return
        self.session.title = title
        self.session.title_locked = True
        self.save()
        self.update_status()

    def action_export(self) -> None:
        """Ask where to export this session."""
        if self.save():
            self.hcchat.ask_export(self.session.id)

    async def slash_export(self, argument: str) -> None:
        """``/export [md|json]``: into the current folder."""
        self.hcchat.export_session(self.session, argument or "md")

    # ----------------------------------------------------------------- model and settings

    def action_pick_model(self) -> None:
        """Open the model picker."""
        from app.ui.screens._model_picker import ModelPicker

        def chosen(model: str | None) -> None:
            if model:
                self.switch_model(model)

        self.app.push_screen(ModelPicker(self.session.model), chosen)

    async def slash_model(self, argument: str) -> None:
        """``/model [ID]``."""
        if argument:
            self.switch_model(argument)
        else:
            self.action_pick_model()

    def switch_model(self, model: str) -> None:
        """Use ``model`` for the next replies; the conversation is kept."""
        model = model.strip()
        if not model or any(c.isspace() for c in model):
            self.notify(f"Not a model id: {one_line(model, 80)!r}", severity="error", markup=False)
            return
        self.session.model = model
        if self.session.messages:
            self.save()
        self.update_status()
        self.notify(f"Next replies come from {one_line(model, 80)}.", markup=False)
        too_long = self.overflow()
        if too_long is not None:
            self.notify(
                "The conversation does not fit this model's context. " + too_long.split("; ")[0],
                severity="warning",
                timeout=15,
                markup=False,
            )

    def action_settings(self) -> None:
        """Open the session settings form."""
        from app.ui.screens._settings import SessionSettings, SettingsScreen

        def done(result: SessionSettings | None) -> None:
            if result is not None:
                self.apply_settings(result.system_prompt, result.params)

        self.app.push_screen(SettingsScreen(self.session.system_prompt, self.session.params), done)

    async def slash_system(self, argument: str) -> None:
        """``/system TEXT`` (alone: remove the system prompt)."""
        self.apply_settings(argument or None, self.session.params)

    async def slash_set(self, argument: str) -> None:
        """``/set NAME VALUE``."""
        name, _, raw = argument.partition(" ")
        raw = raw.strip()
        try:
            if not name or not raw:
                raise ValueError(f"Usage: /set {'|'.join(PARAMS)} VALUE")
            params = dict(self.session.params)
            spec = PARAMS.get(name)
            # "none" unsets a number, but is a value of reasoning_effort (reasoning off)
            if raw.lower() in ("default", "unset") or (
                raw.lower() == "none" and (spec is None or "none" not in spec.choices)
            ):
                if name not in PARAMS:
                    known = ", ".join(PARAMS)
                    raise ValueError(
                        f"Unknown setting '{one_line(name, 40)}'. Settings are: {known}."
                    )
                params.pop(name, None)
            else:
                params[name] = parse_param(name, raw)
        except ValueError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.apply_settings(self.session.system_prompt, params)

    def apply_settings(
        self, system_prompt: str | None, params: dict[str, float | int | str]
    ) -> None:
        """Set the system prompt and parameters, show them, and save."""
        had_system = self.session.system_prompt is not None
        self.session.set_system_prompt(system_prompt)
        self.session.params = dict(params)
        if any(m.role != "system" for m in self.session.messages):
            self.save()
        if had_system or system_prompt:
            self.call_later(self.show_session)
        shown = ", ".join(f"{k} = {v}" for k, v in params.items()) or "defaults"
        self.notify(f"Settings: {shown}.", markup=False)

    # ----------------------------------------------------------------- replies

    async def action_retry(self) -> None:
        """Retry a failed reply, or regenerate the last reply (the old one is kept as a version)."""
        if self.streaming:
            self.notify("Wait for the reply to finish, or press Escape first.", markup=False)
            return
        messages = self.session.messages
        if not messages or messages[-1].role != "assistant":
            if messages and messages[-1].role == "user":
                await self.start_reply()
                return
            self.notify("There is no reply to retry yet.", markup=False)
            return
        old = messages.pop()
        conversation = self.query_one(Conversation)
        views = conversation.query(ReplyView)
        if views:
            await views.last().remove()
            await fit_gaps(conversation)  # it may have been asleep, part of a gap
        if old.failed_empty:
            await self.start_reply(old.alternatives)
        else:
            earlier, old.alternatives = old.alternatives, []
            await self.start_reply([*earlier, old])

    def action_copy_reply(self) -> None:
        """Copy the last reply to the clipboard."""
        reply = next((m for m in reversed(self.session.messages) if m.role == "assistant"), None)
        if reply is None or not reply.content:
            self.notify("There is no reply to copy yet.", markup=False)
            return
        self.app.copy_to_clipboard(reply.content)
        self.notify(f"Copied the last reply ({len(reply.content)} characters).", markup=False)

    def action_help(self) -> None:
        """Show the slash commands and keys."""
        from app.ui.screens._dialogs import HelpScreen

        keys = self.hcchat.settings.keys
        display = {
            key: self.app.get_key_display(binding)
            for _, binding, _, _ in self.active_bindings.values()
            for key in binding.key.split(",")
        }
        self.app.push_screen(HelpScreen(help_sections(keys, display)))

    # ----------------------------------------------------------------- selected messages

    async def action_select_message(self) -> None:
        """Focus the last message, to copy it, change its version or edit it."""
        views = self.query(MessageView)
        if views:
            await views.last().show()

    @on(MessageView.Copy)
    def copy_message(self, event: MessageView.Copy) -> None:
        """Copy a message's text."""
        content = event.view.message.content
        self.app.copy_to_clipboard(content)
        self.notify(f"Copied the message ({len(content)} characters).", markup=False)

    @on(MessageView.CopyCode)
    def copy_code_block(self, event: MessageView.CopyCode) -> None:
        """Copy the message's next code block (each press moves to the following one)."""
        view = event.view
        blocks = code_blocks(view.message.content)
        if not blocks:
            self.notify("This message has no code block.", markup=False)
            return
        number = (view.code_cursor + 1) % len(blocks)
        view.code_cursor = number
        self.app.copy_to_clipboard(blocks[number])
        self.notify(f"Copied code block {number + 1} of {len(blocks)}.", markup=False)

    @on(MessageView.ChangeVersion)
    async def change_version(self, event: MessageView.ChangeVersion) -> None:
        """Show an older or newer version of a reply; the one shown is what history sends."""
        view = event.view
        if not isinstance(view, ReplyView):
            self.notify("Only replies have versions here.", markup=False)
            return
        if self.streaming:
            self.notify("Wait for the reply to finish first.", markup=False)
            return
        current = view.message
        if not current.alternatives or view.index is None:
            self.notify("This reply has only one version. Ctrl+R makes another.", markup=False)
            return
        versions = [*current.alternatives, current]
        versions.sort(key=lambda m: m.created.timestamp() if m.created else 0.0)
        chosen = versions[(versions.index(current) + event.step) % len(versions)]
        chosen.alternatives = [m for m in versions if m is not chosen]
        current.alternatives = []
        self.session.messages[view.index] = chosen
        await view.show_message(chosen)
        position = versions.index(chosen) + 1
        model = one_line(chosen.model or "unknown model", 60)
        self.notify(f"Version {position} of {len(versions)}: {model}", markup=False)
        self.save()

    @on(MessageView.Leave)
    def leave_message(self) -> None:
        """Back to the prompt."""
        self.query_one(PromptArea).focus()

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
        """Load the last user message into the prompt; Enter resends it, Escape gives up."""
        last_user = max(
            (i for i, m in enumerate(self.session.messages) if m.role == "user"), default=None
        )
        if view.index is None or view.index != last_user or self.streaming:
            self.notify("Only your last message can be edited.", markup=False)
            return
        self.editing = view.index
        prompt = self.query_one(PromptArea)
        prompt.load_text(view.message.content)
        prompt.move_cursor(prompt.document.end)  # to carry on typing, as after one's own text
        prompt.focus()
        self.refresh_bindings()
        self.notify("Editing your last message: Enter resends it, Escape cancels.", markup=False)

    def stop_editing(self) -> None:
        """Give up an edit in progress, if any: the prompt is emptied, nothing changes."""
        if self.editing is not None:
            self.editing = None
            self.query_one(PromptArea).clear()
            self.notify("Edit cancelled; nothing was changed.", markup=False)

    async def resend_edited(self, index: int, text: str) -> None:
        """Replace the last user message with ``text`` and ask again; old versions are kept."""
        self.editing = None
        messages = self.session.messages
        user = messages[index]
        user.alternatives.append(Message("user", user.content, created=user.created))
        user.content = text
        user.created = utc_now()
        earlier: list[Message] = []
        if index + 1 < len(messages) and messages[index + 1].role == "assistant":
            old = messages.pop(index + 1)
            earlier = old.alternatives if old.failed_empty else [*old.alternatives, old]
            old.alternatives = []
        del messages[index + 1 :]
        self.save()
        await self.show_session()
        await self.start_reply(earlier)

    def on_markdown_chunk_link_clicked(self, event: MarkdownChunk.LinkClicked) -> None:
        """Open a link from a reply only after the user confirms it."""
        event.stop()
        from app.ui.screens._dialogs import ConfirmScreen

        href = event.href

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.open_url(href)

        self.app.push_screen(ConfirmScreen(f"Open this link in your browser?\n\n{href}"), answer)
