"""Every action of the app in one registry: its id, default key, slash name and where it applies.

Plain data (no Textual), so the config file's ``[keys]`` check can use it too. The UI builds
from it each screen's ``BINDINGS``, the command palette's entries, the slash commands and the
help screen; adding an action is one entry here and the method that runs it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Scope = Literal["app", "chat", "message", "browser"]


@dataclass(frozen=True, slots=True)
class Command:
    """One action.

    ``id`` is the name ``[keys]`` rebinds (a Textual binding id); ``key`` its default key(s);
    ``action`` the Textual action it runs on the node of its ``scope`` (``app``: the App;
    ``chat``: the chat screen; ``message``: a selected message; ``browser``: the session
    browser). ``slash`` is the name of its slash command (``usage`` shows its arguments), which
    the chat screen runs as ``slash_<name>(argument)``. ``footer``: shown in the footer;
    ``palette``: offered by the command palette (Ctrl+P), under ``title`` (the footer's
    ``description`` if no title is given).
    """

    id: str
    description: str
    action: str
    scope: Scope
    key: str | None = None
    slash: str | None = None
    usage: str = ""
    help: str = ""
    title: str = ""
    footer: bool = True
    palette: bool = True
    priority: bool = False


COMMANDS: tuple[Command, ...] = (
    # the app
    Command("quit", "Quit", "quit", "app", "ctrl+q", priority=True, palette=False, title="Quit",
            help="quit (a reply still streaming is saved, marked incomplete)"),
    # the chat screen
    Command("cancel", "Cancel", "cancel", "chat", "escape", title="Cancel reply",
            help="stop the reply that is streaming (what arrived is kept), or stop editing"),
    Command("new", "New", "new_session", "chat", "ctrl+n", slash="new", footer=False,
            title="New chat", help="start a new session"),
    Command("sessions", "Sessions", "sessions", "chat", "ctrl+o", slash="sessions",
            title="Browse sessions",
            help="browse, search, open, rename, delete and export sessions"),
    Command("model", "Model", "pick_model", "chat", "ctrl+l", slash="model", usage="[ID]",
            title="Switch model", help="pick a model, or switch straight to ID"),
    Command("settings", "Settings", "settings", "chat", "ctrl+s", slash="settings", footer=False,
            title="Session settings", help="edit the system prompt and parameters in a form"),
    Command("retry", "Retry", "retry", "chat", "ctrl+r", slash="retry",
            title="Retry or regenerate",
            help="retry a failed reply, or regenerate the last one with the current model"),
    Command("help", "Help", "help", "chat", "f1", slash="help", title="Help",
            help="the slash commands and keys"),
    Command("select", "Select message", "select_message", "chat", "ctrl+up", footer=False,
            title="Select message",
            help="select the last message (then Up/Down move between messages)"),
    Command("history", "Search history", "search_history", "chat", "ctrl+f", footer=False,
            title="Search earlier prompts",
            help="search the prompts of every session as you type; Enter puts one in the prompt"),
    Command("editor", "Editor", "editor", "chat", "ctrl+b", slash="editor", footer=False,
            title="Compose in $EDITOR",
            help="edit the prompt in $VISUAL or $EDITOR (else nano, vi); saving puts it back"),
    Command("attach", "Attach files", "attach", "chat", slash="attach", usage="PATH...",
            help="send files with your next message: text, or PNG/JPEG/GIF/WebP images"),
    Command("detach", "Remove attachments", "detach", "chat", slash="detach",
            help="remove the files waiting to go with your next message"),
    Command("role", "Role", "pick_role", "chat", slash="role", usage="[NAME]",
            title="Switch role",
            help="pick a role of the config's [roles], or switch straight to NAME"),
    Command("scroll.page_up", "Page up", "scroll_page(-1)", "chat", "pageup", footer=False,
            priority=True, palette=False, help="scroll the conversation up a page"),
    Command("scroll.page_down", "Page down", "scroll_page(1)", "chat", "pagedown",
            footer=False, priority=True, palette=False,
            help="scroll the conversation down a page"),
    Command("scroll.top", "Top", "scroll_to(0)", "chat", "ctrl+home", footer=False,
            priority=True, title="Scroll to the top",
            help="scroll to the start of the conversation"),
    Command("scroll.bottom", "Bottom", "scroll_to(1)", "chat", "ctrl+end", footer=False,
            priority=True, title="Scroll to the bottom",
            help="scroll to the end of the conversation (and follow a reply)"),
    Command("system", "System prompt", "settings", "chat", slash="system", usage="TEXT",
            palette=False, help="set the system prompt (/system alone removes it)"),
    Command("set", "Set a parameter", "settings", "chat", slash="set",
            usage="temperature|top_p|max_tokens|reasoning_effort VALUE", palette=False,
            help="set a parameter (VALUE 'default' removes it)"),
    Command("copy", "Copy last reply", "copy_reply", "chat", slash="copy",
            help="copy the last reply to the clipboard"),
    Command("edit", "Edit last message", "edit_last", "chat", slash="edit",
            help="edit your last message and ask again (the old versions are kept)"),
    Command("fork", "Fork session", "fork", "chat", slash="fork",
            help="copy the conversation up to the selected (or last) message into a new session"),
    Command("compact", "Compact history", "compact", "chat", slash="compact", footer=False,
            help="have the current model summarise the earlier turns; the summary is sent "
            "instead of them (they stay in the file)"),
    Command("compare", "Compare models", "compare", "chat", slash="compare",
            usage="M1 M2 [M3 M4] | on M1 M2 [M3 M4] | off",
            help="ask the last prompt again of 2-4 models at once, side by side; 'on': every "
                 "next prompt goes to them, 'off' ends that"),
    Command("compare.pick1", "Pick 1", "pick(1)", "chat", "1", priority=True, footer=False,
            title="Pick compared reply 1",
            help="keep compared reply 1 as the reply (in an empty prompt; the others stay "
                 "versions)"),
    Command("compare.pick2", "Pick 2", "pick(2)", "chat", "2", priority=True, footer=False,
            title="Pick compared reply 2", help="keep compared reply 2 as the reply"),
    Command("compare.pick3", "Pick 3", "pick(3)", "chat", "3", priority=True, footer=False,
            title="Pick compared reply 3", help="keep compared reply 3 as the reply"),
    Command("compare.pick4", "Pick 4", "pick(4)", "chat", "4", priority=True, footer=False,
            title="Pick compared reply 4", help="keep compared reply 4 as the reply"),
    Command("rename", "Rename session", "rename", "chat", slash="rename", usage="TITLE",
            help="rename this session"),
    Command("export", "Export session", "export", "chat", slash="export", usage="[md|json]",
            help="write this session to a Markdown or JSON file"),
    # a selected message
    Command("message.copy", "Copy", "copy", "message", "c", title="Copy the message",
            help="copy the message"),
    Command("message.code", "Copy code", "copy_code", "message", "b", title="Copy a code block",
            help="copy its next code block (each press moves to the following one)"),
    Command("message.wrap", "Wrap code", "wrap", "message", "w", title="Wrap or cut code lines",
            help="wrap its long code lines, or cut them at the edge (a toggle)"),
    Command("message.blocks", "Open blocks", "toggle_blocks", "message", "o", footer=False,
            title="Open or close reasoning and tool calls",
            help="open its reasoning and tool call blocks, or close them (a toggle)"),
    Command("message.previous", "Previous", "version(-1)", "message", "left",
            title="Previous version",
            help="show the message's previous version, with the conversation that followed it"),
    Command("message.next", "Next", "version(1)", "message", "right",
            title="Next version",
            help="show the message's next version, with the conversation that followed it"),
    Command("message.edit", "Edit", "edit", "message", "e", title="Edit the message",
            help="edit this message of yours and ask again: a new branch (the old one is kept)"),
    Command("message.regenerate", "Regenerate", "regenerate", "message", "r", footer=False,
            title="Regenerate the reply",
            help="ask again for this reply with the current model: a new branch"),
    Command("message.delete", "Delete turn", "delete", "message", "d", footer=False,
            title="Delete the turn",
            help="delete this turn (your message and its reply), kept as a version or purged"),
    Command("message.up", "Up", "focus_sibling(-1)", "message", "up", footer=False,
            palette=False, help="select the message above"),
    Command("message.down", "Down", "focus_sibling(1)", "message", "down", footer=False,
            palette=False, help="select the message below"),
    Command("message.leave", "Back to prompt", "leave", "message", "escape",
            help="go back to the prompt"),
    # the session browser
    Command("browser.close", "Back", "close", "browser", "escape", priority=True,
            help="close the session browser"),
    Command("browser.down", "Down", "move(1)", "browser", "down", footer=False, priority=True,
            palette=False, help="move to the next session"),
    Command("browser.up", "Up", "move(-1)", "browser", "up", footer=False, priority=True,
            palette=False, help="move to the previous session"),
    Command("browser.rename", "Rename", "rename", "browser", "ctrl+r", priority=True,
            help="rename the selected session"),
    Command("browser.delete", "Delete", "delete", "browser", "ctrl+d", priority=True,
            help="delete the selected session"),
    Command("browser.export", "Export", "export", "browser", "ctrl+e", priority=True,
            help="export the selected session"),
)  # fmt: skip


def title_of(command: Command) -> str:
    """What the palette and the help screen call a command."""
    return command.title or command.description


BY_ID: Mapping[str, Command] = MappingProxyType({command.id: command for command in COMMANDS})
SLASH: Mapping[str, Command] = MappingProxyType(
    {command.slash: command for command in COMMANDS if command.slash}
)
# The ids ``[keys]`` may rebind, with their default keys.
KEY_ACTIONS: Mapping[str, str] = MappingProxyType(
    {command.id: command.key for command in COMMANDS if command.key}
)


def in_scope(scope: Scope) -> Iterator[Command]:
    """The commands of one scope, in registry order."""
    return (command for command in COMMANDS if command.scope == scope)


def key_scopes() -> list[tuple[str, ...]]:
    """Groups of ids whose keys are live at the same time (the app's own go with each)."""
    app = tuple(command.id for command in in_scope("app") if command.key)
    return [
        (*(command.id for command in in_scope(scope) if command.key), *app)
        for scope in ("chat", "message", "browser")
    ]
