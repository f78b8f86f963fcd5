"""A filterable list to pick one item from: the prompt history search and the role picker."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from app.text import one_line

# Options shown at once: the list is filtered again on every key.
SHOWN = 200


class ListPicker(ModalScreen[int | None]):
    """Type to filter ``items`` (each word must appear), Enter picks, Escape closes.

    Dismissed with the index of the chosen item in ``items``, or None.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, title: str, items: list[str], *, empty: str = "Nothing to pick.") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.items = items
        self.empty = empty
        self._folded = [item.casefold() for item in items]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Static(Content(self.title_text), classes="dialog-title")
            yield Input(placeholder="Type to search", id="filter")
            yield OptionList(id="items", markup=False)
            yield Static(Content(""), id="picker-note", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#filter", Input).focus()
        self.show_items("")

    def show_items(self, query: str) -> None:
        """Show the items that contain every word of ``query`` (any case)."""
        words = query.casefold().split()
        options = self.query_one("#items", OptionList)
        options.clear_options()
        matches = [
            index
            for index, folded in enumerate(self._folded)
            if all(word in folded for word in words)
        ]
        options.add_options(
            Option(Content(one_line(self.items[index], 120)), id=str(index))
            for index in matches[:SHOWN]
        )
        if matches:
            options.highlighted = 0
        note = self.empty if not self.items else f"{len(matches)} of {len(self.items)}"
        self.query_one("#picker-note", Static).update(Content(note))

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """Filter again as the user types."""
        self.show_items(event.value)

    def action_move(self, step: int) -> None:
        """Move the highlight from the filter box."""
        options = self.query_one("#items", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    @on(Input.Submitted, "#filter")
    def submit_filter(self) -> None:
        """Pick the highlighted item."""
        options = self.query_one("#items", OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(int(options.get_option_at_index(options.highlighted).id or 0))

    @on(OptionList.OptionSelected)
    def option_selected(self, event: OptionList.OptionSelected) -> None:
        """Pick an item by clicking it or pressing Enter on it."""
        self.dismiss(int(event.option.id or 0))
