"""The footer: the keys of the screen in front. Narrow terminals get the compact form, without the palette
hint (ctrl+p still opens it), so that 80 columns show every key; the screen keys F1-F5 are one group."""

from __future__ import annotations

from textual.widgets import Footer

NARROW = 120


class Keys(Footer):
    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        width = self.app.size.width
        self.compact = width < NARROW
        self.show_command_palette = width >= NARROW
