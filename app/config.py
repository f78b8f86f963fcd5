"""Settings from flags, environment and the config file, and remembering the chosen theme."""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from platformdirs import user_cache_path, user_config_path, user_data_path

from app.commands import KEY_ACTIONS, key_scopes
from app.params import PARAMS, parse_param

APP_NAME = "hcchat"
DEFAULT_BASE_URL = "https://ai.hackclub.com/proxy/v1"
DEFAULT_MODEL = "qwen/qwen3-32b"
KEY_COMMAND_TIMEOUT = 10.0

# Binding ids that the [keys] table may rebind, with their default keys, and the groups of
# actions live on one screen at once (one key may not serve two of them): from the registry.
_KEY_SCOPES = key_scopes()

_STRING_SETTINGS = ("api_key", "api_key_command", "base_url", "default_model", "theme")
_KNOWN_SETTINGS = (*_STRING_SETTINGS, "system_prompt", *PARAMS, "keys")
_KEY_SPEC = re.compile(r"[A-Za-z0-9_+\-]+(,[A-Za-z0-9_+\-]+)*")
_TOML_POSITION = re.compile(
    r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column \d+|end of document)\)$"
)


class ConfigError(Exception):
    """The settings are unusable; ``str()`` is one readable line naming the file or variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app needs to start, resolved from flags, environment and config file."""

    api_key: str | None = field(repr=False)
    base_url: str
    model: str
    theme: str | None
    system_prompt: str | None
    keys: Mapping[str, str]
    params: Mapping[str, float | int]
    config_path: Path
    sessions_dir: Path
    cache_dir: Path
    demo: bool


@dataclass(frozen=True, slots=True)
class _ConfigFile:
    """The checked contents of the config file; ``None`` where a setting is absent."""

    api_key: str | None = None
    api_key_command: str | None = None
    base_url: str | None = None
    default_model: str | None = None
    theme: str | None = None
    system_prompt: str | None = None
    params: Mapping[str, float | int] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)


def config_path() -> Path:
    """The config file: ``$XDG_CONFIG_HOME/hcchat/config.toml`` on Linux."""
    return user_config_path(APP_NAME) / "config.toml"


def sessions_dir() -> Path:
    """The folder of session files: ``$XDG_DATA_HOME/hcchat/sessions`` on Linux."""
    return user_data_path(APP_NAME) / "sessions"


def cache_dir() -> Path:
    """The cache folder: ``$XDG_CACHE_HOME/hcchat`` on Linux."""
    return user_cache_path(APP_NAME)


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
    config = _read_config(path)

    if base_url is not None and not base_url.strip():
        raise ConfigError("--base-url needs a URL, not an empty string")
    chosen_url, source = _first(
        (base_url, "--base-url"),
        (environ.get("HCCHAT_BASE_URL"), "HCCHAT_BASE_URL"),
        (config.base_url, f"base_url in config file {path}"),
    )
    resolved_url = _check_base_url(chosen_url, source) if chosen_url else DEFAULT_BASE_URL

    if model is not None and not model.strip():
        raise ConfigError("--model needs a model id, not an empty string")
    resolved_model = (model or config.default_model or DEFAULT_MODEL).strip()

    return Settings(
        api_key=None if demo else _find_api_key(environ, config, path),
        base_url=resolved_url,
        model=resolved_model,
        theme=config.theme,
        system_prompt=config.system_prompt,
        keys=MappingProxyType(dict(config.keys)),
        params=MappingProxyType(dict(config.params)),
        config_path=path,
        sessions_dir=sessions_dir(),
        cache_dir=cache_dir(),
        demo=demo,
    )


def _first(*candidates: tuple[str | None, str]) -> tuple[str | None, str]:
    """The first candidate whose value is not blank, with the name of where it came from."""
    for value, source in candidates:
        if value is not None and value.strip():
            return value.strip(), source
    return None, ""


def _check_base_url(url: str, source: str) -> str:
    """The URL without trailing slashes, or a ``ConfigError`` if it is not http(s) with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"base URL {url!r} (from {source}) must be an http:// or https:// URL with a host"
        )
    return url.rstrip("/")


def _find_api_key(environ: Mapping[str, str], config: _ConfigFile, path: Path) -> str | None:
    """The key from HCCHAT_API_KEY, else the config's ``api_key``, else ``api_key_command``."""
    key = environ.get("HCCHAT_API_KEY", "").strip()
    if key:
        return key
    if config.api_key:
        return config.api_key
    if config.api_key_command:
        return _run_key_command(config.api_key_command, path)
    return None


def _run_key_command(command: str, path: Path) -> str:
    """Run ``api_key_command`` with the shell and return its stripped output."""
    import signal
    import subprocess

    where = f"config file {path}: api_key_command"
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
    key = out.decode("utf-8", "replace").strip()
    if process.returncode != 0:
        first_line = next(
            (line.strip() for line in err.decode("utf-8", "replace").splitlines() if line.strip()),
            "",
        )
        if key:
            first_line = first_line.replace(key, "[redacted]")
        status = (
            f"killed by signal {-process.returncode}"
            if process.returncode < 0
            else f"exit status {process.returncode}"
        )
        detail = f": {first_line}" if first_line else ""
        raise ConfigError(f"{where} failed ({status}){detail}")
    if not key:
        raise ConfigError(f"{where} printed nothing")
    return key


def _read_config(path: Path) -> _ConfigFile:
    """The config file's checked contents; all ``None`` when there is no file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _ConfigFile()
    except OSError as error:
        raise ConfigError(
            f"config file {path}: cannot read it: {error.strerror or error}"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(f"config file {path}, line {line}: not valid UTF-8 text") from None
    return _check_config(_parse_toml(text, path), _Locator(path, text))


def _parse_toml(text: str, path: Path) -> dict[str, object]:
    """Parse TOML text, turning a syntax error into a ``ConfigError`` with the line number."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = _TOML_POSITION.match(str(error))
        if match is None:
            raise ConfigError(f"config file {path}: {error}") from None
        where = f"line {match['line']}" if match["line"] else "end of file"
        raise ConfigError(f"config file {path}, {where}: {match['msg']}") from None


