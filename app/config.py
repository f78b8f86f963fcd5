"""Settings from flags, environment and the config file, and remembering the chosen theme."""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import app._config_file as config_file
from app._config_file import (
    ConfigError,
    ConfigFile,
    key_problem,
    parse_toml,
    read_config,
    read_regular_file,
)
from app._folders import cache_dir, config_path, sessions_dir
from app.commands import KEY_ACTIONS
from app.endpoints import DEFAULT_ENDPOINT, Endpoint, EndpointConfig, find_endpoint
from app.roles import Role

if TYPE_CHECKING:
    from tomlkit.container import Container

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "KEY_ACTIONS",
    "ConfigError",
    "Settings",
    "cache_dir",
    "config_path",
    "load_settings",
    "save_theme",
    "sessions_dir",
]

DEFAULT_BASE_URL = "https://ai.hackclub.com/proxy/v1"
DEFAULT_MODEL = "qwen/qwen3-32b"
KEY_COMMAND_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app needs to start, resolved from flags, environment and config file.

    ``warnings`` are one-line notes for stderr before starting (without the ``hcchat:
    warning:`` prefix), about something that works but should be fixed. ``roles``: the
    config's ``[roles.NAME]`` tables, by name. ``endpoints``: the config's
    ``[endpoints.NAME]``, by name, keys found; ``endpoint``: the one new sessions use
    (``--endpoint``), ``default`` being ``base_url`` with ``api_key``.
    """

    api_key: str | None = field(repr=False)
    base_url: str
    model: str
    theme: str | None
    system_prompt: str | None
    keys: Mapping[str, str]
    params: Mapping[str, float | int | str]
    config_path: Path
    sessions_dir: Path
    cache_dir: Path
    demo: bool
    warnings: tuple[str, ...] = ()
    daily_budget: float | None = None  # USD a UTC day, over every session
    roles: Mapping[str, Role] = field(default_factory=lambda: MappingProxyType({}))
    endpoints: Mapping[str, Endpoint] = field(default_factory=lambda: MappingProxyType({}))
    endpoint: str = DEFAULT_ENDPOINT

    def all_endpoints(self) -> dict[str, Endpoint]:
        """Every endpoint by name, ``default`` (the base URL and its key) first."""
        default = Endpoint(DEFAULT_ENDPOINT, self.base_url, self.api_key)
        return {DEFAULT_ENDPOINT: default, **self.endpoints}

    def endpoint_named(self, name: str | None) -> Endpoint:
        """The endpoint ``name`` (None: ``default``); ``UnknownEndpoint`` if there is none."""
        return find_endpoint(self.all_endpoints(), name or DEFAULT_ENDPOINT)

    def secrets(self) -> tuple[str, ...]:
        """Every endpoint's key: masked in any message, whichever endpoint it is about."""
        return tuple(e.api_key for e in self.all_endpoints().values() if e.api_key)


