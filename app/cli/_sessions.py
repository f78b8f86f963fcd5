"""The ``hcchat sessions`` subcommands: list, show, export, import, search and fork sessions."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from app.cli._dispatch import load_session, load_settings, missing_session, read_stdin
from app.cli._errors import EXIT_OK, EXIT_USAGE, CommandError
from app.text import cells, cut, display_safe, fit, fit_words, local_time, one_line
from app.usage import format_cost

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from pathlib import Path

    from app.store import Message, Session, SessionStore, SessionSummary

TITLE_LENGTH = 60
SEPARATOR = "  "
# The narrowest the models and title columns of ``sessions list`` get, however narrow the terminal.
MIN_MODELS = 8
MIN_TITLE = 10


def list_sessions(folder: Path) -> int:
    """Print a table of readable sessions, then one line per unreadable file.

    Every line fits the terminal (``COLUMNS``, else its width): titles are cut with an
    ellipsis, model lists at a word boundary; nothing wraps.
    """
    import shutil

    from app.store import SessionSummary, list_folder

    _require_stdout()
    columns = shutil.get_terminal_size().columns
    entries = list_folder(folder)
    summaries = [entry for entry in entries if isinstance(entry, SessionSummary)]
    unreadable = [entry for entry in entries if not isinstance(entry, SessionSummary)]
    if not entries:
        print(f"No saved sessions in {folder}.")
        return EXIT_OK
    if summaries:
        print("\n".join(_table(summaries, columns)))
    for entry in unreadable:
        line = f"{one_line(entry.path.name, 200)}  unreadable: {one_line(entry.reason, 400)}"
        print(fit(line, columns))
    return EXIT_OK


def _table(summaries: list[SessionSummary], columns: int) -> list[str]:
    """The lines of ``sessions list``'s table, each at most ``columns`` cells wide.

    Built column by column, each measured once: a listing of 10,000 sessions spent most of its
    time measuring every cell again and building each row.
    """
    head = ("ID", "UPDATED", "MESSAGES", "COST", "MODELS", "TITLE")
    ids = [head[0], *(one_line(summary.id, 80) for summary in summaries)]
    times = [head[1], *(local_time(summary.updated) for summary in summaries)]
    counts = [head[2], *(str(summary.message_count) for summary in summaries)]
    costs = [head[3]]
    costs += ("-" if s.cost is None else format_cost(s.cost) for s in summaries)
    models = [head[4], *(one_line(", ".join(s.models), 200) or "-" for s in summaries)]
    titles = [head[5], *(one_line(s.title, TITLE_LENGTH) or "(untitled)" for s in summaries)]
    model_cells = list(map(cells, models))
    title_cells = list(map(cells, titles))
    widths = [max(map(_cells_of(column), column)) for column in (ids, times, counts, costs)]
    # what the models and the title share: the room left after the first four columns
    room = columns - sum(widths) - 5 * len(SEPARATOR)
    models_width = min(max(model_cells), max(MIN_MODELS, room * 2 // 5))
    title_room = max(MIN_TITLE, room - models_width)
    # the cells before the title: the first four columns are plain ASCII (ids are file names,
    # the rest hcchat's own), so padding them by characters pads them by cells
    before_title = sum(widths) + models_width + 5 * len(SEPARATOR)
    starts = [
        SEPARATOR.join(parts)
        for parts in zip(
            (text.ljust(widths[0]) for text in ids),
            (text.ljust(widths[1]) for text in times),
            (text.rjust(widths[2]) for text in counts),
            (text.rjust(widths[3]) for text in costs),
            strict=True,
        )
    ]
    lines = []
    rows = zip(starts, models, model_cells, titles, title_cells, strict=True)
    for start, model, model_size, title, title_size in rows:
        if model_size <= models_width:
            model += " " * (models_width - model_size)
        else:
            model = _ljust(fit_words(model, models_width), models_width)
        if title_size <= title_room:
            line = f"{start}{SEPARATOR}{model}{SEPARATOR}{title}"
            widest = before_title + title_size
        else:
            line = f"{start}{SEPARATOR}{model}{SEPARATOR}{cut(title, title_room)}"
            widest = before_title + title_room
        lines.append(line if widest <= columns else fit(line.rstrip(), columns))
    return lines


def _cells_of(column: list[str]) -> Callable[[str], int]:
    """How to measure the texts of ``column``: by length if they are all printable ASCII."""
    joined = "".join(column)
    return len if joined.isascii() and joined.isprintable() else cells


def _ljust(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` cells."""
    return text + " " * max(0, width - cells(text))


