"""The config file: the table of its settings, and reading and checking the file against it.

Each top-level setting is one ``Setting`` row: its name, the help text saying what its value
must be, and the checker that turns the TOML value into what hcchat uses. The rows drive the
checking, the "unknown setting ... (did you mean ...)" hints and the values of ``ConfigFile``,
so a new setting is one more row in ``_ROWS``.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar, cast

from app.commands import KEY_ACTIONS, key_scopes
from app.endpoints import DEFAULT_ENDPOINT, NAME_PATTERN, EndpointConfig
from app.params import PARAMS, ParamValue, parse_param
from app.roles import Role

T = TypeVar("T")

# Binding ids that the [keys] table may rebind, with their default keys, and the groups of
# actions live on one screen at once (one key may not serve two of them): from the registry.
_KEY_SCOPES = key_scopes()
_KEY_SPEC = re.compile(r"[A-Za-z0-9_+\-]+(,[A-Za-z0-9_+\-]+)*")
_TOML_POSITION = re.compile(
    r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column \d+|end of document)\)$"
)


class ConfigError(Exception):
    """The settings are unusable; ``str()`` is one readable line naming the file or variable."""


class Locator:
    """Says where in the config file a setting is: ``config file PATH, line N``."""

    _HEADER = re.compile(r"\s*\[\[?\s*([^\]]+?)\s*\]")

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self._lines = text.splitlines()

    def __call__(self, name: str, table: str = "") -> str:
        """Where ``name`` is set at the top level (or in ``[table]``); the file alone if unsure."""
        line = self._line_of(name, table)
        if line is None and "." in name:  # a dotted action such as [keys.browser] rename = ...
            prefix, _, last = name.rpartition(".")
            line = self._line_of(last, f"{table}.{prefix}" if table else prefix)
        if line is None and table:
            line = self._line_of(table)
        return f"config file {self.path}" + (f", line {line}" if line else "")

    def _line_of(self, name: str, table: str = "") -> int | None:
        quoted = "|".join(re.escape(form) for form in (name, f'"{name}"', f"'{name}'"))
        assignment = re.compile(rf"\s*(?:{quoted})\s*[=.]")
        section = ""
        for number, line in enumerate(self._lines, 1):
            header = self._HEADER.match(line)
            if header is not None and not line.lstrip().startswith(("#", '"', "'")):
                section = header.group(1).replace(" ", "")
                if not table and (section == name or section.startswith(f"{name}.")):
                    return number
                continue
            if section == table and assignment.match(line):
                return number
        return None


Check = Callable[[object, Locator], T]
"""Turns a TOML value into the setting's value; ``ValueError`` when it is not what help says."""


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One top-level config setting: its name, what its value must be, and its checker.

    A checker raises ``ValueError`` for a value that is not what ``help`` says (the message then
    reads ``NAME must be HELP, not VALUE``), or ``ConfigError`` with a message of its own.
    A checker returning ``None`` means the setting counts as absent.
    """

    name: str
    help: str
    check: Check[T]


def _text(value: object, at: Locator) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(value)
    return value.strip()


def _prompt(value: object, at: Locator) -> str | None:
    if not isinstance(value, str):
        raise ValueError(value)
    return value or None


def _api_key(value: object, at: Locator) -> str:
    key = _text(value, at)
    problem = key_problem(key)
    if problem is not None:
        raise ConfigError(f"{at('api_key')}: api_key {problem}")
    return key


def _param(name: str) -> Check[ParamValue]:
    wanted = str if PARAMS[name].kind is str else int | float

    def check(value: object, at: Locator) -> ParamValue:
        if isinstance(value, bool) or not isinstance(value, wanted):
            raise ValueError(value)
        return parse_param(name, value)

    return check


def _budget(value: object, at: Locator) -> float:
    """A daily budget in USD: a finite number above zero."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    if not 0 < value < float("inf"):
        raise ValueError(value)
    return float(value)


