"""Export to Markdown and JSON, and import of JSON conversations as new sessions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.store import (
    Message,
    Session,
    SessionFormatError,
    SessionNotFound,
    SessionStore,
    StoreWriteError,
    from_json,
    to_json,
    to_markdown,
)

MakeSession = Callable[..., Session]


def test_markdown_has_a_title_system_quote_and_a_heading_per_message(
    make_session: MakeSession,
) -> None:
    session = make_session()
    session.messages[0].content = "You are concise.\n\nAnd kind."

    text = to_markdown(session)

    assert text.startswith("# A joke about scarecrows\n\n*Created 2026-11-24 19:30 UTC")
    assert "> **System prompt**\n>\n> You are concise.\n>\n> And kind.\n" in text
    assert "## User\n\nTell me a joke.\n" in text
    assert "## Assistant · qwen/qwen3-32b · 2026-11-24 19:30 UTC\n\nWhy did" in text
    assert "*20 prompt + 15 completion = 35 tokens · finish: stop*" in text
    assert text.index("## User") < text.index("## Assistant")


def test_markdown_folds_reasoning_and_notes_incomplete_and_failed_replies(
    make_session: MakeSession,
) -> None:
    session = make_session()
    reply = session.messages[2]
    reply.reasoning = "Think about fields."
    reply.incomplete = True
    reply.error = "The connection dropped"
    reply.ttft, reply.tokens_per_second = 0.5, 40.0
    reply.alternatives = [Message(role="assistant", content="Old joke", model="other")]

    text = to_markdown(session)

    assert "<details><summary>Reasoning</summary>\n\nThink about fields.\n\n</details>" in text
    assert text.index("Think about fields.") < text.index("Why did the scarecrow")
    assert "> **Error:** The connection dropped" in text
    assert "incomplete" in text
    assert "first token after 0.50 s · 40.0 tokens/s" in text
    assert "<details><summary>Earlier reply 1 · other</summary>\n\nOld joke" in text


def test_an_untitled_session_gets_a_placeholder_heading() -> None:
    assert to_markdown(Session(id="s", model="m")).startswith("# Untitled conversation\n")


def test_json_export_uses_the_api_message_shape(make_session: MakeSession) -> None:
    session = make_session(prompt="Erzähl einen Witz 🎃")

    text = to_json(session)

    document = json.loads(text)
    assert {"id", "title", "model", "messages"} <= document.keys()
    assert document["messages"][0] == {"role": "system", "content": "You are concise."}
    assert document["messages"][1]["content"] == "Erzähl einen Witz 🎃"
    assert "model" not in document["messages"][1]
    assert document["messages"][2]["model"] == "qwen/qwen3-32b"
    assert "🎃" in text and "\n  " in text  # not escaped, indented


def test_json_export_imports_back_as_a_new_session_with_the_same_content(
    make_session: MakeSession,
) -> None:
    session = make_session()
    session.params = {"temperature": 0.7}
    session.messages[2].reasoning = "thought"
    session.messages[2].incomplete = True
    session.messages[2].alternatives = [Message(role="assistant", content="x", model="m")]

    imported = from_json(to_json(session))

    assert imported.id != session.id
    assert imported.messages == session.messages
    assert (imported.title, imported.model, imported.params) == (
        session.title,
        session.model,
        session.params,
    )
    assert imported.created == session.created


def test_a_bare_openai_message_array_is_imported() -> None:
    text = json.dumps(
        [
            {"role": "system", "content": "Be brief."},
            {
                "role": "user",
                "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}],
            },
            {"role": "assistant", "content": None},
        ]
    )

    session = from_json(text, model="fallback/model")

    assert [(m.role, m.content) for m in session.messages] == [
        ("system", "Be brief."),
        ("user", "Hi there"),
        ("assistant", ""),
    ]
    assert session.model == "fallback/model"
    assert session.system_prompt == "Be brief."


def test_a_messages_object_is_imported_and_the_last_reply_names_the_model() -> None:
    text = json.dumps(
        {
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello", "model": "a/b", "usage": {"x": "y"}},
            ]
        }
    )

    session = from_json(text)

    assert session.model == "a/b"
    assert session.messages[1].usage is None  # a foreign shape is dropped, the text is kept


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not valid JSON: "),
        ("42", 'expected a JSON object with "messages" or an array of messages, got a number'),
        ('{"conversation": []}', 'missing "messages"'),
        ("[]", "nothing to import"),
        ('[{"role": "tool", "content": "x"}]', "message 1: role 'tool' is not one of"),
        ('[{"role": "user", "content": "a"}, "b"]', "message 2: expected an object, got a string"),
        ('[{"role": "user", "content": 5}]', "message 1: 'content' must be text, got a number"),
    ],
)
def test_bad_json_imports_raise_a_readable_reason(text: str, reason: str) -> None:
    with pytest.raises(SessionFormatError) as raised:
        from_json(text)

    assert reason in str(raised.value)


@pytest.mark.parametrize(("fmt", "start"), [("md", "# A joke about scarecrows\n"), ("json", "{\n")])
def test_the_store_exports_a_saved_session_to_a_file(
    tmp_path: Path, make_session: MakeSession, fmt: str, start: str
) -> None:
    store = SessionStore(tmp_path / "sessions")
    session = make_session()
    store.save(session)
    target = tmp_path / f"out.{fmt}"

    written = store.export(session.id, target, fmt)

    assert written == target
    assert target.read_text(encoding="utf-8").startswith(start)


def test_exporting_to_an_unwritable_place_raises_a_write_error(
    tmp_path: Path, make_session: MakeSession
) -> None:
    store = SessionStore(tmp_path / "sessions")
    session = make_session()
    store.save(session)

    with pytest.raises(StoreWriteError, match=f"Could not export session {session.id}: "):
        store.export(session.id, tmp_path / "missing-folder" / "out.md", "md")
    with pytest.raises(ValueError, match="Unknown export format 'pdf'"):
        store.export(session.id, tmp_path / "out.pdf", "pdf")
    with pytest.raises(SessionNotFound):
        store.export("nope", tmp_path / "out.md", "md")
