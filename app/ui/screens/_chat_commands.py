"""What the chat screen does for its commands: slash commands, key actions, message actions.

Each command of the registry (``app.commands``) is an ``action_<name>`` here or, for the
conversation tree (edit, regenerate, versions, delete, fork), in ``_chat_tree`` (its key and the
palette run it) and, if it has a slash name, a ``slash_<name>(argument)`` (what typing it runs;
without one, the slash command runs the action).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on
from textual.screen import Screen

from app.commands import SLASH
from app.endpoints import DEFAULT_ENDPOINT, UnknownEndpoint, choice_text, split_choice
from app.params import PARAMS, parse_param
from app.store import Message, Session, tool_call_lines
from app.text import code_blocks, one_line
from app.ui._bindings import help_sections
from app.ui.widgets import MessageView, PromptArea

if TYPE_CHECKING:
    from app.ui._app import HCChatApp
    from app.ui.markdown import MarkdownChunk


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

    if TYPE_CHECKING:
        session: Session
        streaming: bool
        _first_mounted: int

        async def mount_earlier(self) -> None: ...
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
        old = self.session
        self.session = self.hcchat.new_session(model=old.model, endpoint=old.endpoint)
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

        current = self.session.endpoint or DEFAULT_ENDPOINT
        self.app.push_screen(ModelPicker(self.session.model, current), chosen)

    async def slash_model(self, argument: str) -> None:
        """``/model [ID]``, ``/model ENDPOINT::ID`` for a model of another endpoint."""
        if argument:
            self.switch_model(argument)
        else:
            self.action_pick_model()

    def switch_model(self, choice: str) -> None:
        """Use a model (``ID``, or ``ENDPOINT::ID`` on another endpoint) for the next replies;
        the conversation is kept."""
        name, model = split_choice(choice)
        if not model or any(c.isspace() for c in model):
            self.notify(f"Not a model id: {one_line(model, 80)!r}", severity="error", markup=False)
            return
        try:
            endpoint = self.hcchat.endpoints.get(name or self.session.endpoint).name
        except UnknownEndpoint as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.session.model = model
        self.session.endpoint = None if endpoint == DEFAULT_ENDPOINT else endpoint
        if self.session.messages:
            self.save()
        self.update_status()
        shown = one_line(choice_text(endpoint, model), 80)
        self.notify(f"Next replies come from {shown}.", markup=False)
        self.hcchat.learn_contexts(endpoint)
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
        """Copy a message's text (a reply's tool calls too, one line each)."""
        message = event.view.message
        calls = tool_call_lines(message.tool_calls)[:-1]  # without the "not run" note
        content = "\n\n".join(part for part in (message.content, "\n".join(calls)) if part)
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

    @on(MessageView.Leave)
    def leave_message(self) -> None:
        """Back to the prompt."""
        self.query_one(PromptArea).focus()

    def on_markdown_chunk_link_clicked(self, event: MarkdownChunk.LinkClicked) -> None:
        """Open a link from a reply only after the user confirms it."""
        event.stop()
        from app.ui.screens._dialogs import ConfirmScreen

        href = event.href

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.open_url(href)

        self.app.push_screen(ConfirmScreen(f"Open this link in your browser?\n\n{href}"), answer)
