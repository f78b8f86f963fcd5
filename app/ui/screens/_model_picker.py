"""The model picker: a filterable list of every endpoint's models, grouped by endpoint."""

from __future__ import annotations

from contextlib import suppress
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
from app.endpoints import DEFAULT_ENDPOINT, SEPARATOR, choice_text
from app.text import display_safe, one_line
from app.ui._endpoints import ModelGroup
from app.usage import format_tokens

if TYPE_CHECKING:
    from app.ui._app import HCChatApp


class ModelPicker(ModalScreen[str | None]):
    """Pick the model for the next replies; type to filter, Enter to choose, Escape to close.

    Each row shows what the endpoint says of the model: context length, prices per million
    tokens (in/out), whether it takes images and whether it reasons. ``:image`` and
    ``:reasoning`` in the filter keep only the models that can. With several endpoints the
    models are grouped under each endpoint's name (a group whose list failed says why), and the
    choice is ``ENDPOINT::MODEL``. If the typed text matches no model, Enter uses it as typed.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, current: str, endpoint: str = DEFAULT_ENDPOINT) -> None:
        super().__init__(classes="dialog-screen")
        self.current = current
        self.endpoint = endpoint
        self.models: list[ModelInfo] = []  # every endpoint's, once loaded
        self.groups: list[ModelGroup] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Static(Content("Switch model"), classes="dialog-title")
            yield Input(
                placeholder="Filter (also :image, :reasoning), or a model id",
                id="filter",
            )
            yield OptionList(id="models", markup=False)
            yield Static(Content("Loading models…"), id="picker-note", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#filter", Input).focus()
        self.load()

    @work(exclusive=True, group="models", exit_on_error=False)
    async def load(self) -> None:
        """Fetch every endpoint's model list at once (each cached for a day) and show them."""
        app = cast("HCChatApp", self.app)
        self.groups = await app.endpoints.load_all()
        self.models = [model for group in self.groups for model in group.models]
        with suppress(LookupError):  # the context meter behind the dialog knows the model now
            app.chat.update_status()
        current = one_line(choice_text(self.endpoint, self.current), 80)
        if len(self.groups) == 1:
            note = self.groups[0].note or f"{len(self.models)} models · current: {current}"
        else:
            where = f"{len(self.models)} models on {len(self.groups)} endpoints"
            note = f"{where} · current: {current} · /model ENDPOINT::ID"
        self.query_one("#picker-note", Static).update(Content(display_safe(note)))
        self.show_models(self.query_one("#filter", Input).value)

    def show_models(self, query: str) -> None:
        """Show the models whose id or name contains every word of ``query`` and that have
        every capability it names (``:image``, ``:reasoning``), under their endpoint's name."""
        options = self.query_one("#models", OptionList)
        options.clear_options()
        grouped = len(self.groups) > 1
        current: int | None = None
        matched = 0
        for group in self.groups:
            matches = [model for model in group.models if model_matches(model, query)]
            if grouped and (matches or group.note):
                header = f"── {group.endpoint}"
                if group.note:
                    header += f" · {group.note}"
                options.add_option(Option(Content(one_line(header, 160)), disabled=True))
            for model in matches:
                here = model.id == self.current and group.endpoint == self.endpoint
                if here:
                    current = options.option_count
                options.add_option(
                    Option(Content(_row(model, here)), id=f"{group.endpoint}{SEPARATOR}{model.id}")
                )
            matched += len(matches)
        if matched:
            options.highlighted = current if current is not None else _first_enabled(options)
        elif self.models and query.strip():
            self.query_one("#picker-note", Static).update(
                Content(f"No model matches. Enter uses '{one_line(query, 60)}' as the id.")
            )

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """Re-filter as the user types."""
        self.show_models(event.value)

    def action_move(self, step: int) -> None:
        """Move the highlight from the filter box, over the endpoints' names."""
        options = self.query_one("#models", OptionList)
        index = options.highlighted if options.highlighted is not None else -1
        while 0 <= index + step < options.option_count:
            index += step
            if not options.get_option_at_index(index).disabled:
                options.highlighted = index
                return

    @on(Input.Submitted, "#filter")
    def submit_filter(self, event: Input.Submitted) -> None:
        """Choose the highlighted model, or the typed id if nothing matches."""
        options = self.query_one("#models", OptionList)
        if options.highlighted is not None and options.option_count:
            option = options.get_option_at_index(options.highlighted)
            if not option.disabled:
                self.dismiss(option.id)
                return
        if event.value.strip():
            self.dismiss(event.value.strip())

    @on(OptionList.OptionSelected)
    def option_selected(self, event: OptionList.OptionSelected) -> None:
        """Choose a model by clicking it or pressing Enter on it."""
        self.dismiss(event.option.id)


def _row(model: ModelInfo, current: bool) -> str:
    """A model's row: a mark for the current one, its id, name and metadata."""
    label = f"{'● ' if current else '  '}{one_line(model.id, 60)}"
    if model.name and model.name != model.id:
        label += f"  ({one_line(model.name, 40)})"
    details = model_details(model)
    if details:
        label += f"  · {details}"
    return one_line(label, 160)


def _first_enabled(options: OptionList) -> int | None:
    return next(
        (i for i in range(options.option_count) if not options.get_option_at_index(i).disabled),
        None,
    )


# What a filter word starting with ":" asks of a model.
CAPABILITIES = {
    ":image": lambda model: model.images,
    ":images": lambda model: model.images,
    ":reasoning": lambda model: model.reasoning,
}


def model_matches(model: ModelInfo, query: str) -> bool:
    """Whether ``model`` has every capability and contains every other word of ``query``."""
    text = f"{model.id} {model.name}".lower()
    for word in query.lower().split():
        capability = CAPABILITIES.get(word)
        if capability is not None:
            if not capability(model):
                return False
        elif word not in text:
            return False
    return True


def model_details(model: ModelInfo) -> str:
    """The metadata of a picker row: ``131k ctx · $0.10/$0.30 per M · images · reasoning``."""
    parts: list[str] = []
    if model.context_length:
        parts.append(f"{format_tokens(model.context_length)} ctx")
    if model.prompt_price is not None or model.completion_price is not None:
        prices = (_per_million(price) for price in (model.prompt_price, model.completion_price))
        parts.append("/".join(prices) + " per M")
    if model.images:
        parts.append("images")
    if model.reasoning:
        parts.append("reasoning")
    return " · ".join(parts)


def _per_million(price: float | None) -> str:
    """A price per token as USD per million tokens: ``$0.10``, ``$0.0050``, ``free``."""
    if price is None:
        return "?"
    if price == 0:
        return "free"
    amount = price * 1_000_000
    return f"${amount:,.2f}" if amount >= 0.01 else f"${amount:.4f}"
