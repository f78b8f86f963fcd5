"""A long saved session: 1,000 messages (about 500 KB of Markdown) opened, scrolled, in memory.

python tests/bench/bench_long.py [--quick] [--runs N]

- open: ``hcchat --session ID`` on a pseudo-terminal, from process start to the first full frame
  of its last screen (``_launch.py``, as in bench_startup.py), and the process's RSS then; the
  floor is ``hcchat`` opening a new, empty chat the same way, in the same run.
- scroll: hcchat runs headless in this process with the session open; the conversation has the
  focus and PageUp is pressed every 50 ms until the first message is on screen. For each press:
  from posting the key to the next frame. Older messages are mounted a few at a time as the top
  comes near (``PAGE`` in app/ui/screens/_chat.py), and messages far from the viewport sleep and
  wake: those presses, and full garbage collections, are the slowest. The app collects
  garbage as the ``hcchat`` command does (``idle_gc``).
- memory: this process's RSS with the whole session mounted, and before the session was opened.

Targets (issue 5; issue 18 for the first): last screen in < 0.5 s, smooth scrolling, RSS < 250 MB.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _bench import Targets, isolated_home, parser, run_count, sessions_folder, stat
from _proc import rss
from _reply_text import reply_tokens
from bench_startup import launch

MESSAGES = 1000
PRESS_INTERVAL = 0.05


def long_session(messages: int, branches: int = 0) -> Any:
    """A session of ``messages`` messages: questions, and Markdown replies of ~1 KB.

    ``branches``: that many replies, spread evenly, have an earlier version whose own branch
    (a question and its reply) goes on under it, as regenerating a reply leaves them.
    """
    from app.store import Message, Session

    rng = random.Random(5)
    pieces = reply_tokens(16000, seed=11)
    text = "".join(pieces)
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    start = datetime(2026, 3, 1, tzinfo=UTC)
    session = Session(
        id="20260301-000000-long",
        title="A very long conversation",
        created=start,
        updated=start + timedelta(hours=10),
        model="qwen/qwen3-32b",
    )
    for number in range(messages):
        when = start + timedelta(seconds=30 * number)
        if number % 2 == 0:
            question = " ".join(rng.choice(paragraphs).split()[:25])
            session.messages.append(Message(role="user", content=question, created=when))
            continue
        reply = "\n\n".join(rng.choice(paragraphs) for _ in range(rng.randint(2, 5)))
        session.messages.append(
            Message(
                role="assistant",
                content=reply[:2000],
                created=when,
                model="qwen/qwen3-32b",
                finish_reason="stop",
                usage={"prompt_tokens": 10 * number, "completion_tokens": 300, "total_tokens": 1},
            )
        )
    replies = [m for m in session.messages if m.role == "assistant"]
    for reply in replies[:: max(1, len(replies) // branches)][:branches] if branches else []:
        earlier = Message(
            role="assistant",
            content="An earlier version of this reply.\n\n" + reply.content[:500],
            created=reply.created,
            model="openai/gpt-oss-120b",
            finish_reason="stop",
            version=1,
        )
        earlier.branch = [
            Message(role="user", content="And then?", created=reply.created),
            Message("assistant", reply.content[:800], created=reply.created, model="m"),
        ]
        reply.alternatives = [earlier]
        reply.version = 2
    return session


async def frame_after(frames: list[float], moment: float, timeout: float = 2.0) -> float | None:
    """The first frame at or after ``moment``, waiting up to ``timeout`` seconds for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if frames and frames[-1] >= moment:
            return next(t for t in frames if t >= moment)
        await asyncio.sleep(0.001)
    return None


