"""Slash commands typed into the prompt: parsing only, the chat screen runs them."""

from __future__ import annotations

from dataclasses import dataclass

from app.params import PARAMS

HELP = """\
/model [ID]                      pick a model, or switch straight to ID
/new                             start a new session
/sessions                        browse, search, open, rename, delete and export sessions
/system TEXT                     set the system prompt (/system alone clears it)
/set temperature|top_p|max_tokens VALUE   set a parameter (VALUE 'default' unsets it)
/settings                        edit the system prompt and parameters in a form
/retry                           retry a failed reply, or regenerate the last one
/copy                            copy the last reply to the clipboard
/edit                            edit your last message and ask again (old versions are kept)
/rename TITLE                    rename this session
/export [md|json]                export this session to a file in the current folder
/help                            this list

On a message (Ctrl+Up selects the last one, Up/Down move, Escape returns to the prompt):
c copies it · b copies its next code block · Left/Right show other versions of a reply ·
e edits your last message. The mouse can select text too (hold Shift in most terminals)."""

COMMANDS = (
    "model",
    "new",
    "sessions",
    "system",
    "set",
    "settings",
    "retry",
    "copy",
    "edit",
    "rename",
    "export",
    "help",
)


@dataclass(frozen=True, slots=True)
class SlashCommand:
    """A parsed slash command: its name and the rest of the line."""

    name: str
    argument: str


class CommandError(ValueError):
    """A slash command that cannot be run as typed; the message says why."""


def parse_command(text: str) -> SlashCommand | None:
    """Parse ``/name argument``; None when ``text`` is not a command (does not start with '/')."""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    name, _, argument = stripped[1:].partition(" ")
    name = name.lower()
    if name not in COMMANDS:
        raise CommandError(f"Unknown command /{name}. Type /help for the list.")
    return SlashCommand(name, argument.strip())


def parse_set(argument: str) -> tuple[str, str]:
    """Split the argument of ``/set`` into a parameter name and a raw value."""
    name, _, value = argument.partition(" ")
    if not name or not value.strip():
        raise CommandError(f"Usage: /set {'|'.join(PARAMS)} VALUE")
    return name, value.strip()
