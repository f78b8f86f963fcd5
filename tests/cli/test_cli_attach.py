"""``-a FILE`` / ``--attach FILE`` in pipe mode: the request's content array and the refusals."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cli_helpers import SECRET, one_error_line
from loopback import LoopbackServer, reply

from app.cli import main
from app.store import SessionStore, SessionSummary

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16


@pytest.fixture(autouse=True)
def with_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HCCHAT_API_KEY", SECRET)


def test_attached_files_are_sent_as_a_content_array_and_recorded(
    loopback: LoopbackServer, store: SessionStore, tmp_path: Path
) -> None:
    notes, image = tmp_path / "my notes.txt", tmp_path / "dot.png"
    notes.write_text("line one\n", "utf-8")
    image.write_bytes(PNG)
    loopback.enqueue(reply("Seen."), reply("Still seen."))

    args = ["-p", "--base-url", loopback.base_url, "-a", str(notes), "--attach", str(image)]
    assert main([*args, "what", "is", "this"]) == 0

    content = loopback.requests[-1].json["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": "what is this"},
        {"type": "text", "text": "my notes.txt:\n```\nline one\n```"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
        },
    ]
    [summary] = store.list()
    assert isinstance(summary, SessionSummary)
    recorded = store.load(summary.id).messages[0].attachments
    assert [(a.name, a.type, a.size) for a in recorded] == [
        ("my notes.txt", "text/plain", 9),
        ("dot.png", "image/png", len(PNG)),
    ]

    notes.unlink()
    image.unlink()
    assert main(["-p", "--base-url", loopback.base_url, "--continue", "and now?"]) == 0

    again = loopback.requests[-1].json["messages"]
    assert again[0]["content"] == content  # sent again from the kept copies
    assert again[2] == {"role": "user", "content": "and now?"}


@pytest.mark.parametrize("kind", ["folder", "binary", "missing"])
def test_a_refused_file_sends_and_saves_nothing(
    capsys: pytest.CaptureFixture[str],
    loopback: LoopbackServer,
    sessions_dir: Path,
    tmp_path: Path,
    kind: str,
) -> None:
    path = tmp_path / "thing"
    if kind == "folder":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\x00\x01\x02")

    assert main(["-p", "--base-url", loopback.base_url, "-a", str(path), "hi"]) == 2

    line = one_error_line(capsys.readouterr().err)
    assert "cannot attach" in line and str(path) in line
    assert loopback.requests == []
    assert not list(sessions_dir.glob("*.toml"))


def _cache_models(cli_home: Path, base_url: str, *models: dict[str, object]) -> None:
    from app.store import ModelCache

    ModelCache(cli_home / ".cache" / "hcchat" / "models.json").save(base_url, list(models))


def test_an_image_for_a_model_listed_without_images_is_refused_and_nothing_sent(
    capsys: pytest.CaptureFixture[str],
    loopback: LoopbackServer,
    cli_home: Path,
    sessions_dir: Path,
    tmp_path: Path,
) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    _cache_models(cli_home, loopback.base_url, {"id": "text/only", "takes_images": False})

    args = ["-p", "--base-url", loopback.base_url, "--model", "text/only", "-a", str(image)]
    assert main([*args, "what is this?"]) == 1

    line = one_error_line(capsys.readouterr().err)
    assert "not sent" in line and "text/only takes no images" in line and "dot.png" in line
    assert loopback.requests == []
    assert not list(sessions_dir.glob("*.toml"))
    assert not (sessions_dir / ".attachments").exists()  # nothing kept either


@pytest.mark.parametrize(
    "listed",
    [
        {"id": "vision/model", "takes_images": True},
        {"id": "vision/model"},  # the listing does not say
        {"id": "vision/model", "images": False},  # a cache from before "takes_images"
        None,  # not in the cache at all
    ],
)
def test_an_image_is_sent_when_the_model_takes_images_or_nobody_says(
    loopback: LoopbackServer, cli_home: Path, tmp_path: Path, listed: dict[str, object] | None
) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    if listed is not None:
        _cache_models(cli_home, loopback.base_url, listed)
    loopback.enqueue(reply("A dot."))

    args = ["-p", "--base-url", loopback.base_url, "--model", "vision/model", "-a", str(image)]
    assert main([*args, "what is this?"]) == 0

    [request] = loopback.requests
    assert request.json["messages"][0]["content"][1]["type"] == "image_url"


def test_sessions_export_json_names_attachments_and_includes_them_with_attachments(
    capsys: pytest.CaptureFixture[str],
    loopback: LoopbackServer,
    store: SessionStore,
    tmp_path: Path,
) -> None:
    import json

    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    loopback.enqueue(reply("A dot."))
    assert main(["-p", "--base-url", loopback.base_url, "-a", str(image), "what?"]) == 0
    [summary] = store.list()
    capsys.readouterr()

    assert main(["sessions", "export", summary.id, "--format", "json"]) == 0
    [named] = json.loads(capsys.readouterr().out)["messages"][0]["attachments"]
    assert main(["sessions", "export", summary.id, "--format", "json", "--attachments"]) == 0
    [full] = json.loads(capsys.readouterr().out)["messages"][0]["attachments"]

    assert (named["name"], named["type"], named["size"]) == ("dot.png", "image/png", len(PNG))
    assert "data" not in named
    assert base64.b64decode(full["data"]) == PNG

    assert main(["sessions", "export", summary.id, "--attachments"]) == 2
    assert "--attachments needs --format json" in capsys.readouterr().err
    assert main(["sessions", "export", "--help"]) == 0
    assert "--attachments" in capsys.readouterr().out


def test_an_export_with_attachments_imports_as_a_session_that_can_be_sent_again(
    capsys: pytest.CaptureFixture[str],
    loopback: LoopbackServer,
    store: SessionStore,
    tmp_path: Path,
) -> None:
    import shutil

    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    loopback.enqueue(reply("A dot."), reply("Still a dot."))
    assert main(["-p", "--base-url", loopback.base_url, "-a", str(image), "what?"]) == 0
    [summary] = store.list()
    export = tmp_path / "out.json"
    args = ["sessions", "export", summary.id, "--format", "json", "--attachments"]
    assert main([*args, "-o", str(export)]) == 0
    shutil.rmtree(store.folder)  # another machine: neither the session nor its bytes
    capsys.readouterr()

    assert main(["sessions", "import", str(export)]) == 0
    new_id = capsys.readouterr().out.strip()
    args = ["-p", "--base-url", loopback.base_url, "--session", new_id, "again?"]
    assert main(args) == 0

    first = loopback.requests[-1].json["messages"][0]["content"]
    assert first[1]["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()


def test_imported_data_that_does_not_match_its_sha256_is_left_out(
    capsys: pytest.CaptureFixture[str], store: SessionStore, tmp_path: Path
) -> None:
    import hashlib
    import json

    entry = {
        "name": "dot.png",
        "type": "image/png",
        "size": len(PNG),
        "sha256": hashlib.sha256(PNG).hexdigest(),
        "data": base64.b64encode(b"something else").decode(),
    }
    document = {"messages": [{"role": "user", "content": "hi", "attachments": [entry]}]}
    source = tmp_path / "in.json"
    source.write_text(json.dumps(document))

    assert main(["sessions", "import", str(source)]) == 0
    captured = capsys.readouterr()
    assert "does not match its size and sha256" in captured.err
    [attachment] = store.load(captured.out.strip()).messages[0].attachments
    assert attachment.name == "dot.png"
    assert not (store.folder / ".attachments" / attachment.sha256).exists()


def test_an_image_only_in_compacted_turns_does_not_stop_a_model_without_images(
    loopback: LoopbackServer, cli_home: Path, store: SessionStore, tmp_path: Path
) -> None:
    from app.store import Message, Session, add_summary, read_attachment

    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    attachment, data = read_attachment(str(image))
    store.keep_attachment(attachment, data)
    session = Session.new("text/only")
    session.messages.append(Message("user", "what is it?", attachments=[attachment]))
    session.messages.append(Message("assistant", "A dot.", model="vision/model"))
    add_summary(session, 2, "The user showed a dot.", model="text/only", endpoint=None)
    store.save(session)
    _cache_models(cli_home, loopback.base_url, {"id": "text/only", "takes_images": False})
    loopback.enqueue(reply("Yes, a dot."))

    args = ["-p", "--base-url", loopback.base_url, "--session", session.id, "and so?"]
    assert main(args) == 0  # the image is not sent any more: nothing to refuse

    sent = loopback.requests[-1].json["messages"]
    assert all(isinstance(message["content"], str) for message in sent)
