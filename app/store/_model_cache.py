"""``ModelCache``: the endpoint's model list, kept for a day so startup needs no request."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from app.store._errors import StoreWriteError
from app.store._files import read_regular, write_atomic

CACHE_VERSION = 1


class ModelCache:
    """A JSON file of model lists, one per base URL, each with the time it was fetched."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock

    def load(self, base_url: str, max_age_s: float = 86400) -> list[dict[str, object]] | None:
        """Models cached for ``base_url``; None if missing, older than ``max_age_s`` or corrupt."""
        entry = self._entries().get(_key(base_url))
        if not isinstance(entry, dict):
            return None
        fetched, models = entry.get("fetched_at"), entry.get("models")
        if isinstance(fetched, bool) or not isinstance(fetched, int | float):
            return None
        age = self._clock() - fetched
        # a fetch time in the future means the clock moved: trust the cache no more
        if not 0 <= age <= max_age_s:
            return None
        if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
            return None
        return models

    def save(self, base_url: str, models: list[dict[str, object]]) -> None:
        """Cache ``models`` for ``base_url``, keeping other endpoints' lists.

        Raises ``StoreWriteError`` if the file cannot be written.
        """
        entries = self._entries()
        entries[_key(base_url)] = {"fetched_at": self._clock(), "models": models}
        # ASCII JSON: a lone surrogate from a server's JSON survives as an escape
        text = json.dumps({"version": CACHE_VERSION, "endpoints": entries})
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomic(self.path, text.encode("ascii"))
        except OSError as error:
            raise StoreWriteError(
                f"Could not save the model list: {error.strerror or error} ({self.path})"
            ) from None

    def _entries(self) -> dict[str, object]:
        try:
            document = json.loads(read_regular(self.path)[0])
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(document, dict) or document.get("version") != CACHE_VERSION:
            return {}
        entries = document.get("endpoints")
        return entries if isinstance(entries, dict) else {}


def _key(base_url: str) -> str:
    return base_url.strip().rstrip("/")
