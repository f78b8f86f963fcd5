"""The fast reader of hcchat's own session layout gives exactly what tomllib gives, or declines."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.store import (
    ForkOrigin,
    Message,
    Session,
    SessionFormatError,
    clean_text,
    session_from_toml,
    session_to_toml,
)
from app.store._codec import _checked_message, _message
from app.store._fast_reader import read_own_layout

FAILED = object()

texts = st.text(max_size=40).map(clean_text)
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
numbers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
)
keys = st.text(alphabet='abcdefghijklmnopqrstuvwxyz_-0123456789 ."é', min_size=1, max_size=12)
costs = st.floats(min_value=0, allow_infinity=False) | st.sampled_from([5.5e-05, 1e-07, 0.0, 12.5])
usages = st.builds(
    lambda counts, cost: counts if cost is None else {**counts, "cost": cost},
    st.dictionaries(keys, st.integers(-5, 10**12), max_size=3),
    st.none() | costs,
)


@st.composite
def messages(draw: st.DrawFn, depth: int = 0) -> Message:
    role = draw(st.sampled_from(["system", "user", "assistant"]))
    alternatives = draw(st.lists(messages(depth + 1), max_size=2)) if depth == 0 else []
    return Message(
        role=role,
        content=draw(texts),
        created=draw(st.none() | moments),
        model=draw(st.none() | texts),
        finish_reason=draw(st.none() | st.sampled_from(["stop", "length"])),
        reasoning=draw(st.none() | texts),
        usage=draw(st.none() | usages),
        incomplete=draw(st.booleans()),
        error=draw(st.none() | texts),
        ttft=draw(st.none() | st.floats(allow_nan=False, allow_infinity=False)),
        tokens_per_second=draw(st.none() | st.floats(min_value=0, max_value=1e6)),
        served_model=draw(st.none() | texts),
        endpoint=draw(st.none() | texts),
        cost_details=draw(st.none() | st.dictionaries(keys, costs, max_size=2)),
        alternatives=alternatives,
        version=draw(st.none() | st.integers(1, 3)) if alternatives else None,
    )


@st.composite
def branched(draw: st.DrawFn, depth: int = 0) -> Message:
    """A message whose other versions each carry the conversation that followed them."""
    message = draw(messages(1))
    if depth < 2:
        message.alternatives = draw(st.lists(messages(1), max_size=2 - depth))
        message.version = draw(st.integers(1, 3)) if message.alternatives else None
        for alternative in message.alternatives:
            alternative.branch = draw(st.lists(branched(depth + 1), max_size=2 - depth))
    return message


@st.composite
def sessions(draw: st.DrawFn) -> Session:
    return Session(
        id=draw(st.from_regex(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{4}", fullmatch=True)),
        title=draw(texts),
        created=draw(moments),
        updated=draw(moments),
        model=draw(texts),
        params=draw(st.dictionaries(keys, numbers, max_size=3)),
        messages=draw(st.lists(messages(), max_size=5)),
        title_locked=draw(st.booleans()),
        role=draw(st.none() | texts),
        forked_from=draw(st.none() | st.builds(ForkOrigin, texts, st.integers(0, 10**6))),
    )


@st.composite
def branched_sessions(draw: st.DrawFn) -> Session:
    session = draw(sessions())
    session.params = {}  # what hcchat sends is checked on reading
    session.messages = draw(st.lists(branched(), max_size=3))
    return session


def every_message(messages: list[Message]) -> Iterator[Message]:
    """The messages, their alternatives and the branches under those, recursively."""
    for message in messages:
        yield message
        for alternative in message.alternatives:
            yield alternative
            yield from every_message(alternative.branch)


def tomllib_result(text: str) -> Any:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return FAILED


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(sessions())
def test_a_saved_session_reads_as_tomllib_reads_it(session: Session) -> None:
    text = session_to_toml(session)

    fast = read_own_layout(text)

    assert fast is None or fast == tomllib.loads(text)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(sessions())
def test_the_reader_declines_only_what_it_does_not_know(session: Session) -> None:
    # quoted keys and non-finite floats are valid TOML that the fast reader leaves to tomllib
    session.params = {k: v for k, v in session.params.items() if re.fullmatch(r"[\w-]+", k, re.A)}
    for message in every_message(session.messages):
        message.usage = {"prompt_tokens": 1, "completion_tokens": 2, "cost": 5.5e-05}
        message.cost_details = {"upstream_inference_cost": 1e-07} if message.cost_details else None
        message.served_model = message.served_model and "qwen/qwen3-32b-fp8"
        if message.ttft is not None and not math.isfinite(message.ttft):
            message.ttft = None

    assert read_own_layout(session_to_toml(session)) is not None


EDITS = [
    '"',
    "\\",
    "\n",
    "\r\n",
    "=",
    " ",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    "#",
    "\t",
    "\\u",
    "d8",
    "\\U0001F600",
    "\\/",
    "Z",
    "T",
    "-",
    ":",
    "30",
    "02",
    "\x00",
    "\x7f",
    "é",
    "a",
    "0",
    "",
    "[[messages]]\n",
    "[params]\n",
    "[[messages.alternatives]]\n",
    "role = 1\n",
    'content = "x"\n',
    "messages = []\n",
    "alternatives = []\n",
    "x = 1\n",
    "inf",
    "nan",
]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    sessions(),
    st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 3), st.sampled_from(EDITS)),
        min_size=1,
        max_size=4,
    ),
)
def test_an_edited_file_reads_as_tomllib_reads_it_or_is_left_to_tomllib(
    session: Session, edits: list[tuple[float, int, str]]
) -> None:
    text = session_to_toml(session)
    for where, removed, inserted in edits:
        at = int(where * len(text))
        text = text[:at] + inserted + text[at + removed :]

    fast = read_own_layout(text)
    slow = tomllib_result(text)

    if slow is FAILED:
        assert fast is None
    else:
        assert fast is None or fast == slow


def test_an_impossible_date_is_left_to_tomllib() -> None:
    text = "schema = 1\ncreated = 2026-02-30T00:00:00Z\n"

    assert read_own_layout(text) is None
    assert tomllib_result(text) is FAILED


def test_a_duplicate_key_is_left_to_tomllib() -> None:
    text = '[[messages]]\nrole = "user"\nrole = "user"\n'

    assert read_own_layout(text) is None
    assert tomllib_result(text) is FAILED


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False),
    texts,
    moments,
    st.sampled_from(["system", "user", "assistant", ""]),
    st.dictionaries(st.sampled_from(["prompt_tokens", "x"]), st.integers() | st.booleans()),
    st.dictionaries(st.sampled_from(["cost", "prompt_tokens"]), st.floats(0, 1) | st.integers()),
    st.lists(st.dictionaries(st.sampled_from(["role", "content"]), st.sampled_from(["user", 1]))),
)
tables = st.dictionaries(
    st.sampled_from(
        [
            "role",
            "content",
            "created",
            "model",
            "finish_reason",
            "reasoning",
            "usage",
            "incomplete",
            "error",
            "ttft",
            "tokens_per_second",
            "alternatives",
            "served_model",
            "endpoint",
            "cost_details",
            "other",
        ]
    ),
    values,
)


def outcome(read: Any, item: object) -> Any:
    try:
        return read(item, "message 1")
    except SessionFormatError as error:
        return ("error", error.reason)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(tables | values)
def test_the_quick_message_check_agrees_with_the_careful_one(item: object) -> None:
    assert outcome(_message, item) == outcome(_checked_message, item)


# generating trees is slow on a loaded machine; what matters is that they are checked
@settings(
    max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(branched_sessions())
def test_a_saved_tree_of_branches_reads_as_tomllib_reads_it(session: Session) -> None:
    text = session_to_toml(session)

    assert read_own_layout(text) in (None, tomllib.loads(text))
    # every branch is read back: writing what was read gives the same text
    assert session_to_toml(session_from_toml(text, source="tree")) == text


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(branched_sessions())
def test_the_reader_reads_every_branch_it_wrote(session: Session) -> None:
    session.params = {}
    for message in every_message(session.messages):
        message.usage = {"prompt_tokens": 1}
        message.cost_details = {"upstream_inference_cost": 1e-07} if message.cost_details else None
        if message.ttft is not None and not math.isfinite(message.ttft):
            message.ttft = None

    assert read_own_layout(session_to_toml(session)) is not None
