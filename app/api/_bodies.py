"""The bodies the client sends and reads: the request's JSON, a JSON answer, the model list."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from app.api._errors import ProtocolError
from app.api._events import ModelInfo, model_from_listing
from app.api._http_errors import shorten
from app.api._sse import clean_surrogates

MESSAGE_KEYS = ("role", "content", "name")
# The request's own keys: a parameter (from a session file, say) never overrides them.
_NOT_PARAMS = frozenset({"model", "messages", "stream", "stream_options"})


def request_body(
    model: str,
    messages: Sequence[Mapping[str, object]],
    params: Mapping[str, float | int | str] | None,
    *,
    stream: bool,
) -> dict[str, Any]:
    """The request body: only the message fields the API knows and only the params given."""
    payload: dict[str, Any] = {
        "model": model,
        "messages": [{k: _clean(m[k]) for k in MESSAGE_KEYS if k in m} for m in messages],
        "stream": stream,
    }
    params = {k: v for k, v in (params or {}).items() if k not in _NOT_PARAMS}
    effort = params.pop("reasoning_effort", None)
    payload.update(params)
    if isinstance(effort, str):
        # OpenRouter's shape; "none" turns reasoning off (never a top-level reasoning_effort)
        payload["reasoning"] = {"effort": effort}
    if stream:
        payload["stream_options"] = {"include_usage": True}
    return payload


def json_body(body: bytes, response: httpx.Response, *, what: str) -> Any:
    """Parse a JSON body (leading whitespace, the Hack Club proxy's keep-alive, is fine)."""
    try:
        return json.loads(body)
    except ValueError:
        content_type = response.headers.get("content-type") or "no content type"
        snippet = shorten(body.decode("utf-8", "replace"), 80) or "(empty body)"
        raise ProtocolError(
            f"The server's {what} is not JSON ({content_type}): {snippet}"
        ) from None


def model_list(items: list[Any]) -> list[ModelInfo]:
    """The models of a ``/models`` answer: the first entry of each id, in order."""
    models: list[ModelInfo] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping):
            continue
        model_id = item.get("id")
        if not isinstance(model_id, str) or not model_id.strip() or model_id in seen:
            continue
        seen.add(model_id)
        models.append(model_from_listing(item))
    return models


def _clean(value: object) -> object:
    """A message field with lone surrogates replaced, in a string or a content array's parts."""
    if isinstance(value, str):
        return clean_surrogates(value)
    if isinstance(value, list):
        return [_clean(part) for part in value]
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    return value