def _keys(table: object, at: Locator) -> Mapping[str, str]:
    """The ``[keys]`` table, checked: known actions, plausible key specs, no key used twice."""
    if not isinstance(table, dict):
        raise ValueError(table)
    keys: dict[str, str] = {}
    for action, spec in _flatten(table):
        where = at(action, "keys")
        if action not in KEY_ACTIONS:
            hint = _suggestion(action, tuple(KEY_ACTIONS))
            raise ConfigError(
                f"{where}: unknown action {action!r} in [keys]{hint}; "
                f"actions: {', '.join(KEY_ACTIONS)}"
            )
        if not isinstance(spec, str) or not _KEY_SPEC.fullmatch(spec):
            raise ConfigError(
                f'{where}: [keys] {action} must be a key such as "ctrl+o" or "f2", not {spec!r}'
            )
        keys[action] = spec
    for scope in _KEY_SCOPES:
        owner: dict[str, str] = {}
        for action in scope:
            for key in keys.get(action, KEY_ACTIONS[action]).split(","):
                if key in owner:
                    raise ConfigError(
                        f"{at(action, 'keys')}: [keys] gives {key!r} to both "
                        f"{owner[key]!r} and {action!r}"
                    )
                owner[key] = action
    return MappingProxyType(keys)


# The keys of a [roles.NAME] table besides the parameters.
_ROLE_TEXT_KEYS = ("system_prompt", "model")


def _roles(table: object, at: Locator) -> Mapping[str, Role]:
    """The ``[roles.NAME]`` tables: ``system_prompt``, ``model`` and parameters each."""
    if not isinstance(table, dict):
        raise ValueError(table)
    roles: dict[str, Role] = {}
    for name, body in table.items():
        where = at(name, "roles")
        if not isinstance(body, dict):
            raise ConfigError(f"{where}: roles.{name} must be a table ([roles.{name}])")
        params: dict[str, ParamValue] = {}
        for key, value in body.items():
            if key in _ROLE_TEXT_KEYS:
                if not isinstance(value, str) or (key == "model" and not value.strip()):
                    raise ConfigError(
                        f"{at(key, f'roles.{name}')}: roles.{name}.{key} "
                        f"must be a string, not {value!r}"
                    )
            elif (
                key in PARAMS
                and not isinstance(value, bool)
                and isinstance(value, str) == (PARAMS[key].kind is str)
            ):
                try:
                    params[key] = parse_param(key, value)
                except ValueError as error:
                    raise ConfigError(f"{at(key, f'roles.{name}')}: roles.{name}.{error}") from None
            else:
                known = ", ".join((*_ROLE_TEXT_KEYS, *PARAMS))
                raise ConfigError(
                    f"{at(key, f'roles.{name}')}: roles.{name}: {key!r} is not a role setting "
                    f"(or not a number); a role has {known}"
                )
        model = body.get("model")
        roles[name] = Role(
            name=name,
            system_prompt=body.get("system_prompt") or None,
            model=model.strip() if isinstance(model, str) else None,
            params=MappingProxyType(params),
        )
    return MappingProxyType(roles)


# The keys of an [endpoints.NAME] table.
_ENDPOINT_KEYS = ("base_url", "api_key", "api_key_command", "models")


