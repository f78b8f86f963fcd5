"""Every private part of Textual that hcchat uses, each behind one small function.

A Textual upgrade checks this module first: each function names the Textual version it was
checked against, and what it relies on. Nothing else in hcchat (tests included) should touch
an underscored name of Textual; when one of these breaks, it breaks here, in one place.

Checked against Textual 8.2.8.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import _FormattedLine

if TYPE_CHECKING:
    from rich.style import Style as RichStyle
    from textual.app import App
    from textual.content import Content
    from textual.notifications import Notification
    from textual.screen import Screen
    from textual.strip import Strip
    from textual.style import Style
    from textual.widget import Widget
    from textual.widgets import Footer


def format_line(widget: Widget, line: Content, width: int, y: int, base: Style) -> Strip:
    """``line`` drawn as one row of ``widget``, as a ``Static`` draws its content.

    Textual 8.2.8: ``Visual.to_strips`` of ``Content`` draws each line with the private
    ``_FormattedLine(widget._get_style, ...)``, which resolves ``".component-class"`` and
    ``"$variable"`` styles for the widget; there is no public way to draw one line on its own.
    """
    from textual.strip import Strip

    segments, length = _FormattedLine(widget._get_style, line, width, y=y).to_strip(base)
    return Strip(segments, length)


def apply_link_style(strip: Strip, link_style: RichStyle) -> Strip:
    """``strip`` with ``link_style`` added to its clickable (``@click``) segments.

    Textual 8.2.8: ``Strip._apply_link_style``, what a widget's ``render_lines`` applies when
    ``auto_links`` is on.
    """
    return strip._apply_link_style(link_style)


def is_selecting(screen: Screen[Any]) -> bool:
    """Whether the mouse is dragging out a text selection on ``screen`` right now.

    Textual 8.2.8: the ``Screen._selecting`` var; links are not styled while it is set.
    """
    return bool(screen._selecting)


def footer_bindings_ready(footer: Footer) -> None:
    """Let ``footer`` compose its keys (``Footer._bindings_ready``, as its
    ``bindings_changed`` sets it). Textual 8.2.8."""
    footer._bindings_ready = True


def clear_arrangement_cache(widget: Widget) -> None:
    """Forget ``widget``'s last arrangement of its children (it keeps them alive).

    Textual 8.2.8: ``Widget._clear_arrangement_cache()``.
    """
    widget._clear_arrangement_cache()


def clear_query_one_cache(widget: Widget) -> None:
    """Forget the ``query_one`` results kept on ``widget`` (up to 1,024, keeping them alive).

    Textual 8.2.8: ``DOMNode._query_one_cache``, an ``LRUCache`` keyed by a counter that only
    grows, so entries for removed children are never looked up again nor dropped soon.
    """
    widget._query_one_cache.clear()


async def drop_children(widget: Widget) -> None:
    """Remove ``widget``'s children and let them be freed.

    Textual 8.2.8 keeps a parent's last arrangement, its list of displayed children and its
    ``query_one`` results after the children are removed: left alone, those caches keep every
    removed widget alive.
    """
    await widget.remove_children()
    clear_arrangement_cache(widget)
    clear_query_one_cache(widget)
    _ = widget.displayed_children  # recomputes Textual's cached list, now empty


def is_anchored(widget: Widget) -> bool:
    """Whether ``widget`` was anchored (``Widget.anchor()``), released or not.

    Textual 8.2.8: the public ``Widget.is_anchored`` property reads ``Widget._anchored``; kept
    here beside ``anchor_released``, which has no public counterpart.
    """
    return widget.is_anchored


def anchor_released(widget: Widget) -> bool:
    """Whether the reader scrolled an anchored ``widget`` away from its end.

    Textual 8.2.8: ``Widget._anchor_released``, set by ``release_anchor()`` and by scrolling
    up, cleared when the widget is scrolled back to its end.
    """
    return widget._anchor_released


def notifications(app: App[Any]) -> list[Notification]:
    """The notifications ``app`` is showing, oldest first.

    Textual 8.2.8: ``App._notifications``, a ``Notifications`` collection.
    """
    return list(app._notifications)


def render_screen_strips(screen: Screen[Any]) -> list[Strip]:
    """What ``screen`` shows now, one strip per row (for tests to read the screen).

    Textual 8.2.8: ``Screen._compositor.render_strips()``.
    """
    return screen._compositor.render_strips()
