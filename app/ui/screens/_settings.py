"""The session settings form: system prompt, temperature, top_p, max_tokens."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from app.params import PARAMS, parse_param


@dataclass(frozen=True, slots=True)
class SessionSettings:
    """What the form returns: the system prompt and only the parameters that were set."""

    system_prompt: str | None
    params: dict[str, float | int | str]


class SettingsScreen(ModalScreen[SessionSettings | None]):
    """Edit the session's system prompt and parameters; invalid values are explained, not saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, system_prompt: str | None, params: Mapping[str, float | int | str]) -> None:
        super().__init__(classes="dialog-screen")
        self.system_prompt = system_prompt or ""
        self.params = dict(params)

    def compose(self) -> ComposeResult:
        # it scrolls: at 80x24 the form is taller than the screen, and the field that takes
        # focus is scrolled into view
        with VerticalScroll(classes="dialog settings"):
            yield Static(Content("Session settings"), classes="dialog-title")
            yield Label(Content("System prompt"))
            yield TextArea(self.system_prompt, id="system", soft_wrap=True, compact=True)
            for name, spec in PARAMS.items():
                with Horizontal(classes="setting-row"):
                    yield Label(Content(name), classes="setting-name")
                    value = self.params.get(name)
                    yield Input(
                        "" if value is None else str(value),
                        placeholder=f"default ({spec.help})",
                        id=f"param-{name}",
                    )
            yield Static(id="settings-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Save"), variant="primary", id="save")
                yield Button(Content("Cancel"), id="cancel")
            yield Static(
                Content("Empty means the server's default · Ctrl+S saves · Escape cancels"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#system", TextArea).focus()

    def action_save(self) -> None:
        """Validate every field; save only if all are valid."""
        params: dict[str, float | int | str] = {}
        errors: list[str] = []
        for name in PARAMS:
            field = self.query_one(f"#param-{name}", Input)
            raw = field.value.strip()
            field.remove_class("-invalid")
            if not raw:
                continue
            try:
                params[name] = parse_param(name, raw)
            except ValueError as error:
                field.add_class("-invalid")
                errors.append(str(error))
        message = self.query_one("#settings-error", Static)
        if errors:
            message.update(Content("\n".join(errors)))
            return
        message.update("")
        system = self.query_one("#system", TextArea).text.strip() or None
        self.dismiss(SessionSettings(system, params))

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        """Save from the button."""
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        """Close without saving."""
        self.dismiss(None)
