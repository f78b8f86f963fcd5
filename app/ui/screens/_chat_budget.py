"""The chat screen's daily-budget line: today's spend over every session, warned once a day."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.usage import budget_state, utc_day

if TYPE_CHECKING:
    from app.ui.screens._chat import ChatScreen


def budget_stats(screen: ChatScreen, budget: float) -> list[str]:
    """Today's spend against ``budget``, warning once as it nears (80 %) and passes it."""
    app = screen.hcchat
    spend = app.spend
    if spend is None:
        return []
    if spend.day != utc_day():
        app.load_spend()  # a new UTC day: read the sessions again
    spend.update(screen.session)
    text, warning = budget_state(spend.total, budget)
    if warning is not None and warning not in app.budget_warned:
        app.budget_warned.add(warning)
        screen.notify(
            f"Today's spend is {text.removeprefix('⚠ ')}.",
            severity="error" if warning == "over budget" else "warning",
            markup=False,
        )
    return [text]
