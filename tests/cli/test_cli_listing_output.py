"""``hcchat sessions list`` prints the same bytes from the files, its index, or an old index.

The listing was made faster (issue 18): a reader for the ``[listing]`` table, a new index
format, and shortcuts in measuring and cutting text. The expected outputs in
``tests/fixtures/listing/`` were printed by hcchat before those changes, for the sessions made
here (wide, combining, joined and selected characters, control codes, no title, costs).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len, set_cell_size
from timezone import local_timezone

from app.cli import main
from app.store import Message, Session, session_to_toml
from app.text import cells, cut, display_safe, local_time, one_line

EXPECTED = Path(__file__).resolve().parents[1] / "fixtures" / "listing"

TITLES = [
    "Plain ASCII title that is long enough to be cut in a narrow terminal",
    "Wide 検索 characters 検索検索検索 and a pumpkin 🎃🎃 in a long title",
    "Combining e\u0301 marks cafe\u0301 and more cafe\u0301 text to cut here",
    "A family 👨\u200d👩\u200d👧 joined and ☺\ufe0f selected, long enough to cut",
    "Escape \x1b[2J codes\tand\nnew lines   and   spaces \u202eevil",
    "",
    "短い",
]


@pytest.fixture
def kolkata_time() -> Iterator[None]:
    """Local time UTC+05:30 (the expected outputs were printed in it)."""
    with local_timezone("IST-5:30"):
        yield


def write_sessions(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    for number, title in enumerate(TITLES):
        session = Session(
            id=f"20261120-0830{number:02d}-{number:04x}",
            title=title,
            created=start,
            updated=start + timedelta(hours=number),
            model="m",
        )
        session.messages.append(Message(role="user", content="hi", created=start))
        for model in ["qwen/qwen3-32b", "openai/gpt-oss-120b", "モデル/検索"][: number % 4]:
            usage = {"cost": 0.125 * number} if number % 2 else None
            session.messages.append(
                Message(role="assistant", content="hello", model=model, created=start, usage=usage)
            )
        (folder / f"{session.id}.toml").write_text(session_to_toml(session), encoding="utf-8")


def listing(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["sessions", "list"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def version_2_index(folder: Path) -> bytes:
    """The index as hcchat wrote it before version 3: one JSON object per file."""
    rows = []
    for path in sorted(folder.glob("*.toml")):
        status = path.stat()
        rows.append(
            {
                "name": path.name,
                "ino": status.st_ino,
                "mtime_ns": status.st_mtime_ns,
                "size": status.st_size,
                "id": path.stem,
                "title": "from the old index",  # never shown: the old format is rebuilt
                "created": "2026-11-20T08:30:00+00:00",
                "updated": "2026-11-20T08:30:00+00:00",
                "models": [],
                "messages": 0,
            }
        )
    return json.dumps({"version": 2, "files": rows}).encode("ascii")


@pytest.mark.parametrize("columns", [60, 100, 140])
def test_cold_warm_and_old_index_listings_print_what_hcchat_printed_before(
    capsys: pytest.CaptureFixture[str],
    kolkata_time: None,
    sessions_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    columns: int,
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    write_sessions(sessions_dir)
    expected = (EXPECTED / f"list-{columns}.txt").read_text(encoding="utf-8")
    index = sessions_dir / ".index.json"

    assert listing(capsys) == expected  # cold: every file's summary
    assert json.loads(index.read_bytes())["version"] == 3
    assert listing(capsys) == expected  # warm: the index alone
    index.write_bytes(version_2_index(sessions_dir))
    assert listing(capsys) == expected  # an old index is rebuilt silently
    assert json.loads(index.read_bytes())["version"] == 3
    index.write_bytes(b'{"version": 3, "files": [["x.toml", 1, 2, 3, "t"], 7, null]')
    assert listing(capsys) == expected  # and so is a broken one
    assert listing(capsys) == expected


def test_files_without_a_summary_list_as_files_with_one(
    capsys: pytest.CaptureFixture[str],
    kolkata_time: None,
    sessions_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "140")
    write_sessions(sessions_dir)
    for path in sessions_dir.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        start = text.index("[listing]\n")
        end = text.index("\n\n", start) + 2
        path.write_text(text[:start] + text[end:], encoding="utf-8")  # as an older hcchat

    assert listing(capsys) == (EXPECTED / "list-140.txt").read_text(encoding="utf-8")


# The shortcuts agree with Rich and with the slow path they skip, for any text.
TEXT = st.text(
    st.sampled_from(
        "ab c~\t\n\x1b\x7f\x85\u00e9\u0301\u200b\u200d\ufe0f\u202e"
        "検索🎃👨👩☺#\u3000\xa0\u0300\u1100"
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=0, max_value=45))
def test_cutting_a_text_is_what_rich_makes_of_it(text: str, width: int) -> None:
    if cell_len(text) <= width:
        return
    rich_cut = "" if width <= 0 else set_cell_size(text, width - 1).rstrip() + "…"
    assert cut(text, width) == rich_cut


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_measuring_a_text_is_what_rich_says(text: str) -> None:
    assert cells(text) == cell_len(text)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=1, max_value=45))
def test_one_line_is_the_display_safe_words_of_a_text(text: str, limit: int) -> None:
    line = " ".join(display_safe(text).split())
    assert one_line(text, limit) == (line if len(line) <= limit else line[: limit - 1] + "…")


@pytest.mark.parametrize("zone", ["IST-5:30", "EST5EDT,M3.2.0,M11.1.0", "UTC0", "NPT-5:45"])
@settings(max_examples=60, deadline=None)
@given(moment=st.datetimes(timezones=st.just(UTC)))
@example(moment=datetime(9999, 12, 31, 23, 59, tzinfo=UTC))  # past 9999 east of Greenwich
@example(moment=datetime(1, 1, 1, tzinfo=UTC))  # before year 1 west of it
@example(moment=datetime(999, 6, 1, 12, tzinfo=UTC))
def test_local_time_is_what_datetime_says(zone: str, moment: datetime) -> None:
    with local_timezone(zone):
        try:
            expected = moment.astimezone().strftime("%Y-%m-%d %H:%M")
        except (OverflowError, ValueError, OSError):
            expected = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") + " UTC"
        assert local_time(moment) == expected
