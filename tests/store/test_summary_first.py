"""A session file starts with its summary, so a listing reads its first lines only; files written
before the summary existed (or edited since) are read whole, and every file lists the same."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from test_fast_reader import branched_sessions, sessions

from app.store import (
    Message,
    Session,
    SessionStore,
    SessionSummary,
    session_from_toml,
    session_to_toml,
)
from app.store._codec import summary_from_head
from app.store._index import HEAD_BYTES, in_order, summarize


def without_summary(text: str) -> str:
    """The file as hcchat wrote it before the summary (the table and its blank line gone)."""
    return re.sub(r"\n\[listing\]\n(?:[a-z_]+ = [^\n]*\n)+", "", text, count=1)


def listed(folder: Path) -> list[SessionSummary]:
    (folder / ".index.json").unlink(missing_ok=True)
    entries = SessionStore(folder).list()
    assert all(isinstance(entry, SessionSummary) for entry in entries), entries
    return entries  # type: ignore[return-value]


def a_session(number: int, title: str = "a chat") -> Session:
    created = datetime(2026, 11, 20 + number % 5, 10, number, tzinfo=UTC)
    session = Session(id=f"20261120-1000{number:02d}-aaaa", title=title, model="m", created=created)
    session.updated = created
    session.messages = [
        Message(role="system", content="be brief"),
        Message(role="user", content="question", created=created),
        Message(
            role="assistant",
            content="answer",
            model=f"model-{number % 2}",
            created=created,
            usage={"prompt_tokens": 3, "cost": 0.25 * number},
            alternatives=[
                Message(role="assistant", content="other", model="x", usage={"cost": 1e-07})
            ],
            version=1,
        ),
    ]
    return session


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(sessions() | branched_sessions())
def test_the_summary_says_what_reading_the_whole_file_says(session: Session) -> None:
    session.params = {}  # hcchat checks parameters when they are set, and writes only those
    text = session_to_toml(session)
    data = text.encode("utf-8")
    path = Path(f"{session.id}.toml")
    from_head = summary_from_head(data[:HEAD_BYTES], len(data), path.parent, path.name)
    from_file = summarize(session_from_toml(text, source=path.name), path)
    if from_head is not None:
        assert from_head == from_file
    if len(data) <= HEAD_BYTES and text.isascii():
        # short plain files always list from their summary (odd floats fall back, rightly)
        assert from_head is not None or "nan" in text or "inf" in text


def test_old_and_new_files_list_the_same(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    for number in range(12):
        session = a_session(number, title="x" * (number * 500))  # some summaries past 4 KB
        text = session_to_toml(session)
        assert without_summary(text) != text
        (new / f"{session.id}.toml").write_text(text, encoding="utf-8")
        (old / f"{session.id}.toml").write_text(without_summary(text), encoding="utf-8")
    old_list, new_list = listed(old), listed(new)
    assert [(s.id, s.title) for s in old_list] == [(s.id, s.title) for s in new_list]
    for before, after in zip(old_list, new_list, strict=True):
        assert before == after.__class__(**{**_fields(after), "folder": before.folder})
    tenth = next(summary for summary in new_list if summary.id == a_session(10).id)
    assert tenth.cost == 0.25 * 10 + 1e-07 and tenth.message_count == 2
    assert tenth.models == ("model-0",)
    assert tenth.cost_by_day == {"2026-11-20": 0.25 * 10}  # the other version has no date


def _fields(summary: SessionSummary) -> dict[str, object]:
    return {name: getattr(summary, name) for name in SessionSummary.__slots__}


def test_a_file_edited_by_hand_is_read_whole(tmp_path: Path) -> None:
    session = a_session(1)
    path = tmp_path / f"{session.id}.toml"
    text = session_to_toml(session)
    # someone adds a turn with an editor: the summary no longer says how long the file is
    edited = text + '\n[[messages]]\nrole = "user"\ncontent = "added by hand"\n'
    path.write_text(edited, encoding="utf-8")
    [summary] = listed(tmp_path)
    assert summary.message_count == 3
    # and retitled it, keeping the length: the title is the file's either way
    path.write_text(text.replace('title = "a chat"', 'title = "b chat"'), encoding="utf-8")
    [summary] = listed(tmp_path)
    assert summary.title == "b chat"


def test_a_file_broken_after_its_summary_is_still_reported_when_its_length_changed(
    tmp_path: Path,
) -> None:
    session = a_session(2)
    path = tmp_path / f"{session.id}.toml"
    path.write_text(session_to_toml(session)[:-30], encoding="utf-8")  # cut short
    (tmp_path / ".index.json").unlink(missing_ok=True)
    [entry] = SessionStore(tmp_path).list()
    assert not isinstance(entry, SessionSummary)
    assert "not valid TOML" in entry.reason


def test_what_the_store_saves_lists_from_the_summary_alone(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    sessions_saved = [a_session(number) for number in range(3)]
    for session in sessions_saved:
        store.save(session)
    expected = in_order([summarize(s, tmp_path / f"{s.id}.toml") for s in sessions_saved])
    assert listed(tmp_path) == expected
    for session in sessions_saved:
        data = (tmp_path / f"{session.id}.toml").read_bytes()
        assert summary_from_head(data[:HEAD_BYTES], len(data), tmp_path, "x.toml") is not None
