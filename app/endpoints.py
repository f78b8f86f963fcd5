"""Endpoints: the base URL of the settings (``default``) and the config's ``[endpoints.NAME]``.

Plain data shared by config, CLI and UI. A model on another endpoint than the session's is
named ``ENDPOINT::MODEL`` (``/model local::llama3.2``): model ids hold ``/`` and ``:`` (OpenRouter's
``:free``, Ollama's ``llama3.2:3b``) but no ``::``, and an endpoint name is only letters, digits,
``-`` and ``_``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_ENDPOINT = "default"
# What separates an endpoint's name from a model id in ``/model`` and the picker's filter.
SEPARATOR = "::"
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One endpoint: its name, base URL, key (never shown) and the models it lists itself.

    ``models``: the config's list, used instead of asking the endpoint's ``/models``.
    """

    name: str
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    models: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """An ``[endpoints.NAME]`` table as checked, before its ``api_key_command`` has run."""

    name: str
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    api_key_command: str | None = None
    models: tuple[str, ...] = ()


class UnknownEndpoint(ValueError):
    """An endpoint name the config does not define; the message lists the known ones."""


def endpoint_names(endpoints: Mapping[str, Endpoint]) -> list[str]:
    """``default`` first, then the config's endpoints by name."""
    return [DEFAULT_ENDPOINT, *sorted(name for name in endpoints if name != DEFAULT_ENDPOINT)]


def find_endpoint(endpoints: Mapping[str, Endpoint], name: str) -> Endpoint:
    """The endpoint called ``name``; ``UnknownEndpoint`` (one line naming the known ones)."""
    endpoint = endpoints.get(name.strip())
    if endpoint is None:
        from app.text import one_line

        known = ", ".join(endpoint_names(endpoints))
        raise UnknownEndpoint(
            f"Unknown endpoint {one_line(name.strip(), 40)!r}. Known endpoints: {known} "
            "(add [endpoints.NAME] tables to the config file)."
        )
    return endpoint


def split_choice(text: str) -> tuple[str | None, str]:
    """``(endpoint, model)`` from ``ENDPOINT::MODEL``; ``(None, text)`` when it names none."""
    name, separator, model = text.strip().partition(SEPARATOR)
    if separator and NAME_PATTERN.fullmatch(name):
        return name, model.strip()
    return None, text.strip()


def choice_text(endpoint: str | None, model: str) -> str:
    """How ``/model`` names ``model`` on ``endpoint``: the id alone on ``default``."""
    if endpoint is None or endpoint == DEFAULT_ENDPOINT:
        return model
    return f"{endpoint}{SEPARATOR}{model}"
