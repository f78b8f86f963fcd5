"""Searching sessions: titles, messages and reasoning, case-insensitive, newest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from app.store import Message, Session, SessionStore

MakeSession = Callable[..., Session]


def test_a_title_only_match_has_no_message_index(
    store: SessionStore, make_session: MakeSession
) -> None:
    session = make_session(title="Scarecrow jokes")
    store.save(session)

    (hit,) = store.search("SCARECROW JOKES")

    assert hit.summary.id == session.id
    assert hit.message_index is None
    assert hit.snippet == "Scarecrow jokes"


def test_a_message_match_names_the_first_matching_message(
    store: SessionStore, make_session: MakeSession
) -> None:
    session = make_session(title="Farming", prompt="Tell me about the SCARECROW.")
    store.save(session)

    (hit,) = store.search("scarecrow")

    assert hit.message_index == 1
    assert "SCARECROW" in hit.snippet


def test_reasoning_and_earlier_replies_are_searched(
    store: SessionStore, make_session: MakeSession
) -> None:
    thinking, regenerated = make_session(title="a"), make_session(title="b")
    thinking.messages[2].reasoning = "The user wants a pun about crows."
    regenerated.messages[2].alternatives = [
        Message(role="assistant", content="An earlier pun-free reply", model="m")
    ]
    store.save(thinking)
    store.save(regenerated)

    assert [(h.summary.id, h.message_index) for h in store.search("pun about")] == [
        (thinking.id, 2)
    ]
    assert [h.summary.id for h in store.search("pun-free")] == [regenerated.id]


def test_snippets_are_one_line_around_the_match(
    store: SessionStore, make_session: MakeSession
) -> None:
    text = "lorem ipsum " * 30 + "the needle\nis here " + "dolor sit amet " * 30
    store.save(make_session(reply=text))

    (hit,) = store.search("needle")

    assert "the needle is here" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "\n" not in hit.snippet
    assert len(hit.snippet) <= 82


def test_text_that_toml_escapes_is_found(store: SessionStore, make_session: MakeSession) -> None:
    session = make_session(prompt='Open "C:\\Users\\me"\tplease')
    store.save(session)

    assert [hit.summary.id for hit in store.search('"c:\\users\\ME"\tplease')] == [session.id]


def test_matching_uses_case_folding(store: SessionStore, make_session: MakeSession) -> None:
    session = make_session(prompt="Wo ist die Straße zum Bahnhof?")
    store.save(session)

    (hit,) = store.search("STRASSE")

    assert "Straße zum" in hit.snippet


def test_hits_come_newest_first_and_can_be_limited(
    store: SessionStore, make_session: MakeSession
) -> None:
    sessions = [
        make_session(prompt="crow", updated=datetime(2026, month, 1, tzinfo=UTC))
        for month in (3, 9, 6)
    ]
    for session in sessions:
        store.save(session)
    newest_first = [sessions[1].id, sessions[2].id, sessions[0].id]

    assert [hit.summary.id for hit in store.search("crow")] == newest_first
    assert [hit.summary.id for hit in store.search("crow", limit=2)] == newest_first[:2]
    assert next(store.iter_search("crow")).summary.id == newest_first[0]


def test_no_hits_for_absent_or_blank_text_and_unreadable_files_are_skipped(
    store: SessionStore, make_session: MakeSession
) -> None:
    store.save(make_session())
    (store.folder / "broken.toml").write_text('title = "scarecrow" = broken')

    assert store.search("no such words anywhere") == []
    assert store.search("   ") == []
    assert [hit.summary.title for hit in store.search("scarecrow")] == ["A joke about scarecrows"]


def test_a_match_only_in_file_syntax_is_not_a_hit(
    store: SessionStore, make_session: MakeSession
) -> None:
    store.save(make_session())

    assert store.search("finish_reason") == []
    assert store.search("qwen3") == []
