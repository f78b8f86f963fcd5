"""`sessions fork|search`, and every branch in `show --all` and `export --all-versions`."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.store import Message, Session, SessionStore, edit_at


@pytest.fixture
def branched(store: SessionStore) -> Session:
    """A saved session whose second prompt was edited: the old one and its reply are a branch."""
    session = Session.new("m", "Be brief.")
    session.title = "Cats and dogs"
    for text in ("cats?", "dogs?"):
        session.messages.append(Message("user", text))
        session.messages.append(Message("assistant", f"About {text[:-1]}: woof", model="m"))
    edit_at(session, 3, "birds?")
    session.messages.append(Message("assistant", "About birds: tweet", model="m"))
    store.save(session)
    return session


def test_fork_copies_up_to_message_n_and_prints_the_new_id(
    capsys: pytest.CaptureFixture[str], store: SessionStore, branched: Session
) -> None:
    assert main(["sessions", "fork", branched.id, "--at", "3"]) == 0

    new_id = capsys.readouterr().out.strip()
    fork = store.load(new_id)
    assert [m.content for m in fork.messages] == ["Be brief.", "cats?", "About cats: woof"]
    assert fork.forked_from is not None
    assert (fork.forked_from.id, fork.forked_from.message) == (branched.id, 3)
    text = (store.folder / f"{new_id}.toml").read_text("utf-8")
    assert f'forked_from = {{ id = "{branched.id}", message = 3 }}' in text


def test_fork_without_at_copies_everything_and_a_bad_n_is_one_line(
    capsys: pytest.CaptureFixture[str], store: SessionStore, branched: Session
) -> None:
    assert main(["sessions", "fork", branched.id]) == 0
    new_id = capsys.readouterr().out.strip()
    assert store.load(new_id).api_messages() == branched.api_messages()

    assert main(["sessions", "fork", branched.id, "--at", "9"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no message 9" in err


def test_search_prints_ids_message_numbers_and_titles_in_every_branch(
    capsys: pytest.CaptureFixture[str], branched: Session
) -> None:
    assert main(["sessions", "search", "about"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert f"{branched.id}  #3  Cats and dogs" in lines
    assert f"{branched.id}  #5  Cats and dogs" in lines
    assert f"{branched.id}  #5 (branch)  Cats and dogs" in lines

    assert main(["sessions", "search", "dogs?"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{branched.id}  #4 (branch)  Cats and dogs"]
    assert main(["sessions", "search", "nowhere to be found"]) == 1


def test_show_numbers_messages_and_shows_branches_only_with_all(
    capsys: pytest.CaptureFixture[str], branched: Session
) -> None:
    assert main(["sessions", "show", branched.id]) == 0
    out = capsys.readouterr().out
    assert "birds?\n[version 2 of 2: 1 other version (see --all)]" in out
    assert "#4 --- user · " in out and "#5 --- assistant · m ---\nAbout birds" in out
    assert "dogs?" not in out

    assert main(["sessions", "show", branched.id, "--all"]) == 0
    out = capsys.readouterr().out
    assert "| [version 1 of 2 of message 4: another branch]\n|\n| #4 --- user ---\n| dogs?" in out
    assert "| About dogs: woof" in out
    assert out.index("birds?") < out.index("dogs?") < out.index("About birds")


def test_export_all_versions_includes_the_branches_and_the_default_does_not(
    capsys: pytest.CaptureFixture[str], branched: Session
) -> None:
    assert main(["sessions", "export", branched.id]) == 0
    assert "dogs?" not in capsys.readouterr().out

    assert main(["sessions", "export", branched.id, "--all-versions"]) == 0
    out = capsys.readouterr().out
    assert "<summary>Version 1 of 2 of message 4 (another branch)</summary>" in out
    assert "About dogs: woof" in out

    assert main(["sessions", "export", branched.id, "--format", "json", "--all-versions"]) == 0
    document = json.loads(capsys.readouterr().out)
    old = document["messages"][3]["alternatives"][0]
    assert old["content"] == "dogs?"
    assert [m["content"] for m in old["branch"]] == ["About dogs: woof"]