def _endpoints(table: object, at: Locator) -> Mapping[str, EndpointConfig]:
    """The ``[endpoints.NAME]`` tables: ``base_url``, a key or key command, ``models``."""
    if not isinstance(table, dict):
        raise ValueError(table)
    endpoints: dict[str, EndpointConfig] = {}
    for name, body in table.items():
        where, what = at(name, "endpoints"), f"endpoints.{name}"
        if not NAME_PATTERN.fullmatch(name) or name == DEFAULT_ENDPOINT:
            reason = (
                "is the endpoint of base_url (and --base-url, HCCHAT_BASE_URL)"
                if name == DEFAULT_ENDPOINT
                else "is not a name of letters, digits, '-' and '_' (at most 40)"
            )
            raise ConfigError(f"{where}: endpoint name {name!r} {reason}; choose another")
        if not isinstance(body, dict):
            raise ConfigError(f"{where}: {what} must be a table ([{what}])")
        for key, value in body.items():
            if key not in _ENDPOINT_KEYS:
                known = ", ".join(_ENDPOINT_KEYS)
                raise ConfigError(
                    f"{at(key, what)}: {what}: {key!r} is not an endpoint setting; "
                    f"an endpoint has {known}"
                )
            valid = (
                isinstance(value, list)
                and all(isinstance(m, str) and m.strip() and " " not in m.strip() for m in value)
                if key == "models"
                else isinstance(value, str) and bool(value.strip())
            )
            if not valid:
                kind = "a list of model ids" if key == "models" else _STRING
                raise ConfigError(f"{at(key, what)}: {what}.{key} must be {kind}, not {value!r}")
        if "base_url" not in body:
            raise ConfigError(f"{where}: {what} needs a base_url")
        if "api_key" in body and "api_key_command" in body:
            raise ConfigError(f"{where}: {what} has both api_key and api_key_command; keep one")
        key = body.get("api_key")
        if key is not None and (problem := key_problem(key.strip())) is not None:
            raise ConfigError(f"{at('api_key', what)}: {what}.api_key {problem}")
        endpoints[name] = EndpointConfig(
            name=name,
            base_url=body["base_url"].strip(),
            api_key=key.strip() if key else None,
            api_key_command=body.get("api_key_command"),
            models=tuple(dict.fromkeys(m.strip() for m in body.get("models", ()))),
        )
    return MappingProxyType(endpoints)


_STRING = "a non-empty string"
API_KEY = Setting("api_key", _STRING, _api_key)
API_KEY_COMMAND = Setting("api_key_command", _STRING, _text)
BASE_URL = Setting("base_url", _STRING, _text)
DEFAULT_MODEL = Setting("default_model", _STRING, _text)
THEME = Setting("theme", _STRING, _text)
SYSTEM_PROMPT = Setting("system_prompt", "a string", _prompt)
PARAM_SETTINGS = tuple(Setting(name, spec.help, _param(name)) for name, spec in PARAMS.items())
KEYS = Setting("keys", "a table ([keys])", _keys)
DAILY_BUDGET = Setting("daily_budget", "a number of USD above 0", _budget)
ROLES = Setting("roles", "a table of [roles.NAME] tables", _roles)
ENDPOINTS = Setting("endpoints", "a table of [endpoints.NAME] tables", _endpoints)

_ROWS: tuple[Setting[Any], ...] = (
    API_KEY,
    API_KEY_COMMAND,
    BASE_URL,
    DEFAULT_MODEL,
    THEME,
    SYSTEM_PROMPT,
    *PARAM_SETTINGS,
    DAILY_BUDGET,
    KEYS,
    ROLES,
    ENDPOINTS,
)
SETTINGS: Mapping[str, Setting[Any]] = MappingProxyType({row.name: row for row in _ROWS})


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """The checked config file: each setting it has, by name, as its row's checker returned it.

    ``mode`` holds the file's permission bits (``None`` when there is no file).
    """

    values: Mapping[str, object] = field(default_factory=dict)
    mode: int | None = None

    def get(self, setting: Setting[T]) -> T | None:
        """The value of ``setting``, or ``None`` when the file does not set it."""
        return cast("T | None", self.values.get(setting.name))

    @property
    def params(self) -> dict[str, float | int | str]:
        """The reply parameters the file sets."""
        return {
            setting.name: value
            for setting in PARAM_SETTINGS
            if (value := self.get(setting)) is not None
        }


