"""``/compact``: the request that asks a model to summarise earlier turns, and its result.

The summary becomes a system message marked ``summary``; from then on it is sent instead of
every turn before it (``Session.sent_messages``), and those turns stay in the file.
"""

from __future__ import annotations

from dataclasses import replace

from app.store._model import Message, Session, utc_now
from app.usage import context_tokens

INSTRUCTION = (
    "Summarise the conversation so far for your own later use: it will replace these turns. "
    "Keep every fact, decision, name, number, file, piece of code and open question that a "
    "continuation may need; leave out pleasantries. Write the summary only, no preamble."
)
# The share of a model's context a compaction request may use: the rest is for the summary.
REQUEST_SHARE = 0.75


class NothingToCompact(ValueError):
    """The session has no turn to summarise (since its last summary); the message says so."""


def compaction_end(session: Session, context: int | None) -> int:
    """How many of ``session.messages`` a summary written now replaces: every one, or, when
    they do not fit ``context`` (with room for the summary), the most whole turns that do."""
    start = session.summary_index
    first = 0 if start is None else start + 1
    ends = [
        i
        for i in range(first + 1, len(session.messages) + 1)
        if i == len(session.messages) or session.messages[i].role == "user"
    ]
    ends = [end for end in ends if any(m.role == "user" for m in session.messages[first:end])]
    if not ends:
        raise NothingToCompact("There is nothing to compact yet: no turn since the last summary.")
    if not context:
        return ends[-1]
    for end in reversed(ends):
        if context_tokens(_upto(session, end), INSTRUCTION) <= context * REQUEST_SHARE:
            return end
    raise NothingToCompact(
        "Even the first turn to compact does not fit this model's context: pick a model with "
        "a longer context to write the summary, then switch back."
    )


def compaction_request(session: Session, end: int) -> list[dict[str, object]]:
    """The messages that ask for a summary of ``session.messages[:end]`` (as they are sent,
    text only: a summary of an image is not asked for)."""
    return [*_upto(session, end).api_messages(), {"role": "user", "content": INSTRUCTION}]


def add_summary(
    session: Session,
    end: int,
    text: str,
    *,
    model: str,
    endpoint: str | None,
    usage: dict[str, int | float] | None = None,
) -> Message:
    """Put the summary of ``session.messages[:end]`` after them; it is returned."""
    summary = Message(
        role="system",
        content=text,
        created=utc_now(),
        model=model,
        endpoint=endpoint,
        usage=usage,
        summary=True,
    )
    session.messages.insert(end, summary)
    return summary


def _upto(session: Session, end: int) -> Session:
    return replace(session, messages=session.messages[:end])
