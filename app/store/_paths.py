"""Paths typed or pasted into the prompt: Tab completion of ``/attach``, dropped files.

Plain functions over the file system; the prompt widget and the chat screen call them.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

# The most names a completion lists, and the longest paste looked at as paths.
MAX_CANDIDATES = 200
MAX_PASTE = 16 * 1024
_SPECIAL = frozenset(" \t'\"\\$`!*?[]{}()<>|&;#")


@dataclass(frozen=True, slots=True)
class Completion:
    """What Tab does: the argument becomes ``text``; ``candidates`` lists the names that
    match when there are several (folders end in ``/``), sorted."""

    text: str
    candidates: tuple[str, ...] = ()


def complete_paths(argument: str, cwd: Path | None = None) -> Completion | None:
    """Complete the last path of ``/attach``'s ``argument``; None when nothing matches.

    The last path is a shell-like word (``a\\ b.txt``, ``"a b.txt`` with its quote open),
    written back in the same style; an argument with spaces but no quotes or backslashes is
    first tried as one path, as ``/attach My Notes.txt`` takes it. A folder gets ``/``, a
    single file a space (and its closing quote), so the next path can follow.
    """
    base = cwd or Path.cwd()
    if " " in argument.strip() and not any(c in argument for c in "'\"\\"):
        whole = _complete_word(argument.lstrip(), base, style="raw")
        if whole is not None:
            lead = argument[: len(argument) - len(argument.lstrip())]
            return Completion(lead + whole.text, whole.candidates)
    start, word, quote = _last_word(argument)
    style = quote or "escaped"
    done = _complete_word(word, base, style=style)
    if done is None:
        return None
    return Completion(argument[:start] + done.text, done.candidates)


def pasted_paths(text: str, cwd: Path | None = None) -> list[Path] | None:
    """The files a paste names, when the whole paste is one or more existing files.

    Terminals paste a dropped file as its path: plain, quoted, with backslash-escaped
    spaces, or as a ``file://`` URL (one a line when several). Anything else (a folder, a
    word that is not a file, any other text) is None: the paste stays text.
    """
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_PASTE:
        return None
    base = cwd or Path.cwd()
    whole = _existing_file(_from_url(stripped), base)
    if whole is not None:
        return [whole]
    found: list[Path] = []
    for line in stripped.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("file://"):
            words = [_from_url(word) for word in line.split()]
        else:
            try:
                words = shlex.split(line)
            except ValueError:
                return None
        for word in words:
            path = _existing_file(word, base)
            if path is None:
                return None
            found.append(path)
    return found or None


def _from_url(text: str) -> str:
    """The path of a ``file://`` URL (percent-decoded), or ``text`` as it is."""
    if not text.startswith("file://"):
        return text
    parts = urlsplit(text)
    if parts.netloc not in ("", "localhost"):
        return text  # another machine's file
    return unquote(parts.path)


def _existing_file(word: str, base: Path) -> Path | None:
    if not word or "\n" in word or "\x00" in word:
        return None
    path = Path(word).expanduser()
    if not path.is_absolute():
        path = base / path
    try:
        return path if path.is_file() else None
    except OSError:  # a name too long, a loop of links
        return None


def _last_word(argument: str) -> tuple[int, str, str | None]:
    """Where the last shell-like word of ``argument`` starts, the word unquoted, and the
    quote still open in it (if any). A word ended by a space is done: an empty last word."""
    start, word, quote, escaped = len(argument), "", None, False
    in_word = False
    for index, char in enumerate(argument):
        if escaped:
            word, escaped = word + char, False
        elif quote is not None:
            if char == quote:
                quote = None
            else:
                word += char
        elif char == "\\":
            escaped = True
        elif char in "'\"":
            quote = char
        elif char.isspace():
            in_word, word = False, ""
            start = index + 1
            continue
        else:
            word += char
        if not in_word:
            in_word = True
            start = index
    if not in_word:
        start = len(argument)
    # the quote the word opened with (its style), when it is still open
    return start, word, quote


def _complete_word(word: str, base: Path, *, style: str) -> Completion | None:
    """Complete one path ``word``; the result is written in ``style``: ``raw``, ``escaped``
    or a quote character (the word was opened with it)."""
    folder_part, _, prefix = word.rpartition("/")
    if "/" in word:
        shown_folder = folder_part + "/"
        folder = Path(shown_folder).expanduser()
    else:
        if word.startswith("~") and word != "~":
            return _complete_home(word, style)
        if word == "~":
            return Completion(_written("~/", style, done=False))
        shown_folder, folder = "", Path(".")
    if not folder.is_absolute():
        folder = base / folder
    names = _names(folder, prefix)
    if not names:
        return None
    common = _common_prefix(names)
    if len(names) == 1:
        return Completion(_written(shown_folder + names[0], style, done=not common.endswith("/")))
    listed = tuple(names[:MAX_CANDIDATES])
    return Completion(_written(shown_folder + common, style, done=False), listed)


def _complete_home(word: str, style: str) -> Completion | None:
    """``~name``: a user's home folder, as the shell completes it."""
    try:
        import pwd
    except ImportError:  # pragma: no cover - not on Windows
        return None
    prefix = word[1:]
    users = sorted({f"~{e.pw_name}/" for e in pwd.getpwall() if e.pw_name.startswith(prefix)})
    if not users:
        return None
    common = _common_prefix(users)
    candidates = tuple(users[:MAX_CANDIDATES]) if len(users) > 1 else ()
    return Completion(_written(common, style, done=False), candidates)


def _common_prefix(names: list[str]) -> str:
    """The longest start every name shares, character by character (not by path part)."""
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def _names(folder: Path, prefix: str) -> list[str]:
    """The entries of ``folder`` starting with ``prefix``, folders with a ``/``, sorted;
    hidden ones only when the prefix starts with a dot."""
    names: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.startswith(prefix):
                    continue
                if entry.name.startswith(".") and not prefix.startswith("."):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                names.append(entry.name + "/" if is_dir else entry.name)
    except OSError:
        return []
    return sorted(names)


def _written(path: str, style: str, *, done: bool) -> str:
    """``path`` as the prompt shows it; ``done``: a whole file name, so the word ends."""
    if style == "raw":
        return path
    if style in ("'", '"'):
        if style == "'":
            body = path.replace("'", "'\\''")
        else:
            body = "".join("\\" + c if c in '"\\' else c for c in path)
        return f"{style}{body}{style} " if done else f"{style}{body}"
    escaped = "".join("\\" + c if c in _SPECIAL else c for c in path)
    return escaped + " " if done else escaped