def show_session(store: SessionStore, session_id: str, *, every_branch: bool = False) -> int:
    """Print a session as readable plain text (``every_branch``: the other branches too)."""
    _require_stdout()
    session = load_session(store, session_id)
    print(_render_session(session, every_branch), end="")
    return EXIT_OK


def _render_session(session: Session, every_branch: bool = False) -> str:
    """A session as plain text: a header, then each message (numbered) with its role and model.

    Each heading starts with the message's number (``#3``), which ``fork --at`` takes.
    """
    lines = [
        f"Session  {one_line(session.id, 80)}",
        f"Title    {one_line(session.title, 200) or '(untitled)'}",
        f"Created  {_local_time(session.created)}",
        f"Updated  {_local_time(session.updated)}",
        f"Model    {one_line(session.model, 200)}",
    ]
    if session.endpoint:
        lines.append(f"Endpoint {one_line(session.endpoint, 80)}")
    if session.params:
        params = ", ".join(f"{name}={value}" for name, value in session.params.items())
        lines.append(f"Params   {one_line(params, 200)}")
    lines.extend(_render_path(session.messages, 1, every_branch))
    return "\n".join(lines) + "\n"


def _render_path(messages: list[Message], first: int, every_branch: bool) -> list[str]:
    """Messages numbered from ``first``; with ``every_branch``, each other version after its
    message, with the conversation that followed it, every line marked with ``| ``."""
    from app.store import versions

    lines: list[str] = []
    for number, message in enumerate(messages, first):
        lines.extend(_render_message(message, number))
        if not message.alternatives:
            continue
        shown = versions(message)
        position = next(n for n, version in enumerate(shown, 1) if version is message)
        if not every_branch:
            others = len(shown) - 1
            lines.append(
                f"[version {position} of {len(shown)}: {others} other"
                f" version{'s' if others != 1 else ''} (see --all)]"
            )
            continue
        for place, version in enumerate(shown, 1):
            if version is message:
                continue
            lines.append("")
            lines.append(f"| [version {place} of {len(shown)} of message {number}: another branch]")
            branch = _render_path([version, *version.branch], number, every_branch)
            lines.extend(f"| {line}".rstrip() for line in branch)
            lines.append(f"| [end of version {place} of message {number}]")
    return lines


def _render_message(message: Message, number: int) -> list[str]:
    from app.store import tool_call_lines

    lines = [""]
    heading = (
        "summary of the messages above (sent instead of them)" if message.summary else message.role
    )
    if (message.role == "assistant" or message.summary) and message.model:
        heading += f" · {message.model}"
    if message.created is not None:
        heading += f" · {_local_time(message.created)}"
    lines.append(f"#{number} --- {one_line(heading, 200)} ---")
    if message.reasoning:
        lines.append("[reasoning]")
        lines.append(display_safe(message.reasoning).rstrip("\n"))
        lines.append("[answer]")
    if message.content:
        lines.append(display_safe(message.content).rstrip("\n"))
    lines.extend(display_safe(line) for line in tool_call_lines(message.tool_calls))
    if message.incomplete or message.error:
        reason = one_line(message.error or "stopped early", 400)
        lines.append(f"[incomplete: {reason}]")
    return lines


