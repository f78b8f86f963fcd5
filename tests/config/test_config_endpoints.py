"""The config's ``[endpoints.NAME]`` tables."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings
from app.endpoints import UnknownEndpoint

KEY_B = "sk-or-v1-endpointbsecret0123456789"


def test_endpoints_are_read_with_their_url_key_and_models(write_config) -> None:
    write_config(
        'base_url = "http://main.example/v1"\n'
        "[endpoints.local]\n"
        'base_url = "http://localhost:8080/v1/"\n'
        'models = ["llama3.2:3b", "qwen/q:free", "llama3.2:3b"]\n'
        "[endpoints.router]\n"
        'base_url = "https://openrouter.ai/api/v1"\n'
        f'api_key = "{KEY_B}"\n'
    )

    settings = load_settings()

    assert sorted(settings.endpoints) == ["local", "router"]
    local, router = settings.endpoints["local"], settings.endpoints["router"]
    assert (local.base_url, local.api_key, local.models) == (
        "http://localhost:8080/v1",
        None,
        ("llama3.2:3b", "qwen/q:free"),
    )
    assert router.api_key == KEY_B
    assert KEY_B not in repr(settings)
    assert settings.endpoint_named("default").base_url == "http://main.example/v1"
    assert settings.endpoint == "default"
    with pytest.raises(UnknownEndpoint, match="Known endpoints: default, local, router"):
        settings.endpoint_named("nope")


def test_an_api_key_command_gives_the_first_line_of_its_output(write_config) -> None:
    write_config(
        f'[endpoints.b]\nbase_url = "http://b.example/v1"\n'
        f"api_key_command = \"printf '  {KEY_B}  \\\\nuser: me\\\\n'\"\n"
    )

    assert load_settings().endpoints["b"].api_key == KEY_B


def test_a_failing_key_command_names_its_endpoint_and_hides_what_it_printed(write_config) -> None:
    write_config(
        '[endpoints.b]\nbase_url = "http://b.example/v1"\n'
        f'api_key_command = "echo {KEY_B}; echo {KEY_B} >&2; exit 3"\n'
    )

    with pytest.raises(ConfigError) as caught:
        load_settings()

    message = str(caught.value)
    assert "endpoints.b.api_key_command failed (exit status 3)" in message
    assert KEY_B not in message


def test_demo_mode_runs_no_key_command(write_config, tmp_path) -> None:
    marker = tmp_path / "ran"
    write_config(
        f'[endpoints.b]\nbase_url = "http://b.example/v1"\napi_key_command = "touch {marker}"\n'
    )

    assert load_settings(demo=True).endpoints["b"].api_key is None
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[endpoints."my box"]\nbase_url = "http://a/v1"\n', "is not a name of letters"),
        ('[endpoints.default]\nbase_url = "http://a/v1"\n', "is the endpoint of base_url"),
        ("[endpoints.a]\nmodels = []\n", "endpoints.a needs a base_url"),
        ('[endpoints.a]\nbase_url = "ftp://a/v1"\n', "must be an http:// or https:// URL"),
        ('[endpoints.a]\nbase_url = "http://a/v1"\nmodels = "x"\n', "a list of model ids"),
        ('[endpoints.a]\nbase_url = "http://a/v1"\nkey = "x"\n', "'key' is not an endpoint"),
        (
            '[endpoints.a]\nbase_url = "http://a/v1"\napi_key = "sk-aaaaaaaa"\n'
            'api_key_command = "echo x"\n',
            "has both api_key and api_key_command",
        ),
        (
            '[endpoints.a]\nbase_url = "http://a/v1"\napi_key = "sk-a\u200bb"\n',
            "endpoints.a.api_key has an invisible character (U+200B",
        ),
    ],
)
def test_a_bad_endpoint_table_is_one_line_naming_the_file(write_config, text, said) -> None:
    path = write_config(text)

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert said in str(caught.value)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)
