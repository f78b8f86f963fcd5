"""Resolving settings from flags, environment and the config file (DESIGN's precedence)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app import config
from app.config import (
    DEFAULT_BASE_URL,
    DEFAULT_MODEL,
    ConfigError,
    Settings,
    load_settings,
)

KEY = "sk-hc-v1-secret-key-123"


def test_defaults_without_a_config_file(config_home: Path) -> None:
    settings = load_settings(env={})

    assert settings.base_url == DEFAULT_BASE_URL == "https://ai.hackclub.com/proxy/v1"
    assert settings.model == DEFAULT_MODEL == "qwen/qwen3-32b"
    assert settings.api_key is None
    assert settings.theme is None
    assert settings.system_prompt is None
    assert dict(settings.keys) == {}
    assert dict(settings.params) == {}
    assert settings.demo is False


def test_paths_follow_the_xdg_folders(config_home: Path) -> None:
    settings = load_settings(env={})

    assert settings.config_path == config_home / ".config" / "hcchat" / "config.toml"
    assert settings.config_path == config.config_path()
    assert settings.sessions_dir == config_home / ".local" / "share" / "hcchat" / "sessions"
    assert settings.cache_dir == config_home / ".cache" / "hcchat"


def test_loading_settings_creates_no_files_or_folders(config_home: Path) -> None:
    load_settings(env={})

    assert list(config_home.iterdir()) == []


def test_all_config_keys_are_read(write_config) -> None:
    write_config(
        """
        # everything hcchat understands
        api_key = "from-file"
        base_url = "http://localhost:8080/v1/"
        default_model = "llama3"
        theme = "nord"
        system_prompt = "You are concise."
        temperature = 0.7
        top_p = 1
        max_tokens = 512

        [keys]
        sessions = "f2"
        cancel = "escape,ctrl+g"
        """
    )

    settings = load_settings(env={})

    assert settings.api_key == "from-file"
    assert settings.base_url == "http://localhost:8080/v1"
    assert settings.model == "llama3"
    assert settings.theme == "nord"
    assert settings.system_prompt == "You are concise."
    assert dict(settings.params) == {"temperature": 0.7, "top_p": 1.0, "max_tokens": 512}
    assert dict(settings.keys) == {"sessions": "f2", "cancel": "escape,ctrl+g"}


@pytest.mark.parametrize(
    ("flag", "env", "in_file", "expected"),
    [
        ("http://flag/v1", "http://env/v1", "http://file/v1", "http://flag/v1"),
        (None, "http://env/v1", "http://file/v1", "http://env/v1"),
        (None, None, "http://file/v1", "http://file/v1"),
        (None, None, None, DEFAULT_BASE_URL),
        (None, "   ", "http://file/v1", "http://file/v1"),
    ],
)
def test_base_url_precedence_flag_env_config_default(
    write_config, flag: str | None, env: str | None, in_file: str | None, expected: str
) -> None:
    if in_file is not None:
        write_config(f'base_url = "{in_file}"\n')
    environ = {} if env is None else {"HCCHAT_BASE_URL": env}

    assert load_settings(base_url=flag, env=environ).base_url == expected


def test_base_url_comes_from_the_process_environment_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HCCHAT_BASE_URL", "https://openrouter.ai/api/v1")

    assert load_settings().base_url == "https://openrouter.ai/api/v1"


@pytest.mark.parametrize(
    ("flag", "in_file", "expected"),
    [
        ("flag-model", "file-model", "flag-model"),
        (None, "file-model", "file-model"),
        (None, None, DEFAULT_MODEL),
    ],
)
def test_model_precedence_flag_config_default(
    write_config, flag: str | None, in_file: str | None, expected: str
) -> None:
    if in_file is not None:
        write_config(f'default_model = "{in_file}"\n')

    assert load_settings(model=flag, env={}).model == expected


def test_an_empty_model_flag_is_an_error() -> None:
    with pytest.raises(ConfigError, match="--model"):
        load_settings(model=" ", env={})


def test_an_empty_base_url_flag_is_an_error() -> None:
    with pytest.raises(ConfigError, match="--base-url"):
        load_settings(base_url="", env={"HCCHAT_BASE_URL": "http://env/v1"})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://openrouter.ai/api/v1/", "https://openrouter.ai/api/v1"),
        ("http://127.0.0.1:8080/v1///", "http://127.0.0.1:8080/v1"),
        ("HTTP://localhost:11434/v1", "HTTP://localhost:11434/v1"),
    ],
)
def test_base_url_loses_trailing_slashes(url: str, expected: str) -> None:
    assert load_settings(base_url=url, env={}).base_url == expected


@pytest.mark.parametrize("url", ["localhost:8080/v1", "ftp://example.com/v1", "https://", "/v1"])
def test_base_url_must_be_http_with_a_host(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(base_url=url, env={})

    message = str(caught.value)
    assert url in message
    assert "--base-url" in message


def test_a_bad_base_url_in_the_file_names_the_file(write_config) -> None:
    path = write_config('base_url = "example.com"\n')

    with pytest.raises(ConfigError, match="base_url") as caught:
        load_settings(env={})

    assert str(path) in str(caught.value)


def test_key_from_env_beats_config_key_and_command(write_config, tmp_path: Path) -> None:
    marker = tmp_path / "command-ran"
    write_config(f'api_key = "file-key"\napi_key_command = "touch {marker}; echo cmd-key"\n')

    settings = load_settings(env={"HCCHAT_API_KEY": f"  {KEY}\n"})

    assert settings.api_key == KEY
    assert not marker.exists()


def test_config_key_beats_key_command(write_config, tmp_path: Path) -> None:
    marker = tmp_path / "command-ran"
    write_config(f'api_key = "file-key"\napi_key_command = "touch {marker}; echo cmd-key"\n')

    assert load_settings(env={}).api_key == "file-key"
    assert not marker.exists()


def test_an_empty_env_key_falls_through_to_the_config(write_config) -> None:
    write_config('api_key = "file-key"\n')

    assert load_settings(env={"HCCHAT_API_KEY": ""}).api_key == "file-key"


def test_key_command_output_is_the_key_stripped(write_config) -> None:
    write_config(f"api_key_command = \"printf '  {KEY}\\\\n\\\\n'\"\n")

    assert load_settings(env={}).api_key == KEY


def test_key_command_failure_names_exit_status_and_first_stderr_line(write_config) -> None:
    path = write_config(
        f"api_key_command = \"echo {KEY}; echo 'gpg: decryption failed' >&2; "
        f'echo second >&2; exit 3"\n'
    )

    with pytest.raises(ConfigError) as caught:
        load_settings(env={})

    message = str(caught.value)
    assert "exit status 3" in message
    assert "gpg: decryption failed" in message
    assert "second" not in message
    assert str(path) in message
    assert KEY not in message


def test_key_command_that_echoes_the_key_to_stderr_is_redacted(write_config) -> None:
    write_config(f'api_key_command = "echo {KEY}; echo bad {KEY} >&2; exit 1"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(env={})

    assert KEY not in str(caught.value)
    assert "[redacted]" in str(caught.value)


def test_key_command_not_found_is_a_config_error(write_config) -> None:
    write_config('api_key_command = "no-such-command-hcchat-test"\n')

    with pytest.raises(ConfigError, match="exit status 127"):
        load_settings(env={})


def test_key_command_with_no_output_is_an_error(write_config) -> None:
    write_config('api_key_command = "true"\n')

    with pytest.raises(ConfigError, match="printed nothing"):
        load_settings(env={})


def test_key_command_that_hangs_is_stopped(write_config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "KEY_COMMAND_TIMEOUT", 0.5)
    write_config('api_key_command = "sleep 30; echo late"\n')

    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"did not finish within 0\.5 seconds"):
        load_settings(env={})

    assert time.monotonic() - started < 5


def test_key_command_does_not_read_our_stdin(write_config) -> None:
    write_config('api_key_command = "cat; echo key"\n')

    assert load_settings(env={}).api_key == "key"


def test_demo_mode_needs_no_key_and_runs_no_command(write_config, tmp_path: Path) -> None:
    marker = tmp_path / "command-ran"
    write_config(f'api_key_command = "touch {marker}; exit 1"\n')

    settings = load_settings(demo=True, env={"HCCHAT_API_KEY": KEY})

    assert settings.demo is True
    assert settings.api_key is None
    assert not marker.exists()


def test_the_key_is_not_in_the_settings_repr() -> None:
    settings = load_settings(env={"HCCHAT_API_KEY": KEY})

    assert settings.api_key == KEY
    assert KEY not in repr(settings)
    assert KEY not in str(settings)


def test_settings_are_read_only() -> None:
    settings = load_settings(env={})

    with pytest.raises(AttributeError):
        settings.model = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.keys["cancel"] = "f9"  # type: ignore[index]
    assert isinstance(settings, Settings)


def test_malformed_config_names_the_file_and_the_line(write_config) -> None:
    path = write_config('# comment\ntheme = "nord"\ntemperature = \n')

    with pytest.raises(ConfigError) as caught:
        load_settings(env={})

    assert str(caught.value) == f"config file {path}, line 3: Invalid value"


def test_malformed_config_at_end_of_file(write_config) -> None:
    path = write_config('system_prompt = "never closed')

    with pytest.raises(ConfigError) as caught:
        load_settings(env={})

    assert str(caught.value).startswith(f"config file {path}, ")
    assert "Unterminated string" in str(caught.value)


def test_a_config_that_is_not_utf8_is_an_error(write_config) -> None:
    path = write_config(b'theme = "nord"\nsystem_prompt = "caf\xe9"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(env={})

    assert str(caught.value) == f"config file {path}, line 2: not valid UTF-8 text"


def test_a_utf8_byte_order_mark_is_accepted(write_config) -> None:
    write_config('\ufefftheme = "nord"\n'.encode())

    assert load_settings(env={}).theme == "nord"


def test_an_unreadable_config_path_is_an_error(config_file: Path) -> None:
    config_file.mkdir(parents=True)

    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(env={})


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ('temperature = "hot"', "temperature"),
        ("temperature = 5", "temperature"),
        ("temperature = -0.1", "temperature"),
        ("temperature = nan", "temperature"),
        ("temperature = true", "temperature"),
        ("top_p = 1.5", "top_p"),
        ("max_tokens = 0", "max_tokens"),
        ("max_tokens = 10.5", "max_tokens"),
        ('max_tokens = "100"', "max_tokens"),
        ("api_key = 42", "api_key"),
        ('api_key = ""', "api_key"),
        ("api_key_command = []", "api_key_command"),
        ("default_model = 3", "default_model"),
        ('default_model = "  "', "default_model"),
        ("theme = false", "theme"),
        ("system_prompt = 1", "system_prompt"),
        ("base_url = 1", "base_url"),
        ('keys = "ctrl+o"', "keys"),
    ],
)
def test_wrong_types_and_ranges_name_the_key_and_file(write_config, line: str, named: str) -> None:
    path = write_config(line + "\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(env={})

    message = str(caught.value)
    assert named in message
    assert str(path) in message


@pytest.mark.parametrize(
    ("line", "suggestion"),
    [
        ('modle = "x"', "default_model"),
        ('model = "x"', "default_model"),
        ("temprature = 0.5", "temperature"),
        ('apikey = "x"', "api_key"),
    ],
)
def test_unknown_setting_suggests_the_near_miss(write_config, line: str, suggestion: str) -> None:
    path = write_config(line + "\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(env={})

    name = line.split()[0]
    assert str(caught.value) == (
        f"config file {path}, line 1: unknown setting '{name}' (did you mean '{suggestion}'?)"
    )


def test_unknown_setting_without_a_near_miss(write_config) -> None:
    path = write_config("colour_scheme = 1\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(env={})

    assert str(caught.value) == f"config file {path}, line 1: unknown setting 'colour_scheme'"


def test_an_unknown_table_is_an_unknown_setting(write_config) -> None:
    write_config("[params]\ntemperature = 0.5\n")

    with pytest.raises(ConfigError, match="unknown setting 'params'"):
        load_settings(env={})


def test_unknown_action_in_keys_is_named(write_config) -> None:
    path = write_config('[keys]\nsesions = "f2"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(env={})

    message = str(caught.value)
    assert "unknown action 'sesions' in [keys] (did you mean 'sessions'?)" in message
    assert str(path) in message


@pytest.mark.parametrize("spec", ['""', '"ctrl o"', "1", '"ctrl+o,"'])
def test_a_key_spec_must_be_a_key_name(write_config, spec: str) -> None:
    write_config(f"[keys]\nsessions = {spec}\n")

    with pytest.raises(ConfigError, match=r"\[keys\] sessions must be a key"):
        load_settings(env={})


def test_two_actions_on_one_screen_cannot_share_a_key(write_config) -> None:
    write_config('[keys]\nnew = "ctrl+o"\n')

    with pytest.raises(ConfigError, match="'ctrl\\+o' to both 'new' and 'sessions'"):
        load_settings(env={})


def test_swapping_two_keys_is_allowed(write_config) -> None:
    write_config('[keys]\nnew = "ctrl+o"\nsessions = "ctrl+n"\n')

    assert dict(load_settings(env={}).keys) == {"new": "ctrl+o", "sessions": "ctrl+n"}


def test_actions_on_different_screens_may_share_a_key(write_config) -> None:
    write_config('[keys]\n"browser.delete" = "ctrl+l"\n')

    assert dict(load_settings(env={}).keys) == {"browser.delete": "ctrl+l"}


def test_dotted_keys_name_screen_actions(write_config) -> None:
    write_config('[keys]\nbrowser.rename = "f2"\n')

    assert dict(load_settings(env={}).keys) == {"browser.rename": "f2"}


def test_every_rebindable_action_has_a_default_key() -> None:
    assert set(config.KEY_ACTIONS) >= {"cancel", "sessions", "new", "model", "help", "quit"}
    assert all(config.KEY_ACTIONS.values())


def test_an_empty_system_prompt_means_none(write_config) -> None:
    write_config('system_prompt = ""\n')

    assert load_settings(env={}).system_prompt is None
