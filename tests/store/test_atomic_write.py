"""The one atomic writer every file hcchat writes goes through."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import app.store
from app.store import make_private_folders, write_atomic
from app.store._files import write_atomic as defined_in_files


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder of its own (``tmp_path`` also holds the isolated home)."""
    path = tmp_path / "files"
    path.mkdir()
    return path


def test_the_package_re_exports_the_writer() -> None:
    assert app.store.write_atomic is defined_in_files


def test_writes_a_new_private_file(folder: Path) -> None:
    path = folder / "new.json"

    status = write_atomic(path, b"{}")

    assert path.read_bytes() == b"{}"
    assert mode_of(path) == 0o600
    assert status.st_ino == path.stat().st_ino
    assert status.st_size == 2


def test_replaces_a_file_and_gives_it_the_mode_asked_for(folder: Path) -> None:
    path = folder / "config.toml"
    path.write_bytes(b"old")
    old_umask = os.umask(0o077)
    try:
        write_atomic(path, b"new", mode=0o640)
    finally:
        os.umask(old_umask)

    assert path.read_bytes() == b"new"
    assert mode_of(path) == 0o640


@pytest.mark.parametrize("durable", [True, False])
def test_flushes_file_and_folder_only_when_durable(
    folder: Path, monkeypatch: pytest.MonkeyPatch, durable: bool
) -> None:
    flushed: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (flushed.append(fd), real_fsync(fd))[1])

    write_atomic(folder / "index.json", b"[]", durable=durable)

    assert len(flushed) == (2 if durable else 0)
    assert [p.name for p in folder.iterdir()] == ["index.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = folder / "session.toml"
    path.write_bytes(b"old")

    def disk_full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, b"new")

    assert path.read_bytes() == b"old"
    assert [p.name for p in folder.iterdir()] == ["session.toml"]


def test_an_interrupted_rename_leaves_no_temporary_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = folder / "session.toml"

    def interrupted(source: object, target: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, b"new")

    assert list(folder.iterdir()) == []


def test_never_reuses_an_existing_temporary_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = folder / "a.toml"
    planted = folder / ".a.toml.00000000.tmp"
    planted.write_bytes(b"someone else's")
    tokens = iter(["00000000"])
    monkeypatch.setattr("secrets.token_hex", lambda n: next(tokens))

    with pytest.raises(FileExistsError):
        write_atomic(path, b"new")

    assert planted.read_bytes() == b"someone else's"
    assert not path.exists()


def test_private_folders_are_created_with_every_missing_parent_0700(folder: Path) -> None:
    folder = folder / "a" / "b" / "c"

    make_private_folders(folder)

    assert [mode_of(p) for p in (folder, folder.parent, folder.parent.parent)] == [0o700] * 3
    make_private_folders(folder)  # an existing folder is fine
