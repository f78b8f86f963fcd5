"""``sessions export -o PATH`` replaces only a regular file; ``-o -`` is standard output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.store import Message, Session, SessionStore

from .conftest import MODEL, SECRET

ROOT = Path(__file__).resolve().parents[2]


def _hcchat(*arguments: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HCCHAT_")}
    env["HCCHAT_API_KEY"] = SECRET
    return subprocess.run(
        [sys.executable, "-m", "app", *arguments],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def session_id(isolated_env: Path) -> str:
    store = SessionStore(isolated_env / ".local" / "share" / "hcchat" / "sessions")
    session = Session.new(MODEL)
    session.messages.append(Message(role="user", content="exported words"))
    return store.save(session).session_id


def test_export_refuses_to_replace_a_symlink_fifo_or_device(
    session_id: str, tmp_path: Path
) -> None:
    target = tmp_path / "target.md"
    target.write_text("mine", "utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    for path, what in (
        (link, "a symbolic link"),
        (fifo, "a FIFO"),
        (Path("/dev/null"), "a device"),
    ):
        result = _hcchat("sessions", "export", session_id, "-o", str(path))
        assert result.returncode == 1
        assert result.stderr == f"hcchat: cannot write {path}: refusing to replace {what}" + (
            "; give the file it points to\n"
            if path == link
            else "; give a regular file or - for stdout\n"
        )
    assert link.is_symlink() and target.read_text("utf-8") == "mine"
    assert fifo.is_fifo() and Path("/dev/null").is_char_device()


def test_export_writes_a_regular_file_and_dash_means_stdout(
    session_id: str, tmp_path: Path
) -> None:
    path = tmp_path / "out.md"
    path.write_text("old", "utf-8")
    assert _hcchat("sessions", "export", session_id, "-o", str(path)).returncode == 0
    assert "exported words" in path.read_text("utf-8")
    result = _hcchat("sessions", "export", session_id, "-o", "-")
    assert result.returncode == 0 and "exported words" in result.stdout
    assert not (ROOT / "-").exists()
