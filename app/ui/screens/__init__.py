"""Screens of the hcchat app. Public names are imported on first use (dialogs load when opened)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app._lazy import lazy_exports

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


__getattr__ = lazy_exports(__name__, _WHERE)
