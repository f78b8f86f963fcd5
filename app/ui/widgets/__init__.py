"""Widgets of the hcchat app."""

from app.ui.widgets._messages import MessageView, ReplyView, SystemMessage, UserMessage
from app.ui.widgets._prompt import PromptArea

__all__ = ["MessageView", "PromptArea", "ReplyView", "SystemMessage", "UserMessage"]
