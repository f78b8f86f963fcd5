"""An image attachment shown as a small picture, where the terminal can show one.

The picture is drawn by ``textual-image`` (Kitty's graphics protocol, Sixel, or coloured half
blocks). That package asks the terminal what it supports when it is imported, by writing a query
and reading the answer from stdin; once Textual runs, Textual's input thread reads stdin and the
answer would arrive as keys. So hcchat never lets it ask: the kind of picture is chosen from the
environment (``image_kind``), and the package is imported, with its query switched off, only
when a message with an image is shown. Where no kind is known (and always in tests, which have
no terminal) the message shows only its chip: name and size.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from textual import work
from textual.widget import Widget

from app.store import Attachment

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

ImageKind = Literal["kitty", "sixel", "halfcell"]
KINDS: tuple[ImageKind, ...] = ("kitty", "sixel", "halfcell")
# The environment variable that overrides the guess: kitty, sixel, halfcell, or off.
OVERRIDE = "HCCHAT_IMAGES"
# Pictures larger than this (in pixels) are scaled down before they are drawn: a preview, not
# the image, and a 5 MB photo encoded as Sixel on every frame would be slow.
THUMBNAIL = (480, 480)
# The most room a picture takes, in character cells.
MAX_ROWS, MAX_COLUMNS = 8, 40
# A 5 MB PNG can hold a billion pixels: anything over this many is not decoded (chip only).
MAX_PIXELS = 40_000_000

_SIXEL_PROGRAMS = ("WezTerm", "iTerm.app")
_SIXEL_TERMS = ("foot", "mlterm", "contour")


@dataclass(frozen=True, slots=True)
class PictureSource:
    """What a message needs to show its images: the kind of picture and the kept bytes."""

    kind: ImageKind
    load: Callable[[Attachment], bytes]


def image_kind(environ: Mapping[str, str] = os.environ) -> ImageKind | None:
    """How this terminal can show a picture, guessed from its environment; None: it cannot.

    ``HCCHAT_IMAGES`` (kitty, sixel, halfcell, off) decides when set. Kitty's protocol works
    in Kitty itself (not through tmux); Sixel in WezTerm, iTerm2, foot, mlterm, contour and
    Konsole; half blocks in any terminal that says it has 24-bit colour.
    """
    override = environ.get(OVERRIDE, "").strip().lower()
    if override in KINDS:
        return override
    if override:
        return None  # off (or anything else): chips only
    term, program = environ.get("TERM", ""), environ.get("TERM_PROGRAM", "")
    in_tmux = bool(environ.get("TMUX")) or term.startswith(("tmux", "screen"))
    if not in_tmux:
        if term == "xterm-kitty" or "KITTY_WINDOW_ID" in environ:
            return "kitty"
        if program in _SIXEL_PROGRAMS or term.startswith(_SIXEL_TERMS):
            return "sixel"
        if "KONSOLE_VERSION" in environ:
            return "sixel"
    if environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "halfcell"
    return None


def picture_widget(kind: ImageKind, picture: PILImage) -> Widget:
    """A ``textual-image`` widget of ``kind`` showing ``picture`` (imports the package).

    Its size in cells is set here, keeping the picture's shape: textual-image works out an
    ``auto`` side from the other one's laid-out size, which is 0 before the first layout.
    """
    _import_quietly()
    from textual_image._terminal import get_cell_size
    from textual_image.widget import HalfcellImage, SixelImage, TGPImage

    classes: dict[ImageKind, Callable[[PILImage], Widget]] = {
        "kitty": TGPImage,
        "sixel": SixelImage,
        "halfcell": HalfcellImage,
    }
    widget = classes[kind](picture)
    cell = get_cell_size()
    columns, rows = cells_for(picture.size, (cell.width, cell.height))
    widget.styles.width, widget.styles.height = columns, rows
    return widget


def cells_for(pixels: tuple[int, int], cell: tuple[int, int]) -> tuple[int, int]:
    """The columns and rows that show an image of ``pixels`` in cells of ``cell`` pixels:
    at most ``MAX_ROWS`` by ``MAX_COLUMNS``, never larger than the image, its shape kept."""
    width, height = max(1, pixels[0]), max(1, pixels[1])
    cell_width, cell_height = max(1, cell[0]), max(1, cell[1])
    rows = min(MAX_ROWS, -(-height // cell_height))
    columns = max(1, round(rows * cell_height * width / height / cell_width))
    if columns > MAX_COLUMNS:
        columns = MAX_COLUMNS
        rows = max(1, round(columns * cell_width * height / width / cell_height))
    return columns, rows


def thumbnail(data: bytes) -> PILImage:
    """The image in ``data`` decoded and scaled down to at most ``THUMBNAIL``; raises on junk."""
    from PIL import Image

    picture = Image.open(io.BytesIO(data))  # reads the header only
    width, height = picture.size
    if width * height > MAX_PIXELS:
        raise ValueError(f"{width}x{height} pixels is too large to preview")
    picture.thumbnail(THUMBNAIL)
    return picture.convert("RGBA" if "A" in picture.getbands() else "RGB")


def _import_quietly() -> None:
    """Import ``textual_image`` without its terminal queries (see the module's docstring).

    textual-image 0.12.0 queries when ``textual_image.renderable`` is imported, only if
    ``sys.__stdout__`` is a terminal; and ``textual_image.widget`` asks for the cell size in
    pixels, which it caches on ``get_cell_size``. So: the cell size is given from the window
    size the kernel knows (no query), and the renderables are imported while ``__stdout__``
    is hidden for a moment.
    """
    if "textual_image.widget" in sys.modules:
        return
    from textual_image import _terminal

    _terminal.get_cell_size._result = _cell_size()  # type: ignore[attr-defined]
    stdout = sys.__stdout__
    sys.__stdout__ = None  # type: ignore[misc]
    try:
        import textual_image.renderable
    finally:
        sys.__stdout__ = stdout  # type: ignore[misc]
    import textual_image.widget  # noqa: F401


def _cell_size() -> object:
    """The size of one character cell in pixels, from ``TIOCGWINSZ``; 10x20 when unknown."""
    import fcntl
    import struct
    import termios

    from textual_image._terminal import CellSize

    width = height = 0
    try:
        packed = fcntl.ioctl(sys.__stdout__.fileno(), termios.TIOCGWINSZ, b"\0" * 8)  # type: ignore[union-attr]
        rows, columns, pixels_x, pixels_y = struct.unpack("HHHH", packed)
        if rows and columns:
            width, height = pixels_x // columns, pixels_y // rows
    except (OSError, AttributeError, ValueError):
        pass
    return CellSize(width or 10, height or 20)


class ImagePreview(Widget):
    """A small picture of an image attachment; its bytes are read and decoded (and the
    picture code imported) off the event loop.

    ``source.load`` gives the kept bytes (the screen passes the store's reader). A picture that
    cannot be read or decoded leaves the preview empty: the chip still names the file.
    """

    def __init__(self, attachment: Attachment, source: PictureSource) -> None:
        super().__init__(classes="image-preview")
        self.attachment = attachment
        self.source = source

    def on_mount(self) -> None:
        self._decode()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _decode(self) -> None:
        try:
            _import_quietly()  # the first time, off the event loop too
            picture = thumbnail(self.source.load(self.attachment))
        except Exception:  # missing bytes, a truncated or hostile file: the chip is enough
            self.app.call_from_thread(self._failed)
            return
        self.app.call_from_thread(self._show, picture)

    def _show(self, picture: PILImage) -> None:
        if self.is_attached:
            self.mount(picture_widget(self.source.kind, picture))

    def _failed(self) -> None:
        self.display = False
