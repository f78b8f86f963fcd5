"""Textual bindings, palette entries and help text, made from the command registry."""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding, BindingType

from app.commands import COMMANDS, Scope, in_scope, title_of


def bindings(scope: Scope) -> list[BindingType]:
    """The ``BINDINGS`` of the node that runs the commands of ``scope``."""
    return [
        Binding(
            command.key,
            command.action,
            command.description,
            show=command.footer,
            priority=command.priority,
            id=command.id,
        )
        for command in in_scope(scope)
        if command.key
    ]


_SCOPE_TITLES: dict[Scope, str] = {
    "chat": "Chat",
    "message": "On a selected message (Ctrl+Up selects the last one)",
    "browser": "In the session browser (Ctrl+O)",
    "app": "Anywhere",
}


HelpRows = list[tuple[str, list[tuple[str, str]]]]


def help_sections(keys: Mapping[str, str], display: Mapping[str, str]) -> HelpRows:
    """The help screen's sections: the keys of the chat, of a selected message, of the browser,
    then the slash commands; each a title and rows of (key or command, what it does).

    ``keys``: the user's ``[keys]`` (id -> key); ``display``: how to show a key (Textual's
    names, e.g. ``ctrl+o`` -> ``^o``), where known.
    """
    sections: HelpRows = []
    for scope in ("chat", "message", "browser", "app"):
        rows = [
            (_shown(keys.get(command.id, command.key or ""), display), title_of(command))
            for command in in_scope(scope)
            if command.key
        ]
        sections.append((_SCOPE_TITLES[scope], rows))
    slash = [
        (f"/{command.slash} {command.usage}".rstrip(), command.help)
        for command in COMMANDS
        if command.slash
    ]
    slash.append(("//text", "send a message that starts with a slash"))
    sections.append(("Slash commands (type them into the prompt)", slash))
    return sections


def _shown(keys: str, display: Mapping[str, str]) -> str:
    return ", ".join(display.get(key, key) for key in keys.split(","))
