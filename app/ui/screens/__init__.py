"""Screens of the hcchat app. Public names are imported on first use (dialogs load when opened)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.ui.screens._chat import ChatScreen
    from app.ui.screens._dialogs import ConfirmScreen, HelpScreen, TextPromptScreen
    from app.ui.screens._model_picker import ModelPicker
    from app.ui.screens._sessions import SessionBrowser
    from app.ui.screens._settings import SessionSettings, SettingsScreen

_WHERE: dict[str, str] = {
    "ChatScreen": "app.ui.screens._chat",
    "ConfirmScreen": "app.ui.screens._dialogs",
    "HelpScreen": "app.ui.screens._dialogs",
    "ModelPicker": "app.ui.screens._model_picker",
    "SessionBrowser": "app.ui.screens._sessions",
    "SessionSettings": "app.ui.screens._settings",
    "SettingsScreen": "app.ui.screens._settings",
    "TextPromptScreen": "app.ui.screens._dialogs",
}

__all__ = [
    "ChatScreen",
    "ConfirmScreen",
    "HelpScreen",
    "ModelPicker",
    "SessionBrowser",
    "SessionSettings",
    "SettingsScreen",
    "TextPromptScreen",
]


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
