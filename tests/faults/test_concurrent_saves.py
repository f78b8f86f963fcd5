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
