"""Write synthetic session files for benchmarks.

python tests/bench/make_sessions.py FOLDER --count 10000 --messages 20
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from a checkout

from app.store import Message, Session, session_to_toml

MODELS = ("qwen/qwen3-32b", "openai/gpt-oss-120b", "moonshotai/kimi-k2-instruct")
WORDS = [
    "scarecrow",
    "award",
    "field",
    "outstanding",
    "terminal",
    "stream",
    "token",
    "model",
    "reply",
    "session",
    "search",
    "índice",
    "検索",
    "emoji",
    "🎃",
    '"quoted"',
    "back\\slash",
    "tab\tseparated",
]


def make_session(number: int, messages: int, start: datetime, rng: random.Random) -> Session:
    """One plausible session: a system prompt, then alternating user and assistant turns."""
    created = start + timedelta(minutes=number)
    session = Session(
        id=f"{created:%Y%m%d-%H%M%S}-{number:04x}",
        title=f"Session {number}: {' '.join(rng.choices(WORDS, k=4))}",
        created=created,
        updated=created + timedelta(minutes=messages),
        model=rng.choice(MODELS),
        params={"temperature": 0.7} if number % 3 == 0 else {},
    )
    session.messages.append(Message(role="system", content="You are concise."))
    for turn in range(messages - 1):
        when = created + timedelta(seconds=30 * turn)
        text = " ".join(rng.choices(WORDS, k=rng.randint(10, 120)))
        if turn % 2 == 0:
            session.messages.append(Message(role="user", content=text, created=when))
        else:
            session.messages.append(
                Message(
                    role="assistant",
                    content=text.replace(" ", "\n", 5),
                    created=when,
                    model=session.model,
                    finish_reason="stop",
                    usage={
                        "prompt_tokens": 50 * turn,
                        "completion_tokens": 80,
                        "total_tokens": 50 * turn + 80,
                    },
                    ttft=0.35,
                    tokens_per_second=42.5,
                )
            )
    return session


def main(argv: list[str] | None = None) -> int:
    """Write ``--count`` sessions of ``--messages`` messages each into FOLDER."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    args.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(args.count):
        session = make_session(number, max(1, args.messages), start, rng)
        path = args.folder / f"{session.id}.toml"
        path.write_text(session_to_toml(session), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
