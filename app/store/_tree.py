"""A conversation as a tree: edit, regenerate, switch, fork and delete, as plain functions.

``Session.messages`` is always the active path, exactly as sent to the API. Every other branch
hangs under the message where it split off: each of that message's ``alternatives`` is another
version of it, and its ``branch`` is the conversation that followed that version (which can
split again, recursively). Switching to another version swaps the two continuations, so
nothing is ever copied or lost. ``version`` records the order of the versions, which creation
times (to the second) cannot always tell apart.

The chat screen, pipe mode and the command line share these functions.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from app.store._model import ForkOrigin, Message, Session, new_session_id, utc_now

# A path into the tree from the active path: at each step, show version ``position`` (from 0)
# of the message at ``index``; what follows is then that version's branch.
Steps = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a message is: the switches that bring its branch up, then its index there."""

    steps: Steps
    index: int
    message: Message

    @property
    def active(self) -> bool:
        """Whether the message is on the active path (no switch needed)."""
        return not self.steps


def versions(message: Message) -> list[Message]:
    """Every version of ``message``, itself included, in their order."""
    others = message.alternatives
    if not others:
        return [message]
    position = message.version
    if position is None or not 1 <= position <= len(others) + 1:
        # a file from before versions were numbered: place the message by when it was written
        mine = _timestamp(message)
        position = 1 + sum(1 for other in others if _timestamp(other) <= mine)
    return [*others[: position - 1], message, *others[position - 1 :]]


def version_label(message: Message) -> str:
    """``2/3`` for the second of three versions; empty when there is only one."""
    if not message.alternatives:
        return ""
    shown = versions(message)
    return f"{_position(shown, message) + 1}/{len(shown)}"


def switch_branch(session: Session, index: int, step: int) -> Message:
    """Show the previous (-1) or next (1) version of message ``index`` and its whole branch."""
    shown = versions(session.messages[index])
    position = (_position(shown, session.messages[index]) + step) % len(shown)
    return switch_to(session, index, position)


def switch_to(session: Session, index: int, position: int) -> Message:
    """Make version ``position`` (from 0) of message ``index`` active, with its branch."""
    messages = session.messages
    current = messages[index]
    shown = versions(current)
    chosen = shown[position]
    if chosen is current:
        return current
    current.branch = messages[index + 1 :]
    del messages[index:]
    messages.append(chosen)
    messages.extend(chosen.branch)
    chosen.branch = []
    _arrange(chosen, shown)
    return chosen


def edit_at(session: Session, index: int, text: str) -> Message:
    """Replace user message ``index`` with ``text`` as a new version; what followed is kept.

    The old version keeps its continuation as its branch; the active path now ends with the
    new message, ready for a reply.
    """
    old = session.messages[index]
    if old.role != "user":
        raise ValueError("only your own messages can be edited")
    new = Message("user", text, created=utc_now())
    _new_version(session, index, new)
    return new


def regenerate_at(session: Session, index: int) -> list[Message]:
    """Take reply ``index`` (and what followed) off the active path, to ask again there.

    Returns the versions the new reply keeps (pass them as its ``alternatives``; the new reply
    is the last version). A reply that failed before any text arrived, with nothing after
    it, is dropped rather than kept as a version.
    """
    messages = session.messages
    old = messages[index]
    if old.role != "assistant":
        raise ValueError("only replies can be regenerated")
    old.branch = messages[index + 1 :]
    del messages[index:]
    shown = versions(old)
    if old.failed_empty and not old.branch:
        shown.pop(_position(shown, old))
    for version in shown:
        version.alternatives, version.version = [], None
    return shown


def put_back(session: Session, reply: Message, earlier: list[Message]) -> None:
    """Undo ``regenerate_at`` when no new reply was asked for: ``reply`` is active again."""
    if any(version is reply for version in earlier):
        session.messages.append(reply)
        session.messages.extend(reply.branch)
        reply.branch = []
        _arrange(reply, earlier)


def adopt_versions(reply: Message, earlier: list[Message]) -> None:
    """Make ``reply`` the newest version, after ``earlier`` (from ``regenerate_at``)."""
    reply.alternatives = list(earlier)
    reply.version = len(earlier) + 1 if earlier else None


def adopt_compare(replies: list[Message], earlier: list[Message]) -> Message:
    """Make ``replies`` (one per model compared, in order) versions after ``earlier``.

    The first reply is the active one, so a session left without a pick keeps it; every
    reply is in the tree from the start, so a save while they stream writes each of them.
    """
    first = replies[0]
    _arrange(first, [*earlier, *replies])
    return first


