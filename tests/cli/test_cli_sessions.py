"""``hcchat sessions list|show|export|import``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import one_error_line
from timezone import local_timezone

from app.cli import main
from app.store import Message, Session, SessionStore, session_to_toml


@pytest.fixture
def kolkata_time() -> Iterator[None]:
    """Run with local time UTC+05:30, so local and UTC times differ visibly."""
    with local_timezone("IST-5:30"):
        yield


def write_future_and_corrupt_files(folder: Path, good: Session) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    newer = session_to_toml(good).replace("schema = 1", "schema = 2", 1)
    (folder / "20270101-000000-future.toml").write_text(newer, encoding="utf-8")
    (folder / "20200101-000000-corrupt.toml").write_text("schema = 1\nid = \n", encoding="utf-8")


def test_list_shows_good_sessions_and_names_unreadable_files(
    capsys: pytest.CaptureFixture[str],
    kolkata_time: None,
    store: SessionStore,
    joke_session: Session,
    sessions_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    write_future_and_corrupt_files(sessions_dir, joke_session)

    assert main(["sessions", "list"]) == 0

    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "UPDATED", "MESSAGES", "COST", "MODELS", "TITLE"]
    assert lines[1].split("  ")[0] == joke_session.id
    # 19:31 UTC is 01:01 the next day in Kolkata
    assert "2026-11-25 01:01" in lines[1]
    assert "qwen/qwen3-32b, openai/gpt-oss-120b" in lines[1]
    assert lines[1].endswith("A joke about scarecrows")
    assert " 4  " in lines[1]  # messages, not counting the system prompt
    assert lines[2].startswith("20200101-000000-corrupt.toml  unreadable: ")
    assert "not valid TOML" in lines[2]
    assert lines[3] == (
        "20270101-000000-future.toml  unreadable: written by a newer hcchat (schema 2)"
    )
    assert len(lines) == 4


def test_list_columns_line_up(
    capsys: pytest.CaptureFixture[str], store: SessionStore, joke_session: Session
) -> None:
    other = Session.new("m")
    other.title = "Second"
    other.messages.append(Message(role="user", content="hi"))
    store.save(other)

    assert main(["sessions", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    starts = [line.index("Second") for line in lines if "Second" in line]
    starts += [line.index("A joke") for line in lines if "A joke" in line]
    starts.append(lines[0].index("TITLE"))
    assert len(set(starts)) == 1


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_list_fits_the_terminal_cutting_titles_and_models_without_wrapping(
    capsys: pytest.CaptureFixture[str],
    store: SessionStore,
    joke_session: Session,
    sessions_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    columns: int,
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    long = Session.new("a/very-long-model-name-indeed")
    long.title = "A title much too long for any terminal " * 3
    long.messages.append(Message(role="user", content="hi"))
    store.save(long)
    write_future_and_corrupt_files(sessions_dir, joke_session)

    assert main(["sessions", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    assert all(len(line) <= columns for line in lines)
    rows = {line.split("  ")[0]: line for line in lines[1:3]}
    assert rows[long.id].endswith("…")
    assert "A title much" in rows[long.id]
    assert "2026-11-24" in rows[joke_session.id]  # dates and counts are never cut
    assert " 4  " in rows[joke_session.id]
    models = rows[joke_session.id].split("  ")[-2].strip()
    assert "qwen/qwen3-32b, openai/gpt-oss-120b".startswith(models.rstrip("…"))


def test_list_with_no_sessions(capsys: pytest.CaptureFixture[str], sessions_dir: Path) -> None:
    assert main(["sessions", "list"]) == 0

    assert capsys.readouterr().out == f"No saved sessions in {sessions_dir}.\n"


def test_list_strips_control_characters_from_titles_and_file_names(
    capsys: pytest.CaptureFixture[str],
    store: SessionStore,
    sessions_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # wide enough that no title is cut
    session = Session.new("m\x1b]0;pwned\x07")
    session.title = "evil\x1b[2J title\r\nnext\u202eline"
    session.messages.append(Message(role="user", content="x"))
    store.save(session)
    (sessions_dir / "bad\x1b[31mname.toml").write_text("nope", encoding="utf-8")

    assert main(["sessions", "list"]) == 0

    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\r" not in out
    assert "\u202e" not in out
    assert "evil[2J title nextline" in out
    assert "bad[31mname.toml  unreadable:" in out


def test_show_prints_the_conversation_as_text(
    capsys: pytest.CaptureFixture[str], kolkata_time: None, joke_session: Session
) -> None:
    assert main(["sessions", "show", joke_session.id]) == 0

    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines()[:6] == [
        "Session  20261124-193005-3f9a",
        "Title    A joke about scarecrows",
        "Created  2026-11-25 01:00",
        "Updated  2026-11-25 01:01",
        "Model    qwen/qwen3-32b",
        "Params   temperature=0.7",
    ]
    assert "--- system ---\nYou are concise.\n" in out
    assert "--- user · 2026-11-25 01:00 ---\nTell me a joke.\n" in out
    assert (
        "--- assistant · qwen/qwen3-32b · 2026-11-25 01:00 ---\n"
        "[reasoning]\nA classic pun.\n[answer]\n"
        "Why did the scarecrow win an award?\nHe was outstanding in his field.\n"
    ) in out
    assert "--- assistant · openai/gpt-oss-120b · 2026-11-25 01:01 ---\nHalf a joke\n" in out
    assert out.endswith("[incomplete: connection lost]\n")


def test_show_strips_control_characters_but_keeps_newlines_and_tabs(
    capsys: pytest.CaptureFixture[str], store: SessionStore
) -> None:
    session = Session.new("m")
    session.messages.append(Message(role="user", content="a\tb\nc\x1b[2Jd\x07\x9be\x00"))
    store.save(session)

    assert main(["sessions", "show", session.id]) == 0

    assert "a\tb\nc[2Jde\n" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["show", "export"])
@pytest.mark.parametrize("session_id", ["20990101-000000-dead", "../../etc/passwd"])
def test_an_unknown_id_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], command: str, session_id: str
) -> None:
    assert main(["sessions", command, session_id]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert one_error_line(err) == (
        f"hcchat: no session '{session_id}' (see `hcchat sessions list`)"
    )


def test_show_an_unreadable_session_gives_the_reason(
    capsys: pytest.CaptureFixture[str], joke_session: Session, sessions_dir: Path
) -> None:
    write_future_and_corrupt_files(sessions_dir, joke_session)

    assert main(["sessions", "show", "20270101-000000-future"]) == 1

    assert one_error_line(capsys.readouterr().err) == (
        "hcchat: session '20270101-000000-future' cannot be read: "
        "written by a newer hcchat (schema 2)"
    )


def test_export_markdown_to_stdout_by_default(
    capsys: pytest.CaptureFixture[str], joke_session: Session
) -> None:
    assert main(["sessions", "export", joke_session.id]) == 0

    out = capsys.readouterr().out
    assert out.startswith("# A joke about scarecrows\n")
    assert "## User" in out
    assert "He was outstanding in his field." in out


def test_export_json_to_stdout(capsys: pytest.CaptureFixture[str], joke_session: Session) -> None:
    assert main(["sessions", "export", joke_session.id, "--format", "json"]) == 0

    document = json.loads(capsys.readouterr().out)
    assert document["id"] == joke_session.id
    assert [m["role"] for m in document["messages"]] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert document["messages"][4]["error"] == "connection lost"


def test_export_to_a_file_writes_nothing_to_stdout(
    capsys: pytest.CaptureFixture[str], joke_session: Session, tmp_path: Path
) -> None:
    target = tmp_path / "out.md"

    assert main(["sessions", "export", joke_session.id, "-o", str(target)]) == 0

    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8").startswith("# A joke about scarecrows\n")


def test_export_keeps_model_text_exact_when_piped(
    capsys: pytest.CaptureFixture[str], store: SessionStore
) -> None:
    session = Session.new("m")
    session.messages.append(Message(role="user", content="raw\x1b[1mtext"))
    store.save(session)

    assert main(["sessions", "export", session.id]) == 0

    assert "raw\x1b[1mtext" in capsys.readouterr().out


def test_export_to_an_unwritable_place_is_one_line(
    capsys: pytest.CaptureFixture[str], joke_session: Session, tmp_path: Path
) -> None:
    target = tmp_path / "missing-folder" / "out.md"

    assert main(["sessions", "export", joke_session.id, "-o", str(target)]) == 1

    line = one_error_line(capsys.readouterr().err)
    assert line == f"hcchat: cannot write {target}: No such file or directory"


def test_export_then_import_round_trips_as_a_new_session(
    capsys: pytest.CaptureFixture[str], joke_session: Session, store: SessionStore, tmp_path: Path
) -> None:
    exported = tmp_path / "joke.json"
    argv = ["sessions", "export", joke_session.id, "--format", "json", "-o", str(exported)]
    assert main(argv) == 0

    assert main(["sessions", "import", str(exported)]) == 0

    new_id = capsys.readouterr().out.strip()
    assert new_id != joke_session.id
    imported = store.load(new_id)
    assert imported.title == joke_session.title
    assert [(m.role, m.content, m.model) for m in imported.messages] == [
        (m.role, m.content, m.model) for m in joke_session.messages
    ]
    assert imported.messages[4].incomplete is True
    assert store.load(joke_session.id).messages == joke_session.messages


def test_import_an_openai_messages_array(
    capsys: pytest.CaptureFixture[str], store: SessionStore, tmp_path: Path, config_file: Path
) -> None:
    config_file.write_text('default_model = "my/model"\n', encoding="utf-8")
    source = tmp_path / "messages.json"
    source.write_text(
        json.dumps(
            [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
            ]
        ),
        encoding="utf-8",
    )

    assert main(["sessions", "import", str(source)]) == 0

    out = capsys.readouterr().out
    assert out.count("\n") == 1
    session = store.load(out.strip())
    assert [(m.role, m.content) for m in session.messages] == [
        ("system", "Be brief."),
        ("user", "Hi"),
        ("assistant", "Hello!"),
    ]
    assert session.model == "my/model"
    assert session.messages[2].model == "my/model"
    assert session.title == "Hi"


def test_import_from_stdin(capsys: pytest.CaptureFixture[str], store: SessionStore, stdin) -> None:
    stdin(json.dumps({"messages": [{"role": "user", "content": "piped"}]}))

    assert main(["sessions", "import", "-"]) == 0

    session = store.load(capsys.readouterr().out.strip())
    assert session.messages[0].content == "piped"


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"messages": []}', "nothing to import"),
        (b'[{"role": "wizard", "content": "x"}]', "role 'wizard'"),
        (b"\xff\xfe", "is not UTF-8 text"),
    ],
)
def test_import_rejects_bad_files_with_one_line(
    capsys: pytest.CaptureFixture[str],
    store: SessionStore,
    tmp_path: Path,
    content: bytes,
    complaint: str,
) -> None:
    source = tmp_path / "bad.json"
    source.write_bytes(content)

    assert main(["sessions", "import", str(source)]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert complaint in one_error_line(err)
    assert store.list() == []


def test_import_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"

    assert main(["sessions", "import", str(missing)]) == 1

    assert one_error_line(capsys.readouterr().err) == (
        f"hcchat: cannot read {missing}: No such file or directory"
    )


def test_imported_sessions_are_listed(
    capsys: pytest.CaptureFixture[str], stdin, tmp_path: Path
) -> None:
    stdin('[{"role": "user", "content": "listed later"}]')
    assert main(["sessions", "import", "-"]) == 0
    new_id = capsys.readouterr().out.strip()

    assert main(["sessions", "list"]) == 0

    assert new_id in capsys.readouterr().out


def test_list_shows_the_cost_of_each_session(
    capsys: pytest.CaptureFixture[str], joke_session: Session, sessions_dir: Path
) -> None:
    reply = joke_session.messages[-1]
    reply.usage = {
        "prompt_tokens": 20,
        "completion_tokens": 15,
        "total_tokens": 35,
        "cost": 5.5e-05,
    }
    SessionStore(sessions_dir).save(joke_session)

    assert main(["sessions", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert "$0.000055" in lines[1]
