"""The ``hcchat sessions`` subcommands: list, show, export and import saved conversations."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from app.cli._dispatch import load_session, load_settings, missing_session, read_stdin
from app.cli._errors import EXIT_OK, CommandError
from app.text import cells, display_safe, fit, fit_words, local_time, one_line
from app.usage import format_cost

if TYPE_CHECKING:
    from datetime import datetime

    from app.store import Session, SessionStore

TITLE_LENGTH = 60
SEPARATOR = "  "
# The narrowest the models and title columns of ``sessions list`` get, however narrow the terminal.
MIN_MODELS = 8
MIN_TITLE = 10


def list_sessions(store: SessionStore) -> int:
    """Print a table of readable sessions, then one line per unreadable file.

    Every line fits the terminal (``COLUMNS``, else its width): titles are cut with an
    ellipsis, model lists at a word boundary; nothing wraps.
    """
    import shutil

    from app.store import SessionSummary

    _require_stdout()
    columns = shutil.get_terminal_size().columns
    entries = store.list()
    summaries = [entry for entry in entries if isinstance(entry, SessionSummary)]
    unreadable = [entry for entry in entries if not isinstance(entry, SessionSummary)]
    if not entries:
        print(f"No saved sessions in {store.folder}.")
        return EXIT_OK
    if summaries:
        rows = [("ID", "UPDATED", "MESSAGES", "COST", "MODELS", "TITLE")]
        for summary in summaries:
            rows.append(
                (
                    one_line(summary.id, 80),
                    _local_time(summary.updated),
                    str(summary.message_count),
                    "-" if summary.cost is None else format_cost(summary.cost),
                    one_line(", ".join(summary.models), 200) or "-",
                    one_line(summary.title, TITLE_LENGTH) or "(untitled)",
                )
            )
        widths = [max(cells(row[column]) for row in rows) for column in range(5)]
        # what the models and the title share: the room left after the first four columns
        room = columns - sum(widths[:4]) - 5 * len(SEPARATOR)
        widths[4] = min(widths[4], max(MIN_MODELS, room * 2 // 5))
        title_room = max(MIN_TITLE, room - widths[4])
        for row in rows:
            cells_of_row = [
                row[0].ljust(widths[0]),
                row[1].ljust(widths[1]),
                row[2].rjust(widths[2]),
                row[3].rjust(widths[3]),
                _ljust(fit_words(row[4], widths[4]), widths[4]),
                fit(row[5], title_room),
            ]
            print(fit(SEPARATOR.join(cells_of_row).rstrip(), columns))
    for entry in unreadable:
        line = f"{one_line(entry.path.name, 200)}  unreadable: {one_line(entry.reason, 400)}"
        print(fit(line, columns))
    return EXIT_OK


def _ljust(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` cells."""
    return text + " " * max(0, width - cells(text))


def show_session(store: SessionStore, session_id: str) -> int:
    """Print a session as readable plain text."""
    _require_stdout()
    session = load_session(store, session_id)
    print(_render_session(session), end="")
    return EXIT_OK


def _render_session(session: Session) -> str:
    """A session as plain text: a header, then each message with its role and model."""
    lines = [
        f"Session  {one_line(session.id, 80)}",
        f"Title    {one_line(session.title, 200) or '(untitled)'}",
        f"Created  {_local_time(session.created)}",
        f"Updated  {_local_time(session.updated)}",
        f"Model    {one_line(session.model, 200)}",
    ]
    if session.params:
        params = ", ".join(f"{name}={value}" for name, value in session.params.items())
        lines.append(f"Params   {one_line(params, 200)}")
    for message in session.messages:
        lines.append("")
        heading = message.role
        if message.role == "assistant" and message.model:
            heading += f" · {message.model}"
        if message.created is not None:
            heading += f" · {_local_time(message.created)}"
        lines.append(f"--- {one_line(heading, 200)} ---")
        if message.reasoning:
            lines.append("[reasoning]")
            lines.append(display_safe(message.reasoning).rstrip("\n"))
            lines.append("[answer]")
        if message.content:
            lines.append(display_safe(message.content).rstrip("\n"))
        if message.incomplete or message.error:
            reason = one_line(message.error or "stopped early", 400)
            lines.append(f"[incomplete: {reason}]")
        if message.alternatives:
            count = len(message.alternatives)
            lines.append(f"[{count} earlier version{'s' if count != 1 else ''} of this reply]")
    return "\n".join(lines) + "\n"


def export_session(store: SessionStore, session_id: str, fmt: str, output: str | None) -> int:
    """Write a session as Markdown or JSON to stdout or a file."""
    from app.store import to_json, to_markdown

    if output is not None and output != "-":
        from pathlib import Path

        from app.store import SessionNotFound, SessionUnreadable, StoreWriteError

        try:
            store.export(session_id, Path(output), fmt)
        except (SessionNotFound, SessionUnreadable) as error:
            raise missing_session(session_id, error) from None
        except StoreWriteError as error:
            raise CommandError(f"cannot write {output}: {error.reason or error}") from None
        return EXIT_OK
    stdout = _require_stdout()
    session = load_session(store, session_id)
    text = to_json(session) if fmt == "json" else to_markdown(session)
    if not text.endswith("\n"):
        text += "\n"
    stdout.write(display_safe(text) if stdout.isatty() else text)
    stdout.flush()
    return EXIT_OK


def import_session(store: SessionStore, source: str) -> int:
    """Save a JSON export or an OpenAI-style messages array as a new session; print its id."""
    from app.store import from_json

    if source == "-":
        text = read_stdin()
    else:
        try:
            with open(source, "rb") as file:
                text = file.read().decode("utf-8")
        except UnicodeDecodeError:
            raise CommandError(f"{source} is not UTF-8 text") from None
        except OSError as error:
            raise CommandError(f"cannot read {source}: {error.strerror or error}") from None
    dropped: list[str] = []
    session = from_json(text, model=load_settings(demo=True).model, dropped=dropped)
    saved = store.save(session)
    for reason in dropped:
        print(f"hcchat: not imported: {one_line(reason, 400)}", file=sys.stderr)
    print(saved.session_id)
    return EXIT_OK


def _require_stdout() -> TextIO:
    """Standard output, or a ``CommandError`` when it was closed (Python then makes it None)."""
    if sys.stdout is None:
        raise CommandError("standard output is closed: there is nowhere to print to")
    return sys.stdout


def _local_time(moment: datetime) -> str:
    """``moment`` in local time as ``YYYY-MM-DD HH:MM``."""
    return local_time(moment)