def pick_version(session: Session, index: int, chosen: Message) -> Message:
    """Make ``chosen``, one of the versions of message ``index``, the active one."""
    shown = versions(session.messages[index])
    return switch_to(session, index, _position(shown, chosen))


def turn_at(session: Session, index: int) -> tuple[int, int] | None:
    """The turn message ``index`` belongs to, as ``(start, end)``: a prompt and its reply."""
    messages = session.messages
    role = messages[index].role
    if role == "system":
        return None
    start = index
    if role == "assistant" and index > 0 and messages[index - 1].role == "user":
        start = index - 1
    end = start + 1
    if messages[start].role == "user" and end < len(messages) and messages[end].role != "user":
        end += 1
    return start, end


def delete_turn(session: Session, index: int, *, keep: bool = True) -> bool:
    """Remove the turn of message ``index`` from the active path; False if it cannot be.

    With ``keep`` the turn stays as a version (Left/Right bring it back): a version of the
    message before it whose branch still holds the turn, or, for the first turn, a version of
    the message after it. The only turn of a session cannot be deleted (delete the
    session instead); without ``keep`` the turn is gone for good.
    """
    turn = turn_at(session, index)
    if turn is None:
        return False
    start, end = turn
    messages = session.messages
    if not keep:
        del messages[start:end]
        return True
    rest = messages[end:]
    # not under the system prompt: /system alone removes it, and its versions with it
    if start > 0 and messages[start - 1].role != "system":
        holder = messages[start - 1]
        kept = copy.deepcopy(replace(holder, alternatives=[], branch=[], version=None))
        kept.branch = [*messages[start:end], *copy.deepcopy(rest)]
        shown = versions(holder)
        shown.insert(_position(shown, holder) + 1, kept)
        _arrange(holder, shown)
        del messages[start:end]
        return True
    if not rest:
        return False
    first, following = messages[start], rest[0]
    first.branch = [*messages[start + 1 : end], *copy.deepcopy(rest)]
    shown = versions(following)
    shown.extend(versions(first))
    _arrange(following, shown)
    del messages[start:end]
    return True


def fork_at(session: Session, count: int | None = None) -> Session:
    """A new session holding a copy of the first ``count`` messages of the active path.

    Only the active path is copied (the branches stay in the original); the new session
    records where it came from.
    """
    total = len(session.messages)
    count = total if count is None else count
    if not 1 <= count <= total:
        raise ValueError(f"there is no message {count}: the session has {total}")
    now = utc_now()
    messages = [
        copy.deepcopy(replace(message, alternatives=[], branch=[], version=None))
        for message in session.messages[:count]
    ]
    return Session(
        id=new_session_id(now),
        title=session.title,
        created=now,
        updated=now,
        model=session.model,
        params=dict(session.params),
        messages=messages,
        forked_from=ForkOrigin(session.id, count),
        endpoint=session.endpoint,
    )


def walk(session: Session) -> Iterator[Location]:
    """Every message of the tree, the active path's first, each with where it is."""
    yield from _walk(session.messages, 0, ())


def find(session: Session, matches: Callable[[Message], bool]) -> Iterator[Location]:
    """The messages, in every branch, for which ``matches`` is true."""
    return (location for location in walk(session) if matches(location.message))


def open_branch(session: Session, steps: Steps) -> None:
    """Apply a ``Location``'s steps: its branch becomes the active path."""
    for index, position in steps:
        switch_to(session, index, position)


def _walk(messages: list[Message], offset: int, steps: Steps) -> Iterator[Location]:
    for number, message in enumerate(messages):
        yield Location(steps, offset + number, message)
    for number, message in enumerate(messages):
        index = offset + number
        for position, version in enumerate(versions(message)):
            if version is message:
                continue
            inner = (*steps, (index, position))
            yield Location(inner, index, version)
            yield from _walk(version.branch, index + 1, inner)


def _new_version(session: Session, index: int, new: Message) -> None:
    messages = session.messages
    old = messages[index]
    old.branch = messages[index + 1 :]
    del messages[index:]
    shown = versions(old)
    shown.append(new)
    _arrange(new, shown)
    messages.append(new)


def _arrange(chosen: Message, shown: list[Message]) -> None:
    """Make ``chosen`` the version that holds the others, keeping their order."""
    for version in shown:
        version.alternatives, version.version = [], None
    chosen.alternatives = [version for version in shown if version is not chosen]
    if chosen.alternatives:
        chosen.version = _position(shown, chosen) + 1


def _position(shown: list[Message], message: Message) -> int:
    return next(number for number, version in enumerate(shown) if version is message)


def _timestamp(message: Message) -> float:
    return message.created.timestamp() if message.created else 0.0