class _Locator:
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


def _check_config(data: Mapping[str, object], at: _Locator) -> _ConfigFile:
    """The typed settings, or ``ConfigError`` for an unknown setting or a wrong type or range."""
    strings: dict[str, str] = {}
    params: dict[str, float | int] = {}
    keys: dict[str, str] = {}
    for name, value in data.items():
        where = at(name)
        if name not in _KNOWN_SETTINGS:
            hint = _suggestion(name, _KNOWN_SETTINGS)
            raise ConfigError(f"{where}: unknown setting {name!r}{hint}")
        if name in _STRING_SETTINGS:
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{where}: {name} must be a non-empty string, not {value!r}")
            strings[name] = value.strip()
        elif name == "system_prompt":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: system_prompt must be a string, not {value!r}")
            strings[name] = value
        elif name in PARAMS:
            params[name] = _check_param(name, value, where)
        else:
            keys = _check_keys(value, at)
    return _ConfigFile(
        api_key=strings.get("api_key"),
        api_key_command=strings.get("api_key_command"),
        base_url=strings.get("base_url"),
        default_model=strings.get("default_model"),
        theme=strings.get("theme"),
        system_prompt=strings.get("system_prompt") or None,
        params=params,
        keys=keys,
    )


def _check_param(name: str, value: object, where: str) -> float | int:
    """A temperature, top_p or max_tokens value of the right type and range, or ``ConfigError``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {name} must be {PARAMS[name].help}, not {value!r}")
    try:
        return parse_param(name, value)
    except ValueError as error:
        raise ConfigError(f"{where}: {str(error).rstrip('.')}") from None


def _check_keys(table: object, at: _Locator) -> dict[str, str]:
    """The ``[keys]`` table, checked: known actions, plausible key specs, no key used twice."""
    if not isinstance(table, dict):
        raise ConfigError(f"{at('keys')}: keys must be a table ([keys]), not {table!r}")
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
    return keys


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

    match = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    if not match:
        short = {option.removeprefix("default_"): option for option in valid}
        close = difflib.get_close_matches(name, tuple(short), n=1, cutoff=0.6)
        match = [short[close[0]]] if close else []
    return f" (did you mean {match[0]!r}?)" if match else ""


def save_theme(path: Path, theme: str) -> None:
    """Remember ``theme`` as the top-level ``theme = "..."`` line of the config file.

    The rest of the file, comments included, is kept byte for byte. A missing file is created
    (mode 0600, new folders 0700). A file that is not valid TOML is left alone (``ConfigError``).
    A symlinked config (dotfile managers) is edited where it points, keeping the link.
    """
    import tomli_w

    path = path.resolve()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError as error:
        raise ConfigError(
            f"config file {path}: cannot read it: {error.strerror or error}"
        ) from None
    assignment = tomli_w.dumps({"theme": theme}).rstrip("\n")
    if raw is None:
        _make_private_dirs(path.parent)
        _write_atomically(path, (assignment + "\n").encode("utf-8"), mode=0o600)
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path}: not valid UTF-8 text; theme not saved") from None
    before = _parse_toml(text, path)
    updated = _with_theme_line(text, assignment)
    if _parse_toml(updated, path) != {**before, "theme": theme}:
        raise ConfigError(f"config file {path}: could not update its theme line; left it unchanged")
    prefix = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    mode = path.stat().st_mode & 0o777
    _write_atomically(path, (prefix + updated).encode("utf-8"), mode=mode)


_THEME_LINE = re.compile(
    r"""^(?P<head>[ \t]*(?:theme|"theme"|'theme')[ \t]*=[ \t]*)"""
    r"""(?P<value>"(?:[^"\\\n]|\\.)*"|'[^'\n]*')?(?P<tail>.*)$""",
    re.DOTALL,
)


def _with_theme_line(text: str, assignment: str) -> str:
    """``text`` with its top-level theme assignment replaced, or one inserted.

    A new line goes after the last top-level setting; with none, before the first table (and
    the comments just above it), or at the end of a file without tables.
    """
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    insert_at = 0  # after the last top-level statement
    first_table: int | None = None
    in_string: str | None = None
    for index, line in enumerate(lines):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
                insert_at = index + 1
            continue
        stripped = line.strip()
        if stripped.startswith("["):
            first_table = index
            break
        if not stripped or stripped.startswith("#"):
            continue
        theme = _THEME_LINE.match(line.rstrip("\r\n"))
        if theme is not None:
            ending = line[len(line.rstrip("\r\n")) :]
            value = assignment.split("=", 1)[1].strip()
            if theme["value"] is not None:
                lines[index] = f"{theme['head']}{value}{theme['tail']}{ending}"
            else:
                lines[index] = f"{assignment}{ending}"
            return "".join(lines)
        insert_at = index + 1
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                in_string = quote
                break
    if insert_at == 0:
        insert_at = len(lines) if first_table is None else first_table
        while (
            first_table is not None
            and insert_at > 0
            and lines[insert_at - 1].lstrip().startswith("#")
        ):
            insert_at -= 1
    if insert_at and not lines[insert_at - 1].endswith("\n"):
        lines[insert_at - 1] += newline
    lines.insert(insert_at, assignment + newline)
    return "".join(lines)


def _make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parents with mode 0700."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ConfigError(
            f"config file {path}: cannot save it: {error.strerror or error}"
        ) from None
