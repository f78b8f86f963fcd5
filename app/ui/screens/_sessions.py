"""The session browser: newest first, filter by title and text; open, rename, delete, export."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from app.store import SessionSummary, StoreError, UnreadableSession
from app.text import fit, fit_words, local_time, one_line
from app.ui._bindings import bindings
from app.ui.screens._dialogs import ConfirmScreen, TextPromptScreen
from app.ui.widgets import KeyFooter
from app.usage import format_cost

if TYPE_CHECKING:
    from app.store import Steps
    from app.ui._app import HCChatApp

Entry = SessionSummary | UnreadableSession
# Full-text search starts once typing pauses this long, so each keystroke filters titles at once.
SEARCH_DELAY = 0.15
# Rows put in the table at once; the rest follow in batches, one batch after each frame, so that
# 10,000 sessions delay neither the first paint nor the next keystroke (DataTable measures every
# cell it is given, about 0.1 ms a row).
FIRST_ROWS = 60
ROW_BATCH = 200


# The widths of the columns that are never cut: a date (YYYY-MM-DD HH:MM), a message count.
UPDATED_WIDTH = 16
COUNT_WIDTH = 5
COST_WIDTH = 9  # $0.000055
# Each cell has a column of padding either side; the table keeps room for its scrollbar.
CELL_PADDING = 2
SCROLLBAR = 2
TABLE_MARGIN = 2  # the table's margin in styles/sessions.tcss
MIN_TITLE = 12
MIN_DETAIL = 10


def column_widths(table_width: int) -> tuple[int, int]:
    """The widths of the title and the models / match columns in a table ``table_width`` wide:
    what the date, the count and the cost leave, three parts to the title and two to the rest."""
    room = table_width - UPDATED_WIDTH - COUNT_WIDTH - COST_WIDTH - 5 * CELL_PADDING - SCROLLBAR
    title = max(MIN_TITLE, room * 3 // 5)
    return title, max(MIN_DETAIL, room - title)


def _row(
    entry: Entry, widths: tuple[int, int], snippet: str = "", origin: str | None = None
) -> tuple[Text, ...]:
    title_width, detail_width = widths
    if isinstance(entry, UnreadableSession):
        return (
            Text("—"),
            Text(fit(f"⚠ unreadable: {one_line(entry.path.name, 200)}", title_width), "bold"),
            Text(fit(one_line(entry.reason, 200), detail_width)),
            Text(""),
            Text(""),
        )
    when = local_time(entry.updated)
    title = fit(one_line(entry.title or "Untitled", 200), title_width)
    if snippet:
        detail = fit(one_line(snippet, 200), detail_width)
    else:
        detail = fit_words(one_line(", ".join(entry.models), 200), detail_width)
    if origin is not None and not snippet:
        detail = fit(f"forked from {one_line(origin or 'Untitled', 200)}", detail_width)
    count = Text(str(entry.message_count), justify="right")
    cost = Text("" if entry.cost is None else format_cost(entry.cost), justify="right")
    return (Text(when), Text(title), Text(detail), count, cost)


class SessionBrowser(Screen[None]):
    """Browse saved sessions. Typing filters; Enter opens; unreadable files cannot be opened."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("browser")

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []
        self._titles: dict[str, str] | None = None  # made when a forked session is shown
        self.matches: dict[str, tuple[int | None, str]] = {}
        # the branch each match is in (the switches that bring it up), when not the active path
        self.branches: dict[str, Steps] = {}
        self._fill_round = 0  # counts fills, so batches of an outdated fill stop
        self._reading = False  # the list is partial: the folder's index is being built
        self._widths = column_widths(80)  # of the title and detail columns, set on resize

    @property
    def hcchat(self) -> HCChatApp:
        """The app, typed."""
        return cast("HCChatApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(Content("Sessions"), id="browser-title")
        yield Input(placeholder="Type to filter by title and text", id="browser-filter")
        table: DataTable[Text] = DataTable(
            id="browser-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static(Content("Loading sessions…"), id="browser-note")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._add_columns()
        self.query_one("#browser-filter", Input).focus()
        self.reload()

    def _add_columns(self, width: int | None = None) -> None:
        table = self.query_one(DataTable)
        self._widths = column_widths(self.app.size.width - TABLE_MARGIN if width is None else width)
        title, detail = self._widths
        table.add_column("Updated", key="updated", width=UPDATED_WIDTH)
        table.add_column("Title", key="title", width=title)
        table.add_column("Models / match", key="detail", width=detail)
        table.add_column("Msgs", key="count", width=COUNT_WIDTH)
        table.add_column("Cost", key="cost", width=COST_WIDTH)

    def on_resize(self, event: events.Resize) -> None:
        """Size the columns again for the new width, and refill the table if they changed."""
        if column_widths(event.size.width - TABLE_MARGIN) != self._widths:
            self.query_one(DataTable).clear(columns=True)
            self._add_columns(event.size.width - TABLE_MARGIN)
            self.apply_filter(self.query_one("#browser-filter", Input).value)

    @work(exclusive=True, group="list", thread=True, exit_on_error=False)
    def reload(self) -> None:
        """Read the session list off the event loop, then show it."""
        worker = get_current_worker()

        def part(entries: list[Entry]) -> None:
            # a new index is being built: show the newest sessions while it is
            if not worker.is_cancelled:
                self.app.call_from_thread(self.show_entries, entries, reading=True)

        try:
            entries = self.hcchat.store.list(progress=part)
        except StoreError as error:
            self.app.call_from_thread(self.show_note, str(error))
            return
        self.app.call_from_thread(self.show_entries, entries)

    def show_note(self, text: str) -> None:
        """Show a line under the table."""
        self.query_one("#browser-note", Static).update(Content(text))

    def show_entries(self, entries: list[Entry], *, reading: bool = False) -> None:
        """Remember the full list and show it through the current filter.

        ``reading``: only part of the folder is read yet (its index is being built).
        """
        self.entries = entries
        self._titles = None
        self._reading = reading
        self.apply_filter(self.query_one("#browser-filter", Input).value)

    def apply_filter(self, query: str) -> None:
        """Show entries whose title matches now; full-text matches arrive from a search."""
        needle = query.strip().lower()
        shown = [
            entry
            for entry in self.entries
            if not needle
            or (isinstance(entry, SessionSummary) and needle in entry.title.lower())
            or entry.id in self.matches
        ]
        self.fill(shown)

    def fill(self, entries: list[Entry]) -> None:
        """Put ``entries`` in the table, keeping the cursor on the same session if it is there.

        The first rows go in at once, the others in batches after the following frames.
        """
        table: DataTable[Text] = self.query_one(DataTable)
        current = self.selected_key()
        table.clear()
        self._fill_round += 1
        self._add_rows(entries, 0, FIRST_ROWS, current, self._fill_round)
        readable = sum(isinstance(e, SessionSummary) for e in self.entries)
        unreadable = len(self.entries) - readable
        note = f"{len(entries)} shown · {readable} session{'s' if readable != 1 else ''}"
        if self._reading:
            note += " so far (reading the folder: the newest come first)"
        if unreadable:
            note += f" · {unreadable} unreadable (left untouched)"
        note += " · Enter opens · Ctrl+R rename · Ctrl+D delete · Ctrl+E export"
        self.show_note(note)

    def _add_rows(
        self, entries: list[Entry], start: int, stop: int, current: str | None, fill_round: int
    ) -> None:
        """Add ``entries[start:stop]`` to the table, then schedule the next batch."""
        if fill_round != self._fill_round or not self.is_attached:
            return  # the table was filled again since, or the browser was closed
        table: DataTable[Text] = self.query_one(DataTable)
        for entry in entries[start:stop]:
            key = entry.id if isinstance(entry, SessionSummary) else f"!{entry.path.name}"
            snippet = self.matches.get(entry.id, (None, ""))[1]
            table.add_row(*_row(entry, self._widths, snippet, self._origin(entry)), key=key)
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))
            current = None
        if stop < len(entries):
            self.call_after_refresh(
                self._add_rows, entries, stop, stop + ROW_BATCH, current, fill_round
            )

    def _origin(self, entry: Entry) -> str | None:
        """The title of the session ``entry`` was forked from (its id if that one is gone)."""
        if not isinstance(entry, SessionSummary) or entry.forked_from is None:
            return None
        if self._titles is None:
            self._titles = {e.id: e.title for e in self.entries if isinstance(e, SessionSummary)}
        return self._titles.get(entry.forked_from, entry.forked_from)

    @on(Input.Changed, "#browser-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """Filter titles at once, and start a full-text search when typing pauses."""
        self.matches = {}
        self.branches = {}
        self.apply_filter(event.value)
        if event.value.strip():
            self.search(event.value.strip())

    @work(exclusive=True, group="search", thread=True, exit_on_error=False)
    def search(self, text: str) -> None:
        """Search the full text of every session, off the event loop."""
        worker = get_current_worker()
        time.sleep(SEARCH_DELAY)
        if worker.is_cancelled:
            return
        try:
            # stops at the next file once a newer keystroke cancels this search
            hits = self.hcchat.store.search(text, cancelled=lambda: worker.is_cancelled)
        except StoreError as error:
            self.app.call_from_thread(self.show_note, str(error))
            return
        if worker.is_cancelled:
            return
        matches = {hit.summary.id: (hit.message_index, hit.snippet) for hit in hits}
        branches = {hit.summary.id: hit.branch for hit in hits if hit.branch}
        self.app.call_from_thread(self.show_matches, text, matches, branches)

    def show_matches(
        self,
        text: str,
        matches: dict[str, tuple[int | None, str]],
        branches: dict[str, Steps] | None = None,
    ) -> None:
        """Show full-text matches if the filter has not changed since the search began."""
        if self.query_one("#browser-filter", Input).value.strip() != text:
            return
        self.matches = matches
        self.branches = branches or {}
        self.apply_filter(text)

    def selected_key(self) -> str | None:
        """The key of the row under the cursor."""
        table: DataTable[Text] = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def selected_session(self, verb: str) -> str | None:
        """The id of the readable session under the cursor, or None with a message why not."""
        key = self.selected_key()
        if key is None:
            self.notify("No session selected.", markup=False)
            return None
        if key.startswith("!"):
            self.notify(
                f"{key[1:]} cannot be read, so it cannot be {verb}; fix or move the file by hand.",
                severity="warning",
                markup=False,
            )
            return None
        return key

    def action_move(self, step: int) -> None:
        """Move the row cursor while typing in the filter."""
        table: DataTable[Text] = self.query_one(DataTable)
        if table.row_count:
            row = max(0, min(table.row_count - 1, table.cursor_row + step))
            table.move_cursor(row=row)

    def action_close(self) -> None:
        """Back to the chat."""
        self.dismiss()

    @on(Input.Submitted, "#browser-filter")
    @on(DataTable.RowSelected)
    def open_selected(self) -> None:
        """Open the session under the cursor in the chat screen."""
        session_id = self.selected_session("opened")
        if session_id is None:
            return
        highlight = self.matches.get(session_id, (None, ""))[0]
        self.dismiss()
        branch = self.branches.get(session_id, ())
        self.hcchat.open_session(session_id, highlight=highlight, branch=branch)

    def action_rename(self) -> None:
        """Rename the selected session."""
        session_id = self.selected_session("renamed")
        if session_id is None:
            return
        entry = next(e for e in self.entries if e.id == session_id)
        title = entry.title if isinstance(entry, SessionSummary) else ""

        def renamed(new_title: str | None) -> None:
            if (
                new_title
                and new_title.strip()
                and self.hcchat.rename_session(session_id, new_title.strip())
            ):
                self.reload()

        self.app.push_screen(TextPromptScreen("New title", title), renamed)

    def action_delete(self) -> None:
        """Delete the selected session after confirmation."""
        session_id = self.selected_session("deleted")
        if session_id is None:
            return
        entry = next(e for e in self.entries if e.id == session_id)
        title = entry.title if isinstance(entry, SessionSummary) else session_id

        def confirmed(yes: bool | None) -> None:
            if yes and self.hcchat.delete_session(session_id):
                self.reload()

        self.app.push_screen(
            ConfirmScreen(f"Delete “{one_line(title, 60)}”?\nThis cannot be undone.", yes="Delete"),
            confirmed,
        )

    def action_export(self) -> None:
        """Export the selected session to a Markdown (or JSON) file."""
        session_id = self.selected_session("exported")
        if session_id is None:
            return
        self.hcchat.ask_export(session_id)
