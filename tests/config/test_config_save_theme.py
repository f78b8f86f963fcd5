"""Remembering the chosen theme in the config file without disturbing the rest of it."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ConfigError, load_settings, save_theme

ROOT = Path(__file__).resolve().parents[2]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_creates_a_private_file_and_folders_when_missing(config_home: Path) -> None:
    path = config_home / ".config" / "hcchat" / "config.toml"

    save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == 'theme = "nord"\n'
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700
    assert mode_of(path.parent.parent) == 0o700
    assert load_settings(env={}).theme == "nord"


def test_replaces_the_theme_and_keeps_everything_else(write_config) -> None:
    original = (
        "# My hcchat settings\n"
        "\n"
        'default_model = "llama3"   # the small one\n'
        'theme = "textual-dark"\n'
        "temperature = 0.7\n"
        "\n"
        "# keys I like\n"
        "[keys]\n"
        'sessions = "f2"\n'
    )
    path = write_config(original)

    save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == original.replace("textual-dark", "nord")


def test_keeps_a_comment_on_the_theme_line(write_config) -> None:
    path = write_config("theme   =   'gruvbox'   # picked in the app\n")

    save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == 'theme   =   "nord"   # picked in the app\n'


def test_inserts_after_the_last_top_level_setting_before_any_table(write_config) -> None:
    path = write_config(
        '# settings\ndefault_model = "llama3"\n\n# key bindings\n[keys]\nsessions = "f2"\n'
    )

    save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == (
        "# settings\n"
        'default_model = "llama3"\n'
        'theme = "nord"\n'
        "\n"
        "# key bindings\n"
        "[keys]\n"
        'sessions = "f2"\n'
    )
    settings = load_settings(env={})
    assert settings.theme == "nord"
    assert dict(settings.keys) == {"sessions": "f2"}


def test_without_top_level_settings_inserts_before_the_first_table_and_its_comments(
    write_config,
) -> None:
    path = write_config('# hcchat\n\n# my keys\n[keys]\nsessions = "f2"\n')

    save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == (
        '# hcchat\n\ntheme = "nord"\n# my keys\n[keys]\nsessions = "f2"\n'
    )
    assert load_settings(env={}).theme == "nord"


def test_inserts_into_a_file_without_a_final_newline(write_config) -> None:
    path = write_config('default_model = "llama3"')

    save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == 'default_model = "llama3"\ntheme = "nord"\n'


def test_ignores_look_alikes_inside_a_multiline_string(write_config) -> None:
    original = (
        'system_prompt = """\ntheme = "not this one"\n[not a table]\n"""\ntemperature = 0.5\n'
    )
    path = write_config(original)

    save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == original + 'theme = "nord"\n'
    settings = load_settings(env={})
    assert settings.theme == "nord"
    assert settings.system_prompt == 'theme = "not this one"\n[not a table]\n'


def test_keeps_windows_line_endings(write_config) -> None:
    path = write_config(b'# hi\r\ndefault_model = "x"\r\n')

    save_theme(path, "nord")

    assert path.read_bytes() == b'# hi\r\ndefault_model = "x"\r\ntheme = "nord"\r\n'


def test_an_odd_theme_name_is_escaped_and_round_trips(write_config) -> None:
    path = write_config("")
    name = 'quo"te\\back\x7fdel'

    save_theme(path, name)

    assert load_settings(env={}).theme == name


def test_keeps_the_file_mode(write_config) -> None:
    path = write_config('theme = "a"\n')
    path.chmod(0o640)

    save_theme(path, "b")

    assert mode_of(path) == 0o640


def test_leaves_a_broken_file_alone(write_config) -> None:
    original = 'theme = "a"\ntemperature = \n'
    path = write_config(original)

    with pytest.raises(ConfigError, match="line 2"):
        save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == original


def test_leaves_a_file_that_is_not_utf8_alone(write_config) -> None:
    original = b'theme = "caf\xe9"\n'
    path = write_config(original)

    with pytest.raises(ConfigError, match="UTF-8"):
        save_theme(path, "nord")

    assert path.read_bytes() == original


def test_leaves_no_temporary_files_behind(write_config) -> None:
    path = write_config('theme = "a"\n')

    save_theme(path, "b")

    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]


def test_a_symlinked_config_stays_a_symlink(config_file: Path, tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "hcchat.toml"
    real.parent.mkdir()
    real.write_text("# managed by my dotfiles\n", encoding="utf-8")
    config_file.parent.mkdir(parents=True)
    config_file.symlink_to(real)

    save_theme(config_file, "nord")

    assert config_file.is_symlink()
    assert real.read_text(encoding="utf-8") == '# managed by my dotfiles\ntheme = "nord"\n'


def test_keeps_a_byte_order_mark_and_windows_line_endings_when_replacing(write_config) -> None:
    path = write_config(b'\xef\xbb\xbf# hi\r\ntheme = "a"  # mine\r\n[keys]\r\nsessions = "f2"\r\n')

    save_theme(path, "nord")

    assert path.read_bytes() == (
        b'\xef\xbb\xbf# hi\r\ntheme = "nord"  # mine\r\n[keys]\r\nsessions = "f2"\r\n'
    )


def test_inserts_with_windows_line_endings_before_a_table(write_config) -> None:
    path = write_config(b'# hi\r\n\r\n# keys\r\n[keys]\r\nsessions = "f2"\r\n')

    save_theme(path, "nord")

    assert path.read_bytes() == (
        b'# hi\r\n\r\ntheme = "nord"\r\n# keys\r\n[keys]\r\nsessions = "f2"\r\n'
    )


def test_a_theme_inside_a_table_is_not_the_theme(write_config) -> None:
    path = write_config('default_model = "x"\n[keys]\ntheme = "f2"\n')

    save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == (
        'default_model = "x"\ntheme = "nord"\n[keys]\ntheme = "f2"\n'
    )


def test_leaves_a_theme_table_alone(write_config) -> None:
    original = "[theme]\nname = 'mine'\n"
    path = write_config(original)

    with pytest.raises(ConfigError, match="could not update its theme"):
        save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == original


def test_a_file_that_cannot_be_written_is_a_config_error(
    write_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = 'theme = "a"\n'
    path = write_config(original)

    def read_only(source: object, target: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(os, "replace", read_only)
    with pytest.raises(ConfigError, match="cannot save it: Read-only file system"):
        save_theme(path, "nord")

    assert path.read_text(encoding="utf-8") == original
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]


def test_the_toml_editor_is_not_loaded_at_start_up(config_home: Path) -> None:
    code = (
        "import sys\n"
        "from app.config import load_settings\n"
        "load_settings(env={})\n"
        "print('tomlkit' in sys.modules, 'app.store' in sys.modules)\n"
    )
    env = {**os.environ, "HOME": str(config_home), "XDG_CONFIG_HOME": str(config_home)}

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout == "False False\n", result.stderr
