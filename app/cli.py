"""The ``hcchat`` command: flags, the ``sessions`` subcommands, pipe mode and the full-screen app.

The HTTP client, the session store and the Textual app are imported inside the functions that
use them, so ``hcchat --version`` and ``--help`` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, NoReturn, TextIO

from app import __version__
from app.text import display_safe, one_line

if TYPE_CHECKING:
    from datetime import datetime

    from app.api import ChatClient
    from app.config import Settings
    from app.store import Message, Session, SessionStore

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
TITLE_LENGTH = 60

_SUBCOMMANDS = """\
sessions:
  hcchat sessions list                    saved sessions, newest first
  hcchat sessions show ID                 a session as plain text
  hcchat sessions export ID [--format md|json] [-o FILE]
  hcchat sessions import FILE             a JSON export or an OpenAI-style messages array

pipe mode:
  hcchat -p "prompt"    or    echo "prompt" | hcchat -p
"""


class CommandError(Exception):
    """A failure to report as one ``hcchat: ...`` line on stderr, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


class _ParserExit(Exception):
    """argparse finished early (help, version, usage error) with this exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one ``hcchat: ...`` line and that never exits."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error as one line and stop with exit code 2."""
        _say_error(f"{message} (see `{self.prog} --help`)")
        raise _ParserExit(EXIT_USAGE)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        """Stop parsing (after ``--help`` or ``--version``) without raising SystemExit."""
        if message:
            sys.stderr.write(message)
        raise _ParserExit(status)


