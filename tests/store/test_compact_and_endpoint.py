"""The session's endpoint and ``/compact`` summaries in the file and in what is sent."""

from __future__ import annotations

import pytest

from app.store import (
    Message,
    NothingToCompact,
    Session,
    add_summary,
    compaction_end,
    compaction_request,
    session_from_toml,
    session_to_toml,
)
from app.store._compact import INSTRUCTION
from app.store._model import SUMMARY_HEADING
from app.usage import context_tokens


def conversation(system: str | None = "Be brief.") -> Session:
    session = Session.new("m/a", system)
    for n in range(1, 4):
        session.messages.append(Message("user", f"question {n}"))
        session.messages.append(Message("assistant", f"answer {n}", model="m/a"))
    return session


def test_the_endpoint_is_written_only_when_not_default_and_read_back() -> None:
    session = conversation()
    assert "endpoint" not in session_to_toml(session)
    session.endpoint = "local"
    session.messages[2].endpoint = "local"
    text = session_to_toml(session)
    assert '\nendpoint = "local"\n' in text
    again = session_from_toml(text, source="t")
    assert again.endpoint == "local"
    assert again.messages[2].endpoint == "local"
    assert again.messages[4].endpoint is None


def test_a_summary_replaces_the_turns_before_it_in_what_is_sent_not_in_the_file() -> None:
    session = conversation()
    end = compaction_end(session, None)
    assert end == len(session.messages)
    assert compaction_request(session, end)[-1] == {"role": "user", "content": INSTRUCTION}
    add_summary(session, end, "They asked three questions.", model="m/a", endpoint=None)
    session.messages.append(Message("user", "question 4"))

    sent = session.api_messages()

    assert sent == [
        {
            "role": "system",
            "content": f"Be brief.\n\n{SUMMARY_HEADING}\n\nThey asked three questions.",
        },
        {"role": "user", "content": "question 4"},
    ]
    again = session_from_toml(session_to_toml(session), source="t")
    assert [m.content for m in again.messages[1:7]] == [
        "question 1", "answer 1", "question 2", "answer 2", "question 3", "answer 3",
    ]  # fmt: skip
    assert again.messages[7].summary is True
    assert again.messages[7].role == "system"
    assert again.api_messages() == sent


def test_without_a_system_prompt_the_summary_is_the_system_message() -> None:
    session = conversation(system=None)
    add_summary(session, 4, "Two questions.", model="m/a", endpoint=None)
    assert session.api_messages() == [
        {"role": "system", "content": f"{SUMMARY_HEADING}\n\nTwo questions."},
        {"role": "user", "content": "question 3"},
        {"role": "assistant", "content": "answer 3"},
    ]


def test_a_history_too_long_for_the_context_compacts_the_turns_that_fit() -> None:
    session = conversation()
    session.messages[5].content = "x" * 4000  # the third question: about 1000 tokens
    end = compaction_end(session, 400)
    assert end == 5  # the first two turns; the third does not fit with them
    assert context_tokens(session) > 400
    add_summary(session, end, "s", model="m/a", endpoint=None)
    assert [m["content"] for m in session.api_messages()][1:] == ["x" * 4000, "answer 3"]


def test_a_second_compact_summarises_from_the_last_summary_on() -> None:
    session = conversation()
    add_summary(session, len(session.messages), "first", model="m/a", endpoint=None)
    with pytest.raises(NothingToCompact):
        compaction_end(session, None)
    session.messages.append(Message("user", "question 4"))
    session.messages.append(Message("assistant", "answer 4", model="m/a"))
    end = compaction_end(session, None)
    request = compaction_request(session, end)
    assert request[0]["content"] == f"Be brief.\n\n{SUMMARY_HEADING}\n\nfirst"
    assert [m["content"] for m in request[1:]] == ["question 4", "answer 4", INSTRUCTION]


def test_a_file_without_the_new_keys_still_loads() -> None:
    text = (
        'schema = 1\nid = "20261124-193005-3f9a"\ntitle = "t"\n'
        "created = 2026-11-24T19:30:05Z\nupdated = 2026-11-24T19:30:05Z\n"
        'model = "m/a"\n\n[[messages]]\nrole = "user"\ncontent = "hi"\n'
    )
    session = session_from_toml(text, source="t")
    assert session.endpoint is None
    assert session.summary_index is None
    assert session.api_messages() == [{"role": "user", "content": "hi"}]


def test_a_json_export_keeps_the_summary_and_an_import_sends_it_the_same_way() -> None:
    from app.store import from_json, to_json

    session = conversation()
    session.endpoint = "local"
    add_summary(session, 5, "Two questions.", model="m/a", endpoint="local")

    exported = to_json(session)
    imported = from_json(exported)

    assert '"endpoint": "local"' in exported
    assert imported.messages[5].summary is True
    assert imported.api_messages() == session.api_messages()
    assert imported.endpoint is None  # a file does not choose where the conversation goes
