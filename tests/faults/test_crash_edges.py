"""Inputs at the edges end in a sentence or a normal result, never a traceback.

These run the real ``python -m app`` in its own process, since the time zone (``TZ``) and a
closed standard output are properties of the process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]
EDGE = "9999-12-31T23:59:59Z"
EDGE_SESSION = f"""schema = 1
id = "edge"
title = "the end of time"
created = {EDGE}
updated = {EDGE}
model = "test/model-a"

[[messages]]
role = "user"
content = "hi"
created = {EDGE}
"""


def _hcchat(
    home: Path,
    *arguments: str,
    tz: str = "UTC",
    close_stdout: bool = False,
    env_extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HCCHAT_")}
    env.update(HCCHAT_API_KEY=SECRET, TZ=tz, **(env_extra or {}))
    command = [sys.executable, "-m", "app", *arguments]
    if close_stdout:
        command = ["sh", "-c", 'exec "$0" "$@" >&-', *command]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def sessions(isolated_env: Path) -> Path:
    folder = isolated_env / ".local" / "share" / "hcchat" / "sessions"
    folder.mkdir(parents=True)
    (folder / "edge.toml").write_text(EDGE_SESSION, "utf-8")
    return folder


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "Pacific/Kiritimati", "America/Los_Angeles"])
def test_a_date_at_the_end_of_the_range_is_shown_in_any_time_zone(
    isolated_env: Path, sessions: Path, tz: str
) -> None:
    listed = _hcchat(isolated_env, "sessions", "list", tz=tz)
    assert listed.returncode == 0 and "the end of time" in listed.stdout
    shown = _hcchat(isolated_env, "sessions", "show", "edge", tz=tz)
    assert shown.returncode == 0 and "9999-12-3" in shown.stdout
    resumed = _hcchat(isolated_env, "--demo", "-p", "--session", "edge", "hello", tz=tz)
    assert resumed.returncode == 0, resumed.stderr


def test_deeply_nested_json_is_refused_on_import_with_a_reason(
    isolated_env: Path, tmp_path: Path
) -> None:
    source = tmp_path / "deep.json"
    source.write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    result = _hcchat(isolated_env, "sessions", "import", str(source))
    assert result.returncode == 1
    assert result.stderr.startswith("hcchat: ") and "nested too deeply" in result.stderr


@pytest.mark.parametrize(
    "config",
    [
        "a = " + "[" * 5000 + "]" * 5000,
        ".".join(["a"] * 5000) + " = 1",
        "x = " + "{a = " * 3000 + "1" + "}" * 3000,
    ],
)
def test_a_config_nested_thousands_deep_is_one_line(isolated_env: Path, config: str) -> None:
    path = isolated_env / ".config" / "hcchat" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(config + "\n", "utf-8")
    result = _hcchat(isolated_env, "--demo", "-p", "hi")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and str(path) in result.stderr


@pytest.mark.parametrize("url", ["http://[::1", "http://[::1]:99999/v1", "http://[nope]/v1"])
def test_a_bad_ipv6_base_url_is_one_line(isolated_env: Path, url: str) -> None:
    config = isolated_env / ".config" / "hcchat" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f"base_url = {json.dumps(url)}\n", "utf-8")
    for arguments, env in (
        (["--base-url", url, "-p", "hi"], {}),
        (["-p", "hi"], {"HCCHAT_BASE_URL": url}),
        (["-p", "hi"], {}),
    ):
        result = _hcchat(isolated_env, *arguments, env_extra=env)
        assert result.returncode == 1
        assert result.stderr.startswith("hcchat: base URL") and url in result.stderr


@pytest.mark.parametrize(
    "arguments",
    [["sessions", "list"], ["sessions", "show", "edge"], ["sessions", "export", "edge"]],
)
def test_a_closed_stdout_is_one_line_not_a_traceback(
    isolated_env: Path, sessions: Path, arguments: list[str]
) -> None:
    result = _hcchat(isolated_env, *arguments, close_stdout=True)
    assert result.returncode == 1
    assert result.stderr == "hcchat: standard output is closed: there is nowhere to print to\n"
    assert sorted(path.name for path in sessions.iterdir() if not path.name.startswith(".")) == [
        "edge.toml"
    ]
