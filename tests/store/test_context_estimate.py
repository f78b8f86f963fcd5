"""The context meter's arithmetic: the last reported usage plus a quarter of what came after."""

from __future__ import annotations

from app.store import Message, Session
from app.usage import context_meter, context_tokens, overflow_message


def session_with_usage() -> Session:
    session = Session.new("m/small", "Be brief.")
    session.messages.append(Message("user", "x" * 400))
    session.messages.append(
        Message(
            "assistant",
            "y" * 40,
            model="m/small",
            usage={"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
        )
    )
    return session


def test_the_last_usage_counts_and_what_came_after_is_estimated():
    session = session_with_usage()
    assert context_tokens(session) == 110
    session.messages.append(Message("user", "z" * 41))
    assert context_tokens(session) == 110 + 11
    assert context_tokens(session, "w" * 8) == 110 + 11 + 2


def test_without_usage_every_message_is_estimated():
    session = Session.new("m/small", "abcd")
    session.messages.append(Message("user", "efgh" * 3))
    assert context_tokens(session) == 1 + 3


def test_failed_empty_replies_are_not_counted():
    session = session_with_usage()
    session.messages.append(Message("user", "q" * 4))
    session.messages.append(Message("assistant", "", model="m/small", error="boom"))
    assert context_tokens(session) == 111


def test_the_meter_and_the_overflow_message():
    assert context_meter(4915, 40960) == "ctx 11% of 41k"
    session = session_with_usage()
    assert overflow_message(session, None) is None
    assert overflow_message(session, 200) is None
    message = overflow_message(session, 100, "p" * 40)
    assert message is not None
    assert "about 120 tokens, 20 more than the 100-token context of m/small" in message
    assert "/fork" in message and "/new" in message
