"""Plain arithmetic on what requests use: money in USD and tokens of a model's context."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.text import one_line

if TYPE_CHECKING:
    from app.store import Session, SessionSummary

# With no tokenizer, text is taken to cost one token per this many characters.
CHARS_PER_TOKEN = 4


def format_cost(usd: float) -> str:
    """An amount of USD to show: ``$1.23``, ``$0.0123``, ``$0.000055``."""
    if usd == 0:
        return "$0"
    if usd >= 1:
        return f"${usd:,.2f}"
    if usd >= 0.01:
        return f"${usd:.4f}"
    return f"${usd:.6f}"


def format_tokens(count: int) -> str:
    """A token count in short: ``950``, ``41k``, ``1M``."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.3g}M"
    if count >= 1000:
        return f"{count / 1000:.3g}k"
    return str(count)


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` takes (no tokenizer: a quarter of its length)."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def context_tokens(session: Session, extra: str = "") -> int:
    """About how many tokens the next request takes: the last reply's reported prompt and
    completion, plus a quarter of the length of what came after it (and of ``extra``, a prompt
    about to be added). With no reply that reported usage, every message is estimated.
    After a ``/compact``, only what is sent counts: the summary, not the turns it replaces."""
    messages = session.sent_messages()
    known, start = 0, 0
    for index in range(len(messages) - 1, -1, -1):
        usage = messages[index].usage or {}
        if messages[index].role == "assistant" and "prompt_tokens" in usage:
            known = int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))
            start = index + 1
            break
    added = sum(estimate_tokens(m.content) for m in messages[start:])
    return known + added + (estimate_tokens(extra) if extra else 0)


def context_meter(used: int, context: int) -> str:
    """The status line's meter: ``ctx 12% of 41k``."""
    return f"ctx {used * 100 // context}% of {format_tokens(context)}"


def overflow_message(
    session: Session, context: int | None, extra: str = "", *, compact: str | None = "/compact"
) -> str | None:
    """Why the next request cannot fit ``context`` tokens, or None when it can (or unknown).

    ``compact``: how to run ``/compact`` where the message is shown (None: not offered).
    """
    if not context:
        return None
    used = context_tokens(session, extra)
    if used <= context:
        return None
    return (
        f"This request needs about {used:,} tokens, {used - context:,} more than the "
        f"{format_tokens(context)}-token context of {one_line(session.model, 80)}; it was not "
        f"sent. {_ways_out(compact)}"
    )


def _ways_out(compact: str | None) -> str:
    """What to do about a request too long for the context: ``Summarise …, or pick …``."""
    ways = ["start a new session (/new)", "/fork at an earlier message"]
    if compact:
        ways.insert(0, f"summarise the earlier turns with {compact}")
    text = f"{', '.join(ways)}, or pick a model with a longer context."
    return text[0].upper() + text[1:]


# Shares of the daily budget at which the user is warned, with what the status line says.
BUDGET_WARNINGS = ((1.0, "over budget"), (0.8, "nearing budget"))


def utc_day(moment: datetime | None = None) -> str:
    """The UTC day of ``moment`` (now by default) as ``YYYY-MM-DD``."""
    return (moment or datetime.now(UTC)).astimezone(UTC).date().isoformat()


class DailySpend:
    """Today's spend (a UTC day) over every session: each session's cost for the day, read
    once from the store's listing and updated for a session whenever it changes."""

    def __init__(self, day: str, by_session: dict[str, float]) -> None:
        self.day = day
        self.by_session = by_session

    @classmethod
    def of(cls, summaries: Iterable[SessionSummary], day: str | None = None) -> DailySpend:
        """The spend of ``day`` (today) from the sessions' summaries."""
        day = day or utc_day()
        spent = {s.id: s.cost_by_day[day] for s in summaries if day in s.cost_by_day}
        return cls(day, spent)

    def update(self, session: Session) -> None:
        """Take ``session``'s cost for the day as it is now."""
        self.by_session[session.id] = session.cost_by_day().get(self.day, 0.0)

    @property
    def total(self) -> float:
        """USD spent on the day."""
        return sum(self.by_session.values())


def budget_state(spent: float, budget: float) -> tuple[str, str | None]:
    """The status line's ``today $0.82 of $1.00`` and the warning it has reached, if any."""
    text = f"today {format_cost(spent)} of {format_cost(budget)}"
    warning = next((label for share, label in BUDGET_WARNINGS if spent >= share * budget), None)
    return (f"⚠ {text} ({warning})" if warning else text), warning
