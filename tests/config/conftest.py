"""Fixtures for the config tests: the config file of the isolated home."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def config_home(isolated_env: Path) -> Path:
    """The isolated home of tests/conftest.py (HOME and the XDG folders point into it)."""
    return isolated_env


@pytest.fixture
def config_file(config_home: Path) -> Path:
    """Where hcchat looks for its config file in the isolated home (not created)."""
    return config_home / ".config" / "hcchat" / "config.toml"


@pytest.fixture
def write_config(config_file: Path):
    """Write the config file with the given text (or bytes)."""

    def write(content: str | bytes) -> Path:
        config_file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            config_file.write_bytes(content)
        else:
            config_file.write_text(content, encoding="utf-8")
        return config_file

    return write