def main(argv: list[str] | None = None) -> int:
    """Run ``hcchat`` with ``argv`` (default: the process arguments); returns the exit code."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        if arguments[:1] == ["sessions"]:
            return _sessions_command(arguments[1:])
        return _chat_command(arguments)
    except _ParserExit as stop:
        return stop.code
    except CommandError as error:
        _say_error(str(error))
        return error.code
    except KeyboardInterrupt:
        _say_error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_ERROR
    except OSError as error:
        _say_error(_describe_os_error(error))
        return EXIT_ERROR
    except UnicodeEncodeError:
        _say_error("the terminal cannot show this text; set PYTHONIOENCODING=utf-8")
        return EXIT_ERROR


# --------------------------------------------------------------------------- chat and pipe mode


def _chat_parser() -> _Parser:
    """The parser of ``hcchat [options] [PROMPT...]``."""
    parser = _Parser(
        prog="hcchat",
        description="A full-screen terminal chat for OpenAI-compatible Chat Completions "
        "endpoints (default: the Hack Club AI proxy).",
        epilog=_SUBCOMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hcchat {__version__}")
    parser.add_argument("--model", metavar="ID", help="model to use (default: config, then qwen)")
    parser.add_argument(
        "--base-url", metavar="URL", help="API base URL, e.g. http://localhost:8080/v1"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--continue",
        dest="resume_latest",
        action="store_true",
        help="reopen the most recent session",
    )
    which.add_argument("--session", metavar="ID", help="reopen the session with this id")
    parser.add_argument(
        "--demo", action="store_true", help="use the offline built-in backend (no key needed)"
    )
    parser.add_argument(
        "-p",
        "--print",
        dest="print_mode",
        action="store_true",
        help="no UI: send the prompt (arguments, else stdin), print the reply, save the session",
    )
    parser.add_argument(
        "--reasoning",
        action="store_true",
        help="with -p: also print the model's reasoning, to stderr",
    )
    parser.add_argument("prompt", nargs="*", help="the prompt, with -p")
    return parser


def _chat_command(arguments: list[str]) -> int:
    """``hcchat [options]``: the full-screen app, or pipe mode with ``-p``."""
    parser = _chat_parser()
    args = parser.parse_intermixed_args(arguments)
    if args.prompt and not args.print_mode:
        parser.error(f"unexpected argument {args.prompt[0]!r}; a prompt needs -p/--print")
    if args.reasoning and not args.print_mode:
        parser.error("--reasoning only applies with -p/--print")
    settings = _load_settings(model=args.model, base_url=args.base_url, demo=args.demo)
    if args.print_mode:
        return _pipe_mode(args, settings)
    return _run_tui(args, settings)


def _run_tui(args: argparse.Namespace, settings: Settings) -> int:
    """Check a requested session exists, then run the full-screen app."""
    if args.session is not None:
        from app.store import SessionStore

        _load_session(SessionStore(settings.sessions_dir), args.session)
    from app.ui import run_app

    return run_app(settings, session_id=args.session, resume_latest=args.resume_latest)


class _Reply:
    """What has arrived of the reply so far; kept outside the stream so a cancel can save it."""

    __slots__ = (
        "content",
        "finish_reason",
        "finished",
        "first_token",
        "reasoning",
        "started",
        "usage",
        "wrote_reasoning",
    )

    def __init__(self, started: float) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.usage: dict[str, int] | None = None
        self.finish_reason: str | None = None
        self.started = started
        self.first_token: float | None = None
        self.finished: float | None = None
        self.wrote_reasoning = False


def _pipe_mode(args: argparse.Namespace, settings: Settings) -> int:
    """Send one prompt, stream the reply to stdout, and save the exchange as a session."""
    import asyncio
    import time

    from app.api import APIError, redact
    from app.store import Message, SessionStore, StoreError, title_from_prompt, utc_now

    if not args.prompt and (sys.stdin is None or sys.stdin.isatty()):
        raise CommandError("no prompt: give it as arguments or pipe it in", EXIT_USAGE)
    prompt = " ".join(args.prompt) if args.prompt else _read_stdin()
    if not prompt.strip():
        raise CommandError("no prompt: give it as arguments or pipe it in", EXIT_USAGE)
    store = SessionStore(settings.sessions_dir)
    session = _pipe_session(args, settings, store)
    request_params = {**settings.params, **session.params}
    history = [*session.api_messages(), {"role": "user", "content": prompt}]
    session.messages.append(Message(role="user", content=prompt, created=utc_now()))
    if not session.title:
        session.title = title_from_prompt(prompt)
    reply = Message(role="assistant", content="", model=session.model, created=utc_now())
    session.messages.append(reply)

    received = _Reply(time.monotonic())
    error: str | None = None
    code = EXIT_OK
    output_closed = False
    try:
        asyncio.run(
            _stream_reply(
                _make_client(settings),
                session.model,
                history,
                request_params,
                received,
                args.reasoning,
            )
        )
    except APIError as failure:
        error, code = redact(str(failure), settings.api_key), EXIT_ERROR
    except KeyboardInterrupt:
        error, code = "cancelled", EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head`): save quietly, like other tools
        _silence_stdout()
        error, code = "output closed before the reply was complete", EXIT_ERROR
        output_closed = True
    except UnicodeEncodeError:  # what arrived is still saved
        error, code = "the terminal cannot show this text; set PYTHONIOENCODING=utf-8", EXIT_ERROR
    if error is None and not received.content and not received.reasoning:
        reason = received.finish_reason or "none given"
        error, code = f"The model sent an empty reply (finish reason: {reason}).", EXIT_ERROR
    _finish_output(received)
    _fill_reply(reply, received, error)
    session.touch()
    try:
        saved = store.save(session)
    except StoreError as failure:
        raise CommandError(f"the reply could not be saved: {failure}") from None
    if saved.note:
        _say_error(saved.note)
    if code == EXIT_INTERRUPTED:
        _say_error("cancelled; the partial reply is saved")
    elif error is not None and not output_closed:
        raise CommandError(error)
    return code


def _pipe_session(args: argparse.Namespace, settings: Settings, store: SessionStore) -> Session:
    """The session the prompt goes into: the one asked for, the latest, or a new one."""
    from app.store import Session

    session: Session | None = None
    if args.session is not None:
        session = _load_session(store, args.session)
    elif args.resume_latest:
        latest = store.latest()
        if latest is not None:
            session = _load_session(store, latest.id)
    if session is None:
        session = Session.new(settings.model, settings.system_prompt)
        session.params = dict(settings.params)
    elif args.model is not None:
        session.model = settings.model
    return session


def _make_client(settings: Settings) -> ChatClient:
    """The HTTP client for the configured endpoint, or for the built-in demo backend."""
    from app.api import ChatClient

    if settings.demo:
        from app.api._demo import DEMO_BASE_URL, demo_transport

        return ChatClient(DEMO_BASE_URL, None, transport=demo_transport())
    return ChatClient(settings.base_url, settings.api_key)


async def _stream_reply(
    client: ChatClient,
    model: str,
    history: list[dict[str, str]],
    params: dict[str, float | int],
    received: _Reply,
    show_reasoning: bool,
) -> None:
    """Stream the reply into ``received``, writing its text to stdout as it arrives."""
    import time
    from contextlib import aclosing

    from app.api import ContentDelta, ContentWasReasoning, Finish, ReasoningDelta, Usage

    async with client, aclosing(client.stream_chat(model, history, params)) as events:
        async for event in events:
            if isinstance(event, ContentDelta | ReasoningDelta) and received.first_token is None:
                received.first_token = time.monotonic()
            if isinstance(event, ContentDelta):
                received.content.append(event.text)
                if received.wrote_reasoning:
                    _write(sys.stderr, "\n")
                    received.wrote_reasoning = False
                _write(sys.stdout, display_safe(event.text))
            elif isinstance(event, ReasoningDelta):
                received.reasoning.append(event.text)
                if show_reasoning and not received.content:
                    _write(sys.stderr, display_safe(event.text))
                    received.wrote_reasoning = True
            elif isinstance(event, ContentWasReasoning):
                # already printed, but saved as what it was: reasoning, never sent back
                received.reasoning.extend(received.content)
                received.content.clear()
                _write(sys.stdout, "\n\n")
            elif isinstance(event, Usage):
                received.usage = event.as_dict()
            elif isinstance(event, Finish):
                received.finish_reason = event.reason
    received.finished = time.monotonic()


def _finish_output(received: _Reply) -> None:
    """End the printed reply (and any reasoning) with a newline."""
    try:
        if received.wrote_reasoning:
            _write(sys.stderr, "\n")
        text = "".join(received.content)
        if text and not text.endswith("\n"):
            _write(sys.stdout, "\n")
    except BrokenPipeError:
        _silence_stdout()


def _fill_reply(reply: Message, received: _Reply, error: str | None) -> None:
    """Copy what arrived into the session's assistant message, marking it if it is partial."""
    reply.content = "".join(received.content)
    reply.reasoning = "".join(received.reasoning) or None
    reply.usage = received.usage
    reply.finish_reason = received.finish_reason
    if received.first_token is not None:
        reply.ttft = round(received.first_token - received.started, 3)
        elapsed = (received.finished or 0.0) - received.first_token
        if received.usage and received.finished is not None and elapsed > 0:
            reply.tokens_per_second = round(received.usage["completion_tokens"] / elapsed, 1)
    if error is not None:
        reply.incomplete = True
        reply.error = error


