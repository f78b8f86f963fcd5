"""The ``hcchat`` command: flags, usage errors, and starting the full-screen app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import SECRET, FakeTUI, one_error_line

from app import __version__
from app.cli import main
from app.store import Session

ROOT = Path(__file__).resolve().parents[2]


def test_version_prints_name_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0

    out, err = capsys.readouterr()
    assert out == f"hcchat {__version__}\n"
    assert err == ""


def test_help_lists_every_flag_and_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0

    out = capsys.readouterr().out
    for flag in ("--model", "--base-url", "--continue", "--session", "--demo", "--print"):
        assert flag in out
    for usage in ("sessions list", "sessions show", "sessions export", "sessions import"):
        assert f"hcchat {usage}" in out


def test_sessions_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "--help"]) == 0

    out = capsys.readouterr().out
    for command in ("list", "show", "export", "import"):
        assert command in out


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["--continue", "--session", "x"], "not allowed with argument"),
        (["hello"], "a prompt needs -p/--print"),
        (["--reasoning"], "--reasoning only applies with -p/--print"),
        (["--model"], "expected one argument"),
        (["sessions"], "required: COMMAND"),
        (["sessions", "delete", "x"], "invalid choice: 'delete'"),
        (["sessions", "export", "x", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["sessions", "show"], "required: ID"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], fake_tui: FakeTUI, argv: list[str], complaint: str
) -> None:
    assert main(argv) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert complaint in one_error_line(err)
    assert "--help" in err
    assert fake_tui.calls == []


def test_starts_the_app_with_resolved_settings(fake_tui: FakeTUI) -> None:
    fake_tui.code = 7

    assert main(["--model", "m/x", "--base-url", "http://127.0.0.1:9/v1/", "--demo"]) == 7

    [(settings, session_id, resume_latest)] = fake_tui.calls
    assert settings.model == "m/x"
    assert settings.base_url == "http://127.0.0.1:9/v1"
    assert settings.demo is True
    assert session_id is None
    assert resume_latest is False


def test_continue_asks_the_app_to_resume_the_latest(fake_tui: FakeTUI) -> None:
    assert main(["--continue"]) == 0

    [(_, session_id, resume_latest)] = fake_tui.calls
    assert (session_id, resume_latest) == (None, True)


def test_session_opens_an_existing_session(fake_tui: FakeTUI, joke_session: Session) -> None:
    assert main(["--session", joke_session.id]) == 0

    [(_, session_id, _)] = fake_tui.calls
    assert session_id == joke_session.id


def test_an_unknown_session_stops_before_the_app(
    capsys: pytest.CaptureFixture[str], fake_tui: FakeTUI
) -> None:
    assert main(["--session", "20990101-000000-beef"]) == 1

    line = one_error_line(capsys.readouterr().err)
    assert line == "hcchat: no session '20990101-000000-beef' (see `hcchat sessions list`)"
    assert fake_tui.calls == []


def test_an_unreadable_session_stops_with_the_reason(
    capsys: pytest.CaptureFixture[str], fake_tui: FakeTUI, sessions_dir: Path
) -> None:
    sessions_dir.mkdir(parents=True)
    (sessions_dir / "broken.toml").write_text("schema = 1\nid = \n", encoding="utf-8")

    assert main(["--session", "broken"]) == 1

    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("hcchat: session 'broken' cannot be read: not valid TOML")
    assert fake_tui.calls == []


def test_a_bad_config_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], fake_tui: FakeTUI, config_file: Path
) -> None:
    config_file.write_text("temperature = 9\n", encoding="utf-8")

    assert main([]) == 1

    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"hcchat: config file {config_file}, line 1: temperature must be")
    assert fake_tui.calls == []


def test_a_failing_key_command_never_shows_the_key(
    capsys: pytest.CaptureFixture[str], fake_tui: FakeTUI, config_file: Path
) -> None:
    config_file.write_text(
        f'api_key_command = "echo {SECRET}; echo {SECRET} >&2; exit 2"\n', encoding="utf-8"
    )

    assert main([]) == 1

    out, err = capsys.readouterr()
    assert "exit status 2" in one_error_line(err)
    assert SECRET not in out + err


def test_the_app_gets_the_key_but_does_not_print_it(
    capsys: pytest.CaptureFixture[str], fake_tui: FakeTUI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HCCHAT_API_KEY", SECRET)

    assert main([]) == 0

    [(settings, _, _)] = fake_tui.calls
    assert settings.api_key == SECRET
    out, err = capsys.readouterr()
    assert SECRET not in out + err


def test_ctrl_c_exits_130(
    capsys: pytest.CaptureFixture[str], fake_tui: FakeTUI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt

    import app.ui

    monkeypatch.setattr(app.ui, "run_app", interrupted)

    assert main([]) == 130
    assert one_error_line(capsys.readouterr().err) == "hcchat: interrupted"


def test_an_os_error_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied", "/some/file")

    import app.ui

    monkeypatch.setattr(app.ui, "run_app", broken)

    assert main([]) == 1
    assert one_error_line(capsys.readouterr().err) == "hcchat: /some/file: Permission denied"


def run_python(
    code_or_args: list[str], home: Path, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run the venv's Python in the isolated home, from the repository root."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HCCHAT_", "XDG_")) and key != "HOME"
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def test_python_dash_m_app_is_the_same_command(cli_home: Path) -> None:
    result = run_python(["-m", "app", "--version"], cli_home)

    assert result.returncode == 0
    assert result.stdout == f"hcchat {__version__}\n"


def test_python_dash_m_app_reports_usage_errors(cli_home: Path) -> None:
    result = run_python(["-m", "app", "--nope"], cli_home)

    assert result.returncode == 2
    assert one_error_line(result.stderr).startswith("hcchat: unrecognized arguments: --nope")


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["sessions", "list"]])
def test_quick_commands_do_not_import_textual_or_httpx(cli_home: Path, argv: list[str]) -> None:
    code = (
        "import sys, contextlib, io\n"
        "from app.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main({argv!r})\n"
        "heavy = sorted(m for m in ('textual', 'httpx', 'httpx_sse') if m in sys.modules)\n"
        "print(code, heavy)\n"
    )

    result = run_python(["-c", code], cli_home)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "0 []\n"


def test_a_config_holding_the_key_that_others_can_read_is_warned_about(
    fake_tui: FakeTUI, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text(f'api_key = "{SECRET}"\n', "utf-8")
    config_file.chmod(0o644)
    assert main([]) == 0
    err = capsys.readouterr().err
    assert err == (
        f"hcchat: warning: config file {config_file} holds api_key and can be read by other "
        f"users; chmod 600 {config_file}\n"
    )
    assert SECRET not in err
    assert len(fake_tui.calls) == 1  # a warning, not an error: the app still starts
    config_file.chmod(0o600)
    assert main([]) == 0
    assert capsys.readouterr().err == ""
