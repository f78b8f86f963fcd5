"""The API key at start: where it comes from, what it may hold, and a config others can read."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
import tomli_w

from app.config import ConfigError, load_settings

BEFORE, AFTER = "sk-hc-v1-Q7xZ9w", "K3vR8p"  # 15 characters before the bad one

BAD_CHARACTERS = [
    ("\u200b", "an invisible character (U+200B zero width space)"),
    ("\u00a0", "a space character (U+00A0 no-break space)"),
    (" ", "a space"),
    ("\t", "a tab"),
    ("\x07", "a control character (U+0007)"),
    ("é", "a non-ASCII character"),
]


def assert_reveals_nothing_of(key: str, message: str) -> None:
    """Not the key, nor any three characters of it in a row, nor a visible odd character."""
    for start in range(len(key) - 2):
        assert key[start : start + 3] not in message
    assert "é" not in message
    assert "U+00E9" not in message


def from_env(write_config, tmp_path: Path, key: str) -> tuple[dict[str, str], str]:
    return {"HCCHAT_API_KEY": key}, "HCCHAT_API_KEY has "


def from_file(write_config, tmp_path: Path, key: str) -> tuple[dict[str, str], str]:
    path = write_config("# my key\n" + tomli_w.dumps({"api_key": key}))
    return {}, f"config file {path}, line 2: api_key has "


def from_command(write_config, tmp_path: Path, key: str) -> tuple[dict[str, str], str]:
    secret = tmp_path / "secret"
    secret.write_bytes(key.encode() + b"\n")
    path = write_config(tomli_w.dumps({"api_key_command": f"cat {shlex.quote(str(secret))}"}))
    return {}, f"config file {path}: api_key_command printed a key that has "


Source = Callable[..., tuple[dict[str, str], str]]


@pytest.mark.parametrize("source", [from_env, from_file, from_command])
@pytest.mark.parametrize(("char", "kind"), BAD_CHARACTERS)
def test_a_key_with_a_character_no_header_can_carry_is_refused_without_showing_it(
    write_config, tmp_path: Path, source: Source, char: str, kind: str
) -> None:
    key = BEFORE + char + AFTER
    env, start = source(write_config, tmp_path, key)

    with pytest.raises(ConfigError) as caught:
        load_settings(env=env)

    message = str(caught.value)
    assert message.startswith(start + kind + " at character 16;")
    assert "printable ASCII" in message
    assert_reveals_nothing_of(key, message)


def test_a_line_break_inside_the_environment_key_is_refused() -> None:
    key = BEFORE + "\n" + AFTER

    with pytest.raises(ConfigError, match=r"U\+000A\) at character 16") as caught:
        load_settings(env={"HCCHAT_API_KEY": key})

    assert_reveals_nothing_of(key, str(caught.value))


def test_spaces_around_a_key_are_not_part_of_it(write_config) -> None:
    write_config('api_key = " \\u00a0sk-hc-v1-fine\\t "\n')

    assert load_settings(env={}).api_key == "sk-hc-v1-fine"


def test_a_bad_key_in_the_file_is_refused_even_when_the_environment_has_one(
    write_config,
) -> None:
    write_config('api_key = "sk\u200bkey"\n')

    with pytest.raises(ConfigError, match="api_key has an invisible character"):
        load_settings(env={"HCCHAT_API_KEY": "sk-good"})


def test_only_the_first_line_of_the_key_command_is_the_key(write_config) -> None:
    write_config("api_key_command = \"printf '  sk-first \\\\nlogin: me\\\\nurl: x\\\\n'\"\n")

    assert load_settings(env={}).api_key == "sk-first"


def test_a_key_command_whose_first_line_is_empty_is_an_error(write_config) -> None:
    write_config("api_key_command = \"printf '\\\\nsk-second\\\\n'\"\n")

    with pytest.raises(ConfigError, match="printed an empty first line") as caught:
        load_settings(env={})

    assert "sk-second" not in str(caught.value)


def test_a_failed_key_command_hides_every_line_it_printed(write_config) -> None:
    write_config(
        "api_key_command = \"printf 'sk-first\\\\nhunter22\\\\n'; "
        "echo 'no sk-first for hunter22' >&2; exit 1\"\n"
    )

    with pytest.raises(ConfigError) as caught:
        load_settings(env={})

    assert str(caught.value).endswith("failed (exit status 1): no [redacted] for [redacted]")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_key_in_a_config_others_can_read_is_a_warning_not_an_error(
    write_config, mode: int
) -> None:
    path = write_config('api_key = "sk-hc-v1-key"\n')
    path.chmod(mode)

    settings = load_settings(env={})

    assert settings.api_key == "sk-hc-v1-key"
    assert settings.warnings == (
        f"config file {path} holds api_key and can be read by other users; chmod 600 {path}",
    )
    assert "sk-hc-v1-key" not in repr(settings.warnings)


def test_the_warning_is_given_even_when_the_environment_key_wins(write_config) -> None:
    write_config('api_key = "sk-hc-v1-key"\n').chmod(0o644)

    assert len(load_settings(env={"HCCHAT_API_KEY": "sk-env"}).warnings) == 1


@pytest.mark.parametrize(
    ("content", "mode"),
    [
        ('api_key = "sk-hc-v1-key"\n', 0o600),
        ('api_key = "sk-hc-v1-key"\n', 0o400),
        ('api_key_command = "echo sk-hc-v1-key"\n', 0o644),
        ('theme = "nord"\n', 0o644),
    ],
)
def test_no_warning_for_a_private_file_or_one_without_a_key(
    write_config, content: str, mode: int
) -> None:
    write_config(content).chmod(mode)

    assert load_settings(env={}).warnings == ()


def test_no_warning_without_a_config_file(config_home: Path) -> None:
    assert load_settings(env={}).warnings == ()