def _read_stdin() -> str:
    """The prompt from standard input (undecodable bytes become U+FFFD)."""
    stream = sys.stdin
    if stream is None:
        return ""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return stream.read()
    data: bytes = buffer.read()
    return data.decode("utf-8", "replace")


# --------------------------------------------------------------------------- sessions subcommands


def _sessions_parser() -> _Parser:
    """The parser of ``hcchat sessions ...``."""
    parser = _Parser(prog="hcchat sessions", description="Saved conversations.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", help="saved sessions, newest first, then unreadable files")
    show = commands.add_parser("show", help="a session as plain text")
    show.add_argument("id", metavar="ID")
    export = commands.add_parser("export", help="a session as Markdown or JSON")
    export.add_argument("id", metavar="ID")
    export.add_argument("--format", choices=("md", "json"), default="md", help="default: md")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    imported = commands.add_parser("import", help="save a JSON file as a new session")
    imported.add_argument(
        "file", metavar="FILE", help="a JSON export or a messages array ('-' for stdin)"
    )
    return parser


def _sessions_command(arguments: list[str]) -> int:
    """``hcchat sessions list|show|export|import``."""
    from app.config import sessions_dir
    from app.store import SessionStore, StoreError

    args = _sessions_parser().parse_args(arguments)
    store = SessionStore(sessions_dir())
    try:
        if args.command == "list":
            return _list_sessions(store)
        if args.command == "show":
            return _show_session(store, args.id)
        if args.command == "export":
            return _export_session(store, args.id, args.format, args.output)
        return _import_session(store, args.file)
    except StoreError as error:
        raise CommandError(str(error)) from None