def read_config(path: Path) -> ConfigFile:
    """The config file's checked contents; an empty ``ConfigFile`` when there is no file."""
    try:
        raw, mode = read_regular_file(path)
    except FileNotFoundError:
        return ConfigFile()
    except OSError as error:
        raise ConfigError(
            f"config file {path}: cannot read it: {error.strerror or error}"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(f"config file {path}, line {line}: not valid UTF-8 text") from None
    try:
        values = _check_config(parse_toml(text, path), Locator(path, text))
    except RecursionError:
        raise ConfigError(f"config file {path}: nested too deeply to be a config") from None
    return ConfigFile(MappingProxyType(values), mode)


def read_regular_file(path: Path) -> tuple[bytes, int]:
    """A regular file's bytes and permission bits; ``OSError`` for a FIFO, device or folder.

    The open does not block (``O_NONBLOCK``), so a FIFO named ``config.toml`` cannot hang
    hcchat before its first screen.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with open(fd, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise OSError(f"not a regular file ({_file_kind(status.st_mode)})")
        return file.read(), stat.S_IMODE(status.st_mode)


def _file_kind(mode: int) -> str:
    kinds = {"a folder": stat.S_ISDIR, "a FIFO": stat.S_ISFIFO, "a socket": stat.S_ISSOCK}
    kinds |= {"a device": stat.S_ISCHR, "a block device": stat.S_ISBLK}
    return next((name for name, test in kinds.items() if test(mode)), "not a file")


def parse_toml(text: str, path: Path) -> dict[str, object]:
    """Parse TOML text, turning a syntax error into a ``ConfigError`` with the line number."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ConfigError(f"config file {path}: nested too deeply to be a config") from None
    except tomllib.TOMLDecodeError as error:
        match = _TOML_POSITION.match(str(error))
        if match is None:
            raise ConfigError(f"config file {path}: {error}") from None
        where = f"line {match['line']}" if match["line"] else "end of file"
        raise ConfigError(f"config file {path}, {where}: {match['msg']}") from None


def _check_config(data: Mapping[str, object], at: Locator) -> dict[str, object]:
    """Each setting's checked value, or ``ConfigError`` for an unknown or unfit setting."""
    values: dict[str, object] = {}
    for name, value in data.items():
        setting = SETTINGS.get(name)
        if setting is None:
            hint = _suggestion(name, tuple(SETTINGS))
            raise ConfigError(f"{at(name)}: unknown setting {name!r}{hint}")
        try:
            checked = setting.check(value, at)
        except ValueError:
            # parse_param's range errors say the same as the help, in these words
            raise ConfigError(f"{at(name)}: {name} must be {setting.help}, not {value!r}") from None
        if checked is not None:
            values[name] = checked
    return values


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be an API key, without quoting any of it; ``None`` when it can.

    The key goes into an HTTP header, so it must be printable ASCII with no spaces inside: a
    pasted zero-width or non-breaking space would otherwise fail obscurely at the first request.
    """
    for position, char in enumerate(key, 1):
        if "!" <= char <= "~":
            continue
        return (
            f"has {_describe(char)} at character {position}; an API key is printable ASCII "
            "with no spaces (copy it again without that character)"
        )
    return None


def _describe(char: str) -> str:
    """What kind of character ``char`` is; a visible one is not named, being part of a secret."""
    if char == " ":
        return "a space"
    if char == "\t":
        return "a tab"
    code = f"U+{ord(char):04X}"
    category = unicodedata.category(char)
    name = unicodedata.name(char, "").lower()
    if category == "Cc":
        return f"a control character ({code})"
    if category.startswith("Z"):
        return f"a space character ({code} {name})"
    if category == "Cf":
        return f"an invisible character ({code} {name})"
    return "a non-ASCII character"


def _flatten(table: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    """``(action, value)`` pairs, where a TOML dotted key ``browser.rename`` is a nested table."""
    pairs: list[tuple[str, object]] = []
    for name, value in table.items():
        if isinstance(value, dict):
            pairs.extend(_flatten(value, f"{prefix}{name}."))
        else:
            pairs.append((f"{prefix}{name}", value))
    return pairs


def _suggestion(name: str, valid: tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for a near miss, or an empty string."""
    import difflib

    # each option also by its short name, all at once: "modle" is nearer "model" (for
    # default_model) than "roles"
    names = {option: option for option in valid}
    for option in valid:
        names.setdefault(option.removeprefix("default_"), option)
    close = difflib.get_close_matches(name, tuple(names), n=1, cutoff=0.6)
    return f" (did you mean {names[close[0]]!r}?)" if close else ""
