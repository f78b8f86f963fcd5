"""HTTP layer: the Chat Completions client, its typed events and errors, and the demo backend."""

from app.api._client import DEFAULT_BASE_URL, FALLBACK_MODELS, ChatClient, redact
from app.api._demo import DEMO_BASE_URL, demo_transport
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
    StreamEvent,
    Usage,
)
from app.api._think import ThinkSplitter, split_think

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
    "ServerError",
    "StreamEvent",
    "StreamInterrupted",
    "ThinkSplitter",
    "TimeoutError",
    "Usage",
    "demo_transport",
    "redact",
    "split_think",
]
