"""The command line's parsers, and the command they name: the app, pipe mode or ``sessions``.

Also the loaders every command shares, which turn a config or store failure into a one-line
:class:`CommandError`. Pipe mode and the ``sessions`` subcommands are imported when they run.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, NoReturn

from app import __version__
from app.cli._errors import EXIT_USAGE, CommandError, say_error

if TYPE_CHECKING:
    from app.config import Settings
    from app.roles import Role
    from app.store import Session, SessionStore

_SUBCOMMANDS = """\
sessions:
  hcchat sessions list                    saved sessions, newest first
  hcchat sessions show ID [--all]         a session as plain text (--all: every branch)
  hcchat sessions export ID [--format md|json] [--all-versions] [--attachments] [-o FILE]
  hcchat sessions import FILE             a JSON export or an OpenAI-style messages array
  hcchat sessions search QUERY            matching sessions and messages, every branch included
  hcchat sessions fork ID [--at N]        a copy up to message N as a new session; prints its id

pipe mode:
  hcchat -p "prompt"    or    echo "prompt" | hcchat -p
  hcchat -p --compare M1,M2 "prompt"      every model at once, each reply under ==> M <==
"""


class ParserExit(Exception):
    """argparse finished early (help, version, usage error) with this exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one ``hcchat: ...`` line and that never exits."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error as one line and stop with exit code 2."""
        say_error(f"{message} (see `{self.prog} --help`)")
        raise ParserExit(EXIT_USAGE)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        """Stop parsing (after ``--help`` or ``--version``) without raising SystemExit."""
        if message:
            sys.stderr.write(message)
        raise ParserExit(status)


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
        "-a",
        "--attach",
        metavar="FILE",
        action="append",
        help="with -p: send FILE with the prompt (text, or a PNG/JPEG/GIF/WebP image); repeatable",
    )
    parser.add_argument(
        "--role",
        metavar="NAME",
        help="start with the config's [roles.NAME]: its system prompt, model and parameters",
    )
    parser.add_argument(
        "--endpoint",
        metavar="NAME",
        help="use the config's [endpoints.NAME] (default: the base URL's, named 'default')",
    )
    parser.add_argument(
        "--reasoning",
        action="store_true",
        help="with -p: also print the model's reasoning, to stderr",
    )
    parser.add_argument(
        "--compare",
        metavar="M1,M2",
        help="with -p: ask every model named at once; print each reply under a ==> MODEL <== "
        "line, in this order (exit 1 if any failed)",
    )
    parser.add_argument("prompt", nargs="*", help="the prompt, with -p")
    return parser


def chat_command(arguments: list[str]) -> int:
    """``hcchat [options]``: the full-screen app, or pipe mode with ``-p``."""
    parser = _chat_parser()
    args = parser.parse_intermixed_args(arguments)
    if args.prompt and not args.print_mode:
        parser.error(f"unexpected argument {args.prompt[0]!r}; a prompt needs -p/--print")
    if args.reasoning and not args.print_mode:
        parser.error("--reasoning only applies with -p/--print")
    if args.compare is not None and not args.print_mode:
        parser.error("--compare only applies with -p/--print (in the app: /compare M1 M2)")
    if args.compare is not None and args.reasoning:
        parser.error("--reasoning does not apply with --compare (each reply is printed whole)")
    if args.attach and not args.print_mode:
        parser.error("-a/--attach only applies with -p/--print (in the app: /attach PATH)")
    settings = load_settings(model=args.model, base_url=args.base_url, demo=args.demo)
    settings = load_endpoint(settings, args.endpoint)
    if args.print_mode:
        from app.cli._pipe import pipe_mode

        return pipe_mode(args, settings)
    return _run_tui(args, settings)


def _run_tui(args: argparse.Namespace, settings: Settings) -> int:
    """Check a requested session and role exist, then run the full-screen app."""
    role = load_role(settings, args.role)
    if args.session is not None:
        from app.store import SessionStore

        load_session(SessionStore(settings.sessions_dir), args.session)
    from app.ui import run_app

    return run_app(
        settings,
        session_id=args.session,
        resume_latest=args.resume_latest,
        role=role,
        model=args.model,
        endpoint=args.endpoint and settings.endpoint,
    )


# --------------------------------------------------------------------------- sessions subcommands


