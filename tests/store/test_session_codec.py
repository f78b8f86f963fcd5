"""Session <-> TOML: the DESIGN schema, exact round trips, and readable reasons for bad files."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.store import (
    Message,
    Session,
    SessionFormatError,
    clean_text,
    session_from_bytes,
    session_from_toml,
    session_to_toml,
)
from app.store._codec import basic_string

DESIGN_EXAMPLE = """\
schema = 1
id = "20261124-193005-3f9a"
title = "A joke about scarecrows"
created = 2026-11-24T19:30:05Z
updated = 2026-11-24T19:31:10Z
model = "qwen/qwen3-32b"              # the model the next turn will use

[params]                               # only the ones the user set
temperature = 0.7

[[messages]]
role = "system"
content = "You are concise."

[[messages]]
role = "user"
content = "Tell me a joke."
created = 2026-11-24T19:30:05Z

[[messages]]
role = "assistant"
content = "Why did the scarecrow win an award? ..."
model = "qwen/qwen3-32b"               # which model wrote this reply: always present on assistant messages
created = 2026-11-24T19:30:06Z
finish_reason = "stop"
reasoning = "..."                      # when the model streamed reasoning
usage = { prompt_tokens = 20, completion_tokens = 15, total_tokens = 35 }
# incomplete = true and error = "..." when the reply was cancelled or failed part way
"""  # noqa: E501


def test_design_example_parses_into_the_session_it_describes() -> None:
    session = session_from_toml(DESIGN_EXAMPLE, source="example.toml")

    assert session.id == "20261124-193005-3f9a"
    assert session.title == "A joke about scarecrows"
    assert session.created == datetime(2026, 11, 24, 19, 30, 5, tzinfo=UTC)
    assert session.updated == datetime(2026, 11, 24, 19, 31, 10, tzinfo=UTC)
    assert session.model == "qwen/qwen3-32b"
    assert session.params == {"temperature": 0.7}
    assert session.system_prompt == "You are concise."
    assert [m.role for m in session.messages] == ["system", "user", "assistant"]
    reply = session.messages[2]
    assert reply.model == "qwen/qwen3-32b"
    assert reply.created == datetime(2026, 11, 24, 19, 30, 6, tzinfo=UTC)
    assert reply.finish_reason == "stop"
    assert reply.reasoning == "..."
    assert reply.usage == {"prompt_tokens": 20, "completion_tokens": 15, "total_tokens": 35}
    assert reply.incomplete is False and reply.error is None
    assert session.title_locked is False


def test_written_file_has_the_design_layout() -> None:
    session = session_from_toml(DESIGN_EXAMPLE, source="example.toml")

    text = session_to_toml(session)

    assert text.startswith('schema = 1\nid = "20261124-193005-3f9a"\n')
    assert "created = 2026-11-24T19:30:05Z\n" in text
    assert "\n[params]\ntemperature = 0.7\n" in text
    assert text.count("\n[[messages]]\n") == 3
    assert "usage = { prompt_tokens = 20, completion_tokens = 15, total_tokens = 35 }\n" in text
    assert session_from_toml(text, source="again.toml") == session


def test_unset_optional_fields_are_left_out_of_the_file() -> None:
    session = Session(id="s1", title="", created=datetime(2026, 1, 1, tzinfo=UTC), model="m")
    session.updated = session.created
    session.messages = [Message(role="user", content="hi"), Message(role="assistant", content="")]

    text = session_to_toml(session)

    head, summary, body = text.partition("[listing]\n")
    summary, _, body = body.partition("\n\n")
    keys = {line.split(" = ")[0] for line in (head + body).splitlines() if " = " in line}
    assert keys == {"schema", "id", "title", "created", "updated", "model", "role", "content"}
    # the summary has no cost: no reply reported one
    assert summary == f"messages = 2\nmodels = []\nbytes = {len(text.encode())}"
    assert "[params]" not in text
    assert "alternatives" not in text
    assert session_from_toml(text, source="s1.toml") == session


def test_set_flags_and_stats_are_written_and_read_back() -> None:
    reply = Message(
        role="assistant",
        content="partial",
        model="m",
        incomplete=True,
        error="connection reset",
        ttft=0.25,
        tokens_per_second=41.5,
    )
    session = Session(id="s1", title="t", model="m", messages=[reply], title_locked=True)

    text = session_to_toml(session)

    assert "title_locked = true\n" in text
    assert "incomplete = true\n" in text
    assert 'error = "connection reset"\n' in text
    assert "ttft = 0.25\n" in text and "tokens_per_second = 41.5\n" in text
    assert session_from_toml(text, source="s1.toml") == session


def test_the_role_is_a_top_level_key_only_when_set() -> None:
    with_role = Session(id="s", model="m", role="pirate")

    text = session_to_toml(with_role)

    assert 'role = "pirate"\n' in text.partition("[[messages]]")[0]
    assert session_from_toml(text, source="s.toml").role == "pirate"
    assert "role =" not in session_to_toml(Session(id="s", model="m"))


def test_short_messages_are_still_written_as_an_array_of_tables() -> None:
    session = Session(id="s", model="m", messages=[Message(role="user", content="hi")])

    text = session_to_toml(session)

    assert '[[messages]]\nrole = "user"\ncontent = "hi"\n' in text
    assert "messages = [" not in text


def test_a_session_without_messages_keeps_an_empty_messages_array() -> None:
    session = Session(id="s", model="m")

    text = session_to_toml(session)

    assert "messages = []\n" in text
    assert session_from_toml(text, source="s.toml").messages == []


def test_alternatives_are_nested_tables_under_their_message() -> None:
    earlier = Message(role="assistant", content="first try", model="a", usage={"total_tokens": 3})
    shown = Message(role="assistant", content="second try", model="b", alternatives=[earlier])
    session = Session(id="s", model="b", messages=[Message(role="user", content="q"), shown])

    text = session_to_toml(session)

    assert '\n[[messages.alternatives]]\nrole = "assistant"\ncontent = "first try"\n' in text
    assert tomllib.loads(text)["messages"][1]["alternatives"][0]["usage"] == {"total_tokens": 3}
    assert session_from_toml(text, source="s.toml") == session


def test_crlf_quotes_and_control_characters_round_trip_exactly() -> None:
    content = 'line one\r\nline two\rthree """ \\ \x00\x1b[31m\x7f  trailing  \t\n'
    session = Session(id="s", model="m", messages=[Message(role="user", content=content)])

    text = session_to_toml(session)

    assert "\x1b" not in text and "\r" not in text
    assert session_from_toml(text, source="s.toml").messages[0].content == content


# --- property tests ----------------------------------------------------------------------------

moments = st.datetimes(timezones=st.just(UTC))
some_text = st.none() | st.text(min_size=1)
reply_fields = {
    "content": st.text(),
    "created": st.none() | moments,
    "model": some_text,
    "finish_reason": some_text,
    "reasoning": some_text,
    "usage": st.none() | st.dictionaries(st.text(), st.integers(0, 2**63 - 1), min_size=1),
    "incomplete": st.booleans(),
    "error": some_text,
    "ttft": st.none() | st.floats(allow_nan=False),
    "tokens_per_second": st.none() | st.floats(allow_nan=False),
}
alternatives = st.builds(Message, role=st.just("assistant"), **reply_fields)
messages = st.builds(
    Message,
    role=st.sampled_from(["system", "user", "assistant"]),
    alternatives=st.lists(alternatives, max_size=2),
    **reply_fields,
)
sessions = st.builds(
    Session,
    id=st.text(),
    title=st.text(),
    created=moments,
    updated=moments,
    model=st.text(),
    params=st.fixed_dictionaries(
        {},
        optional={
            "temperature": st.floats(0, 2),
            "top_p": st.floats(0, 1),
            "max_tokens": st.integers(1, 2**63 - 1),
        },
    ),
    messages=st.lists(messages, max_size=4),
    title_locked=st.booleans(),
    role=st.none() | st.text(min_size=1),
)


@given(sessions)
def test_any_session_round_trips_exactly(session: Session) -> None:
    text = session_to_toml(session)

    assert session_from_bytes(text.encode("utf-8"), source="s.toml") == session


surrogates = st.integers(0xD800, 0xDFFF).map(chr)
text_with_surrogates = st.lists(st.characters() | surrogates, max_size=20).map("".join)


@given(text_with_surrogates, text_with_surrogates, text_with_surrogates)
def test_unpaired_surrogates_are_replaced_instead_of_failing_the_save(
    title: str, content: str, usage_key: str
) -> None:
    reply = Message(role="assistant", content=content, model=title, usage={usage_key: 1})
    session = Session(id="s", title=title, model="m", messages=[reply])

    data = session_to_toml(session).encode("utf-8")

    loaded = session_from_bytes(data, source="s.toml")
    assert loaded.title == clean_text(title)
    assert loaded.messages[0].content == clean_text(content)
    assert loaded.messages[0].usage == {clean_text(usage_key): 1}


def test_clean_text_joins_valid_surrogate_pairs_and_replaces_lone_ones() -> None:
    assert clean_text("a\ud83d\ude00b\ud800") == "a😀b\ufffd"
    assert clean_text("\ufeffplain") == "\ufeffplain"


# --- reading bad files ---------------------------------------------------------------------------

VALID_TOP = (
    'schema = 1\nid = "s"\ntitle = "t"\ncreated = 2026-01-01T00:00:00Z\n'
    'updated = 2026-01-01T00:00:00Z\nmodel = "m"\n'
)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('schema = 1\ntitle = "unterminated\n', "not valid TOML: "),
        ('schema = 2\nid = "s"\n', "written by a newer hcchat (schema 2)"),
        ('schema = 0\nid = "s"\n', "unknown schema 0"),
        ('schema = "1"\n', "'schema' must be an integer, got a string"),
        ('id = "s"\n', "missing key 'schema'"),
        (VALID_TOP.replace('id = "s"\n', ""), "missing key 'id'"),
        (VALID_TOP, "missing key 'messages'"),
        (VALID_TOP.replace('title = "t"', "title = 3") + "messages = []\n", "'title' must be a"),
        (
            VALID_TOP.replace("created = 2026-01-01T00:00:00Z", "created = 2026-01-01"),
            "'created' must be a date-time, got a date",
        ),
        (VALID_TOP + '[[messages]]\nrole = "tool"\ncontent = "x"\n', "message 1: unknown role"),
        (VALID_TOP + '[[messages]]\nrole = "user"\n', "message 1: missing key 'content'"),
        (
            VALID_TOP + '[[messages]]\nrole = "user"\ncontent = "x"\nincomplete = "yes"\n',
            "message 1: 'incomplete' must be true or false, got a string",
        ),
        (
            VALID_TOP + '[[messages]]\nrole = "user"\ncontent = "x"\nusage = { total = "3" }\n',
            "message 1: usage 'total' must be an integer",
        ),
        (VALID_TOP + "messages = []\n[params]\ntemperature = true\n", "params: 'temperature'"),
        ("schema = 1\nx = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        (
            VALID_TOP.replace("2026-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", 1),
            "is out of range in UTC",
        ),
    ],
)
def test_invalid_session_text_raises_a_readable_reason(text: str, reason: str) -> None:
    with pytest.raises(SessionFormatError) as raised:
        session_from_toml(text, source="bad.toml")

    assert reason in raised.value.reason
    assert str(raised.value).startswith("bad.toml: ")


