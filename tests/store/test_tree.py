"""Branch operations on a session: edit, regenerate, switch, delete, fork and find."""

from __future__ import annotations

import pytest

from app.store import Message, Session, session_from_toml, session_to_toml
from app.store._tree import (
    adopt_versions,
    delete_turn,
    edit_at,
    find,
    fork_at,
    open_branch,
    regenerate_at,
    switch_branch,
    version_label,
)


def conversation(*turns: str, system: str | None = None) -> Session:
    session = Session.new("m", system)
    for text in turns:
        session.messages.append(Message("user", text))
        session.messages.append(Message("assistant", f"re {text}", model="m"))
    return session


def contents(session: Session) -> list[str]:
    return [message.content for message in session.messages]


def test_editing_an_earlier_prompt_starts_a_branch_and_keeps_the_old_one() -> None:
    session = conversation("a", "b", "c")

    edit_at(session, 2, "B")

    assert contents(session) == ["a", "re a", "B"]
    edited = session.messages[2]
    assert version_label(edited) == "2/2"
    assert [m.content for m in edited.alternatives[0].branch] == ["re b", "c", "re c"]


def test_switching_back_restores_the_whole_old_branch_and_forth_again() -> None:
    session = conversation("a", "b", "c")
    edit_at(session, 2, "B")
    session.messages.append(Message("assistant", "re B", model="m"))

    switch_branch(session, 2, -1)
    assert contents(session) == ["a", "re a", "b", "re b", "c", "re c"]
    assert version_label(session.messages[2]) == "1/2"
    switch_branch(session, 2, 1)
    assert contents(session) == ["a", "re a", "B", "re B"]


def test_regenerating_a_middle_reply_keeps_it_with_what_followed() -> None:
    session = conversation("a", "b")
    earlier = regenerate_at(session, 1)
    reply = Message("assistant", "re a again", model="m")
    adopt_versions(reply, earlier)
    session.messages.append(reply)

    assert contents(session) == ["a", "re a again"]
    assert version_label(reply) == "2/2"
    switch_branch(session, 1, 1)
    assert contents(session) == ["a", "re a", "b", "re b"]


def test_deleting_a_turn_keeps_it_as_a_version_of_the_message_before() -> None:
    session = conversation("a", "b", "c")

    assert delete_turn(session, 3)

    assert contents(session) == ["a", "re a", "c", "re c"]
    switch_branch(session, 1, 1)
    assert contents(session) == ["a", "re a", "b", "re b", "c", "re c"]


def test_deleting_the_first_turn_keeps_it_as_a_version_of_the_first_message() -> None:
    session = conversation("a", "b")

    assert delete_turn(session, 0)

    assert contents(session) == ["b", "re b"]
    switch_branch(session, 0, 1)
    assert contents(session) == ["a", "re a", "b", "re b"]


def test_the_only_turn_is_not_deleted_and_a_purge_keeps_nothing() -> None:
    session = conversation("a")
    assert not delete_turn(session, 1)
    assert contents(session) == ["a", "re a"]

    session = conversation("a", "b")
    assert delete_turn(session, 2, keep=False)
    assert contents(session) == ["a", "re a"]
    assert not session.messages[1].alternatives


def test_fork_copies_the_active_path_up_to_a_message_and_records_its_origin() -> None:
    session = conversation("a", "b", system="sys")
    edit_at(session, 3, "B")

    fork = fork_at(session, 3)

    assert contents(fork) == ["sys", "a", "re a"]
    assert fork.forked_from is not None
    assert (fork.forked_from.id, fork.forked_from.message) == (session.id, 3)
    assert fork.id != session.id
    reloaded = session_from_toml(session_to_toml(fork), source="fork")
    assert reloaded.forked_from == fork.forked_from
    with pytest.raises(ValueError):
        fork_at(session, 9)


def test_a_message_found_in_another_branch_is_brought_up_by_its_steps() -> None:
    session = conversation("a", "needle", "c")
    edit_at(session, 2, "B")

    location = next(find(session, lambda m: m.content == "c"))

    assert not location.active
    open_branch(session, location.steps)
    assert session.messages[location.index].content == "c"


def test_versions_keep_their_order_through_a_reload() -> None:
    session = conversation("a")
    for text in ("x", "y"):
        earlier = regenerate_at(session, 1)
        reply = Message("assistant", text, model="m")
        adopt_versions(reply, earlier)
        session.messages.append(reply)
    switch_branch(session, 1, -1)

    reloaded = session_from_toml(session_to_toml(session), source="t")

    assert reloaded.messages[1].content == "x"
    assert version_label(reloaded.messages[1]) == "2/3"
    switch_branch(reloaded, 1, 1)
    assert reloaded.messages[1].content == "y"


def test_the_first_turn_after_a_system_prompt_is_kept_under_the_next_message() -> None:
    session = conversation("a", "b", system="sys")

    assert delete_turn(session, 1)

    assert contents(session) == ["sys", "b", "re b"]
    assert not session.messages[0].alternatives
    switch_branch(session, 1, 1)
    assert contents(session) == ["sys", "a", "re a", "b", "re b"]
    assert not delete_turn(conversation("a", system="sys"), 1)


def test_a_regeneration_never_asked_for_puts_the_reply_back() -> None:
    from app.store import put_back

    session = conversation("a", "b")
    old = session.messages[1]
    earlier = regenerate_at(session, 1)

    put_back(session, old, earlier)

    assert contents(session) == ["a", "re a", "b", "re b"]
    assert not session.messages[1].alternatives
