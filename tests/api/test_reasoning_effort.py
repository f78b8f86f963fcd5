"""``reasoning_effort`` goes out as OpenRouter's ``"reasoning": {"effort": ...}``."""

from __future__ import annotations

import pytest
from loopback import reply

from .conftest import HELLO, collect


@pytest.mark.parametrize("effort", ["none", "low", "medium", "high"])
async def test_reasoning_effort_is_sent_as_openrouters_reasoning_object(loopback, client, effort):
    await collect(client, params={"temperature": 0.5, "reasoning_effort": effort})
    body = loopback.requests[0].json
    assert body["reasoning"] == {"effort": effort}
    assert "reasoning_effort" not in body
    assert body["temperature"] == 0.5


async def test_no_reasoning_object_unless_asked(loopback, client):
    await collect(client, params={"temperature": 0.5})
    assert "reasoning" not in loopback.requests[0].json


async def test_complete_sends_the_reasoning_object_too(loopback, client):
    loopback.enqueue(reply("whole"))
    await client.complete("m/x", HELLO, {"reasoning_effort": "low"})
    body = loopback.requests[0].json
    assert body["reasoning"] == {"effort": "low"} and "reasoning_effort" not in body
