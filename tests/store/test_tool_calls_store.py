"""Tool calls on an assistant message: the session file, the history sent, export and import."""

from __future__ import annotations

import json

import pytest

from app.store import (
    Message,
    Session,
    SessionFormatError,
    ToolCall,
    from_json,
    session_from_toml,
    session_to_toml,
    to_json,
    to_markdown,
)

# untrusted strings: quotes, a newline, a control code, backticks, a surrogate-free emoji
ARGUMENTS = '{"city": "Pa\\"ris\n", "note": "```\x1b]52;c;x\x07", "e": "🙂"}'


def session_with_calls() -> Session:
    session = Session.new("m", system_prompt="Be brief.")
    session.messages.append(Message(role="user", content="Weather in Paris?"))
    session.messages.append(
        Message(
            role="assistant",
            content="Let me check.",
            model="m",
            finish_reason="tool_calls",
            tool_calls=[
                ToolCall("call_1", "get_weather", ARGUMENTS),
                ToolCall("call_2", "get_time", "", type="function"),
            ],
        )
    )
    session.messages.append(Message(role="user", content="And now?"))
    return session


def test_tool_calls_round_trip_through_the_session_file_exactly():
    session = session_with_calls()
    text = session_to_toml(session)
    assert (
        'tool_calls = [{ id = "call_1", type = "function", function = { name = "get_weather"'
        in text
    )
    back = session_from_toml(text, source="test")
    assert back.messages == session.messages
    assert back.messages[2].tool_calls[0].arguments == ARGUMENTS


def test_a_file_with_a_bad_tool_call_is_reported_not_taken():
    text = session_to_toml(session_with_calls()).replace('name = "get_time"', "name = 3")
    with pytest.raises(SessionFormatError, match=r"tool call 2: 'name' must be a string"):
        session_from_toml(text, source="test")


def test_history_describes_calls_that_were_not_run_instead_of_sending_tool_calls():
    history = session_with_calls().api_messages()
    reply = history[2]
    assert set(reply) == {"role", "content"}  # never "tool_calls": no tool result follows
    assert reply["content"] == (
        "Let me check.\n\n[hcchat does not run tools; this reply asked for: "
        f"get_weather {ARGUMENTS}; get_time]"
    )
    assert history[3] == {"role": "user", "content": "And now?"}


def test_a_reply_of_only_calls_is_sent_as_its_note_and_is_not_a_failed_empty_reply():
    message = Message(
        role="assistant",
        content="",
        model="m",
        error="The connection closed before the reply finished.",
        tool_calls=[ToolCall("c", "search", '{"q": "x"}')],
    )
    assert not message.failed_empty
    session = Session.new("m")
    session.messages += [Message(role="user", content="hi"), message]
    sent = session.api_messages()[1]["content"]
    assert sent == '[hcchat does not run tools; this reply asked for: search {"q": "x"}]'


def test_markdown_export_shows_each_call_in_a_fence_longer_than_its_backticks():
    text = to_markdown(session_with_calls())
    assert "**Tool call:** get_weather" in text
    assert "````json\n" + ARGUMENTS + "\n````" in text
    assert "**Tool call:** get_time" in text
    assert "hcchat does not run tools" in text


def test_json_export_uses_openai_shape_and_imports_back():
    session = session_with_calls()
    data = json.loads(to_json(session))
    reply = data["messages"][2]
    assert reply["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ARGUMENTS},
        },
        {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": ""}},
    ]
    back = from_json(json.dumps(data))
    assert back.messages[2].tool_calls == session.messages[2].tool_calls


def test_json_import_takes_object_arguments_and_drops_calls_without_a_name():
    document = {
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "a",
                        "type": "function",
                        "function": {"name": "f", "arguments": {"x": 1}},
                    },
                    {"id": "b", "function": {"arguments": "{}"}},
                    "junk",
                ],
            },
        ]
    }
    session = from_json(json.dumps(document), model="m")
    assert session.messages[1].tool_calls == [ToolCall("a", "f", '{"x": 1}')]
