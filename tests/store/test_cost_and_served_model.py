"""Costs and the served model in the session file, the index and the reply builder."""

from __future__ import annotations

from datetime import UTC, datetime

from app.store import Message, ReplyBuilder, Session, SessionStore
from app.store._codec import session_from_toml, session_to_toml
from app.store._fast_reader import read_own_layout

WHEN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def costly_session() -> Session:
    session = Session.new("qwen/qwen3-32b")
    session.messages.append(Message("user", "Tell me a joke.", created=WHEN))
    reply = Message(
        "assistant",
        "Why did the scarecrow win an award?",
        created=WHEN,
        model="qwen/qwen3-32b",
        usage={"prompt_tokens": 20, "completion_tokens": 15, "total_tokens": 35, "cost": 5.5e-05},
        served_model="qwen/qwen3-32b-fp8",
        endpoint="local",
        cost_details={"upstream_inference_cost": 5e-05},
    )
    reply.alternatives.append(
        Message(
            "assistant",
            "Older.",
            created=datetime(2026, 11, 30, 9, tzinfo=UTC),
            model="qwen/qwen3-32b",
            usage={"total_tokens": 3, "cost": 1e-05},
        )
    )
    session.messages.append(reply)
    return session


def test_cost_served_model_and_endpoint_survive_a_round_trip():
    session = costly_session()
    text = session_to_toml(session)
    assert (
        "usage = { prompt_tokens = 20, completion_tokens = 15, total_tokens = 35, cost = 5.5e-05 }"
        in text
    )
    assert 'served_model = "qwen/qwen3-32b-fp8"' in text
    assert 'endpoint = "local"' in text
    fast = read_own_layout(text)
    assert fast is not None  # the fast reader knows a float in an inline table
    again = session_from_toml(text, source="x")
    assert again.messages[-1] == session.messages[-1]
    assert again.messages[-1].cost == 5.5e-05
    assert again.total_cost == 5.5e-05 + 1e-05


def test_a_whole_dollar_cost_reads_as_a_float():
    text = session_to_toml(costly_session()).replace("cost = 5.5e-05", "cost = 2")
    assert session_from_toml(text, source="x").messages[-1].usage["cost"] == 2.0  # type: ignore[index]


def test_the_index_keeps_the_cost_and_the_cost_by_day(store: SessionStore):
    session = costly_session()
    store.save(session)
    for _ in range(2):  # built, then read back from .index.json
        [summary] = store.list()
        assert summary.cost == 5.5e-05 + 1e-05  # type: ignore[union-attr]
        assert summary.cost_by_day == {"2026-12-01": 5.5e-05, "2026-11-30": 1e-05}  # type: ignore[union-attr]


def test_the_builder_keeps_the_served_model_only_when_it_differs():
    builder = ReplyBuilder(Message("assistant", "", model="a/b"))
    builder.served_model("a/b")
    assert builder.message.served_model is None
    builder.served_model("a/b-fp8")
    assert builder.message.served_model == "a/b-fp8"


def test_the_builder_keeps_cost_and_its_details():
    builder = ReplyBuilder(Message("assistant", "", model="a/b"))
    builder.usage({"total_tokens": 3, "cost": 0.5}, {"upstream_inference_cost": 0.4})
    assert builder.message.cost == 0.5
    assert builder.message.cost_details == {"upstream_inference_cost": 0.4}