def _list_sessions(store: SessionStore) -> int:
    """Print a table of readable sessions, then one line per unreadable file."""
    from app.store import SessionSummary

    entries = store.list()
    summaries = [entry for entry in entries if isinstance(entry, SessionSummary)]
    unreadable = [entry for entry in entries if not isinstance(entry, SessionSummary)]
    if not entries:
        print(f"No saved sessions in {store.folder}.")
        return EXIT_OK
    if summaries:
        rows = [("ID", "UPDATED", "MESSAGES", "MODELS", "TITLE")]
        for summary in summaries:
            rows.append(
                (
                    one_line(summary.id, 80),
                    _local_time(summary.updated),
                    str(summary.message_count),
                    one_line(", ".join(summary.models), 80) or "-",
                    one_line(summary.title, TITLE_LENGTH) or "(untitled)",
                )
            )
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        for row in rows:
            cells = [
                row[0].ljust(widths[0]),
                row[1].ljust(widths[1]),
                row[2].rjust(widths[2]),
                row[3].ljust(widths[3]),
                row[4],
            ]
            print("  ".join(cells).rstrip())
    for entry in unreadable:
        print(f"{one_line(entry.path.name, 200)}  unreadable: {one_line(entry.reason, 400)}")
    return EXIT_OK


def _show_session(store: SessionStore, session_id: str) -> int:
    """Print a session as readable plain text."""
    session = _load_session(store, session_id)
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


def _export_session(store: SessionStore, session_id: str, fmt: str, output: str | None) -> int:
    """Write a session as Markdown or JSON to stdout or a file."""
    from app.store import to_json, to_markdown

    if output is not None and output != "-":
        from pathlib import Path

        from app.store import SessionNotFound, SessionUnreadable, StoreWriteError

        try:
            store.export(session_id, Path(output), fmt)
        except (SessionNotFound, SessionUnreadable) as error:
            raise _missing_session(session_id, error) from None
        except StoreWriteError as error:
            raise CommandError(f"cannot write {output}: {error.reason or error}") from None
        return EXIT_OK
    session = _load_session(store, session_id)
    text = to_json(session) if fmt == "json" else to_markdown(session)
    if not text.endswith("\n"):
        text += "\n"
    sys.stdout.write(display_safe(text) if sys.stdout.isatty() else text)
    sys.stdout.flush()
    return EXIT_OK


def _import_session(store: SessionStore, source: str) -> int:
    """Save a JSON export or an OpenAI-style messages array as a new session; print its id."""
    from app.store import from_json

    if source == "-":
        text = _read_stdin()
    else:
        try:
            with open(source, "rb") as file:
                text = file.read().decode("utf-8")
        except UnicodeDecodeError:
            raise CommandError(f"{source} is not UTF-8 text") from None
        except OSError as error:
            raise CommandError(f"cannot read {source}: {error.strerror or error}") from None
    session = from_json(text, model=_load_settings(demo=True).model)
    saved = store.save(session)
    print(saved.session_id)
    return EXIT_OK


# --------------------------------------------------------------------------- shared helpers


def _load_settings(
    *, model: str | None = None, base_url: str | None = None, demo: bool = False
) -> Settings:
    """The resolved settings; a ``ConfigError`` becomes a one-line command error."""
    from app.config import ConfigError, load_settings

    try:
        return load_settings(model=model, base_url=base_url, demo=demo)
    except ConfigError as error:
        raise CommandError(str(error)) from None


def _load_session(store: SessionStore, session_id: str) -> Session:
    """Load a session, turning "missing" and "unreadable" into one-line command errors."""
    from app.store import SessionNotFound, SessionUnreadable

    try:
        return store.load(session_id)
    except (SessionNotFound, SessionUnreadable) as error:
        raise _missing_session(session_id, error) from None


def _missing_session(session_id: str, error: Exception) -> CommandError:
    """The one-line message for a session that is not there, or cannot be read."""
    from app.store import SessionUnreadable

    if isinstance(error, SessionUnreadable):
        return CommandError(f"session {session_id!r} cannot be read: {error.reason}")
    return CommandError(f"no session {session_id!r} (see `hcchat sessions list`)")


def _local_time(moment: datetime) -> str:
    """``moment`` in local time as ``YYYY-MM-DD HH:MM``."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _write(stream: TextIO, text: str) -> None:
    """Write and flush at once, so streamed text shows as it arrives."""
    stream.write(text)
    stream.flush()


def _say_error(message: str) -> None:
    """Print ``hcchat: <message>`` to stderr as one terminal-safe line."""
    try:
        sys.stderr.write(f"hcchat: {one_line(message, 2000)}\n")
        sys.stderr.flush()
    except OSError:
        pass


def _describe_os_error(error: OSError) -> str:
    """An OSError as a short sentence, naming the file when there is one."""
    reason = error.strerror or str(error)
    return f"{error.filename}: {reason}" if error.filename else reason


def _silence_stdout() -> None:
    """Point stdout at /dev/null after the reader went away, so exiting does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