def test_toml_syntax_errors_name_the_line_and_column() -> None:
    with pytest.raises(SessionFormatError, match=r"line 2, column \d+"):
        session_from_toml('schema = 1\nid = = "x"\n', source="bad.toml")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b'schema = 1\ntitle = "caf\xe9"\n', "not UTF-8 text (byte 0xe9 at offset 23)"),
    ],
)
def test_empty_and_non_utf8_files_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SessionFormatError) as raised:
        session_from_bytes(data, source="bad.toml")

    assert raised.value.reason == reason


def test_unknown_keys_from_a_newer_minor_version_are_tolerated() -> None:
    text = VALID_TOP + 'pinned = true\n[[messages]]\nrole = "user"\ncontent = "x"\nmood = "ok"\n'

    session = session_from_toml(text, source="s.toml")

    assert session.messages == [Message(role="user", content="x")]


def test_a_local_datetime_is_read_as_utc_and_a_byte_order_mark_is_tolerated() -> None:
    text = VALID_TOP.replace("00:00:00Z", "12:00:00", 1) + "messages = []\n"

    session = session_from_bytes(b"\xef\xbb\xbf" + text.encode(), source="s.toml")

    assert session.created == datetime(2026, 1, 1, 12, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    st.text().map(clean_text) | st.sampled_from(["\t", "\\t", "\\\t", "\x7f", '"\\"', "\x00\x1f"])
)
def test_basic_strings_are_written_exactly_as_tomli_w_writes_them(text: str) -> None:
    import tomli_w

    assert basic_string(text) == tomli_w.dumps({"k": text})[4:-1]
    assert tomllib.loads(f"k = {basic_string(text)}\n")["k"] == text
