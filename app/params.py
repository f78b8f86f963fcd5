"""The sampling parameters a user may set, and their validation (shared by config, CLI and UI)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ParamValue = float | int | str
"""A parameter's value: a number, or one of a few words (``reasoning_effort``)."""

REASONING_EFFORTS = ("none", "low", "medium", "high")


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """How one parameter is typed and bounded (a ``str`` one by its ``choices``)."""

    name: str
    kind: type[int] | type[float] | type[str]
    low: float
    high: float | None
    help: str
    choices: tuple[str, ...] = ()


PARAMS: dict[str, ParamSpec] = {
    spec.name: spec
    for spec in (
        ParamSpec("temperature", float, 0.0, 2.0, "a number from 0 to 2"),
        ParamSpec("top_p", float, 0.0, 1.0, "a number from 0 to 1"),
        ParamSpec("max_tokens", int, 1, None, "a whole number of at least 1"),
        ParamSpec(
            "reasoning_effort",
            str,
            0,
            None,
            "one of " + ", ".join(REASONING_EFFORTS),
            REASONING_EFFORTS,
        ),
    )
}


def parse_param(name: str, value: str | float) -> ParamValue:
    """Validate ``value`` for parameter ``name``; raises ValueError with a message for the user."""
    spec = PARAMS.get(name)
    if spec is None:
        known = ", ".join(PARAMS)
        raise ValueError(f"Unknown setting '{name}'. Settings are: {known}.")
    if isinstance(value, bool):
        raise ValueError(f"{name} must be {spec.help}, not {value!r}.")
    if spec.kind is str:
        word = value.strip().lower() if isinstance(value, str) else ""
        if word not in spec.choices:
            raise ValueError(f"{name} must be {spec.help}, not {value!r}.")
        return word
    try:
        if spec.kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            number: float | int = int(value) if not isinstance(value, str) else int(value.strip())
        else:
            number = float(value)
    except ValueError:
        raise ValueError(f"{name} must be {spec.help}, not {value!r}.") from None
    if number != number or number < spec.low or (spec.high is not None and number > spec.high):
        raise ValueError(f"{name} must be {spec.help}, not {value!r}.")
    return number


def checked_params(table: Mapping[str, object]) -> tuple[dict[str, ParamValue], list[str]]:
    """The known, in-range parameters of ``table`` (from a file), and why each other was dropped.

    A session file or an import may name any key; only ``PARAMS`` may reach a request, where
    an unknown key could override ``model``, ``messages`` or ``stream``, or ask for 64 replies.
    """
    kept: dict[str, ParamValue] = {}
    dropped: list[str] = []
    for name, value in table.items():
        if name not in PARAMS:
            dropped.append(f"{name!r} is not a parameter hcchat sends ({', '.join(PARAMS)})")
            continue
        wanted = str if PARAMS[name].kind is str else int | float
        if isinstance(value, bool) or not isinstance(value, wanted):
            dropped.append(f"{name!r} must be {PARAMS[name].help}, not {value!r}")
            continue
        try:
            kept[name] = parse_param(name, value)
        except (ValueError, OverflowError):
            dropped.append(f"{name!r} must be {PARAMS[name].help}, not {value!r}")
    return kept, dropped
