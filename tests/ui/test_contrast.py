"""Text meets WCAG AA (4.5:1) in both themes: message headers, bodies, footers, the status line.

The colours are the ones Textual draws each widget's text with, resolved from the theme and
styles/*.tcss (``Widget.visual_style``: a muted colour is blended onto its background).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.color import Color
from textual.widget import Widget

from app.store import Message, Session
from app.ui.markdown import MarkdownChunk

from .conftest import chat

AA = 4.5
WHEN = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(one: Color, other: Color) -> float:
    """The WCAG contrast ratio of two opaque colours."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_contrast(widget: Widget) -> float:
    """The contrast of ``widget``'s text with the background it is drawn on."""
    style = widget.visual_style
    background = style.background or Color(0, 0, 0)
    return contrast(background, background + (style.foreground or Color(255, 255, 255)))


def _session() -> Session:
    session = Session(id="20261124-193005-3f9a", title="Colours", created=WHEN, updated=WHEN)
    session.model = "test/model-a"
    session.messages = [
        Message("user", "Is this readable?", created=WHEN),
        Message(
            "assistant",
            "It should be.",
            created=WHEN,
            model="test/model-a",
            usage={"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5},
            ttft=0.4,
        ),
    ]
    return session


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_text_meets_wcag_aa_in_both_themes(make_app, theme):
    app = make_app(_session())
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await pilot.pause(0.2)
        screen = chat(app)
        parts = {
            "You header": screen.query_one(".message.-user .message-header"),
            "model header": screen.query_one(".message.-assistant .message-header"),
            "your text": screen.query_one(".message.-user .message-body"),
            "reply text": screen.query_one(".message.-assistant MarkdownChunk", MarkdownChunk),
            "reply footer": screen.query_one(".message.-assistant .message-footer"),
            "status line": screen.query_one("#status"),
        }
        ratios = {name: round(text_contrast(widget), 2) for name, widget in parts.items()}
        assert all(ratio >= AA for ratio in ratios.values()), ratios


def test_the_contrast_formula_gives_wcags_known_values():
    assert round(contrast(Color(0, 0, 0), Color(255, 255, 255)), 1) == 21.0
    assert round(contrast(Color(118, 118, 118), Color(255, 255, 255)), 2) == 4.54
