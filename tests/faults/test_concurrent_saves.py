"""Two or more hcchat processes saving one session at the same moment lose no prompt.

Each round starts several real ``python -m app -p --session ID`` processes at once against the
loopback server; afterwards every prompt must be in the sessions folder, in the session or in
the forks the later writers were saved as.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from app.store import Session, SessionStore

from .conftest import MODEL, SECRET

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3
WRITERS = 5


def _prompts_in(folder: Path) -> list[str]:
    prompts: list[str] = []
    for path in folder.glob("*.toml"):
        data = tomllib.loads(path.read_text("utf-8"))
        prompts += [m["content"] for m in data["messages"] if m["role"] == "user"]
    return prompts


def test_processes_saving_one_session_at_once_keep_every_prompt(
    isolated_env: Path, loopback
) -> None:
    sessions = isolated_env / ".local" / "share" / "hcchat" / "sessions"
    store = SessionStore(sessions)
    session = Session.new(MODEL)
    store.save(session)
    env = {key: value for key, value in os.environ.items() if not key.startswith("HCCHAT_")}
    env["HCCHAT_API_KEY"] = SECRET
    sent: list[str] = []
    command = [sys.executable, "-m", "app", "-p", "--base-url", loopback.base_url]
    for round_ in range(ROUNDS):
        prompts = [f"prompt {round_}-{n}" for n in range(WRITERS)]
        processes = [
            subprocess.Popen(
                [*command, "--session", session.id, prompt],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for prompt in prompts
        ]
        for process in processes:
            _, err = process.communicate(timeout=60)
            assert process.returncode == 0, err
            assert b"Traceback" not in err
        sent += prompts
    found = _prompts_in(sessions)
    assert sorted(set(found)) == sorted(sent)


def test_a_save_waits_for_another_stores_check_and_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic: a second store's save cannot fall between the first's check and replace."""
    import threading

    import app.store._store as store_module
    from app.store import Message

    folder = tmp_path / "sessions"
    first, second = SessionStore(folder), SessionStore(folder)
    session = Session.new(MODEL)
    first.save(session)
    mine, theirs = first.load(session.id), second.load(session.id)
    mine.messages.append(Message(role="user", content="from the first"))
    theirs.messages.append(Message(role="user", content="from the second"))

    checked, release = threading.Event(), threading.Event()
    real_write = store_module.write_atomic

    def slow_write(path: Path, data: bytes, **options: object) -> object:
        if b"from the first" in data:
            checked.set()  # the first save has checked the file and is about to replace it
            assert release.wait(10)
        return real_write(path, data)

    monkeypatch.setattr(store_module, "write_atomic", slow_write)
    saving = threading.Thread(target=first.save, args=(mine,))
    saving.start()
    assert checked.wait(10)
    later = threading.Thread(target=second.save, args=(theirs,))
    later.start()
    later.join(0.3)
    assert later.is_alive()  # it waits on the folder's lock
    release.set()
    saving.join(10)
    later.join(10)
    assert theirs.id != session.id  # it saw the first save and forked
    assert sorted(_prompts_in(folder)) == ["from the first", "from the second"]
