"""Tab completion of ``/attach`` paths and pasted (dropped) file paths."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from app.store import Completion, complete_paths, pasted_paths


@pytest.fixture
def files(tmp_path: Path) -> Path:
    tmp_path = tmp_path / "files"
    tmp_path.mkdir()
    (tmp_path / "My Photos").mkdir()
    (tmp_path / "My Photos" / "cat.png").write_bytes(b"x")
    (tmp_path / "notes one.txt").write_text("1")
    (tmp_path / "notes two.txt").write_text("2")
    (tmp_path / "report.md").write_text("r")
    (tmp_path / ".hidden").write_text("h")
    return tmp_path


@pytest.mark.parametrize(
    ("argument", "completed", "candidates"),
    [
        ("rep", "report.md ", ()),  # one file: whole, then a space for the next path
        ("My", "My\\ Photos/", ()),  # a folder ends in /, spaces escaped
        ("My\\ Photos/c", "My\\ Photos/cat.png ", ()),
        ('"My P', '"My Photos/', ()),  # an open quote stays open in a folder
        ('"My Photos/c', '"My Photos/cat.png" ', ()),  # and is closed on a file
        ("'no", "'notes ", ("notes one.txt", "notes two.txt")),
        ("no", "notes\\ ", ("notes one.txt", "notes two.txt")),  # the common part, and the list
        ("notes t", "notes two.txt", ()),  # unquoted with a space: one path, as /attach takes it
        ("report.md no", "report.md notes\\ ", ("notes one.txt", "notes two.txt")),
        (".h", ".hidden ", ()),
        ("", "", ("My Photos/", "notes one.txt", "notes two.txt", "report.md")),  # no dotfiles
    ],
)
def test_tab_completes_the_last_path_in_the_style_it_was_typed(
    files: Path, argument: str, completed: str, candidates: tuple[str, ...]
) -> None:
    assert complete_paths(argument, files) == Completion(completed, candidates)


def test_completed_paths_are_what_attach_reads(files: Path) -> None:
    done = complete_paths("My\\ Photos/c", files)
    assert done is not None
    assert shlex.split(done.text) == ["My Photos/cat.png"]


def test_a_tilde_is_the_home_folder(isolated_env: Path) -> None:
    (isolated_env / "Documents").mkdir()
    assert complete_paths("~/Docu") == Completion("~/Documents/")
    assert complete_paths("~") == Completion("~/")


def test_nothing_matching_is_none(files: Path) -> None:
    assert complete_paths("zzz", files) is None
    assert complete_paths("nowhere/x", files) is None


@pytest.mark.parametrize(
    "paste",
    [
        "{photo}",
        "'{photo}'",  # GNOME Terminal quotes
        "{escaped}",  # iTerm2, kitty: backslash-escaped spaces
        "file://{url}",
        "file://{url}\r\n",  # a text/uri-list line
        "  {photo}\n",
    ],
)
def test_a_dropped_file_is_recognised_however_the_terminal_writes_it(
    tmp_path: Path, paste: str
) -> None:
    photo = tmp_path / "my photo.png"
    photo.write_bytes(b"x")
    text = paste.format(
        photo=photo,
        escaped=str(photo).replace(" ", "\\ "),
        url=str(photo).replace(" ", "%20"),
    )
    assert pasted_paths(text) == [photo]


def test_several_dropped_files_are_all_offered(tmp_path: Path) -> None:
    one, two = tmp_path / "a b.png", tmp_path / "c.txt"
    one.write_bytes(b"x")
    two.write_text("y")
    assert pasted_paths(f"'{one}' '{two}'") == [one, two]
    assert pasted_paths(f"file://{tmp_path}/a%20b.png\nfile://{two}") == [one, two]


@pytest.mark.parametrize(
    "paste",
    [
        "hello world",
        "{folder}",  # a folder is no attachment
        "{photo} and some words",  # more than paths
        "see {photo}",
        "{photo}\nmissing.png",
        "'unclosed {photo}",
        "file://elsewhere{photo}",  # another machine
        "",
    ],
)
def test_anything_but_existing_files_stays_text(tmp_path: Path, paste: str) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"x")
    assert pasted_paths(paste.format(photo=photo, folder=tmp_path)) is None
