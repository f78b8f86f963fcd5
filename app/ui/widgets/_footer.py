"""``KeyFooter``: Textual's ``Footer``, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

from app.ui._textual_private import footer_bindings_ready


class KeyFooter(Footer):
    """The key bar, as Textual's ``Footer`` draws it.

    Textual's rebuilds its keys (a widget each, restyled) on every change of the screen's
    bindings, which every focus change is: about 25 times in a short session, each one most of
    a frame, while the keys shown stayed the same nearly every time. This one rebuilds only
    when what it would show differs.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        footer_bindings_ready(self)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        if not self.is_attached:
            return
        shown = self._keys_shown()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    def _keys_shown(self) -> tuple[object, ...]:
        """What ``Footer.compose`` builds its keys from, for the screen's bindings now."""
        app = self.app
        keys: list[object] = [
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                binding.group,
                enabled,
                tooltip,
            )
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.key == app.COMMAND_PALETTE_BINDING
        ]
        keys.append((self.show_command_palette, app.ENABLE_COMMAND_PALETTE))
        return tuple(keys)
