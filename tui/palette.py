"""Command palette provider: the screens, and the actions of the screen in front."""

from __future__ import annotations

from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


class ScreenCommands(Provider):
    """The app's bindings (F1-F5, help) and the screen in front's, named as the footer and help name them."""

    def _commands(self) -> list[tuple[str, str, str, object]]:
        app = self.app
        screen = self.screen
        commands: list[tuple[str, str, str, object]] = [
            (b.description, b.action, b.tooltip or "", app) for b in app.BINDINGS
            if isinstance(b, Binding) and b.id and b.description]
        for binding in getattr(screen, "BINDINGS", []):
            if getattr(binding, "description", "") and getattr(binding, "id", None):
                commands.append((binding.description, binding.action, binding.tooltip or "", screen))
        return commands

    async def _run(self, node: object, action: str) -> None:
        await self.app.run_action(action, node)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for name, action, help_text, node in self._commands():
            yield DiscoveryHit(name, partial(self._run, node, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text, node in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self._run, node, action), help=help_text)
