"""Shared fixtures: an isolated home for every test and the loopback SSE server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import LoopbackServer


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and the XDG folders at a temporary directory; clear hcchat and proxy settings."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for variable, folder in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(variable, str(home / folder))
    for name in list(os.environ):
        if name.upper().startswith("HCCHAT_") or name.upper().endswith("_PROXY"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
    return home


@pytest.fixture(scope="session")
def loopback_server() -> Iterator[LoopbackServer]:
    """One loopback server per test session (per xdist worker)."""
    server = LoopbackServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def loopback(loopback_server: LoopbackServer) -> Iterator[LoopbackServer]:
    """The loopback server with an empty queue, no recorded requests and the default models."""
    loopback_server.reset()
    yield loopback_server
    loopback_server.reset()


@pytest.fixture(scope="session")
def other_loopback_server() -> Iterator[LoopbackServer]:
    """A second loopback server, for a second endpoint (per xdist worker)."""
    server = LoopbackServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def other_loopback(other_loopback_server: LoopbackServer) -> Iterator[LoopbackServer]:
    """The second loopback server, reset like ``loopback``."""
    other_loopback_server.reset()
    yield other_loopback_server
    other_loopback_server.reset()
