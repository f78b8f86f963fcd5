"""The model picker: a filterable list of the endpoint's models."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from app.api import ModelInfo
from app.text import display_safe, one_line

if TYPE_CHECKING:
    from app.ui._app import HCChatApp


class ModelPicker(ModalScreen[str | None]):
    """Pick the model for the next replies; type to filter, Enter to choose, Escape to close.

    If the typed text matches no model, Enter uses it as a model id as typed.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, current: str) -> None:
        super().__init__(classes="dialog-screen")
        self.current = current
        self.models: list[ModelInfo] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Static(Content("Switch model"), classes="dialog-title")
            yield Input(placeholder="Type to filter, or a model id", id="filter")
            yield OptionList(id="models", markup=False)
            yield Static(Content("Loading models…"), id="picker-note", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#filter", Input).focus()
        self.load()

    @work(exclusive=True, group="models", exit_on_error=False)
    async def load(self) -> None:
        """Fetch the model list (cached for a day) and show it."""
        app = cast("HCChatApp", self.app)
        models, note = await app.load_models()
        self.models = models
        self.query_one("#picker-note", Static).update(
            Content(display_safe(note or f"{len(models)} models · current: {self.current}"))
        )
        self.show_models(self.query_one("#filter", Input).value)

    def show_models(self, query: str) -> None:
        """Show the models whose id or name contains every word of ``query``."""
        words = query.lower().split()
        options = self.query_one("#models", OptionList)
        options.clear_options()
        matches = [
            model
            for model in self.models
            if all(word in f"{model.id} {model.name}".lower() for word in words)
        ]
        for model in matches:
            mark = "● " if model.id == self.current else "  "
            label = f"{mark}{model.id}"
            if model.name and model.name != model.id:
                label += f"  ({one_line(model.name, 40)})"
            options.add_option(Option(Content(one_line(label, 120)), id=model.id))
        if matches:
            current = next((i for i, m in enumerate(matches) if m.id == self.current), 0)
            options.highlighted = current
        elif self.models and query.strip():
            self.query_one("#picker-note", Static).update(
                Content(f"No model matches. Enter uses '{one_line(query, 60)}' as the id.")
            )

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """Re-filter as the user types."""
        self.show_models(event.value)

    def action_move(self, step: int) -> None:
        """Move the highlight from the filter box."""
        options = self.query_one("#models", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    @on(Input.Submitted, "#filter")
    def submit_filter(self, event: Input.Submitted) -> None:
        """Choose the highlighted model, or the typed id if nothing matches."""
        options = self.query_one("#models", OptionList)
        if options.highlighted is not None and options.option_count:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss(option.id)
        elif event.value.strip():
            self.dismiss(event.value.strip())

    @on(OptionList.OptionSelected)
    def option_selected(self, event: OptionList.OptionSelected) -> None:
        """Choose a model by clicking it or pressing Enter on it."""
        self.dismiss(event.option.id)
