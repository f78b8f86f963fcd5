"""The one way the app and pipe mode build a client: for an endpoint, or the offline demo."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.api._client import ChatClient

if TYPE_CHECKING:
    import httpx


def make_client(
    base_url: str,
    api_key: str | None,
    *,
    demo: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    **options: Any,
) -> ChatClient:
    """A client for ``base_url`` with ``api_key``, or for the built-in demo backend (``demo``:
    no key, no network). ``options`` go to :class:`ChatClient` (timeouts, retries)."""
    if demo and transport is None:
        from app.api._demo import DEMO_BASE_URL, demo_transport

        return ChatClient(DEMO_BASE_URL, None, transport=demo_transport(), **options)
    return ChatClient(base_url, api_key, transport=transport, **options)
