"""Ask for a file path (to open a scenario from anywhere, or to save the mocks as a new one)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input

from .plain import Plain


class PathPrompt(ModalScreen[tuple[Path, bool] | None]):
    """Dismisses with (path, anonymize) on Enter, None on Esc."""

    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    #path-box { width: 100%; max-width: 100; height: auto; border: thick $accent; background: $surface;
                padding: 1 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="path-cancel", tooltip="Nothing is opened or written")]

    def __init__(self, title: str, hint: str, *, value: str = "", anonymize: bool | None = None) -> None:
        super().__init__()
        self.title_text, self.hint, self.value, self.anonymize = title, hint, value, anonymize

    def compose(self) -> ComposeResult:
        with Vertical(id="path-box"):
            yield Plain(Text(self.title_text, style="bold"), id="path-title")
            yield Plain(self.hint, id="path-hint", classes="status")
            yield Input(value=self.value, placeholder="path/to/scenario.yaml", id="path")
            if self.anonymize is not None:
                yield Checkbox("Anonymize (names, emails, phones, addresses replaced consistently)",
                               value=self.anonymize, id="anonymize")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted, "#path")
    def _submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            return
        anonymize = self.query_one("#anonymize", Checkbox).value if self.anonymize is not None else False
        self.dismiss((Path(event.value.strip()).expanduser(), anonymize))

    def action_cancel(self) -> None:
        self.dismiss(None)
