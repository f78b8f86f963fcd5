"""Keys typed while a reply starts are input too: none may be dropped (issue 17, class 1b).

hcchat runs as a real process on a pseudo-terminal against the loopback server. Each round
writes Enter and the next prompt in ONE write, as a fast typist's terminal sends them: the keys
reach the app in the same read as the Enter that starts the reply. Before the fix the screen
emptied the prompt only when it handled the submission, after those keys had been typed into
it, so they vanished from the screen and from the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import LoopbackServer, reply

from faults.test_app_signals import Terminal, until

from .conftest import chat, notifications, received, send, told, wait_for

ROUNDS = 4


def prompt(number: int) -> str:
    return f"prompt-{number}-zq"


def replies_saved(terminal: Terminal) -> int:
    """How many finished replies the session file holds (0 before it exists)."""
    if not list(terminal.sessions.glob("*.toml")):
        return 0
    messages = terminal.session()["messages"]
    assert isinstance(messages, list)
    return sum(1 for m in messages if m["role"] == "assistant" and not m.get("incomplete"))


@pytest.fixture
def terminal(loopback: LoopbackServer, tmp_path: Path) -> Iterator[Terminal]:
    for number in range(1, ROUNDS + 1):
        loopback.enqueue(reply(f"answer number {number} " * 3, chunk_size=5, delay=0.01))
    term = Terminal(loopback.base_url, tmp_path)
    yield term
    term.close()


def test_keys_typed_with_enter_are_kept_in_the_prompt_and_sent_next(
    terminal: Terminal, loopback: LoopbackServer
):
    until(lambda: b"Enter sends" in terminal.output, what="the prompt")
    terminal.type(prompt(1))
    until(lambda: prompt(1).encode() in terminal.output, what="the first prompt on screen")
    for number in range(1, ROUNDS):
        # Enter, then the next prompt's keys within the same write
        shown = len(terminal.output)
        terminal.type("\r" + prompt(number + 1))
        until(lambda n=number: replies_saved(terminal) == n, what=f"reply {number} saved")
        # the keys typed with Enter are on screen, in the prompt, after the reply started
        until(
            lambda n=number, s=shown: prompt(n + 1).encode() in terminal.output[s:],
            what=f"prompt {number + 1} kept in the prompt",
        )
    terminal.type("\r")
    until(lambda: replies_saved(terminal) == ROUNDS, what="the last reply saved")
    messages = terminal.session()["messages"]
    assert isinstance(messages, list)
    sent = [m["content"] for m in messages if m["role"] == "user"]
    assert sent == [prompt(number) for number in range(1, ROUNDS + 1)]
    # one request a prompt (the app also asks for the model list after its first frame)
    chats = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == ROUNDS


async def test_a_prompt_refused_while_a_reply_streams_is_given_back_whole(make_app, loopback):
    loopback.enqueue(reply("slow words " * 40, chunk_size=4, delay=0.05))
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        prompt = chat(app).query_one("#prompt")
        await send(pilot, "first")
        await wait_for(pilot, lambda: bool(received(app)))
        await pilot.press("n", "e", "x", "t", "enter", "!")
        await wait_for(pilot, lambda: bool(told(app, "still streaming")))
        # what was refused is back, in front of the key typed after it
        assert prompt.text == "next!"
        await pilot.press("escape")


async def test_a_bad_command_is_given_back_to_fix(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        prompt = chat(app).query_one("#prompt")
        await send(pilot, "/nosuchthing")
        await wait_for(pilot, lambda: bool(notifications(app)))
        assert prompt.text == "/nosuchthing"
