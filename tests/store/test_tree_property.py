"""Random conversation trees survive a save and a reload with every message and branch."""

from __future__ import annotations

import itertools
import tomllib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from app.store import Message, Session, session_from_toml, session_to_toml
from app.store._fast_reader import read_own_layout
from app.store._tree import (
    adopt_versions,
    delete_turn,
    edit_at,
    fork_at,
    regenerate_at,
    switch_branch,
    walk,
)

WHEN = datetime(2026, 11, 24, 19, 30, 5, tzinfo=UTC)

operations = st.lists(
    st.tuples(
        st.sampled_from(["send", "edit", "regenerate", "delete", "switch", "fork"]),
        st.integers(0, 50),
        st.sampled_from([-1, 1]),
    ),
    max_size=25,
)


class Conversation:
    """A session driven as the chat screen drives it, remembering every message it received."""

    def __init__(self, system: bool) -> None:
        self.session = Session.new("m", "Be brief." if system else None)
        self.received: list[str] = [m.content for m in self.session.messages]
        self.counter = itertools.count()

    def text(self, kind: str) -> str:
        text = f"{kind} {next(self.counter)}"
        self.received.append(text)
        return text

    def reply(self, earlier: list[Message] | None = None) -> None:
        reply = Message("assistant", self.text("reply"), created=WHEN, model="m")
        adopt_versions(reply, earlier or [])
        self.session.messages.append(reply)

    def indexes(self, role: str) -> list[int]:
        return [i for i, m in enumerate(self.session.messages) if m.role == role]

    def run(self, name: str, number: int, step: int) -> None:
        messages = self.session.messages
        if name == "send":
            messages.append(Message("user", self.text("prompt"), created=WHEN))
            self.reply()
        elif name == "edit" and (users := self.indexes("user")):
            edit_at(self.session, users[number % len(users)], self.text("edited"))
            self.session.messages[-1].created = WHEN
            self.reply()
        elif name == "regenerate" and (replies := self.indexes("assistant")):
            self.reply(regenerate_at(self.session, replies[number % len(replies)]))
        elif name == "delete" and messages:
            delete_turn(self.session, number % len(messages))
        elif name == "switch" and messages:
            switch_branch(self.session, number % len(messages), step)
        elif name == "fork" and messages:
            before = session_to_toml(self.session)
            count = 1 + number % len(messages)
            fork = fork_at(self.session, count)
            assert session_to_toml(self.session) == before
            assert fork.api_messages() == self.session.api_messages()[:count]
            assert fork.forked_from is not None and fork.forked_from.message == count


@settings(max_examples=150, deadline=None)
@given(operations, st.booleans())
def test_random_trees_keep_every_message_and_the_active_path_through_a_reload(
    steps: list[tuple[str, int, int]], system: bool
) -> None:
    conversation = Conversation(system)
    for name, number, step in steps:
        conversation.run(name, number, step)
        session = conversation.session
        found = {location.message.content for location in walk(session)}
        assert set(conversation.received) <= found

        text = session_to_toml(session)
        fast = read_own_layout(text)
        assert fast is not None and fast == tomllib.loads(text)
        reloaded = session_from_toml(text, source="test")
        assert reloaded == session
        assert reloaded.api_messages() == session.api_messages()