def search_sessions(store: SessionStore, query: str) -> int:
    """Print one line per match: session id, message number (or ``title``), session title.

    A match in another branch than the active one is marked ``(branch)``. Exit 1 if none.
    """
    _require_stdout()
    found = False
    for hit in store.iter_search(query):
        found = True
        title = one_line(hit.summary.title, TITLE_LENGTH) or "(untitled)"
        session_id = one_line(hit.summary.id, 80)
        if not hit.messages:
            print(f"{session_id}  title  {title}")
        for location in hit.messages:
            where = f"#{location.index + 1}" + ("" if location.active else " (branch)")
            print(f"{session_id}  {where}  {title}")
    if not found:
        raise CommandError(f"no session contains {one_line(query, 80)!r}")
    return EXIT_OK


def fork_session(store: SessionStore, session_id: str, at: int | None) -> int:
    """Save a copy of a session up to message ``at`` (default: all) as a new one; print its id."""
    from app.store import fork_at

    _require_stdout()  # before saving: the new id must reach the caller
    session = load_session(store, session_id)
    try:
        fork = fork_at(session, at)
    except ValueError as error:
        raise CommandError(f"cannot fork at message {at}: {error}") from None
    saved = store.save(fork)
    print(saved.session_id)
    return EXIT_OK


def export_session(
    store: SessionStore,
    session_id: str,
    fmt: str,
    output: str | None,
    *,
    all_versions: bool = False,
    attachments: bool = False,
) -> int:
    """Write a session as Markdown or JSON to stdout or a file (``all_versions``: every branch;
    ``attachments``: JSON with each attachment's bytes)."""
    from app.store import AttachmentError, to_json, to_markdown

    if attachments and fmt != "json":
        raise CommandError("--attachments needs --format json", EXIT_USAGE)
    if output is not None and output != "-":
        from pathlib import Path

        from app.store import SessionNotFound, SessionUnreadable, StoreWriteError

        try:
            store.export(
                session_id, Path(output), fmt, all_versions=all_versions, attachments=attachments
            )
        except (SessionNotFound, SessionUnreadable) as error:
            raise missing_session(session_id, error) from None
        except AttachmentError as error:
            raise _missing_bytes(error) from None
        except StoreWriteError as error:
            raise CommandError(f"cannot write {output}: {error.reason or error}") from None
        return EXIT_OK
    stdout = _require_stdout()
    session = load_session(store, session_id)
    if fmt == "json":
        data_of = store.attachment_data if attachments else None
        try:
            text = to_json(session, all_versions=all_versions, attachment_data=data_of)
        except AttachmentError as error:
            raise _missing_bytes(error) from None
    else:
        text = to_markdown(session, all_versions=all_versions)
    if not text.endswith("\n"):
        text += "\n"
    stdout.write(display_safe(text) if stdout.isatty() else text)
    stdout.flush()
    return EXIT_OK


def _missing_bytes(error: Exception) -> CommandError:
    return CommandError(
        f"cannot include the attachments: {error}; nothing was written "
        "(export without --attachments to name them only)"
    )


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
    found: dict[str, bytes] = {}
    session = from_json(
        text, model=load_settings(demo=True).model, dropped=dropped, attachment_bytes=found
    )
    _keep_imported(store, session, found)
    saved = store.save(session)
    for reason in dropped:
        print(f"hcchat: not imported: {one_line(reason, 400)}", file=sys.stderr)
    print(saved.session_id)
    return EXIT_OK


def _keep_imported(store: SessionStore, session: Session, found: dict[str, bytes]) -> None:
    """Keep the bytes an export carried (before the session that names them is saved)."""
    from app.store import walk

    for location in walk(session):
        for attachment in location.message.attachments:
            data = found.get(attachment.sha256)
            if data is None:
                continue
            try:
                store.keep_attachment(attachment, data)
            except OSError as error:
                raise CommandError(
                    f"cannot keep {one_line(attachment.name, 80)}: {error.strerror or error}; "
                    "nothing was imported"
                ) from None


def _require_stdout() -> TextIO:
    """Standard output, or a ``CommandError`` when it was closed (Python then makes it None)."""
    if sys.stdout is None:
        raise CommandError("standard output is closed: there is nowhere to print to")
    return sys.stdout


def _local_time(moment: datetime) -> str:
    """``moment`` in local time as ``YYYY-MM-DD HH:MM``."""
    return local_time(moment)
