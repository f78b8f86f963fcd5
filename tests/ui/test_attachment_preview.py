"""An image attachment as a small picture where the terminal can show one, else its chip."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from app.store import Message, Session, SessionStore, read_attachment
from app.ui.screens._composer import ComposerCommands
from app.ui.widgets import UserMessage
from app.ui.widgets._image import ImagePreview, PictureSource, image_kind

from .conftest import chat, wait_for


def _png(path: Path, size: tuple[int, int] = (64, 32)) -> Path:
    picture = Image.new("RGB", size, (250, 200, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _session_with_image(store: SessionStore, path: Path) -> Session:
    attachment, data = read_attachment(str(path))
    store.keep_attachment(attachment, data)
    session = Session.new("test/model-a")
    session.messages.append(Message("user", "what is this?", attachments=[attachment]))
    session.messages.append(Message("assistant", "A yellow box.", model="test/model-a"))
    store.save(session)
    return session


@pytest.mark.parametrize(
    ("environ", "kind"),
    [
        ({"TERM": "xterm-kitty"}, "kitty"),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}, "kitty"),
        ({"TERM_PROGRAM": "WezTerm"}, "sixel"),
        ({"TERM": "foot"}, "sixel"),
        ({"TERM": "xterm-256color", "KONSOLE_VERSION": "230800"}, "sixel"),
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, "halfcell"),
        ({"TERM": "tmux-256color", "TMUX": "/tmp/t,1,0", "COLORTERM": "truecolor"}, "halfcell"),
        ({"TERM": "xterm-kitty", "TMUX": "/tmp/t,1,0"}, None),
        ({"TERM": "xterm-256color"}, None),
        ({"TERM": "xterm-kitty", "HCCHAT_IMAGES": "off"}, None),
        ({"TERM": "xterm-256color", "HCCHAT_IMAGES": "Sixel"}, "sixel"),
    ],
)
def test_the_kind_of_picture_is_guessed_from_the_environment_without_asking_the_terminal(
    environ, kind
):
    assert image_kind(environ) == kind


async def test_headless_an_image_shows_only_its_chip(make_app, store, tmp_path):
    session = _session_with_image(store, _png(tmp_path / "box.png"))
    app = make_app(session=store.load(session.id))
    async with app.run_test() as pilot:
        await pilot.pause()
        mine = chat(app).query(UserMessage).first()
        assert "[box.png (" in str(mine.query_one(".message-header").render())
        assert not mine.query(ImagePreview)
        assert chat(app).pictures is None


@pytest.mark.parametrize("kind", ["halfcell", "sixel", "kitty"])
async def test_where_the_terminal_can_an_image_is_drawn_small_from_the_kept_bytes(
    make_app, store, tmp_path, monkeypatch, kind
):
    from textual_image.widget import HalfcellImage, SixelImage, TGPImage

    drawn = {"halfcell": HalfcellImage, "sixel": SixelImage, "kitty": TGPImage}[kind]
    path = _png(tmp_path / "box.png", (1200, 600))
    session = _session_with_image(store, path)
    path.unlink()  # the kept copy is what is drawn
    source = PictureSource(kind, store.attachment_data)
    monkeypatch.setattr(ComposerCommands, "pictures", source)
    app = make_app(session=store.load(session.id))
    async with app.run_test() as pilot:
        preview = chat(app).query(UserMessage).first().query_one(ImagePreview)
        await wait_for(pilot, lambda: preview.query(drawn))
        picture = preview.query_one(drawn)
        assert max(picture.image.size) <= 480  # type: ignore[union-attr]
        await pilot.pause()
        assert 0 < picture.size.height <= 10, picture.size
        assert 0 < picture.size.width <= 40, picture.size


async def test_an_image_whose_bytes_are_gone_keeps_only_its_chip(
    make_app, store, tmp_path, monkeypatch
):
    session = _session_with_image(store, _png(tmp_path / "box.png"))
    for blob in (store.folder / ".attachments").iterdir():
        blob.unlink()
    source = PictureSource("halfcell", store.attachment_data)
    monkeypatch.setattr(ComposerCommands, "pictures", source)
    app = make_app(session=store.load(session.id))
    async with app.run_test() as pilot:
        mine = chat(app).query(UserMessage).first()
        preview = mine.query_one(ImagePreview)
        await wait_for(pilot, lambda: not preview.display)
        assert "[box.png (" in str(mine.query_one(".message-header").render())


@pytest.mark.parametrize(
    ("pixels", "cell", "cells"),
    [
        ((1200, 600), (10, 20), (32, 8)),  # wide: 8 rows, its shape kept
        ((600, 1200), (10, 20), (8, 8)),  # tall
        ((4000, 100), (10, 20), (40, 1)),  # a banner: cut to 40 columns
        ((30, 20), (10, 20), (3, 1)),  # small: never larger than it is
    ],
)
def test_a_picture_takes_at_most_8_rows_and_40_columns_and_keeps_its_shape(pixels, cell, cells):
    from app.ui.widgets._image import cells_for

    assert cells_for(pixels, cell) == cells


def test_drawing_a_picture_on_a_terminal_writes_no_query_to_it(tmp_path):
    """textual-image would ask the terminal at import; under Textual the answer becomes keys."""
    import os
    import pty
    import select
    import subprocess
    import sys

    script = (
        "import io, sys\n"
        "from PIL import Image\n"
        "from app.ui.widgets._image import picture_widget\n"
        "assert sys.stdout.isatty()\n"
        "widget = picture_widget('sixel', Image.new('RGB', (40, 20)))\n"
        "import textual_image.renderable as r\n"
        "from textual_image.widget import SixelImage\n"
        "print('done', type(widget) is SixelImage, r.Image is r.UnicodeImage, flush=True)\n"
    )
    controller, terminal = pty.openpty()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=terminal, stdout=terminal, stderr=terminal, env=env
    )
    os.close(terminal)
    output = b""
    while b"done" not in output or not output.endswith(b"\n"):
        ready, _, _ = select.select([controller], [], [], 20)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert child.wait(timeout=20) == 0, output
    os.close(controller)
    assert b"\x1b" not in output, output  # no Sixel, Kitty or cell-size query was written
    assert b"done True True" in output, output  # Sixel as asked; the probe chose nothing


def test_an_image_of_too_many_pixels_is_not_decoded():
    from app.ui.widgets._image import thumbnail

    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, "PNG")  # 48 megapixels in a few kilobytes
    with pytest.raises(ValueError, match="too large"):
        thumbnail(buffer.getvalue())
