"""Helpers shared by the command-line tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.config import Settings

SECRET = "sk-hc-v1-clitestsecret0123456789"


def at(text: str) -> datetime:
    """A UTC datetime from ``YYYY-MM-DD HH:MM:SS``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def one_error_line(err: str) -> str:
    """The single ``hcchat: ...`` line a failure prints; fails on anything more."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hcchat: "), err
    assert "Traceback" not in err
    return lines[0]


@dataclass
class FakeTUI:
    """Records how ``run_app`` was called instead of starting Textual."""

    code: int = 0
    calls: list[tuple[Settings, str | None, bool]] = field(default_factory=list)
    models: list[str | None] = field(default_factory=list)  # the --model of each call
    endpoints: list[str | None] = field(default_factory=list)  # the --endpoint of each call

    def __call__(
        self,
        settings: Settings,
        *,
        session_id: str | None = None,
        resume_latest: bool = False,
        role: object = None,
        model: str | None = None,
        endpoint: str | None = None,
    ) -> int:
        self.calls.append((settings, session_id, resume_latest))
        self.models.append(model)
        self.endpoints.append(endpoint)
        return self.code