def load_settings(
    *,
    model: str | None = None,
    base_url: str | None = None,
    demo: bool = False,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the settings (flag, then environment, then config file, then default).

    Raises ``ConfigError`` rather than returning anything half-configured. In demo mode no
    key is looked up, so ``api_key_command`` is not run.
    """
    environ = os.environ if env is None else env
    path = config_path()
    config = read_config(path)

    if base_url is not None and not base_url.strip():
        raise ConfigError("--base-url needs a URL, not an empty string")
    chosen_url, source = _first(
        (base_url, "--base-url"),
        (environ.get("HCCHAT_BASE_URL"), "HCCHAT_BASE_URL"),
        (config.get(config_file.BASE_URL), f"base_url in config file {path}"),
    )
    resolved_url = _check_base_url(chosen_url, source) if chosen_url else DEFAULT_BASE_URL

    if model is not None and not model.strip():
        raise ConfigError("--model needs a model id, not an empty string")
    resolved_model = (model or config.get(config_file.DEFAULT_MODEL) or DEFAULT_MODEL).strip()

    return Settings(
        api_key=None if demo else _find_api_key(environ, config, path),
        base_url=resolved_url,
        model=resolved_model,
        theme=config.get(config_file.THEME),
        system_prompt=config.get(config_file.SYSTEM_PROMPT),
        keys=config.get(config_file.KEYS) or MappingProxyType({}),
        params=MappingProxyType(config.params),
        config_path=path,
        sessions_dir=sessions_dir(),
        cache_dir=cache_dir(),
        demo=demo,
        warnings=_warnings(config, path),
        daily_budget=config.get(config_file.DAILY_BUDGET),
        roles=config.get(config_file.ROLES) or MappingProxyType({}),
        endpoints=_resolve_endpoints(config.get(config_file.ENDPOINTS) or {}, path, demo=demo),
    )


def _resolve_endpoints(
    tables: Mapping[str, EndpointConfig], path: Path, *, demo: bool
) -> Mapping[str, Endpoint]:
    """The ``[endpoints.NAME]`` tables with their URLs checked and keys found (not in demo
    mode: no key is looked up, no command run)."""
    endpoints: dict[str, Endpoint] = {}
    for name, table in tables.items():
        where = f"endpoints.{name}.base_url in config file {path}"
        key = table.api_key
        if table.api_key_command is not None and not demo:
            key = _run_key_command(table.api_key_command, path, f"endpoints.{name}.api_key_command")
        endpoints[name] = Endpoint(
            name=name,
            base_url=_check_base_url(table.base_url, where),
            api_key=None if demo else key,
            models=table.models,
        )
    return MappingProxyType(endpoints)


def _first(*candidates: tuple[str | None, str]) -> tuple[str | None, str]:
    """The first candidate whose value is not blank, with the name of where it came from."""
    for value, source in candidates:
        if value is not None and value.strip():
            return value.strip(), source
    return None, ""


def _check_base_url(url: str, source: str) -> str:
    """The URL without trailing slashes, or a ``ConfigError`` if it is not http(s) with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise ConfigError(f"base URL {url!r} (from {source}) is not a valid URL: {error}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"base URL {url!r} (from {source}) must be an http:// or https:// URL with a host"
        )
    return url.rstrip("/")


def _warnings(config: ConfigFile, path: Path) -> tuple[str, ...]:
    """Notes about a config that works but should be fixed: a key other users can read."""
    if os.name != "posix" or config.mode is None or not config.mode & 0o077:
        return ()
    if config.get(config_file.API_KEY) is None and not any(
        table.api_key for table in (config.get(config_file.ENDPOINTS) or {}).values()
    ):
        return ()
    return (f"config file {path} holds api_key and can be read by other users; chmod 600 {path}",)


def _find_api_key(environ: Mapping[str, str], config: ConfigFile, path: Path) -> str | None:
    """The key from HCCHAT_API_KEY, else the config's ``api_key``, else ``api_key_command``.

    The config file's ``api_key`` was checked when the file was read.
    """
    key = environ.get("HCCHAT_API_KEY", "").strip()
    if key:
        problem = key_problem(key)
        if problem is not None:
            raise ConfigError(f"HCCHAT_API_KEY {problem}")
        return key
    if (from_file := config.get(config_file.API_KEY)) is not None:
        return from_file
    if (command := config.get(config_file.API_KEY_COMMAND)) is not None:
        return _run_key_command(command, path)
    return None


def _run_key_command(command: str, path: Path, name: str = "api_key_command") -> str:
    """Run ``api_key_command`` with the shell and return the first line of its output, stripped.

    Only the first line is the key: ``pass show`` and the like print other fields after it.
    """
    import signal
    import subprocess

    where = f"config file {path}: {name}"
    try:
        process = subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # so a timeout can stop everything the shell started
        )
    except OSError as error:
        raise ConfigError(f"{where} could not be started: {error.strerror or error}") from None
    try:
        out, err = process.communicate(timeout=KEY_COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ConfigError(
            f"{where} did not finish within {KEY_COMMAND_TIMEOUT:g} seconds"
        ) from None
    lines = [line.strip() for line in out.decode("utf-8", "replace").splitlines()]
    if process.returncode != 0:
        raise ConfigError(
            f"{where} failed ({_exit_status(process.returncode)}){_detail(err, lines)}"
        )
    if not any(lines):
        raise ConfigError(f"{where} printed nothing")
    key = lines[0]
    if not key:
        raise ConfigError(f"{where} printed an empty first line (the key must be the first line)")
    problem = key_problem(key)
    if problem is not None:
        raise ConfigError(f"{where} printed a key that {problem}")
    return key


def _exit_status(returncode: int) -> str:
    if returncode < 0:
        return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def _detail(err: bytes, printed: list[str]) -> str:
    """``: `` and the first line of a failed command's error output, its output lines hidden."""
    first_line = next(
        (line.strip() for line in err.decode("utf-8", "replace").splitlines() if line.strip()),
        "",
    )
    # the key is the first line; later ones (``pass show`` fields) may be secret too, but a
    # line of a character or two would blot out the whole message
    hidden = {printed[0], *(line for line in printed[1:] if len(line) >= 4)} if printed else set()
    for secret in sorted(filter(None, hidden), key=len, reverse=True):
        first_line = first_line.replace(secret, "[redacted]")
    return f": {first_line}" if first_line else ""


def save_theme(path: Path, theme: str) -> None:
    """Remember ``theme`` as the top-level ``theme = "..."`` setting of the config file.

    The rest of the file, comments, layout, line endings and byte order mark included, is kept
    byte for byte. A missing file is created (mode 0600, new folders 0700). A file that is not
    valid TOML is left alone (``ConfigError``). A symlinked config (dotfile managers) is edited
    where it points, keeping the link.
    """
    import tomlkit  # not at start-up: only when a theme is picked

    path = path.resolve()
    try:
        raw, _ = read_regular_file(path)
    except FileNotFoundError:
        document = tomlkit.document()
        document["theme"] = theme
        _save(path, document.as_string().encode("utf-8"), mode=0o600, new=True)
        return
    except OSError as error:
        raise ConfigError(
            f"config file {path}: cannot read it: {error.strerror or error}"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path}: not valid UTF-8 text; theme not saved") from None
    before = parse_toml(text, path)
    try:
        updated = _with_theme(text, theme)
        after = tomllib.loads(updated)
    except (tomlkit.exceptions.TOMLKitError, tomllib.TOMLDecodeError):
        after = None
    replaceable = isinstance(before.get("theme", ""), str)  # not a [theme] table, say
    if not replaceable or after != {**before, "theme": theme}:
        raise ConfigError(f"config file {path}: could not update its theme line; left it unchanged")
    prefix = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    _save(path, (prefix + updated).encode("utf-8"), mode=path.stat().st_mode & 0o777)


def _with_theme(text: str, theme: str) -> str:
    """``text`` with its top-level theme replaced in place, or a theme line inserted.

    A new line goes after the last top-level setting; with none, before the first table (and
    the comments just above it), or at the end of a file without tables.
    """
    import tomlkit

    document = tomlkit.parse(text)
    if "theme" in document:
        document["theme"] = theme
        return document.as_string()
    newline = "\r\n" if text.partition("\n")[0].endswith("\r") else "\n"
    index = _theme_index(document)
    if index == len(document.body):
        if text and not text.endswith("\n"):
            text += newline
        return f"{text}theme = {tomlkit.item(theme).as_string()}{newline}"
    value = tomlkit.item(theme)
    value.trivia.trail = newline
    # tomlkit's own placement for a new key is after the comments above the first table
    document._insert_at(index, "theme", value)
    return document.as_string()


def _theme_index(document: Container) -> int:
    """Where in the document's top-level items a new theme setting goes."""
    from tomlkit.items import AoT, Comment, Table

    body = document.body
    last_setting: int | None = None
    for index, (key, item) in enumerate(body):
        if key is None:  # a comment or blank lines
            continue
        if isinstance(item, Table | AoT) and not key.is_dotted():
            while index > 0 and last_setting is None and isinstance(body[index - 1][1], Comment):
                index -= 1
            return index if last_setting is None else last_setting + 1
        last_setting = index
    return len(body) if last_setting is None else last_setting + 1


def _save(path: Path, data: bytes, *, mode: int, new: bool = False) -> None:
    """Write the config file through the store's atomic writer, as a ``ConfigError`` if not."""
    from app.store import make_private_folders, write_atomic

    try:
        if new:
            make_private_folders(path.parent)
        write_atomic(path, data, mode=mode)
    except OSError as error:
        raise ConfigError(
            f"config file {path}: cannot save it: {error.strerror or error}"
        ) from None
