"""Child of bench_startup.py: run an app on the terminal it is given, report its first frame.

python tests/bench/_launch.py chat|minimal REPORT_FD [HCCHAT ARGUMENTS...]

``chat`` runs hcchat exactly as the ``hcchat`` command does (``app.cli.main([])``); ``minimal``
runs a Textual app that shows one Static. When the first full frame has been written to the
terminal, one JSON line goes to REPORT_FD (the CLOCK_MONOTONIC time, which is the same clock in
every process, and what was loaded by then) and the process ends at once.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from _proc import rss

# Modules whose loading before the first frame would mean start-up does work it could defer.
WATCHED = (
    "markdown_it",
    "httpx",
    "httpx_sse",
    "tomli_w",
    "tomlkit",
    "pygments",
    "textual_image",
    "PIL",
    # hcchat's own, which a new chat's first frame does not show (issue 18)
    "app.store._store",
    "app.store._codec",
    "app.store._attachments",
    "app.store._model_cache",
    "app.api._events",
    "app.ui.markdown",
    "app.ui.widgets._reply",
    "app.ui.widgets._tool_call",
    "hashlib",
)


def _report(fd: int, extra: dict[str, object]) -> None:
    moment = time.monotonic()
    loaded = [name for name in WATCHED if name in sys.modules]
    line = {"t": moment, "loaded": loaded, "rss": rss(), **extra}
    os.write(fd, (json.dumps(line) + "\n").encode())
    os._exit(0)


def main() -> None:
    kind, fd = sys.argv[1], int(sys.argv[2])
    from textual.app import App
    from textual.screen import Screen

    display = App._display

    def first_frame(self: App[object], screen: Screen[object], renderable: object) -> None:
        display(self, screen, renderable)  # type: ignore[arg-type]
        if renderable is None or screen is not self.screen:
            return
        if kind == "minimal":
            if screen.query("Static"):
                _report(fd, {})
            return
        # the chat screen's on_mount ends by focusing the prompt: a frame after that is full
        if type(screen).__name__ == "ChatScreen" and screen.focused is not None:
            sessions = Path(os.environ["XDG_DATA_HOME"]) / "hcchat" / "sessions"
            _report(
                fd,
                {
                    "index_read": (sessions / ".index.json").exists(),
                    "client_made": getattr(self, "_client", None) is not None,
                },
            )

    App._display = first_frame  # type: ignore[method-assign]
    if kind == "minimal":
        from textual.app import ComposeResult
        from textual.widgets import Static

        class Minimal(App[None]):
            def compose(self) -> ComposeResult:
                yield Static("Hello from a minimal Textual app")

        Minimal().run()
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from app.cli import main as hcchat

    sys.exit(hcchat(sys.argv[3:]))


if __name__ == "__main__":
    main()
