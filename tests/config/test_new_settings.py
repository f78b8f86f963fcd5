"""The settings issue 13 adds: reasoning_effort (a word-valued parameter) and daily_budget."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings
from app.params import parse_param


@pytest.mark.parametrize("word", ["none", "low", "medium", "HIGH "])
def test_the_efforts_are_accepted(word: str) -> None:
    assert parse_param("reasoning_effort", word) == word.strip().lower()


@pytest.mark.parametrize("value", ["max", "", 1, 0.5])
def test_other_values_are_refused(value: str | float) -> None:
    with pytest.raises(ValueError, match="reasoning_effort must be one of none, low, medium, high"):
        parse_param("reasoning_effort", value)


def test_the_config_key_is_read(write_config) -> None:
    write_config('reasoning_effort = "low"\ntemperature = 0.2\n')
    assert dict(load_settings(env={}).params) == {"reasoning_effort": "low", "temperature": 0.2}


@pytest.mark.parametrize("line", ['reasoning_effort = "max"', "reasoning_effort = 1"])
def test_a_bad_config_value_names_the_key(write_config, line: str) -> None:
    write_config(line + "\n")
    with pytest.raises(ConfigError, match="reasoning_effort"):
        load_settings(env={})


def test_daily_budget_is_read(write_config) -> None:
    write_config("daily_budget = 2\n")
    assert load_settings(env={}).daily_budget == 2.0


@pytest.mark.parametrize("line", ["daily_budget = 0", 'daily_budget = "1"', "daily_budget = -1"])
def test_a_bad_daily_budget_names_the_key(write_config, line: str) -> None:
    write_config(line + "\n")
    with pytest.raises(ConfigError, match="daily_budget must be a number of USD above 0"):
        load_settings(env={})