def _sessions_parser() -> _Parser:
    """The parser of ``hcchat sessions ...``."""
    parser = _Parser(prog="hcchat sessions", description="Saved conversations.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", help="saved sessions, newest first, then unreadable files")
    show = commands.add_parser("show", help="a session as plain text")
    show.add_argument("id", metavar="ID")
    show.add_argument(
        "--all", action="store_true", help="also every other version and branch, marked"
    )
    export = commands.add_parser("export", help="a session as Markdown or JSON")
    export.add_argument("id", metavar="ID")
    export.add_argument("--format", choices=("md", "json"), default="md", help="default: md")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    export.add_argument(
        "--all-versions", action="store_true", help="also every other version and branch"
    )
    export.add_argument(
        "--attachments",
        action="store_true",
        help="with --format json: each attachment's bytes too, as base64 'data' "
        "(without it, attachments are named only: name, type, size, sha256)",
    )
    imported = commands.add_parser("import", help="save a JSON file as a new session")
    imported.add_argument(
        "file", metavar="FILE", help="a JSON export or a messages array ('-' for stdin)"
    )
    search = commands.add_parser("search", help="sessions and messages that contain QUERY")
    search.add_argument("query", metavar="QUERY")
    fork = commands.add_parser("fork", help="copy a session up to a message into a new one")
    fork.add_argument("id", metavar="ID")
    fork.add_argument(
        "--at",
        metavar="N",
        type=int,
        help="the last message to copy, numbered as `sessions show` does (default: all)",
    )
    return parser


def sessions_command(arguments: list[str]) -> int:
    """``hcchat sessions list|show|export|import|search|fork``."""
    from app._folders import sessions_dir
    from app.cli import _sessions

    args = _sessions_parser().parse_args(arguments)
    if args.command == "list":
        # the index alone, not the store: what listing 10,000 sessions loads is part of its time
        return _sessions.list_sessions(sessions_dir())
    from app.store import SessionStore, StoreError

    store = SessionStore(sessions_dir())
    try:
        if args.command == "show":
            return _sessions.show_session(store, args.id, every_branch=args.all)
        if args.command == "export":
            return _sessions.export_session(
                store,
                args.id,
                args.format,
                args.output,
                all_versions=args.all_versions,
                attachments=args.attachments,
            )
        if args.command == "search":
            return _sessions.search_sessions(store, args.query)
        if args.command == "fork":
            return _sessions.fork_session(store, args.id, args.at)
        return _sessions.import_session(store, args.file)
    except StoreError as error:
        raise CommandError(str(error)) from None


# --------------------------------------------------------------------------- shared loaders


def load_settings(
    *, model: str | None = None, base_url: str | None = None, demo: bool = False
) -> Settings:
    """The resolved settings; a ``ConfigError`` becomes a one-line command error."""
    from app.config import ConfigError, load_settings

    try:
        settings = load_settings(model=model, base_url=base_url, demo=demo)
    except ConfigError as error:
        raise CommandError(str(error)) from None
    for warning in settings.warnings:
        say_error(f"warning: {warning}")
    return settings


def load_role(settings: Settings, name: str | None) -> Role | None:
    """The role ``--role`` names (None without the flag); an unknown one is a command error."""
    if name is None:
        return None
    from app.roles import UnknownRole, find_role

    try:
        return find_role(settings.roles, name)
    except UnknownRole as error:
        raise CommandError(f"--role: {error}", EXIT_USAGE) from None


def load_endpoint(settings: Settings, name: str | None) -> Settings:
    """The settings with ``--endpoint NAME`` as the one to use; an unknown name is a usage
    error listing the known ones."""
    if name is None:
        return settings
    from dataclasses import replace

    from app.endpoints import UnknownEndpoint

    try:
        endpoint = settings.endpoint_named(name)
    except UnknownEndpoint as error:
        raise CommandError(f"--endpoint: {error}", EXIT_USAGE) from None
    return replace(settings, endpoint=endpoint.name)


def load_session(store: SessionStore, session_id: str) -> Session:
    """Load a session, turning "missing" and "unreadable" into one-line command errors."""
    from app.store import SessionNotFound, SessionUnreadable

    try:
        return store.load(session_id)
    except (SessionNotFound, SessionUnreadable) as error:
        raise missing_session(session_id, error) from None


def missing_session(session_id: str, error: Exception) -> CommandError:
    """The one-line message for a session that is not there, or cannot be read."""
    from app.store import SessionUnreadable

    if isinstance(error, SessionUnreadable):
        return CommandError(f"session {session_id!r} cannot be read: {error.reason}")
    return CommandError(f"no session {session_id!r} (see `hcchat sessions list`)")


def read_stdin() -> str:
    """The prompt from standard input (undecodable bytes become U+FFFD)."""
    stream = sys.stdin
    if stream is None:
        return ""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return stream.read()
    data: bytes = buffer.read()
    return data.decode("utf-8", "replace")
