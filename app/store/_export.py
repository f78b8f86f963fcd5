"""Sessions as Markdown or JSON for export, and JSON conversations imported as new sessions."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime

from app.params import checked_params
from app.store._attachments import describe_attachment
from app.store._codec import ROLES
from app.store._errors import SessionFormatError
from app.store._model import (
    TOOLS_NOT_RUN,
    Attachment,
    Message,
    Session,
    ToolCall,
    new_session_id,
    title_from_prompt,
    utc_now,
)
from app.store._tree import versions


def to_markdown(session: Session, *, all_versions: bool = False) -> str:
    """A readable Markdown transcript: headings per message, reasoning folded, stats in italics.

    The active path, with earlier replies folded; ``all_versions``: every other version of a
    message, each with the conversation that followed it, folded under the message.
    """
    title = " ".join(session.title.split()) or "Untitled conversation"
    lines = [f"# {title}", "", f"*Created {_when(session.created)} · model {session.model}*"]
    lines.extend(_path_markdown(session.messages, 1, all_versions))
    return "\n".join(lines) + "\n"


def _path_markdown(messages: list[Message], first: int, all_versions: bool) -> list[str]:
    lines: list[str] = []
    for number, message in enumerate(messages, first):
        lines.extend(["", *_message_markdown(message, earlier=not all_versions)])
        if not all_versions or not message.alternatives:
            continue
        shown = versions(message)
        for position, version in enumerate(shown, 1):
            if version is message:
                continue
            summary = f"Version {position} of {len(shown)} of message {number} (another branch)"
            branch = _path_markdown([version, *version.branch], number, all_versions)
            lines.extend(["", *_details(summary, "\n".join(branch).strip("\n"))])
    return lines


DataOf = Callable[[Attachment], bytes]


def to_json(
    session: Session, *, all_versions: bool = False, attachment_data: DataOf | None = None
) -> str:
    """The session in the API's message shape, with hcchat's metadata where it is set.

    ``all_versions``: each alternative also carries its ``branch`` (what followed it). Each
    message's files are named under ``attachments`` (name, type, size, sha256);
    ``attachment_data`` (the store's reader) adds each one's bytes as base64 ``data``, and
    raises ``AttachmentError`` if some are gone.
    """
    document: dict[str, object] = {
        "id": session.id,
        "title": session.title,
        "model": session.model,
        "created": session.created.isoformat(),
        "updated": session.updated.isoformat(),
    }
    if session.params:
        document["params"] = dict(session.params)
    if session.endpoint:
        document["endpoint"] = session.endpoint
    document["messages"] = [
        _message_json(message, all_versions, attachment_data) for message in session.messages
    ]
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def from_json(
    text: str,
    *,
    model: str = "",
    dropped: list[str] | None = None,
    attachment_bytes: dict[str, bytes] | None = None,
) -> Session:
    """A new session (new id) from ``to_json`` output, ``{"messages": [...]}`` or a bare array.

    ``model`` is used when the document names no model; every imported reply names its model
    (schema 1), and an untitled session takes its title from the first user message.
    Only the known parameters, in range, are kept; why each other one was left out is
    appended to ``dropped``. Each message's ``attachments`` are kept when they have the
    shape ``to_json`` writes; the bytes of an export made with them (base64 ``data`` that
    matches its sha256 and size) go into ``attachment_bytes``, by sha256, for the caller to
    keep. Raises ``SessionFormatError``.
    """
    context = _Import(dropped, attachment_bytes)
    try:
        document = json.loads(text)
    except ValueError as error:
        raise SessionFormatError(f"not valid JSON: {error}") from None
    except RecursionError:
        raise SessionFormatError("not a conversation: the JSON is nested too deeply") from None
    if isinstance(document, list):
        document = {"messages": document}
    if not isinstance(document, dict):
        raise SessionFormatError(
            'expected a JSON object with "messages" or an array of messages, got '
            f"{_json_kind(document)}"
        )
    items = document.get("messages")
    if not isinstance(items, list):
        raise SessionFormatError('missing "messages": an array of {"role", "content"} objects')
    if not items:
        raise SessionFormatError('"messages" is empty: there is nothing to import')
    messages = [
        _message_from_json(item, f"message {n}", context) for n, item in enumerate(items, 1)
    ]
    now = utc_now()
    replies = [m.model for m in messages if m.role == "assistant" and m.model]
    session_model = _text(document.get("model")) or (replies[-1] if replies else model)
    for message in messages:
        if message.role == "assistant" and not message.model:
            message.model = session_model
    first_prompt = next((m.content for m in messages if m.role == "user"), "")
    return Session(
        id=new_session_id(now),
        title=_text(document.get("title")) or title_from_prompt(first_prompt),
        created=_datetime(document.get("created")) or now,
        updated=_datetime(document.get("updated")) or now,
        model=session_model,
        params=_params(document.get("params"), dropped),
        messages=messages,
    )


# --- Markdown --------------------------------------------------------------------------------


def _message_markdown(message: Message, *, earlier: bool = True) -> list[str]:
    if message.summary:
        return ["> **Earlier turns compacted: summary**", ">", *_quoted(message.content)]
    if message.role == "system":
        return ["> **System prompt**", ">", *_quoted(message.content)]
    if message.role == "user":
        attached = [f"*Attached: {describe_attachment(a)}*" for a in message.attachments]
        return ["## User", "", *attached, *([""] if attached else []), message.content]
    heading = " · ".join(
        part
        for part in ("## Assistant", message.model, message.created and _when(message.created))
        if part
    )
    lines = [heading, ""]
    if message.reasoning:
        lines.extend(_details("Reasoning", message.reasoning))
    lines.append(message.content)
    lines.extend(_tool_calls_markdown(message.tool_calls))
    if message.error:
        lines.extend(["", f"> **Error:** {' '.join(message.error.split())}"])
    if message.incomplete:
        lines.extend(["", "*The reply is incomplete: it was cancelled or failed part way.*"])
    stats = _stats(message)
    if stats:
        lines.extend(["", f"*{stats}*"])
    for number, alternative in enumerate(message.alternatives if earlier else (), 1):
        summary = " · ".join(p for p in (f"Earlier reply {number}", alternative.model) if p)
        lines.extend(["", *_details(summary, alternative.content)])
    return lines


def _tool_calls_markdown(calls: list[ToolCall]) -> list[str]:
    """Each call's name and arguments (a fence longer than any backtick run in them)."""
    lines: list[str] = []
    for call in calls:
        runs = [len(run) for run in re.findall(r"`+", call.arguments)]
        fence = "`" * max(3, max(runs, default=0) + 1)
        name = " ".join(call.name.split()) or "unnamed tool"
        lines.extend(["", f"**Tool call:** {name}", "", fence + "json", call.arguments, fence])
    if calls:
        lines.extend(["", f"*{TOOLS_NOT_RUN}*"])
    return lines


def _details(summary: str, body: str) -> list[str]:
    return [f"<details><summary>{summary}</summary>", "", body, "", "</details>", ""]


def _quoted(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.splitlines() or [""]]


def _stats(message: Message) -> str:
    parts = []
    usage = message.usage or {}
    if "total_tokens" in usage:
        if "prompt_tokens" in usage and "completion_tokens" in usage:
            parts.append(
                f"{usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion"
                f" = {usage['total_tokens']} tokens"
            )
        else:
            parts.append(f"{usage['total_tokens']} tokens")
    if message.ttft is not None:
        parts.append(f"first token after {message.ttft:.2f} s")
    if message.tokens_per_second is not None:
        parts.append(f"{message.tokens_per_second:.1f} tokens/s")
    if message.finish_reason:
        parts.append(f"finish: {message.finish_reason}")
    return " · ".join(parts)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- JSON ------------------------------------------------------------------------------------


def _message_json(
    message: Message, all_versions: bool = False, data_of: DataOf | None = None
) -> dict[str, object]:
    item: dict[str, object] = {"role": message.role, "content": message.content}
    optional: dict[str, object] = {
        "model": message.model,
        "created": message.created.isoformat() if message.created else None,
        "finish_reason": message.finish_reason,
        "reasoning": message.reasoning,
        "usage": message.usage,
        "incomplete": message.incomplete or None,
        "error": message.error,
        "ttft": message.ttft,
        "tokens_per_second": message.tokens_per_second,
        "served_model": message.served_model,
        "endpoint": message.endpoint,
        "cost_details": message.cost_details,
        "summary": message.summary or None,
    }
    item.update({key: value for key, value in optional.items() if value is not None})
    if message.attachments:
        item["attachments"] = [_attachment_json(a, data_of) for a in message.attachments]
    if message.tool_calls:
        item["tool_calls"] = [
            {
                "id": call.id,
                "type": call.type,
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in message.tool_calls
        ]
    if message.alternatives:
        item["alternatives"] = [
            _message_json(alt, all_versions, data_of) for alt in message.alternatives
        ]
        if all_versions and message.version is not None:
            item["version"] = message.version
    if all_versions and message.branch:
        item["branch"] = [
            _message_json(follower, all_versions, data_of) for follower in message.branch
        ]
    return item


def _attachment_json(attachment: Attachment, data_of: DataOf | None) -> dict[str, object]:
    item: dict[str, object] = {
        "name": attachment.name,
        "type": attachment.type,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }
    if data_of is not None:
        item["data"] = base64.b64encode(data_of(attachment)).decode("ascii")
    return item


class _Import:
    """What an import collects besides the messages: why things were left out, and bytes."""

    def __init__(self, dropped: list[str] | None, found: dict[str, bytes] | None) -> None:
        self.dropped = dropped
        self.found = found

    def drop(self, reason: str) -> None:
        if self.dropped is not None:
            self.dropped.append(reason)


def _message_from_json(item: object, where: str, context: _Import | None = None) -> Message:
    if not isinstance(item, dict):
        raise SessionFormatError(f"{where}: expected an object, got {_json_kind(item)}")
    role = item.get("role")
    if role not in ROLES:
        raise SessionFormatError(f"{where}: role {role!r} is not one of {', '.join(sorted(ROLES))}")
    alternatives = item.get("alternatives")
    branch = item.get("branch")
    version = item.get("version")
    return Message(
        role=str(role),
        content=_content(item.get("content"), where),
        created=_datetime(item.get("created")),
        model=_text(item.get("model")),
        finish_reason=_text(item.get("finish_reason")),
        reasoning=_text(item.get("reasoning")) or _text(item.get("reasoning_content")),
        usage=_usage(item.get("usage")),
        incomplete=item.get("incomplete") is True,
        error=_text(item.get("error")),
        ttft=_number(item.get("ttft")),
        tokens_per_second=_number(item.get("tokens_per_second")),
        served_model=_text(item.get("served_model")),
        endpoint=_text(item.get("endpoint")),
        summary=role == "system" and item.get("summary") is True,
        tool_calls=_tool_calls(item.get("tool_calls")),
        alternatives=[
            _message_from_json(alt, f"{where}, alternative {n}", context)
            for n, alt in enumerate(alternatives if isinstance(alternatives, list) else [], 1)
        ],
        branch=[
            _message_from_json(follower, f"{where}, branch message {n}", context)
            for n, follower in enumerate(branch if isinstance(branch, list) else [], 1)
        ],
        version=version if type(version) is int else None,
        attachments=_attachments_from_json(item.get("attachments"), where, context),
    )


_SHA256_HEX = frozenset("0123456789abcdef")


def _attachments_from_json(value: object, where: str, context: _Import | None) -> list[Attachment]:
    """The attachments ``to_json`` wrote (each kept only whole), their ``data`` collected."""
    if not isinstance(value, list):
        return []
    found: list[Attachment] = []
    for n, item in enumerate(value, 1):
        at = f"{where}, attachment {n}"
        if not isinstance(item, dict):
            continue
        name, kind, size, digest = (item.get(k) for k in ("name", "type", "size", "sha256"))
        if not (
            isinstance(name, str)
            and name
            and isinstance(kind, str)
            and type(size) is int
            and size >= 0
            and isinstance(digest, str)
            and len(digest) == 64
            and set(digest) <= _SHA256_HEX
        ):
            if context is not None:
                context.drop(f"{at}: not a name, type, size and sha256")
            continue
        attachment = Attachment(name=name, type=kind, size=size, sha256=digest)
        found.append(attachment)
        data = item.get("data")
        if context is not None and context.found is not None and isinstance(data, str):
            try:
                decoded = base64.b64decode(data, validate=True)
            except ValueError:
                decoded = None
            if decoded is None or len(decoded) != size or _sha256(decoded) != digest:
                context.drop(f"{at} ({name}): its data does not match its size and sha256")
            else:
                context.found[digest] = decoded
    return found


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _content(value: object, where: str) -> str:
    """Plain text, or the text parts of an OpenAI content-parts array; null is empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = [
            part["text"]
            for part in value
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ]
        if texts or not value:
            return "".join(texts)
    raise SessionFormatError(f"{where}: 'content' must be text, got {_json_kind(value)}")


# Optional metadata of an imported message is kept when it has the right type, else dropped:
# other tools write the same names with other shapes, and the conversation matters most.


def _tool_calls(value: object) -> list[ToolCall]:
    """OpenAI's ``tool_calls`` shape; an item without a function name is dropped."""
    calls: list[ToolCall] = []
    for item in value if isinstance(value, list) else []:
        function = item.get("function") if isinstance(item, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            continue
        arguments = function.get("arguments")
        calls.append(
            ToolCall(
                id=_text(item.get("id")) or "",
                name=function["name"],
                # some tools write the arguments as an object rather than its JSON text
                arguments=arguments
                if isinstance(arguments, str)
                else json.dumps(arguments)
                if isinstance(arguments, dict)
                else "",
                type=_text(item.get("type")) or "function",
            )
        )
    return calls


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: object) -> float | None:
    # NaN and infinity are valid Python JSON but no statistic: they would break later sums
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _usage(value: object) -> dict[str, int | float] | None:
    if not isinstance(value, dict):
        return None
    usage: dict[str, int | float] = {
        key: count
        for key, count in value.items()
        if isinstance(count, int) and not isinstance(count, bool) and 0 <= count < 2**63
    }
    if (cost := _number(value.get("cost"))) is not None:
        usage["cost"] = cost
    return usage or None


def _params(value: object, dropped: list[str] | None) -> dict[str, float | int | str]:
    if not isinstance(value, dict):
        return {}
    params, reasons = checked_params(value)
    if dropped is not None:
        dropped.extend(f"params: {reason}" for reason in reasons)
    return params


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _json_kind(value: object) -> str:
    kinds: list[tuple[type, str]] = [
        (bool, "true/false"),
        (int, "a number"),
        (float, "a number"),
        (str, "a string"),
        (list, "an array"),
        (dict, "an object"),
    ]
    if value is None:
        return "null"
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)
