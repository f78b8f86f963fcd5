"""A fast reader for session files in exactly the layout hcchat writes; tomllib does the rest.

tomllib spends about 2 ms on a 20-message session, so listing 10,000 sessions without an index
took 20 s. hcchat's own files use a small part of TOML: one ``key = value`` a line with a bare
key, basic strings, UTC date-times, integers, floats, booleans, an array of strings on one
line, an inline table of numbers and strings, and the headers ``[listing]``, ``[params]``,
``[[messages]]`` and the arrays of tables
under it (``[[messages.alternatives]]``, ``[[messages.alternatives.branch]]``, and so on down the
branches of a conversation).
``read_own_layout`` parses exactly that with one regular expression, and returns ``None`` for
anything else (comments, other quoting, escapes it does not know, CRLF, a duplicate key, an
impossible date...), so the caller falls back to tomllib. Whenever it returns a dict, that dict
equals what ``tomllib.loads`` returns for the same text (tests/store/test_fast_reader.py).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from json.decoder import scanstring as _scanstring  # type: ignore[attr-defined]
from typing import Any

# A basic string: runs of ordinary characters between the escapes that JSON reads the same way.
_CHARS = r'[^"\\\x00-\x08\x0a-\x1f\x7f]*+'
_ESCAPE = r'\\(?:[btnfr"\\]|u(?![dD][89a-fA-F])[0-9a-fA-F]{4})'
_STRING = rf'"{_CHARS}(?:{_ESCAPE}{_CHARS})*+"'
_DATETIME = (
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{6})?Z"
)
_INTEGER = r"-?(?:0|[1-9][0-9]*)"
_FLOAT = rf"{_INTEGER}(?:\.[0-9]+(?:e[+-]?[0-9]+)?|e[+-]?[0-9]+)"
_KEY = r"[A-Za-z0-9_-]+"
_NUMBER = rf"{_INTEGER}(?:\.[0-9]+(?:e[+-]?[0-9]+)?|e[+-]?[0-9]+)?"
_INLINE_VALUE = rf"(?:{_NUMBER}|{_STRING})"
_INLINE = rf"\{{ {_KEY} = {_INLINE_VALUE}(?:, {_KEY} = {_INLINE_VALUE})* \}}"
# The arrays of tables of a conversation tree: the versions of a message and their branches.
_TREE_HEADER = r"\[\[messages(?:\.alternatives\.branch)*+(?:\.alternatives)?+\]\]"
_STRINGS = rf"\[(?:{_STRING}(?:, {_STRING})*+)?\]"

# One line: a table header, a blank line, or a key and a value (typed by the group it matched).
_LINE = (
    r"^(?:(" + _TREE_HEADER + r"|\[params\]|\[listing\])"
    r"|(" + _KEY + r") = (?:"
    r"(" + _STRING + r")"
    r"|(" + _DATETIME + r")"
    r"|(" + _FLOAT + r")"
    r"|(" + _INTEGER + r")"
    r"|(true|false)"
    r"|(" + _INLINE + r")"
    r"|(" + _STRINGS + r")"
    r"))?\n"
)
_PAIR = rf"({_KEY}) = (?:({_NUMBER})|({_STRING}))(?:, | \}}$)"


# The parts of the layout, for the reader of a file's first lines (``summary_from_head``).
STRING, DATETIME, INTEGER, FLOAT, KEY = _STRING, _DATETIME, _INTEGER, _FLOAT, _KEY


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The line, inline pair and string patterns, compiled on first use (not at start-up:
    the app imports the store before its first frame, and reads a file only later)."""
    return re.compile(_LINE, re.MULTILINE), re.compile(_PAIR), re.compile(_STRING)


class _NotOwnLayout(Exception):
    """The text is not in hcchat's own layout (or is not valid TOML): let tomllib decide."""


def read_own_layout(text: str) -> dict[str, Any] | None:
    """What ``tomllib.loads(text)`` returns, if ``text`` is in hcchat's own layout; else None."""
    try:
        return _read(text)
    except _NotOwnLayout:
        return None


def _read(text: str) -> dict[str, Any]:
    root: dict[str, Any] = {}
    table = root
    # the arrays made by [[...]] headers (a "key = [...]" value cannot be extended by one)
    arrays: set[int] = set()
    if not text.endswith("\n"):
        raise _NotOwnLayout
    # every match is one whole line (values hold no raw line break): if there are as many
    # matches as lines, every line is in the layout
    line_pattern, _, string_pattern = _patterns()
    lines = line_pattern.findall(text)
    if len(lines) != text.count("\n"):
        raise _NotOwnLayout
    for header, key, string, moment, floating, integer, boolean, inline, strings in lines:
        if header:
            if header in ("[params]", "[listing]"):
                name = header[1:-1]
                if name in root or id(root.get("messages")) in arrays:
                    raise _NotOwnLayout
                table = root[name] = {}
            else:
                table = _append_table(root, header[2:-2].split("."), arrays)
            continue
        if not key:
            continue  # a blank line
        if key in table:
            raise _NotOwnLayout  # a duplicate key: tomllib reports it
        if string:
            value: Any = _string(string)
        elif moment:
            value = _datetime(moment)
        elif floating:
            value = float(floating)
        elif integer:
            value = int(integer)
        elif boolean:
            value = boolean == "true"
        elif inline:
            value = _inline(inline)
        else:
            value = [_string(item) for item in string_pattern.findall(strings)]
        table[key] = value
    return root


def _append_table(root: dict[str, Any], path: list[str], arrays: set[int]) -> dict[str, Any]:
    """The new last table of the array of tables ``path`` names (``[[a.b.c]]``)."""
    owner = root
    for name in path[:-1]:
        array = owner.get(name)
        if type(array) is not list or id(array) not in arrays or not array:
            raise _NotOwnLayout  # a header under a table that is not there: tomllib decides
        owner = array[-1]
    name = path[-1]
    array = owner.get(name)
    if array is None:
        array = owner[name] = []
        arrays.add(id(array))
    elif id(array) not in arrays:
        raise _NotOwnLayout  # "messages = []" or another value cannot be extended
    table: dict[str, Any] = {}
    array.append(table)
    return table


def _string(literal: str) -> str:
    if "\\" not in literal:
        return literal[1:-1]
    return string_value(literal)


def string_value(literal: str) -> str:
    """The value of a basic string that matched ``STRING`` (quotes included)."""
    # the pattern allows only escapes that JSON reads the same way (and raw tabs)
    result: str = _scanstring(literal, 1, False)[0]
    return result


def strings(array: str) -> list[str]:
    """The basic strings (quoted, as literals) of a one-line array that matched the layout."""
    return _patterns()[2].findall(array)


def _datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)  # the pattern allows only YYYY-MM-DDTHH:MM:SS[.f]Z
    except ValueError:
        raise _NotOwnLayout from None  # e.g. February 30: tomllib reports it


def _number(text: str) -> int | float:
    return float(text) if "." in text or "e" in text else int(text)


def _inline(text: str) -> dict[str, int | float | str]:
    # pair by pair from the left: a string may hold ", x = 1" itself
    table: dict[str, int | float | str] = {}
    position = 2  # after "{ "
    pair = _patterns()[1]
    while position < len(text):
        match = pair.match(text, position)
        if match is None:
            raise _NotOwnLayout
        key, number, string = match.groups()
        if key in table:
            raise _NotOwnLayout  # a duplicate key: tomllib reports it
        table[key] = _number(number) if number is not None else _string(string)
        position = match.end()
    return table
