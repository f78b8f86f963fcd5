"""HTTP layer: the Chat Completions client, its typed events and errors, and the demo backend.

Public names are imported lazily (as ``textual.widgets`` does): importing ``app.api`` costs
nothing until a name is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app._lazy import lazy_exports

if TYPE_CHECKING:
    from app.api._client import (
        DEFAULT_BASE_URL,
        FALLBACK_MODELS,
        ChatClient,
        redact,
    )
    from app.api._demo import (
        DEMO_BASE_URL,
        demo_transport,
    )
    from app.api._errors import (
        APIError,
        AuthenticationError,
        BadRequestError,
        BudgetError,
        ConnectError,
        ProtocolError,
        RateLimitError,
        ServerError,
        StreamInterrupted,
        TimeoutError,
    )
    from app.api._events import (
        Completion,
        ContentDelta,
        ContentWasReasoning,
        Finish,
        ModelInfo,
        ReasoningDelta,
        ServedModel,
        StreamEvent,
        ToolCallDelta,
        Usage,
    )
    from app.api._factory import (
        make_client,
    )
    from app.api._think import (
        ThinkSplitter,
        split_think,
    )

# Each public name and the module that defines it: a module is imported on first use.
_WHERE: dict[str, str] = {
    "APIError": "app.api._errors",
    "AuthenticationError": "app.api._errors",
    "BadRequestError": "app.api._errors",
    "BudgetError": "app.api._errors",
    "ChatClient": "app.api._client",
    "Completion": "app.api._events",
    "ConnectError": "app.api._errors",
    "ContentDelta": "app.api._events",
    "ContentWasReasoning": "app.api._events",
    "DEFAULT_BASE_URL": "app.api._client",
    "DEMO_BASE_URL": "app.api._demo",
    "FALLBACK_MODELS": "app.api._client",
    "Finish": "app.api._events",
    "ModelInfo": "app.api._events",
    "ProtocolError": "app.api._errors",
    "RateLimitError": "app.api._errors",
    "ReasoningDelta": "app.api._events",
    "ServedModel": "app.api._events",
    "ServerError": "app.api._errors",
    "StreamEvent": "app.api._events",
    "StreamInterrupted": "app.api._errors",
    "ThinkSplitter": "app.api._think",
    "TimeoutError": "app.api._errors",
    "ToolCallDelta": "app.api._events",
    "Usage": "app.api._events",
    "demo_transport": "app.api._demo",
    "make_client": "app.api._factory",
    "redact": "app.api._client",
    "split_think": "app.api._think",
}

__all__ = [
    "DEFAULT_BASE_URL",
    "DEMO_BASE_URL",
    "FALLBACK_MODELS",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetError",
    "ChatClient",
    "Completion",
    "ConnectError",
    "ContentDelta",
    "ContentWasReasoning",
    "Finish",
    "ModelInfo",
    "ProtocolError",
    "RateLimitError",
    "ReasoningDelta",
    "ServedModel",
    "ServerError",
    "StreamEvent",
    "StreamInterrupted",
    "ThinkSplitter",
    "TimeoutError",
    "ToolCallDelta",
    "Usage",
    "demo_transport",
    "make_client",
    "redact",
    "split_think",
]


__getattr__ = lazy_exports(__name__, _WHERE)
