"""``--model`` with ``--continue`` or ``--session``: the reopened session uses the flag's model."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

import app.ui._app
from app.cli import main
from app.store import Session


class _FakeApp:
    """Stands in for ``HCChatApp``: records the session it was given, never starts Textual."""

    opened: ClassVar[list[Session | None]] = []

    def __init__(self, settings: Any, *, session: Session | None = None, **_: Any) -> None:
        self.opened.append(session)

    def run(self) -> int:
        return 0


@pytest.fixture
def fake_app(monkeypatch: pytest.MonkeyPatch) -> type[_FakeApp]:
    monkeypatch.setattr(_FakeApp, "opened", [])
    monkeypatch.setattr(app.ui._app, "HCChatApp", _FakeApp)
    return _FakeApp


@pytest.mark.parametrize("which", [["--continue"], ["--session", "20261124-193005-3f9a"]])
def test_model_flag_switches_the_reopened_session(
    fake_app: type[_FakeApp], joke_session: Session, which: list[str]
) -> None:
    assert main([*which, "--model", "other/model"]) == 0

    [session] = fake_app.opened
    assert session is not None and session.id == joke_session.id
    assert session.model == "other/model"
    assert [m.model for m in session.messages if m.role == "assistant"] == [
        "qwen/qwen3-32b",
        "openai/gpt-oss-120b",
    ]  # who wrote each reply is kept


def test_without_the_flag_the_reopened_session_keeps_its_model(
    fake_app: type[_FakeApp], joke_session: Session
) -> None:
    assert main(["--continue"]) == 0

    [session] = fake_app.opened
    assert session is not None and session.model == "qwen/qwen3-32b"
