"""Small modal dialogs: confirm, ask for a line of text, show help."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from app.text import display_safe


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; Enter or y confirms, Escape or n declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "dismiss(False)", "No"),
        Binding("y", "dismiss(True)", "Yes"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(display_safe(self.question)), classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(self.yes), variant="error", id="yes")
                yield Button(Content(self.no), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def answer(self, event: Button.Pressed) -> None:
        """Dismiss with the button's answer."""
        self.dismiss(event.button.id == "yes")


class OfferScreen(ModalScreen[bool]):
    """Offer to do something: Enter does it, Escape declines (the focused button is yes)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(False)", "No")]

    def __init__(self, question: str, *, yes: str, no: str = "No", hint: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.yes = yes
        self.no = no
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(display_safe(self.question)), classes="dialog-text")
            if self.hint:
                yield Static(Content(self.hint), classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(self.yes), variant="primary", id="yes")
                yield Button(Content(self.no), id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed)
    def answer(self, event: Button.Pressed) -> None:
        """Dismiss with the button's answer."""
        self.dismiss(event.button.id == "yes")


class TextPromptScreen(ModalScreen[str | None]):
    """Ask for one line of text (a title, a file name); Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(display_safe(self.question)), classes="dialog-text")
            yield Input(self.value, id="answer")
            yield Static(Content("Enter to accept · Escape to cancel"), classes="dialog-hint")

    @on(Input.Submitted)
    def accept(self, event: Input.Submitted) -> None:
        """Dismiss with the text typed."""
        self.dismiss(event.value)


class HelpScreen(ModalScreen[None]):
    """The app's keys, grouped by where they apply, then the slash commands.

    Each row is a name and a description side by side, so a description that wraps stays in
    its column.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,q", "dismiss(None)", "Close")]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__(classes="dialog-screen")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Static(Content("Help"), classes="dialog-title")
            for title, rows in self.sections:
                yield Static(Content(title), classes="help-section")
                for name, text in rows:
                    with Horizontal(classes="help-row"):
                        yield Static(Content(name), classes="help-name")
                        yield Static(Content(text), classes="help-text")
            yield Static(
                Content("Ctrl+P opens the command palette · Escape closes this"),
                classes="dialog-hint",
            )
