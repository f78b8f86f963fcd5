"""Widgets of the hcchat app: they display and emit messages, and never do I/O.

Public names are imported lazily (as ``textual.widgets`` does): a new chat's first frame needs
the prompt, the status line and the welcome view, not the message views and their Markdown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app._lazy import lazy_exports

if TYPE_CHECKING:
    from app.ui.widgets._compare import CompareColumn, CompareView
    from app.ui.widgets._conversation import Conversation
    from app.ui.widgets._footer import KeyFooter
    from app.ui.widgets._messages import MessageView, SummaryMessage, SystemMessage, UserMessage
    from app.ui.widgets._prompt import PromptArea
    from app.ui.widgets._reply import ReplyView
    from app.ui.widgets._sleep import SleepGap
    from app.ui.widgets._status import StatusLine
    from app.ui.widgets._welcome import RecentSession, WelcomeView

# Each public name and the module that defines it: a module is imported on first use.
_WHERE: dict[str, str] = {
    "CompareColumn": "app.ui.widgets._compare",
    "CompareView": "app.ui.widgets._compare",
    "Conversation": "app.ui.widgets._conversation",
    "KeyFooter": "app.ui.widgets._footer",
    "MessageView": "app.ui.widgets._messages",
    "PromptArea": "app.ui.widgets._prompt",
    "RecentSession": "app.ui.widgets._welcome",
    "ReplyView": "app.ui.widgets._reply",
    "SleepGap": "app.ui.widgets._sleep",
    "StatusLine": "app.ui.widgets._status",
    "SummaryMessage": "app.ui.widgets._messages",
    "SystemMessage": "app.ui.widgets._messages",
    "UserMessage": "app.ui.widgets._messages",
    "WelcomeView": "app.ui.widgets._welcome",
}

__all__ = [
    "CompareColumn",
    "CompareView",
    "Conversation",
    "KeyFooter",
    "MessageView",
    "PromptArea",
    "RecentSession",
    "ReplyView",
    "SleepGap",
    "StatusLine",
    "SummaryMessage",
    "SystemMessage",
    "UserMessage",
    "WelcomeView",
]

__getattr__ = lazy_exports(__name__, _WHERE)
