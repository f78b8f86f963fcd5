"""The app's endpoints: one client each, made on first use, and what their model lists say.

Each client holds only its own endpoint's key. Model lists are cached a day per endpoint (the
cache's key is the endpoint's base URL, ``demo`` for the demo backend), and the context lengths
they give are kept per endpoint for the context meter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.endpoints import DEFAULT_ENDPOINT, Endpoint, endpoint_names
from app.store import StoreError

if TYPE_CHECKING:
    from app.api import ChatClient, ModelInfo
    from app.config import Settings
    from app.store import ModelCache

MODEL_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class ModelGroup:
    """One endpoint's models for the picker, and why the list is not the endpoint's own."""

    endpoint: str
    models: list[ModelInfo]
    note: str | None = None


class Endpoints:
    """Clients and model lists of every endpoint of the settings."""

    def __init__(
        self,
        settings: Settings,
        on_retry: Callable[[int, float, Exception], None],
        *,
        default_client: ChatClient | None = None,
    ) -> None:
        self.settings = settings
        self._on_retry = on_retry
        self._clients: dict[str, ChatClient] = {}
        if default_client is not None:
            default_client.on_retry = on_retry
            self._clients[DEFAULT_ENDPOINT] = default_client
        self._contexts: dict[str, dict[str, int]] = {}  # endpoint -> model id -> context
        self._images: dict[str, dict[str, bool]] = {}  # endpoint -> model id -> takes images
        self._model_cache: ModelCache | None = None

    @property
    def _cache(self) -> ModelCache:
        """The model lists' cache file, opened on first use (after the first frame)."""
        if self._model_cache is None:
            from app.store import ModelCache

            self._model_cache = ModelCache(self.settings.cache_dir / "models.json")
        return self._model_cache

    @property
    def names(self) -> list[str]:
        """``default`` first, then the config's endpoints by name (in demo mode, ``default``
        alone: every endpoint is the demo backend then)."""
        if self.settings.demo:
            return [DEFAULT_ENDPOINT]
        return endpoint_names(self.settings.all_endpoints())

    def get(self, name: str | None) -> Endpoint:
        """The endpoint ``name`` (None: default); ``UnknownEndpoint`` if the config has none."""
        return self.settings.endpoint_named(name)

    def client_for(self, name: str | None) -> ChatClient:
        """The client of endpoint ``name``, made on first use with that endpoint's key only."""
        endpoint = self.get(name)
        client = self._clients.get(endpoint.name)
        if client is None:
            from app.api import make_client

            client = make_client(endpoint.base_url, endpoint.api_key, demo=self.settings.demo)
            client.on_retry = self._on_retry
            self._clients[endpoint.name] = client
        return client

    async def aclose(self) -> None:
        """Close every client made."""
        for client in self._clients.values():
            await client.aclose()

    # ----------------------------------------------------------------- model lists

    def cache_key(self, name: str | None) -> str:
        """The model cache's key for endpoint ``name``: its base URL (``demo`` in demo mode)."""
        return "demo" if self.settings.demo else self.get(name).base_url

    def context_length(self, model: str, name: str | None, *, load: bool = True) -> int | None:
        """The context length endpoint ``name`` lists for ``model``: from its last model list,
        or the cache however old; None when unknown (``load=False``: don't read the cache)."""
        key = name or DEFAULT_ENDPOINT
        if key not in self._contexts:
            if not load:
                return None
            self._read_cache(key, name)
        return self._contexts.get(key, {}).get(model)

    def takes_images(self, model: str, name: str | None) -> bool | None:
        """Whether endpoint ``name``'s model list says ``model`` takes images (its last list,
        or the cache however old); None when the list does not say or has no such model."""
        key = name or DEFAULT_ENDPOINT
        if key not in self._contexts:
            self._read_cache(key, name)
        return self._images.get(key, {}).get(model)

    def _read_cache(self, key: str, name: str | None) -> None:
        from app.api import ModelInfo

        try:
            cached = self._cache.load(self.cache_key(name), float("inf")) or []
        except ValueError:  # an endpoint the config no longer has
            return
        self._remember(key, [m for i in cached if (m := ModelInfo.from_dict(i))])

    def knows_contexts(self, name: str | None) -> bool:
        """Whether a fresh model list (a day old at most) of endpoint ``name`` is cached."""
        with suppress(ValueError):
            return bool(self._cache.load(self.cache_key(name), MODEL_CACHE_SECONDS))
        return True  # an unknown endpoint: nothing to ask

    def _remember(self, name: str, models: list[ModelInfo]) -> dict[str, int]:
        contexts = {m.id: m.context_length for m in models if m.context_length}
        self._contexts[name] = contexts
        self._images[name] = {m.id: m.images for m in models if m.images is not None}
        return contexts

    async def load_models(self, name: str | None = None) -> ModelGroup:
        """Endpoint ``name``'s models: the config's ``models`` list, else its ``/models``
        (cached a day); the default endpoint falls back to the built-in list, with a note."""
        from app.api import FALLBACK_MODELS, APIError, ModelInfo

        endpoint = self.get(name)
        if endpoint.models:
            return ModelGroup(endpoint.name, [ModelInfo(model, "") for model in endpoint.models])
        key = self.cache_key(endpoint.name)
        cached = self._cache.load(key, MODEL_CACHE_SECONDS)
        models = [m for item in cached or () if (m := ModelInfo.from_dict(item)) is not None]
        if models:
            self._remember(endpoint.name, models)
            return ModelGroup(endpoint.name, models)
        fallback = list(FALLBACK_MODELS) if endpoint.name == DEFAULT_ENDPOINT else []
        also = "; built-in list" if fallback else ""
        try:
            models = await self.client_for(endpoint.name).list_models()
        except APIError as error:
            from app.api import redact

            text = redact(str(error), endpoint.api_key, others=self.settings.secrets()).rstrip(".")
            note = f"Could not load the model list ({text}){also}."
            return ModelGroup(endpoint.name, fallback, note)
        if not models:
            showing = "; showing the built-in list" if fallback else ""
            note = f"The server listed no models{showing}. Type any id to use it."
            return ModelGroup(endpoint.name, fallback, note)
        # The cache only saves a request next time: failing to write it is not worth a message.
        with suppress(StoreError):
            self._cache.save(key, [m.as_dict() for m in models])
        self._remember(endpoint.name, models)
        return ModelGroup(endpoint.name, models)

    async def load_all(self) -> list[ModelGroup]:
        """Every endpoint's models, asked for at once; one failing does not hide the others."""
        names = self.names
        results = await asyncio.gather(
            *(self.load_models(name) for name in names), return_exceptions=True
        )
        groups: list[ModelGroup] = []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                from app.api import redact

                text = redact(str(result), None, others=self.settings.secrets()).rstrip(".")
                groups.append(ModelGroup(name, [], f"Could not load the model list ({text})."))
            else:
                groups.append(result)
        return groups
