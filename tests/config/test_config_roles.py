"""The config's ``[roles.NAME]`` tables."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings


def test_roles_are_read_with_their_prompt_model_and_parameters(write_config) -> None:
    write_config(
        '[roles.pirate]\nsystem_prompt = "Arr."\nmodel = "m/x"\ntemperature = 1\n'
        '[roles.short]\nsystem_prompt = "Be brief."\n'
    )

    roles = load_settings(demo=True).roles

    assert sorted(roles) == ["pirate", "short"]
    assert roles["pirate"].system_prompt == "Arr."
    assert roles["pirate"].model == "m/x"
    assert dict(roles["pirate"].params) == {"temperature": 1.0}
    assert roles["short"].model is None
    assert dict(roles["short"].params) == {}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('colour = "red"', "'colour' is not a role setting"),
        ("temperature = 5", "temperature must be a number from 0 to 2"),
        ("system_prompt = 3", "roles.pirate.system_prompt must be a string"),
    ],
)
def test_a_bad_role_setting_is_an_error_naming_its_line(write_config, body, said) -> None:
    write_config(f"[roles.pirate]\n{body}\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(demo=True)

    assert said in str(caught.value)
    assert "line 2" in str(caught.value)


def test_a_role_must_be_a_table(write_config) -> None:
    write_config('roles = { pirate = "Arr." }\n')

    with pytest.raises(ConfigError, match=r"roles\.pirate must be a table"):
        load_settings(demo=True)
