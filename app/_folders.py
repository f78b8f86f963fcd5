"""Where hcchat keeps its files, in the platform's folders (XDG on Linux).

Apart from ``app.config`` so that ``hcchat sessions list`` finds the sessions without loading
what reading the config file needs (the commands, the endpoints, the parameters).
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path

APP_NAME = "hcchat"


def config_path() -> Path:
    """The config file: ``$XDG_CONFIG_HOME/hcchat/config.toml`` on Linux."""
    return user_config_path(APP_NAME) / "config.toml"


def sessions_dir() -> Path:
    """The folder of session files: ``$XDG_DATA_HOME/hcchat/sessions`` on Linux."""
    return user_data_path(APP_NAME) / "sessions"


def cache_dir() -> Path:
    """The cache folder: ``$XDG_CACHE_HOME/hcchat`` on Linux."""
    return user_cache_path(APP_NAME)
