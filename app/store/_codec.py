"""Session <-> TOML text, schema 1 of DESIGN.md.

tomli-w formats every key and value; the table layout (``[params]``, ``[[messages]]``,
``[[messages.alternatives]]``, and ``[[messages.alternatives.branch]]`` for the conversation
that followed an alternative, recursively) is laid out here so a file always looks like the
DESIGN example, whatever the length of its messages (tomli-w alone inlines short arrays of
tables).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from typing import TypeVar

from app.params import checked_params
from app.store import _fast_reader as _layout
from app.store._errors import SessionFormatError
from app.store._fast_reader import read_own_layout
from app.store._model import (
    SCHEMA,
    Attachment,
    ForkOrigin,
    Message,
    Session,
    SessionSummary,
    ToolCall,
)

ROLES = frozenset({"system", "user", "assistant"})

Scalar = str | int | float | bool | datetime
T = TypeVar("T")


def clean_text(text: str) -> str:
    """``text`` with unpaired surrogates replaced by U+FFFD (they cannot be encoded as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def session_to_toml(session: Session) -> str:
    """The TOML text of ``session`` (schema 1); every string round-trips exactly.

    A ``[listing]`` table follows the top-level keys: what the session list shows, and the
    file's length, so a listing reads only a file's first lines (``summary_from_head``).
    """
    top: dict[str, Scalar | list[object]] = {
        "schema": SCHEMA,
        "id": session.id,
        "title": session.title,
        "created": session.created,
        "updated": session.updated,
        "model": session.model,
    }
    if session.title_locked:
        top["title_locked"] = True
    if session.role:
        top["role"] = session.role
    if session.endpoint:
        top["endpoint"] = session.endpoint
    if not session.messages:
        top["messages"] = []
    parts = [_scalar_lines(top)]
    if session.forked_from is not None:
        origin: dict[str, int | str] = {
            "id": session.forked_from.id,
            "message": session.forked_from.message,
        }
        parts[0] += f"forked_from = {_inline_table(origin)}\n"
    parts.append(_summary_lines(session))
    if session.params:
        parts.append("[params]\n" + _scalar_lines(dict(session.params)))
    parts.extend(_message_tables("messages", message) for message in session.messages)
    head, tail = "\n".join(parts[:2]), "\n" + "\n".join(parts[2:]) if parts[2:] else ""
    # the last line of the summary is the file's length in bytes, this line included
    fixed = len(head.encode("utf-8")) + len(tail.encode("utf-8")) + len(f"{_SIZE_KEY} = \n")
    digits = len(str(fixed))
    while len(str(fixed + digits)) != digits:
        digits += 1
    return f"{head}{_SIZE_KEY} = {fixed + digits}\n{tail}"


_SIZE_KEY = "bytes"


def _summary_lines(session: Session) -> str:
    """The ``[listing]`` table without its last line (``bytes``), from what the file holds."""
    import tomli_w

    models: dict[str, None] = {}
    count = 0
    for message in session.messages:
        if message.role != "system":
            count += 1
        if message.role == "assistant" and message.model:
            models.setdefault(clean_text(message.model), None)
    costs: list[float] = []
    days: dict[str, float] = {}
    for message in session.messages:
        for version in (message, *message.alternatives):
            cost = _written_usage(version).get("cost")
            if cost is None:
                continue
            costs.append(float(cost))
            created = version.created
            if created is not None:
                # as it reads back: the file holds UTC, and a naive time is taken as UTC
                day = (created.astimezone(UTC) if created.tzinfo else created).date().isoformat()
                days[day] = days.get(day, 0.0) + float(cost)
    listed = ", ".join(tomli_w.dumps({"m": model})[4:-1] for model in models)
    text = f"[listing]\nmessages = {count}\nmodels = [{listed}]\n"
    if costs:
        text += tomli_w.dumps({"cost": sum(costs)})
    if days:
        text += f"cost_by_day = {_inline_table(days)}\n"
    return text


def _written_usage(message: Message) -> dict[str, int | float]:
    """The usage counts a message's table holds: many TOML readers stop at 64-bit integers."""
    return {key: count for key, count in (message.usage or {}).items() if _fits_64_bits(count)}


def summary_from_head(head: bytes, size: int, folder: Path, name: str) -> SessionSummary | None:
    """The listing of the session file ``folder / name`` from its first bytes ``head`` (the
    file has ``size``).

    None unless ``head`` starts with the top-level keys and a ``[listing]`` table exactly as
    ``session_to_toml`` lays them out, and the length it gives is ``size``: a file written by
    an older hcchat, or edited since (a different length), or anything else is then read
    whole, and says the same (tests/store/test_summary_first.py). The id is the file's name,
    as when it is read whole.
    """
    start = head.find(b"\n[listing]\n")
    end = head.find(b"\n" + _SIZE_KEY.encode() + b" = ", start)
    line_end = head.find(b"\n", end + 1)
    if start < 0 or end < 0 or line_end < 0:
        return None
    try:
        text = head[: line_end + 1].decode("utf-8")
    except UnicodeDecodeError:
        return None
    # a reader made for these few lines: the general one and its checks were most of the time
    # of listing 10,000 files without an index
    match = _head_pattern().fullmatch(text)
    if match is None:
        return None
    title, created, updated, empty, fork, count, models, cost, days, length = match.groups()
    if int(length) != size or (empty and int(count)):
        return None  # edited since, or "messages = []" beside a count: read the file whole
    try:
        # the pattern allows only UTC ("Z"), so these are what reading the whole file gives
        created_at, updated_at = datetime.fromisoformat(created), datetime.fromisoformat(updated)
    except ValueError:
        return None  # February 30, say: reading the file whole names the problem
    cost_by_day: dict[str, float] = {}
    if days:
        for pair in days.split(", "):
            day, amount = pair.split(" = ")
            cost_by_day[day] = float(amount)
        if len(cost_by_day) != days.count(", ") + 1:
            return None  # a day twice: not valid TOML
    return SessionSummary(
        id=name.removesuffix(".toml"),
        title=_head_string(title),
        created=created_at,
        updated=updated_at,
        models=_head_strings(models),
        message_count=int(count),
        folder=folder,
        cost=None if cost is None else float(cost),
        cost_by_day=cost_by_day,
        forked_from=None if fork is None else _head_string(fork),
    )


@cache
def _head_pattern() -> re.Pattern[str]:
    """The top-level keys and the ``[listing]`` table as ``session_to_toml`` writes them,
    compiled on first use; its parts are the fast reader's, so it reads what tomllib reads."""
    string, moment = _layout.STRING, _layout.DATETIME
    integer, floating = _layout.INTEGER, _layout.FLOAT
    return re.compile(
        "schema = 1\n"
        f"id = {string}\n"
        f"title = (?P<title>{string})\n"
        f"created = (?P<created>{moment})\n"
        f"updated = (?P<updated>{moment})\n"
        f"model = {string}\n"
        "(?:title_locked = (?:true|false)\n)?"
        f"(?:role = {string}\n)?"
        f"(?:endpoint = {string}\n)?"
        "(?P<empty>messages = \\[\\]\n)?"
        f"(?:forked_from = \\{{ id = (?P<fork>{string}), message = {integer} \\}}\n)?"
        "\n\\[listing\\]\n"
        f"messages = (?P<count>{integer})\n"
        f"models = (?P<models>\\[(?:{string}(?:, {string})*+)?\\])\n"
        f"(?:cost = (?P<cost>{floating})\n)?"
        f"(?:cost_by_day = \\{{ (?P<days>{_layout.KEY} = {floating}"
        f"(?:, {_layout.KEY} = {floating})*) \\}}\n)?"
        f"{_SIZE_KEY} = (?P<bytes>{integer})\n"
    )


def _head_string(literal: str) -> str:
    if "\\" not in literal:
        return literal[1:-1]
    return _layout.string_value(literal)


def _head_strings(array: str) -> tuple[str, ...]:
    """The strings of a one-line array of basic strings (``["a", "b"]``)."""
    if array == "[]":
        return ()
    if "\\" not in array:
        return tuple(array[2:-2].split('", "'))  # a quote inside a string would be escaped
    return tuple(_layout.string_value(item) for item in _layout.strings(array))


def session_from_toml(text: str, *, source: str) -> Session:
    """Parse and validate a schema 1 session; raises ``SessionFormatError`` with the reason."""
    # the files hcchat wrote itself are read several times faster than tomllib reads them
    data = read_own_layout(text)
    if data is None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise SessionFormatError(f"not valid TOML: {error}", source=source) from None
        except RecursionError:
            raise SessionFormatError("not valid TOML: nested too deeply", source=source) from None
    try:
        return _session_from_dict(data)
    except SessionFormatError as error:
        raise SessionFormatError(error.reason, source=source) from None


def session_from_bytes(data: bytes, *, source: str) -> Session:
    """Decode a session file's bytes (UTF-8, an optional BOM is tolerated) and parse it."""
    if not data.strip():
        raise SessionFormatError("the file is empty", source=source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SessionFormatError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
            source=source,
        ) from None
    return session_from_toml(text, source=source)


# --- writing -------------------------------------------------------------------------------


def _scalar_lines(table: Mapping[str, Scalar | list[object]]) -> str:
    import tomli_w  # imported with the first save: not needed to draw the first frame

    lines = []
    for key, value in table.items():
        if isinstance(value, datetime):
            lines.append(f"{key} = {_format_datetime(value)}\n")
        elif isinstance(value, str) and _BARE_KEY.fullmatch(key):
            lines.append(f"{key} = {basic_string(clean_text(value))}\n")
        elif isinstance(value, str):
            lines.append(tomli_w.dumps({clean_text(key): clean_text(value)}))
        else:
            lines.append(tomli_w.dumps({clean_text(key): value}))
    return "".join(lines)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# In JSON's escaping of a string, an escaped backslash or an escaped tab (TOML keeps tabs raw).
_JSON_TAB = re.compile(r"\\\\|\\t")


def basic_string(text: str) -> str:
    """``text`` as a TOML basic string, exactly as tomli-w writes it (no lone surrogates).

    JSON's encoder, in C, escapes the same characters the same way but for two: TOML keeps a
    tab raw and escapes DEL. For a 4,000-token reply tomli-w took 24 ms on a busy machine and
    this 1 ms: each checkpoint serialises the session on the event loop.
    """
    quoted = json.dumps(text, ensure_ascii=False)
    if "\\t" in quoted:
        quoted = _JSON_TAB.sub(lambda match: "\t" if match[0] == "\\t" else match[0], quoted)
    return quoted.replace("\x7f", "\\u007f")


def _format_datetime(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, as DESIGN shows (tomli-w would write ``+00:00``)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def _message_tables(name: str, message: Message) -> str:
    scalars: dict[str, Scalar | list[object]] = {"role": message.role, "content": message.content}
    if message.created is not None:
        scalars["created"] = message.created
    optional_text = {
        "model": message.model,
        "finish_reason": message.finish_reason,
        "reasoning": message.reasoning,
    }
    scalars.update({key: value for key, value in optional_text.items() if value})
    text = f"[[{name}]]\n" + _scalar_lines(scalars)
    usage = _written_usage(message)
    if usage:
        text += f"usage = {_inline_table(usage)}\n"
    extra = {"served_model": message.served_model, "endpoint": message.endpoint}
    text += _scalar_lines({key: value for key, value in extra.items() if value})
    if message.cost_details:
        text += f"cost_details = {_inline_table(message.cost_details)}\n"
    if message.attachments:
        listed = ", ".join(_inline_table(_attachment_row(a)) for a in message.attachments)
        text += f"attachments = [{listed}]\n"
    if message.tool_calls:
        text += f"tool_calls = [{', '.join(_tool_call_row(c) for c in message.tool_calls)}]\n"
    tail: dict[str, Scalar | list[object]] = {}
    if message.summary:
        tail["summary"] = True
    if message.incomplete:
        tail["incomplete"] = True
    if message.error:
        tail["error"] = message.error
    if message.ttft is not None:
        tail["ttft"] = float(message.ttft)
    if message.tokens_per_second is not None:
        tail["tokens_per_second"] = float(message.tokens_per_second)
    if message.alternatives and message.version is not None:
        tail["version"] = message.version
    text += _scalar_lines(tail)
    for alternative in message.alternatives:
        text += "\n" + _message_tables(f"{name}.alternatives", alternative)
        for follower in alternative.branch:
            text += "\n" + _message_tables(f"{name}.alternatives.branch", follower)
    return text


def _attachment_row(attachment: Attachment) -> dict[str, str | int]:
    return {
        "name": clean_text(attachment.name),  # a file name may hold undecodable bytes
        "type": attachment.type,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def _tool_call_row(call: ToolCall) -> str:
    """``{ id, type, function = { name, arguments } }``, as OpenAI's ``tool_calls`` items."""
    function = _inline_table(
        {"name": clean_text(call.name), "arguments": clean_text(call.arguments)}
    )
    head = _inline_table({"id": clean_text(call.id), "type": clean_text(call.type)})
    return f"{head[:-2]}, function = {function} }}"


def _inline_table(table: Mapping[str, str | int | float]) -> str:
    import tomli_w

    pairs = (tomli_w.dumps({clean_text(key): value}).rstrip("\n") for key, value in table.items())
    return "{ " + ", ".join(pairs) + " }"


def _fits_64_bits(count: int | float) -> bool:
    """Whether a token count can be written: many TOML readers stop at a signed 64-bit integer."""
    return 0 <= count < 2**63


# --- reading -------------------------------------------------------------------------------


def _session_from_dict(data: dict[str, object]) -> Session:
    if "schema" not in data:
        raise SessionFormatError("missing key 'schema' (not an hcchat session file?)")
    schema = data["schema"]
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise SessionFormatError(f"'schema' must be an integer, got {_kind(schema)}")
    if schema > SCHEMA:
        raise SessionFormatError(f"written by a newer hcchat (schema {schema})")
    if schema != SCHEMA:
        raise SessionFormatError(f"unknown schema {schema}")
    # checked in the order of the file, so the reason names the first problem
    session_id = _required(data, "id", str, "a string", "")
    title = _required(data, "title", str, "a string", "")
    created = _utc(_required(data, "created", datetime, "a date-time", ""))
    updated = _utc(_required(data, "updated", datetime, "a date-time", ""))
    model = _required(data, "model", str, "a string", "")
    title_locked = bool(_optional(data, "title_locked", bool, "true or false", ""))
    role = _optional(data, "role", str, "a string", "") or None
    endpoint = _optional(data, "endpoint", str, "a string", "") or None
    params = _params(_optional(data, "params", dict, "a table", "") or {})
    messages = _required(data, "messages", list, "an array", "")
    forked_from = _origin(_optional(data, "forked_from", dict, "a table", ""))
    return Session(
        id=session_id,
        title=title,
        created=created,
        updated=updated,
        model=model,
        params=params,
        messages=[_message(item, f"message {n}") for n, item in enumerate(messages, 1)],
        title_locked=title_locked,
        role=role,
        forked_from=forked_from,
        endpoint=endpoint,
    )


def _origin(table: dict[str, object] | None) -> ForkOrigin | None:
    if table is None:
        return None
    where = "forked_from: "
    number = _required(table, "message", int, "an integer", where)
    return ForkOrigin(_required(table, "id", str, "a string", where), number)


# The type each known message key must have (a bool is never taken for a number).
_MESSAGE_KEYS: dict[str, type | tuple[type, ...]] = {
    "role": str,
    "content": str,
    "created": datetime,
    "model": str,
    "finish_reason": str,
    "reasoning": str,
    "usage": dict,
    "served_model": str,
    "endpoint": str,
    "cost_details": dict,
    "summary": bool,
    "incomplete": bool,
    "error": str,
    "ttft": (int, float),
    "tokens_per_second": (int, float),
    "alternatives": list,
    "attachments": list,
    "tool_calls": list,
    "branch": list,
    "version": int,
}


def _message(item: object, label: str) -> Message:
    """A message from its table; a table with any doubt goes through ``_checked_message``."""
    if type(item) is not dict or "content" not in item:
        return _checked_message(item, label)
    role = item.get("role")
    if type(role) is not str or role not in ROLES:
        return _checked_message(item, label)
    for key, value in item.items():
        kind = _MESSAGE_KEYS.get(key)
        if kind is not None and (
            not isinstance(value, kind) or (value.__class__ is bool and kind is not bool)
        ):
            return _checked_message(item, label)
    get = item.get
    created, usage = get("created"), get("usage")
    ttft, speed = get("ttft"), get("tokens_per_second")
    details = get("cost_details")
    return Message(
        role=role,
        content=item["content"],
        created=None if created is None else _utc(created),
        model=get("model") or None,
        finish_reason=get("finish_reason") or None,
        reasoning=get("reasoning") or None,
        usage=None if usage is None else _usage(usage, f"{label}: "),
        incomplete=bool(get("incomplete")),
        summary=bool(get("summary")),
        error=get("error") or None,
        ttft=None if ttft is None else float(ttft),
        tokens_per_second=None if speed is None else float(speed),
        alternatives=[
            _message(alt, f"{label}, alternative {n}")
            for n, alt in enumerate(get("alternatives") or (), 1)
        ],
        served_model=get("served_model") or None,
        endpoint=get("endpoint") or None,
        cost_details=None if details is None else _cost_details(details, f"{label}: "),
        attachments=_attachments(get("attachments") or [], f"{label}: "),
        tool_calls=_tool_calls(get("tool_calls") or [], f"{label}: "),
        branch=[
            _message(item, f"{label}, branch message {n}")
            for n, item in enumerate(get("branch") or (), 1)
        ],
        version=get("version"),
    )


def _checked_message(item: object, label: str) -> Message:
    """A message from its table, checking each key in order to name the first problem."""
    where = f"{label}: "
    if not isinstance(item, dict):
        raise SessionFormatError(f"{where}must be a table, got {_kind(item)}")
    role = _required(item, "role", str, "a string", where)
    if role not in ROLES:
        raise SessionFormatError(f"{where}unknown role {role!r}")
    created = _optional(item, "created", datetime, "a date-time", where)
    usage = _optional(item, "usage", dict, "a table", where)
    details = _optional(item, "cost_details", dict, "a table", where)
    alternatives = _optional(item, "alternatives", list, "an array", where) or []
    attachments = _optional(item, "attachments", list, "an array", where) or []
    tool_calls = _optional(item, "tool_calls", list, "an array", where) or []
    branch = _optional(item, "branch", list, "an array", where) or []
    return Message(
        role=role,
        content=_required(item, "content", str, "a string", where),
        created=None if created is None else _utc(created),
        model=_optional(item, "model", str, "a string", where) or None,
        finish_reason=_optional(item, "finish_reason", str, "a string", where) or None,
        reasoning=_optional(item, "reasoning", str, "a string", where) or None,
        usage=None if usage is None else _usage(usage, where),
        incomplete=bool(_optional(item, "incomplete", bool, "true or false", where)),
        summary=bool(_optional(item, "summary", bool, "true or false", where)),
        error=_optional(item, "error", str, "a string", where) or None,
        ttft=_number(item, "ttft", where),
        tokens_per_second=_number(item, "tokens_per_second", where),
        alternatives=[
            _message(alt, f"{label}, alternative {n}") for n, alt in enumerate(alternatives, 1)
        ],
        served_model=_optional(item, "served_model", str, "a string", where) or None,
        endpoint=_optional(item, "endpoint", str, "a string", where) or None,
        cost_details=None if details is None else _cost_details(details, where),
        attachments=_attachments(attachments, where),
        tool_calls=_tool_calls(tool_calls, where),
        branch=[_message(item, f"{label}, branch message {n}") for n, item in enumerate(branch, 1)],
        version=_optional(item, "version", int, "an integer", where),
    )


def _attachments(items: list[object], where: str) -> list[Attachment]:
    attachments = []
    for n, item in enumerate(items, 1):
        at = f"{where}attachment {n}: "
        if not isinstance(item, dict):
            raise SessionFormatError(f"{at}must be a table, got {_kind(item)}")
        attachments.append(
            Attachment(
                name=_required(item, "name", str, "a string", at),
                type=_required(item, "type", str, "a string", at),
                size=_required(item, "size", int, "an integer", at),
                sha256=_required(item, "sha256", str, "a string", at),
            )
        )
    return attachments


def _tool_calls(items: list[object], where: str) -> list[ToolCall]:
    calls = []
    for n, item in enumerate(items, 1):
        at = f"{where}tool call {n}: "
        if not isinstance(item, dict):
            raise SessionFormatError(f"{at}must be a table, got {_kind(item)}")
        function = _required(item, "function", dict, "a table", at)
        calls.append(
            ToolCall(
                id=_optional(item, "id", str, "a string", at) or "",
                name=_required(function, "name", str, "a string", at),
                arguments=_optional(function, "arguments", str, "a string", at) or "",
                type=_optional(item, "type", str, "a string", at) or "function",
            )
        )
    return calls


def _required(table: dict[str, object], key: str, kind: type[T], name: str, where: str) -> T:
    if key not in table:
        raise SessionFormatError(f"{where}missing key {key!r}")
    return _typed(table[key], key, kind, name, where)


def _optional(table: dict[str, object], key: str, kind: type[T], name: str, where: str) -> T | None:
    if key not in table:
        return None
    return _typed(table[key], key, kind, name, where)


def _typed(value: object, key: str, kind: type[T], name: str, where: str) -> T:
    # bool is an int subclass; a boolean is never a valid number here
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise SessionFormatError(f"{where}{key!r} must be {name}, got {_kind(value)}")
    return value


def _number(table: dict[str, object], key: str, where: str) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SessionFormatError(f"{where}{key!r} must be a number, got {_kind(value)}")
    return float(value)


def _utc(value: datetime) -> datetime:
    # a hand-edited local date-time (no offset) is taken as UTC, like everything hcchat writes
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise SessionFormatError(f"date-time {value} is out of range in UTC") from None


def _params(table: dict[str, object]) -> dict[str, float | int | str]:
    # a file with a key or value hcchat never writes was edited or forged: refuse it whole
    params, dropped = checked_params(table)
    if dropped:
        raise SessionFormatError(f"params: {dropped[0]}")
    return params


def _usage(table: dict[str, object], where: str) -> dict[str, int | float]:
    usage: dict[str, int | float] = {}
    for key, value in table.items():
        if key == "cost":  # USD: a float (or a whole number of dollars)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SessionFormatError(
                    f"{where}usage 'cost' must be a number, got {_kind(value)}"
                )
            usage[key] = float(value)
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise SessionFormatError(f"{where}usage {key!r} must be an integer, got {_kind(value)}")
        usage[key] = value
    return usage


def _cost_details(table: dict[str, object], where: str) -> dict[str, float]:
    details: dict[str, float] = {}
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SessionFormatError(
                f"{where}cost_details {key!r} must be a number, got {_kind(value)}"
            )
        details[key] = float(value)
    return details


def _kind(value: object) -> str:
    kinds: list[tuple[type, str]] = [
        (bool, "true/false"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (datetime, "a date-time"),
        (date, "a date"),
        (time, "a time"),
        (list, "an array"),
        (dict, "a table"),
    ]
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)
