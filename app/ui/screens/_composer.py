"""What the chat screen does to compose a prompt: history, ``$EDITOR``, roles, attachments.

``ComposerCommands`` sits between ``ChatCommands`` and ``ChatScreen``: each command of the
registry here is an ``action_<name>`` (its key and the palette) and, for a slash name, a
``slash_<name>(argument)``.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.content import Content
from textual.widgets import Static

from app.roles import Role, UnknownRole, apply_role, find_role
from app.store import Attachment
from app.text import one_line
from app.ui.screens._chat_commands import ChatCommands
from app.ui.widgets import PromptArea

if TYPE_CHECKING:
    from app.ui.widgets._image import PictureSource


# the text before a path that Tab completes
_ATTACH = re.compile(r"\s*/attach\s+", re.IGNORECASE)


class ComposerCommands(ChatCommands):
    """Prompt history and its search, composing in an external editor, roles, attachments."""

    # the files /attach checked, with their bytes: they go with the next message
    pending: list[tuple[Attachment, bytes]]

    def __init__(self) -> None:
        super().__init__()
        self.pending = []

    @on(events.Mount)
    def _give_prompt_completer(self) -> None:
        self.query_one(PromptArea).completer = self.complete_prompt

    # ----------------------------------------------------------------- history

    @on(PromptArea.HistoryWanted)
    def load_history(self) -> None:
        """Read the prompts of every session, off the event loop, and give them to the prompt."""
        self._read_history(None)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _read_history(self, then: Callable[[], None] | None) -> None:
        try:
            prompts = self.hcchat.store.prompts()
        except OSError:
            prompts = []
        self.app.call_from_thread(self._history_read, prompts, then)

    def _history_read(self, prompts: list[str], then: Callable[[], None] | None) -> None:
        self.query_one(PromptArea).set_history(prompts)
        if then is not None:
            then()

    def action_search_history(self) -> None:
        """Search the prompts of every session as you type; the one picked fills the prompt."""
        prompt = self.query_one(PromptArea)
        if prompt.prompt_history is None:
            self._read_history(self.action_search_history)
            return
        from app.ui.screens._list_picker import ListPicker

        history = list(prompt.prompt_history)

        def chosen(index: int | None) -> None:
            if index is not None:
                prompt.use_text(history[index])
            prompt.focus()

        picker = ListPicker("Earlier prompts", history, empty="No earlier prompts yet.")
        self.app.push_screen(picker, chosen)

    # ----------------------------------------------------------------- $EDITOR

    def action_editor(self) -> None:
        """Compose the prompt in ``$VISUAL`` or ``$EDITOR``; saving and quitting puts it back."""
        prompt = self.query_one(PromptArea)
        edited = self.run_editor(prompt.text)
        if edited is not None:
            prompt.use_text(edited)
        prompt.focus()

    def run_editor(self, text: str) -> str | None:
        """``text`` as the editor left it, or None (and a message) if the editor failed.

        The app is suspended while the editor runs; headless (tests) there is no terminal to
        hand over, so the editor runs as it is.
        """
        from app.store import EditorError, edit_text, editor_command

        around = contextlib.nullcontext if self.app.is_headless else self.app.suspend
        try:
            return edit_text(text, editor_command(), around)
        except EditorError as error:
            self.notify(str(error), severity="error", markup=False, timeout=8)
        except Exception as error:  # e.g. SuspendNotSupported: the prompt stays as it was
            self.notify(f"Could not open the editor: {error}", severity="error", markup=False)
        return None

    # ----------------------------------------------------------------- roles

    def action_pick_role(self) -> None:
        """Pick a role of the config's ``[roles]`` from a list."""
        roles = self.hcchat.settings.roles
        if not roles:
            self.notify(
                "No roles yet: add [roles.NAME] tables (system_prompt, model, parameters) "
                "to the config file.",
                markup=False,
            )
            return
        from app.ui.screens._list_picker import ListPicker

        names = sorted(roles)
        labels = [_role_label(roles[name]) for name in names]

        def chosen(index: int | None) -> None:
            if index is not None:
                self.switch_role(roles[names[index]])

        self.app.push_screen(ListPicker("Switch role", labels), chosen)

    async def slash_role(self, argument: str) -> None:
        """``/role [NAME]``."""
        if not argument:
            self.action_pick_role()
            return
        try:
            role = find_role(self.hcchat.settings.roles, argument)
        except UnknownRole as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.switch_role(role)

    def switch_role(self, role: Role) -> None:
        """Use ``role`` for this session's next replies, and for new sessions."""
        self.hcchat.role = role
        had_system = self.session.system_prompt is not None
        apply_role(self.session, role)
        if any(m.role != "system" for m in self.session.messages):
            self.save()
        if had_system or role.system_prompt:
            self.call_later(self.show_session)
        self.update_status()
        self.notify(f"Role {one_line(role.name, 40)}: model {self.session.model}.", markup=False)

    # ----------------------------------------------------------------- attachments

    def action_attach(self) -> None:
        """Ask for the paths of files to send with the next message."""
        from app.ui.screens._dialogs import TextPromptScreen

        def chosen(paths: str | None) -> None:
            if paths and paths.strip():
                self.attach(paths)

        self.app.push_screen(TextPromptScreen("Attach files (paths)", ""), chosen)

    async def slash_attach(self, argument: str) -> None:
        """``/attach PATH...``; a refusal puts the command back in the prompt to fix."""
        if not argument:
            self.notify("Usage: /attach PATH...", severity="error", markup=False)
            return
        if not self.attach(argument):
            self.query_one(PromptArea).use_text(f"/attach {argument}")

    def complete_prompt(self, before: str) -> str | None:
        """Tab in the prompt: complete the path ``/attach`` is given (``before``: the text up
        to the cursor); None where there is nothing to complete, so Tab moves the focus."""
        found = _ATTACH.match(before)
        if found is None or "\n" in before:
            return None
        from app.store import complete_paths

        command, argument = before[: found.end()], before[found.end() :]
        done = complete_paths(argument)
        if done is None:
            self.notify("No file or folder matches.", markup=False, timeout=3)
            return before
        if done.candidates:
            shown = "  ".join(one_line(name, 60) for name in done.candidates[:40])
            more = len(done.candidates) - 40
            extra = f"  … and {more} more" if more > 0 else ""
            self.notify(shown + extra, title="Matches", markup=False, timeout=8)
        return command + done.text

    @on(PromptArea.Pasted)
    def offer_pasted_files(self, event: PromptArea.Pasted) -> None:
        """A paste that is nothing but the paths of existing files (a dropped file) is
        offered as attachments: Enter attaches them (the pasted text goes), Escape keeps it.

        Typed text is never looked at, nor a paste into a slash command (``/attach`` takes
        the path as text) or one with anything besides the paths.
        """
        from app.store import pasted_paths

        before = event.prompt.get_text_range((0, 0), event.start)
        if before.lstrip().startswith("/"):
            return
        paths = pasted_paths(event.text)
        if not paths:
            return
        from app.ui.screens._dialogs import OfferScreen

        names = ", ".join(one_line(path.name, 40) for path in paths[:3])
        if len(paths) > 3:
            names += f" and {len(paths) - 3} more"

        def answered(attach: bool | None) -> None:
            prompt = self.query_one(PromptArea)
            if attach and self.attach_paths([str(path) for path in paths]):
                prompt.take_back(event)
            prompt.focus()

        question = f"Attach {names}?"
        self.app.push_screen(
            OfferScreen(question, yes="Attach", hint="Enter: attach · Esc: keep as text"), answered
        )

    def attach(self, argument: str) -> bool:
        """Check every file ``argument`` names and add them all to the next message, or none."""
        return self.attach_paths(split_paths(argument))

    def attach_paths(self, paths: list[str]) -> bool:
        """Check every file of ``paths`` and add them all to the next message, or none."""
        from app.store import AttachmentError, read_attachment

        try:
            read = [read_attachment(path) for path in paths]
        except AttachmentError as error:
            self.notify(f"Not attached: {error}.", severity="error", markup=False, timeout=8)
            return False
        self.pending.extend(read)
        self.show_attachments()
        names = ", ".join(one_line(attachment.name, 40) for attachment, _ in read)
        self.notify(f"Attached {names}: they go with your next message.", markup=False)
        return True

    def action_detach(self) -> None:
        """Remove the files waiting to go with the next message (the prompt's text stays)."""
        if not self.pending:
            self.notify("No files are waiting to be sent.", markup=False)
            return
        names = ", ".join(one_line(attachment.name, 40) for attachment, _ in self.pending)
        self.pending = []
        self.show_attachments()
        self.notify(f"Removed {names}: they will not be sent.", markup=False)

    @cached_property
    def pictures(self) -> PictureSource | None:
        """How messages show their images as pictures; None (chips only) where the terminal
        cannot, and always headless (tests: no terminal, so every run looks the same)."""
        from app.ui.widgets._image import PictureSource, image_kind

        kind = None if self.app.is_headless else image_kind()
        return None if kind is None else PictureSource(kind, self.hcchat.store.attachment_data)

    def show_attachments(self) -> None:
        """Show the files that go with the next message as chips above the prompt."""
        chips = ""
        if self.pending:  # none when the screen opens: the attachments module loads later
            from app.store import describe_attachment

            chips = "  ".join(f"[{describe_attachment(a)}]" for a, _ in self.pending)
        line = self.query_one("#attachments", Static)
        line.update(Content(f"Attached: {chips}" if chips else ""))
        line.display = bool(chips)

    def refuse_images(self, attachments: Iterable[Attachment]) -> bool:
        """Say so and return True if the model's listing says it takes none of these images."""
        from app.store import image_refusal

        model = self.session.model
        why = image_refusal(model, self.hcchat.takes_images(model), attachments)
        if why is not None:
            self.notify(f"Not sent: {why}.", severity="error", markup=False, timeout=12)
        return why is not None

    def keep_attachments(self) -> bool:
        """Check the pending files can go to the model and keep their bytes beside the
        sessions; False (and a message: nothing is sent, the prompt and files stay) if not."""
        earlier = (a for m in self.session.sent_messages() for a in m.attachments)
        if self.refuse_images([*earlier, *(a for a, _ in self.pending)]):
            return False
        for attachment, data in self.pending:
            try:
                self.hcchat.store.keep_attachment(attachment, data)
            except OSError as error:
                reason = error.strerror or str(error)
                self.notify(
                    f"Not sent: cannot keep {attachment.name}: {reason}.",
                    severity="error",
                    markup=False,
                )
                return False
        return True

    def take_attachments(self) -> list[Attachment]:
        """The pending files, for the message being sent; none are pending afterwards."""
        taken = [attachment for attachment, _ in self.pending]
        self.pending = []
        self.show_attachments()
        return taken


def split_paths(argument: str) -> list[str]:
    """The paths of ``/attach``: the whole argument if it names a file, else shell-like words.

    So ``/attach My Notes.txt`` works unquoted, and ``"a b.txt" c.png`` or ``a\\ b.txt`` too.
    """
    if Path(argument.strip()).expanduser().exists():
        return [argument.strip()]
    try:
        return shlex.split(argument)
    except ValueError:
        return [argument.strip()]


def _role_label(role: Role) -> str:
    """How the role picker shows a role: its name, model and the start of its prompt."""
    parts = [role.name]
    if role.model:
        parts.append(f"({role.model})")
    if role.system_prompt:
        parts.append(f"— {role.system_prompt}")
    return " ".join(parts)
