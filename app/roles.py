"""Roles: named presets from the config's ``[roles.NAME]`` tables (shared by config, CLI and UI).

A role gives a session its system prompt and, optionally, its model and reply parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from app.params import ParamValue

if TYPE_CHECKING:
    from app.store import Session


@dataclass(frozen=True, slots=True)
class Role:
    """One ``[roles.NAME]`` table: a system prompt, and optionally a model and parameters."""

    name: str
    system_prompt: str | None = None
    model: str | None = None
    params: Mapping[str, ParamValue] = field(default_factory=lambda: MappingProxyType({}))


class UnknownRole(ValueError):
    """A role name the config does not define; the message lists the known ones."""


def find_role(roles: Mapping[str, Role], name: str) -> Role:
    """The role called ``name``; ``UnknownRole`` (one line naming the known roles) if none is."""
    role = roles.get(name.strip())
    if role is None:
        known = ", ".join(sorted(roles)) or "none (add [roles.NAME] tables to the config file)"
        raise UnknownRole(f"Unknown role {name.strip()!r}. Known roles: {known}.")
    return role


def apply_role(session: Session, role: Role) -> None:
    """Give ``session`` the role's system prompt, model and parameters, and record its name.

    What the role leaves out (no ``system_prompt``, no ``model``) stays as it was. The name
    is recorded only while nothing has been said: the file keeps the role a session started with.
    """
    if role.system_prompt:
        session.set_system_prompt(role.system_prompt)
    if role.model:
        session.model = role.model
    session.params = {**session.params, **role.params}
    if session.role is None or all(m.role == "system" for m in session.messages):
        session.role = role.name
