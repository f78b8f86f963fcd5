"""Widgets of the hcchat app: they display and emit messages, and never do I/O."""

from app.ui.widgets._compare import CompareColumn, CompareView
from app.ui.widgets._conversation import Conversation
from app.ui.widgets._messages import MessageView, SummaryMessage, SystemMessage, UserMessage
from app.ui.widgets._prompt import PromptArea
from app.ui.widgets._reply import ReplyView
from app.ui.widgets._sleep import SleepGap
from app.ui.widgets._status import StatusLine
from app.ui.widgets._welcome import RecentSession, WelcomeView

__all__ = [
    "CompareColumn",
    "CompareView",
    "Conversation",
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