async def scroll_through(home: Path, session_id: str) -> dict[str, Any]:
    from textual import events
    from textual.app import App

    from app.config import Settings
    from app.store import SessionStore
    from app.ui._app import HCChatApp
    from app.ui.widgets import Conversation, MessageView

    frames: list[float] = []
    display = App._display

    def recording_display(app: App[Any], screen: Any, renderable: Any) -> None:
        display(app, screen, renderable)
        if renderable is not None:
            frames.append(time.monotonic())

    App._display = recording_display  # type: ignore[method-assign]
    folder = sessions_folder(home)
    store = SessionStore(folder)
    settings = Settings(
        api_key="sk-bench-not-a-real-key-0123456789",
        base_url="http://127.0.0.1:9/v1",
        model="qwen/qwen3-32b",
        theme=None,
        system_prompt=None,
        keys={},
        params={},
        config_path=home / ".config" / "hcchat" / "config.toml",
        sessions_dir=folder,
        cache_dir=home / ".cache" / "hcchat",
        demo=False,
    )
    result: dict[str, Any] = {"rss_before": rss()}
    app = HCChatApp(settings, session=store.load(session_id), store=store, idle_gc=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        chat = app.chat
        conversation = chat.query_one(Conversation)
        conversation.focus()
        await pilot.pause()
        result["rss_open"] = rss()
        presses: list[float] = []
        unanswered = 0  # presses after which no frame came within 2 s
        started = time.monotonic()
        while len(presses) + unanswered < 5000:
            if chat._first_mounted == 0 and conversation.scroll_y <= 0:
                break
            posted = time.monotonic()
            app.post_message(events.Key("pageup", None))
            shown = await frame_after(frames, posted)
            if shown is None:
                unanswered += 1
                if unanswered >= 5:
                    break  # at the top and PageUp changes nothing: older messages never come
                continue
            unanswered = 0
            presses.append(shown - posted)
            await asyncio.sleep(max(0.0, posted + PRESS_INTERVAL - time.monotonic()))
        result["stuck"] = None if chat._first_mounted == 0 else chat._first_mounted
        result["to_top"] = time.monotonic() - started
        result["presses"] = presses
        views = list(conversation.query_children(MessageView))
        result["mounted"] = len(views)
        result["awake"] = sum(1 for view in views if not view.hibernating)
        result["rss_all"] = rss()
    App._display = display  # type: ignore[method-assign]
    return result


def main() -> int:
    options = parser(__doc__.splitlines()[0], runs=7, quick_runs=1)
    options.add_argument(
        "--branches", type=int, default=0, help="give that many replies an earlier branch"
    )
    args = options.parse_args()
    runs = run_count(args)
    messages = 80 if args.quick else MESSAGES
    targets = Targets()
    with isolated_home() as home:
        from app.store import SessionStore

        session = long_session(messages, args.branches)
        store = SessionStore(sessions_folder(home))
        saved = store.save(session)
        size = saved.path.stat().st_size
        markdown = sum(len(m.content) for m in session.messages)
        kb = markdown // 1000
        print(f"session: {messages} messages, {kb} KB of text, file {size // 1000} KB")
        launch("chat")  # warm the file cache and .pyc files
        launch("chat", "--session", saved.session_id)
        floor: list[float] = []
        opened: list[float] = []
        rss_open: list[float] = []
        for _ in range(runs):
            floor.append(launch("chat")[0])
            elapsed, report = launch("chat", "--session", saved.session_id)
            opened.append(elapsed)
            rss_open.append(float(report["rss"]))  # type: ignore[arg-type]
        scroll = asyncio.run(scroll_through(home, saved.session_id))

    floor_stat, open_stat = stat(floor), stat(opened)
    print(f"new empty chat (floor), first frame: {floor_stat.show('ms', 1000, 0)}")
    print(
        f"--session (last screen), first frame: {open_stat.show('ms', 1000, 0)}  "
        f"= {open_stat.median / floor_stat.median:.2f}x"
    )
    print(f"RSS of that process at its first frame: {stat(rss_open).show('MB', 1e-6, 1)}")
    presses = stat(scroll["presses"])
    print(
        f"\nPageUp to the top: {len(scroll['presses'])} presses, {scroll['to_top']:.1f} s, "
        f"{scroll['mounted']} messages mounted at the end, {scroll['awake']} of them awake "
        "(the others sleep: hidden, no widgets, their height kept by a gap)"
    )
    print(
        f"  key -> next frame: {presses.show('ms', 1000, 1)}, p95 "
        f"{presses.quantile(0.95) * 1000:.1f} ms"
    )
    slow = sum(1 for p in scroll["presses"] if p > 0.1)
    print(f"  presses slower than 100 ms: {slow}")
    if scroll["stuck"] is not None:
        print(f"  STUCK: at the top with messages 0-{scroll['stuck'] - 1} never mounted")
    print(
        f"RSS in this process: before {scroll['rss_before'] / 1e6:.0f} MB, last screen "
        f"{scroll['rss_open'] / 1e6:.0f} MB, all {scroll['mounted']} mounted "
        f"{scroll['rss_all'] / 1e6:.0f} MB"
    )
    targets.check("last screen in < 0.5 s", open_stat.median < 0.5, f"{open_stat.median:.3f} s")
    p95 = presses.quantile(0.95)
    targets.check(
        "scrolls smoothly to the first message (p95 key -> frame < 100 ms)",
        p95 < 0.1 and scroll["stuck"] is None,
        f"{p95 * 1000:.0f} ms" + ("" if scroll["stuck"] is None else ", stuck before the top"),
    )
    peak = max(scroll["rss_all"], max(rss_open))
    targets.check("RSS < 250 MB", peak < 250e6, f"{peak / 1e6:.0f} MB at most")
    return targets.report(smoke=args.quick)


if __name__ == "__main__":
    sys.exit(main())
